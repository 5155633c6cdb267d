# Weight-buffer tests (cmocka, TAP): the user-level API on the embedded backend.
WEIGHTS_TEST_SRCS := $(sort $(wildcard tests/weights/test_*.c))
WEIGHTS_TEST_BINS := $(WEIGHTS_TEST_SRCS:tests/weights/%.c=$(BUILD)/tests/weights/%)
TEST_BINS += $(WEIGHTS_TEST_BINS)

$(BUILD)/tests/weights/%: $(BUILD)/obj/tests/weights/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL) -lcmocka
