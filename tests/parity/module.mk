# Parity suite (tests/parity/run.sh).  `make parity-models` exports the test
# models (tests/models/export.py, needs python3-torch) without running them.
# rerun runs a model several times in one process through the public API.
PARITY_RERUN := $(BUILD)/tests/parity/rerun
TEST_BINS += $(PARITY_RERUN)

$(PARITY_RERUN): $(BUILD)/obj/tests/parity/rerun.o $(BUILD)/obj/tests/conformance/npy.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $(filter %.o,$^) $(TCC_LINK_INTERNAL)

.PHONY: parity-models
parity-models:
	/usr/bin/python3 tests/models/export.py $(BUILD)/parity
