#!/usr/bin/env bash
# Boots Debian's kernel under QEMU (software emulation: KVM does not work on
# these machines) with tcc.ko and a set of static test programs, runs every
# program once, and powers off.  Reusable by any suite or benchmark.
#
#   tests/qemu/boot.sh [options] PROGRAM...
#     --out DIR        work/log directory (default build/qemu)
#     --timeout SECS   hard limit for the whole boot (default 170)
#     --per-test SECS  limit per program inside the guest (default 60)
#     --repeat N       run the whole set of programs N times in this one boot
#                      (default 1); from the second round on, each program's
#                      markers name it <name>@<round>
#     --module NAME    extra in-tree module to load before tcc.ko (repeatable)
#     --file SRC:DST   extra file copied into the guest (repeatable)
#     --dynamic SRC:DST  a dynamically linked program (e.g. build/bin/tccctl:
#                      /bin/tccctl) with every shared library ldd lists,
#                      copied to the same paths in the guest (repeatable)
#     --shell          interactive: console on this terminal, a busybox shell
#                      after the programs ran (exit it to power off)
#
# Outputs in DIR:
#   console.log  the kernel console (serial 0)
#   results.log  what the programs printed (serial 1), framed by markers:
#       TCC-BEGIN <name>   ...program output (KTAP)...   TCC-END <name> <exit status>
#       TCC-COUNTERS bo_count=N pinned_bytes=N pinned_refusals=N   (after all programs)
#       TCC-RMMOD <exit status>    TCC-DONE
#     and TCC-FAIL <what> when something before the programs failed.
# Exit status: 0 when the guest reached TCC-DONE with a clean console (no
# oops, BUG, WARNING, Call Trace, panic), 1 otherwise (reason on stderr).
#
# The guest boots with oops=panic panic_on_warn=1, so any WARN ends the run.
# Each program runs as root with cwd /, TCC_KMOD_GUEST=1 in its environment.
set -uo pipefail
cd "$(dirname "$0")/../.."
# modinfo and modprobe live in /sbin, which is not on a normal user's PATH.
PATH=$PATH:/usr/sbin:/sbin
out=build/qemu timeout_s=170 per_test=60 shell=0 repeat=1
modules=(drm_shmem_helper gpu-sched vgem)
files=() progs=() dynamic=()
while (($#)); do
	case $1 in
	--out) out=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--per-test) per_test=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--module) modules+=("$2"); shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--dynamic) dynamic+=("$2"); shift 2 ;;
	--shell) shell=1; shift ;;
	-*) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	*) progs+=("$1"); shift ;;
	esac
done

[[ $repeat =~ ^[1-9][0-9]{0,4}$ ]] || { echo "boot.sh: --repeat wants a count from 1 to 99999, not '$repeat'" >&2; exit 2; }
KVER=${KVER:-$(ls /lib/modules | sort -V | tail -1)}
TCC_KO=${TCC_KO:-build/kmod/tcc.ko}
if ! why=$(tests/qemu/prereqs.sh); then
	echo "boot.sh: $why" >&2
	exit 1
fi

root=$out/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,modules,tests}
cp "$(command -v busybox || echo /bin/busybox)" "$root/bin/busybox"

# In-tree modules in load order: tcc.ko's own dependencies first, then the
# helpers other parts use (gpu-sched for drm_sched, vgem as a foreign
# dma-buf exporter), each resolved with its dependencies by modprobe.
want=($(modinfo -F depends "$TCC_KO" | tr ',' ' ') "${modules[@]}")
: > "$root/modules/order"
for m in "${want[@]}"; do
	while read -r verb path _; do
		[[ $verb == insmod ]] || continue
		base=$(basename "$path")
		grep -qx "$base" "$root/modules/order" && continue
		cp "$path" "$root/modules/" || exit 1
		echo "$base" >> "$root/modules/order"
	done < <(modprobe -S "$KVER" --show-depends "$m" 2>/dev/null)
done
cp "$TCC_KO" "$root/modules/tcc.ko"

for p in "${progs[@]}"; do
	[[ -x $p ]] || { echo "boot.sh: $p is not an executable" >&2; exit 1; }
	cp "$p" "$root/tests/"
done
for f in "${files[@]}"; do
	mkdir -p "$root/$(dirname "${f#*:}")" && cp "${f%%:*}" "$root/${f#*:}"
done
# Dynamic programs: the loader at its own path, every library flat in /lib
# (the guest has no ld.so.cache; /init sets LD_LIBRARY_PATH=/lib).
for d in "${dynamic[@]}"; do
	src=${d%%:*} dst=${d#*:}
	mkdir -p "$root/$(dirname "$dst")" "$root/lib" && cp "$src" "$root/$dst" || exit 1
	while read -r lib; do
		[[ -e $root/lib/$(basename "$lib") ]] || cp -L "$lib" "$root/lib/" || exit 1
	done < <(ldd "$src" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p')
	loader=$(ldd "$src" | sed -n 's/^[[:space:]]*\(\/[^ ]*ld-linux[^ ]*\) .*/\1/p')
	if [[ -n $loader && ! -e $root$loader ]]; then
		mkdir -p "$root$(dirname "$loader")" && cp -L "$loader" "$root$loader" || exit 1
	fi
done

cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
R=/dev/ttyS1
[ -c \$R ] || R=/dev/console
fail() { echo "TCC-FAIL \$*" > \$R; poweroff -f; }
for m in \$(cat /modules/order); do
	insmod /modules/\$m || fail "insmod \$m"
done
insmod /modules/tcc.ko || fail "insmod tcc.ko"
[ -e /sys/devices/platform/tcc/bo_count ] || fail "tcc.ko loaded but /sys/devices/platform/tcc/bo_count is missing"
export TCC_KMOD_GUEST=1 PATH=/bin LD_LIBRARY_PATH=/lib
cd /
round=1
while [ \$round -le $repeat ]; do
	for t in /tests/*; do
		[ -x "\$t" ] || continue
		n=\${t##*/}
		[ \$round = 1 ] || n=\$n@\$round
		echo "TCC-BEGIN \$n" > \$R
		timeout $per_test "\$t" > \$R 2>&1
		echo "TCC-END \$n \$?" > \$R
	done
	round=\$((round + 1))
done
d=/sys/devices/platform/tcc
echo "TCC-COUNTERS bo_count=\$(cat \$d/bo_count) pinned_bytes=\$(cat \$d/pinned_bytes) pinned_refusals=\$(cat \$d/pinned_refusals)" > \$R
if [ $shell = 1 ]; then
	echo "tcc guest: programs are in /tests, results went to \$R; exit to power off"
	sh
fi
rmmod tcc
echo "TCC-RMMOD \$?" > \$R
echo "TCC-DONE" > \$R
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.cpio.gz"

rm -f "$out/console.log" "$out/results.log"
qemu=(qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 1 -m 1024
      -no-reboot -nic none -display none -monitor none
      -kernel "/boot/vmlinuz-$KVER" -initrd "$out/initramfs.cpio.gz"
      -append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 loglevel=5")
if ((shell)); then
	"${qemu[@]}" -serial mon:stdio -serial "file:$out/results.log"
	exit 0
fi
timeout "$timeout_s" "${qemu[@]}" -serial "file:$out/console.log" -serial "file:$out/results.log" </dev/null
rc=$?
tr -d '\r' < "$out/results.log" > "$out/results.tmp" 2>/dev/null && mv "$out/results.tmp" "$out/results.log"
if ((rc == 124)); then
	echo "boot.sh: guest did not power off within ${timeout_s}s (see $out/console.log)" >&2
	exit 1
fi
bad=$(grep -E -m3 'Oops|BUG:|WARNING:|Call Trace|Kernel panic|general protection|RIP:' "$out/console.log")
if [[ -n $bad ]]; then
	echo "boot.sh: kernel problem in $out/console.log:" >&2
	echo "$bad" >&2
	exit 1
fi
if ! grep -qx TCC-DONE "$out/results.log"; then
	echo "boot.sh: guest stopped before TCC-DONE (see $out/results.log, $out/console.log)" >&2
	exit 1
fi
exit 0
