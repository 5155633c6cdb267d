#!/usr/bin/python3
"""Turns the guest's results.log (tests/qemu/boot.sh) into flat TAP.

Each program's KTAP (kselftest) results become top-level lines named
"<program>.<test>", numbered across programs; then the module-level checks:
every program finished, leak check (bo_count / pinned_bytes back to 0),
tcc.ko unloads, clean kernel console.  The plan is printed last.

usage: ktap2tap.py RESULTS_LOG CONSOLE_LOG BOOT_STATUS [BOOT_REASON]
"""
import re
import sys

RESULT = re.compile(r'^(not ok|ok) (\d+)\s*(?:- )?(.*?)\s*$')
RUN = re.compile(r'^#\s+RUN\s+(\S+) \.\.\.')
PLAN = re.compile(r'^1\.\.(\d+)')
BAD_CONSOLE = re.compile(r'Oops|BUG:|WARNING:|Call Trace|Kernel panic|general protection|RIP:')


class Tap:
    def __init__(self):
        self.n = 0

    def emit(self, ok, name, directive=''):
        self.n += 1
        line = '%s %d - %s' % ('ok' if ok else 'not ok', self.n, name)
        if directive:
            line += ' # ' + directive
        print(line)

    def diag(self, lines):
        for line in lines[-25:]:
            print('#   ' + line)


def split_directive(desc):
    if '#' in desc:
        name, _, directive = desc.partition('#')
        return name.strip(), directive.strip()
    return desc.strip(), ''


def main():
    results_path, console_path, boot_status = sys.argv[1:4]
    boot_reason = (sys.argv[4] if len(sys.argv) > 4 else '').strip().split('\n')[0]
    try:
        lines = open(results_path, errors='replace').read().splitlines()
    except OSError:
        lines = []
    try:
        console = open(console_path, errors='replace').read().splitlines()
    except OSError:
        console = []
    tap = Tap()

    program, section, run_name, seen, plan = None, [], None, 0, None
    counters, rmmod, done = None, None, False
    for line in lines:
        if line.startswith('TCC-FAIL '):
            tap.emit(False, 'guest set-up: ' + line[len('TCC-FAIL '):])
        elif line.startswith('TCC-BEGIN '):
            program, section, run_name, seen, plan = line.split()[1], [], None, 0, None
        elif line.startswith('TCC-END ') and program:
            status = int(line.split()[2])
            if plan is not None and seen < plan:
                tap.emit(False, '%s: planned %d tests, %d reported (crashed or timed out?)'
                         % (program, plan, seen))
                tap.diag(section)
            elif status != 0 and not any(l.startswith('not ok') for l in section):
                tap.emit(False, '%s exited with status %d' % (program, status))
                tap.diag(section)
            elif seen == 0:
                tap.emit(status == 0, '%s (no KTAP results, exit %d)' % (program, status))
            program = None
        elif line.startswith('TCC-COUNTERS '):
            counters = dict(kv.split('=', 1) for kv in line.split()[1:])
        elif line.startswith('TCC-RMMOD '):
            rmmod = line.split()[1]
        elif line == 'TCC-DONE':
            done = True
        elif program:
            section.append(line)
            m = RUN.match(line)
            if m:
                run_name = m.group(1)
                continue
            m = PLAN.match(line)
            if m and plan is None:
                plan = int(m.group(1))
                continue
            m = RESULT.match(line)
            if m:
                seen += 1
                name, directive = split_directive(m.group(3))
                # kselftest's SKIP lines carry only the reason: name from RUN.
                if not name and run_name:
                    name = run_name
                name = re.sub(r'^global\.', '', name or 'test %s' % m.group(2))
                ok = m.group(1) == 'ok'
                tap.emit(ok, '%s.%s' % (program, name), directive)
                if not ok:
                    tap.diag(section)
                run_name = None

    if program:
        tap.emit(False, '%s did not finish (guest died or timed out)' % program)
        tap.diag(section)
    if counters is None:
        tap.emit(False, 'leak check: guest did not report the sysfs counters')
    else:
        for key in ('bo_count', 'pinned_bytes'):
            val = counters.get(key, '?')
            tap.emit(val == '0', 'leak check: %s back to 0 after the suite (is %s)' % (key, val))
    tap.emit(rmmod == '0', 'tcc.ko unloads after the suite (rmmod status %s)' % rmmod)
    bad = [l for l in console if BAD_CONSOLE.search(l)]
    tap.emit(not bad, 'kernel console has no oops, BUG, WARNING or Call Trace')
    if bad:
        tap.diag(bad)
    tap.emit(boot_status == '0' and done, 'guest booted, ran every program and powered off'
             + ('' if boot_status == '0' else ' (%s)' % boot_reason))
    print('1..%d' % tap.n)


if __name__ == '__main__':
    main()
