#!/usr/bin/env bash
# Weight buffers: 8 processes sharing one sealed buffer vs 8 private copies
# (memory as Pss sum, start-to-first-touch), on this host's default backend;
# then 8 workers running a model, each loading it privately vs each reading
# its initializers in place from one buffer (tcc_options.weights): Pss sum
# and start-to-first-inference, for a 64 MiB MLP and ResNet-18 (44.6 MiB of
# conv weights, the main bench's model), each with workers forked from the
# bench (libraries already loaded) and with fresh processes (--exec: fork +
# execv, so start includes exec and dynamic loading).  Each configuration
# runs WEIGHTS_BENCH_REPEAT (3) times, the first with its table, the others
# as their JSON line only (timings on a shared 2-CPU host vary by up to 2x
# from run to run); the ratios at the end are the median and range of those.
# Not part of `make check`.  WEIGHTS_BENCH_MIB / WEIGHTS_BENCH_PROCS override.
# With --hugetlb (root), also the exec-mode model runs with the buffer in
# 2 MiB hugetlb pages, as an administrator would reserve them
# (vm.nr_hugepages, restored afterwards), and a 256 MiB MLP.
# With --qemu, also runs the raw-bytes part in the test guest (tcc.ko
# backend, and the embedded backend with small pages, THP and hugetlb):
# timings there are under TCG.
set -euo pipefail
cd "$(dirname "$0")/../.."
mib=${WEIGHTS_BENCH_MIB:-128} procs=${WEIGHTS_BENCH_PROCS:-8} repeat=${WEIGHTS_BENCH_REPEAT:-3}
log=build/bench/weights_bench.log
make -s build/bench/weights_bench
: > "$log"

bench() {	# weights_bench ARGS: in full, then repeat-1 more times, JSON only
	local k
	build/bench/weights_bench "$@" | tee -a "$log"
	for ((k = 1; k < repeat; k++)); do
		build/bench/weights_bench "$@" | grep '^{' | tee -a "$log"
	done
}
echo "== host ($(nproc) CPUs; shmem THP: $(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/shmem_enabled))"
bench --procs "$procs" --mib "$mib"

model_bench() {	# MODEL.onnx WHAT: fork mode, then exec mode
	local mode
	for mode in fork exec; do
		echo "== host, $2: private tcc_model_load vs tcc_options.weights, to the first inference ($mode)"
		bench --procs "$procs" --onnx "$1" $([[ $mode == exec ]] && echo --exec)
	done
}
mlp=build/bench/mlp_weights.onnx
if [[ -s $mlp ]] || /usr/bin/python3 bench/weights/make_mlp.py "$mlp" 2048 4; then
	model_bench "$mlp" "a 64 MiB MLP"
fi
# The main bench's ResNet-18 (bench/models.py), exported the same way when absent.
cnn=build/bench/models/resnet18.onnx
if [[ -s $cnn ]] || /usr/bin/python3 bench/export_models.py "$(dirname "$cnn")" resnet18 >&2; then
	model_bench "$cnn" "ResNet-18 (conv)"
fi
if [[ " $* " == *" --hugetlb "* ]]; then
	if [[ $(id -u) != 0 ]]; then
		echo "== --hugetlb: needs root to reserve vm.nr_hugepages; skipped"
	else
		big=build/bench/mlp_weights_256.onnx
		[[ -s $big ]] || /usr/bin/python3 bench/weights/make_mlp.py "$big" 4096 4
		old_pages=$(cat /proc/sys/vm/nr_hugepages)
		trap 'echo "$old_pages" > /proc/sys/vm/nr_hugepages' EXIT
		# The largest buffer (256 MiB) plus the rounding of every record to 2 MiB.
		echo $((old_pages + 160)) > /proc/sys/vm/nr_hugepages
		echo "== hugetlb: $(awk '/HugePages_Free/ {print $2}' /proc/meminfo) free 2 MiB pages reserved for this run"
		for m in "$mlp" "$cnn" "$big"; do
			[[ -s $m ]] || continue
			echo "== host, $(basename "$m" .onnx), buffer in hugetlb pages (exec)"
			bench --procs "$procs" --onnx "$m" --exec
		done
		echo "$old_pages" > /proc/sys/vm/nr_hugepages
		trap - EXIT
	fi
fi
echo "== ratios, $procs processes, median (min-max) of $repeat runs. memory: shared Pss sum / one copy," \
	"target <= 1.2; start: private / shared start-to-first-inference (raw: first touch), medians," \
	"target >= 10; loaded: the same to the model loaded, without the first inference itself"
/usr/bin/python3 -c '
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    if line.startswith("{"):
        r = json.loads(line)
        if r["onnx"]:
            r["loaded_speedup"] = r["private_loaded_median_s"] / r["shared_loaded_median_s"]
        runs.setdefault((r["model"], r["mode"], r["backing"]), []).append(r)
print("  %-18s %-5s %-12s %-19s %-19s %s" % ("model", "mode", "backing", "memory", "start", "loaded"))
for (model, mode, backing), rs in runs.items():
    cols = []
    for key, fmt in (("shared_x_one_copy", "%.2f"), ("start_speedup", "%.1f"), ("loaded_speedup", "%.1f")):
        v = [r[key] for r in rs if key in r]
        cols.append((fmt + "x (" + fmt + "-" + fmt + ")") % (statistics.median(v), min(v), max(v)) if v else "-")
    print("  %-18s %-5s %-12s %-19s %-19s %s" % (model, mode, backing, *cols))
' "$log"

if [[ " $* " == *" --qemu "* ]]; then
	make -s lib kmod
	# Static for the guest: Debian has no static libdnnl, so this build
	# leaves the model runtime out (-DWEIGHTS_BENCH_NO_MODEL: raw mode only).
	gcc -std=gnu11 -O2 -D_GNU_SOURCE -DWEIGHTS_BENCH_NO_MODEL -Iinclude -Ilibtcc -static \
		-o build/bench/weights_bench_static bench/weights/weights_bench.c bench/weights/workers.c build/lib/libtccml.a \
		-ldrm -lm -ldl -pthread 2>build/bench/weights_bench_static.log ||
		{ echo "weights_bench: static link failed, see build/bench/weights_bench_static.log" >&2; exit 1; }
	script=build/bench/weights_guest.sh
	cat > "$script" <<'GUEST'
#!/bin/sh
/bin/weights_bench --procs 8 --mib 32 --backend module
/bin/weights_bench --procs 8 --mib 32 --backend embedded
echo advise > /sys/kernel/mm/transparent_hugepage/shmem_enabled
/bin/weights_bench --procs 8 --mib 32 --backend embedded
echo never > /sys/kernel/mm/transparent_hugepage/shmem_enabled
echo 20 > /proc/sys/vm/nr_hugepages
/bin/weights_bench --procs 8 --mib 32 --backend embedded
GUEST
	chmod +x "$script"
	echo "== QEMU guest (TCG, 1 vCPU, 32 MiB so that 8 private copies fit in 1 GiB)"
	tests/qemu/boot.sh --out build/qemu/weights-bench --file build/bench/weights_bench_static:/bin/weights_bench "$script" || true
	sed -n '/^weights bench/,/^  PMD/p' build/qemu/weights-bench/results.log
fi
