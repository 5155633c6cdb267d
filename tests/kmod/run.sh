#!/usr/bin/env bash
# tcc.ko kselftests under QEMU: boots ONE guest that runs every
# build/tests/kmod/*_test program, then prints flat TAP (tests/qemu/ktap2tap.py).
# Missing kernel/QEMU/kselftest headers: one SKIP with the reason, never a pass.
#
#   tests/kmod/run.sh [--repeat N] [PROGRAM...]
#     PROGRAM      only these programs (e.g. lib_weights_test), default all
#     --repeat N   run them N times in the same boot (`make check-stress`):
#                  round r's cases are named <program>@<r>.<case>, and a
#                  summary per program ends the output
set -uo pipefail
cd "$(dirname "$0")/../.."
repeat=1
names=()
while (($#)); do
	case $1 in
	--repeat) repeat=${2:-}; shift 2 || shift ;;
	-*) echo "usage: tests/kmod/run.sh [--repeat N] [PROGRAM...]" >&2; exit 2 ;;
	*) names+=("${1%.c}"); shift ;;
	esac
done
[[ $repeat =~ ^[1-9][0-9]{0,4}$ ]] || { echo "tests/kmod/run.sh: --repeat wants a count from 1 to 99999, not '$repeat'" >&2; exit 2; }
skip() {
	echo "1..1"
	echo "ok 1 - kmod suite # SKIP $*"
	exit 0
}
TCC_KSELFTEST_DIR=${TCC_KSELFTEST_DIR:-/var/cache/tcc/kselftest}
[[ -f $TCC_KSELFTEST_DIR/kselftest_harness.h ]] ||
	skip "no kselftest headers in $TCC_KSELFTEST_DIR (tools/bootstrap check fetches them from linux-source-6.1)"
why=$(tests/qemu/prereqs.sh) || skip "$why"

srcs=(tests/kmod/*_test.c)
if ((${#names[@]})); then
	srcs=()
	for n in "${names[@]}"; do
		n=$(basename "$n")
		[[ -f tests/kmod/$n.c ]] || { echo "tests/kmod/run.sh: no tests/kmod/$n.c" >&2; exit 2; }
		srcs+=("tests/kmod/$n.c")
	done
fi
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
# One round of every program normally fits 170 s; a stress run gets a
# minute per program per round on top (each program is also killed by the
# guest after 60 s), so only a hung guest reaches the limit.
limit=170
((repeat > 1)) && limit=$((170 + repeat * 60 * ${#bins[@]}))
# Progress for whoever watches: a software-emulated boot takes a while.
echo "# kmod: booting the QEMU guest for ${#bins[@]} program(s), $repeat round(s) (at most ${limit} s)"
reason=$(tests/qemu/boot.sh --out "$out" --timeout "$limit" --repeat "$repeat" \
	"${extra[@]}" "${bins[@]}" 2>&1 >/dev/null)
status=$?
[[ -n $reason ]] && echo "# boot.sh: ${reason//$'\n'/ }"
/usr/bin/python3 tests/qemu/ktap2tap.py "$out/results.log" "$out/console.log" "$status" "$reason" |
	tee "$out/tap.txt"
rm -rf "$out/initramfs" "$out/initramfs.cpio.gz"
ln -sfn "$(basename "$out")" build/qemu/kmod
# Keep the logs of the last 5 runs.
ls -dt build/qemu/kmod.* | tail -n +6 | xargs -r rm -rf
if ((repeat > 1)); then
	/usr/bin/python3 tests/qemu/stress_summary.py "$out/tap.txt" "$out/results.log" "$repeat"
fi
! grep -q '^not ok' "$out/tap.txt"
