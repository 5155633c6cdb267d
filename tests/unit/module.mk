# Userspace unit tests (cmocka, TAP output).  Each tests/unit/test_*.c is one binary.
UNIT_TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TEST_BINS := $(UNIT_TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
TEST_BINS += $(UNIT_TEST_BINS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL) -lcmocka
