LIBTCC_SRCS += libtcc/common/error.c
