# Device queues (include/tcc/queue.h): the embedded default and the tcc.ko backend.
LIBTCC_SRCS += libtcc/queue/queue.c libtcc/queue/fence.c libtcc/queue/cmd_exec.c \
	       libtcc/queue/embedded.c libtcc/queue/kmod.c
LIBTCC_PKGS += libdrm
