#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the fuzz seed corpora: tests/fuzz/corpus/onnx/*.onnx (one small
model per op family, each valid, so mutations start from something that
loads and runs) and tests/fuzz/corpus/npy/*.npy.

Usage: gen_corpus.py [DIR]   (default: tests/fuzz/corpus)
"""
import io
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh


def model(name, nodes, inputs, outputs, inits=(), opset=13):
    g = h.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], producer_name="tcc-fuzz-seed")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def vi(name, dtype, shape):
    return h.make_tensor_value_info(name, dtype, shape)


def init(name, arr):
    return nh.from_array(np.asarray(arr), name)


def seeds():
    f = np.float32
    yield "add", model("add", [h.make_node("Add", ["x", "y"], ["z"])],
                       [vi("x", T.FLOAT, [2, 3]), vi("y", T.FLOAT, [3])], [vi("z", T.FLOAT, [2, 3])])
    yield "matmul", model("matmul", [h.make_node("MatMul", ["x", "w"], ["y"])],
                          [vi("x", T.FLOAT, ["n", 4])], [vi("y", T.FLOAT, ["n", 2])],
                          [init("w", np.ones((4, 2), f))])
    yield "gemm", model("gemm", [h.make_node("Gemm", ["a", "b", "c"], ["y"], transB=1, alpha=0.5)],
                        [vi("a", T.FLOAT, [2, 3])], [vi("y", T.FLOAT, [2, 4])],
                        [init("b", np.ones((4, 3), f)), init("c", np.zeros(4, f))])
    yield "conv", model("conv", [h.make_node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1],
                                             strides=[1, 1])],
                        [vi("x", T.FLOAT, [1, 2, 5, 5])], [vi("y", T.FLOAT, [1, 3, 5, 5])],
                        [init("w", np.ones((3, 2, 3, 3), f)), init("b", np.zeros(3, f))])
    yield "convtranspose", model("convtranspose", [h.make_node("ConvTranspose", ["x", "w"], ["y"],
                                                               strides=[2, 2])],
                                 [vi("x", T.FLOAT, [1, 1, 3, 3])], [vi("y", T.FLOAT, [1, 2, 7, 7])],
                                 [init("w", np.ones((1, 2, 3, 3), f))])
    yield "reshape_chain", model("reshape_chain", [
        h.make_node("Shape", ["x"], ["s"]),
        h.make_node("Gather", ["s", "i0"], ["d0"], axis=0),
        h.make_node("Concat", ["d0", "m1"], ["shp"], axis=0),
        h.make_node("Reshape", ["x", "shp"], ["y"]),
        h.make_node("Relu", ["y"], ["z"]),
    ], [vi("x", T.FLOAT, ["b", 2, 3])], [vi("z", T.FLOAT, ["b", 6])],
        [init("i0", np.array([0], np.int64)), init("m1", np.array([-1], np.int64))])
    yield "constofshape", model("constofshape", [
        h.make_node("ConstantOfShape", ["shp"], ["c"], value=h.make_tensor("v", T.FLOAT, [1], [1.0])),
        h.make_node("Mul", ["x", "c"], ["y"]),
    ], [vi("x", T.FLOAT, [2, 2])], [vi("y", T.FLOAT, [2, 2])], [init("shp", np.array([2, 2], np.int64))])
    yield "resize10", model("resize10", [h.make_node("Resize", ["x", "s"], ["y"], mode="nearest")],
                            [vi("x", T.FLOAT, [1, 1, 2, 2])], [vi("y", T.FLOAT, [1, 1, 4, 4])],
                            [init("s", np.array([1, 1, 2, 2], f))], opset=10)
    yield "resize13", model("resize13", [h.make_node("Resize", ["x", "", "s"], ["y"], mode="linear")],
                            [vi("x", T.FLOAT, [1, 1, 2, 2])], [vi("y", T.FLOAT, [1, 1, 4, 4])],
                            [init("s", np.array([1, 1, 2, 2], f))])
    yield "gru", model("gru", [h.make_node("GRU", ["x", "w", "r"], ["y", "yh"], hidden_size=2)],
                       [vi("x", T.FLOAT, [3, 1, 2])], [vi("y", T.FLOAT, [3, 1, 1, 2]), vi("yh", T.FLOAT, [1, 1, 2])],
                       [init("w", np.full((1, 6, 2), 0.1, f)), init("r", np.full((1, 6, 2), 0.1, f))])
    yield "lstm", model("lstm", [h.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2)],
                        [vi("x", T.FLOAT, [3, 1, 2])], [vi("y", T.FLOAT, [3, 1, 1, 2])],
                        [init("w", np.full((1, 8, 2), 0.1, f)), init("r", np.full((1, 8, 2), 0.1, f))])
    yield "cumsum", model("cumsum", [h.make_node("CumSum", ["x", "ax"], ["y"])],
                          [vi("x", T.FLOAT, [2, 3])], [vi("y", T.FLOAT, [2, 3])],
                          [init("ax", np.array(1, np.int64))])
    yield "trilu", model("trilu", [h.make_node("Trilu", ["x"], ["y"], upper=0)],
                         [vi("x", T.FLOAT, [3, 3])], [vi("y", T.FLOAT, [3, 3])], opset=14)
    yield "topk", model("topk", [h.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1)],
                        [vi("x", T.FLOAT, [2, 5])], [vi("v", T.FLOAT, [2, 2]), vi("i", T.INT64, [2, 2])],
                        [init("k", np.array([2], np.int64))])
    yield "hann", model("hann", [h.make_node("HannWindow", ["n"], ["y"])], [], [vi("y", T.FLOAT, [8])],
                        [init("n", np.array(8, np.int64))], opset=17)
    yield "depthtospace", model("depthtospace", [h.make_node("DepthToSpace", ["x"], ["y"], blocksize=2)],
                                [vi("x", T.FLOAT, [1, 4, 2, 2])], [vi("y", T.FLOAT, [1, 1, 4, 4])])
    yield "nllloss", model("nllloss", [h.make_node("NegativeLogLikelihoodLoss", ["x", "t", "w"], ["y"],
                                                   reduction="mean")],
                           [vi("x", T.FLOAT, [3, 5]), vi("t", T.INT64, [3])], [vi("y", T.FLOAT, [])],
                           [init("w", np.ones(5, f))])
    yield "sce_loss", model("sce_loss", [h.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["y"])],
                            [vi("x", T.FLOAT, [3, 5]), vi("t", T.INT64, [3])], [vi("y", T.FLOAT, [])])
    yield "clip_pad", model("clip_pad", [
        h.make_node("Clip", ["x", "lo", "hi"], ["c"]),
        h.make_node("Pad", ["c", "pads"], ["y"]),
    ], [vi("x", T.FLOAT, [2, 2])], [vi("y", T.FLOAT, [4, 4])],
        [init("lo", np.array(0, f)), init("hi", np.array(1, f)), init("pads", np.array([1, 1, 1, 1], np.int64))])
    yield "range", model("range", [h.make_node("Range", ["a", "b", "d"], ["y"])], [], [vi("y", T.INT64, [4])],
                         [init("a", np.array(0, np.int64)), init("b", np.array(8, np.int64)),
                          init("d", np.array(2, np.int64))])
    yield "softmax_reduce", model("softmax_reduce", [
        h.make_node("Softmax", ["x"], ["s"], axis=-1),
        h.make_node("ReduceSum", ["s", "ax"], ["y"], keepdims=0),
    ], [vi("x", T.FLOAT, [2, 3])], [vi("y", T.FLOAT, [2])], [init("ax", np.array([1], np.int64))])
    yield "slice_transpose", model("slice_transpose", [
        h.make_node("Slice", ["x", "st", "en"], ["s"]),
        h.make_node("Transpose", ["s"], ["y"], perm=[1, 0]),
    ], [vi("x", T.FLOAT, [4, 4])], [vi("y", T.FLOAT, [2, 2])],
        [init("st", np.array([0, 1], np.int64)), init("en", np.array([2, 3], np.int64))])
    yield "pool_norm", model("pool_norm", [
        h.make_node("MaxPool", ["x"], ["p"], kernel_shape=[2, 2]),
        h.make_node("BatchNormalization", ["p", "sc", "bi", "mu", "va"], ["y"]),
    ], [vi("x", T.FLOAT, [1, 2, 4, 4])], [vi("y", T.FLOAT, [1, 2, 3, 3])],
        [init("sc", np.ones(2, f)), init("bi", np.zeros(2, f)), init("mu", np.zeros(2, f)), init("va", np.ones(2, f))])
    yield "where_cast", model("where_cast", [
        h.make_node("Greater", ["x", "z"], ["m"]),
        h.make_node("Where", ["m", "x", "z"], ["w"]),
        h.make_node("Cast", ["w"], ["y"], to=T.INT32),
    ], [vi("x", T.FLOAT, [3])], [vi("y", T.INT32, [3])], [init("z", np.zeros(3, f))])
    yield "expand_tile", model("expand_tile", [
        h.make_node("Expand", ["x", "shp"], ["e"]),
        h.make_node("Tile", ["e", "rep"], ["y"]),
    ], [vi("x", T.FLOAT, [1, 3])], [vi("y", T.FLOAT, [4, 6])],
        [init("shp", np.array([2, 3], np.int64)), init("rep", np.array([2, 2], np.int64))])
    yield "gather_scatter", model("gather_scatter", [
        h.make_node("GatherElements", ["x", "i"], ["g"], axis=1),
        h.make_node("ScatterElements", ["x", "i", "g"], ["y"], axis=1),
    ], [vi("x", T.FLOAT, [2, 3])], [vi("y", T.FLOAT, [2, 3])], [init("i", np.array([[0, 2], [1, 0]], np.int64))])
    yield "layernorm", model("layernorm", [h.make_node("LayerNormalization", ["x", "g", "b"], ["y"])],
                             [vi("x", T.FLOAT, [2, 4])], [vi("y", T.FLOAT, [2, 4])],
                             [init("g", np.ones(4, f)), init("b", np.zeros(4, f))], opset=17)
    yield "quant", model("quant", [
        h.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"]),
        h.make_node("DequantizeLinear", ["q", "s", "zp"], ["y"]),
    ], [vi("x", T.FLOAT, [4])], [vi("y", T.FLOAT, [4])],
        [init("s", np.array(0.5, f)), init("zp", np.array(0, np.uint8))])
    yield "einsum_split", model("einsum_split", [
        h.make_node("Einsum", ["a", "b"], ["c"], equation="ij,jk->ik"),
        h.make_node("Split", ["c"], ["y0", "y1"], axis=1),
    ], [vi("a", T.FLOAT, [2, 3]), vi("b", T.FLOAT, [3, 4])], [vi("y0", T.FLOAT, [2, 2]), vi("y1", T.FLOAT, [2, 2])])


def npy_seeds():
    for name, arr in (("f32_2x3", np.arange(6, dtype=np.float32).reshape(2, 3)),
                      ("i64_scalar", np.array(7, np.int64)),
                      ("u8_empty", np.zeros((0, 4), np.uint8)),
                      ("f16_4", np.ones(4, np.float16)),
                      ("bool_3", np.array([True, False, True]))):
        b = io.BytesIO()
        np.save(b, arr)
        yield name, b.getvalue()
    b = io.BytesIO()
    np.lib.format.write_array(b, np.ones((2, 2), np.float64), version=(2, 0))
    yield "f64_v2", b.getvalue()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    os.makedirs(os.path.join(out, "npy"), exist_ok=True)
    for name, m in seeds():
        with open(os.path.join(out, "onnx", name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())
    for name, data in npy_seeds():
        with open(os.path.join(out, "npy", name + ".npy"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
