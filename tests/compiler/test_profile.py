#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tcc-run --profile / --profile-json / --profile-trace on a small conv net
from PyTorch: the table, the JSON and the Chrome trace describe the same ops,
every op the model runs, with the kernels they got and plausible figures.
Prints TAP."""
import json
import os
import subprocess
import sys
import tempfile

import torch
from torch import nn

TCC_RUN = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="tcc-profile-")
results = []
torch.manual_seed(1)
net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.Hardswish(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4)).eval()
model = f"{tmp}/net.onnx"
torch.onnx.export(net, torch.randn(1, 3, 16, 16), model, opset_version=13, input_names=["x"], output_names=["y"])
r = subprocess.run([TCC_RUN, model, "--bench", "3", "--threads", "1", "--profile", "--profile-json", f"{tmp}/p.json",
                    "--profile-trace", f"{tmp}/t.json"], capture_output=True, text=True)


def check(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except Exception as e:  # a failed check, reported as TAP
        results.append((False, name, str(e).replace("\n", "\n# ")))


def ran():
    if r.returncode:
        raise AssertionError(r.stderr)


def table():
    lines = [l for l in r.stderr.splitlines() if l and not l.startswith("#")]
    head = [l for l in r.stderr.splitlines() if l.startswith("# tcc profile:")]
    if not head or "6 runs" not in head[0]:	# the first run, two warm-ups, three timed
        raise AssertionError(f"header: {head}")
    ms = [float(l.split()[0]) for l in lines]
    if ms != sorted(ms, reverse=True) or not any("oneDNN" in l for l in lines):
        raise AssertionError("rows not slowest first, or no oneDNN kernel:\n" + "\n".join(lines))


def json_matches_trace():
    p = json.load(open(f"{tmp}/p.json"))
    t = json.load(open(f"{tmp}/t.json"))
    ops = {o["node"] for o in p["ops"]}
    events = [e for e in t["traceEvents"] if e["ph"] == "X"]
    if p["runs"] != 6 or not ops or {e["args"]["node"] for e in events} != ops:
        raise AssertionError(f"json ops {sorted(ops)} vs trace {sorted(e['args']['node'] for e in events)}")
    convs = [o for o in p["ops"] if o["op"] == "Conv"]
    if len(convs) != 2 or any(o["flops"] <= 0 or o["ms"] <= 0 for o in convs):
        raise AssertionError(f"conv rows: {convs}")
    # second conv: 16x16 outputs x 16 channels x (16 x 3 x 3) multiply-adds
    if max(o["flops"] for o in convs) != 2 * 16 * 16 * 16 * 16 * 9:
        raise AssertionError(f"conv flops: {[o['flops'] for o in convs]}")
    ts = sorted((e["ts"], e["dur"]) for e in events)
    if any(d < 0 for _, d in ts) or any(a[0] + a[1] > b[0] + 1e-3 for a, b in zip(ts, ts[1:])):
        raise AssertionError(f"trace events overlap or run backwards: {ts}")


def not_profiled_is_an_error():
    q = subprocess.run([TCC_RUN, model, "--profile-json", "/nonexistent-dir/p.json"], capture_output=True, text=True)
    if q.returncode != 1 or "/nonexistent-dir/p.json" not in q.stderr:
        raise AssertionError(f"exit {q.returncode}: {q.stderr}")


check("tcc-run --profile runs", ran)
check("the table lists every op slowest first with its kernel", table)
check("JSON and trace list the same ops; conv flops are exact; events in order", json_matches_trace)
check("an unwritable profile path is an error naming it", not_profiled_is_an_error)
print(f"1..{len(results)}")
for i, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}" + ("" if ok else f"\n# {why}"))
sys.exit(0 if all(x[0] for x in results) else 1)
