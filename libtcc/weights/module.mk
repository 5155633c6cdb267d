# Weight buffers: embedded (memfd + keeper) and tcc.ko backends, packed images.
LIBTCC_SRCS += libtcc/weights/weights.c libtcc/weights/embedded.c \
	       libtcc/weights/keeper.c libtcc/weights/backing.c \
	       libtcc/weights/pack.c libtcc/weights/kmod.c \
	       libtcc/weights/onnx_records.c libtcc/weights/packed.c

# Content digests of initializers (XXH3): also for the static kmod tests.
LIBTCC_PKGS += libxxhash
KMOD_LIB_LDLIBS += -lxxhash
