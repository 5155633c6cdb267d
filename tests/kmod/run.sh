#!/usr/bin/env bash
# tcc.ko kselftests under QEMU: boots ONE guest that runs every
# build/tests/kmod/*_test program, then prints flat TAP (tests/qemu/ktap2tap.py).
# Missing kernel/QEMU/kselftest headers: one SKIP with the reason, never a pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
skip() {
	echo "1..1"
	echo "ok 1 - kmod suite # SKIP $*"
	exit 0
}
KSELFTEST_DIR=${KSELFTEST_DIR:-/var/cache/tcc/kselftest}
[[ -f $KSELFTEST_DIR/kselftest_harness.h ]] ||
	skip "no kselftest headers in $KSELFTEST_DIR (tools/deps.d/kmod.sh could not fetch linux-source-6.1)"
why=$(tests/qemu/prereqs.sh) || skip "$why"

srcs=(tests/kmod/*_test.c)
bins=()
for s in "${srcs[@]}"; do
	b=build/tests/kmod/$(basename "$s" .c)
	if [[ ! -x $b ]]; then
		echo "1..1"
		echo "not ok 1 - kmod suite: $b is not built (make tests)"
		exit 1
	fi
	bins+=("$b")
done

# Several people may run the suite at once in one tree: one directory per
# run, build/qemu/kmod points at the latest.  Only the logs are kept.
mkdir -p build/qemu
out=$(mktemp -d build/qemu/kmod.XXXXXX)
# tccctl goes in too, for tests/kmod/tccctl_test: static if it linked so.
extra=()
if [[ -x build/tests/kmod/guest/tccctl ]]; then
	extra+=(--file build/tests/kmod/guest/tccctl:/bin/tccctl)
elif [[ -x build/bin/tccctl ]]; then
	extra+=(--dynamic build/bin/tccctl:/bin/tccctl)
fi
# tcc-executor runs real models (exec_model_test); libdnnl has no static
# archive, so it always goes in dynamically with its shared libraries.
if [[ -x build/bin/tcc-executor ]]; then
	extra+=(--dynamic build/bin/tcc-executor:/bin/tcc-executor)
fi
# tcc-run likewise, for model_weights_test (a model read from a module weight buffer).
if [[ -x build/bin/tcc-run ]]; then
	extra+=(--dynamic build/bin/tcc-run:/bin/tcc-run)
fi
reason=$(tests/qemu/boot.sh --out "$out" "${extra[@]}" "${bins[@]}" 2>&1 >/dev/null)
status=$?
[[ -n $reason ]] && echo "# boot.sh: ${reason//$'\n'/ }"
/usr/bin/python3 tests/qemu/ktap2tap.py "$out/results.log" "$out/console.log" "$status" "$reason" |
	tee "$out/tap.txt"
rm -rf "$out/initramfs" "$out/initramfs.cpio.gz"
ln -sfn "$(basename "$out")" build/qemu/kmod
# Keep the logs of the last 5 runs.
ls -dt build/qemu/kmod.* | tail -n +6 | xargs -r rm -rf
! grep -q '^not ok' "$out/tap.txt"
