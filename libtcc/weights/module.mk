# Weight buffers: embedded (memfd + keeper) and tcc.ko backends, packed images.
LIBTCC_SRCS += libtcc/weights/weights.c libtcc/weights/embedded.c \
	       libtcc/weights/keeper.c libtcc/weights/backing.c \
	       libtcc/weights/pack.c libtcc/weights/kmod.c \
	       libtcc/weights/onnx_records.c libtcc/weights/packed.c

