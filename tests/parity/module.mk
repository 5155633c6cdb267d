# Parity suite: nothing to compile.  `make parity-models` exports the test
# models (tests/models/export.py, needs python3-torch) without running them;
# tests/parity/run.sh does the same on demand.
.PHONY: parity-models
parity-models:
	/usr/bin/python3 tests/models/export.py $(BUILD)/parity
