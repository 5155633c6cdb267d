# Graph compiler tests: IR passes, model API, loader robustness (cmocka, TAP),
# plus tcc-run CLI and numeric op checks driven by run.sh.
COMPILER_TEST_SRCS := $(sort $(wildcard tests/compiler/test_*.c))
COMPILER_TEST_BINS := $(COMPILER_TEST_SRCS:tests/compiler/%.c=$(BUILD)/tests/compiler/%)
TEST_BINS += $(COMPILER_TEST_BINS)

$(BUILD)/tests/compiler/%: $(BUILD)/obj/tests/compiler/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL) -lcmocka
