#!/usr/bin/env bash
# Runs the kernel-layer test binaries with cmocka's TAP output, then the two-user
# cache test (cache_two_users.sh, root only).  The JIT tests
# use a private cache directory under $BUILD so they never touch ~/.cache.
set -uo pipefail
cd "$(dirname "$0")/../.."
export CMOCKA_MESSAGE_OUTPUT=TAP
BUILD=${BUILD:-build}	# the Makefile's BUILD, for out-of-tree builds
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
export TCC_KERNEL_TEST_TMP=${TCC_KERNEL_TEST_TMP:-$BUILD/test-tmp/kernels}
rm -rf "$TCC_KERNEL_TEST_TMP" && mkdir -p "$TCC_KERNEL_TEST_TMP"
# Two threads like the target machines; oneDNN follows OpenMP.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
rc=0
n=0
for t in "$BUILD"/tests/kernels/test_*; do
	[[ -x $t ]] || continue
	n=$((n + 1))
	echo "# $t"
	"$t" || rc=1
done
echo "# tests/kernels/cache_two_users.sh"
BUILD=$BUILD tests/kernels/cache_two_users.sh || rc=1
if ((n == 0)); then
	echo "1..1"
	echo "not ok 1 - kernel test binaries not built (run make tests)"
	exit 1
fi
exit $rc
