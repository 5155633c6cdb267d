#!/usr/bin/env bash
# Fetches the kernel's kselftest harness headers (kselftest.h,
# kselftest_harness.h) for tests/kmod.  Debian ships them only inside the
# linux-source-6.1 package (a ~139 MB .deb), so we download it once with
# `apt-get download` (no install), extract just the two headers and cache
# them under $TCC_KSELFTEST_DIR.  Idempotent: does nothing when cached.
# Failure is not fatal: tests/kmod then reports itself skipped with the reason.
set -uo pipefail
dest=${TCC_KSELFTEST_DIR:-/var/cache/tcc/kselftest}
if [[ -s $dest/kselftest_harness.h && -s $dest/kselftest.h ]]; then
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "kmod.sh: fetching kselftest headers from linux-source-6.1 (once, ~139 MB)"
if ! (cd "$tmp" && apt-get download -q linux-source-6.1 >/dev/null 2>&1); then
	# The package list may be stale on a fresh machine.
	apt-get update -q >/dev/null 2>&1 || true
	(cd "$tmp" && apt-get download -q linux-source-6.1 >/dev/null 2>&1) || {
		echo "kmod.sh: could not download linux-source-6.1; tests/kmod will be skipped" >&2
		exit 0
	}
fi
deb=$(ls "$tmp"/linux-source-6.1_*.deb 2>/dev/null | head -1)
if ! dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
	tar -xJ -C "$tmp" --wildcards 'linux-source-6.1/tools/testing/selftests/kselftest*.h'; then
	echo "kmod.sh: could not extract kselftest headers; tests/kmod will be skipped" >&2
	exit 0
fi
mkdir -p "$dest"
cp "$tmp"/linux-source-6.1/tools/testing/selftests/kselftest.h \
   "$tmp"/linux-source-6.1/tools/testing/selftests/kselftest_harness.h "$dest"/
echo "kmod.sh: kselftest headers cached in $dest"
