// SPDX-License-Identifier: MIT
/*
 * Normalisations and softmax family: BatchNormalization (inference),
 * LayerNormalization, InstanceNormalization, Softmax, LogSoftmax, Hardmax.
 * Computed in f32 rows with double accumulators for the statistics.
 */
#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static tcc_status bn_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st)
		return st;
	if (ir_attr_int(n, "training_mode", 0) || n_out > 1)
		return op_err(n, TCC_ERR_UNSUPPORTED, "training mode (running statistics outputs) is not supported");
	if (in[0]->rank < 2)
		return op_err(n, TCC_ERR_INVALID_ARG, "input rank must be >= 2");
	for (int i = 1; i < 5; i++)
		if (tv_numel(in[i]) != in[0]->dims[1])
			return op_err(n, TCC_ERR_INVALID_ARG, "input %d must have C=%lld values", i,
				      (long long)in[0]->dims[1]);
	out[0] = *in[0];
	out[0].data = NULL;
	return TCC_OK;
}

static tcc_status bn_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			 tv *out, int n_out)
{
	double eps = ir_attr_float(n, "epsilon", 1e-5f);
	int64_t N = in[0]->dims[0], C = in[0]->dims[1], I = (N && C) ? tv_numel(in[0]) / (N * C) : 0;
	tcc_dtype t = in[0]->dtype;

	for (int64_t c = 0; c < C; c++) {
		double sc = tcc_load_f64(in[1]->dtype, in[1]->data, c);
		double b = tcc_load_f64(in[2]->dtype, in[2]->data, c);
		double mean = tcc_load_f64(in[3]->dtype, in[3]->data, c);
		double var = tcc_load_f64(in[4]->dtype, in[4]->data, c);
		double a = sc / sqrt(var + eps), shift = b - mean * a;

		for (int64_t b0 = 0; b0 < N; b0++) {
			int64_t base = (b0 * C + c) * I;

			if (t == TCC_F32) {
				const float *x = (const float *)in[0]->data + base;
				float *y = (float *)out[0].data + base;

				for (int64_t i = 0; i < I; i++)
					y[i] = (float)(x[i] * a + shift);
			} else {
				for (int64_t i = 0; i < I; i++)
					tcc_store_f64(t, out[0].data, base + i,
						      tcc_load_f64(t, in[0]->data, base + i) * a + shift);
			}
		}
	}
	return TCC_OK;
}

/* Softmax family: rows of length `len` with stride `inner` between elements. */
typedef struct rows {
	int64_t outer, len, inner;
} rows;

static tcc_status softmax_rows(const ir_node *n, const op_env *env, const tv *x, rows *r)
{
	int64_t axis = ir_attr_int(n, "axis", env->opset >= 13 ? -1 : 1);

	if (x->rank == 0) {
		*r = (rows){ 1, 1, 1 };
		return TCC_OK;
	}
	if (!norm_axis(&axis, x->rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	r->outer = 1;
	for (int i = 0; i < axis; i++)
		r->outer *= x->dims[i];
	if (env->opset < 13) {
		/* Older opsets coerce to 2-D at axis: the row is everything after it. */
		r->len = r->outer ? tv_numel(x) / r->outer : 0;
		r->inner = 1;
		return TCC_OK;
	}
	r->len = x->dims[axis];
	r->inner = 1;
	for (int i = (int)axis + 1; i < x->rank; i++)
		r->inner *= x->dims[i];
	return TCC_OK;
}

static tcc_status softmax_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out)
{
	rows r;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st || (st = softmax_rows(n, env, in[0], &r)))
		return st;
	out[0] = *in[0];
	out[0].data = NULL;
	return TCC_OK;
}

/*
 * exp() for softmax rows: Cephes' expf polynomial (rel. error ~1e-7) in a
 * form the compiler vectorises; libm's expf is scalar without -ffast-math.
 * Only called with x <= 0 (x - row max), so the clamp never bites for
 * finite inputs; -inf maps to 0 as it should.
 */
static inline float exp_nonpos(float x)
{
	x = x < -87.0f ? -87.0f : x;
	float k = floorf(x * 1.44269504088896341f + 0.5f);
	float r = x - k * 0.693359375f + k * 2.12194440e-4f;
	float p = 1.9875691500e-4f;

	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	int32_t bits = ((int32_t)k + 127) << 23;
	float scale;

	memcpy(&scale, &bits, sizeof(scale));
	return p * scale;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static float row_max_f32(const float *x, int64_t n)
{
	float m = -INFINITY;
	bool nan = false;

	#pragma omp simd reduction(max:m) reduction(|:nan)
	for (int64_t k = 0; k < n; k++) {
		m = x[k] > m ? x[k] : m;
		nan |= x[k] != x[k];
	}
	return nan ? NAN : m;
}

/* mode 0: softmax, 1: log-softmax, over one contiguous row with finite max @m. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void softmax_row_f32(const float *x, float *y, int64_t n, float m, int mode)
{
	float sum = 0;

	if (mode == 0) {
		#pragma omp simd reduction(+:sum)
		for (int64_t k = 0; k < n; k++) {
			y[k] = exp_nonpos(x[k] - m);
			sum += y[k];
		}
		float inv = 1.0f / sum;

		#pragma omp simd
		for (int64_t k = 0; k < n; k++)
			y[k] *= inv;
		return;
	}
	#pragma omp simd reduction(+:sum)
	for (int64_t k = 0; k < n; k++)
		sum += exp_nonpos(x[k] - m);
	float ls = logf(sum);

	#pragma omp simd
	for (int64_t k = 0; k < n; k++)
		y[k] = x[k] - m - ls;
}

static tcc_status softmax_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	int mode = !strcmp(n->op_type, "Softmax") ? 0 : !strcmp(n->op_type, "LogSoftmax") ? 1 : 2;
	tcc_dtype t = in[0]->dtype;
	rows r;
	tcc_status st = softmax_rows(n, env, in[0], &r);

	if (st)
		return st;
	#pragma omp parallel for collapse(2) if (r.outer * r.inner * r.len > 65536)
	for (int64_t o = 0; o < r.outer; o++)
		for (int64_t i = 0; i < r.inner; i++) {
			int64_t base = o * r.len * r.inner + i;
			double mx = -INFINITY, sum = 0;
			int64_t arg = 0;

			if (t == TCC_F32 && r.inner == 1 && mode != 2) {
				mx = row_max_f32((const float *)in[0]->data + base, r.len);
				if (isfinite(mx)) {
					softmax_row_f32((const float *)in[0]->data + base, (float *)out[0].data + base,
							r.len, (float)mx, mode);
					continue;
				}
				mx = -INFINITY;
			}
			for (int64_t k = 0; k < r.len; k++) {
				double v = tcc_load_f64(t, in[0]->data, base + k * r.inner);

				if (v > mx) {
					mx = v;
					arg = k;
				}
			}
			if (mode == 2) {
				for (int64_t k = 0; k < r.len; k++)
					tcc_store_f64(t, out[0].data, base + k * r.inner, k == arg);
				continue;
			}
			if (t == TCC_F32 && r.inner == 1 && isfinite(mx)) {
				softmax_row_f32((const float *)in[0]->data + base, (float *)out[0].data + base, r.len,
						(float)mx, mode);
				continue;
			}
			for (int64_t k = 0; k < r.len; k++)
				sum += exp(tcc_load_f64(t, in[0]->data, base + k * r.inner) - mx);
			for (int64_t k = 0; k < r.len; k++) {
				double v = tcc_load_f64(t, in[0]->data, base + k * r.inner) - mx;

				tcc_store_f64(t, out[0].data, base + k * r.inner,
					      mode == 0 ? exp(v) / sum : v - log(sum));
			}
		}
	return TCC_OK;
}

static tcc_status ln_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", -1);
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st)
		return st;
	if (!norm_axis(&axis, in[0]->rank))
		return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
	int64_t len = 1;

	for (int i = (int)axis; i < in[0]->rank; i++)
		len *= in[0]->dims[i];
	for (int i = 1; i < n_in; i++)
		if (in[i] && tv_numel(in[i]) != len && tv_numel(in[i]) != 1)
			return op_err(n, TCC_ERR_INVALID_ARG, "input %d has %lld values, the normalised size is %lld", i,
				      (long long)tv_numel(in[i]), (long long)len);
	out[0] = *in[0];
	out[0].data = NULL;
	for (int j = 1; j < n_out; j++) {
		out[j] = *in[0];
		out[j].data = NULL;
		out[j].dtype = TCC_F32;
		for (int i = (int)axis; i < in[0]->rank; i++)
			out[j].dims[i] = 1;
	}
	return TCC_OK;
}

static tcc_status ln_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			 tv *out, int n_out)
{
	int64_t axis = ir_attr_int(n, "axis", -1), outer = 1;
	double eps = ir_attr_float(n, "epsilon", 1e-5f);
	tcc_dtype t = in[0]->dtype;

	norm_axis(&axis, in[0]->rank);
	for (int i = 0; i < axis; i++)
		outer *= in[0]->dims[i];
	int64_t len = outer ? tv_numel(in[0]) / outer : 0;
	const tv *sc = in[1], *bias = n_in > 2 ? in[2] : NULL;
	int64_t nsc = tv_numel(sc), nb = bias ? tv_numel(bias) : 0;

	if (t == TCC_F32 && sc->dtype == TCC_F32 && nsc == len && (!bias || (bias->dtype == TCC_F32 && nb == len))) {
		/* Two passes per row: mean, then variance and the normalised output. */
		#pragma omp parallel for if (outer * len > 32768)
		for (int64_t o = 0; o < outer; o++) {
			const float *x = (const float *)in[0]->data + o * len, *w = sc->data;
			const float *bv = bias ? bias->data : NULL;
			float *y = (float *)out[0].data + o * len;
			double s = 0, ss = 0;

			for (int64_t k = 0; k < len; k++)
				s += x[k];
			float mean = (float)(s / (double)len);

			for (int64_t k = 0; k < len; k++)
				ss += (double)(x[k] - mean) * (x[k] - mean);
			float inv = (float)(1.0 / sqrt(ss / (double)len + eps));

			for (int64_t k = 0; k < len; k++)
				y[k] = (x[k] - mean) * inv * w[k] + (bv ? bv[k] : 0.0f);
			if (n_out > 1)
				((float *)out[1].data)[o] = mean;
			if (n_out > 2)
				((float *)out[2].data)[o] = inv;
		}
		return TCC_OK;
	}
	#pragma omp parallel for if (outer * len > 65536)
	for (int64_t o = 0; o < outer; o++) {
		double mean = 0, var = 0;

		for (int64_t k = 0; k < len; k++)
			mean += tcc_load_f64(t, in[0]->data, o * len + k);
		mean /= (double)len;
		for (int64_t k = 0; k < len; k++) {
			double d = tcc_load_f64(t, in[0]->data, o * len + k) - mean;

			var += d * d;
		}
		var /= (double)len;
		double inv = 1.0 / sqrt(var + eps);

		for (int64_t k = 0; k < len; k++) {
			double v = (tcc_load_f64(t, in[0]->data, o * len + k) - mean) * inv;

			v = v * tcc_load_f64(sc->dtype, sc->data, k % nsc);
			if (bias)
				v += tcc_load_f64(bias->dtype, bias->data, k % nb);
			tcc_store_f64(t, out[0].data, o * len + k, v);
		}
		if (n_out > 1)
			((float *)out[1].data)[o] = (float)mean;
		if (n_out > 2)
			((float *)out[2].data)[o] = (float)inv;
	}
	return TCC_OK;
}

static tcc_status in_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st)
		return st;
	if (in[0]->rank < 3 || tv_numel(in[1]) != in[0]->dims[1] || tv_numel(in[2]) != in[0]->dims[1])
		return op_err(n, TCC_ERR_INVALID_ARG, "scale/B must have C values and input rank >= 3");
	out[0] = *in[0];
	out[0].data = NULL;
	return TCC_OK;
}

static tcc_status in_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			 tv *out, int n_out)
{
	double eps = ir_attr_float(n, "epsilon", 1e-5f);
	int64_t N = in[0]->dims[0], C = in[0]->dims[1], I = (N && C) ? tv_numel(in[0]) / (N * C) : 0;
	tcc_dtype t = in[0]->dtype;

	for (int64_t nc = 0; nc < N * C; nc++) {
		double mean = 0, var = 0;
		int64_t c = nc % C;

		for (int64_t i = 0; i < I; i++)
			mean += tcc_load_f64(t, in[0]->data, nc * I + i);
		mean /= (double)I;
		for (int64_t i = 0; i < I; i++) {
			double d = tcc_load_f64(t, in[0]->data, nc * I + i) - mean;

			var += d * d;
		}
		var /= (double)I;
		double a = tcc_load_f64(in[1]->dtype, in[1]->data, c) / sqrt(var + eps);
		double b = tcc_load_f64(in[2]->dtype, in[2]->data, c);

		for (int64_t i = 0; i < I; i++)
			tcc_store_f64(t, out[0].data, nc * I + i,
				      (tcc_load_f64(t, in[0]->data, nc * I + i) - mean) * a + b);
	}
	return TCC_OK;
}

const op_def ops_nn[] = {
	{ "BatchNormalization", 5, 5, 1, 3, OP_HALF_VIA_F32, bn_infer, bn_run },
	{ "Softmax", 1, 1, 1, 1, OP_HALF_VIA_F32, softmax_infer, softmax_run },
	{ "LogSoftmax", 1, 1, 1, 1, OP_HALF_VIA_F32, softmax_infer, softmax_run },
	{ "Hardmax", 1, 1, 1, 1, OP_HALF_VIA_F32, softmax_infer, softmax_run },
	{ "LayerNormalization", 2, 3, 1, 3, OP_HALF_VIA_F32, ln_infer, ln_run },
	{ "InstanceNormalization", 3, 3, 1, 1, OP_HALF_VIA_F32, in_infer, in_run },
	OPS_END
};
