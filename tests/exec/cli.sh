#!/usr/bin/env bash
# tcc-executor's command line: help, argument errors, a model that does not
# load, and a clean exit on SIGTERM/SIGINT.  TAP on stdout.
set -uo pipefail
bin=build/bin/tcc-executor
models=${TCC_EXEC_MODEL_DIR:-build/tests/exec/models}
log=build/tests/exec/cli.log
n=0 failed=0
: >"$log"
check() {	# check NAME COMMAND...: the command must succeed
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >>"$log" 2>&1; then
		echo "ok $n - tcc-executor: $name"
	else
		echo "not ok $n - tcc-executor: $name (see $log)"
		failed=1
	fi
}
rc_of() { "$@" >/dev/null 2>&1; echo $?; }
# Starts the executor, waits for its banner, signals it, expects exit 0 and the summary.
stops_on() {
	local sig=$1 out pid
	out=$(mktemp)
	"$bin" "$models/mlp.onnx" --id 3 --threads 1 --workers 2 2>"$out" &
	pid=$!
	(sleep 30; kill -KILL "$pid" 2>/dev/null) &	# a hang fails instead of blocking
	local watchdog=$!
	for _ in $(seq 100); do grep -q serving "$out" && break; sleep 0.1; done
	kill "-$sig" "$pid"
	wait "$pid"
	local rc=$?
	kill "$watchdog" 2>/dev/null
	cat "$out"
	grep -q "stopped after 0 model jobs" "$out" && rm -f "$out" && ((rc == 0))
}
echo "1..9"
check "--help prints usage and exits 0" bash -c "$bin --help | grep -q 'usage: tcc-executor MODEL.onnx'"
check "no model is a usage error (2)" test "$(rc_of "$bin")" = 2
check "--id must be a number (2)" test "$(rc_of "$bin" "$models/mlp.onnx" --id x)" = 2
check "--workers 0 is refused (2)" test "$(rc_of "$bin" "$models/mlp.onnx" --workers 0)" = 2
check "a missing model file says so and exits 1" \
	bash -c "$bin /nonexistent.onnx 2>&1 | grep -q nonexistent.onnx; test \${PIPESTATUS[0]} = 1"
check "--weights with an unknown buffer says so and exits 1" \
	bash -c "$bin $models/mlp.onnx --weights no-such-buffer-\$\$ 2>&1 | grep -q 'no-such-buffer'; test \${PIPESTATUS[0]} = 1"
# A buffer of this model: the executor loads from it (-v reports the weights read in place) and serves.
from_buffer() {
	local name=cli-exec-$$ out pid rc
	out=$(mktemp)
	build/bin/tccctl weights load "$name" "$models/mlp.onnx" --onnx --resident --backend embedded || return 1
	"$bin" "$models/mlp.onnx" --threads 1 --weights "$name" --verbose 2>"$out" &
	pid=$!
	for _ in $(seq 100); do grep -q serving "$out" && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	build/bin/tccctl weights unload "$name" --backend embedded
	cat "$out"
	grep -q "from pre-packed records" "$out" && grep -q serving "$out" && rm -f "$out" && ((rc == 0))
}
check "--weights NAME loads the model's weights from the buffer and serves" from_buffer
check "SIGTERM stops it cleanly" stops_on TERM
check "SIGINT stops it cleanly" stops_on INT
exit $failed
