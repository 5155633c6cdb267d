# oneDNN extern kernels (Debian libdnnl-dev 2.6, OpenMP runtime).
LIBTCC_SRCS += libtcc/dnnl/dnnl_core.c libtcc/dnnl/dnnl_matmul.c libtcc/dnnl/dnnl_conv.c libtcc/dnnl/dnnl_pool.c \
	       libtcc/dnnl/dnnl_norm.c libtcc/dnnl/dnnl_packed.c libtcc/dnnl/dnnl_concat.c
LIBTCC_LDLIBS += -ldnnl -lgomp
