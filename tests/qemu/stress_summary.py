#!/usr/bin/python3
"""Summary of a stress boot (tests/kmod/run.sh --repeat N): per program, how
many rounds ran and how many had a failure, then each failing case with the
number of rounds it failed in.  Reads ktap2tap.py's TAP, where round r > 1 of
a program is named "<program>@<r>", and the guest's results.log for the rounds
that began and ended.  Prints TAP comment lines ("# stress: ...").

usage: stress_summary.py TAP_FILE RESULTS_LOG ROUNDS
"""
import re
import sys

NOT_OK = re.compile(r'^not ok \d+ - (.*)$')
ROUND = re.compile(r'^([^.:@ ]+)(?:@(\d+))?(.*)$')


def main():
    tap_path, results_path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ended, bad_rounds, cases, order = {}, {}, {}, []
    try:
        results = open(results_path, errors='replace').read().splitlines()
    except OSError:
        results = []
    for line in results:
        fields = line.split()
        if len(fields) >= 2 and fields[0] in ('TCC-BEGIN', 'TCC-END'):
            prog = ROUND.match(fields[1]).group(1)
            if prog not in ended:
                ended[prog] = 0
                order.append(prog)
            if fields[0] == 'TCC-END':
                ended[prog] += 1
    for line in open(tap_path, errors='replace').read().splitlines():
        m = NOT_OK.match(line)
        if not m:
            continue
        r = ROUND.match(m.group(1))
        prog, rnd, rest = r.group(1), r.group(2) or '1', r.group(3)
        if prog not in ended:
            continue    # a module-level check (leak, unload, console, boot)
        bad_rounds.setdefault(prog, set()).add(rnd)
        case = rest[1:] if rest.startswith('.') else rest.strip()
        cases.setdefault(prog, {}).setdefault(case, set()).add(rnd)
    for prog in order:
        print('# stress: %s: %d of %d rounds ran, %d with a failure'
              % (prog, ended[prog], rounds, len(bad_rounds.get(prog, ()))))
        for case, rnds in sorted(cases.get(prog, {}).items()):
            print('# stress:   %s failed in %d round(s)' % (case, len(rnds)))


if __name__ == '__main__':
    main()
