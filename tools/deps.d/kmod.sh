#!/usr/bin/env bash
# Fetches, from Debian's linux-source-6.1 package, what tcc.ko's tests and
# reviews need but no smaller package ships:
#   kselftest.h, kselftest_harness.h  -> $TCC_KSELFTEST_DIR (tests/kmod)
#   checkpatch.pl + its data files    -> $TCC_CHECKPATCH_DIR (kernel style)
# The .deb is ~139 MB; it is downloaded once with `apt-get download` (not
# installed), only those files are extracted, and the .deb is deleted.
# Idempotent: does nothing when the files are cached.  Not fatal on failure:
# tests/kmod then reports itself skipped with the reason.
set -uo pipefail
# Only the test suites need these (tools/bootstrap passes the level).
[[ ${1:-check} == check ]] || exit 0
kst=${TCC_KSELFTEST_DIR:-/var/cache/tcc/kselftest}
cpd=${TCC_CHECKPATCH_DIR:-/var/cache/tcc/checkpatch}
if [[ -s $kst/kselftest_harness.h && -s $kst/kselftest.h && -s $cpd/checkpatch.pl ]]; then
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "kmod.sh: fetching kselftest headers and checkpatch from linux-source-6.1 (once, ~139 MB)"
if ! (cd "$tmp" && apt-get download -q linux-source-6.1 >/dev/null 2>&1); then
	# The package lists may be missing or stale on a fresh machine.
	apt-get update -q >/dev/null 2>&1 || true
	(cd "$tmp" && apt-get download -q linux-source-6.1 >/dev/null 2>&1) || {
		echo "kmod.sh: could not download linux-source-6.1; tests/kmod will be skipped" >&2
		exit 0
	}
fi
deb=$(ls "$tmp"/linux-source-6.1_*.deb 2>/dev/null | head -1)
src=linux-source-6.1
if ! dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
	tar -xJ -C "$tmp" --wildcards "$src/tools/testing/selftests/kselftest*.h" \
		"$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
		"$src/scripts/const_structs.checkpatch"; then
	echo "kmod.sh: could not extract the files; tests/kmod will be skipped" >&2
	exit 0
fi
mkdir -p "$kst" "$cpd"
cp "$tmp/$src"/tools/testing/selftests/kselftest.h \
   "$tmp/$src"/tools/testing/selftests/kselftest_harness.h "$kst"/
cp "$tmp/$src"/scripts/checkpatch.pl "$tmp/$src"/scripts/spelling.txt \
   "$tmp/$src"/scripts/const_structs.checkpatch "$cpd"/
echo "kmod.sh: cached kselftest headers in $kst, checkpatch.pl in $cpd"
