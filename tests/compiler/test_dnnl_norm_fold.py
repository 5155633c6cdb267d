#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Softmax / LayerNorm on oneDNN and Transpose folded into MatMul's trans_b
(passes/norm_dnnl.c, passes/transpose_fold.c), through tcc-run: each model's
outputs against NumPy, and the kernel each node got (TCC_PROFILE=1) against
what the passes promise, so a silently skipped rewrite fails too.  Prints TAP."""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TCC_RUN = sys.argv[1]
rng = np.random.default_rng(7)
tmp = tempfile.mkdtemp(prefix="tcc-dnnl-passes-")
results = []


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def build(name, nodes, feeds, outs, inits=(), opset=13):
    vis = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in feeds.items()]
    ovis = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs]
    g = helper.make_graph(nodes, name, vis, ovis, [numpy_helper.from_array(v, k) for k, v in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    path = f"{tmp}/{name}.onnx"
    onnx.save(m, path)
    return path


def run(path, feeds, outs, opt_level=1):
    """Outputs and {node name: kernel description} from the profile."""
    args = [TCC_RUN, path, "--output-dir", f"{tmp}/out", "--bench", "1", "--threads", "2",
            "--opt-level", str(opt_level)]
    for k, v in feeds.items():
        np.save(f"{tmp}/{k}.npy", v)
        args += ["--input", f"{k}={tmp}/{k}.npy"]
    r = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, TCC_PROFILE="1"))
    if r.returncode:
        raise RuntimeError(r.stderr.strip() or r.stdout.strip())
    kernels = {}
    for line in (r.stdout + r.stderr).splitlines():
        m = re.match(r"\s+[\d.]+ ms\s+[\d.]+%\s+(\S+)\s+(\S+)\s+\[(.*)\]$", line)
        if m:
            kernels[m.group(2)] = (m.group(1), m.group(3))
    return [np.load(f"{tmp}/out/{o}.npy") for o in outs], kernels


def expect(name, nodes, feeds, outs, want, kinds, inits=(), opset=13):
    """kinds: {node name: "oneDNN" | "reference" | None (node must be gone)}."""
    path = build(name, nodes, feeds, outs, inits, opset)
    for level in (1, 0):	# level 0: the reference kernels, the same answers
        got, k = run(path, feeds, outs, level)
        kernels = k if level == 1 else kernels
        for o, g, w in zip(outs, got, want):
            if g.shape != w.shape:
                raise AssertionError(f"O{level} {o}: shape {g.shape}, expected {w.shape}")
            err = np.abs(g.astype(np.float64) - w).max() / max(np.abs(w).max(), 1e-30)
            if err > 1e-5:
                raise AssertionError(f"O{level} {o}: max relative error {err:.2e}")
    for node, kind in kinds.items():
        k = kernels.get(node)
        if kind is None and k is not None:
            raise AssertionError(f"{node} still runs ({k[1]})")
        if kind is not None and (k is None or not k[1].startswith(kind)):
            raise AssertionError(f"{node}: kernel {k[1] if k else 'missing'}, expected {kind}")


def check(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except Exception as e:  # a failed check, reported as TAP
        results.append((False, name, str(e).splitlines()[-1] if str(e) else type(e).__name__))


def softmax(x, axis):
    e = np.exp(x.astype(np.float64) - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def layernorm(x, w, b, axis, eps=1e-5):
    ax = tuple(range(axis % x.ndim, x.ndim))
    x = x.astype(np.float64)
    m = x.mean(axis=ax, keepdims=True)
    v = ((x - m) ** 2).mean(axis=ax, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


x4 = f32(2, 3, 16, 40) * 4
check("Softmax over the last axis runs on oneDNN", lambda: expect(
    "sm_last", [helper.make_node("Softmax", ["x"], ["y"], "sm", axis=-1)], {"x": x4}, ["y"],
    [softmax(x4, -1)], {"sm": "oneDNN"}))
check("LogSoftmax over the last axis runs on oneDNN", lambda: expect(
    "lsm_last", [helper.make_node("LogSoftmax", ["x"], ["y"], "lsm", axis=3)], {"x": x4}, ["y"],
    [np.log(softmax(x4, -1))], {"lsm": "oneDNN"}))
check("Softmax over a middle axis (opset 13) keeps the reference kernel", lambda: expect(
    "sm_mid", [helper.make_node("Softmax", ["x"], ["y"], "sm", axis=1)], {"x": x4}, ["y"],
    [softmax(x4, 1)], {"sm": "reference"}))
check("Softmax opset 11 axis 1 (coerced to 2-D) runs on oneDNN", lambda: expect(
    "sm_11", [helper.make_node("Softmax", ["x"], ["y"], "sm", axis=1)], {"x": x4}, ["y"],
    [softmax(x4.reshape(2, -1), 1).reshape(x4.shape)], {"sm": "oneDNN"}, opset=11))

xl, wl, bl = f32(4, 24, 96) * 3 + 1, f32(96), f32(96)
check("LayerNormalization (opset 17) with constant scale/bias runs on oneDNN", lambda: expect(
    "ln17", [helper.make_node("LayerNormalization", ["x", "w", "b"], ["y"], "ln", epsilon=1e-3)], {"x": xl},
    ["y"], [layernorm(xl, wl, bl, -1, 1e-3)], {"ln": "oneDNN"}, [("w", wl), ("b", bl)], opset=17))
w2, b2 = f32(24, 96), f32(24, 96)
check("LayerNormalization over the last two axes runs on oneDNN", lambda: expect(
    "ln17_ax1", [helper.make_node("LayerNormalization", ["x", "w", "b"], ["y"], "ln", axis=1)], {"x": xl},
    ["y"], [layernorm(xl, w2, b2, 1)], {"ln": "oneDNN"}, [("w", w2), ("b", b2)], opset=17))
check("LayerNormalization without bias runs on oneDNN", lambda: expect(
    "ln17_nob", [helper.make_node("LayerNormalization", ["x", "w"], ["y"], "ln")], {"x": xl},
    ["y"], [layernorm(xl, wl, 0, -1)], {"ln": "oneDNN"}, [("w", wl)], opset=17))
check("LayerNormalization with a run-time scale keeps the reference kernel", lambda: expect(
    "ln17_rt", [helper.make_node("LayerNormalization", ["x", "w", "b"], ["y"], "ln")], {"x": xl, "w": wl},
    ["y"], [layernorm(xl, wl, bl, -1)], {"ln": "reference"}, [("b", bl)], opset=17))
check("LayerNormalization whose Mean output is read keeps the reference kernel", lambda: expect(
    "ln17_mean", [helper.make_node("LayerNormalization", ["x", "w", "b"], ["y", "mean"], "ln")], {"x": xl},
    ["y", "mean"], [layernorm(xl, wl, bl, -1), xl.astype(np.float64).mean(-1, keepdims=True)],
    {"ln": "reference"}, [("w", wl), ("b", bl)], opset=17))


def decomposed_ln():
    h = helper.make_node
    nodes = [h("ReduceMean", ["x"], ["m"], "r1", axes=[-1]), h("Sub", ["x", "m"], ["d"], "sub"),
             h("Pow", ["d", "two"], ["d2"], "pow"), h("ReduceMean", ["d2"], ["v"], "r2", axes=[-1]),
             h("Add", ["v", "eps"], ["ve"], "add"), h("Sqrt", ["ve"], ["s"], "sqrt"),
             h("Div", ["d", "s"], ["n"], "div"), h("Mul", ["n", "w"], ["nw"], "mul"),
             h("Add", ["nw", "b"], ["y"], "addb")]
    inits = [("two", np.array(2, np.float32)), ("eps", np.array(1e-5, np.float32)), ("w", wl), ("b", bl)]
    expect("ln_decomposed", nodes, {"x": xl}, ["y"], [layernorm(xl, wl, bl, -1)], {"r1": "oneDNN"}, inits)


check("the exported LayerNorm pattern, once fused, runs on oneDNN", decomposed_ln)

# Attention's Q·Kᵀ: K [b, s, h, d] -> Transpose [0, 2, 3, 1] -> [b, h, d, s].
q, k = f32(2, 4, 32, 16), f32(2, 32, 4, 16)
check("Q·Transpose(K, [0,2,3,1]) reads K through trans_b", lambda: expect(
    "qk", [helper.make_node("Transpose", ["k"], ["kt"], "tr", perm=[0, 2, 3, 1]),
           helper.make_node("MatMul", ["q", "kt"], ["y"], "mm")], {"q": q, "k": k}, ["y"],
    [q.astype(np.float64) @ k.transpose(0, 2, 3, 1)], {"mm": "oneDNN", "tr": "reference"}))
a2, x2 = f32(24, 40), f32(56, 40)
check("A·Transpose(X) (rank 2) drops the Transpose", lambda: expect(
    "at", [helper.make_node("Transpose", ["x"], ["xt"], "tr", perm=[1, 0]),
           helper.make_node("MatMul", ["a", "xt"], ["y"], "mm")], {"a": a2, "x": x2}, ["y"],
    [a2.astype(np.float64) @ x2.T], {"mm": "oneDNN", "tr": None}))
v = f32(2, 32, 4, 16)
p = f32(2, 4, 8, 32)
check("Transpose that keeps the last axis stays as it is", lambda: expect(
    "pv", [helper.make_node("Transpose", ["v"], ["vt"], "tr", perm=[0, 2, 1, 3]),
           helper.make_node("MatMul", ["p", "vt"], ["y"], "mm")], {"p": p, "v": v}, ["y"],
    [p.astype(np.float64) @ v.transpose(0, 2, 1, 3)], {"mm": "oneDNN", "tr": "reference"}))
check("a transposed B that is also a graph output is not folded", lambda: expect(
    "at_out", [helper.make_node("Transpose", ["x"], ["xt"], "tr", perm=[1, 0]),
               helper.make_node("MatMul", ["a", "xt"], ["y"], "mm")], {"a": a2, "x": x2}, ["y", "xt"],
    [a2.astype(np.float64) @ x2.T, x2.T], {"mm": "oneDNN", "tr": "reference"}))

print(f"1..{len(results)}")
for i, (ok, name, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}" + ("" if ok else f"\n# {why}"))
sys.exit(0 if all(r[0] for r in results) else 1)
