#!/usr/bin/env bash
# Builds the probe module and boots it in the test guest: prints how many
# ->huge_fault calls, PMD inserts and 4 KiB faults touching 2 MiB took.
set -euo pipefail
cd "$(dirname "$0")"
KVER=${KVER:-$(ls /lib/modules | sort -V | tail -1)}
out=$(realpath ../../../build)/pmd_probe
mkdir -p "$out"
cp pmd_probe.c Kbuild "$out/"
make -s -C "/lib/modules/$KVER/build" M="$out" modules 2>&1 | grep -v BTF || true
gcc -static -O2 -o "$out/pmd_probe_user" pmd_probe_user.c
printf '#!/bin/sh\ninsmod /pmd_probe.ko && /bin/pmd_probe_user\n' > "$out/probe.sh"
chmod +x "$out/probe.sh"
cd ../../..
tests/qemu/boot.sh --out "$out/qemu" --file "$out/pmd_probe.ko:/pmd_probe.ko" \
	--file "$out/pmd_probe_user:/bin/pmd_probe_user" "$out/probe.sh" || true
grep '^#' "$out/qemu/results.log"
