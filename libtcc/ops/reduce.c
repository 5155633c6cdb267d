// SPDX-License-Identifier: MIT
/*
 * Reductions (ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare),
 * ArgMax/ArgMin, CumSum.  Axes come from the attribute (older opsets) or the
 * second input (ReduceSum from 13, the rest from 18); floats accumulate in
 * double, integers in int64.
 */
#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum rkind { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_L1, R_L2, R_LOGSUM, R_LOGSUMEXP, R_SUMSQ };

static const struct {
	const char *name;
	enum rkind k;
} rnames[] = {
	{ "ReduceSum", R_SUM }, { "ReduceMean", R_MEAN }, { "ReduceMax", R_MAX },
	{ "ReduceMin", R_MIN }, { "ReduceProd", R_PROD }, { "ReduceL1", R_L1 },
	{ "ReduceL2", R_L2 }, { "ReduceLogSum", R_LOGSUM }, { "ReduceLogSumExp", R_LOGSUMEXP },
	{ "ReduceSumSquare", R_SUMSQ },
};

static enum rkind kind_of(const ir_node *n)
{
	for (size_t i = 0; i < sizeof(rnames) / sizeof(rnames[0]); i++)
		if (!strcmp(rnames[i].name, n->op_type))
			return rnames[i].k;
	return R_SUM;
}

/* Which axes reduce; *all is set for "reduce everything", *noop for identity. */
static tcc_status reduce_axes(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      bool *mask, bool *noop)
{
	int64_t axes[TCC_MAX_RANK];
	int cnt = -1, r = in[0]->rank;

	*noop = false;
	if (n_in > 1 && in[1]) {
		if (!in[1]->data)
			return OP_NEEDS_VALUE;
		if (tv_numel(in[1]) > TCC_MAX_RANK)
			return op_err(n, TCC_ERR_INVALID_ARG, "too many axes");
		cnt = tv_read_ints(in[1], axes, TCC_MAX_RANK);
	} else {
		const int64_t *v;

		cnt = ir_attr_ints(n, "axes", &v);
		if (cnt > TCC_MAX_RANK)
			return op_err(n, TCC_ERR_INVALID_ARG, "too many axes");
		if (cnt > 0)
			memcpy(axes, v, sizeof(int64_t) * (size_t)cnt);
	}
	for (int i = 0; i < r; i++)
		mask[i] = cnt <= 0;
	if (cnt <= 0 && ir_attr_int(n, "noop_with_empty_axes", 0)) {
		*noop = true;
		for (int i = 0; i < r; i++)
			mask[i] = false;
	}
	for (int i = 0; i < cnt; i++) {
		if (!norm_axis(&axes[i], r))
			return op_err(n, TCC_ERR_INVALID_ARG, "axis %lld out of range", (long long)axes[i]);
		mask[axes[i]] = true;
	}
	return TCC_OK;
}

static void reduced_shape(const tv *in, const bool *mask, bool keep, tv *out)
{
	out->rank = 0;
	for (int i = 0; i < in->rank; i++) {
		if (!mask[i])
			out->dims[out->rank++] = in->dims[i];
		else if (keep)
			out->dims[out->rank++] = 1;
	}
}

static tcc_status reduce_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	bool mask[TCC_MAX_RANK], noop;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st || (st = reduce_axes(n, env, in, n_in, mask, &noop)))
		return st;
	out[0].dtype = in[0]->dtype;
	reduced_shape(in[0], mask, ir_attr_int(n, "keepdims", 1), &out[0]);
	return TCC_OK;
}

/* Splits dims into kept (outer, in output order) and reduced (inner) walks. */
typedef struct rwalk {
	int nk, nr;
	int64_t kd[TCC_MAX_RANK], ks[TCC_MAX_RANK], rd[TCC_MAX_RANK], rs[TCC_MAX_RANK];
	int64_t outer, rcount;
} rwalk;

static void rwalk_init(rwalk *w, const tv *in, const bool *mask)
{
	int64_t st[TCC_MAX_RANK];

	tv_strides(in, st);
	w->nk = w->nr = 0;
	w->outer = w->rcount = 1;
	for (int i = 0; i < in->rank; i++) {
		if (mask[i]) {
			w->rd[w->nr] = in->dims[i];
			w->rs[w->nr++] = st[i];
			w->rcount *= in->dims[i];
		} else {
			w->kd[w->nk] = in->dims[i];
			w->ks[w->nk++] = st[i];
			w->outer *= in->dims[i];
		}
	}
}

static int64_t offset_of(int64_t idx, int n, const int64_t *d, const int64_t *s)
{
	int64_t off = 0;

	for (int i = n - 1; i >= 0; i--) {
		off += (idx % d[i]) * s[i];
		idx /= d[i];
	}
	return off;
}

static tcc_status reduce_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	bool mask[TCC_MAX_RANK], noop;
	enum rkind k = kind_of(n);
	tcc_dtype t = in[0]->dtype;
	bool fl = tcc_dtype_is_float(t);
	rwalk w;
	tcc_status st = reduce_axes(n, env, in, n_in, mask, &noop);

	if (st)
		return st;
	if (noop) {
		memcpy(out[0].data, in[0]->data, tv_nbytes(in[0]));
		return TCC_OK;
	}
	rwalk_init(&w, in[0], mask);
	/* Contiguous innermost reduction (the LayerNorm/softmax case): no index math. */
	bool inner_contig = w.nr == 1 && w.rs[0] == 1;

	#pragma omp parallel for if (w.outer * w.rcount > 65536)
	for (int64_t o = 0; o < w.outer; o++) {
		int64_t base = offset_of(o, w.nk, w.kd, w.ks);
		double acc = k == R_PROD ? 1 : k == R_MAX ? -INFINITY : k == R_MIN ? INFINITY : 0;
		int64_t iacc = k == R_PROD ? 1 : k == R_MAX ? INT64_MIN : k == R_MIN ? INT64_MAX : 0;
		double mx = -INFINITY;

		if (k == R_LOGSUMEXP && fl) {
			for (int64_t r = 0; r < w.rcount; r++) {
				double v = tcc_load_f64(t, in[0]->data,
							base + (inner_contig ? r : offset_of(r, w.nr, w.rd, w.rs)));
				mx = v > mx ? v : mx;
			}
			if (!isfinite(mx))
				mx = 0;
		}
		for (int64_t r = 0; r < w.rcount; r++) {
			int64_t off = base + (inner_contig ? r : offset_of(r, w.nr, w.rd, w.rs));

			if (fl) {
				double v = t == TCC_F32 ? ((const float *)in[0]->data)[off]
							: tcc_load_f64(t, in[0]->data, off);

				switch (k) {
				case R_SUM: case R_MEAN: case R_LOGSUM: acc += v; break;
				case R_MAX: acc = (v > acc || isnan(v)) ? v : acc; break;
				case R_MIN: acc = (v < acc || isnan(v)) ? v : acc; break;
				case R_PROD: acc *= v; break;
				case R_L1: acc += fabs(v); break;
				case R_L2: case R_SUMSQ: acc += v * v; break;
				case R_LOGSUMEXP: acc += exp(v - mx); break;
				}
			} else {
				int64_t v = tcc_load_i64(t, in[0]->data, off);

				switch (k) {
				case R_MAX: iacc = v > iacc ? v : iacc; break;
				case R_MIN: iacc = v < iacc ? v : iacc; break;
				case R_PROD: iacc *= v; break;
				case R_L1: iacc += v < 0 ? -v : v; break;
				case R_L2: case R_SUMSQ: iacc += v * v; break;
				default: iacc += v; break;
				}
			}
		}
		if (fl) {
			if (k == R_MEAN)
				acc = w.rcount ? acc / (double)w.rcount : NAN;
			else if (k == R_L2)
				acc = sqrt(acc);
			else if (k == R_LOGSUM)
				acc = log(acc);
			else if (k == R_LOGSUMEXP)
				acc = log(acc) + mx;
			tcc_store_f64(t, out[0].data, o, acc);
		} else {
			if (k == R_MEAN && w.rcount)
				iacc /= w.rcount;
			else if (k == R_L2)
				iacc = (int64_t)sqrt((double)iacc);
			else if (k == R_LOGSUM)
				iacc = (int64_t)log((double)iacc);
			tcc_store_i64(t, out[0].data, o, iacc);
		}
	}
	return TCC_OK;
}

static tcc_status arg_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", 0);
	bool mask[TCC_MAX_RANK] = { false };
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st)
		return st;
	if (!norm_axis(&axis, in[0]->rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	mask[axis] = true;
	out[0].dtype = TCC_I64;
	reduced_shape(in[0], mask, ir_attr_int(n, "keepdims", 1), &out[0]);
	return TCC_OK;
}

static tcc_status arg_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", 0);
	bool mask[TCC_MAX_RANK] = { false }, is_max = !strcmp(n->op_type, "ArgMax");
	bool last = ir_attr_int(n, "select_last_index", 0);
	rwalk w;

	norm_axis(&axis, in[0]->rank);
	mask[axis] = true;
	rwalk_init(&w, in[0], mask);
	for (int64_t o = 0; o < w.outer; o++) {
		int64_t base = offset_of(o, w.nk, w.kd, w.ks), best = 0;
		double bv = 0;

		for (int64_t r = 0; r < w.rcount; r++) {
			double v = tcc_load_f64(in[0]->dtype, in[0]->data, base + r * w.rs[0]);
			bool better = r == 0 || (is_max ? (v > bv || (last && v == bv))
						      : (v < bv || (last && v == bv)));

			if (better) {
				bv = v;
				best = r;
			}
		}
		((int64_t *)out[0].data)[o] = best;
	}
	return TCC_OK;
}

static tcc_status cumsum_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st)
		return st;
	out[0] = *in[0];
	out[0].data = NULL;
	return TCC_OK;
}

static tcc_status cumsum_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	int64_t axis = tcc_load_i64(in[1]->dtype, in[1]->data, 0);
	bool excl = ir_attr_int(n, "exclusive", 0), rev = ir_attr_int(n, "reverse", 0);
	bool mask[TCC_MAX_RANK] = { false };
	tcc_dtype t = in[0]->dtype;
	rwalk w;

	if (!norm_axis(&axis, in[0]->rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	mask[axis] = true;
	rwalk_init(&w, in[0], mask);
	for (int64_t o = 0; o < w.outer; o++) {
		int64_t base = offset_of(o, w.nk, w.kd, w.ks);
		double acc = 0;
		int64_t iacc = 0;

		for (int64_t j = 0; j < w.rcount; j++) {
			int64_t r = rev ? w.rcount - 1 - j : j, off = base + r * w.rs[0];

			if (tcc_dtype_is_float(t)) {
				double v = tcc_load_f64(t, in[0]->data, off);

				tcc_store_f64(t, out[0].data, off, excl ? acc : acc + v);
				acc += v;
			} else {
				int64_t v = tcc_load_i64(t, in[0]->data, off);

				tcc_store_i64(t, out[0].data, off, excl ? iacc : iacc + v);
				iacc += v;
			}
		}
	}
	return TCC_OK;
}

#define RED(NAME) { NAME, 1, 2, 1, 1, OP_HALF_VIA_F32, reduce_infer, reduce_run }

const op_def ops_reduce[] = {
	RED("ReduceSum"), RED("ReduceMean"), RED("ReduceMax"), RED("ReduceMin"), RED("ReduceProd"),
	RED("ReduceL1"), RED("ReduceL2"), RED("ReduceLogSum"), RED("ReduceLogSumExp"),
	RED("ReduceSumSquare"),
	{ "ArgMax", 1, 1, 1, 1, OP_HALF_VIA_F32, arg_infer, arg_run },
	{ "ArgMin", 1, 1, 1, 1, OP_HALF_VIA_F32, arg_infer, arg_run },
	{ "CumSum", 2, 2, 1, 1, OP_HALF_VIA_F32, cumsum_infer, cumsum_run },
	OPS_END
};
