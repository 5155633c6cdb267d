#!/usr/bin/env bash
# tcc vs ONNX Runtime vs PyTorch on MLP / ResNet-18 / transformer encoder, in
# one run, same models and inputs, $BENCH_THREADS (2) threads.  Not part of
# `make check`.  See bench/README.md.
#
#   bench/run.sh                 everything
#   BENCH_ITERS=200 bench/run.sh more timed iterations (default 100)
#   BENCH_ROUNDS=5 bench/run.sh  rounds per model, runtimes interleaved (default 3)
#   BENCH_MODELS="mlp" bench/run.sh
#   BENCH_SKIP_DEFAULT_BLAS=1    skip PyTorch with Debian's reference BLAS (slow)
set -uo pipefail
cd "$(dirname "$0")/.."

ITERS=${BENCH_ITERS:-100}
ROUNDS=${BENCH_ROUNDS:-3}
THREADS=${BENCH_THREADS:-2}
MODELS=${BENCH_MODELS:-"mlp resnet18 encoder"}
B=${BUILD:-build}	# the Makefile's BUILD, for out-of-tree builds
OUT=$B/bench
MDIR=$OUT/models
RES=$OUT/results.jsonl
PY=/usr/bin/python3	# Debian's torch/onnx import only there
LIBDIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }
json_err() { printf '{"model": "%s", "runtime": "%s", "error": %s}\n' "$1" "$2" \
	"$($PY -c 'import json,sys; print(json.dumps(sys.argv[1][-400:]))' "$3")"; }

# ---- peers ---------------------------------------------------------------
sudo=()
[[ $(id -u) == 0 ]] || sudo=(sudo)
need_apt=()
for p in time libopenblas0-openmp python3-torch python3-onnx; do
	[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || need_apt+=("$p")
done
# A nodejs that bundles npm (e.g. NodeSource's) conflicts with Debian's npm
# package: ask for the Debian packages only when the commands are missing.
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if ((${#need_apt[@]})); then
	say "installing ${need_apt[*]}"
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${need_apt[@]}" >&2 ||
		die "apt-get install ${need_apt[*]} failed"
fi
if [[ ! -f bench/node_modules/onnxruntime-node/package.json ]]; then
	say "installing onnxruntime-node into bench/node_modules (--ignore-scripts)"
	(cd bench && npm install --ignore-scripts --no-package-lock --no-audit --no-fund >&2) ||
		die "npm install onnxruntime-node failed"
fi

# ---- build and models ----------------------------------------------------
make -j2 BUILD="$B" lib tools bench-bins >&2 || die "build failed"
mkdir -p "$MDIR"
for m in $MODELS; do
	if [[ ! -s $MDIR/$m.onnx || bench/models.py -nt $MDIR/$m.onnx ]]; then
		$PY bench/export_models.py "$MDIR" "$m" 2>/dev/null >&2 || die "export of $m failed"
	fi
done

input_of() {	# name and dims of each model's input, as models.py defines them
	$PY -c "import sys; sys.path.insert(0, 'bench'); import models; \
n, s = models.MODELS['$1'][1:3]; print(n, 'x'.join(map(str, s)), models.gflop('$1'))"
}

: > "$RES"
export OMP_NUM_THREADS=$THREADS

# ---- the oneDNN ceiling, same run ------------------------------------------
say "oneDNN sgemm / matmul peak"
if peak=$("$B"/bench/dnnl_peak "$THREADS"); then
	while read -r line; do echo "{\"runtime\": \"dnnl_peak\", \"shape\": $line}"; done <<<"$peak" >> "$RES"
else
	json_err all dnnl_peak "dnnl_peak failed" >> "$RES"
fi

# ---- per model -------------------------------------------------------------
# $BENCH_ROUNDS rounds, the runtimes interleaved within each: on a shared
# machine a burst of someone else's work then hits every runtime alike, and
# the report keeps each runtime's quietest round (lowest median).
for m in $MODELS; do
	read -r iname dims gflop < <(input_of "$m")
	onnx=$MDIR/$m.onnx
	for round in $(seq "$ROUNDS"); do
		say "$m round $round/$ROUNDS: tcc"
		log=$OUT/tcc-$m.log
		if /usr/bin/time -f 'maxrss_kb=%M' -o "$OUT/tcc-$m.time" \
			"$B"/bin/tcc-run "$onnx" --input "$iname=$MDIR/$m.input.npy" --bench "$ITERS" \
			--threads "$THREADS" > "$log" 2>&1; then
			lat=$(grep -o 'median=[0-9.]* min=[0-9.]*' "$log" | tail -1)
			rss=$(grep -o 'maxrss_kb=[0-9]*' "$OUT/tcc-$m.time" | cut -d= -f2)
			med=${lat#median=}; med=${med%% *}; min=${lat##*min=}
			printf '{"model": "%s", "runtime": "tcc", "round": %d, "median_ms": %s, "min_ms": %s, "iters": %d, "max_rss_kb": %s, "gflop": %s}\n' \
				"$m" "$round" "$med" "$min" "$ITERS" "$rss" "$gflop" >> "$RES"
		else
			json_err "$m" tcc "$(tail -3 "$log")" >> "$RES"
		fi

		say "$m round $round/$ROUNDS: onnxruntime"
		if line=$(node bench/ort_bench.js "$onnx" "$iname" "$dims" "$ITERS" "$THREADS" 2>"$OUT/ort-$m.log"); then
			echo "${line%\}}, \"model\": \"$m\", \"round\": $round, \"gflop\": $gflop}" >> "$RES"
		else
			json_err "$m" ort "$(tail -3 "$OUT/ort-$m.log")" >> "$RES"
		fi

		if [[ $m == resnet18 ]]; then
			say "$m round $round/$ROUNDS: tcc_dnnl kernels alone, layouts propagated"
			if line=$("$B"/bench/dnnl_resnet18 "$THREADS" "$ITERS"); then
				echo "${line%\}}, \"round\": $round, \"gflop\": $gflop}" >> "$RES"
			fi
		fi

		say "$m round $round/$ROUNDS: pytorch (OpenBLAS-openmp)"
		if line=$(LD_LIBRARY_PATH=$LIBDIR/openblas-openmp $PY bench/torch_bench.py "$m" "$ITERS" "$THREADS" 2>"$OUT/torch-$m.log"); then
			echo "${line%\}}, \"model\": \"$m\", \"round\": $round, \"config\": \"openblas-openmp\", \"gflop\": $gflop}" >> "$RES"
		else
			json_err "$m" torch "$(tail -3 "$OUT/torch-$m.log")" >> "$RES"
		fi
	done
	if [[ -z ${BENCH_SKIP_DEFAULT_BLAS:-} ]]; then
		say "$m: pytorch (Debian reference BLAS, 5 iterations)"
		if line=$(LD_LIBRARY_PATH=$LIBDIR/blas $PY bench/torch_bench.py "$m" 5 "$THREADS" 2>>"$OUT/torch-$m.log"); then
			echo "${line%\}}, \"model\": \"$m\", \"config\": \"reference-blas\", \"gflop\": $gflop}" >> "$RES"
		fi
	fi
done

# ---- compile time: ResNet-18, empty cache vs warm cache ----------------------
if [[ " $MODELS " == *" resnet18 "* ]]; then
	say "resnet18: compile time cold / warm"
	cache=$(mktemp -d "${TMPDIR:-/tmp}/tcc-bench-cache.XXXXXX")
	for phase in cold warm; do
		log=$OUT/compile-$phase.log
		t0=$(date +%s.%N)
		if TCC_CACHE_DIR=$cache "$B"/bin/tcc-run "$MDIR/resnet18.onnx" --threads "$THREADS" --verbose \
			--input "image=$MDIR/resnet18.input.npy" > "$log" 2>&1; then
			wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
			# tcc-run's own figure: "load+compile <x> ms".
			cms=$(grep -o 'load+compile [0-9.]* ms' "$log" | head -1 | cut -d' ' -f2)
			printf '{"model": "resnet18", "runtime": "tcc_compile", "phase": "%s", "wall_s": %s, "compile_ms": %s}\n' \
				"$phase" "$wall" "${cms:-null}" >> "$RES"
		else
			json_err resnet18 "tcc_compile_$phase" "$(tail -3 "$log")" >> "$RES"
		fi
	done
	rm -rf "$cache"
fi

$PY bench/report.py "$RES"
