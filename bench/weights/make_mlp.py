#!/usr/bin/python3
"""An MLP whose weights dominate the file: LAYERS Gemm layers of WIDTH x WIDTH float32.

usage: make_mlp.py OUT.onnx [WIDTH=2048] [LAYERS=4]   (4 x 16 MiB by default)
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
width = int(sys.argv[2]) if len(sys.argv) > 2 else 2048
layers = int(sys.argv[3]) if len(sys.argv) > 3 else 4
rng = np.random.default_rng(7)
nodes, inits, x = [], [], "x"
for i in range(layers):
    w = (rng.standard_normal((width, width), dtype=np.float32) / np.sqrt(width)).astype(np.float32)
    b = np.zeros(width, dtype=np.float32)
    inits += [numpy_helper.from_array(w, f"fc{i}.weight"), numpy_helper.from_array(b, f"fc{i}.bias")]
    nodes.append(helper.make_node("Gemm", [x, f"fc{i}.weight", f"fc{i}.bias"], [f"h{i}"]))
    x = f"h{i}"
    if i < layers - 1:
        nodes.append(helper.make_node("Relu", [x], [f"r{i}"]))
        x = f"r{i}"
graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, width])], inits)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), out)
