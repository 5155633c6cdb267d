#!/usr/bin/env bash
# tests/store: tcc-store and the C clients, against each other and against
# PyTorch 1.13 (Debian python3-torch) in both directions.  Loopback only.
# Prints TAP (several plans, summed by tests/run-all.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
here=tests/store
bin=build/bin/tcc-store
client=build/tests/store/test_store_client
wire=build/tests/store/test_store_wire
py=/usr/bin/python3
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export CMOCKA_MESSAGE_OUTPUT=TAP
rc=0

if [[ ! -x $bin || ! -x $client || ! -x $wire ]]; then
	echo "1..1"
	echo "not ok 1 - store binaries are built ($bin, $client, $wire: run make tests)"
	exit 1
fi
echo "# wire layer and key table"
"$wire" || rc=1
echo "# the request parser's fuzz corpus (tests/fuzz/corpus/store_request), replayed"
echo "1..1"
replay=build/tests/store/fuzz_store_replay
if [[ -x $replay ]] && out=$("$replay" tests/fuzz/corpus/store_request/* 2>&1); then
	echo "ok 1 - every corpus input passes the harness's checks ($out)"
else
	echo "not ok 1 - every corpus input passes the harness's checks"
	echo "${out:-no $replay: run make tests}" | sed 's/^/# /'
	rc=1
fi
if ! "$py" -c 'import torch.distributed' 2>/dev/null; then
	echo "1..1"
	echo "not ok 1 - python3-torch is installed (tools/bootstrap installs it)"
	exit 1
fi

# Our server, logging to a file the checks below read.
log=$work/server.log
"$bin" --port 0 --host 127.0.0.1 --port-file "$work/port" --protocol 1.13 2>"$log" &
server=$!
pids+=("$server")
for _ in $(seq 200); do [[ -s $work/port ]] && break; sleep 0.05; done
port=$(cat "$work/port" 2>/dev/null || echo 0)

echo "# our C client, 2.x protocol -> tcc-store"
TCC_STORE_PORT=$port TCC_STORE_MODE=tcc-v2 timeout 120 "$client" || rc=1
echo "# our C client, 1.13 protocol -> tcc-store"
TCC_STORE_PORT=$port TCC_STORE_MODE=tcc-v1 timeout 120 "$client" || rc=1
echo "# PyTorch 1.13 client -> tcc-store"
timeout 170 "$py" "$here/test_torch_client.py" "$port" || rc=1
echo "# tcc-store against a reference model (seeded random 2.x commands)"
timeout 120 "$py" "$here/test_model.py" "$port" || rc=1

# tcc-store's stats: over the wire (tccctl) and on SIGUSR1; then a clean stop.
echo "1..4"
if [[ -x build/bin/tccctl ]] && out=$(build/bin/tccctl store stats --port "$port" --json 2>&1) &&
	[[ $out == *'"keys":'* && $out == *'"ops":'* ]]; then
	echo "ok 1 - tccctl store stats --json reads the server's counters"
else
	echo "not ok 1 - tccctl store stats --json reads the server's counters"
	echo "# ${out:-no build/bin/tccctl}"
	rc=1
fi
kill -USR1 "$server"
sleep 0.3
if grep -q "stats: clients .*keys .*ops" "$log"; then
	echo "ok 2 - SIGUSR1 prints clients, keys and ops"
else
	echo "not ok 2 - SIGUSR1 prints clients, keys and ops"
	rc=1
fi
kill -TERM "$server"
wait "$server"
src=$?
if ((src == 0)) && grep -q "stopped" "$log" && ! grep -q "handles left open" "$log"; then
	echo "ok 3 - SIGTERM stops the server cleanly"
else
	echo "not ok 3 - SIGTERM stops the server cleanly (exit $src)"
	sed 's/^/# /' "$log" | tail -5
	rc=1
fi
if ! grep -q "closing: .*(in " "$log"; then
	echo "ok 4 - well-behaved clients never got a connection closed on them"
else
	echo "not ok 4 - well-behaved clients never got a connection closed on them"
	grep "closing:" "$log" | sed 's/^/# /' | head -5
	rc=1
fi

# PyTorch 1.13's own server, our client in 1.13 mode.
"$py" "$here/torch_server.py" >"$work/torch_port" 2>"$work/torch.log" &
pids+=("$!")
for _ in $(seq 300); do [[ -s $work/torch_port ]] && break; sleep 0.05; done
echo "# our C client, 1.13 protocol -> PyTorch 1.13's server"
TCC_STORE_PORT=$(cat "$work/torch_port" 2>/dev/null || echo 0) TCC_STORE_MODE=torch-v1 \
	timeout 120 "$client" || rc=1

echo "# bad input, limits, reconnect storm"
timeout 170 "$py" "$here/test_robustness.py" "$bin" || rc=1
echo "# PyTorch's three query numberings (1.13, 2.0 series, 2.1+), --protocol"
timeout 120 "$py" "$here/test_generations.py" "$bin" || rc=1
echo "# memory under amplification: peak RSS bounded by --max-memory, fresh clients served"
timeout 170 "$py" "$here/test_memory.py" "$bin" || rc=1
exit $rc
