# Reference kernels for every supported op (OpenMP over rows/blocks).
LIBTCC_SRCS += $(sort $(wildcard libtcc/ops/*.c))
$(BUILD)/obj/libtcc/ops/%.o: CFLAGS += -O3
