// SPDX-License-Identifier: MIT
/*
 * Reference Conv/ConvTranspose (any spatial rank, groups, dilations,
 * auto_pad) and pooling.  Conv lowers to im2col + GEMM; the oneDNN path in
 * nn_dnnl.c takes over for 2-D f32 when it is available.
 */
#include "ops/ops.h"
#include "ops/conv.h"
#include "ops/gemm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Resolves spatial geometry from attributes; in: [N, C, spatial...]. */
tcc_status conv_geom_of(const ir_node *n, const tv *x, const int64_t *kernel, bool pool,
			conv_geom *g)
{
	const int64_t *v;
	int c, sp = x->rank - 2;
	const char *ap = ir_attr_str(n, "auto_pad", "NOTSET");
	bool ceil_mode = pool && ir_attr_int(n, "ceil_mode", 0);

	if (sp < 1 || sp > 3)
		return op_err(n, TCC_ERR_UNSUPPORTED, "%d spatial dims (1..3 supported)", sp);
	g->sp = sp;
	for (int i = 0; i < sp; i++) {
		g->k[i] = kernel[i];
		g->s[i] = g->d[i] = 1;
		g->pb[i] = g->pe[i] = 0;
		g->in[i] = x->dims[2 + i];
	}
	if ((c = ir_attr_ints(n, "strides", &v)) >= 0) {
		if (c != sp)
			return op_err(n, TCC_ERR_INVALID_ARG, "strides has %d entries", c);
		memcpy(g->s, v, sizeof(int64_t) * (size_t)sp);
	}
	if ((c = ir_attr_ints(n, "dilations", &v)) >= 0) {
		if (c != sp)
			return op_err(n, TCC_ERR_INVALID_ARG, "dilations has %d entries", c);
		memcpy(g->d, v, sizeof(int64_t) * (size_t)sp);
	}
	if ((c = ir_attr_ints(n, "pads", &v)) >= 0) {
		if (c != 2 * sp)
			return op_err(n, TCC_ERR_INVALID_ARG, "pads has %d entries", c);
		memcpy(g->pb, v, sizeof(int64_t) * (size_t)sp);
		memcpy(g->pe, v + sp, sizeof(int64_t) * (size_t)sp);
	}
	for (int i = 0; i < sp; i++) {
		int64_t ek, padded, span;

		if (g->k[i] < 1 || g->s[i] < 1 || g->d[i] < 1 || g->pb[i] < 0 || g->pe[i] < 0)
			return op_err(n, TCC_ERR_INVALID_ARG, "bad kernel/stride/dilation/pad");
		if (!i64_mul(g->k[i] - 1, g->d[i], &ek) || !i64_add(ek, 1, &ek) ||
		    !i64_add(g->in[i], g->pb[i], &padded) || !i64_add(padded, g->pe[i], &padded) ||
		    !i64_add(g->in[i], g->s[i], &span))
			return op_err(n, TCC_ERR_INVALID_ARG, "kernel/dilation/pads/strides overflow the size arithmetic");

		if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
			int64_t o = (g->in[i] + g->s[i] - 1) / g->s[i];
			int64_t tot = (o - 1) * g->s[i] + ek - g->in[i];

			tot = tot < 0 ? 0 : tot;
			g->pb[i] = !strcmp(ap, "SAME_UPPER") ? tot / 2 : tot - tot / 2;
			g->pe[i] = tot - g->pb[i];
			g->out[i] = o;
			continue;
		}
		if (!strcmp(ap, "VALID"))
			g->pb[i] = g->pe[i] = 0;
		else if (strcmp(ap, "NOTSET"))
			return op_err(n, TCC_ERR_INVALID_ARG, "unknown auto_pad '%s'", ap);
		span = padded - ek;
		if (span < 0)
			return op_err(n, TCC_ERR_INVALID_ARG, "kernel larger than padded input");
		g->out[i] = (ceil_mode ? (span + g->s[i] - 1) / g->s[i] : span / g->s[i]) + 1;
		/* The last window must start inside the input or the left padding. */
		if (ceil_mode && (g->out[i] - 1) * g->s[i] >= g->in[i] + g->pb[i])
			g->out[i]--;
	}
	return TCC_OK;
}

static int64_t prod(const int64_t *v, int n)
{
	int64_t p = 1;

	for (int i = 0; i < n; i++)
		p *= v[i];
	return p;
}

static tcc_status conv_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	const tv *x = in[0], *w = in[1];
	int64_t group = ir_attr_int(n, "group", 1);
	conv_geom g;
	tcc_status st = op_check_dtype(n, 0, x->dtype, DT_FLOATS);

	if (st)
		return st;
	if (w->rank != x->rank || x->rank < 3)
		return op_err(n, TCC_ERR_INVALID_ARG, "X rank %d and W rank %d must match and be >= 3",
			      x->rank, w->rank);
	if (group < 1 || x->dims[1] != w->dims[1] * group || w->dims[0] % group)
		return op_err(n, TCC_ERR_INVALID_ARG, "channels %lld do not match W %lld x group %lld",
			      (long long)x->dims[1], (long long)w->dims[1], (long long)group);
	if ((st = conv_geom_of(n, x, w->dims + 2, false, &g)))
		return st;
	if (n_in > 2 && in[2] && tv_numel(in[2]) != w->dims[0])
		return op_err(n, TCC_ERR_INVALID_ARG, "bias has %lld values, expected %lld",
			      (long long)tv_numel(in[2]), (long long)w->dims[0]);
	out[0].dtype = x->dtype;
	out[0].rank = x->rank;
	out[0].dims[0] = x->dims[0];
	out[0].dims[1] = w->dims[0];
	for (int i = 0; i < g.sp; i++)
		out[0].dims[2 + i] = g.out[i];
	return TCC_OK;
}

/* col[(c, kpos), opos] for one image and channel group; zero where padded. */
static void im2col(const char *x, int64_t C, const conv_geom *g, char *col, size_t es)
{
	int64_t K = prod(g->k, g->sp), O = prod(g->out, g->sp), I = prod(g->in, g->sp);

	#pragma omp parallel for if (C * K * O > 65536)
	for (int64_t row = 0; row < C * K; row++) {
		int64_t c = row / K, kp = row % K, kidx[3], oidx[3] = { 0, 0, 0 };

		for (int i = g->sp - 1, r = (int)kp; i >= 0; i--) {
			kidx[i] = r % g->k[i];
			r /= (int)g->k[i];
		}
		char *dst = col + (size_t)(row * O) * es;

		for (int64_t o = 0; o < O; o++) {
			int64_t off = 0;
			bool inside = true;

			for (int i = 0; i < g->sp; i++) {
				int64_t p = oidx[i] * g->s[i] - g->pb[i] + kidx[i] * g->d[i];

				inside &= p >= 0 && p < g->in[i];
				off = off * g->in[i] + p;
			}
			if (inside)
				memcpy(dst + (size_t)o * es, x + (size_t)(c * I + off) * es, es);
			else
				memset(dst + (size_t)o * es, 0, es);
			for (int i = g->sp - 1; i >= 0; i--) {
				if (++oidx[i] < g->out[i])
					break;
				oidx[i] = 0;
			}
		}
	}
}

static tcc_status conv_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	const tv *x = in[0], *w = in[1];
	int64_t group = ir_attr_int(n, "group", 1);
	conv_geom g;
	tcc_status st = conv_geom_of(n, x, w->dims + 2, false, &g);
	size_t es = tcc_dtype_size(x->dtype);

	if (st)
		return st;
	int64_t N = x->dims[0], C = x->dims[1], OC = w->dims[0], Cg = C / group, OCg = OC / group;
	int64_t K = prod(g.k, g.sp), O = prod(g.out, g.sp), I = prod(g.in, g.sp);
	char *col = malloc(es * (size_t)(Cg * K * O + 1));

	if (!col)
		return op_err(n, TCC_ERR_NO_MEMORY, "im2col buffer of %lld elements", (long long)(Cg * K * O));
	for (int64_t b = 0; b < N; b++)
		for (int64_t gi = 0; gi < group; gi++) {
			const char *xs = (const char *)x->data + (size_t)((b * C + gi * Cg) * I) * es;
			char *ys = (char *)out[0].data + (size_t)((b * OC + gi * OCg) * O) * es;
			const char *ws = (const char *)w->data + (size_t)(gi * OCg * Cg * K) * es;

			im2col(xs, Cg, &g, col, es);
			if (x->dtype == TCC_F32)
				gemm_f32(OCg, O, Cg * K, 1.0f, (const float *)ws, Cg * K, false, (const float *)col,
					 O, false, 0.0f, (float *)ys, O);
			else
				gemm_generic(x->dtype, OCg, O, Cg * K, ws, 0, col, 0, ys, 0);
		}
	free(col);
	if (n_in > 2 && in[2]) {
		for (int64_t b = 0; b < N; b++)
			for (int64_t oc = 0; oc < OC; oc++) {
				double bias = tcc_load_f64(x->dtype, in[2]->data, oc);
				int64_t base = (b * OC + oc) * O;

				if (x->dtype == TCC_F32) {
					float *y = (float *)out[0].data + base;

					for (int64_t o = 0; o < O; o++)
						y[o] += (float)bias;
				} else {
					for (int64_t o = 0; o < O; o++)
						tcc_store_f64(x->dtype, out[0].data, base + o,
							      tcc_load_f64(x->dtype, out[0].data, base + o) + bias);
				}
			}
	}
	return TCC_OK;
}

/* ---- ConvTranspose (reference scatter; rarely on the hot path) ---- */

static tcc_status convt_geom(const ir_node *n, const tv *x, const tv *w, conv_geom *g, int64_t *outp)
{
	const int64_t *v;
	int c, sp = x->rank - 2;
	const char *ap = ir_attr_str(n, "auto_pad", "NOTSET");
	int64_t op[3] = { 0, 0, 0 }, os[3];
	int nos = ir_attr_ints(n, "output_shape", &v);

	if (sp < 1 || sp > 3)
		return op_err(n, TCC_ERR_UNSUPPORTED, "%d spatial dims", sp);
	g->sp = sp;
	for (int i = 0; i < sp; i++) {
		g->k[i] = w->dims[2 + i];
		g->s[i] = g->d[i] = 1;
		g->pb[i] = g->pe[i] = 0;
		g->in[i] = x->dims[2 + i];
	}
	if ((c = ir_attr_ints(n, "kernel_shape", &v)) == sp)
		memcpy(g->k, v, sizeof(int64_t) * (size_t)sp);
	if ((c = ir_attr_ints(n, "strides", &v)) == sp)
		memcpy(g->s, v, sizeof(int64_t) * (size_t)sp);
	if ((c = ir_attr_ints(n, "dilations", &v)) == sp)
		memcpy(g->d, v, sizeof(int64_t) * (size_t)sp);
	if ((c = ir_attr_ints(n, "pads", &v)) == 2 * sp) {
		memcpy(g->pb, v, sizeof(int64_t) * (size_t)sp);
		memcpy(g->pe, v + sp, sizeof(int64_t) * (size_t)sp);
	}
	if ((c = ir_attr_ints(n, "output_padding", &v)) == sp)
		memcpy(op, v, sizeof(int64_t) * (size_t)sp);
	if (nos >= sp) {
		ir_attr_ints(n, "output_shape", &v);
		memcpy(os, v + (nos - sp), sizeof(int64_t) * (size_t)sp);
	}
	for (int i = 0; i < sp; i++) {
		int64_t full, ek;

		/* The kernel reads W with these extents: they must be W's. */
		if (g->k[i] != w->dims[2 + i])
			return op_err(n, TCC_ERR_INVALID_ARG, "kernel_shape[%d] is %lld, W has %lld", i,
				      (long long)g->k[i], (long long)w->dims[2 + i]);
		if (g->k[i] < 1 || g->s[i] < 1 || g->d[i] < 1 || g->pb[i] < 0 || g->pe[i] < 0 || op[i] < 0 ||
		    (nos >= sp && os[i] < 1) || g->in[i] < 1)
			return op_err(n, TCC_ERR_INVALID_ARG, "bad kernel/stride/dilation/pad/output_padding or empty input");
		if (!i64_mul(g->s[i], g->in[i] - 1, &full) || !i64_add(full, op[i], &full) ||
		    !i64_mul(g->k[i] - 1, g->d[i], &ek) || !i64_add(full, ek, &full) || !i64_add(full, 1, &full) ||
		    !i64_mul(g->in[i], g->s[i], &ek))
			return op_err(n, TCC_ERR_INVALID_ARG, "strides/dilations/output_padding overflow the size arithmetic");

		if (nos >= sp || !strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
			int64_t target = nos >= sp ? os[i] : g->in[i] * g->s[i];
			/* Clamped like ONNX Runtime: a larger output_shape gets bias-only rows at the end. */
			int64_t tot = full - target < 0 ? 0 : full - target;

			if (!strcmp(ap, "SAME_UPPER")) {
				g->pb[i] = tot / 2;
				g->pe[i] = tot - tot / 2;
			} else {
				g->pb[i] = tot - tot / 2;
				g->pe[i] = tot / 2;
			}
		}
		g->out[i] = nos >= sp ? os[i] : full - g->pb[i] - g->pe[i];
		if (g->out[i] < 1)
			return op_err(n, TCC_ERR_INVALID_ARG, "empty output");
		outp[i] = op[i];
	}
	return TCC_OK;
}

static tcc_status convt_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	int64_t group = ir_attr_int(n, "group", 1), opad[3];
	conv_geom g;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st)
		return st;
	if (in[1]->rank != in[0]->rank || in[0]->dims[1] != in[1]->dims[0] || group < 1 ||
	    in[0]->dims[1] % group)
		return op_err(n, TCC_ERR_INVALID_ARG, "W does not match X (or channels not divisible by group)");
	if (n_in > 2 && in[2] && tv_numel(in[2]) != in[1]->dims[1] * group)
		return op_err(n, TCC_ERR_INVALID_ARG, "bias must have %lld values", (long long)(in[1]->dims[1] * group));
	if ((st = convt_geom(n, in[0], in[1], &g, opad)))
		return st;
	out[0].dtype = in[0]->dtype;
	out[0].rank = in[0]->rank;
	out[0].dims[0] = in[0]->dims[0];
	out[0].dims[1] = in[1]->dims[1] * group;
	for (int i = 0; i < g.sp; i++)
		out[0].dims[2 + i] = g.out[i];
	return TCC_OK;
}

static tcc_status convt_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	const tv *x = in[0], *w = in[1];
	int64_t group = ir_attr_int(n, "group", 1), opad[3];
	conv_geom g;
	tcc_status st = convt_geom(n, x, w, &g, opad);

	if (st)
		return st;
	int64_t N = x->dims[0], C = x->dims[1], Cg = C / group, OCg = w->dims[1], OC = OCg * group;
	int64_t K = prod(g.k, g.sp), I = prod(g.in, g.sp), O = prod(g.out, g.sp);
	int64_t cnt = tv_numel(&out[0]);
	double *acc = calloc((size_t)cnt + 1, sizeof(double));

	if (!acc)
		return op_err(n, TCC_ERR_NO_MEMORY, "accumulator");
	for (int64_t b = 0; b < N; b++)
		for (int64_t c = 0; c < C; c++) {
			int64_t gi = c / Cg;

			for (int64_t ip = 0; ip < I; ip++) {
				double xv = tcc_load_f64(x->dtype, x->data, (b * C + c) * I + ip);
				int64_t iidx[3];

				for (int i = g.sp - 1, r = (int)ip; i >= 0; i--) {
					iidx[i] = r % g.in[i];
					r /= (int)g.in[i];
				}
				for (int64_t kp = 0; kp < K; kp++) {
					int64_t off = 0;
					bool inside = true;

					for (int i = g.sp - 1, r = (int)kp, mul = 1; i >= 0; i--) {
						int64_t ki = r % g.k[i];
						int64_t p = iidx[i] * g.s[i] + ki * g.d[i] - g.pb[i];

						r /= (int)g.k[i];
						inside &= p >= 0 && p < g.out[i];
						off += p * mul;
						mul *= (int)g.out[i];
					}
					if (!inside)
						continue;
					for (int64_t oc = 0; oc < OCg; oc++) {
						double wv = tcc_load_f64(w->dtype, w->data, ((c * OCg) + oc) * K + kp);

						acc[(b * OC + gi * OCg + oc) * O + off] += xv * wv;
					}
				}
			}
		}
	for (int64_t i = 0; i < cnt; i++) {
		double v = acc[i];

		if (n_in > 2 && in[2])
			v += tcc_load_f64(in[2]->dtype, in[2]->data, (i / O) % OC);
		tcc_store_f64(out[0].dtype, out[0].data, i, v);
	}
	free(acc);
	return TCC_OK;
}

/* ---- pooling ---- */

static tcc_status pool_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	const int64_t *k;
	int c = ir_attr_ints(n, "kernel_shape", &k);
	conv_geom g;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st)
		return st;
	if (c != in[0]->rank - 2)
		return op_err(n, TCC_ERR_INVALID_ARG, "kernel_shape must have %d entries", in[0]->rank - 2);
	if ((st = conv_geom_of(n, in[0], k, true, &g)))
		return st;
	for (int j = 0; j < n_out; j++) {
		out[j] = *in[0];
		out[j].data = NULL;
		for (int i = 0; i < g.sp; i++)
			out[j].dims[2 + i] = g.out[i];
	}
	if (n_out > 1)
		out[1].dtype = TCC_I64;
	return TCC_OK;
}

static tcc_status pool_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	const int64_t *kk;
	bool is_max = !strcmp(n->op_type, "MaxPool");
	bool incl = ir_attr_int(n, "count_include_pad", 0);
	bool col_major = ir_attr_int(n, "storage_order", 0) == 1;
	conv_geom g;
	tcc_status st;

	ir_attr_ints(n, "kernel_shape", &kk);
	if ((st = conv_geom_of(n, in[0], kk, true, &g)))
		return st;
	const tv *x = in[0];
	int64_t NC = x->dims[0] * x->dims[1], I = prod(g.in, g.sp), O = prod(g.out, g.sp);
	int64_t K = prod(g.k, g.sp);
	bool fl = tcc_dtype_is_float(x->dtype);

	#pragma omp parallel for if (NC * O * K > 65536)
	for (int64_t nc = 0; nc < NC; nc++)
		for (int64_t o = 0; o < O; o++) {
			int64_t oidx[3], best_i = -1, cnt = 0;
			double acc = is_max ? -INFINITY : 0;

			for (int i = g.sp - 1, r = (int)o; i >= 0; i--) {
				oidx[i] = r % g.out[i];
				r /= (int)g.out[i];
			}
			for (int64_t kp = 0; kp < K; kp++) {
				int64_t off = 0;
				bool inside = true, in_pad = true;

				int64_t col_off = 0, cmul = 1;

				for (int i = g.sp - 1, r = (int)kp, mul = 1; i >= 0; i--) {
					int64_t ki = r % g.k[i];
					int64_t p = oidx[i] * g.s[i] - g.pb[i] + ki * g.d[i];

					r /= (int)g.k[i];
					inside &= p >= 0 && p < g.in[i];
					in_pad &= p >= -g.pb[i] && p < g.in[i] + g.pe[i];
					off += p * mul;
					mul *= (int)g.in[i];
				}
				for (int i = 0, r = (int)kp; col_major && i < g.sp; i++) {
					int64_t ki = (r / (int)prod(g.k + i + 1, g.sp - i - 1)) % g.k[i];

					col_off += (oidx[i] * g.s[i] - g.pb[i] + ki * g.d[i]) * cmul;
					cmul *= g.in[i];
				}
				if (!inside) {
					cnt += incl && in_pad;
					continue;
				}
				double v = tcc_load_f64(x->dtype, x->data, nc * I + off);

				if (is_max) {
					if (v > acc || best_i < 0) {
						acc = v;
						best_i = nc * I + (col_major ? col_off : off);
					}
				} else {
					acc += v;
					cnt++;
				}
			}
			if (!is_max)
				acc = cnt ? acc / (double)cnt : 0;
			if (fl)
				tcc_store_f64(out[0].dtype, out[0].data, nc * O + o, acc);
			else
				tcc_store_i64(out[0].dtype, out[0].data, nc * O + o, (int64_t)acc);
			if (n_out > 1)
				((int64_t *)out[1].data)[nc * O + o] = best_i;
		}
	return TCC_OK;
}

static tcc_status gpool_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st)
		return st;
	if (in[0]->rank < 3)
		return op_err(n, TCC_ERR_INVALID_ARG, "input rank must be >= 3");
	out[0] = *in[0];
	out[0].data = NULL;
	for (int i = 2; i < in[0]->rank; i++)
		out[0].dims[i] = 1;
	return TCC_OK;
}

static tcc_status gpool_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	bool is_max = !strcmp(n->op_type, "GlobalMaxPool");
	int64_t NC = in[0]->dims[0] * in[0]->dims[1], I = NC ? tv_numel(in[0]) / NC : 0;

	for (int64_t nc = 0; nc < NC; nc++) {
		double acc = is_max ? -INFINITY : 0;

		if (in[0]->dtype == TCC_F32) {
			const float *x = (const float *)in[0]->data + nc * I;

			for (int64_t i = 0; i < I; i++)
				acc = is_max ? (x[i] > acc ? x[i] : acc) : acc + x[i];
		} else {
			for (int64_t i = 0; i < I; i++) {
				double v = tcc_load_f64(in[0]->dtype, in[0]->data, nc * I + i);

				acc = is_max ? (v > acc ? v : acc) : acc + v;
			}
		}
		tcc_store_f64(out[0].dtype, out[0].data, nc, is_max ? acc : acc / (double)I);
	}
	return TCC_OK;
}

const op_def ops_conv[] = {
	{ "Conv", 2, 3, 1, 1, OP_HALF_VIA_F32, conv_infer, conv_run },
	{ "ConvTranspose", 2, 3, 1, 1, OP_HALF_VIA_F32, convt_infer, convt_run },
	{ "MaxPool", 1, 1, 1, 2, OP_HALF_VIA_F32, pool_infer, pool_run },
	{ "AveragePool", 1, 1, 1, 1, OP_HALF_VIA_F32, pool_infer, pool_run },
	{ "GlobalAveragePool", 1, 1, 1, 1, OP_HALF_VIA_F32, gpool_infer, gpool_run },
	{ "GlobalMaxPool", 1, 1, 1, 1, OP_HALF_VIA_F32, gpool_infer, gpool_run },
	OPS_END
};
