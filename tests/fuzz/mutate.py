#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Structural mutations of the ONNX seed corpus, for sanitizer runs.

Each output model is a seed with 1-4 mutations drawn from: element types of
inputs, outputs and initializers; dims (0, 1, huge, 2^62, negative) of
value_infos and initializers; integer initializer values (shapes, axes, k,
pads: 0, negative, huge); a node input renamed "" (omitted) or dropped;
attributes retyped, removed or given extreme values; the opset; the
op_type swapped for another of the corpus; or byte flips of the serialized
model.  Deterministic for a given --seed.

Usage: mutate.py --seed S --count N OUTDIR [SEEDDIR]
"""
import argparse
import glob
import os
import random

import onnx
import onnx.numpy_helper
from onnx import TensorProto as T

DTYPES = [T.FLOAT, T.UINT8, T.INT8, T.UINT16, T.INT16, T.INT32, T.INT64, T.BOOL, T.FLOAT16,
          T.DOUBLE, T.UINT32, T.UINT64, T.BFLOAT16, T.STRING, T.COMPLEX64, 0, 99]
DIMS = [0, 1, 2, 3, 7, 64, 1 << 20, 1 << 31, 1 << 40, 1 << 62, (1 << 63) - 1, -1, -7]
INTS = [0, 1, -1, 2, 3, -2, 7, 100, 1 << 31, 1 << 40, 1 << 62, (1 << 63) - 1, -(1 << 63)]
OPS = ["Add", "MatMul", "Gemm", "Conv", "ConvTranspose", "Reshape", "Resize", "GRU", "LSTM", "RNN",
       "CumSum", "Trilu", "TopK", "HannWindow", "HammingWindow", "DepthToSpace", "SpaceToDepth",
       "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "Clip", "Pad", "Range", "Softmax",
       "ReduceSum", "Slice", "Transpose", "MaxPool", "AveragePool", "BatchNormalization", "Where",
       "Cast", "Expand", "Tile", "GatherElements", "ScatterElements", "Gather", "GatherND",
       "ScatterND", "LayerNormalization", "QuantizeLinear", "DequantizeLinear", "Einsum", "Split",
       "Concat", "Squeeze", "Unsqueeze", "ConstantOfShape", "OneHot", "NonZero", "Flatten",
       "InstanceNormalization", "LRN", "ArgMax", "Mod", "Div", "Pow", "MatMulInteger",
       "QLinearMatMul", "QLinearConv", "ConvInteger", "GridSample", "RoiAlign", "Unique",
       "Compress", "ReverseSequence", "Det", "Mean", "Sum", "Max", "CenterCropPad", "Col2Im",
       "BlackmanWindow", "DFT", "STFT", "MelWeightMatrix", "Shape", "Size", "EyeLike", "Dropout",
       "Identity", "Neg", "Sqrt", "Hardmax", "LogSoftmax", "GlobalAveragePool", "Upsample"]


def all_value_infos(g):
    return list(g.input) + list(g.output) + list(g.value_info)


def mut_dtype(m, r):
    g = m.graph
    if g.initializer and r.random() < 0.5:
        t = r.choice(g.initializer)
        t.data_type = r.choice(DTYPES)
    else:
        vis = all_value_infos(g)
        if vis:
            r.choice(vis).type.tensor_type.elem_type = r.choice(DTYPES)


def mut_dim(m, r):
    g = m.graph
    if g.initializer and r.random() < 0.3:
        t = r.choice(g.initializer)
        if t.dims:
            t.dims[r.randrange(len(t.dims))] = r.choice(DIMS)
        return
    vis = [v for v in g.input if v.type.tensor_type.shape.dim] or all_value_infos(g)
    if not vis:
        return
    shape = r.choice(vis).type.tensor_type.shape
    if shape.dim and r.random() < 0.8:
        d = shape.dim[r.randrange(len(shape.dim))]
        v = r.choice(DIMS)
        if v < 0:
            d.dim_param = "sym"
        else:
            d.dim_value = v
    elif r.random() < 0.5 and shape.dim:
        del shape.dim[r.randrange(len(shape.dim))]
    else:
        shape.dim.add().dim_value = r.choice(DIMS[:6])


def mut_int_init(m, r):
    ints = [t for t in m.graph.initializer if t.data_type in (T.INT64, T.INT32)]
    if not ints:
        return mut_attr(m, r)
    t = r.choice(ints)
    arr = onnx.numpy_helper.to_array(t).copy()
    if arr.size == 0:
        return
    flat = arr.reshape(-1)
    flat[r.randrange(flat.size)] = max(min(r.choice(INTS), 2**63 - 1), -(2**63)) if t.data_type == T.INT64 \
        else r.choice([0, 1, -1, 7, 2**31 - 1, -(2**31)])
    t.CopyFrom(onnx.numpy_helper.from_array(flat.reshape(arr.shape), t.name))


def mut_input(m, r):
    nodes = [n for n in m.graph.node if n.input]
    if not nodes:
        return
    n = r.choice(nodes)
    k = r.randrange(len(n.input))
    c = r.random()
    if c < 0.4:
        n.input[k] = ""
    elif c < 0.7:
        del n.input[-1]
    elif c < 0.85:
        n.input.append(r.choice(list(n.input)))
    else:
        names = [v.name for v in m.graph.input] + [t.name for t in m.graph.initializer]
        if names:
            n.input[k] = r.choice(names)


def mut_attr(m, r):
    nodes = list(m.graph.node)
    if not nodes:
        return
    n = r.choice(nodes)
    if n.attribute and r.random() < 0.8:
        a = r.choice(n.attribute)
        c = r.random()
        if c < 0.15:
            n.attribute.remove(a)
        elif c < 0.3:
            a.type = r.choice([1, 2, 3, 4, 5, 6, 7, 8])
        elif a.type == onnx.AttributeProto.INT:
            a.i = r.choice(INTS)
        elif a.type == onnx.AttributeProto.INTS:
            if a.ints and r.random() < 0.8:
                a.ints[r.randrange(len(a.ints))] = r.choice(INTS)
            else:
                a.ints.append(r.choice(INTS))
        elif a.type == onnx.AttributeProto.FLOAT:
            a.f = r.choice([0.0, -1.0, 1e30, float("nan"), float("inf")])
        elif a.type == onnx.AttributeProto.STRING:
            a.s = r.choice([b"", b"linear", b"cubic", b"nearest", b"NOTSET", b"VALID", b"ij->", b"\xff"])
    else:
        a = n.attribute.add()
        a.name = r.choice(["axis", "axes", "perm", "pads", "strides", "dilations", "kernel_shape",
                           "group", "blocksize", "to", "keepdims", "upper", "k", "hidden_size",
                           "direction", "mode", "output_padding", "output_shape", "transA", "transB"])
        if r.random() < 0.5:
            a.type = onnx.AttributeProto.INT
            a.i = r.choice(INTS)
        else:
            a.type = onnx.AttributeProto.INTS
            a.ints.extend(r.choice(INTS) for _ in range(r.randrange(0, 5)))


def mut_opset(m, r):
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = r.choice([1, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18])


NP_TYPES = ["float32", "float64", "float16", "int8", "uint8", "int16", "uint16", "int32", "int64",
            "uint32", "uint64", "bool"]


def mut_retype_init(m, r):
    """An initializer re-encoded in another element type: it still loads, the op must refuse it."""
    if not m.graph.initializer:
        return mut_dtype(m, r)
    t = r.choice(m.graph.initializer)
    arr = onnx.numpy_helper.to_array(t)
    t.CopyFrom(onnx.numpy_helper.from_array(arr.astype(r.choice(NP_TYPES)), t.name))


def mut_reshape_init(m, r):
    """An initializer replaced by one of another (often empty or mismatched) shape."""
    import numpy as np
    if not m.graph.initializer:
        return mut_dim(m, r)
    t = r.choice(m.graph.initializer)
    arr = onnx.numpy_helper.to_array(t)
    shape = [r.choice([0, 1, 1, 2, 3, 5]) for _ in range(r.choice([0, 1, 1, 2, 3, 4]))]
    new = (np.arange(int(np.prod(shape)), dtype=np.float64) % 7).astype(arr.dtype).reshape(shape)
    t.CopyFrom(onnx.numpy_helper.from_array(new, t.name))


def mut_op(m, r):
    if m.graph.node:
        r.choice(m.graph.node).op_type = r.choice(OPS)


STRUCT = [mut_dtype, mut_dim, mut_dim, mut_int_init, mut_int_init, mut_input, mut_attr, mut_attr,
          mut_opset, mut_op, mut_op, mut_retype_init, mut_retype_init, mut_reshape_init, mut_reshape_init]


def flip_bytes(data, r):
    b = bytearray(data)
    for _ in range(r.randrange(1, 6)):
        i = r.randrange(len(b))
        c = r.random()
        if c < 0.5:
            b[i] = r.randrange(256)
        elif c < 0.75:
            b[i] ^= 1 << r.randrange(8)
        else:
            b[i] = r.choice([0, 0x7f, 0x80, 0xff])
    return bytes(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("out")
    ap.add_argument("seeds", nargs="?", default=os.path.join(os.path.dirname(__file__), "corpus", "onnx"))
    a = ap.parse_args()
    r = random.Random(a.seed)
    seeds = [(p, open(p, "rb").read()) for p in sorted(glob.glob(os.path.join(a.seeds, "*.onnx")))]
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.count):
        name, data = r.choice(seeds)
        m = onnx.ModelProto()
        m.ParseFromString(data)
        for _ in range(r.randrange(1, 5)):
            try:
                r.choice(STRUCT)(m, r)
            except (ValueError, TypeError, OverflowError, IndexError, KeyError):
                pass
        try:
            out = m.SerializeToString()
        except Exception:
            out = data
        if r.random() < 0.2:
            out = flip_bytes(out, r)
        base = os.path.splitext(os.path.basename(name))[0]
        with open(os.path.join(a.out, "m%06d_%s.onnx" % (i, base)), "wb") as f:
            f.write(out)


if __name__ == "__main__":
    main()
