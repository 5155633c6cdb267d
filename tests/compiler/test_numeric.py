#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Numeric checks through tcc-run: single-op models against NumPy, and the
example MLP/CNN (examples/make_model.py) against PyTorch.  Prints TAP."""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TCC_RUN = sys.argv[1]
ROOT = os.path.dirname(os.path.abspath(__file__)) + "/../.."
rng = np.random.default_rng(42)
tmp = tempfile.mkdtemp(prefix="tcc-numeric-")
results = []
NP2ONNX = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE, np.int64: TensorProto.INT64,
           np.int32: TensorProto.INT32, np.bool_: TensorProto.BOOL, np.float16: TensorProto.FLOAT16,
           np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8}


def run_model(path, feeds, outs, extra=()):
    args = [TCC_RUN, path, "--output-dir", tmp + "/out"] + list(extra)
    for k, v in feeds.items():
        np.save(f"{tmp}/{k}.npy", v)
        args += ["--input", f"{k}={tmp}/{k}.npy"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr.strip())
    return [np.load(f"{tmp}/out/{o}.npy") for o in outs]


def single(op, inputs, expect, opset=13, consts=(), **attrs):
    names = [f"i{k}" for k in range(len(inputs))]
    inits = [numpy_helper.from_array(inputs[k], names[k]) for k in consts]
    feeds = {names[k]: v for k, v in enumerate(inputs) if k not in consts}
    vis = [helper.make_tensor_value_info(n, NP2ONNX[v.dtype.type], v.shape) for n, v in feeds.items()]
    exp = expect if isinstance(expect, (list, tuple)) else [expect]
    outs = [f"o{k}" for k in range(len(exp))]
    ovis = [helper.make_tensor_value_info(o, NP2ONNX[e.dtype.type], e.shape) for o, e in zip(outs, exp)]
    g = helper.make_graph([helper.make_node(op, names, outs, **attrs)], op, vis, ovis, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    path = f"{tmp}/{op}.onnx"
    onnx.save(m, path)
    got = run_model(path, feeds, outs)
    for gv, ev in zip(got, exp):
        if gv.shape != ev.shape or gv.dtype != ev.dtype:
            raise AssertionError(f"got {gv.dtype}{gv.shape}, expected {ev.dtype}{ev.shape}")
        if not np.allclose(gv.astype(np.float64), ev.astype(np.float64), rtol=1e-5, atol=1e-6):
            raise AssertionError(f"max abs diff {np.abs(gv.astype(float) - ev.astype(float)).max()}")


def check(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except Exception as e:  # a failed check, reported as TAP
        results.append((False, name, str(e).splitlines()[-1] if str(e) else type(e).__name__))


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


a, b = f32(2, 3, 4), f32(3, 1)
check("Add broadcasts [2,3,4] + [3,1]", lambda: single("Add", [a, b], a + b))
check("Div int64 truncates toward zero", lambda: single(
    "Div", [np.array([7, -7, 9], np.int64), np.array([2, 2, -4], np.int64)], np.array([3, -3, -2], np.int64)))
check("Mod fmod=0 follows the divisor's sign", lambda: single(
    "Mod", [np.array([5, -5, 5], np.int32), np.array([3, 3, -3], np.int32)], np.array([2, 1, -1], np.int32)))
check("Greater gives bool", lambda: single("Greater", [a, a * 0], a > 0))
check("Where with broadcasting", lambda: single(
    "Where", [a > 0, a, np.zeros((1,), np.float32)], np.where(a > 0, a, 0).astype(np.float32)))
check("Pow float16 computed through float32", lambda: single(
    "Pow", [np.abs(a).astype(np.float16), np.full((1,), 2, np.float16)], (np.abs(a).astype(np.float16) ** 2)))
verf = np.vectorize(math.erf)
check("Erf", lambda: single("Erf", [a], verf(a).astype(np.float32)))
check("MatMul batched broadcast [2,3,4]x[4,5]", lambda: (lambda w: single("MatMul", [a, w], a @ w))(f32(4, 5)))
check("Gemm transB alpha beta", lambda: (lambda A, B, C: single(
    "Gemm", [A, B, C], (0.5 * A @ B.T + 2 * C).astype(np.float32), consts=(1, 2), transB=1, alpha=0.5, beta=2.0))(
    f32(3, 5), f32(4, 5), f32(4)))
check("Softmax opset 13 axis -1", lambda: single(
    "Softmax", [a], (np.exp(a) / np.exp(a).sum(-1, keepdims=True)).astype(np.float32)))
check("ReduceMean axes attribute keepdims=0 (opset 11)", lambda: single(
    "ReduceMean", [a], a.mean(axis=(0, 2)), opset=11, axes=[0, 2], keepdims=0))
check("ReduceSum axes as input (opset 13)", lambda: single(
    "ReduceSum", [a, np.array([1], np.int64)], a.sum(1, keepdims=True), consts=(1,)))
check("ArgMax select_last_index", lambda: single(
    "ArgMax", [np.array([[1, 3, 3], [2, 2, 0]], np.float32)], np.array([[2], [1]], np.int64), axis=1,
    select_last_index=1))
check("Transpose perm", lambda: single("Transpose", [a], a.transpose(2, 0, 1), perm=[2, 0, 1]))
check("Slice with negative steps", lambda: single(
    "Slice", [a, np.array([-1], np.int64), np.array([-100], np.int64), np.array([2], np.int64),
              np.array([-2], np.int64)], a[:, :, ::-2], consts=(1, 2, 3, 4)))
check("Gather negative indices", lambda: single(
    "Gather", [a, np.array([[-1, 0]], np.int64)], a[:, [[2, 0]]], axis=1))
check("Concat axis 1", lambda: (lambda c: single("Concat", [a, c], np.concatenate([a, c], 1), axis=1))(f32(2, 2, 4)))
check("Split into unequal parts (opset 13)", lambda: single(
    "Split", [a, np.array([1, 3], np.int64)], [a[..., :1], a[..., 1:]], consts=(1,), axis=2))
check("Expand", lambda: single("Expand", [b, np.array([2, 3, 4], np.int64)], np.broadcast_to(b, (2, 3, 4)),
                               consts=(1,)))
check("Cast float -> int32 truncates", lambda: single(
    "Cast", [np.array([1.7, -1.7, 3.0], np.float32)], np.array([1, -1, 3], np.int32), to=TensorProto.INT32))
check("LayerNormalization (opset 17)", lambda: (lambda s, bb: single(
    "LayerNormalization", [a, s, bb],
    ((a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + 1e-5) * s + bb).astype(np.float32),
    opset=17, consts=(1, 2)))(f32(4), f32(4)))
x4 = f32(1, 2, 5, 5)
check("MaxPool with asymmetric pads", lambda: single(
    "MaxPool", [x4], np.pad(x4, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    [:, :, :6, :6].reshape(1, 2, 3, 2, 3, 2).max((3, 5)), kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 0, 0]))
check("TopK largest", lambda: single(
    "TopK", [np.array([[3, 1, 2, 5]], np.float32), np.array([2], np.int64)],
    [np.array([[5, 3]], np.float32), np.array([[3, 0]], np.int64)], consts=(1,), axis=1))
check("Pad reflect", lambda: single(
    "Pad", [np.arange(6, dtype=np.float32).reshape(2, 3), np.array([0, 2, 0, 1], np.int64)],
    np.pad(np.arange(6, dtype=np.float32).reshape(2, 3), ((0, 0), (2, 1)), mode="reflect"), consts=(1,),
    mode="reflect"))


def conv_check():
    import torch
    import torch.nn.functional as F
    x, w, bias = f32(2, 4, 9, 7), f32(6, 2, 3, 3), f32(6)
    ref = F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(bias), stride=2, padding=1, dilation=1,
                   groups=2).numpy()
    single("Conv", [x, w, bias], ref, consts=(1, 2), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
           group=2)


check("Conv grouped, strided, padded vs torch", conv_check)


def example_vs_torch(kind):
    import torch
    import torch.nn.functional as F
    path = f"{tmp}/{kind}.onnx"
    subprocess.run(["/usr/bin/python3", f"{ROOT}/examples/make_model.py", kind, path], check=True)
    m = onnx.load(path)
    W = {i.name: torch.tensor(numpy_helper.to_array(i)) for i in m.graph.initializer}
    if kind == "mlp":
        x = f32(8, 256)
        h = torch.tensor(x)
        for i in range(3):
            h = h @ W[f"fc{i}.weight"].T + W[f"fc{i}.bias"]
            if i < 2:
                h = F.gelu(h)
        ref, out = h.numpy(), "logits"
    else:
        x = f32(1, 3, 64, 64)

        def cb(t, p, s, relu=True):
            wt = W[p + ".w"]
            y = F.conv2d(t, wt, stride=s, padding=wt.shape[-1] // 2)
            y = F.batch_norm(y, W[p + ".bn2"], W[p + ".bn3"], W[p + ".bn0"], W[p + ".bn1"], eps=1e-5)
            return F.relu(y) if relu else y
        h = F.max_pool2d(cb(torch.tensor(x), "stem", 1), 2, 2)
        c = 16
        for i, (co, s) in enumerate([(16, 1), (32, 2)]):
            y = cb(cb(h, f"b{i}a", s), f"b{i}b", 1, False)
            sh = cb(h, f"b{i}s", s, False) if (s != 1 or co != c) else h
            h, c = F.relu(y + sh), co
        ref = F.softmax(h.mean((2, 3)) @ W["fc.weight"].T + W["fc.bias"], 1).numpy()
        out = "probs"
    for opt in ("1", "0"):
        got = run_model(path, {"input": x}, [out], ["--opt-level", opt])[0]
        err = np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-6)
        if err > 1e-4:
            raise AssertionError(f"opt-level {opt}: max relative error {err:.2e}")


check("example MLP (Gemm + erf GELU) matches torch, rel err <= 1e-4", lambda: example_vs_torch("mlp"))
check("example CNN (conv+bn folded, residual, pool, softmax) matches torch", lambda: example_vs_torch("cnn"))

print(f"1..{len(results)}")
for i, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}" + ("" if ok else f"\n# {why}"))
