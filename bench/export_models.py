#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Export the benchmark models to ONNX (opset 13, seeded random weights).

usage: export_models.py OUTDIR [NAME ...]    (default: all of mlp resnet18 encoder)
Writes OUTDIR/<name>.onnx and OUTDIR/<name>.input.npy (the input every
runtime is fed).  Run with /usr/bin/python3: Debian's torch imports only there.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    names = sys.argv[2:] or list(models.MODELS)
    os.makedirs(out, exist_ok=True)
    for name in names:
        m = models.build(name)
        x = models.example_input(name)
        path = os.path.join(out, name + ".onnx")
        with torch.no_grad():
            torch.onnx.export(m, (x,), path, opset_version=13, input_names=[models.MODELS[name][1]],
                              output_names=["y"], do_constant_folding=True)
        np.save(os.path.join(out, name + ".input.npy"), x.numpy())
        print("exported %s (%.1f MB)" % (path, os.path.getsize(path) / 1e6))


if __name__ == "__main__":
    main()
