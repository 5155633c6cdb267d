#!/usr/bin/python3
"""A tiny ONNX model with known initializers for test_weights: y = x @ W + B.

W is float32 [4, 3] = arange(12) / 4, B is float32 [3] = [-1, 0, 1].
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

W = (np.arange(12, dtype=np.float32) / 4).reshape(4, 3)
B = np.array([-1, 0, 1], dtype=np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["y"])],
    "weights_test",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
