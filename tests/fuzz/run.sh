#!/usr/bin/env bash
# Replays every fuzz harness's seed corpus (tests/fuzz/corpus/NAME/) through
# its replay binary: deterministic, no libFuzzer.  Each file is one TAP
# result; a crash fails the suite (the binary's plan is then not met).
set -uo pipefail
cd "$(dirname "$0")/../.."
rc=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin=build/tests/fuzz/replay_$name
	if [[ ! -x $bin ]]; then
		echo "1..1"
		echo "not ok 1 - $bin not built"
		rc=1
		continue
	fi
	shopt -s nullglob
	files=(tests/fuzz/corpus/"$name"/*)
	shopt -u nullglob
	if ((${#files[@]} == 0)); then
		echo "1..1"
		echo "not ok 1 - fuzz_$name has no seed corpus in tests/fuzz/corpus/$name"
		rc=1
		continue
	fi
	echo "# fuzz_$name: ${#files[@]} inputs"
	TCC_CACHE_DIR=$(realpath -m build/tests/fuzz/cache) timeout 600 "$bin" "${files[@]}" || rc=1
done
exit $rc
