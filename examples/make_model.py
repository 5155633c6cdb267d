#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate small ONNX models locally (random weights, nothing downloaded).

  make_model.py mlp OUT.onnx      Linear 256-512-512-10 with GELU, batch 8
  make_model.py cnn OUT.onnx      ResNet-ish CNN: conv-bn-relu, residual blocks, pool, fc

Built with onnx.helper directly (no torch needed), in the form
torch.onnx.export produces: Gemm/MatMul+Add, Erf-based GELU, Conv+BatchNorm,
Shape->Gather->Concat->Reshape for the flatten.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)


def init(name, shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    scale = scale if scale is not None else 1.0 / np.sqrt(fan_in)
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def gelu(nodes, x, y, p):
    c = [numpy_helper.from_array(np.array(v, np.float32), f"{p}_c{i}") for i, v in
         enumerate([1.4142135, 1.0, 0.5])]
    nodes += [helper.make_node("Div", [x, c[0].name], [p + "_d"]),
              helper.make_node("Erf", [p + "_d"], [p + "_e"]),
              helper.make_node("Add", [p + "_e", c[1].name], [p + "_a"]),
              helper.make_node("Mul", [x, p + "_a"], [p + "_m"]),
              helper.make_node("Mul", [p + "_m", c[2].name], [y])]
    return c


def mlp():
    sizes = [256, 512, 512, 10]
    nodes, inits, x = [], [], "input"
    for i in range(len(sizes) - 1):
        w = init(f"fc{i}.weight", [sizes[i + 1], sizes[i]])
        b = init(f"fc{i}.bias", [sizes[i + 1]], 0.1)
        inits += [w, b]
        y = f"fc{i}" if i < len(sizes) - 2 else "logits"
        nodes.append(helper.make_node("Gemm", [x, w.name, b.name], [y], transB=1))
        if i < len(sizes) - 2:
            inits += gelu(nodes, y, f"act{i}", f"gelu{i}")
            y = f"act{i}"
        x = y
    g = helper.make_graph(nodes, "mlp",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [8, 256])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [8, 10])], inits)
    return g


def cnn():
    nodes, inits = [], []

    def conv_bn(x, y, cin, cout, k, stride, relu=True):
        p = y
        w = init(p + ".w", [cout, cin, k, k])
        inits.append(w)
        nodes.append(helper.make_node("Conv", [x, w.name], [p + "_c"], kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[k // 2] * 4))
        bn = [numpy_helper.from_array(v.astype(np.float32), f"{p}.bn{i}") for i, v in enumerate(
            [1 + 0.1 * rng.standard_normal(cout), 0.1 * rng.standard_normal(cout),
             0.1 * rng.standard_normal(cout), 1 + 0.1 * rng.random(cout)])]
        inits.extend(bn)
        nodes.append(helper.make_node("BatchNormalization", [p + "_c"] + [t.name for t in bn],
                                      [p + "_b" if relu else y], epsilon=1e-5))
        if relu:
            nodes.append(helper.make_node("Relu", [p + "_b"], [y]))

    conv_bn("input", "stem", 3, 16, 3, 1)
    nodes.append(helper.make_node("MaxPool", ["stem"], ["pool0"], kernel_shape=[2, 2], strides=[2, 2]))
    x, c = "pool0", 16
    for i, (cout, stride) in enumerate([(16, 1), (32, 2)]):
        conv_bn(x, f"b{i}a", c, cout, 3, stride)
        conv_bn(f"b{i}a", f"b{i}b", cout, cout, 3, 1, relu=False)
        short = x
        if stride != 1 or cout != c:
            conv_bn(x, f"b{i}s", c, cout, 1, stride, relu=False)
            short = f"b{i}s"
        nodes.append(helper.make_node("Add", [f"b{i}b", short], [f"b{i}sum"]))
        nodes.append(helper.make_node("Relu", [f"b{i}sum"], [f"b{i}out"]))
        x, c = f"b{i}out", cout
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    # Flatten the way torch exports x.view(x.size(0), -1).
    inits += [numpy_helper.from_array(np.array(0, np.int64), "zero"),
              numpy_helper.from_array(np.array([-1], np.int64), "minus1")]
    nodes += [helper.make_node("Shape", ["gap"], ["gap_shape"]),
              helper.make_node("Gather", ["gap_shape", "zero"], ["batch"], axis=0),
              helper.make_node("Unsqueeze", ["batch"], ["batch1"], axes=[0]),
              helper.make_node("Concat", ["batch1", "minus1"], ["flat_shape"], axis=0),
              helper.make_node("Reshape", ["gap", "flat_shape"], ["flat"])]
    w, b = init("fc.weight", [10, c]), init("fc.bias", [10], 0.1)
    inits += [w, b]
    nodes.append(helper.make_node("Gemm", ["flat", w.name, b.name], ["logits"], transB=1))
    nodes.append(helper.make_node("Softmax", ["logits"], ["probs"], axis=1))
    return helper.make_graph(nodes, "cnn",
                             [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 64, 64])],
                             [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])], inits)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("mlp", "cnn"):
        sys.exit(__doc__)
    g = mlp() if sys.argv[1] == "mlp" else cnn()
    # Opset 12: Unsqueeze takes 'axes' as an attribute, as in many exported models.
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 12)], producer_name="tcc-make_model")
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, sys.argv[2])


if __name__ == "__main__":
    main()
