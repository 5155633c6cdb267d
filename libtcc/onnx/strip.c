// SPDX-License-Identifier: MIT
/*
 * A serialized ModelProto without its initializers' raw_data, for a model
 * whose initializers come from a weight buffer.  protobuf-c copies every
 * bytes field while unpacking, so parsing the whole file would read and
 * copy all the weights again at every start, which is what the buffer is
 * there to avoid.  This walks the protobuf wire format (only the three
 * messages on the path: ModelProto.graph = 7, GraphProto.initializer = 5,
 * TensorProto.raw_data = 9) and copies everything except those bytes,
 * which are never read; protobuf-c then parses and validates the result as
 * usual.  Anything unexpected makes it give up (TCC_ERR_UNSUPPORTED) and
 * the caller parses the original bytes instead.
 */
#include "onnx/onnx.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };
enum { MODEL_GRAPH = 7, GRAPH_INITIALIZER = 5, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9 };

typedef struct field {
	const uint8_t *start;	/* the tag */
	const uint8_t *after_tag;
	const uint8_t *data;	/* the payload (after the length for WT_LEN) */
	const uint8_t *end;	/* one past the field */
	uint64_t num, len;
	int wt;
} field;

static const uint8_t *varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; p < end && shift < 64; shift += 7) {
		uint8_t b = *p++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return p;
	}
	return NULL;
}

/* The field at *p, or false when the bytes are not well-formed wire data. */
static bool next_field(const uint8_t **p, const uint8_t *end, field *f)
{
	uint64_t tag, skip;
	const uint8_t *q = varint(*p, end, &tag);

	if (!q)
		return false;
	f->start = *p;
	f->after_tag = q;
	f->num = tag >> 3;
	f->wt = (int)(tag & 7);
	f->len = 0;
	switch (f->wt) {
	case WT_VARINT:
		f->data = q;
		q = varint(q, end, &skip);
		if (!q)
			return false;
		break;
	case WT_I64:
	case WT_I32:
		f->data = q;
		skip = f->wt == WT_I64 ? 8 : 4;
		if ((uint64_t)(end - q) < skip)
			return false;
		q += skip;
		break;
	case WT_LEN:
		q = varint(q, end, &f->len);
		if (!q || (uint64_t)(end - q) < f->len)
			return false;
		f->data = q;
		q += f->len;
		break;
	default:
		return false;	/* groups: not in onnx.proto */
	}
	f->end = q;
	*p = q;
	return true;
}

static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *put_varint(uint8_t *d, uint64_t v)
{
	while (v >= 0x80) {
		*d++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*d++ = (uint8_t)v;
	return d;
}

typedef struct strip_ctx {
	onnx_raw_ref *refs;
	size_t n_refs, cap_refs;
	bool failed;		/* malformed input or out of memory */
} strip_ctx;

/* Emits (or, with @d NULL, sizes) a TensorProto without raw_data. */
static size_t emit_tensor(strip_ctx *c, const uint8_t *p, const uint8_t *end, uint8_t *d)
{
	onnx_raw_ref ref = { 0 };
	bool raw = false;
	size_t n = 0;
	field f;

	while (p < end) {
		if (!next_field(&p, end, &f)) {
			c->failed = true;
			return 0;
		}
		if (f.num == TENSOR_RAW_DATA && f.wt == WT_LEN) {
			ref.raw = f.data;
			ref.len = (size_t)f.len;
			raw = true;
			continue;
		}
		if (f.num == TENSOR_NAME && f.wt == WT_LEN) {
			ref.name = (const char *)f.data;
			ref.name_len = (size_t)f.len;
		}
		if (d)
			memcpy(d + n, f.start, (size_t)(f.end - f.start));
		n += (size_t)(f.end - f.start);
	}
	if (d && raw) {
		if (c->n_refs == c->cap_refs) {
			size_t cap = c->cap_refs ? 2 * c->cap_refs : 64;
			onnx_raw_ref *r = realloc(c->refs, cap * sizeof(*r));

			if (!r) {
				c->failed = true;
				return 0;
			}
			c->refs = r;
			c->cap_refs = cap;
		}
		c->refs[c->n_refs++] = ref;
	}
	return n;
}

typedef size_t (*emit_fn)(strip_ctx *c, const uint8_t *p, const uint8_t *end, uint8_t *d);

/* Field @f re-emitted with its payload rewritten by @fn (tag, new length, payload). */
static size_t emit_nested(strip_ctx *c, const field *f, emit_fn fn, uint8_t *d)
{
	size_t len = fn(c, f->data, f->data + f->len, NULL);
	size_t tag = (size_t)(f->after_tag - f->start);
	size_t head = tag + varint_size(len);

	if (d) {
		memcpy(d, f->start, tag);
		put_varint(d + tag, len);
		fn(c, f->data, f->data + f->len, d + head);
	}
	return head + len;
}

/*
 * Copies a message's fields, rewriting every length-delimited field number
 * @num through @fn (the path from ModelProto to the tensors).
 */
static size_t emit_message(strip_ctx *c, const uint8_t *p, const uint8_t *end, uint8_t *d,
			   uint32_t num, emit_fn fn)
{
	size_t n = 0;
	field f;

	while (p < end) {
		if (!next_field(&p, end, &f)) {
			c->failed = true;
			return 0;
		}
		if (f.num == num && f.wt == WT_LEN) {
			n += emit_nested(c, &f, fn, d ? d + n : NULL);
			continue;
		}
		if (d)
			memcpy(d + n, f.start, (size_t)(f.end - f.start));
		n += (size_t)(f.end - f.start);
	}
	return n;
}

static size_t emit_graph(strip_ctx *c, const uint8_t *p, const uint8_t *end, uint8_t *d)
{
	return emit_message(c, p, end, d, GRAPH_INITIALIZER, emit_tensor);
}

static size_t emit_model(strip_ctx *c, const uint8_t *p, const uint8_t *end, uint8_t *d)
{
	return emit_message(c, p, end, d, MODEL_GRAPH, emit_graph);
}

tcc_status onnx_strip_initializer_data(const void *buf, size_t size, void **out, size_t *out_size,
				       onnx_raw_ref **refs, size_t *n_refs)
{
	strip_ctx c = { 0 };
	const uint8_t *p = buf;
	size_t n = emit_model(&c, p, p + size, NULL);
	uint8_t *d;

	*out = NULL;
	*refs = NULL;
	*n_refs = 0;
	if (c.failed)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "model bytes are not plain protobuf wire data");
	d = malloc(n ? n : 1);
	if (!d)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "model without initializer data");
	if (emit_model(&c, p, p + size, d) != n || c.failed) {
		free(d);
		free(c.refs);
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "model bytes are not plain protobuf wire data");
	}
	*out = d;
	*out_size = n;
	*refs = c.refs;
	*n_refs = c.n_refs;
	return TCC_OK;
}
