#!/usr/bin/env bash
# The tools from a user's side, TAP: what tcc-run prints and refuses, and
# `make install` / `make uninstall` into a scratch prefix with the README's
# C example compiled against the installed library (pkg-config tccml).
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
B=${BUILD:-build}	# the build tree, like the Makefile's BUILD
R=$B/bin/tcc-run

check() {	# check NAME EXPECTED-REGEX ACTUAL
	n=$((n + 1))
	if grep -Eq -- "$2" <<<"$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "#   expected /$2/ in:"
		sed 's/^/#   /' <<<"$3" | head -20
		failed=1
	fi
}

/usr/bin/python3 examples/make_model.py cnn "$tmp/cnn.onnx" >/dev/null &&
	/usr/bin/python3 tests/tools/make_models.py "$tmp" ||
	{ echo "1..1"; echo "not ok 1 - tests/tools: could not write the test models (python3-onnx)"; exit 1; }

# --- tcc-run: inputs and outputs, and errors about them
out=$($R "$tmp/cnn.onnx" --threads 1 2>&1)
check "tcc-run lists each input with its dtype and shape" '^  input  input: float32 \[1, 3, 64, 64\]$' "$out"
check "tcc-run lists each output with its dtype and shape" '^  output probs: float32 \[1, 10\]$' "$out"
out=$($R "$tmp/symbolic.onnx" --dim batch=3 2>&1)
check "a symbolic dim is shown by its name" '^  input  x: float32 \[batch, 4\]$' "$out"
check "the output summary has the size the run took" '^output y: float32 \[3, 4\]' "$out"
out=$($R "$tmp/cnn.onnx" --input x=nothing.npy 2>&1; echo "exit $?")
check "an unknown input name is an error that lists the model's inputs" \
	"^tcc-run: model has no input named 'x'; its inputs: 'input' \(float32 \[1, 3, 64, 64\]\)$" "$out"
check "an unknown input name exits 1" '^exit 1$' "$out"
/usr/bin/python3 -c 'import numpy as np, sys; np.save(sys.argv[1], np.zeros((2, 5), np.float32))' "$tmp/wrong.npy"
out=$($R "$tmp/symbolic.onnx" --input x="$tmp/wrong.npy" 2>&1; echo "exit $?")
check "a .npy of the wrong shape names what the input takes" \
	"^tcc-run: input 'x': .*wrong\.npy is float32 \[2, 5\], the model takes float32 \[batch, 4\]$" "$out"
printf "\x93NUMPY\x01\x00\x36\x00{'descr': '<f4', 'shape': (2, 4), }%*s\n" 17 '' > "$tmp/nofo.npy"
head -c 32 /dev/zero >> "$tmp/nofo.npy"
out=$($R "$tmp/symbolic.onnx" --input x="$tmp/nofo.npy" 2>&1; echo "exit $?")
check "a .npy header without 'fortran_order' gets its own message" "has no 'fortran_order' key" "$out"
# A 130-byte file claiming 20e9 floats: refused from its size, nothing allocated for it.
printf "\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (99999, 99999, 2), }%*s\n" 47 '' > "$tmp/huge.npy"
head -c 8 /dev/zero >> "$tmp/huge.npy"
out=$( (ulimit -v 4000000; $R "$tmp/symbolic.onnx" --input x="$tmp/huge.npy") 2>&1; echo "exit $?")
check "a .npy whose shape is larger than the file is refused before allocating" "huge\.npy: file is shorter than its shape says" "$out"
printf "\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2  4), }%*s\n" 58 '' > "$tmp/spaces.npy"
head -c 32 /dev/zero >> "$tmp/spaces.npy"
out=$($R "$tmp/symbolic.onnx" --input x="$tmp/spaces.npy" 2>&1; echo "exit $?")
check "a .npy shape without commas between its dims is malformed" "spaces\.npy: malformed \.npy header" "$out"
out=$($R "$tmp/collide.onnx" --output-dir "$tmp/outs" 2>&1; echo "exit $?")
check "two outputs with one file name ('out/1', 'out_1') are an error" \
	"^tcc-run: outputs 'out/1' and 'out_1' would both be written to .*/out_1\.npy" "$out"
check "... and nothing is written" '^0$' "$(find "$tmp/outs" -type f 2>/dev/null | wc -l)"
out=$($R "$tmp/symbolic.onnx" --bench 9223372036854775807 2>&1; echo "exit $?")
check "--bench with a huge count is refused before allocating" '^tcc-run: --bench .*: at most [0-9]+ timed runs$' "$out"
check "... as bad usage (exit 2)" '^exit 2$' "$out"
out=$($R "$tmp/missing.onnx" 2>&1; echo "exit $?")
check "a missing model is named once" '^1$' "$(grep -o 'missing\.onnx' <<<"$out" | wc -l)"
out=$("$B/bin/tcc-compile" "$tmp/symbolic.onnx" --plan --cache-dir "$tmp/cache" 2>&1)
check "tcc-compile --plan shows the inputs and outputs" '^  input  x: float32 \[batch, 4\]$' "$out"

# --- make install / uninstall, and the README's C example against the result
sed -n '/^```c$/,/^```$/p' README.md | sed '1d;$d' > "$tmp/app.c"
check "README.md has a C example" 'tcc_model_load' "$(cat "$tmp/app.c")"
# A make of its own (not the calling make's jobserver), on the same build tree.
make_q=(env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -s BUILD="$B")
inst=$("${make_q[@]}" install DESTDIR="$tmp/dest" PREFIX=/opt/tcc 2>&1; echo "exit $?")
check "make install DESTDIR=... PREFIX=/opt/tcc succeeds" '^exit 0$' "$inst"
pc=$(cat "$tmp/dest/opt/tcc/lib/pkgconfig/tccml.pc" 2>&1)
check "the installed tccml.pc names the installed prefix" '^prefix=/opt/tcc$' "$pc"
check "... not the build directory" '^0$' "$(grep -c "$PWD" <<<"$pc")"
for f in lib/libtccml.so lib/libtccml.so.0 lib/libtccml.a include/tcc/tcc.h include/tcc/model.h \
	 bin/tcc-run bin/tcc-compile bin/tccctl; do
	check "installed: /opt/tcc/$f" '^yes$' "$([[ -e $tmp/dest/opt/tcc/$f ]] && echo yes || echo no)"
done
# pkg-config against the staged tree: the sysroot variable prefixes its paths.
flags=$(PKG_CONFIG_PATH=$tmp/dest/opt/tcc/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$tmp/dest \
	pkg-config --cflags --libs tccml 2>&1)
cc_out=$(cd "$tmp" && cc app.c $flags -o app 2>&1; echo "exit $?")
check "the README example compiles with pkg-config --cflags --libs tccml" '^exit 0$' "$cc_out"
run_out=$(LD_LIBRARY_PATH=$tmp/dest/opt/tcc/lib "$tmp/app" "$tmp/cnn.onnx" 2>&1; echo "exit $?")
check "the README example runs the model against the installed library" '^first logit -?[0-9]' "$run_out"
check "... and exits 0" '^exit 0$' "$run_out"
check "the installed tcc-run finds the installed library by itself" '^  input  input: float32' \
	"$("$tmp/dest/opt/tcc/bin/tcc-run" "$tmp/cnn.onnx" --threads 1 2>&1)"
uninst=$("${make_q[@]}" uninstall DESTDIR="$tmp/dest" PREFIX=/opt/tcc 2>&1; echo "exit $?")
check "make uninstall succeeds" '^exit 0$' "$uninst"
check "make uninstall leaves no file behind" '^$' "$(find "$tmp/dest" -type f -o -type l)"

# A prefix given without DESTDIR, after a build for another prefix: the .pc
# must follow the prefix being installed.
"${make_q[@]}" install PREFIX="$tmp/prefix" >/dev/null 2>&1
check "make install PREFIX=DIR writes prefix=DIR into tccml.pc" "^prefix=$tmp/prefix\$" \
	"$(cat "$tmp/prefix/lib/pkgconfig/tccml.pc" 2>&1)"
flags=$(PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig pkg-config --cflags --libs tccml 2>&1)
cc_out=$(cd "$tmp" && cc app.c $flags -o app2 2>&1 && LD_LIBRARY_PATH=$tmp/prefix/lib ./app2 "$tmp/cnn.onnx" 2>&1)
check "the README example builds and runs against PREFIX=DIR" '^first logit -?[0-9]' "$cc_out"
"${make_q[@]}" uninstall PREFIX="$tmp/prefix" >/dev/null 2>&1
check "make uninstall PREFIX=DIR leaves no file behind" '^$' "$(find "$tmp/prefix" -type f -o -type l)"

echo "1..$n"
exit $failed
