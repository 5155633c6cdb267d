#!/usr/bin/env bash
# tcc against ONNX Runtime (fp32) and PyTorch (bf16) on torchvision's model
# families at full size (tests/models/zoo.py --full: 224 px, 299 for
# Inception v3, standard widths, batch 1, random weights), one row per model.
# Not part of `make check`.  See bench/README.md.
#
#   bench/zoo.sh                          every model of tests/models/zoo.py --list
#   ZOO_MODELS="resnet50 swin_t" bench/zoo.sh
#   ZOO_ITERS=50 bench/zoo.sh             timed runs per measurement (default 20)
#   ZOO_ROUNDS=3 bench/zoo.sh             rounds, runtimes interleaved per model (default 2)
#   BENCH_THREADS=2                       threads of every runtime (default 2)
#   ZOO_TIMEOUT=300                       seconds one measurement may take, then it is
#                                         killed and reported as timed out
#
# Per model and round, in this order on the same input (inputs/image.npy):
# tcc-run fp32, ONNX Runtime fp32 (bench/ort_bench.js: 2 intra-op threads,
# sequential, all graph optimisations), tcc-run --bf16, PyTorch bf16
# (bench/torch_bench.py: autocast + jit.trace + jit.freeze).  Each runtime's
# output is checked against PyTorch's fp32 output (max relative error in the
# table).  Results: build/bench/zoo.jsonl; table: bench/report.py --zoo.
set -uo pipefail
cd "$(dirname "$0")/.."

ITERS=${ZOO_ITERS:-${BENCH_ITERS:-20}}
ROUNDS=${ZOO_ROUNDS:-${BENCH_ROUNDS:-2}}
THREADS=${BENCH_THREADS:-2}
TMO=${ZOO_TIMEOUT:-300}
PY=/usr/bin/python3	# Debian's torch/onnx import only there
MODELS=${ZOO_MODELS:-$($PY tests/models/zoo.py --list)}
B=${BUILD:-build}	# the Makefile's BUILD, for out-of-tree builds
OUT=$B/bench
ZDIR=$OUT/zoo
RES=$OUT/zoo.jsonl

say() { echo "zoo: $*" >&2; }
die() { say "$*"; exit 1; }
json_err() { printf '{"model": "%s", "runtime": "%s", "round": %d, "error": %s}\n' "$1" "$2" "$3" \
	"$($PY -c 'import json,sys; print(json.dumps(sys.argv[1][-400:]))' "$4")"; }
# max|out - ref| / max|ref| of two .npy files (tests/parity's definition), or null.
rel_err() { $PY -c 'import sys, numpy as np
a, r = (np.load(f).astype(np.float64) for f in sys.argv[1:3])
print("%.3e" % (np.abs(a - r).max() / max(np.abs(r).max(), 1.1754944e-38)) if a.shape == r.shape else "null")' "$1" "$2" 2>/dev/null || echo null; }

# ---- peers (as bench/run.sh installs them) ----------------------------------
command -v node >/dev/null || die "node is missing (bench/run.sh installs nodejs and npm)"
if [[ ! -f bench/node_modules/onnxruntime-node/package.json ]]; then
	say "installing onnxruntime-node into bench/node_modules (--ignore-scripts)"
	(cd bench && npm install --ignore-scripts --no-package-lock --no-audit --no-fund >&2) ||
		die "npm install onnxruntime-node failed"
fi
$PY -c 'import torchvision' 2>/dev/null || die "python3-torchvision is missing (tools/bootstrap installs it)"

# ---- build and models ----------------------------------------------------------
make -j2 BUILD="$B" lib tools >&2 || die "build failed"
mkdir -p "$ZDIR"
say "exporting the full-size zoo to $ZDIR (only what changed)"
# shellcheck disable=SC2086
$PY tests/models/zoo.py --full "$ZDIR" $MODELS >&2 || die "export failed"

# ---- the host ------------------------------------------------------------------
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1) ($(awk -F': ' '/^vendor_id/ {v=$2} /^cpu family/ {f=$2}
	/^model\t/ {m=$2} END {printf "%s family %s model %s", v, f, m}' /proc/cpuinfo))"
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
	grep -xE 'avx2|fma|avx512f|avx512bw|avx512_vnni|avx512_bf16|amx_tile|amx_bf16|amx_int8|avx_vnni' | tr '\n' ' ')
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "cpu: $cpu, $(nproc) CPUs online; flags: ${flags% }; load average at start: $load"
echo "threads $THREADS, $ITERS timed runs per measurement, $ROUNDS rounds per model, runtimes interleaved"
printf '{"runtime": "host", "cpu": "%s", "cpus": %d, "flags": "%s", "loadavg_start": "%s", "threads": %d, "iters": %d, "rounds": %d}\n' \
	"$cpu" "$(nproc)" "${flags% }" "$load" "$THREADS" "$ITERS" "$ROUNDS" > "$RES"
export OMP_NUM_THREADS=$THREADS

tcc_once() {	# model mode(fp32|bf16) round
	local m=$1 mode=$2 round=$3 dir=$ZDIR/$1 log=$OUT/zoo-tcc-$2-$1.log extra=()
	[[ $mode == bf16 ]] && extra=(--bf16 --verbose)
	rm -rf "$dir/tcc-$mode"
	timeout "$TMO" "$B"/bin/tcc-run "$dir/model.onnx" --input "image=$dir/inputs/image.npy" --bench "$ITERS" \
		--threads "$THREADS" --output-dir "$dir/tcc-$mode" "${extra[@]}" > "$log" 2>&1
	local rc=$?
	if ((rc == 0)); then
		local lat med min ops
		lat=$(grep -o 'median=[0-9.]* min=[0-9.]*' "$log" | tail -1)
		med=${lat#median=}; med=${med%% *}; min=${lat##*min=}
		ops=$(grep -o '[0-9]* MatMul/Gemm/Conv ops in bfloat16' "$log" | cut -d' ' -f1)
		printf '{"model": "%s", "runtime": "tcc_%s", "round": %d, "median_ms": %s, "min_ms": %s, "iters": %d, "max_rel_err": %s, "bf16_ops": %s}\n' \
			"$m" "$mode" "$round" "$med" "$min" "$ITERS" "$(rel_err "$dir/tcc-$mode/logits.npy" "$dir/expected/logits.npy")" \
			"${ops:-null}" >> "$RES"
	else
		json_err "$m" "tcc_$mode" "$round" "$(tail -3 "$log")$( ((rc == 124)) && echo " (timed out after $TMO s)")" >> "$RES"
	fi
}

for m in $MODELS; do
	dir=$ZDIR/$m
	for round in $(seq "$ROUNDS"); do
		say "$m round $round/$ROUNDS: tcc fp32"
		tcc_once "$m" fp32 "$round"
		say "$m round $round/$ROUNDS: onnxruntime fp32"
		if line=$(timeout "$TMO" node bench/ort_bench.js "$dir/model.onnx" image "$dir/inputs/image.npy" "$ITERS" "$THREADS" \
			"$dir/expected/logits.npy" 2>"$OUT/zoo-ort-$m.log"); then
			line=${line/\"runtime\":\"ort\"/\"runtime\":\"ort_fp32\"}
			echo "${line%\}}, \"model\": \"$m\", \"round\": $round}" >> "$RES"
		else
			rc=$?
			json_err "$m" ort_fp32 "$round" "$(tail -3 "$OUT/zoo-ort-$m.log")$( ((rc == 124)) && echo " (timed out after $TMO s)")" >> "$RES"
		fi
		say "$m round $round/$ROUNDS: tcc bf16"
		tcc_once "$m" bf16 "$round"
		say "$m round $round/$ROUNDS: pytorch bf16 (autocast + trace + freeze)"
		if line=$(timeout "$TMO" $PY bench/torch_bench.py --zoo "$dir" "$ITERS" "$THREADS" bf16 2>"$OUT/zoo-torch-$m.log"); then
			echo "${line%\}}, \"model\": \"$m\", \"round\": $round}" >> "$RES"
		else
			rc=$?
			json_err "$m" torch_bf16 "$round" "$(tail -3 "$OUT/zoo-torch-$m.log")$( ((rc == 124)) && echo " (timed out after $TMO s)")" >> "$RES"
		fi
	done
done
printf '{"runtime": "host", "loadavg_end": "%s"}\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RES"

$PY bench/report.py --zoo "$RES"
