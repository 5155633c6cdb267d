#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Group the conformance verdicts of summary.json by reason.

Writes a readable report (counts per directory, then failure and
unsupported reasons grouped with example tests) to stdout; run.sh stores it
as build/conformance/report.txt and echoes the top groups as TAP comments.
Reasons are grouped after masking what varies between tests: quoted names,
numbers and shapes.
"""
import collections
import json
import re
import sys


def normalize(reason):
    r = re.sub(r"'[^']*'", "'…'", reason)
    r = re.sub(r"\[[-0-9, ]*\]", "[…]", r)
    r = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "N", r)
    return r[:160]


def groups(tests, verdict):
    g = collections.defaultdict(list)
    for t in tests:
        if t["verdict"] == verdict and "known_data_defect" not in t:
            g[normalize(t["reason"])].append(f"{t['dir']}/{t['name']}")
    return sorted(g.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "build/conformance/summary.json"
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with open(path) as f:
        s = json.load(f)
    out = []
    out.append(f"conformance run: {s['seconds']} s")
    for d, c in list(s["dirs"].items()) + [("total", s["total"])]:
        out.append(f"{d:18s} {c['total']:4d} tests: {c['pass']:4d} pass, {c['fail']:4d} fail, "
                   f"{c['unsupported']:4d} unsupported")
    slow = sorted(s["tests"], key=lambda t: -t["seconds"])[:5]
    out.append("slowest: " + ", ".join(f"{t['dir']}/{t['name']} {t['seconds']:.2f} s" for t in slow))
    for verdict in ("fail", "unsupported"):
        gs = groups(s["tests"], verdict)
        out.append("")
        out.append(f"{verdict} reasons ({sum(len(v) for _, v in gs)} tests, {len(gs)} groups):")
        for reason, names in (gs[:top] if top else gs):
            ex = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            out.append(f"  {len(names):4d}  {reason}")
            out.append(f"        e.g. {ex}")
    known = [t for t in s["tests"] if "known_data_defect" in t]
    out.append("")
    out.append(f"known test-data defects ({len(known)} failures reported as TODO, "
               "tests/conformance/known-data-defects.tsv):")
    for t in known:
        out.append(f"  {t['dir']}/{t['name']}: {t['reason']}")
        out.append(f"        because {t['known_data_defect']}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
