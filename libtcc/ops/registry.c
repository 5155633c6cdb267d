// SPDX-License-Identifier: MIT
/* Operator registry and helpers shared by the kernels. */
#include "ops/ops.h"
#include "ops/elementwise.h"
#include "ops/conv.h"
#include "ops/schema.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const op_def *const tables[] = {
	ops_elementwise_binary, ops_elementwise_unary, ops_reduce, ops_shape, ops_nn, ops_conv, ops_linalg, ops_misc, ops_resize, ops_extra, ops_quant_signal, ops_rnn, ops_qlinear, ops_select, ops_gridsample,
};

/*
 * What op_find() hands out: a copy of each op's definition whose infer
 * first checks the node's input element types against ONNX's schema for
 * the model's opset (ops/schema.h), then runs the op's own infer (its shape
 * rules), then checks the output types it produced.  Infer runs before
 * every kernel (at load for static nodes, just before the kernel for
 * dynamic ones), so no kernel reads a buffer with the wrong element size.
 */
#define OP_MAX 512
static op_def checked[OP_MAX];
static const op_def *raw[OP_MAX];
static int n_checked;
static pthread_once_t checked_once = PTHREAD_ONCE_INIT;

static const op_def *raw_of(const op_def *d)
{
	return d >= checked && d < checked + n_checked ? raw[d - checked] : NULL;
}

/*
 * Inputs ONNX defines as scalars (an axis, a count, a bound): kernels read
 * their element 0, which must exist.  The generated schemas carry no ranks,
 * hence this short list (bit i: input i).
 */
static const struct scalar_inputs {
	const char *op;
	unsigned inputs;
} scalar_inputs[] = {
	{ "BlackmanWindow", 1u << 0 }, { "Clip", 1u << 1 | 1u << 2 }, { "CumSum", 1u << 1 },
	{ "DFT", 1u << 1 | 1u << 2 }, { "Dropout", 1u << 1 | 1u << 2 }, { "HammingWindow", 1u << 0 },
	{ "HannWindow", 1u << 0 }, { "MelWeightMatrix", 0x1fu }, { "NonMaxSuppression", 1u << 2 | 1u << 3 | 1u << 4 },
	{ "OneHot", 1u << 1 }, { "Range", 0x7u }, { "STFT", 1u << 1 | 1u << 3 }, { "TopK", 1u << 1 },
	{ "Trilu", 1u << 1 },
};

static tcc_status check_scalars(const ir_node *n, tv *const *in, int n_in)
{
	for (size_t k = 0; k < sizeof(scalar_inputs) / sizeof(scalar_inputs[0]); k++) {
		if (strcmp(scalar_inputs[k].op, n->op_type))
			continue;
		for (int i = 0; i < n_in && i < 32; i++)
			if ((scalar_inputs[k].inputs & (1u << i)) && in[i] && tv_numel(in[i]) != 1)
				return op_err(n, TCC_ERR_INVALID_ARG, "input %d must hold one value, it has %lld", i,
					      (long long)tv_numel(in[i]));
	}
	return TCC_OK;
}

static tcc_status checked_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in, tv *out,
				int n_out)
{
	const op_def *d = raw_of(n->op);
	tcc_status st;

	if (!d)
		return op_err(n, TCC_ERR_INTERNAL, "node's op is not a registered definition");
	st = op_schema_check_types(n, env->opset, in, n_in, NULL, 0);
	if (st || (st = check_scalars(n, in, n_in)))
		return st;
	st = d->infer(n, env, in, n_in, out, n_out);
	if (st || (st = op_check_outputs(n, out, n_out)))
		return st;
	for (int j = 0; j < n_out; j++) {
		size_t nb;

		if (!tv_size_ok(&out[j], NULL, &nb))
			return op_err(n, TCC_ERR_INVALID_ARG, "output %d: negative dim or size overflow", j);
		if (env->max_tensor_bytes && nb > env->max_tensor_bytes)
			return op_err(n, TCC_ERR_INVALID_ARG,
				      "output %d would be %zu bytes, over the ceiling of %zu (tcc_options.max_tensor_bytes)",
				      j, nb, env->max_tensor_bytes);
	}
	return op_schema_check_types(n, env->opset, in, n_in, out, n_out);
}

static void build_checked(void)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const op_def *d = tables[t]; d->name && n_checked < OP_MAX; d++) {
			raw[n_checked] = d;
			checked[n_checked] = *d;
			checked[n_checked].infer = checked_infer;
			n_checked++;
		}
}

const op_def *op_find(const char *op_type)
{
	pthread_once(&checked_once, build_checked);
	for (int i = 0; i < n_checked; i++)
		if (strcmp(checked[i].name, op_type) == 0)
			return &checked[i];
	return NULL;
}

const op_def *op_find_unchecked(const char *op_type)
{
	const op_def *d = op_find(op_type);

	return d ? raw_of(d) : NULL;
}

int op_count(void)
{
	pthread_once(&checked_once, build_checked);
	return n_checked;
}

const op_def *op_at(int i)
{
	pthread_once(&checked_once, build_checked);
	return i >= 0 && i < n_checked ? &checked[i] : NULL;
}

tcc_status op_err(const ir_node *n, tcc_status st, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tcc_set_error(st, "node '%s' (%s): %s", n->name, n->op_type, msg);
}

tcc_status op_check_outputs(const ir_node *n, const tv *out, int n_out)
{
	for (int j = 0; j < n_out; j++) {
		if (out[j].rank < 0 || out[j].rank > TCC_MAX_RANK)
			return op_err(n, TCC_ERR_UNSUPPORTED, "output %d has rank %d", j, out[j].rank);
		for (int i = 0; i < out[j].rank; i++)
			if (out[j].dims[i] < 0)
				return op_err(n, TCC_ERR_INVALID_ARG, "output %d dim %d is negative (%lld)", j, i,
					      (long long)out[j].dims[i]);
		if (!tv_dims_sane(out[j].rank, out[j].dims))
			return op_err(n, TCC_ERR_INVALID_ARG, "output %d has too many elements", j);
		if (!tcc_dtype_size(out[j].dtype))
			return op_err(n, TCC_ERR_UNSUPPORTED, "output %d has dtype %s", j, tcc_dtype_name(out[j].dtype));
	}
	return TCC_OK;
}

tcc_status op_check_dtype(const ir_node *n, int input, tcc_dtype dt, unsigned allowed)
{
	if ((unsigned)dt < 32 && (allowed & (1u << dt)))
		return TCC_OK;
	return op_err(n, TCC_ERR_UNSUPPORTED, "input %d has unsupported dtype %s", input,
		      tcc_dtype_name(dt));
}

void tv_strides(const tv *t, int64_t *s)
{
	int64_t acc = 1;

	for (int i = t->rank - 1; i >= 0; i--) {
		s[i] = acc;
		acc *= t->dims[i];
	}
}

bool shape_broadcast(const tv *a, const tv *b, tv *out)
{
	int r = a->rank > b->rank ? a->rank : b->rank;

	for (int i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;

		if (da != db && da != 1 && db != 1)
			return false;
		out->dims[i] = da == 1 ? db : da;
	}
	out->rank = r;
	return true;
}

bool norm_axis(int64_t *axis, int rank)
{
	if (*axis < -rank || *axis >= rank)
		return false;
	if (*axis < 0)
		*axis += rank;
	return true;
}

int tv_read_ints(const tv *t, int64_t *dst, int max)
{
	int64_t n = tv_numel(t);

	if (n > max)
		n = max;
	for (int64_t i = 0; i < n; i++)
		dst[i] = tcc_load_i64(t->dtype, t->data, i);
	return (int)n;
}

void *tv_alloc(tv *t)
{
	size_t nb = tv_nbytes(t);

	t->data = malloc(nb ? nb : 1);
	return t->data;
}

static bool is_half(tcc_dtype t)
{
	return t == TCC_F16 || t == TCC_BF16;
}

static void convert(const tv *src, tv *dst)
{
	int64_t n = tv_numel(src);

	for (int64_t i = 0; i < n; i++)
		tcc_store_f64(dst->dtype, dst->data, i, tcc_load_f64(src->dtype, src->data, i));
}

/*
 * f16/bf16 are storage types here: kernels compute in f32 on converted
 * copies, which is exact for the conversion and keeps one kernel per op.
 */
static tcc_status invoke_via_f32(const op_def *d, const ir_node *n, const op_env *env,
				 tv *const *in, int n_in, tv *out, int n_out)
{
	tv tin[16], tout[8], *pin[16];
	tcc_status st = TCC_ERR_NO_MEMORY;
	int i;

	if (n_in > 16 || n_out > 8)
		return op_err(n, TCC_ERR_UNSUPPORTED, "too many inputs for f16 conversion");
	for (i = 0; i < n_in; i++) {
		pin[i] = in[i];
		if (in[i] && is_half(in[i]->dtype)) {
			tin[i] = *in[i];
			tin[i].dtype = TCC_F32;
			if (!tv_alloc(&tin[i]))
				goto out_in;
			convert(in[i], &tin[i]);
			pin[i] = &tin[i];
		}
	}
	for (int j = 0; j < n_out; j++) {
		tout[j] = out[j];
		if (is_half(out[j].dtype)) {
			tout[j].dtype = TCC_F32;
			if (!tv_alloc(&tout[j])) {
				while (j--)
					if (is_half(out[j].dtype))
						free(tout[j].data);
				goto out_in;
			}
		}
	}
	st = d->run(n, env, pin, n_in, tout, n_out);
	for (int j = 0; j < n_out; j++) {
		if (is_half(out[j].dtype)) {
			if (st == TCC_OK) {
				/* dims may have been set by the kernel (dynamic outputs) */
				memcpy(out[j].dims, tout[j].dims, sizeof(out[j].dims));
				out[j].rank = tout[j].rank;
				convert(&tout[j], &out[j]);
			}
			free(tout[j].data);
		} else {
			out[j] = tout[j];
		}
	}
out_in:
	while (i--)
		if (pin[i] != in[i])
			free(tin[i].data);
	return st;
}

tcc_status op_invoke(const op_def *d, const ir_node *n, const op_env *env, tv *const *in,
		     int n_in, tv *out, int n_out)
{
	if (d->flags & OP_HALF_VIA_F32) {
		for (int i = 0; i < n_in; i++)
			if (in[i] && is_half(in[i]->dtype))
				return invoke_via_f32(d, n, env, in, n_in, out, n_out);
		for (int i = 0; i < n_out; i++)
			if (is_half(out[i].dtype))
				return invoke_via_f32(d, n, env, in, n_in, out, n_out);
	}
	return d->run(n, env, in, n_in, out, n_out);
}
