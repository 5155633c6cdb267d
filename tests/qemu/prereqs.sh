#!/usr/bin/env bash
# Checks what booting tcc.ko's test guest needs.  Prints nothing and exits 0
# when everything is there; otherwise prints ONE line naming what is missing
# (used as the SKIP reason) and exits 1.
#   KVER   kernel release to boot (default: newest in /lib/modules)
#   TCC_KO module to test (default: build/kmod/tcc.ko, from `make kmod`)
set -uo pipefail
cd "$(dirname "$0")/../.."
# modinfo and modprobe live in /sbin, which is not on a normal user's PATH.
PATH=$PATH:/usr/sbin:/sbin
KVER=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -1)}
TCC_KO=${TCC_KO:-build/kmod/tcc.ko}
miss() { echo "$*"; exit 1; }
[[ -n $KVER ]] || miss "no kernel in /lib/modules (install linux-image-amd64)"
[[ -e /boot/vmlinuz-$KVER ]] || miss "no /boot/vmlinuz-$KVER (install linux-image-amd64)"
[[ -r /boot/vmlinuz-$KVER ]] || miss "/boot/vmlinuz-$KVER is not readable by $(id -un) (run as root, or make it world-readable)"
[[ -d /lib/modules/$KVER/build ]] || miss "no kernel headers for $KVER (install linux-headers-amd64)"
command -v qemu-system-x86_64 >/dev/null || miss "qemu-system-x86_64 not installed (qemu-system-x86)"
command -v cpio >/dev/null || miss "cpio not installed"
command -v modprobe >/dev/null || miss "modprobe not installed (kmod)"
command -v modinfo >/dev/null || miss "modinfo not installed (kmod)"
bb=$(command -v busybox || echo /bin/busybox)
[[ -x $bb ]] || miss "busybox not installed (busybox-static)"
# A dynamically linked busybox cannot run in the guest (no libc there).
if ldd "$bb" >/dev/null 2>&1; then miss "$bb is dynamically linked (install busybox-static)"; fi
[[ -f $TCC_KO ]] || miss "$TCC_KO not built (make kmod)"
vm=$(modinfo -F vermagic "$TCC_KO" 2>/dev/null | cut -d' ' -f1)
[[ -n $vm ]] || miss "modinfo cannot read the vermagic of $TCC_KO: $(modinfo -F vermagic "$TCC_KO" 2>&1 | head -1)"
[[ $vm == "$KVER" ]] || miss "$TCC_KO is built for '$vm', the guest kernel is $KVER (make clean; make kmod)"
exit 0
