#!/usr/bin/env bash
# Device queues: empty-job round trip on the SIM and CPU engines next to an
# eventfd ping-pong measured in the same run (as a ratio), and jobs/s with 4
# clients.  Not part of `make check`.
#   bench/queue/run.sh          host, embedded backend (no module)
#   bench/queue/run.sh --qemu   also inside the QEMU test guest with tcc.ko
#                               (1 vCPU under TCG: absolute times are slow,
#                               the ratio to eventfd in the same boot is what counts)
set -euo pipefail
cd "$(dirname "$0")/../.."
iters=${QUEUE_BENCH_ITERS:-2000} jobs=${QUEUE_BENCH_JOBS:-2000}
make -s build/bench/queue_bench
echo "== host ($(nproc) CPUs), embedded backend"
build/bench/queue_bench --backend embedded --iters "$iters" --jobs "$jobs"
if [[ ${1:-} == --qemu ]]; then
	make -s lib kmod
	gcc -std=gnu11 -O2 -D_GNU_SOURCE -Iinclude -Ilibtcc -static -o build/bench/queue_bench_static \
		bench/queue/queue_bench.c build/lib/libtccml.a -ldrm -lm -ldl -pthread
	script=build/bench/queue_guest.sh
	cat > "$script" <<GUEST
#!/bin/sh
/bin/queue_bench --backend kmod --iters $((iters / 2)) --jobs $((jobs / 2))
/bin/queue_bench --backend embedded --iters $((iters / 2)) --jobs $((jobs / 2))
GUEST
	chmod +x "$script"
	echo "== QEMU guest (TCG, 1 vCPU), tcc.ko then embedded"
	tests/qemu/boot.sh --out build/qemu/queue-bench --per-test 300 --timeout 400 \
		--file build/bench/queue_bench_static:/bin/queue_bench "$script" || true
	grep -E '^(queue bench|  )' build/qemu/queue-bench/results.log
fi
