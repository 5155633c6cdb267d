#!/usr/bin/env bash
# ONNX backend conformance: every test of Debian's libonnx-testdata (node/,
# pytorch-converted/, pytorch-operator/, simple/) through libtccml's public
# model API, one TAP line per test, then per-directory counts and the issue's
# target line.  See Documentation/testing.md.
#
# Environment: TCC_CONFORMANCE_TARGET=0 reports the target as SKIP (numbers
# still printed); TCC_CONFORMANCE_JOBS (default: online CPUs),
# TCC_CONFORMANCE_TIMEOUT (s per test, default 60), TCC_CONFORMANCE_BUDGET
# (s for the suite, default 540).  Arguments are passed to the runner, e.g.
# `tests/conformance/run.sh 'node/test_conv*'`.
set -uo pipefail
cd "$(dirname "$0")/../.."
b=${BUILD:-build}	# the Makefile's BUILD, for out-of-tree builds
out=$b/conformance
runner=$b/tests/conformance/runner

# The harness's own comparison and readers first: a suite is only as good as its judge.
if [[ -x $b/tests/conformance/selftest ]]; then
	CMOCKA_MESSAGE_OUTPUT=TAP "$b/tests/conformance/selftest"
else
	echo "1..1"
	echo "not ok 1 - conformance self-test $b/tests/conformance/selftest not built"
fi
if [[ ! -x $runner ]]; then
	echo "1..1"
	echo "not ok 1 - conformance runner $runner not built (libtccml has no tcc_model_load yet, or make tests failed)"
	exit 1
fi
mkdir -p "$out"
if [[ ! -s $out/manifest.tsv || tests/conformance/convert.py -nt $out/manifest.tsv ]]; then
	if ! /usr/bin/python3 tests/conformance/convert.py "$out" >&2; then
		echo "1..1"
		echo "not ok 1 - converting the ONNX test data (tests/conformance/convert.py) failed"
		exit 1
	fi
fi
# Compiled kernels are cached per checkout, not in the user's home.
export TCC_CACHE_DIR=${TCC_CACHE_DIR:-$(realpath -m "$out/cache")}

# The runner's isolation: an injected crash, hang and silent exit must each be
# a failure naming the test and the phase, and the runner must carry on.
iso=$(TCC_CONFORMANCE_INJECT='crash:node/test_abs,hang:node/test_acos,exit:node/test_add' \
	"$runner" --manifest "$out/manifest.tsv" --summary /dev/null --log /dev/null --jobs 2 \
	--timeout 2 --no-target node/test_abs node/test_acos node/test_add node/test_relu 2>&1)
echo "1..1"
if grep -qx 'not ok 1 - node/test_abs: crashed with Segmentation fault during injected crash' <<<"$iso" &&
	grep -qx 'not ok 2 - node/test_acos: timed out after 2 s during injected hang' <<<"$iso" &&
	grep -qx 'not ok 3 - node/test_add: exited with status 3 during injected exit without a verdict' <<<"$iso" &&
	grep -qE '^(ok|not ok) 4 - node/test_relu' <<<"$iso"; then
	echo "ok 1 - runner isolation: injected crash, hang and silent exit are failures naming test and phase"
else
	echo "not ok 1 - runner isolation: injected faults were not reported as expected"
	sed 's/^/    /' <<<"$iso"
fi

"$runner" --manifest "$out/manifest.tsv" --known tests/conformance/known-data-defects.tsv \
	--summary "$out/summary.json" --log "$out/runner.log" \
	--jobs "${TCC_CONFORMANCE_JOBS:-$(nproc)}" --timeout "${TCC_CONFORMANCE_TIMEOUT:-60}" \
	--budget "${TCC_CONFORMANCE_BUDGET:-540}" "$@"
rc=$?
if [[ -s $out/summary.json ]] && /usr/bin/python3 tests/conformance/report.py "$out/summary.json" > "$out/report.txt"; then
	/usr/bin/python3 tests/conformance/report.py "$out/summary.json" 12 | sed -n '/reasons/,$p' | sed 's/^/# /'
	echo "# full report: $out/report.txt, per-test verdicts: $out/summary.json, library output: $out/runner.log"
fi
exit $rc
