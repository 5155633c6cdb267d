# Kernel-layer tests: oneDNN extern kernels, C JIT + cache, CPU features (cmocka, TAP).
KERNEL_TEST_SRCS := $(sort $(wildcard tests/kernels/test_*.c))
KERNEL_TEST_BINS := $(KERNEL_TEST_SRCS:tests/kernels/%.c=$(BUILD)/tests/kernels/%)
TEST_BINS += $(KERNEL_TEST_BINS)

$(BUILD)/tests/kernels/%: $(BUILD)/obj/tests/kernels/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL) -lcmocka
