// SPDX-License-Identifier: MIT
/*
 * QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear (u8/i8, per-tensor
 * or per-axis), the window generators (Hann, Hamming, Blackman) and Det.
 */
#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per-axis parameter index of element i, or 0 for per-tensor parameters. */
static int64_t param_index(const tv *x, const tv *p, int64_t axis, int64_t i)
{
	if (tv_numel(p) <= 1)
		return 0;
	int64_t inner = 1;

	for (int d = (int)axis + 1; d < x->rank; d++)
		inner *= x->dims[d];
	return (i / inner) % x->dims[axis];
}

static double saturate(tcc_dtype t, double v)
{
	double lo = t == TCC_I8 ? -128 : 0, hi = t == TCC_I8 ? 127 : 255;

	return v < lo ? lo : v > hi ? hi : v;
}

static tcc_status q_axis(const ir_node *n, const tv *x, const tv *scale, int64_t *axis)
{
	*axis = ir_attr_int(n, "axis", 1);
	if (tv_numel(scale) == 0)
		return op_err(n, TCC_ERR_INVALID_ARG, "empty scale");
	if (tv_numel(scale) == 1)
		return TCC_OK;
	if (scale->rank != 1 || !norm_axis(axis, x->rank) || scale->dims[0] != x->dims[*axis])
		return op_err(n, TCC_ERR_INVALID_ARG, "per-axis scale does not match axis %lld", (long long)*axis);
	return TCC_OK;
}

static tcc_status quant_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	bool deq = !strcmp(n->op_type, "DequantizeLinear");
	int64_t axis;
	tcc_status st = q_axis(n, in[0], in[1], &axis);

	if (st)
		return st;
	if (n_in > 2 && in[2] && tv_numel(in[2]) != 1 && tv_numel(in[2]) != tv_numel(in[1]))
		return op_err(n, TCC_ERR_INVALID_ARG, "zero point and scale sizes differ");
	if (deq ? (in[0]->dtype != TCC_U8 && in[0]->dtype != TCC_I8 && in[0]->dtype != TCC_I32)
		: !tcc_dtype_is_float(in[0]->dtype))
		return op_err(n, TCC_ERR_UNSUPPORTED, "input dtype %s", tcc_dtype_name(in[0]->dtype));
	out[0] = *in[0];
	out[0].data = NULL;
	out[0].dtype = deq ? in[1]->dtype : (n_in > 2 && in[2] ? in[2]->dtype : TCC_U8);
	if (!deq && out[0].dtype != TCC_U8 && out[0].dtype != TCC_I8)
		return op_err(n, TCC_ERR_UNSUPPORTED, "zero point dtype %s", tcc_dtype_name(out[0].dtype));
	return TCC_OK;
}

static tcc_status quant_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	bool deq = !strcmp(n->op_type, "DequantizeLinear");
	const tv *x = in[0], *sc = in[1], *zp = n_in > 2 ? in[2] : NULL;
	int64_t axis;
	tcc_status st = q_axis(n, x, sc, &axis);

	if (st)
		return st;
	for (int64_t i = 0; i < tv_numel(x); i++) {
		int64_t k = param_index(x, sc, axis, i);
		double s = tcc_load_f64(sc->dtype, sc->data, k);
		double z = zp ? tcc_load_f64(zp->dtype, zp->data, zp && tv_numel(zp) > 1 ? k : 0) : 0;
		double v = tcc_load_f64(x->dtype, x->data, i);

		if (deq)
			tcc_store_f64(out[0].dtype, out[0].data, i, (v - z) * s);
		else	/* divide in the input's precision, as the ONNX reference does */
			tcc_store_f64(out[0].dtype, out[0].data, i, saturate(out[0].dtype,
				nearbyint(x->dtype == TCC_F32 ? (double)((float)v / (float)s) : v / s) + z));
	}
	return TCC_OK;
}

static tcc_status dql_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	if (in[0]->dtype != TCC_F32)
		return op_err(n, TCC_ERR_UNSUPPORTED, "input must be float32");
	out[0] = *in[0];
	out[0].data = NULL;
	out[0].dtype = TCC_U8;
	out[1] = (tv){ .dtype = TCC_F32 };
	out[2] = (tv){ .dtype = TCC_U8 };
	return TCC_OK;
}

static tcc_status dql_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	const float *x = in[0]->data;
	int64_t cnt = tv_numel(in[0]);
	double mn = 0, mx = 0;

	for (int64_t i = 0; i < cnt; i++) {
		mn = x[i] < mn ? x[i] : mn;
		mx = x[i] > mx ? x[i] : mx;
	}
	float scale = (float)((mx - mn) / 255.0);
	double zp = scale != 0 ? saturate(TCC_U8, nearbyint((double)((float)-mn / scale))) : 0;

	for (int64_t i = 0; i < cnt; i++)
		((uint8_t *)out[0].data)[i] = (uint8_t)(scale != 0 ? saturate(TCC_U8, nearbyint((double)(x[i] / scale)) + zp) : zp);
	*(float *)out[1].data = scale;
	*(uint8_t *)out[2].data = (uint8_t)zp;
	return TCC_OK;
}

static tcc_status window_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	if (!in[0]->data)
		return OP_NEEDS_VALUE;
	int64_t size = tcc_load_i64(in[0]->dtype, in[0]->data, 0);
	tcc_dtype t = (tcc_dtype)ir_attr_int(n, "output_datatype", TCC_F32);

	if (size < 0 || size > (1 << 28))
		return op_err(n, TCC_ERR_INVALID_ARG, "size %lld", (long long)size);
	if (!tcc_dtype_size(t) || t == TCC_STRING)
		return op_err(n, TCC_ERR_UNSUPPORTED, "output_datatype %d", (int)t);
	out[0] = (tv){ .dtype = t, .rank = 1, .dims = { size } };
	return TCC_OK;
}

static tcc_status window_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	int64_t N = out[0].dims[0];
	double d = ir_attr_int(n, "periodic", 1) ? (double)N : (double)(N - 1);
	char kind = n->op_type[0];	/* Hann, Hamming, Blackman */
	bool hann = !strcmp(n->op_type, "HannWindow");

	for (int64_t i = 0; i < N; i++) {
		double a = 2 * M_PI * (double)i / d, v;

		if (kind == 'B')
			v = 0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a);
		else if (hann)
			v = 0.5 - 0.5 * cos(a);
		else
			v = 25.0 / 46.0 - (1 - 25.0 / 46.0) * cos(a);
		tcc_store_f64(out[0].dtype, out[0].data, i, v);
	}
	return TCC_OK;
}

static tcc_status det_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	const tv *x = in[0];
	tcc_status st = op_check_dtype(n, 0, x->dtype, DT_FLOATS);

	if (st)
		return st;
	if (x->rank < 2 || x->dims[x->rank - 1] != x->dims[x->rank - 2])
		return op_err(n, TCC_ERR_INVALID_ARG, "input must be [..., M, M]");
	out[0] = *x;
	out[0].data = NULL;
	out[0].rank = x->rank - 2;
	return TCC_OK;
}

static tcc_status det_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	const tv *x = in[0];
	int64_t M = x->dims[x->rank - 1], batch = tv_numel(&out[0]);
	double *a = malloc(sizeof(double) * (size_t)(M * M + 1));

	if (!a)
		return op_err(n, TCC_ERR_NO_MEMORY, "det");
	for (int64_t b = 0; b < batch; b++) {
		double det = 1;

		for (int64_t i = 0; i < M * M; i++)
			a[i] = tcc_load_f64(x->dtype, x->data, b * M * M + i);
		/* LU with partial pivoting */
		for (int64_t c = 0; c < M && det != 0; c++) {
			int64_t p = c;

			for (int64_t r = c + 1; r < M; r++)
				if (fabs(a[r * M + c]) > fabs(a[p * M + c]))
					p = r;
			if (a[p * M + c] == 0) {
				det = 0;
				break;
			}
			if (p != c) {
				for (int64_t k = 0; k < M; k++) {
					double t = a[c * M + k];

					a[c * M + k] = a[p * M + k];
					a[p * M + k] = t;
				}
				det = -det;
			}
			det *= a[c * M + c];
			for (int64_t r = c + 1; r < M; r++) {
				double f = a[r * M + c] / a[c * M + c];

				for (int64_t k = c; k < M; k++)
					a[r * M + k] -= f * a[c * M + k];
			}
		}
		tcc_store_f64(out[0].dtype, out[0].data, b, det);
	}
	free(a);
	return TCC_OK;
}

const op_def ops_quant_signal[] = {
	{ "QuantizeLinear", 2, 3, 1, 1, 0, quant_infer, quant_run },
	{ "DequantizeLinear", 2, 3, 1, 1, 0, quant_infer, quant_run },
	{ "DynamicQuantizeLinear", 1, 1, 3, 3, 0, dql_infer, dql_run },
	{ "HannWindow", 1, 1, 1, 1, 0, window_infer, window_run },
	{ "HammingWindow", 1, 1, 1, 1, 0, window_infer, window_run },
	{ "BlackmanWindow", 1, 1, 1, 1, 0, window_infer, window_run },
	{ "Det", 1, 1, 1, 1, OP_HALF_VIA_F32, det_infer, det_run },
	OPS_END
};
