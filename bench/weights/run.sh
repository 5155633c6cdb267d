#!/usr/bin/env bash
# Weight buffers: 8 processes sharing one sealed buffer vs 8 private copies
# (memory as Pss sum, start-to-first-touch), on this host's default backend;
# then 8 workers running a 64 MiB ONNX MLP: each loading it privately vs each
# reading its initializers in place from one buffer (tcc_options.weights),
# start-to-first-inference and Pss sum.
# Not part of `make check`.  WEIGHTS_BENCH_MIB / WEIGHTS_BENCH_PROCS override.
# With --qemu, also runs it in the test guest (tcc.ko backend, and the embedded
# backend with small pages, THP and hugetlb): timings there are under TCG.
set -euo pipefail
cd "$(dirname "$0")/../.."
mib=${WEIGHTS_BENCH_MIB:-128} procs=${WEIGHTS_BENCH_PROCS:-8}
make -s build/bench/weights_bench
echo "== host ($(nproc) CPUs; shmem THP: $(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/shmem_enabled))"
build/bench/weights_bench --procs "$procs" --mib "$mib"
model=build/bench/mlp_weights.onnx
if [[ -s $model ]] || /usr/bin/python3 bench/weights/make_mlp.py "$model" 2048 4; then
	echo "== host, a 64 MiB MLP: private tcc_model_load vs tcc_options.weights, to the first inference"
	build/bench/weights_bench --procs "$procs" --onnx "$model"
fi
if [[ ${1:-} == --qemu ]]; then
	make -s lib kmod
	gcc -std=gnu11 -O2 -D_GNU_SOURCE -Iinclude -Ilibtcc -static -o build/bench/weights_bench_static \
		bench/weights/weights_bench.c build/lib/libtccml.a -ldrm -lm -ldl -pthread 2>/dev/null
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
