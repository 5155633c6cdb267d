# ONNX backend conformance runner (driven by tests/conformance/run.sh) and the
# self-test of its comparison, .npy and manifest code.
CONFORMANCE_SRCS := $(addprefix tests/conformance/,runner.c run_test.c manifest.c npy.c compare.c summary.c known.c)
CONFORMANCE_RUNNER := $(BUILD)/tests/conformance/runner
CONFORMANCE_SELFTEST := $(BUILD)/tests/conformance/selftest
TEST_BINS += $(CONFORMANCE_SELFTEST)

TEST_BINS += $(CONFORMANCE_RUNNER)

$(CONFORMANCE_RUNNER): $(CONFORMANCE_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $(filter %.o,$^) $(TCC_LINK_INTERNAL)

$(CONFORMANCE_SELFTEST): $(addprefix $(BUILD)/obj/tests/conformance/,selftest.o npy.o manifest.o compare.o summary.o known.o)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ -lcmocka -lm
