#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Turn the ONNX backend test data into something a C runner reads easily.

Debian's libonnx-testdata stores every test as model.onnx plus
test_data_set_N/{input,output}_K.pb (serialized TensorProto).  The runner
links only libtccml's public API and has no protobuf parser of its own, so
this one-off step (run by tests/conformance/run.sh when the manifest is
missing or older than this script) converts each .pb to .npy with ONNX's own
numpy_helper and writes build/conformance/manifest.tsv:

    test <TAB> dir <TAB> name <TAB> model.onnx path
    set  <TAB> N
    in   <TAB> graph input name  <TAB> ONNX dtype <TAB> file.npy
    out  <TAB> graph output name <TAB> ONNX dtype <TAB> file.npy
    skip <TAB> dir <TAB> name <TAB> reason     (test data tcc's tensor API cannot carry)

The dtype is the one the model declares (old test data stores bfloat16 as
uint16 bits; the .npy keeps the raw bits and the runner trusts the manifest).
Data sets map positionally onto the graph inputs that have no initializer,
as ONNX's backend runner does.
"""
import glob
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

DATA_ROOT = os.environ.get("ONNX_TESTDATA", "/usr/share/libonnx-testdata/data")
# "real" holds only download URLs (no data): nothing to run offline.
DIRS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
NOT_TENSOR_DTYPES = {onnx.TensorProto.STRING: "string", onnx.TensorProto.UNDEFINED: "undefined",
                     onnx.TensorProto.COMPLEX64: "complex64", onnx.TensorProto.COMPLEX128: "complex128"}
# Element sizes of the dtypes tcc_tensor can carry (ONNX TensorProto numbers).
DTYPE_SIZE = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2}


class Unconvertible(Exception):
    pass


def value_kind(vi):
    """Return the tensor elem type of a ValueInfo or raise Unconvertible."""
    kind = vi.type.WhichOneof("value")
    if kind != "tensor_type":
        raise Unconvertible(f"'{vi.name}' is of {kind or 'unknown'} type, not a tensor")
    dt = vi.type.tensor_type.elem_type
    if dt in NOT_TENSOR_DTYPES:
        raise Unconvertible(f"'{vi.name}' has {NOT_TENSOR_DTYPES[dt]} elements")
    if dt not in DTYPE_SIZE:
        raise Unconvertible(f"'{vi.name}' has ONNX dtype {dt}")
    return dt


def convert_tensor(pb_path, npy_path, want_dtype):
    tp = onnx.load_tensor(pb_path)
    arr = numpy_helper.to_array(tp)
    if arr.dtype == object:
        raise Unconvertible(f"{os.path.basename(pb_path)} holds non-numeric data")
    if arr.dtype.itemsize != DTYPE_SIZE[want_dtype]:
        raise Unconvertible(f"{os.path.basename(pb_path)}: {arr.dtype} data for ONNX dtype {want_dtype}")
    # np.ascontiguousarray would turn a 0-d scalar into shape (1,)
    np.save(npy_path, np.array(arr, order="C", copy=True))


def convert_test(test_dir, out_dir):
    """Return the manifest lines for one test (raises Unconvertible)."""
    model = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    inputs = [vi for vi in model.graph.input if vi.name not in inits]
    outputs = list(model.graph.output)
    in_types = [value_kind(vi) for vi in inputs]
    out_types = [value_kind(vi) for vi in outputs]
    lines = []
    sets = sorted(glob.glob(os.path.join(test_dir, "test_data_set_*")),
                  key=lambda p: int(p.rsplit("_", 1)[1]))
    if not sets:
        raise Unconvertible("no test_data_set_* directory")
    for set_dir in sets:
        n = int(set_dir.rsplit("_", 1)[1])
        dst = os.path.join(out_dir, str(n))
        os.makedirs(dst, exist_ok=True)
        lines.append(f"set\t{n}")
        for role, vis, types in (("in", inputs, in_types), ("out", outputs, out_types)):
            files = glob.glob(os.path.join(set_dir, f"{'input' if role == 'in' else 'output'}_*.pb"))
            if len(files) != len(vis):
                raise Unconvertible(f"data set {n} has {len(files)} {role}puts, graph has {len(vis)}")
            for k, (vi, dt) in enumerate(zip(vis, types)):
                base = "input" if role == "in" else "output"
                npy = os.path.join(dst, f"{base}_{k}.npy")
                convert_tensor(os.path.join(set_dir, f"{base}_{k}.pb"), npy, dt)
                lines.append(f"{role}\t{vi.name}\t{dt}\t{npy}")
    return lines


def main():
    out_root = sys.argv[1] if len(sys.argv) > 1 else "build/conformance"
    manifest = []
    counts = {"converted": 0, "skipped": 0}
    for d in DIRS:
        for name in sorted(os.listdir(os.path.join(DATA_ROOT, d))):
            test_dir = os.path.join(DATA_ROOT, d, name)
            if not os.path.isdir(test_dir):
                continue
            try:
                lines = convert_test(test_dir, os.path.join(out_root, "data", d, name))
            except Unconvertible as e:
                manifest.append(f"skip\t{d}\t{name}\t{e}")
                counts["skipped"] += 1
                continue
            except Exception as e:  # a broken file is the data's problem: report, never abort
                manifest.append(f"skip\t{d}\t{name}\ttest data unreadable: {type(e).__name__}: {e}")
                counts["skipped"] += 1
                continue
            manifest.append(f"test\t{d}\t{name}\t{os.path.join(test_dir, 'model.onnx')}")
            manifest.extend(lines)
            counts["converted"] += 1
    tmp = os.path.join(out_root, "manifest.tsv.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(l.replace("\n", " ") for l in manifest) + "\n")
    os.replace(tmp, os.path.join(out_root, "manifest.tsv"))
    print(f"# conformance data: {counts['converted']} tests converted, "
          f"{counts['skipped']} not representable as tensors", file=sys.stderr)


if __name__ == "__main__":
    main()
