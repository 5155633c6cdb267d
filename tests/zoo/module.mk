# Zoo suite (tests/zoo/run.sh: torchvision's families at small sizes).
# `make zoo-models` exports them (tests/models/zoo.py, needs python3-torchvision)
# without running them; bench/zoo.sh exports the full-size set itself.
.PHONY: zoo-models
zoo-models:
	/usr/bin/python3 tests/models/zoo.py --small $(BUILD)/zoo/small
