#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs a libFuzzer harness (built by `make fuzz-build`, ASan+UBSan) over
every file of a directory, in batches, and counts what crashed: a crash
ends the batch, the input it was running is recorded with the first line
of the sanitizer's report and the first tcc frame, and the run resumes
after it.  A timeout (-timeout) counts as a hang.

Usage: mutation_run.py BIN DIR [--batch N] [--timeout S] [--crashes OUTDIR]
Prints one line per finding and a totals line:
  models N, crashes C (unique U), hangs H
"""
import argparse
import os
import re
import shutil
import subprocess
import sys


def signature(log):
    kind = "crash"
    for pat, k in ((r"ERROR: AddressSanitizer: ([\w-]+)", None), (r"runtime error: (.*)", "ubsan"),
                   (r"ERROR: libFuzzer: timeout", "hang"), (r"ERROR: libFuzzer: ([\w-]+)", None)):
        mm = re.search(pat, log)
        if mm:
            kind = k or mm.group(1)
            if k == "ubsan":
                kind = "ubsan: " + re.sub(r"-?\d{3,}", "N", mm.group(1))[:80]
            break
    frame = "?"
    for mm in re.finditer(r"#\d+ 0x[0-9a-f]+ in (\w+) (\S*libtcc/\S+?)(:\d+)", log):
        frame = "%s %s" % (mm.group(1), os.path.basename(mm.group(2)))
        break
    else:
        mm = re.search(r"(\S*libtcc/\S+?):(\d+):\d+: runtime error", log)
        if mm:
            frame = os.path.basename(mm.group(1))
    return kind, frame


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("dir")
    ap.add_argument("--batch", type=int, default=300)
    ap.add_argument("--timeout", type=int, default=20)
    ap.add_argument("--crashes")
    a = ap.parse_args()
    files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir))
    env = dict(os.environ, ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=0:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    i, crashes, hangs, uniq = 0, 0, 0, {}
    while i < len(files):
        batch = files[i:i + a.batch]
        p = subprocess.run([a.bin, "-timeout=%d" % a.timeout, "-rss_limit_mb=6144",
                            "-malloc_limit_mb=6144"] + batch, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, errors="replace")
        if p.returncode == 0:
            i += len(batch)
            continue
        running = re.findall(r"Running: (\S+)", p.stdout)
        if not running:
            print("harness failed without running anything:\n" + p.stdout[-3000:])
            sys.exit(2)
        bad = running[-1]
        kind, frame = signature(p.stdout)
        if kind == "hang":
            hangs += 1
        else:
            crashes += 1
        uniq.setdefault((kind, frame), []).append(bad)
        print("FINDING %s | %s | %s" % (kind, frame, bad), flush=True)
        if a.crashes:
            os.makedirs(a.crashes, exist_ok=True)
            shutil.copy(bad, a.crashes)
            with open(os.path.join(a.crashes, os.path.basename(bad) + ".log"), "w") as f:
                f.write(p.stdout[-20000:])
        i = files.index(bad) + 1
    for (kind, frame), v in sorted(uniq.items(), key=lambda kv: -len(kv[1])):
        print("  %4d  %s | %s  e.g. %s" % (len(v), kind, frame, v[0]))
    print("models %d, crashes %d (unique %d), hangs %d" % (len(files), crashes, len(uniq), hangs))


if __name__ == "__main__":
    main()
