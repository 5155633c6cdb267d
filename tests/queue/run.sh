#!/usr/bin/env bash
# Queue API on the embedded default (forced, so a loaded tcc.ko does not
# change what is tested here; tests/kmod covers the module backend).
set -uo pipefail
cd "$(dirname "$0")/../.."
export CMOCKA_MESSAGE_OUTPUT=TAP TCC_QUEUE_BACKEND=embedded
rc=0
for t in build/tests/queue/test_*; do
	[[ -x $t ]] || continue
	echo "# $t"
	"$t" || rc=1
done
exit $rc
