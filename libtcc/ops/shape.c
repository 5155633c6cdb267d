// SPDX-License-Identifier: MIT
/*
 * Shape and layout ops: Reshape, Flatten, (Un)Squeeze, Shape, Size,
 * Transpose, Concat, Split, Slice, Gather, Expand, ConstantOfShape, Tile.
 * They move bytes, so one kernel serves every dtype.
 */
#include "ops/ops.h"
#include "ops/elementwise.h"

#include <stdlib.h>
#include <string.h>

static void set_out(tv *o, tcc_dtype t, int rank, const int64_t *dims)
{
	o->dtype = t;
	o->rank = rank;
	memset(o->dims, 0, sizeof(o->dims));
	if (rank)
		memcpy(o->dims, dims, sizeof(int64_t) * (size_t)rank);
}

static tcc_status copy_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	if (out[0].data != in[0]->data)
		memmove(out[0].data, in[0]->data, tv_nbytes(&out[0]));
	return TCC_OK;
}

/* Reads an int tensor operand that determines a shape (needs its value). */
static tcc_status need_ints(const ir_node *n, const tv *t, int64_t *dst, int max, int *count)
{
	if (!t->data)
		return OP_NEEDS_VALUE;
	if (!tcc_dtype_is_signed_int(t->dtype) && !tcc_dtype_is_unsigned_int(t->dtype))
		return op_err(n, TCC_ERR_INVALID_ARG, "shape operand must be an integer tensor");
	if (t->rank > 1 || tv_numel(t) > max)
		return op_err(n, TCC_ERR_INVALID_ARG, "shape operand must be 1-D with at most %d values", max);
	*count = tv_read_ints(t, dst, max);
	return TCC_OK;
}

static tcc_status reshape_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out)
{
	int64_t shape[TCC_MAX_RANK], known = 1, total = tv_numel(in[0]);
	int cnt, neg = -1;
	bool allowzero = ir_attr_int(n, "allowzero", 0);
	tcc_status st;

	if (env->opset < 5) {
		const int64_t *v;

		cnt = ir_attr_ints(n, "shape", &v);
		if (cnt < 0 || cnt > TCC_MAX_RANK)
			return op_err(n, TCC_ERR_INVALID_ARG, "missing or too long 'shape' attribute");
		memcpy(shape, v, sizeof(int64_t) * (size_t)cnt);
	} else {
		if (n_in < 2 || !in[1])
			return op_err(n, TCC_ERR_INVALID_ARG, "missing shape input");
		st = need_ints(n, in[1], shape, TCC_MAX_RANK, &cnt);
		if (st)
			return st;
	}
	for (int i = 0; i < cnt; i++) {
		if (shape[i] == 0 && !allowzero) {
			if (i >= in[0]->rank)
				return op_err(n, TCC_ERR_INVALID_ARG, "0 in shape beyond input rank");
			shape[i] = in[0]->dims[i];
		}
		if (shape[i] == -1) {
			if (neg >= 0)
				return op_err(n, TCC_ERR_INVALID_ARG, "more than one -1 in shape");
			neg = i;
		} else if (shape[i] < 0) {
			return op_err(n, TCC_ERR_INVALID_ARG, "negative dim %lld in shape", (long long)shape[i]);
		} else if (!i64_mul(known, shape[i], &known)) {
			return op_err(n, TCC_ERR_INVALID_ARG, "shape's element count overflows");
		}
	}
	if (neg >= 0) {
		if (known == 0 || total % known)
			return op_err(n, TCC_ERR_INVALID_ARG, "cannot infer -1: %lld elements into %lld",
				      (long long)total, (long long)known);
		shape[neg] = total / known;
		known *= shape[neg];
	}
	if (known != total)
		return op_err(n, TCC_ERR_INVALID_ARG, "reshape of %lld elements into %lld", (long long)total,
			      (long long)known);
	set_out(&out[0], in[0]->dtype, cnt, shape);
	return TCC_OK;
}

static tcc_status flatten_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", 1), a = 1, b = 1;

	if (axis < 0)
		axis += in[0]->rank;
	if (axis < 0 || axis > in[0]->rank)
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	for (int i = 0; i < in[0]->rank; i++)
		*(i < axis ? &a : &b) *= in[0]->dims[i];
	int64_t d[2] = { a, b };

	set_out(&out[0], in[0]->dtype, 2, d);
	return TCC_OK;
}

static tcc_status axes_operand(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       int64_t opset_inputs, int64_t *axes, int *cnt)
{
	if (env->opset >= opset_inputs) {
		if (n_in < 2 || !in[1]) {
			*cnt = -1;
			return TCC_OK;
		}
		return need_ints(n, in[1], axes, TCC_MAX_RANK, cnt);
	}
	const int64_t *v;
	int c = ir_attr_ints(n, "axes", &v);

	if (c > TCC_MAX_RANK)
		return op_err(n, TCC_ERR_INVALID_ARG, "too many axes");
	*cnt = c;
	if (c > 0)
		memcpy(axes, v, sizeof(int64_t) * (size_t)c);
	return TCC_OK;
}

static tcc_status squeeze_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out)
{
	int64_t axes[TCC_MAX_RANK], d[TCC_MAX_RANK];
	bool drop[TCC_MAX_RANK] = { false };
	int cnt, r = 0;
	tcc_status st = axes_operand(n, env, in, n_in, 13, axes, &cnt);

	if (st)
		return st;
	for (int i = 0; i < cnt; i++) {
		if (!norm_axis(&axes[i], in[0]->rank) || in[0]->dims[axes[i]] != 1)
			return op_err(n, TCC_ERR_INVALID_ARG, "cannot squeeze axis %lld", (long long)axes[i]);
		drop[axes[i]] = true;
	}
	for (int i = 0; i < in[0]->rank; i++)
		if (!(cnt < 0 ? in[0]->dims[i] == 1 : drop[i]))
			d[r++] = in[0]->dims[i];
	set_out(&out[0], in[0]->dtype, r, d);
	return TCC_OK;
}

static tcc_status unsqueeze_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				  tv *out, int n_out)
{
	int64_t axes[TCC_MAX_RANK], d[TCC_MAX_RANK];
	bool ins[TCC_MAX_RANK] = { false };
	int cnt = 0;
	tcc_status st = axes_operand(n, env, in, n_in, 13, axes, &cnt);

	if (st)
		return st;
	if (cnt < 0)
		return op_err(n, TCC_ERR_INVALID_ARG, "axes are required");
	int r = in[0]->rank + cnt;

	if (r > TCC_MAX_RANK)
		return op_err(n, TCC_ERR_UNSUPPORTED, "rank %d exceeds %d", r, TCC_MAX_RANK);
	for (int i = 0; i < cnt; i++) {
		if (!norm_axis(&axes[i], r) || ins[axes[i]])
			return op_err(n, TCC_ERR_INVALID_ARG, "bad axis %lld", (long long)axes[i]);
		ins[axes[i]] = true;
	}
	for (int i = 0, k = 0; i < r; i++)
		d[i] = ins[i] ? 1 : in[0]->dims[k++];
	set_out(&out[0], in[0]->dtype, r, d);
	return TCC_OK;
}

static void shape_range(const ir_node *n, int rank, int64_t *s, int64_t *e)
{
	*s = ir_attr_int(n, "start", 0);
	*e = ir_attr_int(n, "end", rank);
	if (*s < 0) *s += rank;
	if (*e < 0) *e += rank;
	if (*s < 0) *s = 0;
	if (*s > rank) *s = rank;
	if (*e < 0) *e = 0;
	if (*e > rank) *e = rank;
	if (*e < *s) *e = *s;
}

static tcc_status shape_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	int64_t s, e;

	shape_range(n, in[0]->rank, &s, &e);
	int64_t d = e - s;

	set_out(&out[0], TCC_I64, 1, &d);
	return TCC_OK;
}

static tcc_status shape_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	int64_t s, e;

	shape_range(n, in[0]->rank, &s, &e);
	for (int64_t i = s; i < e; i++)
		((int64_t *)out[0].data)[i - s] = in[0]->dims[i];
	return TCC_OK;
}

static tcc_status size_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	set_out(&out[0], TCC_I64, 0, NULL);
	return TCC_OK;
}

static tcc_status size_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	*(int64_t *)out[0].data = tv_numel(in[0]);
	return TCC_OK;
}

static tcc_status perm_of(const ir_node *n, int rank, int64_t *perm)
{
	const int64_t *p;
	int c = ir_attr_ints(n, "perm", &p);
	bool seen[TCC_MAX_RANK] = { false };

	if (c < 0) {
		for (int i = 0; i < rank; i++)
			perm[i] = rank - 1 - i;
		return TCC_OK;
	}
	if (c != rank)
		return op_err(n, TCC_ERR_INVALID_ARG, "perm has %d entries for rank %d", c, rank);
	for (int i = 0; i < rank; i++) {
		perm[i] = p[i];
		if (!norm_axis(&perm[i], rank) || seen[perm[i]])
			return op_err(n, TCC_ERR_INVALID_ARG, "perm is not a permutation");
		seen[perm[i]] = true;
	}
	return TCC_OK;
}

static tcc_status transpose_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				  tv *out, int n_out)
{
	int64_t perm[TCC_MAX_RANK], d[TCC_MAX_RANK];
	tcc_status st = perm_of(n, in[0]->rank, perm);

	if (st)
		return st;
	for (int i = 0; i < in[0]->rank; i++)
		d[i] = in[0]->dims[perm[i]];
	set_out(&out[0], in[0]->dtype, in[0]->rank, d);
	return TCC_OK;
}

/* Generic strided copy: out[idx] = in[sum idx_i * istride_i] over out's dims. */
static void strided_copy(char *dst, const char *src, int rank, const int64_t *dims,
			 const int64_t *istride, size_t es)
{
	int64_t total = 1;

	for (int i = 0; i < rank; i++)
		total *= dims[i];
	if (!total)
		return;
	int64_t inner = rank ? dims[rank - 1] : 1, rows = total / inner;
	int64_t is = rank ? istride[rank - 1] : 0;

	#pragma omp parallel for if (total > 262144)
	for (int64_t r = 0; r < rows; r++) {
		int64_t rem = r, off = 0;

		for (int d = rank - 2; d >= 0; d--) {
			off += (rem % dims[d]) * istride[d];
			rem /= dims[d];
		}
		char *o = dst + (size_t)(r * inner) * es;

		if (is == 1) {
			memcpy(o, src + (size_t)off * es, (size_t)inner * es);
		} else if (es == 4) {
			const uint32_t *s = (const uint32_t *)src + off;

			for (int64_t i = 0; i < inner; i++)
				((uint32_t *)o)[i] = s[i * is];
		} else {
			for (int64_t i = 0; i < inner; i++)
				memcpy(o + (size_t)i * es, src + (size_t)(off + i * is) * es, es);
		}
	}
}

static tcc_status transpose_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out)
{
	int64_t perm[TCC_MAX_RANK], st[TCC_MAX_RANK], ist[TCC_MAX_RANK];

	perm_of(n, in[0]->rank, perm);
	tv_strides(in[0], st);
	for (int i = 0; i < in[0]->rank; i++)
		ist[i] = st[perm[i]];
	strided_copy(out[0].data, in[0]->data, out[0].rank, out[0].dims, ist, tcc_dtype_size(in[0]->dtype));
	return TCC_OK;
}

static tcc_status concat_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", env->opset < 4 ? 1 : 0);
	tv r = *in[0];

	if (!ir_attr_find(n, "axis") && env->opset >= 4)
		return op_err(n, TCC_ERR_INVALID_ARG, "missing 'axis'");
	if (!norm_axis(&axis, r.rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	for (int i = 1; i < n_in; i++) {
		if (in[i]->rank != r.rank || in[i]->dtype != r.dtype)
			return op_err(n, TCC_ERR_INVALID_ARG, "input %d rank/dtype differ", i);
		for (int d = 0; d < r.rank; d++)
			if (d != axis && in[i]->dims[d] != r.dims[d])
				return op_err(n, TCC_ERR_INVALID_ARG, "input %d dim %d differs", i, d);
		r.dims[axis] += in[i]->dims[axis];
	}
	set_out(&out[0], r.dtype, r.rank, r.dims);
	return TCC_OK;
}

static tcc_status concat_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", env->opset < 4 ? 1 : 0), outer = 1, inner_out;
	size_t es = tcc_dtype_size(out[0].dtype);

	norm_axis(&axis, out[0].rank);
	for (int d = 0; d < axis; d++)
		outer *= out[0].dims[d];
	inner_out = outer ? tv_numel(&out[0]) / outer : 0;
	int64_t off = 0;

	for (int i = 0; i < n_in; i++) {
		int64_t inner = outer ? tv_numel(in[i]) / outer : 0;

		for (int64_t o = 0; o < outer; o++)
			memcpy((char *)out[0].data + (size_t)(o * inner_out + off) * es,
			       (const char *)in[i]->data + (size_t)(o * inner) * es, (size_t)inner * es);
		off += inner;
	}
	return TCC_OK;
}

static tcc_status split_sizes(const ir_node *n, const op_env *env, tv *const *in, int n_in, int n_out,
			      int64_t *axis, int64_t *sizes)
{
	*axis = ir_attr_int(n, "axis", 0);
	if (!norm_axis(axis, in[0]->rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	int64_t dim = in[0]->dims[*axis], sum = 0;
	int cnt = -1;

	if (env->opset >= 13 && n_in > 1 && in[1]) {
		int64_t tmp[16];
		tcc_status st = need_ints(n, in[1], tmp, 16, &cnt);

		if (st)
			return st;
		memcpy(sizes, tmp, sizeof(int64_t) * (size_t)cnt);
	} else if (env->opset < 13) {
		const int64_t *v;

		cnt = ir_attr_ints(n, "split", &v);
		if (cnt > 16)
			return op_err(n, TCC_ERR_INVALID_ARG, "too many splits");
		if (cnt > 0)
			memcpy(sizes, v, sizeof(int64_t) * (size_t)cnt);
	}
	if (cnt < 0) {
		int64_t chunk = (dim + n_out - 1) / n_out;

		for (int i = 0; i < n_out; i++) {
			sizes[i] = dim - sum < chunk ? dim - sum : chunk;
			sum += sizes[i];
		}
		if (ir_attr_find(n, "num_outputs") == NULL && dim % n_out)
			return op_err(n, TCC_ERR_INVALID_ARG, "dim %lld not divisible into %d outputs",
				      (long long)dim, n_out);
		return TCC_OK;
	}
	if (cnt != n_out)
		return op_err(n, TCC_ERR_INVALID_ARG, "split has %d entries for %d outputs", cnt, n_out);
	for (int i = 0; i < cnt; i++)
		sum += sizes[i] < 0 ? dim + 1 : sizes[i];
	if (sum != dim)
		return op_err(n, TCC_ERR_INVALID_ARG, "split sizes do not add up to %lld", (long long)dim);
	return TCC_OK;
}

static tcc_status split_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	int64_t axis, sizes[16];
	tcc_status st = split_sizes(n, env, in, n_in, n_out, &axis, sizes);

	if (st)
		return st;
	for (int i = 0; i < n_out; i++) {
		set_out(&out[i], in[0]->dtype, in[0]->rank, in[0]->dims);
		out[i].dims[axis] = sizes[i];
	}
	return TCC_OK;
}

static tcc_status split_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	int64_t axis, sizes[16], outer = 1, off = 0;
	size_t es = tcc_dtype_size(in[0]->dtype);
	tcc_status st = split_sizes(n, env, in, n_in, n_out, &axis, sizes);

	if (st)
		return st;
	for (int d = 0; d < axis; d++)
		outer *= in[0]->dims[d];
	int64_t inner_in = outer ? tv_numel(in[0]) / outer : 0;

	for (int i = 0; i < n_out; i++) {
		int64_t inner = outer ? tv_numel(&out[i]) / outer : 0;

		for (int64_t o = 0; o < outer; o++)
			memcpy((char *)out[i].data + (size_t)(o * inner) * es,
			       (const char *)in[0]->data + (size_t)(o * inner_in + off) * es, (size_t)inner * es);
		off += inner;
	}
	return TCC_OK;
}

/* Slice parameters resolved to per-axis start/step/count. */
typedef struct slice_plan {
	int64_t start[TCC_MAX_RANK], step[TCC_MAX_RANK], count[TCC_MAX_RANK];
} slice_plan;

static tcc_status slice_plan_of(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				slice_plan *p)
{
	int64_t starts[TCC_MAX_RANK], ends[TCC_MAX_RANK], axes[TCC_MAX_RANK], steps[TCC_MAX_RANK];
	int ns, ne, na = -1, nst = -1, r = in[0]->rank;
	tcc_status st;

	if (env->opset < 10) {
		const int64_t *v;

		ns = ir_attr_ints(n, "starts", &v);
		if (ns < 0 || ns > r)
			return op_err(n, TCC_ERR_INVALID_ARG, "bad 'starts'");
		memcpy(starts, v, sizeof(int64_t) * (size_t)ns);
		ne = ir_attr_ints(n, "ends", &v);
		if (ne != ns)
			return op_err(n, TCC_ERR_INVALID_ARG, "bad 'ends'");
		memcpy(ends, v, sizeof(int64_t) * (size_t)ne);
		na = ir_attr_ints(n, "axes", &v);
		if (na > 0 && na != ns)
			return op_err(n, TCC_ERR_INVALID_ARG, "bad 'axes'");
		if (na > 0)
			memcpy(axes, v, sizeof(int64_t) * (size_t)na);
	} else {
		if ((st = need_ints(n, in[1], starts, TCC_MAX_RANK, &ns)) ||
		    (st = need_ints(n, in[2], ends, TCC_MAX_RANK, &ne)))
			return st;
		if (n_in > 3 && in[3] && (st = need_ints(n, in[3], axes, TCC_MAX_RANK, &na)))
			return st;
		if (n_in > 4 && in[4] && (st = need_ints(n, in[4], steps, TCC_MAX_RANK, &nst)))
			return st;
		if (ne != ns || (na >= 0 && na != ns) || (nst >= 0 && nst != ns))
			return op_err(n, TCC_ERR_INVALID_ARG, "starts/ends/axes/steps lengths differ");
	}
	for (int d = 0; d < r; d++) {
		p->start[d] = 0;
		p->step[d] = 1;
		p->count[d] = in[0]->dims[d];
	}
	bool seen[TCC_MAX_RANK] = { false };

	for (int i = 0; i < ns; i++) {
		int64_t ax = na >= 0 ? axes[i] : i, step = nst >= 0 ? steps[i] : 1;

		if (!norm_axis(&ax, r) || seen[ax])
			return op_err(n, TCC_ERR_INVALID_ARG, "bad axis");
		seen[ax] = true;
		if (step == 0)
			return op_err(n, TCC_ERR_INVALID_ARG, "step is 0");
		int64_t dim = in[0]->dims[ax], s = starts[i], e = ends[i];

		if (s < 0) s += dim;
		if (e < 0) e += dim;
		if (step > 0) {
			s = s < 0 ? 0 : s > dim ? dim : s;
			e = e < 0 ? 0 : e > dim ? dim : e;
		} else {
			s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
			e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
		}
		int64_t cnt = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);

		p->start[ax] = s;
		p->step[ax] = step;
		p->count[ax] = cnt < 0 ? 0 : cnt;
	}
	return TCC_OK;
}

static tcc_status slice_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	slice_plan p;
	tcc_status st = slice_plan_of(n, env, in, n_in, &p);

	if (st)
		return st;
	set_out(&out[0], in[0]->dtype, in[0]->rank, p.count);
	return TCC_OK;
}

static tcc_status slice_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	slice_plan p;
	int64_t st[TCC_MAX_RANK], ist[TCC_MAX_RANK], base = 0;
	size_t es = tcc_dtype_size(in[0]->dtype);
	tcc_status s = slice_plan_of(n, env, in, n_in, &p);

	if (s)
		return s;
	if (!tv_numel(&out[0]))
		return TCC_OK;
	tv_strides(in[0], st);
	for (int d = 0; d < in[0]->rank; d++) {
		base += p.start[d] * st[d];
		ist[d] = p.step[d] * st[d];
	}
	strided_copy(out[0].data, (const char *)in[0]->data + (size_t)base * es, out[0].rank, p.count,
		     ist, es);
	return TCC_OK;
}

static tcc_status gather_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", 0), d[TCC_MAX_RANK];
	int r = 0;

	if (!norm_axis(&axis, in[0]->rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	if (!tcc_dtype_is_signed_int(in[1]->dtype))
		return op_err(n, TCC_ERR_INVALID_ARG, "indices must be int32/int64");
	if (in[0]->rank - 1 + in[1]->rank > TCC_MAX_RANK)
		return op_err(n, TCC_ERR_UNSUPPORTED, "output rank too large");
	for (int i = 0; i < axis; i++)
		d[r++] = in[0]->dims[i];
	for (int i = 0; i < in[1]->rank; i++)
		d[r++] = in[1]->dims[i];
	for (int i = (int)axis + 1; i < in[0]->rank; i++)
		d[r++] = in[0]->dims[i];
	set_out(&out[0], in[0]->dtype, r, d);
	return TCC_OK;
}

static tcc_status gather_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", 0), outer = 1, inner = 1;
	size_t es = tcc_dtype_size(in[0]->dtype);

	norm_axis(&axis, in[0]->rank);
	for (int i = 0; i < axis; i++)
		outer *= in[0]->dims[i];
	for (int i = (int)axis + 1; i < in[0]->rank; i++)
		inner *= in[0]->dims[i];
	int64_t dim = in[0]->dims[axis], ni = tv_numel(in[1]);
	size_t row = (size_t)inner * es;

	for (int64_t j = 0; j < ni; j++) {
		int64_t idx = tcc_load_i64(in[1]->dtype, in[1]->data, j);

		if (idx < -dim || idx >= dim)
			return op_err(n, TCC_ERR_INVALID_ARG, "index %lld out of range [-%lld, %lld)",
				      (long long)idx, (long long)dim, (long long)dim);
	}
	#pragma omp parallel for if (outer * ni * inner > 262144)
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < ni; j++) {
			int64_t idx = tcc_load_i64(in[1]->dtype, in[1]->data, j);

			if (idx < 0)
				idx += dim;
			memcpy((char *)out[0].data + (size_t)(o * ni + j) * row,
			       (const char *)in[0]->data + (size_t)(o * dim + idx) * row, row);
		}
	return TCC_OK;
}

static tcc_status expand_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	int64_t shape[TCC_MAX_RANK];
	int cnt = 0;
	tcc_status st = need_ints(n, in[1], shape, TCC_MAX_RANK, &cnt);
	tv s = { .rank = cnt }, r;

	if (st)
		return st;
	memcpy(s.dims, shape, sizeof(int64_t) * (size_t)cnt);
	if (!shape_broadcast(in[0], &s, &r))
		return op_err(n, TCC_ERR_INVALID_ARG, "shape does not broadcast with the input");
	set_out(&out[0], in[0]->dtype, r.rank, r.dims);
	return TCC_OK;
}

static tcc_status expand_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	return elementwise_broadcast_copy(in[0], &out[0]);
}

static tcc_status cos_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	int64_t shape[TCC_MAX_RANK];
	int cnt = 0;
	const ir_attr *a = ir_attr_find(n, "value");
	tcc_status st = need_ints(n, in[0], shape, TCC_MAX_RANK, &cnt);

	if (st)
		return st;
	for (int i = 0; i < cnt; i++)
		if (shape[i] < 0)
			return op_err(n, TCC_ERR_INVALID_ARG, "negative dim");
	if (a && (a->type != IR_ATTR_TENSOR || tv_numel(&a->t) != 1))
		return op_err(n, TCC_ERR_INVALID_ARG, "'value' must be a one-element tensor");
	set_out(&out[0], a ? a->t.dtype : TCC_F32, cnt, shape);
	return TCC_OK;
}

static tcc_status cos_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	const ir_attr *a = ir_attr_find(n, "value");
	size_t es = tcc_dtype_size(out[0].dtype);
	int64_t cnt = tv_numel(&out[0]);

	if (!a) {
		memset(out[0].data, 0, (size_t)cnt * es);
		return TCC_OK;
	}
	for (int64_t i = 0; i < cnt; i++)
		memcpy((char *)out[0].data + (size_t)i * es, a->t.data, es);
	return TCC_OK;
}

static tcc_status tile_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	int64_t rep[TCC_MAX_RANK], d[TCC_MAX_RANK];
	int cnt = 0;
	tcc_status st = need_ints(n, in[1], rep, TCC_MAX_RANK, &cnt);

	if (st)
		return st;
	if (cnt != in[0]->rank)
		return op_err(n, TCC_ERR_INVALID_ARG, "repeats has %d entries for rank %d", cnt, in[0]->rank);
	for (int i = 0; i < cnt; i++) {
		if (rep[i] < 0)
			return op_err(n, TCC_ERR_INVALID_ARG, "negative repeat");
		if (!i64_mul(in[0]->dims[i], rep[i], &d[i]))
			return op_err(n, TCC_ERR_INVALID_ARG, "repeat %lld of dim %d overflows", (long long)rep[i], i);
	}
	set_out(&out[0], in[0]->dtype, cnt, d);
	return TCC_OK;
}

static tcc_status tile_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	int64_t cnt = tv_numel(&out[0]), ist[TCC_MAX_RANK];
	size_t es = tcc_dtype_size(out[0].dtype);
	int r = out[0].rank;

	tv_strides(in[0], ist);
	for (int64_t i = 0; i < cnt; i++) {
		int64_t rem = i, off = 0;

		for (int d = r - 1; d >= 0; d--) {
			off += (rem % out[0].dims[d] % in[0]->dims[d]) * ist[d];
			rem /= out[0].dims[d];
		}
		memcpy((char *)out[0].data + (size_t)i * es, (const char *)in[0]->data + (size_t)off * es, es);
	}
	return TCC_OK;
}

const op_def ops_shape[] = {
	{ "Reshape", 1, 2, 1, 1, OP_ALIAS, reshape_infer, copy_run },
	{ "Flatten", 1, 1, 1, 1, OP_ALIAS, flatten_infer, copy_run },
	{ "Squeeze", 1, 2, 1, 1, OP_ALIAS, squeeze_infer, copy_run },
	{ "Unsqueeze", 1, 2, 1, 1, OP_ALIAS, unsqueeze_infer, copy_run },
	{ "Shape", 1, 1, 1, 1, OP_SHAPE_ONLY, shape_infer, shape_run },
	{ "Size", 1, 1, 1, 1, OP_SHAPE_ONLY, size_infer, size_run },
	{ "Transpose", 1, 1, 1, 1, 0, transpose_infer, transpose_run },
	{ "Concat", 1, 64, 1, 1, 0, concat_infer, concat_run },
	{ "Split", 1, 2, 1, 16, 0, split_infer, split_run },
	{ "Slice", 1, 5, 1, 1, 0, slice_infer, slice_run },
	{ "Gather", 2, 2, 1, 1, 0, gather_infer, gather_run },
	{ "Expand", 2, 2, 1, 1, 0, expand_infer, expand_run },
	{ "ConstantOfShape", 1, 1, 1, 1, 0, cos_infer, cos_run },
	{ "Tile", 2, 2, 1, 1, 0, tile_infer, tile_run },
	OPS_END
};
