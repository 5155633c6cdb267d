#!/usr/bin/env bash
# Graph compiler tests: passes and model API (cmocka), tcc-run CLI, numeric
# checks against NumPy/PyTorch.  TAP on stdout; each part plans its own count.
set -uo pipefail
cd "$(dirname "$0")/../.."
export CMOCKA_MESSAGE_OUTPUT=TAP
models=build/tests/compiler/models
rc=0
if ! /usr/bin/python3 tests/compiler/gen_models.py "$models" >/dev/null; then
	echo "1..1"
	echo "not ok 1 - generate test models (python3-onnx missing?)"
	exit 1
fi
for t in build/tests/compiler/test_*; do
	[[ -x $t ]] || continue
	TCC_TEST_MODELS=$models "$t" || rc=1
done
bash tests/compiler/test_cli.sh build/bin/tcc-run "$models" || rc=1
/usr/bin/python3 tests/compiler/test_numeric.py build/bin/tcc-run || rc=1
/usr/bin/python3 tests/compiler/test_dnnl_norm_fold.py build/bin/tcc-run || rc=1
/usr/bin/python3 tests/compiler/test_conv_layouts.py build/bin/tcc-run || rc=1
/usr/bin/python3 tests/compiler/test_profile.py build/bin/tcc-run || rc=1
exit $rc
