/* SPDX-License-Identifier: MIT */
/* ONNX loader: serialized ModelProto -> graph IR. */
#ifndef TCC_ONNX_ONNX_H
#define TCC_ONNX_ONNX_H

#include "ir/ir.h"

#define ONNX_MAX_OPSET 18

/*
 * Parses @size bytes at @buf.  @base_dir is where external data files are
 * looked up (NULL: external data is refused).  On success *out is a graph
 * whose nodes are topologically sorted and whose ops are all known.
 */
tcc_status onnx_load(const void *buf, size_t size, const char *base_dir, ir_graph **out);

struct Onnx__TensorProto;
/* Converts a TensorProto into a view plus malloc'd data (taken from the proto when possible). */
tcc_status onnx_tensor_to_tv(struct Onnx__TensorProto *tp, const char *base_dir, tv *out);

#endif
