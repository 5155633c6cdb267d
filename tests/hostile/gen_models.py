#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Hostile-model regression cases: each is a small model built here (no
binary blobs) and what tcc must do with it.  Writes DIR/NAME.onnx and
DIR/cases.tsv, one line per case:

  NAME  STAGE  STATUS  MESSAGE  MAX_TENSOR_BYTES  MAX_FOLD_BYTES

STAGE is where it must stop: "load" (tcc_model_load fails), "run"
(tcc_model_run on zero-filled inputs fails) or "ok" (both succeed);
STATUS the tcc_status name expected and MESSAGE a part of tcc_last_error()
that says which node and why.  The two ceilings are tcc_options fields (0:
default).  The checker deliberately does not run: these models are
invalid on purpose.

Usage: gen_models.py DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh

F = T.FLOAT
CASES = []


def vi(name, dtype, shape):
    return h.make_tensor_value_info(name, dtype, shape)


def init(name, arr):
    return nh.from_array(np.asarray(arr), name)


def case(name, stage, status, message, nodes, inputs, outputs, inits=(), opset=13, tensor_max=0, fold_max=0):
    g = h.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 8
    CASES.append((name, stage, status, message, tensor_max, fold_max, m))


f32 = np.float32
i64 = np.int64

# ---- element types against the schema's type constraints ----
case("gemm_b_int64", "load", "TCC_ERR_INVALID_ARG", "node 'g' (Gemm): input 1 (B) is int64 but input 0 has float32",
     [h.make_node("Gemm", ["a", "b"], ["y"], name="g")], [vi("a", F, [2, 3])], [vi("y", F, [2, 4])],
     [init("b", np.ones((3, 4), i64))])
case("conv_int32", "load", "TCC_ERR_INVALID_ARG", "node 'c' (Conv): input 0 (X) is int32; ONNX's Conv-11 accepts",
     [h.make_node("Conv", ["x", "w"], ["y"], name="c")], [vi("x", T.INT32, [1, 1, 3, 3])], [vi("y", T.INT32, [1, 1, 1, 1])],
     [init("w", np.ones((1, 1, 3, 3), np.int32))])
case("lstm_double_weights", "load", "TCC_ERR_INVALID_ARG", "node 'l' (LSTM): input 1 (W) is float64 but input 0 has float32",
     [h.make_node("LSTM", ["x", "w", "r"], ["y"], name="l", hidden_size=2)], [vi("x", F, [3, 1, 2])],
     [vi("y", F, [3, 1, 1, 2])], [init("w", np.ones((1, 8, 2))), init("r", np.ones((1, 8, 2), f32))])
case("clip_min_double", "load", "TCC_ERR_INVALID_ARG", "node 'c' (Clip): input 1 (min) is float64 but input 0 has float32",
     [h.make_node("Clip", ["x", "lo"], ["y"], name="c")], [vi("x", F, [4])], [vi("y", F, [4])], [init("lo", np.array(0.0))])
case("pad_value_int8", "load", "TCC_ERR_INVALID_ARG", "node 'p' (Pad): input 2 (constant_value) is int8 but input 0 has float32",
     [h.make_node("Pad", ["x", "pads", "v"], ["y"], name="p")], [vi("x", F, [2])], [vi("y", F, [4])],
     [init("pads", np.array([1, 1], i64)), init("v", np.array(3, np.int8))])
case("range_mixed", "load", "TCC_ERR_INVALID_ARG", "node 'r' (Range): input 1 (limit) is int32 but input 0 has int64",
     [h.make_node("Range", ["a", "b", "d"], ["y"], name="r")], [], [vi("y", T.INT64, [4])],
     [init("a", np.array(0, i64)), init("b", np.array(4, np.int32)), init("d", np.array(1, i64))])
case("add_float_double", "run", "TCC_ERR_INVALID_ARG", "node 'a' (Add): input 1 (B) is float64 but input 0 has float32",
     [h.make_node("Add", ["x", "y"], ["z"], name="a")], [vi("x", F, ["n"]), vi("y", T.DOUBLE, ["n"])], [vi("z", F, ["n"])])
case("where_float_condition", "load", "TCC_ERR_INVALID_ARG", "node 'w' (Where): input 0 (condition) is float32; ONNX's Where-9 accepts bool",
     [h.make_node("Where", ["c", "x", "x"], ["y"], name="w")], [vi("x", F, [3])], [vi("y", F, [3])],
     [init("c", np.ones(3, f32))])
# ---- required inputs named "" ----
for op, ins, shapes in (("Gemm", ["a", ""], [[2, 2]]), ("Conv", ["x", ""], [[1, 1, 3, 3]]),
                        ("MatMul", ["", "a"], [[2, 2]]), ("Add", ["a", ""], [[2]])):
    case("omitted_input_%s" % op.lower(), "load", "TCC_ERR_PARSE", "(%s): input 1" % op if ins[1] == "" else "(%s): input 0" % op,
         [h.make_node(op, ins, ["y"], name="n")], [vi(n, F, s) for n, s in zip([i for i in ins if i], shapes)],
         [vi("y", F, None)])
case("resize10_no_scales", "load", "TCC_ERR_PARSE", "node 'r' (Resize): 1 inputs; ONNX's Resize-10 takes 2..2",
     [h.make_node("Resize", ["x"], ["y"], name="r")], [vi("x", F, [1, 1, 2, 2])], [vi("y", F, [1, 1, 4, 4])], opset=10)
# ---- attributes ----
case("perm_as_floats", "load", "TCC_ERR_PARSE", "node 't' (Transpose): attribute 'perm' is floats, ONNX's Transpose-13 wants ints",
     [h.make_node("Transpose", ["x"], ["y"], name="t", perm=[1.0, 0.0])], [vi("x", F, [2, 3])], [vi("y", F, [3, 2])])
case("cast_without_to", "load", "TCC_ERR_PARSE", "node 'c' (Cast): required attribute 'to' is missing",
     [h.make_node("Cast", ["x"], ["y"], name="c")], [vi("x", F, [2])], [vi("y", F, [2])])
case("op_newer_than_opset", "load", "TCC_ERR_UNSUPPORTED", "node 'l' (LayerNormalization): the operator is not defined at opset 13",
     [h.make_node("LayerNormalization", ["x", "s"], ["y"], name="l")], [vi("x", F, [2, 4])], [vi("y", F, [2, 4])],
     [init("s", np.ones(4, f32))])
# ---- each op's own shape rules ----
case("nll_target_shape", "load", "TCC_ERR_INVALID_ARG", "node 'l' (NegativeLogLikelihoodLoss): target dim 0 is 4, input's is 3",
     [h.make_node("NegativeLogLikelihoodLoss", ["x", "t"], ["y"], name="l")], [vi("x", F, [3, 5])], [vi("y", F, [])],
     [init("t", np.zeros(4, i64))])
case("sce_weight_shape", "load", "TCC_ERR_INVALID_ARG", "node 'l' (SoftmaxCrossEntropyLoss): weight must be [C] = [5]",
     [h.make_node("SoftmaxCrossEntropyLoss", ["x", "t", "w"], ["y"], name="l")], [vi("x", F, [3, 5])], [vi("y", F, [])],
     [init("t", np.zeros(3, i64)), init("w", np.ones(2, f32))])
case("convtranspose_kernel_shape", "load", "TCC_ERR_INVALID_ARG", "node 'c' (ConvTranspose): kernel_shape[0] is 5, W has 3",
     [h.make_node("ConvTranspose", ["x", "w"], ["y"], name="c", kernel_shape=[5, 5])], [vi("x", F, [1, 1, 2, 2])],
     [vi("y", F, None)], [init("w", np.ones((1, 1, 3, 3), f32))])
case("convtranspose_kernel_larger_than_input", "ok", "TCC_OK", "",
     [h.make_node("ConvTranspose", ["x", "w"], ["y"], name="c")], [vi("x", F, [1, 1, 1, 1])],
     [vi("y", F, None)], [init("w", np.ones((1, 1, 3, 3), f32))])
case("gru_zero_hidden", "load", "TCC_ERR_INVALID_ARG", "node 'g' (GRU): hidden size 0",
     [h.make_node("GRU", ["x", "w", "r"], ["y"], name="g")], [vi("x", F, [3, 1, 2])], [vi("y", F, None)],
     [init("w", np.ones((1, 0, 2), f32)), init("r", np.ones((1, 0, 0), f32))])
case("cumsum_empty", "ok", "TCC_OK", "", [h.make_node("CumSum", ["x", "ax"], ["y"], name="c")],
     [vi("x", F, [0, 3])], [vi("y", F, [0, 3])], [init("ax", np.array(0, i64))])
case("trilu_empty", "ok", "TCC_OK", "", [h.make_node("Trilu", ["x"], ["y"], name="t")],
     [vi("x", F, [0, 0])], [vi("y", F, [0, 0])], opset=14)
case("topk_empty", "ok", "TCC_OK", "", [h.make_node("TopK", ["x", "k"], ["v", "i"], name="t")],
     [vi("x", F, [2, 0])], [vi("v", F, [2, 0]), vi("i", T.INT64, [2, 0])], [init("k", np.array([0], i64))])
case("hann_empty", "ok", "TCC_OK", "", [h.make_node("HannWindow", ["n"], ["y"], name="w")], [], [vi("y", F, [0])],
     [init("n", np.array(0, i64))], opset=17)
case("matmul_k0", "ok", "TCC_OK", "", [h.make_node("MatMul", ["a", "b"], ["y"], name="m")],
     [vi("a", F, [2, 0]), vi("b", F, [0, 3])], [vi("y", F, [2, 3])])
case("depthtospace_huge_block", "load", "TCC_ERR_INVALID_ARG", "node 'd' (DepthToSpace): bad blocksize",
     [h.make_node("DepthToSpace", ["x"], ["y"], name="d", blocksize=1 << 32)], [vi("x", F, [1, 4, 2, 2])], [vi("y", F, None)])
# ---- size arithmetic and ceilings ----
case("input_dim_2_62", "load", "TCC_ERR_INVALID_ARG", "tensor 'x': its dims are too large",
     [h.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", F, [1 << 62])], [vi("y", F, [1 << 62])])
case("empty_tensor_huge_dims", "load", "TCC_ERR_INVALID_ARG", "tensor 'x': its dims are too large",
     [h.make_node("Flatten", ["x"], ["y"], name="f", axis=2)], [vi("x", F, [0, 1 << 62, 4])], [vi("y", F, None)])
case("topk_k_empty", "load", "TCC_ERR_INVALID_ARG", "node 't' (TopK): input 1 must hold one value, it has 0",
     [h.make_node("TopK", ["x", "k"], ["v", "i"], name="t")], [vi("x", F, [2, 3])], [vi("v", F, None), vi("i", T.INT64, None)],
     [init("k", np.zeros(0, i64))])
case("cumsum_axis_empty", "load", "TCC_ERR_INVALID_ARG", "node 'c' (CumSum): input 1 must hold one value, it has 0",
     [h.make_node("CumSum", ["x", "ax"], ["y"], name="c")], [vi("x", F, [2, 3])], [vi("y", F, None)],
     [init("ax", np.zeros(0, i64))])
case("clip_min_empty", "load", "TCC_ERR_INVALID_ARG", "node 'c' (Clip): input 1 must hold one value, it has 0",
     [h.make_node("Clip", ["x", "lo"], ["y"], name="c")], [vi("x", F, [2])], [vi("y", F, None)],
     [init("lo", np.zeros(0, f32))])
case("tile_overflow", "load", "TCC_ERR_INVALID_ARG", "node 't' (Tile): repeat",
     [h.make_node("Tile", ["x", "r"], ["y"], name="t")], [vi("x", F, [2, 2])], [vi("y", F, None)],
     [init("r", np.array([1 << 62, 1 << 62], i64))])
case("reshape_overflow", "load", "TCC_ERR_INVALID_ARG", "node 'r' (Reshape): shape's element count overflows",
     [h.make_node("Reshape", ["x", "s"], ["y"], name="r")], [vi("x", F, [4])], [vi("y", F, None)],
     [init("s", np.array([1 << 62, 1 << 62, 0], i64))])
case("pad_overflow", "load", "TCC_ERR_INVALID_ARG", "node 'p' (Pad): pads overflow",
     [h.make_node("Pad", ["x", "pads"], ["y"], name="p")], [vi("x", F, [2])], [vi("y", F, None)],
     [init("pads", np.array([(1 << 63) - 1, 1], i64))])
case("fold_gigabytes", "load", "TCC_ERR_INVALID_ARG",
     "node 'big' (ConstantOfShape): constant folding would materialise 4294967296 bytes here, past the ceiling",
     [h.make_node("ConstantOfShape", ["s"], ["c"], name="big", value=h.make_tensor("v", F, [1], [1.0])),
      h.make_node("ReduceSum", ["c"], ["y"], name="sum", keepdims=0)],
     [], [vi("y", F, [])], [init("s", np.array([1 << 30], i64))])
case("fold_under_ceiling", "ok", "TCC_OK", "",
     [h.make_node("ConstantOfShape", ["s"], ["c"], name="c1", value=h.make_tensor("v", F, [1], [1.0])),
      h.make_node("ReduceSum", ["c"], ["y"], name="sum", keepdims=0)],
     [], [vi("y", F, [])], [init("s", np.array([1000], i64))])
case("fold_ceiling_option", "load", "TCC_ERR_INVALID_ARG", "past the ceiling of 1000 for the model (tcc_options.max_fold_bytes)",
     [h.make_node("ConstantOfShape", ["s"], ["c"], name="c1", value=h.make_tensor("v", F, [1], [1.0])),
      h.make_node("ReduceSum", ["c"], ["y"], name="sum", keepdims=0)],
     [], [vi("y", F, [])], [init("s", np.array([1000], i64))], fold_max=1000)
case("tensor_ceiling_at_run", "run", "TCC_ERR_INVALID_ARG",
     "node 't' (Tile): output 0 would be 4000000 bytes, over the ceiling of 1000000 (tcc_options.max_tensor_bytes)",
     [h.make_node("Tile", ["x", "r"], ["y"], name="t")], [vi("x", F, ["n"])], [vi("y", F, None)],
     [init("r", np.array([1000000], i64))], tensor_max=1000000)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        for name, stage, status, msg, tmax, fmax, m in CASES:
            with open(os.path.join(out, name + ".onnx"), "wb") as mf:
                mf.write(m.SerializeToString())
            f.write("\t".join([name, stage, status, msg, str(tmax), str(fmax)]) + "\n")


if __name__ == "__main__":
    main()
