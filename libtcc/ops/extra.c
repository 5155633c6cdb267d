// SPDX-License-Identifier: MIT
/* Less common ops: Einsum (no ellipsis), LRN, MeanVarianceNormalization, ReverseSequence. */
#include "ops/ops.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Einsum ---- */

typedef struct einsum {
	int n_in;
	char in_labels[8][TCC_MAX_RANK + 1];
	char out_labels[TCC_MAX_RANK + 1];
	char all[53];		/* every distinct label, output ones first */
	int n_all, n_out;
	int64_t dim[128];	/* size per label character */
} einsum;

static tcc_status einsum_parse(const ir_node *n, tv *const *in, int n_in, einsum *e)
{
	const char *eq = ir_attr_str(n, "equation", NULL);
	int k = 0, pos = 0;
	int count[128] = { 0 };

	if (!eq)
		return op_err(n, TCC_ERR_INVALID_ARG, "missing equation");
	if (strstr(eq, "..."))
		return op_err(n, TCC_ERR_UNSUPPORTED, "ellipsis in equation '%s'", eq);
	if (n_in > 8)
		return op_err(n, TCC_ERR_UNSUPPORTED, "more than 8 operands");
	memset(e, 0, sizeof(*e));
	for (int i = 0; i < 128; i++)
		e->dim[i] = -1;
	e->n_in = n_in;
	const char *p = eq;

	for (; *p && !(p[0] == '-' && p[1] == '>'); p++) {
		if (*p == ' ')
			continue;
		if (*p == ',') {
			e->in_labels[k][pos] = 0;
			if (++k >= n_in)
				return op_err(n, TCC_ERR_INVALID_ARG, "more operands in equation than inputs");
			pos = 0;
			continue;
		}
		if (!isalpha((unsigned char)*p) || pos >= TCC_MAX_RANK)
			return op_err(n, TCC_ERR_INVALID_ARG, "bad equation '%s'", eq);
		e->in_labels[k][pos++] = *p;
	}
	e->in_labels[k][pos] = 0;
	if (k != n_in - 1)
		return op_err(n, TCC_ERR_INVALID_ARG, "equation has %d operands, %d inputs", k + 1, n_in);
	for (int i = 0; i < n_in; i++) {
		if ((int)strlen(e->in_labels[i]) != in[i]->rank)
			return op_err(n, TCC_ERR_INVALID_ARG, "operand %d rank %d does not match '%s'", i, in[i]->rank,
				      e->in_labels[i]);
		for (int d = 0; d < in[i]->rank; d++) {
			int c = (unsigned char)e->in_labels[i][d];

			if (e->dim[c] >= 0 && e->dim[c] != in[i]->dims[d] && in[i]->dims[d] != 1 && e->dim[c] != 1)
				return op_err(n, TCC_ERR_INVALID_ARG, "label '%c' has sizes %lld and %lld", c,
					      (long long)e->dim[c], (long long)in[i]->dims[d]);
			if (e->dim[c] < 0 || e->dim[c] == 1)
				e->dim[c] = in[i]->dims[d];
			count[c]++;
		}
	}
	pos = 0;
	if (*p) {
		for (p += 2; *p; p++) {
			if (*p == ' ')
				continue;
			if (!isalpha((unsigned char)*p) || e->dim[(unsigned char)*p] < 0 || pos >= TCC_MAX_RANK)
				return op_err(n, TCC_ERR_INVALID_ARG, "bad output in equation '%s'", eq);
			e->out_labels[pos++] = *p;
		}
	} else {		/* implicit: labels seen once, alphabetically */
		for (int c = 'A'; c <= 'z'; c++)
			if (count[c] == 1 && pos < TCC_MAX_RANK)
				e->out_labels[pos++] = (char)c;
	}
	e->out_labels[pos] = 0;
	e->n_out = pos;
	memcpy(e->all, e->out_labels, (size_t)pos);
	e->n_all = pos;
	for (int c = 'A'; c <= 'z'; c++)
		if (e->dim[c] >= 0 && !strchr(e->out_labels, c))
			e->all[e->n_all++] = (char)c;
	return TCC_OK;
}

static tcc_status einsum_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	einsum e;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st || (st = einsum_parse(n, in, n_in, &e)))
		return st;
	out[0].dtype = in[0]->dtype;
	out[0].rank = e.n_out;
	for (int i = 0; i < e.n_out; i++)
		out[0].dims[i] = e.dim[(unsigned char)e.out_labels[i]];
	return TCC_OK;
}

static tcc_status einsum_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	einsum e;
	int64_t val[128] = { 0 }, inner = 1, st[8][TCC_MAX_RANK];
	tcc_status s = einsum_parse(n, in, n_in, &e);
	tcc_dtype t = in[0]->dtype;

	if (s)
		return s;
	for (int i = 0; i < n_in; i++)
		tv_strides(in[i], st[i]);
	for (int i = e.n_out; i < e.n_all; i++)
		inner *= e.dim[(unsigned char)e.all[i]];
	for (int64_t o = 0; o < tv_numel(&out[0]); o++) {
		int64_t rem = o;

		for (int i = e.n_out - 1; i >= 0; i--) {
			int c = (unsigned char)e.out_labels[i];

			val[c] = rem % e.dim[c];
			rem /= e.dim[c];
		}
		double acc = 0;

		for (int64_t r = 0; r < inner; r++) {
			int64_t rr = r;

			for (int i = e.n_all - 1; i >= e.n_out; i--) {
				int c = (unsigned char)e.all[i];

				val[c] = rr % e.dim[c];
				rr /= e.dim[c];
			}
			double prod = 1;

			for (int k = 0; k < n_in; k++) {
				int64_t off = 0;

				for (int d = 0; d < in[k]->rank; d++)
					off += (in[k]->dims[d] == 1 ? 0 : val[(unsigned char)e.in_labels[k][d]]) * st[k][d];
				prod *= tcc_load_f64(in[k]->dtype, in[k]->data, off);
			}
			acc += prod;
		}
		if (tcc_dtype_is_float(t))
			tcc_store_f64(t, out[0].data, o, acc);
		else
			tcc_store_i64(t, out[0].data, o, (int64_t)acc);
	}
	return TCC_OK;
}

/* ---- LRN ---- */

static tcc_status same_float_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				   tv *out, int n_out)
{
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st)
		return st;
	if (in[0]->rank < 2)
		return op_err(n, TCC_ERR_INVALID_ARG, "input rank must be >= 2");
	out[0] = *in[0];
	out[0].data = NULL;
	return TCC_OK;
}

static tcc_status lrn_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	int64_t size = ir_attr_int(n, "size", 0);
	double alpha = ir_attr_float(n, "alpha", 1e-4f), beta = ir_attr_float(n, "beta", 0.75f);
	double bias = ir_attr_float(n, "bias", 1.0f);
	int64_t N = in[0]->dims[0], C = in[0]->dims[1], I = (N && C) ? tv_numel(in[0]) / (N * C) : 0;
	tcc_dtype t = in[0]->dtype;

	if (size < 1)
		return op_err(n, TCC_ERR_INVALID_ARG, "size must be >= 1");
	for (int64_t b = 0; b < N; b++)
		for (int64_t c = 0; c < C; c++)
			for (int64_t i = 0; i < I; i++) {
				double sq = 0;
				int64_t lo = c - (size - 1) / 2, hi = c + size / 2;

				for (int64_t k = lo < 0 ? 0 : lo; k <= hi && k < C; k++) {
					double v = tcc_load_f64(t, in[0]->data, (b * C + k) * I + i);

					sq += v * v;
				}
				int64_t o = (b * C + c) * I + i;

				tcc_store_f64(t, out[0].data, o,
					      tcc_load_f64(t, in[0]->data, o) / pow(bias + alpha / (double)size * sq, beta));
			}
	return TCC_OK;
}

/* ---- MeanVarianceNormalization ---- */

static tcc_status mvn_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	const int64_t *av, def[3] = { 0, 2, 3 };
	int na = ir_attr_ints(n, "axes", &av), r = in[0]->rank;
	bool red[TCC_MAX_RANK] = { false };
	int64_t st[TCC_MAX_RANK], cnt = tv_numel(in[0]), groups = 1, per = 1;
	tcc_dtype t = in[0]->dtype;

	if (na < 0) {
		av = def;
		na = 3;
	}
	for (int i = 0; i < na; i++) {
		int64_t a = av[i];

		if (!norm_axis(&a, r))
			return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
		red[a] = true;
	}
	tv_strides(in[0], st);
	for (int d = 0; d < r; d++)
		*(red[d] ? &per : &groups) *= in[0]->dims[d];
	double *sum = calloc((size_t)groups + 1, sizeof(double)), *sq = calloc((size_t)groups + 1, sizeof(double));

	if (!sum || !sq) {
		free(sum);
		free(sq);
		return op_err(n, TCC_ERR_NO_MEMORY, "mvn");
	}
	/* group index of element i: its kept coordinates, row-major */
	for (int pass = 0; pass < 3; pass++)
		for (int64_t i = 0; i < cnt; i++) {
			int64_t rem = i, gidx = 0, mul = 1;

			for (int d = r - 1; d >= 0; d--) {
				int64_t c = rem % in[0]->dims[d];

				rem /= in[0]->dims[d];
				if (!red[d]) {
					gidx += c * mul;
					mul *= in[0]->dims[d];
				}
			}
			double v = tcc_load_f64(t, in[0]->data, i);

			if (pass == 0) {
				sum[gidx] += v;
			} else if (pass == 1) {
				double d = v - sum[gidx] / (double)per;

				sq[gidx] += d * d;
			} else {
				double mean = sum[gidx] / (double)per, var = sq[gidx] / (double)per;

				tcc_store_f64(t, out[0].data, i, (v - mean) / (sqrt(var) + 1e-9));
			}
		}
	free(sum);
	free(sq);
	return TCC_OK;
}

/* ---- ReverseSequence ---- */

static tcc_status revseq_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	int64_t ba = ir_attr_int(n, "batch_axis", 1), ta = ir_attr_int(n, "time_axis", 0);
	int64_t st[TCC_MAX_RANK], idx[TCC_MAX_RANK], cnt = tv_numel(in[0]);
	size_t es = tcc_dtype_size(in[0]->dtype);
	int r = in[0]->rank;

	if (r < 2 || !norm_axis(&ba, r) || !norm_axis(&ta, r) || ba == ta || tv_numel(in[1]) != in[0]->dims[ba])
		return op_err(n, TCC_ERR_INVALID_ARG, "bad axes or sequence_lens");
	tv_strides(in[0], st);
	for (int64_t i = 0; i < cnt; i++) {
		int64_t rem = i, off = 0;

		for (int d = r - 1; d >= 0; d--) {
			idx[d] = rem % in[0]->dims[d];
			rem /= in[0]->dims[d];
		}
		int64_t len = tcc_load_i64(in[1]->dtype, in[1]->data, idx[ba]);

		if (len > in[0]->dims[ta])
			len = in[0]->dims[ta];
		if (idx[ta] < len)
			idx[ta] = len - 1 - idx[ta];
		for (int d = 0; d < r; d++)
			off += idx[d] * st[d];
		memcpy((char *)out[0].data + (size_t)i * es, (const char *)in[0]->data + (size_t)off * es, es);
	}
	return TCC_OK;
}

static tcc_status same_any_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				 tv *out, int n_out)
{
	out[0] = *in[0];
	out[0].data = NULL;
	return TCC_OK;
}

const op_def ops_extra[] = {
	{ "Einsum", 1, 8, 1, 1, OP_HALF_VIA_F32, einsum_infer, einsum_run },
	{ "LRN", 1, 1, 1, 1, OP_HALF_VIA_F32, same_float_infer, lrn_run },
	{ "MeanVarianceNormalization", 1, 1, 1, 1, OP_HALF_VIA_F32, same_float_infer, mvn_run },
	{ "ReverseSequence", 2, 2, 1, 1, 0, same_any_infer, revseq_run },
	OPS_END
};
