#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch peer: torch_bench.py NAME ITERS THREADS

Runs bench/models.py's module NAME (the same seeded weights that were
exported to ONNX) in eager fp32 under torch.no_grad() and prints one JSON
line with the median/min latency in ms.  Which BLAS torch uses is chosen by
the caller through LD_LIBRARY_PATH (run.sh: OpenBLAS-openmp = the fair
configuration, or Debian's reference BLAS = the default); the line reports
which libblas was actually mapped.
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


def main():
    name, iters, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    m = models.build(name)
    x = models.example_input(name)
    with torch.no_grad():
        for _ in range(3):
            m(x)
        t = []
        for _ in range(iters):
            t0 = time.perf_counter()
            m(x)
            t.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"runtime": "torch", "version": torch.__version__, "median_ms": statistics.median(t),
                      "min_ms": min(t), "iters": iters, "blas": mapped_blas(),
                      "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
