#!/usr/bin/env bash
# Weight buffers on the embedded backend (no module): every test binary, TAP.
# The same binaries run against tcc.ko when TCC_WEIGHTS_TEST_BACKEND=module.
set -uo pipefail
cd "$(dirname "$0")/../.."
export CMOCKA_MESSAGE_OUTPUT=TAP
echo "# shmem THP: $(cat /sys/kernel/mm/transparent_hugepage/shmem_enabled 2>/dev/null || echo n/a);" \
     "hugetlb pages free: $(awk '/HugePages_Free/ {print $2}' /proc/meminfo)"
rc=0
# A small ONNX model with known initializers (python3-onnx); without it that case skips.
mkdir -p build/tests/weights
if /usr/bin/python3 tests/weights/make_onnx.py build/tests/weights/tiny.onnx 2>/dev/null; then
	export TCC_WEIGHTS_TEST_ONNX=build/tests/weights/tiny.onnx
fi
# Models for test_model_weights (a 36 MiB MLP, Conv+BN, mismatching tiny ones).
mkdir -p build/tests/weights/models
if /usr/bin/python3 tests/weights/make_models.py build/tests/weights/models 2>/dev/null; then
	export TCC_WEIGHTS_TEST_MODELS=build/tests/weights/models
else
	echo "# make_models.py failed (python3-onnx/numpy missing?): test_model_weights skips"
fi
# Models with external data (test_external_data makes the files they point at).
rm -rf build/tests/weights/external
if /usr/bin/python3 tests/weights/make_external.py build/tests/weights/external 2>/dev/null; then
	export TCC_WEIGHTS_TEST_EXTERNAL=$PWD/build/tests/weights/external
else
	echo "# make_external.py failed (python3-onnx missing?): test_external_data skips"
fi
for t in build/tests/weights/test_*; do
	[[ -x $t ]] || continue
	echo "# $t"
	# cmocka 1.1 prints a skip as "not ok N # SKIP name": rewrite it as TAP's "ok N - name # SKIP".
	timeout 60 "$t" | sed -E 's/^not ok ([0-9]+) # SKIP *(.*)$/ok \1 - \2 # SKIP/'
	((PIPESTATUS[0] == 0)) || rc=1
done
echo "# tests/weights/tccctl.sh"
tests/weights/tccctl.sh || rc=1
exit $rc
