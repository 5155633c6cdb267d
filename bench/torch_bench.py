#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch peer: torch_bench.py NAME ITERS THREADS [bf16]
              torch_bench.py --zoo MODEL_DIR ITERS THREADS [bf16]

Runs bench/models.py's module NAME (the same seeded weights that were
exported to ONNX) in eager fp32 under torch.no_grad() and prints one JSON
line with the median/min latency in ms.  Which BLAS torch uses is chosen by
the caller through LD_LIBRARY_PATH (run.sh: OpenBLAS-openmp = the fair
configuration, or Debian's reference BLAS = the default); the line reports
which libblas was actually mapped.

--zoo runs a model directory written by tests/models/zoo.py instead (the
module rebuilt from the same seeds, fed the saved inputs/image.npy) and adds
its output's max relative error against the saved expected/logits.npy.

bf16: PyTorch's fastest CPU bfloat16 path in 1.13, as a user deploys it:
autocast to bfloat16, torch.jit.trace, torch.jit.freeze (oneDNN kernels,
AMX / AVX512-BF16 where the CPU has them); the error is then the bf16 one.
"""
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def mapped_blas():
    """Every BLAS/LAPACK library mapped (the first libblas.so.3 wins symbol lookup)."""
    seen = []
    with open("/proc/self/maps") as f:
        for line in f:
            lib = line.split()[-1]
            if ("blas" in lib or "lapack" in lib) and lib not in seen:
                seen.append(lib)
    return " ".join(seen) or "none"


def zoo_model(model_dir):
    """(module, input, expected output) of a tests/models/zoo.py model directory."""
    import numpy as np
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    sys.path.insert(0, os.path.join(root, "tests", "models"))
    import zoo
    with open(os.path.join(model_dir, "meta.json")) as f:
        meta = json.load(f)
    m, _ = zoo.build(meta["name"], meta["size"])
    x = torch.from_numpy(np.load(os.path.join(model_dir, "inputs", zoo.INPUT + ".npy")))
    ref = torch.from_numpy(np.load(os.path.join(model_dir, "expected", zoo.OUTPUT + ".npy")))
    return m, x, ref


def bf16_frozen(m, x):
    """autocast(bfloat16) + jit.trace + jit.freeze."""
    # Autocast's casts are recorded into the trace (not re-applied by the
    # JIT's own autocast pass), so that freeze folds the weights' casts.
    # Without autocast's weight-cast cache (PyTorch's advice for tracing under
    # CPU autocast) the casts are in the graph, and freeze folds them into
    # bf16 weight constants.  check_trace=False: the check is a second trace.
    torch._C._jit_set_autocast_mode(False)
    with torch.cpu.amp.autocast(dtype=torch.bfloat16, cache_enabled=False):
        return torch.jit.freeze(torch.jit.trace(m, x, check_trace=False).eval())


def bf16_runner(m, x):
    """(callable, how): the traced and frozen module where PyTorch 1.13 can
    run it; else eager under autocast, and why (e.g. LayerNorm and the fused
    attention of ConvNeXt, ViT and Swin fail traced: 'expected scalar type
    BFloat16 but found Float')."""
    try:
        f = bf16_frozen(m, x)
        f(x)
        return f, "autocast + jit.trace + jit.freeze"
    except RuntimeError as e:
        why = str(e).strip().splitlines()[-1][:160]

        # Grad mode on keeps nn.MultiheadAttention off its fused fast path,
        # which in 1.13 fails under autocast the same way.
        def eager(inp):
            with torch.enable_grad(), torch.cpu.amp.autocast(dtype=torch.bfloat16):
                return m(inp).detach()
        return eager, f"autocast eager, grad mode on (traced+frozen failed: {why})"


def main():
    args = sys.argv[1:]
    zoo_dir = None
    if args[:1] == ["--zoo"]:  # --zoo MODEL_DIR stands where NAME does
        zoo_dir = args[1]
        args = args[1:]
    name, iters, threads = args[0], int(args[1]), int(args[2])
    bf16 = args[3:4] == ["bf16"]
    torch.set_num_threads(threads)
    if zoo_dir:
        m, x, ref = zoo_model(zoo_dir)
        name = os.path.basename(os.path.normpath(zoo_dir))
    else:
        m, x, ref = models.build(name), models.example_input(name), None
    with torch.no_grad():
        how = "eager fp32"
        if bf16:
            m, how = bf16_runner(m, x)
        for _ in range(3):
            y = m(x)
        t = []
        for _ in range(iters):
            t0 = time.perf_counter()
            m(x)
            t.append((time.perf_counter() - t0) * 1e3)
    line = {"runtime": "torch_bf16" if bf16 else "torch", "version": torch.__version__,
            "median_ms": statistics.median(t), "min_ms": min(t), "iters": iters, "mode": how, "blas": mapped_blas(),
            "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if ref is not None:
        y, ref = y.float().double(), ref.double()
        line["max_rel_err"] = float((y - ref).abs().max() / max(float(ref.abs().max()), 1.1754944e-38))
    print(json.dumps(line))


if __name__ == "__main__":
    main()
