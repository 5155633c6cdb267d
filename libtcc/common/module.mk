LIBTCC_SRCS += libtcc/common/error.c libtcc/common/json.c
