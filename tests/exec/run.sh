#!/usr/bin/env bash
# Model executors on the embedded default (forced, so that a loaded tcc.ko
# does not change what is tested here; tests/kmod/exec_model_test covers the
# module path in the QEMU guest).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/tests/exec
mkdir -p "$out"
if ! /usr/bin/python3 tests/exec/gen_models.py "$out/models" >"$out/gen.log" 2>&1; then
	echo "1..1"
	echo "not ok 1 - exec: generating the test models failed (see $out/gen.log)"
	exit 1
fi
export CMOCKA_MESSAGE_OUTPUT=TAP TCC_QUEUE_BACKEND=embedded
export TCC_EXEC_MODEL_DIR=$out/models TCC_CACHE_DIR=$out/cache
rc=0
for t in "$out"/test_*; do
	[[ -x $t ]] || continue
	echo "# $t"
	"$t" || rc=1
done
bash tests/exec/cli.sh || rc=1
exit $rc
