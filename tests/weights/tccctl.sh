#!/usr/bin/env bash
# tccctl weights on the embedded backend: load --resident, list (human and
# JSON), collisions, unload, bad input.  TAP on stdout.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=build/bin/tccctl
name=wt-cli-$$
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; $B weights unload $name --backend embedded >/dev/null 2>&1' EXIT
head -c 3000000 /dev/urandom > "$tmp/w.bin"
n=0 fails=0
check() { # check "description" command...
	local d=$1; shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then echo "ok $n - tccctl: $d"
	else echo "not ok $n - tccctl: $d"; sed 's/^/#   /' "$tmp/out"; fails=$((fails + 1)); fi
}
echo "1..8"
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
	check "load --onnx packs the model's initializers (448-byte image for W and B)" \
		bash -c "$B weights load $name-onnx $TCC_WEIGHTS_TEST_ONNX --onnx --resident --backend embedded | grep -q ': 448 bytes' &&
			 $B weights unload $name-onnx --backend embedded"
else
	n=$((n + 1)); echo "ok $n - tccctl: load --onnx # SKIP no test model (python3-onnx)"
fi
exit $((fails > 0))
