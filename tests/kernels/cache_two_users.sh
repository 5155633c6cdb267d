#!/usr/bin/env bash
# The code cache across users, as an attacker would try it.  Run by run.sh.
#
# User B (the attacker) pre-creates the victim's fallback cache directory
# /tmp/tcc-cache-<uid of A> (what tcc uses with no TCC_CACHE_DIR,
# XDG_CACHE_HOME or HOME: cron, systemd), mode 0777, and plants under every
# entry name a shared object with a valid trailer whose constructor leaves a
# mark.  Entry names are predictable: B learns them by compiling the same
# model.  User A then runs tcc-run with an empty environment: it must give
# the same outputs as a clean run and never load B's object.
#
# Needs root (to create the two users with useradd and switch to them):
# otherwise the case is skipped, saying so.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
echo "1..1"
name="a planted cache directory of another user is never used"
if ((EUID != 0)) || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
	echo "ok 1 - $name # SKIP needs root, useradd and runuser to create and become two users"
	exit 0
fi
if ! /usr/bin/python3 -c "import onnx" 2>/dev/null; then
	echo "ok 1 - $name # SKIP python3-onnx is needed to generate the model"
	exit 0
fi
victim=tcc-test-victim
attacker=tcc-test-attacker
created=()
for u in $victim $attacker; do
	id -u $u >/dev/null 2>&1 && continue
	useradd --system --no-create-home --shell /usr/sbin/nologin $u || {
		echo "not ok 1 - $name # useradd $u failed"
		exit 1
	}
	created+=("$u")
done
uid_v=$(id -u $victim)
fallback=/tmp/tcc-cache-$uid_v
work=$(mktemp -d /tmp/tcc-two-users.XXXXXX)
# The users this run made go with it; so does everything they own here.
cleanup() {
	rm -rf "$work" "$fallback"
	for u in "${created[@]}"; do userdel "$u" 2>/dev/null; done
}
trap cleanup EXIT
rm -rf "$fallback"
chmod 0755 "$work"
mkdir -m 0777 "$work/mark"
cp -r "$BUILD/bin" "$BUILD/lib" "$work/"	# readable and runnable by both users
chmod -R a+rX "$work/bin" "$work/lib"
fail() {
	echo "not ok 1 - $name # $*"
	exit 1
}

# A model whose pointwise chain is compiled by the JIT.
/usr/bin/python3 - "$work/model.onnx" <<'PY' || fail "generating the model"
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
c = numpy_helper.from_array(np.linspace(-1, 1, 64, dtype=np.float32).reshape(1, 64), "c")
nodes = [helper.make_node("Add", ["x", "c"], ["a"]), helper.make_node("Relu", ["a"], ["r"]),
         helper.make_node("Mul", ["r", "a"], ["m"]), helper.make_node("Tanh", ["m"], ["y"])]
g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 64])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 64])], [c])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
PY
chmod a+r "$work/model.onnx"

# The reference: root, a fresh private cache.
TCC_CACHE_DIR=$work/root-cache "$work/bin/tcc-run" "$work/model.onnx" --output-dir "$work/ref" >/dev/null ||
	fail "reference run failed"

# The attacker learns the entry names by compiling the same model...
mkdir -m 0700 "$work/attacker" && chown $attacker "$work/attacker"
runuser -u $attacker -- env -i PATH=/usr/bin:/bin TCC_CACHE_DIR="$work/attacker/cache" \
	"$work/bin/tcc-run" "$work/model.onnx" >/dev/null || fail "attacker's run failed"
mapfile -t entries < <(cd "$work/attacker/cache" && ls -- *.so)
((${#entries[@]} > 0)) || fail "the model compiled no JIT entry: nothing to plant"
# ... builds an object that marks its loading, with the trailer a genuine entry has ...
cat >"$work/evil.c" <<C
#include <stdio.h>
__attribute__((constructor)) static void planted(void)
{
	FILE *f = fopen("$work/mark/loaded", "w");
	if (f)
		fclose(f);
}
C
cat >"$work/seal.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
/* Appends "TCCJIT01" + XXH64 of the file, as tcc's cache entries end. */
int main(int argc, char **argv)
{
	FILE *f = fopen(argv[1], "r+b");
	static char buf[1 << 24];
	size_t n = fread(buf, 1, sizeof(buf), f);
	unsigned long long h = XXH64(buf, n, 0);
	fwrite("TCCJIT01", 1, 8, f);
	fwrite(&h, 1, 8, f);
	return fclose(f) != 0;
}
C
cc -shared -fPIC -o "$work/evil.so" "$work/evil.c" && cc -o "$work/seal" "$work/seal.c" -lxxhash &&
	"$work/seal" "$work/evil.so" || fail "building the planted object"
chmod a+r "$work/evil.so"
# ... and plants it under every name, in a directory it created for the victim.
runuser -u $attacker -- mkdir -m 0777 "$fallback" || fail "attacker could not create $fallback"
for e in "${entries[@]}"; do
	runuser -u $attacker -- cp "$work/evil.so" "$fallback/$e" || fail "planting $e"
	runuser -u $attacker -- chmod 0666 "$fallback/$e"
done

# The victim, with no HOME, XDG_CACHE_HOME or TCC_CACHE_DIR (cron, systemd).
mkdir -m 0700 "$work/victim" && chown $victim "$work/victim"
runuser -u $victim -- env -i PATH=/usr/bin:/bin "$work/bin/tcc-run" "$work/model.onnx" \
	--output-dir "$work/victim/out" >"$work/victim.log" 2>&1
rc=$?
sed 's/^/# victim: /' "$work/victim.log"
((rc == 0)) || fail "the victim's tcc-run failed (exit $rc)"
[[ ! -e $work/mark/loaded ]] || fail "the victim loaded the attacker's object"
grep -q "not using $fallback" "$work/victim.log" || fail "the refusal was not reported on stderr"
cmp -s "$work/ref/y.npy" "$work/victim/out/y.npy" || fail "the victim's outputs differ from the reference"
# Nothing of the victim's was written into the attacker's directory.
for f in "$fallback"/*; do
	[[ $(stat -c %U "$f") == "$attacker" ]] || fail "$f was written into the attacker's directory"
done
echo "ok 1 - $name (${#entries[@]} planted entries refused)"
