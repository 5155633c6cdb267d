# Model executors (include/tcc/executor.h): model jobs on CPU queues, served
# with tcc_model_run() by executor processes (tcc.ko) or in-process workers.
LIBTCC_SRCS += libtcc/exec/desc.c libtcc/exec/run_job.c libtcc/exec/executor.c \
	       libtcc/exec/embedded.c libtcc/exec/kmod.c
