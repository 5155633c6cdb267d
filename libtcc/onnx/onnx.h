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

/*
 * Same, with the initializers taken from a packed weight image (a read-only
 * tcc_weights_map() of a buffer made by tcc_weights_load_onnx()): each
 * initializer's IR constant points into @image and is not owned by the
 * graph (ir_graph_free() leaves it, passes must copy before changing it).
 * Every initializer must be in the image with the same dtype and dims, and
 * the same bytes when the file carries them inline; anything else is
 * TCC_ERR_INVALID_ARG naming the tensor.  @image NULL is onnx_load().
 */
tcc_status onnx_load_borrowing(const void *buf, size_t size, const char *base_dir,
			       const void *image, size_t image_size, ir_graph **out);

/* Where an initializer's raw_data was in the original bytes (not NUL-terminated name). */
typedef struct onnx_raw_ref {
	const char *name;
	size_t name_len;
	const void *raw;
	size_t len;
} onnx_raw_ref;

/*
 * A malloc'd copy of a serialized ModelProto without the raw_data of its
 * graph's initializers (never read), and where each was (@refs, malloc'd,
 * pointing into @buf).  TCC_ERR_UNSUPPORTED when the bytes are not plain
 * wire data: parse the original then.
 */
tcc_status onnx_strip_initializer_data(const void *buf, size_t size, void **out, size_t *out_size,
				       onnx_raw_ref **refs, size_t *n_refs);

struct Onnx__TensorProto;
/* dtype and dims of a TensorProto (data untouched) and the bytes they imply. */
tcc_status onnx_tensor_shape(const struct Onnx__TensorProto *tp, tv *out, size_t *nbytes);
/* Converts a TensorProto into a view plus malloc'd data (taken from the proto when possible). */
tcc_status onnx_tensor_to_tv(struct Onnx__TensorProto *tp, const char *base_dir, tv *out);

#endif
