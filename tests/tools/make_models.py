#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Tiny ONNX models for tests/tools/run.sh (tcc-run's command line).

  make_models.py DIR
    DIR/symbolic.onnx  input 'x' float32 [batch, 4] -> Relu -> output 'y' [batch, 4]
    DIR/collide.onnx   input 'x' float32 [2] -> outputs 'out/1' and 'out_1'
                       (the same file name once '/' is made '_')
"""
import os
import sys

import onnx
from onnx import TensorProto, helper


def save(graph, path):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    save(helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "symbolic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])]),
        os.path.join(out, "symbolic.onnx"))
    save(helper.make_graph(
        [helper.make_node("Relu", ["x"], ["out/1"]), helper.make_node("Neg", ["x"], ["out_1"])],
        "collide",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("out/1", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("out_1", TensorProto.FLOAT, [2])]),
        os.path.join(out, "collide.onnx"))


if __name__ == "__main__":
    main()
