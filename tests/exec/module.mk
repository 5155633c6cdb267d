# Model executors (include/tcc/executor.h) on the embedded default: cmocka, TAP.
# The ONNX models are written by gen_models.py at run time (tests/exec/run.sh);
# the QEMU guest test tests/kmod/exec_model_test embeds mlp.onnx as bytes.
EXEC_TEST_SRCS := $(sort $(wildcard tests/exec/test_*.c))
EXEC_TEST_BINS := $(EXEC_TEST_SRCS:tests/exec/%.c=$(BUILD)/tests/exec/%)
TEST_BINS += $(EXEC_TEST_BINS)

$(BUILD)/tests/exec/%: $(BUILD)/obj/tests/exec/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL) -lcmocka

# The guest has no Python: the model travels inside the static test program.
EXEC_GUEST_MODEL_H := $(BUILD)/gen/exec/mlp_onnx.h
$(EXEC_GUEST_MODEL_H): tests/exec/gen_models.py
	@mkdir -p $(@D)
	/usr/bin/python3 tests/exec/gen_models.py $(BUILD)/gen/exec --c-header $@
$(BUILD)/tests/kmod/exec_model_test $(BUILD)/tests/kmod/model_weights_test: $(EXEC_GUEST_MODEL_H)
$(BUILD)/tests/kmod/exec_model_test $(BUILD)/tests/kmod/model_weights_test: KMOD_TEST_CFLAGS += -I$(BUILD)/gen/exec
