#!/usr/bin/python3
"""Models for test_model_weights (written to the directory given as argv[1]).

mlp.onnx      x[4,2048] -> MatMul(2048x2048)+Add -> Relu -> MatMul(2048x2048)+Add -> Relu
              -> Gemm(transB, 2048x512): 36 MiB of f32 weights, enough that one private
              copy is unmistakable in RssAnon.
convbn.onnx   Conv -> BatchNormalization -> Relu -> Conv -> BatchNormalization: the
              compiler folds each BN into its Conv (rewrites the weights).
tiny.onnx     y = x @ W[4,3] + B[3] (the tiny model of make_onnx.py).
tiny_other.onnx  same names, W[4,4] and B[4]: a buffer of the one is wrong for the other.
tiny_stale.onnx  tiny.onnx with other values in W (same names, dtypes and shapes).
dyn.onnx      x[batch,64] @ W[64,32] + B: symbolic input dims.
ext.onnx      the same with static dims and its weights in ext.data (ONNX external data).
gemm_alpha.onnx  Gemm(alpha=0.5) with a bias: its weight is prepacked privately.
cnn.onnx      x[1,3,32,32] -> Conv s2 -> Relu -> Conv s2 -> Relu -> Conv + residual Add -> Relu
              -> depthwise Conv -> Relu -> Conv -> Relu -> GlobalAveragePool -> Flatten -> Gemm:
              five Conv weights (19 MiB, two 512x512x3x3) for the Conv pre-packed records.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)


def save(name, nodes, inputs, outputs, inits):
    g = helper.make_graph(nodes, name, inputs, outputs, [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name + ".onnx"))


def f32(*shape, scale=0.05):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


save("mlp",
     [helper.make_node("MatMul", ["x", "W1"], ["h1"]), helper.make_node("Add", ["h1", "B1"], ["a1"]),
      helper.make_node("Relu", ["a1"], ["r1"]),
      helper.make_node("MatMul", ["r1", "W2"], ["h2"]), helper.make_node("Add", ["h2", "B2"], ["a2"]),
      helper.make_node("Relu", ["a2"], ["r2"]),
      helper.make_node("Gemm", ["r2", "W3", "B3"], ["y"], transB=1)],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 2048])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 512])],
     {"W1": f32(2048, 2048), "B1": f32(2048), "W2": f32(2048, 2048), "B2": f32(2048),
      "W3": f32(512, 2048), "B3": f32(512)})

bn = {}
for i, (oc, ic) in enumerate([(16, 3), (8, 16)]):
    bn[f"C{i}"] = f32(oc, ic, 3, 3, scale=0.3)
    bn[f"CB{i}"] = f32(oc)
    bn[f"S{i}"] = (1 + f32(oc)).astype(np.float32)
    bn[f"T{i}"] = f32(oc)
    bn[f"M{i}"] = f32(oc)
    bn[f"V{i}"] = (1 + np.abs(f32(oc))).astype(np.float32)
save("convbn",
     [helper.make_node("Conv", ["x", "C0", "CB0"], ["c0"], pads=[1, 1, 1, 1]),
      helper.make_node("BatchNormalization", ["c0", "S0", "T0", "M0", "V0"], ["b0"]),
      helper.make_node("Relu", ["b0"], ["r0"]),
      helper.make_node("Conv", ["r0", "C1", "CB1"], ["c1"], pads=[1, 1, 1, 1]),
      helper.make_node("BatchNormalization", ["c1", "S1", "T1", "M1", "V1"], ["y"])],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 16, 16])], bn)


def tiny(name, n, w):
    save(name, [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["y"])],
         [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
         [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])],
         {"W": w, "B": np.arange(n, dtype=np.float32) - 1})


tiny("tiny", 3, (np.arange(12, dtype=np.float32) / 4).reshape(4, 3))
tiny("tiny_other", 4, (np.arange(16, dtype=np.float32) / 4).reshape(4, 4))
tiny("tiny_stale", 3, (np.arange(12, dtype=np.float32) / 8).reshape(4, 3))
# wide / wide_one_value: a 4x16384 W (256 KiB) differing in one value, at byte
# 4000: between the first two of the 17 windows of 64 bytes once sampled.
wide = (np.arange(4 * 16384, dtype=np.float32) / 1000).reshape(4, 16384)
tiny("wide", 16384, wide)
wide = wide.copy()
wide.flat[1000] += 1
tiny("wide_one_value", 16384, wide)

# dyn.onnx: symbolic batch (compiled per shape, from the same buffer);
# ext.onnx + ext.data: the weights as ONNX external data.
W = f32(64, 32, scale=1.0)
Bv = f32(32, scale=1.0)
for name, dims in (("dyn", ["batch", 64]), ("ext", [2, 64])):
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["y"])], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [dims[0], 32])],
        [numpy_helper.from_array(W, "W"), numpy_helper.from_array(Bv, "B")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    if name == "ext":
        onnx.save(m, os.path.join(out, "ext.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                  location="ext.data", size_threshold=0)
    else:
        onnx.save(m, os.path.join(out, name + ".onnx"))

# gemm_alpha.onnx: Gemm with alpha != 1 and a bias, which oneDNN cannot run on a run-time B.
save("gemm_alpha", [helper.make_node("Gemm", ["x", "W", "B"], ["y"], alpha=0.5)],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 32])], {"W": W, "B": Bv})

# cnn.onnx: the Conv path of the pre-packed records (layouts chosen per conv, blocked activations
# between convs, a residual add, a depthwise conv); weights dominated by two 512x512 3x3 convs.
cnn = {"K0": f32(64, 3, 3, 3, scale=0.2), "KB0": f32(64), "K1": f32(512, 64, 3, 3, scale=0.05), "KB1": f32(512),
       "K2": f32(512, 512, 3, 3, scale=0.02), "KB2": f32(512), "K3": f32(512, 1, 3, 3, scale=0.3),
       "KB3": f32(512), "K4": f32(512, 512, 3, 3, scale=0.02), "KB4": f32(512),
       "FC": f32(10, 512, scale=0.1), "FCB": f32(10)}
save("cnn",
     [helper.make_node("Conv", ["x", "K0", "KB0"], ["c0"], pads=[1, 1, 1, 1], strides=[2, 2]),
      helper.make_node("Relu", ["c0"], ["r0"]),
      helper.make_node("Conv", ["r0", "K1", "KB1"], ["c1"], pads=[1, 1, 1, 1], strides=[2, 2]),
      helper.make_node("Relu", ["c1"], ["r1"]),
      helper.make_node("Conv", ["r1", "K2", "KB2"], ["c2"], pads=[1, 1, 1, 1]),
      helper.make_node("Add", ["c2", "r1"], ["s2"]), helper.make_node("Relu", ["s2"], ["r2"]),
      helper.make_node("Conv", ["r2", "K3", "KB3"], ["c3"], pads=[1, 1, 1, 1], group=512),
      helper.make_node("Relu", ["c3"], ["r3"]),
      helper.make_node("Conv", ["r3", "K4", "KB4"], ["c4"], pads=[1, 1, 1, 1]),
      helper.make_node("Relu", ["c4"], ["r4"]),
      helper.make_node("GlobalAveragePool", ["r4"], ["p"]), helper.make_node("Flatten", ["p"], ["f"]),
      helper.make_node("Gemm", ["f", "FC", "FCB"], ["y"], transB=1)],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], cnn)
