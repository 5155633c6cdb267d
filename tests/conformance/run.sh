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

"$runner" --manifest "$out/manifest.tsv" --summary "$out/summary.json" --log "$out/runner.log" \
	--jobs "${TCC_CONFORMANCE_JOBS:-$(nproc)}" --timeout "${TCC_CONFORMANCE_TIMEOUT:-60}" \
	--budget "${TCC_CONFORMANCE_BUDGET:-540}" "$@"
rc=$?
if [[ -s $out/summary.json ]] && /usr/bin/python3 tests/conformance/report.py "$out/summary.json" > "$out/report.txt"; then
	/usr/bin/python3 tests/conformance/report.py "$out/summary.json" 12 | sed -n '/reasons/,$p' | sed 's/^/# /'
	echo "# full report: $out/report.txt, per-test verdicts: $out/summary.json, library output: $out/runner.log"
fi
exit $rc
