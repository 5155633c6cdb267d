#!/usr/bin/env bash
# Runs every unit test binary with cmocka's TAP output.
set -uo pipefail
cd "$(dirname "$0")/../.."
export CMOCKA_MESSAGE_OUTPUT=TAP
rc=0
for t in build/tests/unit/test_*; do
	[[ -x $t ]] || continue
	echo "# $t"
	"$t" || rc=1
done
echo "# tests/unit/exports.sh"
tests/unit/exports.sh || rc=1
exit $rc
