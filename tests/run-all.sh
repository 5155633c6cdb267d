#!/usr/bin/env bash
# Runs every test suite (tests/<suite>/run.sh, in name order) and totals their
# TAP output.  Each suite prints TAP on stdout: `ok N name`, `not ok N name`,
# `ok N name # SKIP reason`, and plans `1..N` (several plans are summed).
# Only unindented result lines count (KTAP subtests are indented).  A suite
# that exits non-zero without reporting a failure, or reports fewer results
# than it planned, counts the difference as failures: nothing passes silently.
# The last line is the grand total: `N passed, N failed, N skipped`.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/test-logs
only=${TESTS:-}
tp=0 tf=0 ts=0
summary=()
for run in tests/*/run.sh; do
	suite=$(basename "$(dirname "$run")")
	if [[ -n $only && " $only " != *" $suite "* ]]; then continue; fi
	log=build/test-logs/$suite.log
	echo "=== suite $suite"
	start=$(date +%s%N)
	bash "$run" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	read -r p f s plan < <(awk '
		/^ok / { if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) s++; else p++ }
		/^not ok / { if ($0 ~ /# *[Tt][Oo][Dd][Oo]/) s++; else f++ }
		/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan += $1 + 0 }
		END { print p + 0, f + 0, s + 0, plan + 0 }' "$log")
	got=$((p + f + s))
	if ((plan > got)); then
		echo "# $suite: planned $plan results, saw $got: $((plan - got)) counted as failed"
		f=$((f + plan - got))
	fi
	if ((rc != 0 && f == 0)); then
		echo "# $suite: exited $rc without reporting a failure: counted as 1 failed"
		f=1
	fi
	if ((got == 0 && rc == 0)); then
		echo "# $suite: reported no results: counted as 1 failed"
		f=1
	fi
	summary+=("$(printf '%-14s %4d passed, %3d failed, %3d skipped  (%ss)' "$suite" "$p" "$f" "$s" "$secs")")
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
line="$tp passed, $tf failed, $ts skipped"
echo "$line" > build/test-summary.txt
echo "$line"
((tf == 0))
