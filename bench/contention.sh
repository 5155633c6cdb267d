#!/usr/bin/env bash
# Latency under contention: N processes x $BENCH_THREADS threads each, all
# running the same model at once on this machine's cores, tcc against ONNX
# Runtime, for N = 1, 2, 4.  An inference host runs several workers; a
# runtime whose threads spin while they wait for cores they do not own
# collapses here even when it is fast alone.  Prints per runtime and N the
# median latency (the median over the processes of each one's median) and its
# growth against N=1: the target is tcc's growth no worse than ORT's.
# Not part of `make check`.
#
#   bench/contention.sh
#   CONTENTION_MODELS="squeezenet1_1 resnet18"   zoo models (tests/models/zoo.py --full)
#   CONTENTION_N="1 2 4"                         process counts
#   CONTENTION_ITERS=30                          timed runs per process
#   CONTENTION_TIMEOUT=120                       seconds a process may take, then it is killed
#   CONTENTION_RUNTIMES="tcc ort tcc_passive"    tcc_passive: tcc with OMP_WAIT_POLICY=passive
#                                                (OpenMP workers sleep instead of spinning)
#
# Bounded: each process is killed after $CONTENTION_TIMEOUT s (reported as
# such), so the whole run takes at most models x |N| x 2 x that.  The processes
# start together; their load/compile phases differ, so each runs enough
# iterations that the timed loops overlap for most of their length.
set -uo pipefail
cd "$(dirname "$0")/.."

MODELS=${CONTENTION_MODELS:-"squeezenet1_1 resnet18"}
NS=${CONTENTION_N:-"1 2 4"}
ITERS=${CONTENTION_ITERS:-30}
TMO=${CONTENTION_TIMEOUT:-120}
THREADS=${BENCH_THREADS:-2}
RUNTIMES=${CONTENTION_RUNTIMES:-"tcc ort"}
PY=/usr/bin/python3
B=${BUILD:-build}
OUT=$B/bench
ZDIR=$OUT/zoo
RES=$OUT/contention.jsonl
LOGS=$OUT/contention
export OMP_NUM_THREADS=$THREADS

say() { echo "contention: $*" >&2; }
die() { say "$*"; exit 1; }

command -v node >/dev/null || die "node is missing (bench/run.sh installs nodejs and npm)"
if [[ ! -f bench/node_modules/onnxruntime-node/package.json ]]; then
	say "installing onnxruntime-node into bench/node_modules (--ignore-scripts)"
	(cd bench && npm install --ignore-scripts --no-package-lock --no-audit --no-fund >&2) ||
		die "npm install onnxruntime-node failed"
fi
make -j2 BUILD="$B" lib tools >&2 || die "build failed"
mkdir -p "$ZDIR" "$LOGS"
# shellcheck disable=SC2086
$PY tests/models/zoo.py --full "$ZDIR" $MODELS >&2 || die "export failed"

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "cpu: $cpu, $(nproc) CPUs online; load average at start: $load; $THREADS threads a process, $ITERS runs each"
printf '{"runtime": "host", "cpu": "%s", "cpus": %d, "threads": %d, "iters": %d, "loadavg_start": "%s"}\n' \
	"$cpu" "$(nproc)" "$THREADS" "$ITERS" "$load" > "$RES"

# One process of runtime $1 on model $2, writing its log to $3; prints nothing.
one() {
	local rt=$1 m=$2 log=$3 dir=$ZDIR/$2
	case $rt in
	tcc | tcc_passive)
		[[ $rt == tcc_passive ]] && local -x OMP_WAIT_POLICY=passive
		timeout "$TMO" "$B"/bin/tcc-run "$dir/model.onnx" --input "image=$dir/inputs/image.npy" \
		--bench "$ITERS" --threads "$THREADS" > "$log" 2>&1 ;;
	ort) timeout "$TMO" node bench/ort_bench.js "$dir/model.onnx" image "$dir/inputs/image.npy" \
		"$ITERS" "$THREADS" > "$log" 2>&1 ;;
	esac
	echo "rc=$?" >> "$log"
}

# The median latency in ms a process's log reports, or nothing.
median_of() {
	grep -o 'median=[0-9.]*' "$1" | tail -1 | cut -d= -f2
	grep -o '"median_ms":[0-9.e+-]*' "$1" | tail -1 | cut -d: -f2
}

for m in $MODELS; do
	# Fill tcc's compile cache first: N=1 and N=4 then load alike.
	"$B"/bin/tcc-run "$ZDIR/$m/model.onnx" --threads "$THREADS" > /dev/null 2>&1
	for n in $NS; do
		for rt in $RUNTIMES; do
			say "$m: $n x $rt"
			pids=()
			for i in $(seq "$n"); do
				one "$rt" "$m" "$LOGS/$m-$rt-n$n-$i.log" &
				pids+=($!)
			done
			wait "${pids[@]}"
			meds=() errs=()
			for i in $(seq "$n"); do
				log=$LOGS/$m-$rt-n$n-$i.log
				med=$(median_of "$log")
				if [[ -n $med ]] && grep -qx 'rc=0' "$log"; then
					meds+=("$med")
				else
					rc=$(grep -o '^rc=[0-9]*' "$log" | tail -1)
					[[ $rc == rc=124 ]] && errs+=("process $i timed out after ${TMO} s") ||
						errs+=("process $i: $(grep -v '^rc=' "$log" | tail -1) ($rc)")
				fi
			done
			$PY - "$m" "$rt" "$n" "${#errs[@]}" "${errs[@]}" "${meds[@]}" >> "$RES" <<'EOF'
import json, statistics, sys
m, rt, n, ne = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
errs, meds = sys.argv[5:5 + ne], [float(v) for v in sys.argv[5 + ne:]]
row = {"model": m, "runtime": rt, "n": n, "per_process_ms": meds}
if meds:
    row.update(median_ms=statistics.median(meds), max_ms=max(meds))
if errs:
    row["error"] = "; ".join(errs)
print(json.dumps(row))
EOF
		done
	done
done
printf '{"runtime": "host", "loadavg_end": "%s"}\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RES"
$PY bench/report.py --contention "$RES"
