#!/usr/bin/env bash
# tccctl weights on the embedded backend: load --resident, list (human and
# JSON), collisions, unload, bad input.  TAP on stdout.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=build/bin/tccctl
name=wt-cli-$$
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; $B weights unload $name --backend embedded >/dev/null 2>&1; $B weights unload $name-run >/dev/null 2>&1' EXIT
head -c 3000000 /dev/urandom > "$tmp/w.bin"
n=0 fails=0
check() { # check "description" command...
	local d=$1; shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then echo "ok $n - tccctl: $d"
	else echo "not ok $n - tccctl: $d"; sed 's/^/#   /' "$tmp/out"; fails=$((fails + 1)); fi
}
echo "1..12"
check "load --resident returns and reports the size" \
	bash -c "$B weights load $name $tmp/w.bin --resident --backend embedded | grep -q '3000000 bytes'"
check "list shows it resident" \
	bash -c "$B weights list --backend embedded | grep -E '^$name +embedded .* resident '"
check "list --json is valid JSON with the buffer" \
	bash -c "$B weights list --json --backend embedded | /usr/bin/python3 -c '
import json, sys
w = [x for x in json.load(sys.stdin)[\"weights\"] if x[\"name\"] == \"$name\"]
assert len(w) == 1 and w[0][\"size\"] == 3000000 and w[0][\"resident\"] and w[0][\"sealed\"], w'"
check "a second load of the same name fails with exit 1" \
	bash -c "$B weights load $name $tmp/w.bin --resident --backend embedded; test \$? = 1"
check "unload removes it" \
	bash -c "$B weights unload $name --backend embedded && ! $B weights list --backend embedded | grep -q '^$name '"
check "unload of an unknown name fails with exit 1" \
	bash -c "$B weights unload $name --backend embedded; test \$? = 1"
check "bad name and bad usage are refused" \
	bash -c "$B weights load 'a b' $tmp/w.bin --backend embedded; test \$? = 1 && $B weights frob; test \$? = 2"
if [[ -n ${TCC_WEIGHTS_TEST_ONNX:-} ]]; then
	# 448 bytes for W and B, then W's pre-packed record (its size depends on the CPU's oneDNN layout).
	check "load --onnx packs the model's initializers and W's pre-packed record" \
		bash -c "$B weights load $name-onnx $TCC_WEIGHTS_TEST_ONNX --onnx --resident --backend embedded |
			 grep -Eq ': ([5-9][0-9]{2}|[0-9]{4,}) bytes' &&
			 $B weights unload $name-onnx --backend embedded"
	# By default W (read only by its MatMul) is stored pre-packed alone; --keep-plain adds its 48 plain bytes.
	check "load --onnx --keep-plain also keeps the plain copy of pre-packed weights" \
		bash -c "a=\$($B weights load $name-p1 $TCC_WEIGHTS_TEST_ONNX --onnx --resident | sed -E 's/.*: ([0-9]+) bytes.*/\\1/') &&
			 b=\$($B weights load $name-p2 $TCC_WEIGHTS_TEST_ONNX --onnx --keep-plain --resident | sed -E 's/.*: ([0-9]+) bytes.*/\\1/') &&
			 $B weights unload $name-p1 && $B weights unload $name-p2 && echo \$a \$b && test \$b -gt \$a"
else
	n=$((n + 2)); echo "ok $((n - 1)) - tccctl: load --onnx # SKIP no test model (python3-onnx)"
	echo "ok $n - tccctl: load --onnx --keep-plain # SKIP no test model (python3-onnx)"
fi
# tcc-run --weights: the buffer's default backend is what tcc_options.weights opens.
R=build/bin/tcc-run
if [[ -n ${TCC_WEIGHTS_TEST_ONNX:-} ]]; then
	check "tcc-run --weights NAME gives the private run's output, read from the buffer" \
		bash -c "$B weights load $name-run $TCC_WEIGHTS_TEST_ONNX --onnx --resident >/dev/null &&
			 $R $TCC_WEIGHTS_TEST_ONNX --output-dir $tmp/private >/dev/null &&
			 $R $TCC_WEIGHTS_TEST_ONNX --weights $name-run --output-dir $tmp/shared >/dev/null &&
			 cmp $tmp/private/y.npy $tmp/shared/y.npy"
	check "tcc-run --weights with another model's buffer or no buffer fails with exit 1 and says why" \
		bash -c "$B weights load $name-other $tmp/w.bin --resident >/dev/null;
			 $R $TCC_WEIGHTS_TEST_ONNX --weights $name-other 2>$tmp/err; rc=\$?;
			 $B weights unload $name-other; test \$rc = 1 && grep -q 'packed initializers' $tmp/err &&
			 $R $TCC_WEIGHTS_TEST_ONNX --weights $name-none 2>$tmp/err; test \$? = 1 && grep -q 'no such' $tmp/err"
	check "tcc-run --weights at --opt-level 0 (plain kernels) loads privately, says so, same output" \
		bash -c "$R $TCC_WEIGHTS_TEST_ONNX --weights $name-run --opt-level 0 -v --output-dir $tmp/o0 2>$tmp/err >/dev/null &&
			 grep -q 'loading the model privately' $tmp/err &&
			 $R $TCC_WEIGHTS_TEST_ONNX --opt-level 0 --output-dir $tmp/o0p >/dev/null && cmp $tmp/o0p/y.npy $tmp/o0/y.npy"
else
	n=$((n + 3)); echo "ok $((n - 2)) - tcc-run --weights # SKIP no test model (python3-onnx)"
	echo "ok $((n - 1)) - tcc-run --weights, wrong buffer # SKIP no test model (python3-onnx)"
	echo "ok $n - tcc-run --weights --opt-level 0 # SKIP no test model (python3-onnx)"
fi
exit $((fails > 0))
