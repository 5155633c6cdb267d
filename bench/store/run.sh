#!/usr/bin/env bash
# TCPStore connection storm: tcc-store vs PyTorch 1.13's own server (Debian
# python3-torch, is_master=True), same driver, same run, interleaved so load
# from elsewhere hits both alike.  Not part of `make check`.
#
#   bench/store/run.sh                          N = 1000 and 10000, 3 repeats
#   STORM_SIZES="1000" STORM_REPEATS=5 bench/store/run.sh
#
# Each storm: N clients connect at once, each SETs its key and ADDs 1 to a
# counter, then WAITs on a barrier key that the last one in sets (the shape
# of a job's rendezvous).  Both servers get 1.13-protocol clients (the only
# protocol PyTorch 1.13's server speaks); tcc-store is also measured with
# 2.x clients.  A "rounds" storm (20 x set+add per client) measures request
# throughput once everyone is connected.  Medians are printed with ratios.
set -uo pipefail
cd "$(dirname "$0")/../.."

SIZES=${STORM_SIZES:-"1000 10000"}
REPEATS=${STORM_REPEATS:-3}
PY=/usr/bin/python3
OUT=build/bench
RES=$OUT/store.jsonl
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

make -s -j2 build/bin/tcc-store build/bench/store_storm >&2 || exit 1
ulimit -n "$(ulimit -Hn)"
need=$(( $(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -1) + 64 ))
if (($(ulimit -n) < need)); then
	echo "bench/store: fd limit $(ulimit -n) < $need: raise the hard limit (nofile)" >&2
	exit 1
fi
if (($(cat /proc/sys/net/core/somaxconn) < 4096)); then
	echo "bench/store: note: net.core.somaxconn is $(cat /proc/sys/net/core/somaxconn); both servers are capped by it" >&2
fi

build/bin/tcc-store --port 0 --host 127.0.0.1 --port-file "$work/tcc_port" 2>"$work/tcc.log" &
pids+=("$!")
tcc_pid=$!
"$PY" tests/store/torch_server.py >"$work/torch_port" 2>"$work/torch.log" &
pids+=("$!")
for _ in $(seq 400); do [[ -s $work/tcc_port && -s $work/torch_port ]] && break; sleep 0.05; done
tcc_port=$(cat "$work/tcc_port") torch_port=$(cat "$work/torch_port")
echo "bench/store: tcc-store on $tcc_port, PyTorch $("$PY" -c 'import torch; print(torch.__version__)') server on $torch_port" >&2

mkdir -p "$OUT"
: >"$RES"
storm() {	# server-label port args...
	local label=$1 port=$2
	shift 2
	local line
	line=$(timeout 300 build/bench/store_storm "$port" "$@" --timeout 240) ||
		echo "bench/store: $label $* did not complete: $line" >&2
	[[ -n $line ]] && echo "{\"server\":\"$label\",${line#\{}" >>"$RES"
	sleep 1	# let TIME_WAIT and the servers' close handling settle
}
for n in $SIZES; do
	for r in $(seq "$REPEATS"); do
		echo "bench/store: N=$n repeat $r/$REPEATS" >&2
		storm tcc-store "$tcc_port" "$n" --v1
		storm pytorch-1.13 "$torch_port" "$n" --v1
		storm tcc-store "$tcc_port" "$n"
	done
done
for r in $(seq "$REPEATS"); do
	storm tcc-store "$tcc_port" 1000 --v1 --rounds 20
	storm pytorch-1.13 "$torch_port" 1000 --v1 --rounds 20
done
echo "bench/store: tcc-store max RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$tcc_pid/status)" >&2

"$PY" - "$RES" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = {}
for r in rows:
    groups.setdefault((r["clients"], r["rounds"], r["server"], r["protocol"]), []).append(r)

def med(rs, key):
    vals = [r[key] for r in rs if r[key] >= 0]
    return statistics.median(vals) if vals else float("nan")

print(f"{'clients':>7} {'rounds':>6} {'server':<13} {'proto':<5} {'startup s':>9} {'released s':>10} "
      f"{'ops/s':>9} {'errors':>6} {'runs':>4}")
for (n, rounds, srv, proto), rs in sorted(groups.items()):
    print(f"{n:>7} {rounds:>6} {srv:<13} {proto:<5} {med(rs, 'startup_s'):>9.3f} "
          f"{med(rs, 'release_s'):>10.3f} {med(rs, 'ops_per_s'):>9.0f} "
          f"{sum(r['errors'] + r['clients'] - r['released'] for r in rs):>6} {len(rs):>4}")
print()
for (n, rounds, srv, proto), rs in sorted(groups.items()):
    if srv != "tcc-store" or proto != "1.13":
        continue
    peer = groups.get((n, rounds, "pytorch-1.13", "1.13"))
    if not peer:
        continue
    thr = med(rs, "ops_per_s") / med(peer, "ops_per_s")
    st = med(rs, "startup_s") / med(peer, "startup_s")
    rel = med(rs, "release_s") / med(peer, "release_s")
    print(f"N={n} rounds={rounds}: tcc-store / PyTorch 1.13 server: throughput x{thr:.2f}, "
          f"start-up x{st:.2f}, time to all-released x{rel:.2f} (same 1.13-protocol clients)")
EOF
