// SPDX-License-Identifier: MIT
/*
 * Indexing and generator ops: GatherElements, ScatterElements/Scatter,
 * GatherND, ScatterND, Trilu, Range, OneHot, EyeLike, DepthToSpace,
 * SpaceToDepth, Compress, NonZero, TopK, Pad, and the loss ops
 * NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss.
 */
#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static tcc_status same_shape_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				   tv *out, int n_out)
{
	out[0] = *in[0];
	out[0].data = NULL;
	return TCC_OK;
}

static int64_t off_of(const int64_t *idx, const int64_t *st, int r)
{
	int64_t o = 0;

	for (int i = 0; i < r; i++)
		o += idx[i] * st[i];
	return o;
}

static void unravel(int64_t i, const tv *t, int64_t *idx)
{
	for (int d = t->rank - 1; d >= 0; d--) {
		idx[d] = t->dims[d] ? i % t->dims[d] : 0;
		i = t->dims[d] ? i / t->dims[d] : 0;
	}
}

/* ---- GatherElements / ScatterElements ---- */

static tcc_status ge_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", 0);

	if (!norm_axis(&axis, in[0]->rank) || in[1]->rank != in[0]->rank)
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range or ranks differ");
	for (int d = 0; d < in[0]->rank; d++)
		if (d != axis && in[1]->dims[d] > in[0]->dims[d])
			return op_err(n, TCC_ERR_INVALID_ARG, "indices dim %d exceeds data", d);
	out[0] = *in[1];
	out[0].dtype = in[0]->dtype;
	out[0].data = NULL;
	return TCC_OK;
}

static tcc_status ge_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			 tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", 0), st[TCC_MAX_RANK], idx[TCC_MAX_RANK];
	size_t es = tcc_dtype_size(in[0]->dtype);
	int64_t cnt = tv_numel(in[1]);

	norm_axis(&axis, in[0]->rank);
	tv_strides(in[0], st);
	for (int64_t i = 0; i < cnt; i++) {
		unravel(i, in[1], idx);
		int64_t k = tcc_load_i64(in[1]->dtype, in[1]->data, i), dim = in[0]->dims[axis];

		if (k < -dim || k >= dim)
			return op_err(n, TCC_ERR_INVALID_ARG, "index %lld out of range", (long long)k);
		idx[axis] = k < 0 ? k + dim : k;
		memcpy((char *)out[0].data + (size_t)i * es,
		       (const char *)in[0]->data + (size_t)off_of(idx, st, in[0]->rank) * es, es);
	}
	return TCC_OK;
}

static void combine(tcc_dtype t, void *dst, int64_t o, const void *src, int64_t i, const char *red)
{
	if (!strcmp(red, "none")) {
		size_t es = tcc_dtype_size(t);

		memcpy((char *)dst + (size_t)o * es, (const char *)src + (size_t)i * es, es);
		return;
	}
	double a = tcc_load_f64(t, dst, o), b = tcc_load_f64(t, src, i);
	double r = !strcmp(red, "add") ? a + b : !strcmp(red, "mul") ? a * b :
		   !strcmp(red, "max") ? fmax(a, b) : fmin(a, b);

	tcc_store_f64(t, dst, o, r);
}

static tcc_status se_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			 tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", 0), st[TCC_MAX_RANK], idx[TCC_MAX_RANK];
	const char *red = ir_attr_str(n, "reduction", "none");
	int64_t cnt = tv_numel(in[1]);

	if (!norm_axis(&axis, in[0]->rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	memcpy(out[0].data, in[0]->data, tv_nbytes(in[0]));
	tv_strides(in[0], st);
	for (int64_t i = 0; i < cnt; i++) {
		unravel(i, in[1], idx);
		int64_t k = tcc_load_i64(in[1]->dtype, in[1]->data, i), dim = in[0]->dims[axis];

		if (k < -dim || k >= dim)
			return op_err(n, TCC_ERR_INVALID_ARG, "index %lld out of range", (long long)k);
		idx[axis] = k < 0 ? k + dim : k;
		combine(in[0]->dtype, out[0].data, off_of(idx, st, in[0]->rank), in[2]->data, i, red);
	}
	return TCC_OK;
}

static tcc_status scatter_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out)
{
	if (in[1]->rank != in[0]->rank || !tv_same_shape(in[1], in[2]) || in[2]->dtype != in[0]->dtype)
		return op_err(n, TCC_ERR_INVALID_ARG, "indices and updates must have one shape, data's rank and dtype");
	for (int d = 0; d < in[0]->rank; d++)
		if (in[1]->dims[d] > in[0]->dims[d])
			return op_err(n, TCC_ERR_INVALID_ARG, "indices dim %d exceeds data", d);
	return same_shape_infer(n, env, in, n_in, out, n_out);
}

static tcc_status scatternd_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				  tv *out, int n_out)
{
	int64_t q = in[1]->rank, k = q ? in[1]->dims[q - 1] : 0;

	if (q < 1 || k < 1 || k > in[0]->rank || in[2]->rank != q - 1 + in[0]->rank - k ||
	    in[2]->dtype != in[0]->dtype)
		return op_err(n, TCC_ERR_INVALID_ARG, "updates shape does not match indices and data");
	for (int64_t i = 0; i < q - 1; i++)
		if (in[2]->dims[i] != in[1]->dims[i])
			return op_err(n, TCC_ERR_INVALID_ARG, "updates shape does not match indices");
	for (int64_t i = k; i < in[0]->rank; i++)
		if (in[2]->dims[q - 1 + i - k] != in[0]->dims[i])
			return op_err(n, TCC_ERR_INVALID_ARG, "updates shape does not match data");
	return same_shape_infer(n, env, in, n_in, out, n_out);
}

/* ---- GatherND / ScatterND ---- */

static tcc_status gnd_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	int64_t b = ir_attr_int(n, "batch_dims", 0), q = in[1]->rank, r = in[0]->rank;
	int64_t last = q ? in[1]->dims[q - 1] : 0;

	if (q < 1 || last < 1 || b < 0 || b >= q || b + last > r || q - 1 + r - last - b > TCC_MAX_RANK)
		return op_err(n, TCC_ERR_INVALID_ARG, "bad indices shape");
	for (int64_t i = 0; i < b; i++)
		if (in[1]->dims[i] != in[0]->dims[i])
			return op_err(n, TCC_ERR_INVALID_ARG, "batch dim %lld differs between data and indices", (long long)i);
	out[0].dtype = in[0]->dtype;
	out[0].rank = 0;
	for (int i = 0; i < q - 1; i++)
		out[0].dims[out[0].rank++] = in[1]->dims[i];
	for (int64_t i = b + last; i < r; i++)
		out[0].dims[out[0].rank++] = in[0]->dims[i];
	return TCC_OK;
}

static tcc_status gnd_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	int64_t b = ir_attr_int(n, "batch_dims", 0), q = in[1]->rank, r = in[0]->rank;
	int64_t last = in[1]->dims[q - 1], st[TCC_MAX_RANK], slice = 1, nb = 1, per = 1;
	size_t es = tcc_dtype_size(in[0]->dtype);

	tv_strides(in[0], st);
	for (int64_t i = b + last; i < r; i++)
		slice *= in[0]->dims[i];
	for (int64_t i = 0; i < b; i++)
		nb *= in[1]->dims[i];
	for (int64_t i = b; i < q - 1; i++)
		per *= in[1]->dims[i];
	for (int64_t bi = 0; bi < nb; bi++)
		for (int64_t j = 0; j < per; j++) {
			int64_t off = bi * (b ? st[b - 1] : 0);
			const int64_t row = (bi * per + j) * last;

			for (int64_t k = 0; k < last; k++) {
				int64_t v = tcc_load_i64(in[1]->dtype, in[1]->data, row + k), dim = in[0]->dims[b + k];

				if (v < -dim || v >= dim)
					return op_err(n, TCC_ERR_INVALID_ARG, "index out of range");
				off += (v < 0 ? v + dim : v) * st[b + k];
			}
			memcpy((char *)out[0].data + (size_t)((bi * per + j) * slice) * es,
			       (const char *)in[0]->data + (size_t)off * es, (size_t)slice * es);
		}
	return TCC_OK;
}

static tcc_status snd_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	const char *red = ir_attr_str(n, "reduction", "none");
	int64_t q = in[1]->rank, last = in[1]->dims[q - 1], st[TCC_MAX_RANK], slice = 1, cnt = 1;

	if (last > in[0]->rank)
		return op_err(n, TCC_ERR_INVALID_ARG, "bad indices shape");
	memcpy(out[0].data, in[0]->data, tv_nbytes(in[0]));
	tv_strides(in[0], st);
	for (int i = (int)last; i < in[0]->rank; i++)
		slice *= in[0]->dims[i];
	for (int i = 0; i < q - 1; i++)
		cnt *= in[1]->dims[i];
	for (int64_t j = 0; j < cnt; j++) {
		int64_t off = 0;

		for (int64_t k = 0; k < last; k++) {
			int64_t v = tcc_load_i64(in[1]->dtype, in[1]->data, j * last + k), dim = in[0]->dims[k];

			if (v < -dim || v >= dim)
				return op_err(n, TCC_ERR_INVALID_ARG, "index out of range");
			off += (v < 0 ? v + dim : v) * st[k];
		}
		for (int64_t s = 0; s < slice; s++)
			combine(in[0]->dtype, out[0].data, off + s, in[2]->data, j * slice + s, red);
	}
	return TCC_OK;
}

/* ---- Trilu ---- */

static tcc_status trilu_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	int64_t k = n_in > 1 && in[1] ? tcc_load_i64(in[1]->dtype, in[1]->data, 0) : 0;
	bool upper = ir_attr_int(n, "upper", 1);
	size_t es = tcc_dtype_size(in[0]->dtype);
	int r = in[0]->rank;

	if (r < 2)
		return op_err(n, TCC_ERR_INVALID_ARG, "rank must be >= 2");
	int64_t R = in[0]->dims[r - 2], C = in[0]->dims[r - 1], cnt = tv_numel(in[0]);

	for (int64_t i = 0; i < cnt; i++) {
		int64_t c = i % C, row = (i / C) % R;
		bool keep = upper ? c - row >= k : c - row <= k;

		if (keep)
			memcpy((char *)out[0].data + (size_t)i * es, (const char *)in[0]->data + (size_t)i * es, es);
		else
			memset((char *)out[0].data + (size_t)i * es, 0, es);
	}
	return TCC_OK;
}

/* ---- Range ---- */

static tcc_status range_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	for (int i = 0; i < 3; i++)
		if (!in[i]->data)
			return OP_NEEDS_VALUE;
	tcc_dtype t = in[0]->dtype;
	double s = tcc_load_f64(t, in[0]->data, 0), l = tcc_load_f64(t, in[1]->data, 0);
	double d = tcc_load_f64(t, in[2]->data, 0);

	if (d == 0)
		return op_err(n, TCC_ERR_INVALID_ARG, "delta is 0");
	double c = ceil((l - s) / d);

	if (c > (1 << 30))
		return op_err(n, TCC_ERR_INVALID_ARG, "range too long");
	out[0] = (tv){ .dtype = t, .rank = 1, .dims = { c > 0 ? (int64_t)c : 0 } };
	return TCC_OK;
}

static tcc_status range_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	tcc_dtype t = in[0]->dtype;

	if (tcc_dtype_is_float(t)) {
		double s = tcc_load_f64(t, in[0]->data, 0), d = tcc_load_f64(t, in[2]->data, 0);

		for (int64_t i = 0; i < out[0].dims[0]; i++)
			tcc_store_f64(t, out[0].data, i, s + (double)i * d);
	} else {
		int64_t s = tcc_load_i64(t, in[0]->data, 0), d = tcc_load_i64(t, in[2]->data, 0);

		for (int64_t i = 0; i < out[0].dims[0]; i++)
			tcc_store_i64(t, out[0].data, i, s + i * d);
	}
	return TCC_OK;
}

/* ---- OneHot ---- */

static tcc_status onehot_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", -1);

	if (!in[1]->data)
		return OP_NEEDS_VALUE;
	int64_t depth = (int64_t)tcc_load_f64(in[1]->dtype, in[1]->data, 0);
	int r = in[0]->rank + 1;

	if (depth < 1 || r > TCC_MAX_RANK || !norm_axis(&axis, r) || tv_numel(in[2]) != 2)
		return op_err(n, TCC_ERR_INVALID_ARG, "bad depth, axis or values");
	out[0].dtype = in[2]->dtype;
	out[0].rank = r;
	for (int i = 0, k = 0; i < r; i++)
		out[0].dims[i] = i == axis ? depth : in[0]->dims[k++];
	return TCC_OK;
}

static tcc_status onehot_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", -1), inner = 1, outer = 1;
	size_t es = tcc_dtype_size(out[0].dtype);

	norm_axis(&axis, out[0].rank);
	int64_t depth = out[0].dims[axis];

	for (int i = 0; i < axis; i++)
		outer *= out[0].dims[i];
	for (int i = (int)axis + 1; i < out[0].rank; i++)
		inner *= out[0].dims[i];
	for (int64_t o = 0; o < outer; o++)
		for (int64_t d = 0; d < depth; d++)
			for (int64_t i = 0; i < inner; i++) {
				int64_t v = (int64_t)tcc_load_f64(in[0]->dtype, in[0]->data, o * inner + i);

				if (v < 0)
					v += depth;
				memcpy((char *)out[0].data + (size_t)((o * depth + d) * inner + i) * es,
				       (const char *)in[2]->data + (v == d ? es : 0), es);
			}
	return TCC_OK;
}

/* ---- EyeLike ---- */

static tcc_status eye_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	const ir_attr *a = ir_attr_find(n, "dtype");

	if (in[0]->rank != 2)
		return op_err(n, TCC_ERR_INVALID_ARG, "input must be 2-D");
	out[0] = *in[0];
	out[0].data = NULL;
	if (a)
		out[0].dtype = (tcc_dtype)a->i;
	if (!tcc_dtype_size(out[0].dtype) || out[0].dtype == TCC_STRING)
		return op_err(n, TCC_ERR_UNSUPPORTED, "dtype %d", (int)out[0].dtype);
	return TCC_OK;
}

static tcc_status eye_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	int64_t k = ir_attr_int(n, "k", 0), R = out[0].dims[0], C = out[0].dims[1];

	for (int64_t i = 0; i < R; i++)
		for (int64_t j = 0; j < C; j++)
			tcc_store_i64(out[0].dtype, out[0].data, i * C + j, j - i == k);
	return TCC_OK;
}

/* ---- DepthToSpace / SpaceToDepth ---- */

static tcc_status d2s_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	int64_t b = ir_attr_int(n, "blocksize", 0);
	bool d2s = !strcmp(n->op_type, "DepthToSpace");

	int64_t bb, h, w;

	/* b*b, H*b and W*b are computed checked: a huge blocksize must not wrap to 0. */
	if (in[0]->rank != 4 || b < 1 || !i64_mul(b, b, &bb) || !i64_mul(in[0]->dims[2], b, &h) ||
	    !i64_mul(in[0]->dims[3], b, &w) ||
	    (d2s ? in[0]->dims[1] % bb : in[0]->dims[2] % b || in[0]->dims[3] % b))
		return op_err(n, TCC_ERR_INVALID_ARG, "bad blocksize or input shape");
	out[0] = *in[0];
	out[0].data = NULL;
	if (d2s) {
		out[0].dims[1] /= b * b;
		out[0].dims[2] *= b;
		out[0].dims[3] *= b;
	} else {
		out[0].dims[1] *= b * b;
		out[0].dims[2] /= b;
		out[0].dims[3] /= b;
	}
	return TCC_OK;
}

static tcc_status d2s_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	int64_t b = ir_attr_int(n, "blocksize", 0);
	bool d2s = !strcmp(n->op_type, "DepthToSpace"), crd = !strcmp(ir_attr_str(n, "mode", "DCR"), "CRD");
	const tv *big = d2s ? &out[0] : in[0];	/* the [N, C, H*b, W*b] side */
	int64_t N = big->dims[0], C = big->dims[1], H = big->dims[2] / b, W = big->dims[3] / b;
	size_t es = tcc_dtype_size(in[0]->dtype);

	for (int64_t nn = 0; nn < N; nn++)
		for (int64_t c = 0; c < C; c++)
			for (int64_t h = 0; h < H; h++)
				for (int64_t i = 0; i < b; i++)
					for (int64_t w = 0; w < W; w++)
						for (int64_t j = 0; j < b; j++) {
							int64_t dc = crd ? c * b * b + i * b + j : (i * b + j) * C + c;
							int64_t deep = ((nn * C * b * b + dc) * H + h) * W + w;
							int64_t flat = ((nn * C + c) * H * b + h * b + i) * W * b + w * b + j;
							const char *s = (const char *)in[0]->data + (size_t)(d2s ? deep : flat) * es;

							memcpy((char *)out[0].data + (size_t)(d2s ? flat : deep) * es, s, es);
						}
	return TCC_OK;
}

/* ---- Compress / NonZero (data-dependent shapes) ---- */

static tcc_status compress_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				 tv *out, int n_out)
{
	const ir_attr *a = ir_attr_find(n, "axis");
	int64_t axis = a ? a->i : 0, cnt = 0;

	if (!in[1]->data)
		return OP_NEEDS_VALUE;
	if (a && !norm_axis(&axis, in[0]->rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	int64_t lim = a ? in[0]->dims[axis] : tv_numel(in[0]);

	for (int64_t i = 0; i < tv_numel(in[1]) && i < lim; i++)
		cnt += tcc_load_i64(in[1]->dtype, in[1]->data, i) != 0;
	out[0].dtype = in[0]->dtype;
	if (!a) {
		out[0].rank = 1;
		out[0].dims[0] = cnt;
	} else {
		out[0].rank = in[0]->rank;
		memcpy(out[0].dims, in[0]->dims, sizeof(out[0].dims));
		out[0].dims[axis] = cnt;
	}
	return TCC_OK;
}

static tcc_status compress_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	const ir_attr *a = ir_attr_find(n, "axis");
	size_t es = tcc_dtype_size(in[0]->dtype);
	int64_t nc = tv_numel(in[1]);

	if (!a) {
		int64_t k = 0;

		for (int64_t i = 0; i < nc && i < tv_numel(in[0]); i++)
			if (tcc_load_i64(in[1]->dtype, in[1]->data, i))
				memcpy((char *)out[0].data + (size_t)(k++) * es, (const char *)in[0]->data + (size_t)i * es, es);
		return TCC_OK;
	}
	int64_t axis = a->i, outer = 1, inner = 1;

	norm_axis(&axis, in[0]->rank);
	for (int i = 0; i < axis; i++)
		outer *= in[0]->dims[i];
	for (int i = (int)axis + 1; i < in[0]->rank; i++)
		inner *= in[0]->dims[i];
	int64_t dim = in[0]->dims[axis], odim = out[0].dims[axis];

	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0, k = 0; i < dim && i < nc; i++)
			if (tcc_load_i64(in[1]->dtype, in[1]->data, i))
				memcpy((char *)out[0].data + (size_t)((o * odim + k++) * inner) * es,
				       (const char *)in[0]->data + (size_t)((o * dim + i) * inner) * es,
				       (size_t)inner * es);
	return TCC_OK;
}

static tcc_status nonzero_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out)
{
	int64_t cnt = 0;

	if (!in[0]->data)
		return OP_NEEDS_VALUE;
	for (int64_t i = 0; i < tv_numel(in[0]); i++)
		cnt += tcc_load_f64(in[0]->dtype, in[0]->data, i) != 0;
	out[0] = (tv){ .dtype = TCC_I64, .rank = 2, .dims = { in[0]->rank, cnt } };
	return TCC_OK;
}

static tcc_status nonzero_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	int64_t idx[TCC_MAX_RANK], cnt = out[0].dims[1], k = 0;

	for (int64_t i = 0; i < tv_numel(in[0]); i++) {
		if (tcc_load_f64(in[0]->dtype, in[0]->data, i) == 0)
			continue;
		unravel(i, in[0], idx);
		for (int d = 0; d < in[0]->rank; d++)
			((int64_t *)out[0].data)[d * cnt + k] = idx[d];
		k++;
	}
	return TCC_OK;
}

/* ---- TopK ---- */

static tcc_status topk_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", -1), k;

	if (env->opset < 10)
		k = ir_attr_int(n, "k", -1);
	else if (!in[1]->data)
		return OP_NEEDS_VALUE;
	else
		k = tcc_load_i64(in[1]->dtype, in[1]->data, 0);
	if (!norm_axis(&axis, in[0]->rank) || k < 0 || k > in[0]->dims[axis])
		return op_err(n, TCC_ERR_INVALID_ARG, "bad axis or k");
	out[0] = *in[0];
	out[0].data = NULL;
	out[0].dims[axis] = k;
	out[1] = out[0];
	out[1].dtype = TCC_I64;
	return TCC_OK;
}

typedef struct kv {
	double v;
	int64_t i;
} kv;

static int cmp_desc(const void *a, const void *b)
{
	const kv *x = a, *y = b;

	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static int cmp_asc(const void *a, const void *b)
{
	const kv *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static tcc_status topk_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", -1), outer = 1, inner = 1;
	bool largest = ir_attr_int(n, "largest", 1);
	tcc_dtype t = in[0]->dtype;

	norm_axis(&axis, in[0]->rank);
	int64_t dim = in[0]->dims[axis], k = out[0].dims[axis];

	for (int i = 0; i < axis; i++)
		outer *= in[0]->dims[i];
	for (int i = (int)axis + 1; i < in[0]->rank; i++)
		inner *= in[0]->dims[i];
	kv *buf = malloc(sizeof(kv) * (size_t)(dim + 1));

	if (!buf)
		return op_err(n, TCC_ERR_NO_MEMORY, "topk");
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < inner; i++) {
			for (int64_t d = 0; d < dim; d++)
				buf[d] = (kv){ tcc_load_f64(t, in[0]->data, (o * dim + d) * inner + i), d };
			qsort(buf, (size_t)dim, sizeof(kv), largest ? cmp_desc : cmp_asc);
			for (int64_t d = 0; d < k; d++) {
				int64_t oo = (o * k + d) * inner + i;

				if (tcc_dtype_is_float(t))
					tcc_store_f64(t, out[0].data, oo, buf[d].v);
				else
					tcc_store_i64(t, out[0].data, oo,
						      tcc_load_i64(t, in[0]->data, (o * dim + buf[d].i) * inner + i));
				((int64_t *)out[1].data)[oo] = buf[d].i;
			}
		}
	free(buf);
	return TCC_OK;
}

/* ---- Pad ---- */

static tcc_status pad_amounts(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      int64_t *pads)
{
	int r = in[0]->rank, cnt;
	int64_t raw[2 * TCC_MAX_RANK];

	if (env->opset < 11) {
		const int64_t *v;

		cnt = ir_attr_ints(n, "pads", &v);
		if (cnt != 2 * r)
			return op_err(n, TCC_ERR_INVALID_ARG, "pads must have %d entries", 2 * r);
		memcpy(pads, v, sizeof(int64_t) * (size_t)cnt);
		return TCC_OK;
	}
	if (!in[1]->data)
		return OP_NEEDS_VALUE;
	if (tv_numel(in[1]) > 2 * TCC_MAX_RANK)
		return op_err(n, TCC_ERR_INVALID_ARG, "too many pads");
	cnt = tv_read_ints(in[1], raw, 2 * TCC_MAX_RANK);
	if (n_in > 3 && in[3]) {
		int64_t axes[TCC_MAX_RANK];
		int na;

		if (!in[3]->data)
			return OP_NEEDS_VALUE;
		na = tv_read_ints(in[3], axes, TCC_MAX_RANK);
		if (cnt != 2 * na)
			return op_err(n, TCC_ERR_INVALID_ARG, "pads/axes mismatch");
		memset(pads, 0, sizeof(int64_t) * 2 * (size_t)r);
		for (int i = 0; i < na; i++) {
			if (!norm_axis(&axes[i], r))
				return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
			pads[axes[i]] = raw[i];
			pads[r + axes[i]] = raw[na + i];
		}
		return TCC_OK;
	}
	if (cnt != 2 * r)
		return op_err(n, TCC_ERR_INVALID_ARG, "pads must have %d entries", 2 * r);
	memcpy(pads, raw, sizeof(int64_t) * (size_t)cnt);
	return TCC_OK;
}

static tcc_status pad_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	int64_t pads[2 * TCC_MAX_RANK];
	tcc_status st = pad_amounts(n, env, in, n_in, pads);

	if (st)
		return st;
	out[0] = *in[0];
	out[0].data = NULL;
	for (int i = 0; i < in[0]->rank; i++) {
		if (!i64_add(out[0].dims[i], pads[i], &out[0].dims[i]) ||
		    !i64_add(out[0].dims[i], pads[in[0]->rank + i], &out[0].dims[i]))
			return op_err(n, TCC_ERR_INVALID_ARG, "pads overflow dim %d", i);
		if (out[0].dims[i] < 0)
			return op_err(n, TCC_ERR_INVALID_ARG, "negative output dim");
	}
	return TCC_OK;
}

static tcc_status pad_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	int64_t pads[2 * TCC_MAX_RANK], idx[TCC_MAX_RANK], st[TCC_MAX_RANK];
	const char *mode = ir_attr_str(n, "mode", "constant");
	tcc_dtype t = in[0]->dtype;
	size_t es = tcc_dtype_size(t);
	int r = in[0]->rank;
	char cval[8] = { 0 };
	tcc_status s = pad_amounts(n, env, in, n_in, pads);

	if (s)
		return s;
	if (env->opset < 11)
		tcc_store_f64(t, cval, 0, ir_attr_float(n, "value", 0));
	else if (n_in > 2 && in[2] && tv_numel(in[2]))
		memcpy(cval, in[2]->data, es);
	tv_strides(in[0], st);
	for (int64_t i = 0; i < tv_numel(&out[0]); i++) {
		bool outside = false;

		unravel(i, &out[0], idx);
		for (int d = 0; d < r; d++) {
			int64_t p = idx[d] - pads[d], dim = in[0]->dims[d];

			if (p < 0 || p >= dim) {
				if (!strcmp(mode, "constant") || dim == 0) {
					outside = true;
				} else if (!strcmp(mode, "edge")) {
					p = p < 0 ? 0 : dim - 1;
				} else {	/* reflect */
					int64_t period = 2 * (dim - 1);

					if (period == 0) {
						p = 0;
					} else {
						p = ((p % period) + period) % period;
						if (p >= dim)
							p = period - p;
					}
				}
			}
			idx[d] = p;
		}
		memcpy((char *)out[0].data + (size_t)i * es,
		       outside ? cval : (const char *)in[0]->data + (size_t)off_of(idx, st, r) * es, es);
	}
	return TCC_OK;
}

/* ---- losses ---- */

static tcc_status loss_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	const char *red = ir_attr_str(n, "reduction", "mean");
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st)
		return st;
	if (in[0]->rank < 2 || in[1]->rank != in[0]->rank - 1)
		return op_err(n, TCC_ERR_INVALID_ARG, "input must be [N, C, ...] and target [N, ...]");
	/* The kernel indexes target by input's N and spatial dims, weight by class. */
	for (int i = 0; i < in[1]->rank; i++)
		if (in[1]->dims[i] != in[0]->dims[i ? i + 1 : 0])
			return op_err(n, TCC_ERR_INVALID_ARG, "target dim %d is %lld, input's is %lld", i,
				      (long long)in[1]->dims[i], (long long)in[0]->dims[i ? i + 1 : 0]);
	if (n_in > 2 && in[2] && (in[2]->rank != 1 || in[2]->dims[0] != in[0]->dims[1]))
		return op_err(n, TCC_ERR_INVALID_ARG, "weight must be [C] = [%lld]", (long long)in[0]->dims[1]);
	out[0].dtype = in[0]->dtype;
	if (!strcmp(red, "none")) {
		out[0].rank = in[1]->rank;
		memcpy(out[0].dims, in[1]->dims, sizeof(out[0].dims));
	} else if (!strcmp(red, "sum") || !strcmp(red, "mean")) {
		out[0].rank = 0;
	} else {
		return op_err(n, TCC_ERR_INVALID_ARG, "unknown reduction '%s'", red);
	}
	if (n_out > 1) {
		out[1] = *in[0];
		out[1].data = NULL;
	}
	return TCC_OK;
}

static tcc_status loss_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	bool sce = !strcmp(n->op_type, "SoftmaxCrossEntropyLoss");
	const char *red = ir_attr_str(n, "reduction", "mean");
	const ir_attr *ign = ir_attr_find(n, "ignore_index");
	const tv *x = in[0], *tgt = in[1], *w = n_in > 2 ? in[2] : NULL;
	int64_t N = x->dims[0], C = x->dims[1], D = (N && C) ? tv_numel(x) / (N * C) : 0;
	double *lp = malloc(sizeof(double) * (size_t)(tv_numel(x) + 1));
	double sum = 0, wsum = 0;

	if (!lp)
		return op_err(n, TCC_ERR_NO_MEMORY, "loss");
	for (int64_t i = 0; i < tv_numel(x); i++)
		lp[i] = tcc_load_f64(x->dtype, x->data, i);
	if (sce) {		/* log-softmax over C */
		for (int64_t b = 0; b < N; b++)
			for (int64_t d = 0; d < D; d++) {
				double mx = -INFINITY, s = 0;

				for (int64_t c = 0; c < C; c++)
					mx = fmax(mx, lp[(b * C + c) * D + d]);
				for (int64_t c = 0; c < C; c++)
					s += exp(lp[(b * C + c) * D + d] - mx);
				for (int64_t c = 0; c < C; c++)
					lp[(b * C + c) * D + d] -= mx + log(s);
			}
		if (n_out > 1)
			for (int64_t i = 0; i < tv_numel(x); i++)
				tcc_store_f64(out[1].dtype, out[1].data, i, lp[i]);
	}
	for (int64_t b = 0; b < N; b++)
		for (int64_t d = 0; d < D; d++) {
			int64_t c = tcc_load_i64(tgt->dtype, tgt->data, b * D + d);
			double l = 0, wt = 0;

			if (!(ign && c == ign->i)) {
				if (c < 0 || c >= C) {
					free(lp);
					return op_err(n, TCC_ERR_INVALID_ARG, "target %lld out of range", (long long)c);
				}
				wt = w ? tcc_load_f64(w->dtype, w->data, c) : 1;
				l = -lp[(b * C + c) * D + d] * wt;
			}
			if (!strcmp(red, "none"))
				tcc_store_f64(out[0].dtype, out[0].data, b * D + d, l);
			sum += l;
			wsum += wt;
		}
	if (!strcmp(red, "sum"))
		tcc_store_f64(out[0].dtype, out[0].data, 0, sum);
	else if (!strcmp(red, "mean"))
		tcc_store_f64(out[0].dtype, out[0].data, 0, wsum != 0 ? sum / wsum : 0);
	free(lp);
	return TCC_OK;
}

const op_def ops_misc[] = {
	{ "GatherElements", 2, 2, 1, 1, 0, ge_infer, ge_run },
	{ "ScatterElements", 3, 3, 1, 1, 0, scatter_infer, se_run },
	{ "Scatter", 3, 3, 1, 1, 0, scatter_infer, se_run },
	{ "GatherND", 2, 2, 1, 1, 0, gnd_infer, gnd_run },
	{ "ScatterND", 3, 3, 1, 1, 0, scatternd_infer, snd_run },
	{ "Trilu", 1, 2, 1, 1, 0, same_shape_infer, trilu_run },
	{ "Range", 3, 3, 1, 1, 0, range_infer, range_run },
	{ "OneHot", 3, 3, 1, 1, 0, onehot_infer, onehot_run },
	{ "EyeLike", 1, 1, 1, 1, 0, eye_infer, eye_run },
	{ "DepthToSpace", 1, 1, 1, 1, 0, d2s_infer, d2s_run },
	{ "SpaceToDepth", 1, 1, 1, 1, 0, d2s_infer, d2s_run },
	{ "Compress", 2, 2, 1, 1, 0, compress_infer, compress_run },
	{ "NonZero", 1, 1, 1, 1, 0, nonzero_infer, nonzero_run },
	{ "TopK", 1, 2, 2, 2, OP_HALF_VIA_F32, topk_infer, topk_run },
	{ "Pad", 1, 4, 1, 1, 0, pad_infer, pad_run },
	{ "NegativeLogLikelihoodLoss", 2, 3, 1, 1, OP_HALF_VIA_F32, loss_infer, loss_run },
	{ "SoftmaxCrossEntropyLoss", 2, 3, 1, 2, OP_HALF_VIA_F32, loss_infer, loss_run },
	OPS_END
};
