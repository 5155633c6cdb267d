#!/usr/bin/env bash
# Self-test of the module-test harness (no QEMU boot): feeds made-up guest
# logs to ktap2tap.py and checks that every kind of failure becomes a
# `not ok`, and that tests/kmod/run.sh skips (never passes) without its tools.
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

check() {	# check NAME EXPECTED-REGEX ACTUAL
	n=$((n + 1))
	if grep -Eq -- "$2" <<<"$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "#   expected /$2/ in:"
		sed 's/^/#   /' <<<"$3"
		failed=1
	fi
}

ktap() {	# ktap RESULTS CONSOLE BOOT_STATUS: TAP from ktap2tap.py
	printf '%s\n' "$1" > "$tmp/results.log"
	printf '%s\n' "$2" > "$tmp/console.log"
	/usr/bin/python3 tests/qemu/ktap2tap.py "$tmp/results.log" "$tmp/console.log" "$3" "boot said why"
}

good_end='TCC-COUNTERS bo_count=0 pinned_bytes=0 pinned_refusals=0
TCC-RMMOD 0
TCC-DONE'
prog='TCC-BEGIN x_test
TAP version 13
1..2
#  RUN           global.first ...
#            OK  global.first
ok 1 global.first
#  RUN           fix.second ...
#            OK  fix.second
ok 2 fix.second
TCC-END x_test 0'

out=$(ktap "$prog
$good_end" "" 0)
check "clean run: every case and every module check passes" \
	'^ok 1 - x_test\.first$' "$out"
check "clean run: fixture cases keep the fixture name" '^ok 2 - x_test\.fix\.second$' "$out"
check "clean run: plan is 2 cases + 5 module checks" '^1\.\.7$' "$out"
check "clean run: no not ok" '^0$' "$(grep -c '^not ok' <<<"$out")"

out=$(ktap "${prog/ok 2 fix.second/not ok 2 fix.second}
$good_end" "" 0)
check "a failing case is not ok under its name" '^not ok 2 - x_test\.fix\.second$' "$out"

out=$(ktap 'TCC-BEGIN x_test
TAP version 13
1..3
ok 1 global.first
Segmentation fault
TCC-END x_test 139
'"$good_end" "" 0)
check "a program that crashes after its plan fails" '^not ok 2 - x_test: planned 3 tests, 1 reported' "$out"

out=$(ktap 'TCC-BEGIN x_test
1..1
#  RUN           global.needs_vgem ...
ok 1 # SKIP vgem.ko not loaded
TCC-END x_test 0
'"$good_end" "" 0)
check "a nameless kselftest SKIP gets its RUN name" '^ok 1 - x_test\.needs_vgem # SKIP vgem\.ko not loaded$' "$out"

out=$(ktap "${prog/TCC-END x_test 0/TCC-END x_test 1}
$good_end" "" 0)
check "a non-zero exit with only passing cases fails" '^not ok 3 - x_test exited with status 1$' "$out"

out=$(ktap "$prog
${good_end/bo_count=0/bo_count=2}" "" 0)
check "BOs left after the suite fail the leak check" '^not ok 3 - leak check: bo_count back to 0 after the suite \(is 2\)$' "$out"

out=$(ktap "$prog
${good_end/pinned_bytes=0/pinned_bytes=4096}" "" 0)
check "pinned bytes left after the suite fail the leak check" '^not ok 4 - leak check: pinned_bytes' "$out"

out=$(ktap "$prog
${good_end/RMMOD 0/RMMOD 1}" "" 0)
check "a module that will not unload fails" '^not ok 5 - tcc.ko unloads' "$out"

out=$(ktap "$prog
$good_end" "[    2.2] WARNING: CPU: 0 PID: 102 at kmod/tcc_bo.c:187 tcc_bo_info_ioctl" 0)
check "a WARN on the console fails" '^not ok 6 - kernel console has no oops' "$out"

out=$(ktap 'TCC-BEGIN x_test
1..2
ok 1 global.first' "[    2.2] Kernel panic - not syncing: Fatal exception" 1)
check "a guest that died mid-program fails that program" '^not ok 2 - x_test did not finish' "$out"
check "a guest that died fails the boot check" '^not ok [0-9]+ - guest booted, ran every program and powered off \(boot said why\)$' "$out"

out=$(ktap 'TCC-FAIL insmod tcc.ko' "" 1)
check "a set-up failure in the guest is reported" '^not ok 1 - guest set-up: insmod tcc.ko$' "$out"

# A stress boot (--repeat): later rounds are named <program>@<round>.
printf '%s\n' 'TCC-BEGIN x_test' 'TCC-END x_test 0' 'TCC-BEGIN x_test@2' 'TCC-END x_test@2 1' \
	'TCC-BEGIN x_test@3' 'TCC-END x_test@3 1' 'TCC-BEGIN y_test' > "$tmp/stress.log"
printf '%s\n' 'ok 1 - x_test.fix.a' 'not ok 2 - x_test@2.fix.a' 'not ok 3 - x_test@3.fix.a' \
	'not ok 4 - x_test@3 exited with status 1' 'not ok 5 - y_test did not finish (guest died or timed out)' \
	'not ok 6 - leak check: bo_count back to 0 after the suite (is 1)' > "$tmp/stress.tap"
out=$(/usr/bin/python3 tests/qemu/stress_summary.py "$tmp/stress.tap" "$tmp/stress.log" 3)
check "stress summary: rounds that ran and rounds with a failure, per program" \
	'^# stress: x_test: 3 of 3 rounds ran, 2 with a failure$' "$out"
check "stress summary: each failing case with the rounds it failed in" \
	'^# stress:   fix\.a failed in 2 round\(s\)$' "$out"
check "stress summary: a program that never ended counts no round" \
	'^# stress: y_test: 0 of 3 rounds ran, 1 with a failure$' "$out"
check "stress summary: module-level checks are not programs" \
	'^0$' "$(grep -c 'leak' <<<"$out")"

# modinfo and modprobe are in /sbin, not on a normal user's PATH: the
# prerequisites check must find them anyway (same verdict without /sbin).
full=$(tests/qemu/prereqs.sh 2>&1; echo "exit $?")
bare=$(PATH=/usr/local/bin:/usr/bin:/bin tests/qemu/prereqs.sh 2>&1; echo "exit $?")
check "prereqs.sh gives the same verdict without /sbin on PATH" '^same$' \
	"$([[ $full == "$bare" ]] && echo same || printf 'with /sbin: %s\nwithout: %s\n' "$full" "$bare")"

out=$(TCC_KSELFTEST_DIR=$tmp/none tests/kmod/run.sh)
check "without kselftest headers the kmod suite skips with the reason" \
	'^ok 1 - kmod suite # SKIP no kselftest headers in ' "$out"
out=$(KVER=0.0.0-none tests/kmod/run.sh)
check "without the guest kernel the kmod suite skips with the reason" \
	'^ok 1 - kmod suite # SKIP no /boot/vmlinuz-0\.0\.0-none' "$out"
out=$(TCC_KO=$tmp/none.ko tests/kmod/run.sh)
# (The reason is the first thing missing: on a machine without QEMU, QEMU.)
check "without tcc.ko the kmod suite skips" '^ok 1 - kmod suite # SKIP ' "$out"

echo "1..$n"
exit $failed
