# Device layer (include/tcc/bo.h): tcc.ko render node via libdrm, or memfds.
LIBTCC_SRCS += libtcc/dev/node.c libtcc/dev/device.c libtcc/dev/bo.c \
	       libtcc/dev/bo_module.c libtcc/dev/bo_memfd.c
LIBTCC_PKGS += libdrm
