#!/usr/bin/env bash
# tcc-run command line: help, errors and exit codes, .npy round trip, --bench line.  TAP.
set -uo pipefail
bin=$1 models=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
t() {	# t NAME CMD...: passes when CMD succeeds
	local name=$1; shift
	if out=$("$@" 2>&1); then ok "$name"; else nok "$name" "$out"; fi
}

echo "1..12"
t "--help explains every flag" bash -c "'$bin' --help | grep -q -- --input && '$bin' --help | grep -q -- --output-dir &&
	'$bin' --help | grep -q -- --bench && '$bin' --help | grep -q -- --threads"
t "no model is a usage error (exit 2)" bash -c "'$bin'; test \$? -eq 2"
t "bad --bench value is a usage error" bash -c "'$bin' '$models/add.onnx' --bench x; test \$? -eq 2"
t "missing model file: exit 1 with the path" bash -c "'$bin' '$tmp/none.onnx' 2>&1 | grep -q 'none.onnx'; test \${PIPESTATUS[0]} -eq 1"
t "unsupported op: exit 1 naming node and op" bash -c "'$bin' '$models/unknown_op.onnx' 2>&1 | grep -q \"node 'fancy1' (FancyOp)\""
t "unknown --input name is an error" bash -c "! '$bin' '$models/add.onnx' --input nope=/dev/null"
/usr/bin/python3 -c "import numpy as np; np.save('$tmp/x.npy', np.arange(6, dtype=np.float32).reshape(2, 3))"
t "--input .npy in, --output-dir .npy out" bash -c "'$bin' '$models/add.onnx' --input x='$tmp/x.npy' --output-dir '$tmp/o/deep' >/dev/null &&
	/usr/bin/python3 -c \"import numpy as np; y = np.load('$tmp/o/deep/y.npy'); assert (y == 2 * np.arange(6).reshape(2, 3)).all()\""
t "random inputs are seeded (same seed, same output)" bash -c "'$bin' '$models/add.onnx' --seed 7 | grep '^output' > '$tmp/a' &&
	'$bin' '$models/add.onnx' --seed 7 | grep '^output' > '$tmp/b' && cmp -s '$tmp/a' '$tmp/b' &&
	'$bin' '$models/add.onnx' --seed 8 | grep '^output' > '$tmp/c' && ! cmp -s '$tmp/a' '$tmp/c'"
t "--bench N ends with the latency line" bash -c "'$bin' '$models/chain.onnx' --bench 5 --threads 1 | tail -1 |
	grep -Eq '^latency_ms median=[0-9.]+ min=[0-9.]+ iters=5$'"
compile=$(dirname "$bin")/tcc-compile
t "tcc-compile --plan lists every node with its kernel" bash -c "'$compile' '$models/chain.onnx' --opt-level 0 --plan |
	grep -c '\\[reference\\]' | grep -qx 6"
t "tcc-compile fills the cache; the next load is a hit" bash -c "'$compile' '$models/gelu_tanh.onnx' --cache-dir '$tmp/cache' | grep -q 'C compiler runs 1, cache hits 0' &&
	'$compile' '$models/gelu_tanh.onnx' --cache-dir '$tmp/cache' | grep -q 'C compiler runs 0, cache hits 1'"
t "convs that feed only convs/pools keep oneDNN's blocked layout" bash -c "/usr/bin/python3 examples/make_model.py cnn '$tmp/cnn.onnx' &&
	'$compile' '$tmp/cnn.onnx' --plan | grep -c 'blocked out' | grep -qx 7"
