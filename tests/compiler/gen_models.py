#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the small ONNX models the compiler tests load into the given directory."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
F = TensorProto.FLOAT


def save(name, nodes, inputs, outputs, inits=(), opset=13, check=True):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    if check:
        onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name + ".onnx"))
    return m


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


c = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "c")
save("add", [helper.make_node("Add", ["x", "c"], ["y"], name="add0")], [vi("x", [2, 3])], [vi("y", [2, 3])], [c])

# Symbolic batch: y = relu(x) * 2 for any N.
two = numpy_helper.from_array(np.array(2, np.float32), "two")
save("symbolic", [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["r", "two"], ["y"])],
     [vi("x", ["N", 4])], [vi("y", ["N", 4])], [two])

# Shape given as a graph input: only known at run time.
save("dyn_reshape", [helper.make_node("Reshape", ["x", "shape"], ["y"])],
     [vi("x", [2, 6]), vi("shape", [2], TensorProto.INT64)], [vi("y", ["a", "b"])])

# Operator, domain and opset we do not support; an invalid attribute.
save("unknown_op", [helper.make_node("FancyOp", ["x"], ["y"], name="fancy1")], [vi("x", [2])], [vi("y", [2])],
     check=False)
g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r1", domain="com.example")], "d",
                      [vi("x", [2])], [vi("y", [2])])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
onnx.save(m, os.path.join(out, "unknown_domain.onnx"))
save("opset_too_new", [helper.make_node("Relu", ["x"], ["y"])], [vi("x", [2])], [vi("y", [2])], opset=99,
     check=False)
save("bad_perm", [helper.make_node("Transpose", ["x"], ["y"], name="tr", perm=[0, 0])], [vi("x", [2, 3])],
     [vi("y", [3, 2])], check=False)
save("undefined_input", [helper.make_node("Relu", ["nope"], ["y"], name="r")], [vi("x", [2])], [vi("y", [2])],
     check=False)

# raw_data shorter than the dims say.
bad = numpy_helper.from_array(np.zeros((2, 3), np.float32), "c")
bad.raw_data = bad.raw_data[:10]
save("raw_short", [helper.make_node("Add", ["x", "c"], ["y"])], [vi("x", [2, 3])], [vi("y", [2, 3])], [bad],
     check=False)


def external(name, location, offset, data):
    t = TensorProto()
    t.name, t.data_type = "c", F
    t.dims.extend([2, 3])
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", str(offset)), ("length", "24")):
        e = t.external_data.add()
        e.key, e.value = k, v
    save(name, [helper.make_node("Add", ["x", "c"], ["y"])], [vi("x", [2, 3])], [vi("y", [2, 3])], [t],
         check=False)


with open(os.path.join(out, "weights.bin"), "wb") as f:
    f.write(b"\0" * 16 + np.arange(6, dtype=np.float32).tobytes())
external("ext_ok", "weights.bin", 16, None)
external("ext_escape", "../weights.bin", 16, None)
external("ext_short", "weights.bin", 32, None)

# A chain whose intermediates can share two arena buffers.
nodes, x = [], "x"
for i in range(6):
    nodes.append(helper.make_node("Relu" if i % 2 else "Neg", [x], [f"t{i}"]))
    x = f"t{i}"
save("chain", nodes, [vi("x", [256])], [vi(x, [256])])

# GPT-2's tanh GELU spelled out: eight pointwise nodes, one fused loop.
k = {n: numpy_helper.from_array(np.array(v, np.float32), n)
     for n, v in (("three", 3.0), ("k1", 0.044715), ("k2", 0.7978845608), ("one", 1.0), ("half", 0.5))}
save("gelu_tanh", [helper.make_node("Pow", ["x", "three"], ["p"]), helper.make_node("Mul", ["p", "k1"], ["m1"]),
                   helper.make_node("Add", ["x", "m1"], ["a1"]), helper.make_node("Mul", ["a1", "k2"], ["m2"]),
                   helper.make_node("Tanh", ["m2"], ["t"]), helper.make_node("Add", ["t", "one"], ["a2"]),
                   helper.make_node("Mul", ["x", "half"], ["h"]), helper.make_node("Mul", ["h", "a2"], ["y"])],
     [vi("x", [4, 33])], [vi("y", [4, 33])], k.values())

# Hostile sizes: a constant shape asking for 2^80 elements must be refused, not wrapped.
save("huge_shape", [helper.make_node("ConstantOfShape", ["shape"], ["y"], name="cos")], [],
     [vi("y", [1 << 40, 1 << 40])],
     [numpy_helper.from_array(np.array([1 << 40, 1 << 40], np.int64), "shape")], check=False)

# matmul: x[4,64] @ W[64,32] + B, the bf16 option's smallest case.
rng = np.random.default_rng(3)
Wm = numpy_helper.from_array((rng.standard_normal((64, 32)) / 8).astype(np.float32), "W")
Bm = numpy_helper.from_array((rng.standard_normal(32) / 8).astype(np.float32), "B")
save("matmul", [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["y"])],
     [vi("x", [4, 64])], [vi("y", [4, 32])], [Wm, Bm])
