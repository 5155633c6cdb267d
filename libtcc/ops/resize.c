// SPDX-License-Identifier: MIT
/*
 * Resize (opset 10-18) and Upsample: nearest / linear / cubic, every
 * coordinate_transformation_mode, separably over any number of dims.  Each
 * output coordinate of each dim gets at most four (index, weight) taps,
 * computed once; an output element is the weighted sum over the tap product.
 */
#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct taps {
	int n;
	int64_t idx[4];
	double w[4];
	bool outside;		/* tf_crop_and_resize sample outside the input */
} taps;

typedef struct rparams {
	int mode;		/* 0 nearest, 1 linear, 2 cubic */
	const char *ctm, *nearest;
	double a, extrap;
	bool exclude;
	double scale[TCC_MAX_RANK], roi_s[TCC_MAX_RANK], roi_e[TCC_MAX_RANK];
	int64_t out[TCC_MAX_RANK];
} rparams;

static tcc_status params(const ir_node *n, const op_env *env, tv *const *in, int n_in, rparams *p)
{
	const tv *x = in[0];
	int r = x->rank;
	const char *mode = ir_attr_str(n, "mode", "nearest");
	bool upsample = !strcmp(n->op_type, "Upsample");

	p->mode = !strcmp(mode, "nearest") ? 0 : (!strcmp(mode, "linear") || !strcmp(mode, "bilinear")) ? 1 :
		  !strcmp(mode, "cubic") ? 2 : -1;
	if (p->mode < 0)
		return op_err(n, TCC_ERR_UNSUPPORTED, "mode '%s'", mode);
	p->ctm = upsample || env->opset < 11 ? "asymmetric" : ir_attr_str(n, "coordinate_transformation_mode", "half_pixel");
	p->nearest = upsample || env->opset < 11 ? "floor" : ir_attr_str(n, "nearest_mode", "round_prefer_floor");
	p->a = ir_attr_float(n, "cubic_coeff_a", -0.75f);
	p->exclude = ir_attr_int(n, "exclude_outside", 0);
	p->extrap = ir_attr_float(n, "extrapolation_value", 0.0f);
	if (ir_attr_find(n, "antialias") && ir_attr_int(n, "antialias", 0))
		return op_err(n, TCC_ERR_UNSUPPORTED, "antialias");
	if (ir_attr_find(n, "axes"))
		return op_err(n, TCC_ERR_UNSUPPORTED, "axes attribute");
	for (int i = 0; i < r; i++) {
		p->roi_s[i] = 0;
		p->roi_e[i] = 1;
	}
	const tv *roi = NULL, *scales = NULL, *sizes = NULL;

	if (upsample && n_in < 2) {
		const ir_attr *a = ir_attr_find(n, "scales");

		if (!a || a->type != IR_ATTR_FLOATS || a->n != r)
			return op_err(n, TCC_ERR_INVALID_ARG, "scales attribute must have %d values", r);
		for (int i = 0; i < r; i++)
			p->scale[i] = a->floats[i];
	} else if (upsample || env->opset < 11) {
		scales = n_in > 1 ? in[1] : NULL;
	} else {
		roi = n_in > 1 ? in[1] : NULL;
		scales = n_in > 2 ? in[2] : NULL;
		sizes = n_in > 3 ? in[3] : NULL;
	}
	if (scales && !tv_numel(scales))
		scales = NULL;
	if (sizes && !tv_numel(sizes))
		sizes = NULL;
	if ((scales && !scales->data) || (sizes && !sizes->data) || (roi && !roi->data && tv_numel(roi)))
		return OP_NEEDS_VALUE;
	if (roi && tv_numel(roi) == 2 * r)
		for (int i = 0; i < r; i++) {
			p->roi_s[i] = tcc_load_f64(roi->dtype, roi->data, i);
			p->roi_e[i] = tcc_load_f64(roi->dtype, roi->data, r + i);
		}
	if (sizes) {
		if (tv_numel(sizes) != r)
			return op_err(n, TCC_ERR_INVALID_ARG, "sizes must have %d values", r);
		for (int i = 0; i < r; i++) {
			p->out[i] = tcc_load_i64(sizes->dtype, sizes->data, i);
			p->scale[i] = x->dims[i] ? (double)p->out[i] / (double)x->dims[i] : 1;
		}
		return TCC_OK;
	}
	if (scales) {
		if (tv_numel(scales) != r)
			return op_err(n, TCC_ERR_INVALID_ARG, "scales must have %d values", r);
		for (int i = 0; i < r; i++)
			p->scale[i] = tcc_load_f64(scales->dtype, scales->data, i);
	} else if (!(upsample && n_in < 2)) {
		return op_err(n, TCC_ERR_INVALID_ARG, "neither scales nor sizes given");
	}
	for (int i = 0; i < r; i++) {
		double o = floor((double)x->dims[i] * p->scale[i]);

		if (!(p->scale[i] > 0))
			return op_err(n, TCC_ERR_INVALID_ARG, "scale must be > 0");
		if (!(o < 0x1p48))	/* also NaN: the conversion below must be defined */
			return op_err(n, TCC_ERR_INVALID_ARG, "scale %g makes dim %d too large", p->scale[i], i);
		p->out[i] = (int64_t)o;
	}
	return TCC_OK;
}

static tcc_status resize_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	rparams p;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st || (st = params(n, env, in, n_in, &p)))
		return st;
	out[0] = *in[0];
	out[0].data = NULL;
	memcpy(out[0].dims, p.out, sizeof(int64_t) * (size_t)in[0]->rank);
	return TCC_OK;
}

static double cubic_w(double a, double t)
{
	t = fabs(t);
	if (t <= 1)
		return ((a + 2) * t - (a + 3)) * t * t + 1;
	if (t < 2)
		return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
	return 0;
}

static void taps_for(const rparams *p, int d, int64_t in_len, int64_t x, taps *t)
{
	double s = p->scale[d], out_len = s * (double)in_len, xo;
	const char *c = p->ctm;

	if (!strcmp(c, "align_corners"))
		xo = out_len == 1 ? 0 : (double)x * (double)(in_len - 1) / (out_len - 1);
	else if (!strcmp(c, "asymmetric"))
		xo = (double)x / s;
	else if (!strcmp(c, "pytorch_half_pixel"))
		xo = out_len > 1 ? ((double)x + 0.5) / s - 0.5 : 0;
	else if (!strcmp(c, "tf_half_pixel_for_nn"))
		xo = ((double)x + 0.5) / s;
	else if (!strcmp(c, "tf_crop_and_resize"))
		xo = out_len > 1 ? p->roi_s[d] * (double)(in_len - 1) +
				   (double)x * (p->roi_e[d] - p->roi_s[d]) * (double)(in_len - 1) / (out_len - 1)
				 : 0.5 * (p->roi_s[d] + p->roi_e[d]) * (double)(in_len - 1);
	else	/* half_pixel */
		xo = ((double)x + 0.5) / s - 0.5;
	t->outside = !strcmp(c, "tf_crop_and_resize") && (xo < 0 || xo > (double)(in_len - 1));
	if (p->mode == 0) {
		double f = floor(xo), frac = xo - f;
		int64_t i;

		if (!strcmp(p->nearest, "floor"))
			i = (int64_t)f;
		else if (!strcmp(p->nearest, "ceil"))
			i = (int64_t)ceil(xo);
		else if (frac == 0.5)
			i = (int64_t)(strcmp(p->nearest, "round_prefer_ceil") ? f : f + 1);
		else
			i = (int64_t)round(xo);
		t->n = 1;
		t->idx[0] = i < 0 ? 0 : i >= in_len ? in_len - 1 : i;
		t->w[0] = 1;
		return;
	}
	/* The left neighbour is preferred: base = ceil(x) - 1, ratio in (0, 1]. */
	double base = ceil(xo) - 1, r = xo - base;
	int k0 = p->mode == 1 ? 0 : -1, k1 = p->mode == 1 ? 1 : 2;
	double sum = 0;

	t->n = 0;
	for (int k = k0; k <= k1; k++) {
		int64_t i = (int64_t)base + k;
		double w = p->mode == 1 ? (k == 0 ? 1 - r : r) : cubic_w(p->a, r - k);

		if (p->exclude && (i < 0 || i >= in_len))
			w = 0;
		t->idx[t->n] = i < 0 ? 0 : i >= in_len ? in_len - 1 : i;
		t->w[t->n++] = w;
		sum += w;
	}
	if (p->exclude && sum != 0)
		for (int k = 0; k < t->n; k++)
			t->w[k] /= sum;
}

static tcc_status resize_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	const tv *x = in[0];
	int r = x->rank;
	rparams p;
	taps *tp[TCC_MAX_RANK] = { NULL };
	int64_t st[TCC_MAX_RANK], idx[TCC_MAX_RANK];
	tcc_status s = params(n, env, in, n_in, &p);
	bool fl = tcc_dtype_is_float(x->dtype);

	if (s)
		return s;
	tv_strides(x, st);
	for (int d = 0; d < r; d++) {
		tp[d] = malloc(sizeof(taps) * (size_t)(out[0].dims[d] + 1));
		if (!tp[d]) {
			s = op_err(n, TCC_ERR_NO_MEMORY, "resize taps");
			goto out;
		}
		for (int64_t i = 0; i < out[0].dims[d]; i++)
			taps_for(&p, d, x->dims[d], i, &tp[d][i]);
	}
	for (int64_t o = 0; o < tv_numel(&out[0]); o++) {
		int64_t rem = o;
		bool outside = false;

		for (int d = r - 1; d >= 0; d--) {
			idx[d] = rem % out[0].dims[d];
			rem /= out[0].dims[d];
			outside |= tp[d][idx[d]].outside;
		}
		double acc = 0;

		if (outside) {
			acc = p.extrap;
		} else {
			int k[TCC_MAX_RANK] = { 0 };

			for (;;) {
				double w = 1;
				int64_t off = 0;

				for (int d = 0; d < r; d++) {
					const taps *t = &tp[d][idx[d]];

					w *= t->w[k[d]];
					off += t->idx[k[d]] * st[d];
				}
				if (w != 0)
					acc += w * tcc_load_f64(x->dtype, x->data, off);
				int d = r - 1;

				while (d >= 0 && ++k[d] == tp[d][idx[d]].n)
					k[d--] = 0;
				if (d < 0)
					break;
			}
		}
		if (fl)
			tcc_store_f64(out[0].dtype, out[0].data, o, acc);
		else
			tcc_store_i64(out[0].dtype, out[0].data, o, (int64_t)llround(acc));
	}
out:
	for (int d = 0; d < r; d++)
		free(tp[d]);
	return s;
}

const op_def ops_resize[] = {
	{ "Resize", 1, 4, 1, 1, 0, resize_infer, resize_run },
	{ "Upsample", 1, 2, 1, 1, 0, resize_infer, resize_run },
	OPS_END
};
