#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Parity of tcc-run on torchvision's model families (tests/models/zoo.py --small).

    zoo_parity.py [--tcc-run PATH] [--out DIR] [MODEL...]

Every model of the zoo is exported at its small size (cached under DIR,
regenerated only when zoo.py or the torch/torchvision versions change) and
run with `tcc-run model.onnx --input image=FILE.npy --output-dir DIR`.  Two
TAP results per model:

  1. fp32: max relative error against PyTorch <= 1e-4, with
         rel_err(out, ref) = max|out - ref| / max(max|ref|, FLT_MIN)
     (tests/parity/parity.py's definition: the error measured against the
     output's scale).  A model tcc-run cannot load or run fails with its
     error message.
  2. bf16: `--bf16` against tcc's own fp32 output within 5e-2, with at least
     one MatMul/Gemm/Conv really in bfloat16; SKIP on a CPU without native
     bf16.  bf16 keeps 8 significant bits (unit roundoff 3.9e-3); these are
     20 to 100 layers deep with random weights, so the bound is wider than
     the parity suite's 2e-2 on shallow models (the worst seen is printed).

A model that fails to load with an error listed in KNOWN (a gap in the
loader, tracked) is reported as `not ok ... # TODO` with the exact message,
so it shows without failing the suite; any other error is a failure.  The
last line totals the results and names the worst errors seen.
"""
import argparse
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "parity"))
sys.path.insert(0, os.path.join(ROOT, "tests", "models"))
import parity  # noqa: E402  (Tap, run_tcc, compare: one definition of the error and of running tcc-run)

MAX_REL_ERR = 1e-4
MAX_REL_ERR_BF16 = 5e-2

# model: (substring of tcc-run's error, why it is tracked rather than failed)
KNOWN = {}


class Totals(parity.Tap):
    """parity.Tap that also counts passes, skips and TODOs for the last line."""

    def __init__(self, plan):
        super().__init__(plan)
        self.passed = self.skipped = self.todo = 0

    def result(self, ok, desc):
        super().result(ok, desc)
        self.passed += ok

    def skip(self, desc, why):
        super().skip(desc, why)
        self.skipped += 1

    def known(self, desc, why):
        self.n += 1
        self.todo += 1
        print(f"not ok {self.n} - {desc.replace('#', '%')} # TODO {why.replace('#', '%')}", flush=True)


def check_model(tap, tcc_run, out_root, name, meta, worst):
    import numpy as np
    model_dir = os.path.join(out_root, name)
    refs = {o["name"]: np.load(os.path.join(model_dir, "expected", o["name"] + ".npy")) for o in meta["outputs"]}
    label = f"{name} ({meta['family']}, 1x3x{meta['inputs'][0]['shape'][2]}, opset {meta['opset']})"
    try:
        fp32, secs = parity.run_tcc(tcc_run, model_dir, meta, os.path.join(model_dir, "tcc-fp32"), 2)
    except RuntimeError as e:
        known = KNOWN.get(name)
        if known and known[0] in str(e):
            tap.known(f"{label}: fp32 parity with PyTorch: {e}", f"known: {known[1]}")
        else:
            tap.result(False, f"{label}: fp32 parity with PyTorch: {e}")
        tap.skip(f"{name}: --bf16 against fp32", "the fp32 run failed")
        return
    ok, err, _ = parity.compare(fp32, refs, MAX_REL_ERR)
    if err > worst["fp32"][0]:
        worst["fp32"] = (err, name)
    tap.result(ok, f"{label}: fp32 parity with PyTorch: max rel err {err:.2e} {'<=' if ok else '>'} "
                   f"{MAX_REL_ERR:.0e} ({secs:.1f} s)")
    log = []
    try:
        bf16, secs = parity.run_tcc(tcc_run, model_dir, meta, os.path.join(model_dir, "tcc-bf16"), 2,
                                    ("--bf16", "--verbose"), log=log)
    except RuntimeError as e:
        tap.result(False, f"{name}: --bf16 against fp32: {e}")
        return
    if any("no native bf16" in line for line in log):
        tap.skip(f"{name}: --bf16 against fp32", "this CPU has no native bf16 (ops stay float32)")
        return
    ops = max([int(m.group(1)) for line in log
               for m in [re.search(r"(\d+) MatMul/Gemm/Conv ops in bfloat16", line)] if m] or [0])
    ok, err, _ = parity.compare(bf16, fp32, MAX_REL_ERR_BF16)
    if err > worst["bf16"][0]:
        worst["bf16"] = (err, name)
    tap.result(ok and ops > 0, f"{name}: --bf16 against fp32: {ops} ops in bfloat16, max rel err {err:.2e} "
                               f"{'<=' if ok else '>'} {MAX_REL_ERR_BF16:.0e} ({secs:.1f} s)")


def main():
    try:
        import zoo  # tests/models/zoo.py (imports torch and torchvision)
    except ImportError as e:
        print("1..1")
        print(f"not ok 1 - zoo: cannot import the PyTorch oracle with {sys.executable}: {e} "
              "(tools/bootstrap installs python3-torch and python3-torchvision)")
        return 1
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tcc-run", default=os.path.join(ROOT, "build", "bin", "tcc-run"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "zoo", "small"))
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    names = args.models or list(zoo.ZOO)
    tap = Totals(2 * len(names))
    t0 = time.monotonic()
    worst = {"fp32": (0.0, "-"), "bf16": (0.0, "-")}
    for name in names:
        if name not in zoo.ZOO:
            tap.result(False, f"{name}: no such model in tests/models/zoo.py")
            tap.result(False, f"{name}: --bf16 against fp32: no such model")
            continue
        try:
            meta = zoo.export(name, "small", args.out)
        except Exception as e:  # one model's exporter failure must not hide the others
            tap.result(False, f"{name}: export failed: {type(e).__name__}: {e}")
            tap.skip(f"{name}: --bf16 against fp32", "the export failed")
            continue
        if not os.access(args.tcc_run, os.X_OK):
            tap.result(False, f"{name}: {args.tcc_run} not built")
            tap.skip(f"{name}: --bf16 against fp32", "tcc-run not built")
            continue
        check_model(tap, args.tcc_run, args.out, name, meta, worst)
    print(f"# zoo: {tap.passed} passed, {tap.failed} failed, {tap.skipped} skipped, {tap.todo} known (TODO); "
          f"worst fp32 rel err {worst['fp32'][0]:.2e} ({worst['fp32'][1]}), "
          f"worst bf16-vs-fp32 {worst['bf16'][0]:.2e} ({worst['bf16'][1]}); "
          f"{time.monotonic() - t0:.1f} s", flush=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
