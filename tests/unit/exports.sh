#!/usr/bin/env bash
# libtccml.so's exported functions are exactly the public API: every tcc_*
# function declared in include/tcc/*.h is exported, nothing else is (the
# internals would clash with a host program's own symbols).  TAP on stdout.
set -uo pipefail
cd "$(dirname "$0")/../.."
so=${BUILD:-build}/lib/libtccml.so
declared=$(grep -ho '\btcc_[a-z0-9_]*[[:space:]]*(' include/tcc/*.h | sed 's/[[:space:]]*($//' | sort -u)
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" || $2 == "W" {print $3}' | sort -u)
echo "1..2"
extra=$(comm -13 <(echo "$declared") <(echo "$exported"))
if [[ -z $extra ]]; then
	echo "ok 1 - libtccml.so exports no function outside include/tcc ($(echo "$exported" | wc -l) exported)"
else
	echo "not ok 1 - libtccml.so exports functions outside include/tcc:"
	echo "$extra" | sed 's/^/#   /'
fi
missing=$(comm -23 <(echo "$declared") <(echo "$exported") | while read -r f; do
	# Names only seen in comments, and static inline helpers, are not in the table.
	grep -hE "^[a-z].*[ *]$f\(" include/tcc/*.h | grep -vq "static inline" && echo "$f"
done)
if [[ -z $missing ]]; then
	echo "ok 2 - every function declared in include/tcc is exported"
else
	echo "not ok 2 - declared in include/tcc but not exported:"
	echo "$missing" | sed 's/^/#   /'
fi
[[ -z $extra && -z $missing ]]
