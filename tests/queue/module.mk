# Queue API unit tests (cmocka, TAP) on the embedded default: no tcc.ko needed.
QUEUE_TEST_SRCS := $(sort $(wildcard tests/queue/test_*.c))
QUEUE_TEST_BINS := $(QUEUE_TEST_SRCS:tests/queue/%.c=$(BUILD)/tests/queue/%)
TEST_BINS += $(QUEUE_TEST_BINS)

$(BUILD)/tests/queue/%: $(BUILD)/obj/tests/queue/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL) -lcmocka
