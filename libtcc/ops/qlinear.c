// SPDX-License-Identifier: MIT
/*
 * Integer and quantized linear ops by reduction to the float/int kernels:
 * ConvInteger and MatMulInteger subtract zero points into int32 copies and
 * run the Conv/MatMul kernels in int32; QLinearConv and QLinearMatMul
 * dequantize to f32, run the f32 kernel and requantize.  Correct, not fast.
 */
#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * A copy of x as @to with the zero point removed and, for floats, scaled.
 * zp/scale are scalars or 1-D along @axis of x (-1: per-tensor only).
 */
static tcc_status convert(const ir_node *n, const tv *x, const tv *zp, const tv *scale, int axis,
			  tcc_dtype to, tv *out)
{
	int64_t inner = 1, cnt = tv_numel(x);

	*out = *x;
	out->dtype = to;
	if (!tv_alloc(out))
		return op_err(n, TCC_ERR_NO_MEMORY, "quantized operand copy");
	for (int d = axis + 1; axis >= 0 && d < x->rank; d++)
		inner *= x->dims[d];
	for (int64_t i = 0; i < cnt; i++) {
		int64_t k = axis >= 0 ? (i / inner) % x->dims[axis] : 0;
		double z = zp ? tcc_load_f64(zp->dtype, zp->data, tv_numel(zp) > 1 ? k : 0) : 0;
		double v = tcc_load_f64(x->dtype, x->data, i) - z;

		if (scale)
			v *= tcc_load_f64(scale->dtype, scale->data, tv_numel(scale) > 1 ? k : 0);
		tcc_store_f64(to, out->data, i, v);
	}
	return TCC_OK;
}

static const op_def *base_of(const ir_node *n)
{
	return op_find_unchecked(strstr(n->op_type, "Conv") ? "Conv" : "MatMul");
}

static tcc_status int_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	bool qlinear = !strncmp(n->op_type, "QLinear", 7);
	tv a = *in[0], b = *in[qlinear ? 3 : 1];
	tv *pin[2] = { &a, &b };
	tcc_status st;

	for (int i = 0; i < 2; i++)
		if (pin[i]->dtype != TCC_U8 && pin[i]->dtype != TCC_I8)
			return op_err(n, TCC_ERR_UNSUPPORTED, "operand dtype %s", tcc_dtype_name(pin[i]->dtype));
	/* Parameters are scalars, or one per row of A / output channel or column of B. */
	for (int i = qlinear ? 1 : 2; i < n_in; i++) {
		int64_t cnt = in[i] ? tv_numel(in[i]) : 1;
		bool of_b = qlinear ? (i == 4 || i == 5) : i == 3;
		const tv *op = of_b ? &b : &a;
		int64_t lim = strstr(n->op_type, "Conv") ? (of_b ? op->dims[0] : 1) :
			      of_b ? op->dims[op->rank - 1] : (op->rank > 1 ? op->dims[op->rank - 2] : 1);

		if (qlinear ? (i == 3 || i >= 6) : false)
			continue;	/* B itself, the output's scalars, the conv bias (checked by Conv) */
		if (cnt != 1 && cnt != lim)
			return op_err(n, TCC_ERR_INVALID_ARG, "input %d has %lld values, expected 1 or %lld", i,
				      (long long)cnt, (long long)lim);
	}
	if (qlinear && (tv_numel(in[6]) != 1 || tv_numel(in[7]) != 1))
		return op_err(n, TCC_ERR_UNSUPPORTED, "per-channel output quantisation");
	a.dtype = b.dtype = TCC_F32;
	st = base_of(n)->infer(n, env, pin, 2, out, 1);
	if (st)
		return st;
	out[0].dtype = qlinear ? in[7]->dtype : TCC_I32;
	return TCC_OK;
}

static tcc_status int_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	bool qlinear = !strncmp(n->op_type, "QLinear", 7), conv = strstr(n->op_type, "Conv") != NULL;
	const tv *A = in[0], *B = in[qlinear ? 3 : 1];
	const tv *azp = qlinear ? in[2] : (n_in > 2 ? in[2] : NULL), *bzp = qlinear ? in[5] : (n_in > 3 ? in[3] : NULL);
	const tv *asc = qlinear ? in[1] : NULL, *bsc = qlinear ? in[4] : NULL;
	tcc_dtype t = qlinear ? TCC_F32 : TCC_I32;
	tv a, b, y, bias = { 0 }, *pin[3] = { &a, &b, NULL };
	tcc_status st;

	/* per-channel parameters: conv weights along axis 0, matmul B along its last axis, A along rows */
	if ((st = convert(n, A, azp, asc, conv ? -1 : (azp && tv_numel(azp) > 1 ? A->rank - 2 : -1), t, &a)))
		return st;
	if ((st = convert(n, B, bzp, bsc, conv ? 0 : B->rank - 1, t, &b))) {
		free(a.data);
		return st;
	}
	y = out[0];
	y.dtype = t;
	if (qlinear && !tv_alloc(&y)) {
		free(a.data);
		free(b.data);
		return op_err(n, TCC_ERR_NO_MEMORY, "qlinear output");
	}
	int np = 2;

	if (qlinear && conv && n_in > 8 && in[8]) {	/* int32 bias in units of x_scale * w_scale */
		bias = *in[8];
		bias.dtype = TCC_F32;
		if (!tv_alloc(&bias)) {
			st = op_err(n, TCC_ERR_NO_MEMORY, "bias");
			goto out;
		}
		for (int64_t i = 0; i < tv_numel(in[8]); i++)
			((float *)bias.data)[i] = (float)(tcc_load_f64(in[8]->dtype, in[8]->data, i) *
				tcc_load_f64(asc->dtype, asc->data, 0) *
				tcc_load_f64(bsc->dtype, bsc->data, tv_numel(bsc) > 1 ? i : 0));
		pin[2] = &bias;
		np = 3;
	}
	st = base_of(n)->run(n, env, pin, np, &y, 1);
	if (!st && qlinear) {
		const tv *ysc = in[6], *yzp = in[7];
		double s = tcc_load_f64(ysc->dtype, ysc->data, 0), z = tcc_load_f64(yzp->dtype, yzp->data, 0);
		double lo = out[0].dtype == TCC_I8 ? -128 : 0, hi = out[0].dtype == TCC_I8 ? 127 : 255;

		for (int64_t i = 0; i < tv_numel(&y); i++) {
			double v = nearbyint((double)(((float *)y.data)[i] / (float)s)) + z;

			tcc_store_f64(out[0].dtype, out[0].data, i, v < lo ? lo : v > hi ? hi : v);
		}
	}
out:
	if (qlinear)
		free(y.data);
	free(a.data);
	free(b.data);
	free(bias.data);
	return st;
}

const op_def ops_qlinear[] = {
	{ "ConvInteger", 2, 4, 1, 1, 0, int_infer, int_run },
	{ "MatMulInteger", 2, 4, 1, 1, 0, int_infer, int_run },
	{ "QLinearConv", 8, 9, 1, 1, 0, int_infer, int_run },
	{ "QLinearMatMul", 8, 8, 1, 1, 0, int_infer, int_run },
	OPS_END
};
