#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Numeric parity of tcc-run against PyTorch on the issue's model families.

    parity.py [--tcc-run PATH] [--out DIR] [MODEL...]

Each model of tests/models/export.py is exported (opset 13, seeded random
weights and inputs, PyTorch's outputs saved as the oracle) and run with
`tcc-run model.onnx --input NAME=FILE.npy ... --output-dir DIR --threads T`.
Six TAP results per model (seven for symbolic-dim models):

  1. parity: max relative error of every output <= 1e-4, where
         rel_err(out, ref) = max|out - ref| / max(max|ref|, FLT_MIN)
     i.e. the largest absolute error measured against the output's scale
     (elementwise ratios blow up on values near zero and say nothing about
     fp32 accuracy).  Shapes and dtypes must match exactly; a NaN fails.
  2. repeat: a second run (served from the compile cache when tcc
     generated code) gives bitwise identical outputs.
  3. threads: --threads 1 agrees with --threads 2 within the same 1e-4 bound
     (a different split of a reduction may change the last bits, not more).
  4. reruns: tests/parity/rerun runs the model three times in one process
     (tcc-allocated outputs, then caller-owned buffers holding garbage); all
     runs must be bitwise identical and written in place.
  5. opt-level 0: the unfused reference path (--opt-level 0) is within 1e-4
     of PyTorch too, so that fusion and codegen are judged against a path
     that is itself right.
  6. bf16: --bf16 (MatMul/Gemm/Conv in bfloat16) is within 2e-2 of PyTorch,
     with at least one op really in bf16; SKIP on a CPU without native bf16.
     bf16 keeps 8 significant bits (unit roundoff 3.9e-3); measured here
     0.7e-3 to 3.9e-3 on these models.
  7. (symbolic-dim models only) a second input shape, run after the first
     has filled the compile cache, is within 1e-4 of PyTorch as well.

The measured error of each model is printed in its TAP line.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

try:
    import numpy as np
except ImportError as e:
    print(f"1..1\nnot ok 1 - parity: cannot import numpy with {sys.executable}: {e}")
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "models"))

MAX_REL_ERR = 1e-4
MAX_REL_ERR_BF16 = 2e-2
RUN_TIMEOUT_S = 120
CHECKS = ("parity with PyTorch", "repeated run identical", "--threads 1 agrees with --threads 2",
          "in-process reruns identical", "--opt-level 0 parity with PyTorch", "--bf16 parity with PyTorch")


class Tap:
    def __init__(self, plan):
        self.n = 0
        self.failed = 0
        print(f"1..{plan}", flush=True)

    def result(self, ok, desc):
        self.n += 1
        self.failed += not ok
        print(f"{'ok' if ok else 'not ok'} {self.n} - {desc.replace('#', '%')}", flush=True)

    def skip(self, desc, why):
        self.n += 1
        print(f"ok {self.n} - {desc.replace('#', '%')} # SKIP {why}", flush=True)

    def comment(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)


def rel_err(out, ref):
    """max|out - ref| / max(max|ref|, FLT_MIN), in float64; inf on NaN."""
    out, ref = out.astype(np.float64), ref.astype(np.float64)
    if not np.all(np.isfinite(out)):
        return float("inf")
    scale = max(float(np.max(np.abs(ref))) if ref.size else 0.0, float(np.finfo(np.float32).tiny))
    return float(np.max(np.abs(out - ref))) / scale if ref.size else 0.0


def run_tcc(tcc_run, model_dir, meta, out_dir, threads, extra=(), model=None, log=None):
    """Runs tcc-run on model_dir's model (or @model) with model_dir's inputs;
    returns (outputs dict, seconds) or raises RuntimeError with its message.
    Its stderr lines are appended to @log when given."""
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    cmd = [tcc_run, model or os.path.join(model_dir, "model.onnx"), "--output-dir", out_dir,
           "--threads", str(threads), *extra]
    for i in meta["inputs"]:
        cmd += ["--input", f"{i['name']}={os.path.join(model_dir, 'inputs', i['name'] + '.npy')}"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"tcc-run timed out after {RUN_TIMEOUT_S} s")
    secs = time.monotonic() - t0
    if log is not None:
        log.extend(p.stderr.splitlines())
    if p.returncode != 0:
        why = (p.stderr.strip().splitlines() or p.stdout.strip().splitlines() or [""])[-1]
        sig = f"signal {-p.returncode}" if p.returncode < 0 else f"exit {p.returncode}"
        raise RuntimeError(f"tcc-run failed ({sig}): {why}")
    outs = {}
    for o in meta["outputs"]:
        path = os.path.join(out_dir, o["name"] + ".npy")
        if not os.path.exists(path):
            raise RuntimeError(f"tcc-run wrote no {o['name']}.npy")
        outs[o["name"]] = np.load(path)
    return outs, secs


def compare(outs, refs, bound=MAX_REL_ERR):
    """Returns (ok, worst error, description) for a set of outputs against references."""
    worst, parts = 0.0, []
    for name, ref in refs.items():
        out = outs[name]
        if out.dtype != ref.dtype or out.shape != ref.shape:
            return False, float("inf"), (f"output '{name}' is {out.dtype}{list(out.shape)}, "
                                         f"expected {ref.dtype}{list(ref.shape)}")
        e = rel_err(out, ref)
        worst = max(worst, e)
        parts.append(f"{name} {'x'.join(map(str, ref.shape))} {ref.dtype}")
    return worst <= bound, worst, ", ".join(parts)


def check_opt0(tap, tcc_run, model_dir, meta, refs, name):
    try:
        outs, _ = run_tcc(tcc_run, model_dir, meta, os.path.join(model_dir, "tcc-o0"), 2, ("--opt-level", "0"))
        ok, err, _ = compare(outs, refs)
        tap.result(ok, f"{name}: --opt-level 0 parity with PyTorch (no fusion, no codegen): max rel err "
                       f"{err:.2e} {'<=' if ok else '>'} {MAX_REL_ERR:.0e}")
    except RuntimeError as e:
        tap.result(False, f"{name}: --opt-level 0 parity with PyTorch: {e}")


def check_bf16(tap, tcc_run, model_dir, meta, refs, name):
    import re
    log = []
    try:
        outs, _ = run_tcc(tcc_run, model_dir, meta, os.path.join(model_dir, "tcc-bf16"), 2,
                          ("--bf16", "--verbose"), log=log)
    except RuntimeError as e:
        tap.result(False, f"{name}: --bf16 parity with PyTorch: {e}")
        return
    if any("no native bf16" in line for line in log):
        tap.skip(f"{name}: --bf16 parity with PyTorch", "this CPU has no native bf16 (ops stay float32)")
        return
    ops = max([int(m.group(1)) for line in log for m in [re.search(r"(\d+) MatMul/Gemm/Conv ops in bfloat16", line)]
               if m] or [0])
    ok, err, _ = compare(outs, refs, MAX_REL_ERR_BF16)
    ok = ok and ops > 0
    tap.result(ok, f"{name}: --bf16 parity with PyTorch: {ops} ops in bfloat16, max rel err {err:.2e} "
                   f"{'<=' if err <= MAX_REL_ERR_BF16 else '>'} {MAX_REL_ERR_BF16:.0e}")


def checks_for(name, dynamic):
    return list(CHECKS) + (["second input shape, same compile cache, parity with PyTorch"]
                           if name in dynamic else [])


def check_alt_shape(tap, tcc_run, model_dir, meta, name):
    """A symbolic-dim model run at a second shape, after the first filled the compile cache."""
    alt_dir = os.path.join(model_dir, "alt")
    refs = {o["name"]: np.load(os.path.join(alt_dir, "expected", o["name"] + ".npy")) for o in meta["outputs"]}
    alt_meta = dict(meta, inputs=[{"name": i["name"]} for i in meta["inputs"]])
    shape = "x".join(map(str, np.load(os.path.join(alt_dir, "inputs", meta["inputs"][0]["name"] + ".npy")).shape))
    try:
        outs, _ = run_tcc(tcc_run, alt_dir, alt_meta, os.path.join(model_dir, "tcc-alt"), 2,
                          model=os.path.join(model_dir, "model.onnx"))
        ok, err, what = compare(outs, refs)
        tap.result(ok, f"{name}: second input shape {shape}, same compile cache, parity with PyTorch: "
                       f"max rel err {err:.2e} {'<=' if ok else '>'} {MAX_REL_ERR:.0e} ({what})")
    except RuntimeError as e:
        tap.result(False, f"{name}: second input shape {shape} parity with PyTorch: {e}")


def check_reruns(tap, rerun, model_dir, meta, name):
    cmd = [rerun, os.path.join(model_dir, "model.onnx"), "2"]
    cmd += [f"{i['name']}={os.path.join(model_dir, 'inputs', i['name'] + '.npy')}" for i in meta["inputs"]]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        lines = (p.stdout + p.stderr).strip().splitlines() or [f"exit {p.returncode}, no output"]
        why = lines[-1] if p.returncode >= 0 else f"killed by signal {-p.returncode}"
        tap.result(p.returncode == 0, f"{name}: in-process reruns into caller-owned outputs: {why}")
    except subprocess.TimeoutExpired:
        tap.result(False, f"{name}: in-process reruns: timed out after {RUN_TIMEOUT_S} s")
    except OSError as e:
        tap.result(False, f"{name}: in-process reruns: {rerun}: {e.strerror}")


def check_model(tap, tcc_run, rerun, out_root, name):
    import json
    model_dir = os.path.join(out_root, name)
    with open(os.path.join(model_dir, "meta.json")) as f:
        meta = json.load(f)
    refs = {o["name"]: np.load(os.path.join(model_dir, "expected", o["name"] + ".npy")) for o in meta["outputs"]}
    try:
        first, cold = run_tcc(tcc_run, model_dir, meta, os.path.join(model_dir, "tcc-t2"), 2)
    except RuntimeError as e:
        tap.result(False, f"{name}: parity with PyTorch: {e}")
        # One cause, one failure: the checks that compare with the first run are skipped.
        tap.skip(f"{name}: repeated run identical", "the first run failed")
        tap.skip(f"{name}: --threads 1 agrees with --threads 2", "the first run failed")
        tap.skip(f"{name}: in-process reruns identical", "the first run failed")
        check_opt0(tap, tcc_run, model_dir, meta, refs, name)
        check_bf16(tap, tcc_run, model_dir, meta, refs, name)
        if meta.get("alt_shape"):
            check_alt_shape(tap, tcc_run, model_dir, meta, name)
        return
    ok, err, what = compare(first, refs)
    tap.result(ok, f"{name}: parity with PyTorch: max rel err {err:.2e} {'<=' if ok else '>'} "
                   f"{MAX_REL_ERR:.0e} ({what})")
    warm = float("nan")
    try:
        again, warm = run_tcc(tcc_run, model_dir, meta, os.path.join(model_dir, "tcc-again"), 2)
        same = all(np.array_equal(again[k], first[k], equal_nan=True) for k in refs)
        tap.result(same, f"{name}: repeated run bitwise identical"
                         f"{'' if same else ' (outputs differ between two identical runs)'}")
    except RuntimeError as e:
        tap.result(False, f"{name}: repeated run identical: {e}")
    try:
        t1, _ = run_tcc(tcc_run, model_dir, meta, os.path.join(model_dir, "tcc-t1"), 1)
        ok1, d, _ = compare(t1, first)
        tap.result(ok1, f"{name}: --threads 1 agrees with --threads 2: max rel diff {d:.2e} "
                        f"{'<=' if ok1 else '>'} {MAX_REL_ERR:.0e}")
    except RuntimeError as e:
        tap.result(False, f"{name}: --threads 1 agrees with --threads 2: {e}")
    check_reruns(tap, rerun, model_dir, meta, name)
    check_opt0(tap, tcc_run, model_dir, meta, refs, name)
    check_bf16(tap, tcc_run, model_dir, meta, refs, name)
    if meta.get("alt_shape"):
        check_alt_shape(tap, tcc_run, model_dir, meta, name)
    cache = os.environ.get("TCC_CACHE_DIR", "")
    entries = sum(len(files) for _, _, files in os.walk(cache)) if cache else 0
    tap.comment(f"{name}: {meta['covers']}")
    tap.comment(f"{name}: tcc-run wall time {cold:.2f} s first run, {warm:.2f} s second run; "
                f"{entries} files in the compile cache {cache or '(TCC_CACHE_DIR unset)'} so far")


def main():
    try:
        import export  # tests/models/export.py (imports torch)
    except ImportError as e:
        print("1..1")
        print(f"not ok 1 - parity: cannot import the PyTorch oracle with {sys.executable}: {e} "
              "(tools/bootstrap installs python3-torch)")
        return 1

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tcc-run", default=os.path.join(ROOT, "build", "bin", "tcc-run"))
    ap.add_argument("--rerun", default=os.path.join(ROOT, "build", "tests", "parity", "rerun"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "parity"))
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    names = args.models or list(export.MODELS)
    tap = Tap(sum(len(checks_for(n, export.DYNAMIC)) for n in names))
    t0 = time.monotonic()
    for name in names:
        checks = checks_for(name, export.DYNAMIC)
        if name not in export.MODELS:
            for what in checks:
                tap.result(False, f"{name}: {what}: no such model in tests/models/export.py")
            continue
        try:
            export.export(name, args.out)
        except Exception as e:  # the generator is ours: report and carry on with the others
            for what in checks:
                tap.result(False, f"{name}: {what}: export failed: {type(e).__name__}: {e}")
            continue
        if not os.access(args.tcc_run, os.X_OK):
            for what in checks:
                tap.result(False, f"{name}: {what}: {args.tcc_run} not built")
            continue
        check_model(tap, args.tcc_run, args.rerun, args.out, name)
    tap.comment(f"parity: {time.monotonic() - t0:.1f} s")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
