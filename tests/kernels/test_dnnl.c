// SPDX-License-Identifier: MIT
/*
 * oneDNN extern kernels against naive double-precision references on odd
 * shapes.  Error measure: max |got - ref| / max |ref| over the output (the
 * normwise max relative error), required <= 1e-4 for fp32.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/cpu.h"
#include "dnnl/dnnl_ops.h"
#include <tcc/status.h>

#define TOL 1e-4
/* bf16 keeps 8 significant bits: products are exact in f32, inputs are
 * rounded to 2^-9 relative, so 1e-2 normwise is generous but meaningful. */
#define TOL_BF16 1e-2

static double tol = TOL;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float frand(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (float)((rng >> 11) * (1.0 / 9007199254740992.0) * 2.0 - 1.0);
}

static float *rand_buf(size_t n)
{
	float *p = malloc(n * sizeof(float));

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = frand();
	return p;
}

static double max_rel_err(const float *got, const double *ref, size_t n)
{
	double maxref = 0, maxdiff = 0;

	for (size_t i = 0; i < n; i++) {
		maxref = fmax(maxref, fabs(ref[i]));
		maxdiff = fmax(maxdiff, fabs(got[i] - ref[i]));
		if (isnan(got[i]))
			return INFINITY;
	}
	return maxref > 0 ? maxdiff / maxref : maxdiff;
}

static void expect_close(const float *got, const double *ref, size_t n)
{
	double e = max_rel_err(got, ref, n);

	if (!(e <= tol))
		fail_msg("max relative error %g > %g", e, tol);
}

static double apply_post(const tcc_dnnl_post_ops *post, double x, double residual)
{
	for (int i = 0; i < post->n; i++) {
		const tcc_dnnl_post *p = &post->ops[i];

		switch (p->kind) {
		case TCC_DNNL_POST_RELU: x = x > 0 ? x : x * p->alpha; break;
		case TCC_DNNL_POST_GELU_ERF: x = 0.5 * x * (1 + erf(x / sqrt(2.0))); break;
		case TCC_DNNL_POST_GELU_TANH:
			x = 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
			break;
		case TCC_DNNL_POST_SIGMOID: x = 1 / (1 + exp(-x)); break;
		case TCC_DNNL_POST_TANH: x = tanh(x); break;
		case TCC_DNNL_POST_CLIP: x = fmin(fmax(x, p->alpha), p->beta); break;
		case TCC_DNNL_POST_LINEAR: x = p->alpha * x + p->beta; break;
		case TCC_DNNL_POST_ADD: x += residual; break;
		case TCC_DNNL_POST_HARDSWISH: x = x * fmin(fmax(x / 6 + 0.5, 0), 1); break;
		case TCC_DNNL_POST_SWISH: x = x / (1 + exp(-p->alpha * x)); break;
		}
	}
	return x;
}

static bool has_add(const tcc_dnnl_post_ops *post)
{
	for (int i = 0; i < post->n; i++)
		if (post->ops[i].kind == TCC_DNNL_POST_ADD)
			return true;
	return false;
}

/* ---- matmul ---- */

static void ref_matmul(const tcc_dnnl_matmul_desc *d, const float *a, const float *b, const float *res,
		       double *c)
{
	int64_t bb = d->b_batch ? d->b_batch : 1;
	double alpha = d->alpha ? d->alpha : 1;

	for (int64_t n = 0; n < d->batch; n++)
		for (int64_t i = 0; i < d->M; i++)
			for (int64_t j = 0; j < d->N; j++) {
				const float *A = a + n * d->M * d->K;
				const float *B = b + (bb == 1 ? 0 : n) * d->K * d->N;
				double s = 0;

				for (int64_t k = 0; k < d->K; k++) {
					double av = d->trans_a ? A[k * d->M + i] : A[i * d->K + k];
					double bv = d->trans_b ? B[j * d->K + k] : B[k * d->N + j];
					s += av * bv;
				}
				s *= alpha;
				if (d->bias)
					s += d->bias[j];
				size_t o = (n * d->M + i) * d->N + j;
				c[o] = apply_post(&d->post, s, res ? res[o] : 0);
			}
}

static void check_matmul(tcc_dnnl_matmul_desc d, bool runtime_b, bool with_bias)
{
	int64_t bb = d.b_batch ? d.b_batch : 1;
	size_t na = d.batch * d.M * d.K, nb = bb * d.K * d.N, nc = d.batch * d.M * d.N;
	float *a = rand_buf(na), *b = rand_buf(nb), *bias = rand_buf(d.N);
	float *res = has_add(&d.post) ? rand_buf(nc) : NULL;
	float *c = malloc(nc * sizeof(float));
	double *ref = malloc(nc * sizeof(double));
	tcc_dnnl_op *op;

	d.weights = runtime_b ? NULL : b;
	d.bias = with_bias ? bias : NULL;
	assert_int_equal(tcc_dnnl_matmul_create(&op, &d), TCC_OK);
	assert_true(tcc_dnnl_op_dst_bytes(op) >= nc * sizeof(float));
	/* Prepacking copied the weights: scribbling on the caller's copy after
	 * create must not change the result (the reference uses a saved copy). */
	float *b_saved = malloc(nb * sizeof(float));
	memcpy(b_saved, b, nb * sizeof(float));
	if (!runtime_b)
		memset(b, 0, nb * sizeof(float));
	/* Run twice: the op is reusable and stateless between runs. */
	for (int rep = 0; rep < 2; rep++) {
		memset(c, 0xff, nc * sizeof(float));
		assert_int_equal(tcc_dnnl_op_run(op, a, runtime_b ? b_saved : NULL, c, res), TCC_OK);
	}
	d.bias = with_bias ? bias : NULL;
	ref_matmul(&d, a, b_saved, res, ref);
	expect_close(c, ref, nc);
	if (res) {	/* in place: the residual is the dst buffer */
		memcpy(c, res, nc * sizeof(float));
		assert_int_equal(tcc_dnnl_op_run(op, a, runtime_b ? b_saved : NULL, c, c), TCC_OK);
		expect_close(c, ref, nc);
	}
	tcc_dnnl_op_free(op);
	free(a), free(b), free(b_saved), free(bias), free(res), free(c), free(ref);
}

static void matmul_2d_bias_gelu(void **state)
{
	tcc_dnnl_matmul_desc d = { .batch = 1, .M = 7, .K = 13, .N = 5,
				   .post = { 1, { { TCC_DNNL_POST_GELU_ERF, 0, 0 } } } };
	check_matmul(d, false, true);
}

static void matmul_shared_weight_batch_trans_b_residual_relu(void **state)
{
	tcc_dnnl_matmul_desc d = { .batch = 3, .M = 5, .K = 37, .N = 19, .b_batch = 1, .trans_b = true,
				   .post = { 2, { { TCC_DNNL_POST_ADD, 0, 0 }, { TCC_DNNL_POST_RELU, 0, 0 } } } };
	check_matmul(d, false, true);
}

static void matmul_batched_weights_trans_a_alpha(void **state)
{
	tcc_dnnl_matmul_desc d = { .batch = 4, .M = 6, .K = 9, .N = 11, .b_batch = 4, .trans_a = true,
				   .alpha = 0.5f };
	check_matmul(d, false, true);
}

static void matmul_runtime_b_attention_scores(void **state)
{
	/* Q·Kᵀ per head, scaled: [8, 17, 16] · [8, 17, 16]ᵀ. */
	tcc_dnnl_matmul_desc d = { .batch = 8, .M = 17, .K = 16, .N = 17, .b_batch = 8, .trans_b = true,
				   .alpha = 0.25f };
	check_matmul(d, true, false);
}

static void matmul_post_op_chain(void **state)
{
	tcc_dnnl_matmul_desc d = { .batch = 1, .M = 33, .K = 65, .N = 31,
				   .post = { 5, { { TCC_DNNL_POST_LINEAR, 0.5f, 0.25f },
						  { TCC_DNNL_POST_CLIP, -1.0f, 1.5f },
						  { TCC_DNNL_POST_GELU_TANH, 0, 0 },
						  { TCC_DNNL_POST_SIGMOID, 0, 0 },
						  { TCC_DNNL_POST_TANH, 0, 0 } } } };
	check_matmul(d, false, true);
}

static void matmul_large_k_accuracy(void **state)
{
	/* A wide reduction (the MLP's K) keeps the error inside the bound. */
	tcc_dnnl_matmul_desc d = { .batch = 1, .M = 3, .K = 2048, .N = 67 };
	check_matmul(d, false, false);
}

/* ---- conv ---- */

static int64_t def1(int64_t v)
{
	return v ? v : 1;
}

static void conv_out_dims(const tcc_dnnl_conv_desc *d, int64_t *oh, int64_t *ow)
{
	int64_t k[2] = { d->KH, d->KW }, in[2] = { d->H, d->W }, o[2];

	for (int i = 0; i < 2; i++) {
		int64_t s = def1(d->stride[i]), dil = def1(d->dilation[i]), ext = (k[i] - 1) * dil + 1;

		o[i] = d->transposed ? (in[i] - 1) * s + ext - d->pad_begin[i] - d->pad_end[i] + d->output_padding[i]
				     : (in[i] + d->pad_begin[i] + d->pad_end[i] - ext) / s + 1;
	}
	*oh = o[0], *ow = o[1];
}

static void ref_conv(const tcc_dnnl_conv_desc *d, const float *x, const float *res, double *y)
{
	int64_t g = def1(d->groups), OH, OW, icg = d->C / g, ocg = d->OC / g;
	int64_t sh = def1(d->stride[0]), sw = def1(d->stride[1]);
	int64_t dh = def1(d->dilation[0]), dw = def1(d->dilation[1]);
	size_t ny;

	conv_out_dims(d, &OH, &OW);
	ny = d->N * d->OC * OH * OW;
	double *acc = calloc(ny, sizeof(double));
	for (int64_t n = 0; n < d->N; n++)
		for (int64_t gi = 0; gi < g; gi++)
			for (int64_t ic = 0; ic < icg; ic++)
				for (int64_t oc = 0; oc < ocg; oc++)
					for (int64_t kh = 0; kh < d->KH; kh++)
						for (int64_t kw = 0; kw < d->KW; kw++) {
							int64_t c = gi * icg + ic, o = gi * ocg + oc;
							double w;

							if (d->transposed) {
								w = d->weights[((c * ocg + oc) * d->KH + kh) * d->KW + kw];
								for (int64_t ih = 0; ih < d->H; ih++)
									for (int64_t iw = 0; iw < d->W; iw++) {
										int64_t yh = ih * sh + kh * dh - d->pad_begin[0];
										int64_t yw = iw * sw + kw * dw - d->pad_begin[1];
										if (yh < 0 || yh >= OH || yw < 0 || yw >= OW)
											continue;
										acc[((n * d->OC + o) * OH + yh) * OW + yw] +=
											w * x[((n * d->C + c) * d->H + ih) * d->W + iw];
									}
							} else {
								w = d->weights[((o * icg + ic) * d->KH + kh) * d->KW + kw];
								for (int64_t yh = 0; yh < OH; yh++)
									for (int64_t yw = 0; yw < OW; yw++) {
										int64_t ih = yh * sh - d->pad_begin[0] + kh * dh;
										int64_t iw = yw * sw - d->pad_begin[1] + kw * dw;
										if (ih < 0 || ih >= d->H || iw < 0 || iw >= d->W)
											continue;
										acc[((n * d->OC + o) * OH + yh) * OW + yw] +=
											w * x[((n * d->C + c) * d->H + ih) * d->W + iw];
									}
							}
						}
	for (size_t i = 0; i < ny; i++) {
		int64_t o = (i / (OH * OW)) % d->OC;
		double v = acc[i] + (d->bias ? d->bias[o] : 0);

		y[i] = apply_post(&d->post, v, res ? res[i] : 0);
	}
	free(acc);
}

static void check_conv(tcc_dnnl_conv_desc d)
{
	int64_t g = def1(d.groups), OH, OW;
	size_t nx = d.N * d.C * d.H * d.W;
	size_t nw = d.transposed ? d.C * (d.OC / g) * d.KH * d.KW : d.OC * (d.C / g) * d.KH * d.KW;

	conv_out_dims(&d, &OH, &OW);
	size_t ny = d.N * d.OC * OH * OW;
	float *x = rand_buf(nx), *w = rand_buf(nw), *bias = rand_buf(d.OC);
	float *res = has_add(&d.post) ? rand_buf(ny) : NULL;
	float *y = malloc(ny * sizeof(float));
	double *ref = malloc(ny * sizeof(double));
	tcc_dnnl_op *op;

	d.weights = w;
	d.bias = bias;
	assert_int_equal(tcc_dnnl_conv_create(&op, &d), TCC_OK);
	assert_false(tcc_dnnl_op_dst_is_blocked(op));	/* plain unless asked */
	assert_int_equal(tcc_dnnl_op_dst_bytes(op), ny * sizeof(float));
	assert_int_equal(tcc_dnnl_op_run(op, x, NULL, y, res), TCC_OK);
	ref_conv(&d, x, res, ref);
	expect_close(y, ref, ny);
	if (res) {	/* in place: the residual is the dst buffer */
		memcpy(y, res, ny * sizeof(float));
		assert_int_equal(tcc_dnnl_op_run(op, x, NULL, y, y), TCC_OK);
		expect_close(y, ref, ny);
	}
	tcc_dnnl_op_free(op);
	free(x), free(w), free(bias), free(res), free(y), free(ref);
}

static void conv_strided_padded_bias_residual_relu(void **state)
{
	tcc_dnnl_conv_desc d = { .N = 2, .C = 5, .H = 11, .W = 9, .OC = 7, .KH = 3, .KW = 3,
				 .stride = { 2, 2 }, .pad_begin = { 1, 1 }, .pad_end = { 1, 1 },
				 .post = { 2, { { TCC_DNNL_POST_ADD, 0, 0 }, { TCC_DNNL_POST_RELU, 0, 0 } } } };
	check_conv(d);
}

static void conv_wide_channels_asymmetric_pads(void **state)
{
	tcc_dnnl_conv_desc d = { .N = 1, .C = 35, .H = 8, .W = 13, .OC = 33, .KH = 3, .KW = 5,
				 .stride = { 1, 2 }, .pad_begin = { 0, 2 }, .pad_end = { 2, 1 } };
	check_conv(d);
}

static void conv_depthwise_dilated(void **state)
{
	tcc_dnnl_conv_desc d = { .N = 1, .C = 24, .H = 10, .W = 7, .OC = 24, .KH = 3, .KW = 3, .groups = 24,
				 .dilation = { 2, 2 }, .pad_begin = { 2, 2 }, .pad_end = { 2, 2 },
				 .post = { 1, { { TCC_DNNL_POST_CLIP, 0, 6 } } } };
	check_conv(d);
}

/* MobileNetV3's and EfficientNet's activations as post-ops of a dense and a depthwise conv. */
static void conv_hardswish_and_swish_post_ops(void **state)
{
	tcc_dnnl_conv_desc d = { .N = 1, .C = 16, .H = 9, .W = 11, .OC = 24, .KH = 3, .KW = 3,
				 .pad_begin = { 1, 1 }, .pad_end = { 1, 1 },
				 .post = { 1, { { TCC_DNNL_POST_HARDSWISH, 0, 0 } } } };
	tcc_dnnl_conv_desc dw = { .N = 1, .C = 24, .H = 9, .W = 11, .OC = 24, .KH = 3, .KW = 3, .groups = 24,
				  .pad_begin = { 1, 1 }, .pad_end = { 1, 1 },
				  .post = { 1, { { TCC_DNNL_POST_SWISH, 1.0f, 0 } } } };

	check_conv(d);
	check_conv(dw);
}

/*
 * A depthwise conv (one input channel per group) is not a "first layer":
 * it must get oneDNN's depthwise kernel, not NCHW im2col+GEMM (8x slower
 * here).  Checked by implementation name on x86 with AVX2, where oneDNN
 * always has one.
 */
static void conv_depthwise_uses_a_depthwise_kernel(void **state)
{
	tcc_dnnl_conv_desc d = { .N = 1, .C = 48, .H = 28, .W = 28, .OC = 48, .KH = 3, .KW = 3, .groups = 48,
				 .pad_begin = { 1, 1 }, .pad_end = { 1, 1 } };
	tcc_dnnl_op *op;

	check_conv(d);
	d.weights = calloc(48 * 9, sizeof(float));
	assert_int_equal(tcc_dnnl_conv_create(&op, &d), TCC_OK);
	print_message("# depthwise: %s\n", tcc_dnnl_op_impl(op));
#if defined(__x86_64__)
	if (tcc_cpu_has("avx2")) {
		assert_null(strstr(tcc_dnnl_op_impl(op), "gemm:"));
		assert_false(strncmp(tcc_dnnl_op_impl(op), "ref", 3) == 0);
	}
#endif
	tcc_dnnl_op_free(op);
	free((void *)d.weights);
}

static void conv_grouped_1x1(void **state)
{
	tcc_dnnl_conv_desc d = { .N = 3, .C = 12, .H = 5, .W = 5, .OC = 18, .KH = 1, .KW = 1, .groups = 3 };
	check_conv(d);
}

static void conv_transpose_grouped_output_padding(void **state)
{
	tcc_dnnl_conv_desc d = { .N = 1, .C = 6, .H = 5, .W = 4, .OC = 4, .KH = 3, .KW = 3, .groups = 2,
				 .stride = { 2, 2 }, .pad_begin = { 1, 1 }, .pad_end = { 1, 1 },
				 .output_padding = { 1, 1 }, .transposed = true };
	check_conv(d);
}

/* ---- pooling ---- */

static void ref_pool(const tcc_dnnl_pool_desc *d, const float *x, double *y, int64_t *oh, int64_t *ow)
{
	bool global = d->kind == TCC_DNNL_POOL_GLOBAL_AVG || d->kind == TCC_DNNL_POOL_GLOBAL_MAX;
	int64_t kh = global ? d->H : d->kernel[0], kw = global ? d->W : d->kernel[1];
	int64_t sh = global ? 1 : def1(d->stride[0]), sw = global ? 1 : def1(d->stride[1]);
	int64_t ph = global ? 0 : d->pad_begin[0], pw = global ? 0 : d->pad_begin[1];
	int64_t OH = global ? 1 : (d->H + d->pad_begin[0] + d->pad_end[0] - kh) / sh + 1;
	int64_t OW = global ? 1 : (d->W + d->pad_begin[1] + d->pad_end[1] - kw) / sw + 1;
	bool is_max = d->kind == TCC_DNNL_POOL_MAX || d->kind == TCC_DNNL_POOL_GLOBAL_MAX;

	for (int64_t nc = 0; nc < d->N * d->C; nc++)
		for (int64_t i = 0; i < OH; i++)
			for (int64_t j = 0; j < OW; j++) {
				double acc = is_max ? -INFINITY : 0;
				int count = 0;

				for (int64_t a = 0; a < kh; a++)
					for (int64_t b = 0; b < kw; b++) {
						int64_t h = i * sh - ph + a, w = j * sw - pw + b;
						if (h < 0 || h >= d->H || w < 0 || w >= d->W)
							continue;
						double v = x[(nc * d->H + h) * d->W + w];
						acc = is_max ? fmax(acc, v) : acc + v;
						count++;
					}
				if (d->kind == TCC_DNNL_POOL_AVG_INCLUDE_PAD)
					acc /= (double)(kh * kw);
				else if (!is_max)
					acc /= count;
				y[(nc * OH + i) * OW + j] = acc;
			}
	*oh = OH, *ow = OW;
}

static void check_pool(tcc_dnnl_pool_desc d)
{
	size_t nx = d.N * d.C * d.H * d.W;
	float *x = rand_buf(nx), *y = malloc(nx * sizeof(float));
	double *ref = malloc(nx * sizeof(double));
	int64_t oh, ow;
	tcc_dnnl_op *op;

	assert_int_equal(tcc_dnnl_pool_create(&op, &d), TCC_OK);
	ref_pool(&d, x, ref, &oh, &ow);
	assert_int_equal(tcc_dnnl_op_dst_bytes(op), d.N * d.C * oh * ow * sizeof(float));
	assert_int_equal(tcc_dnnl_op_run(op, x, NULL, y, NULL), TCC_OK);
	expect_close(y, ref, d.N * d.C * oh * ow);
	tcc_dnnl_op_free(op);
	free(x), free(y), free(ref);
}

static void pool_max_padded(void **state)
{
	check_pool((tcc_dnnl_pool_desc){ .kind = TCC_DNNL_POOL_MAX, .N = 2, .C = 3, .H = 9, .W = 7,
					 .kernel = { 3, 3 }, .stride = { 2, 2 }, .pad_begin = { 1, 1 },
					 .pad_end = { 1, 1 } });
}

static void pool_avg_exclude_and_include_pad(void **state)
{
	tcc_dnnl_pool_desc d = { .kind = TCC_DNNL_POOL_AVG_EXCLUDE_PAD, .N = 1, .C = 5, .H = 6, .W = 11,
				 .kernel = { 2, 3 }, .stride = { 1, 2 }, .pad_begin = { 1, 1 },
				 .pad_end = { 0, 1 } };
	check_pool(d);
	d.kind = TCC_DNNL_POOL_AVG_INCLUDE_PAD;
	check_pool(d);
}

/* ONNX ceil_mode is expressed as a wider end padding: windows hanging off
 * the edge see only the valid elements (max) / average over them. */
static void pool_ceil_mode_as_wider_end_padding(void **state)
{
	tcc_dnnl_pool_desc d = { .kind = TCC_DNNL_POOL_MAX, .N = 1, .C = 3, .H = 8, .W = 9,
				 .kernel = { 3, 3 }, .stride = { 2, 2 }, .pad_begin = { 1, 0 },
				 .pad_end = { 2, 1 } };
	check_pool(d);
	d.kind = TCC_DNNL_POOL_AVG_EXCLUDE_PAD;
	check_pool(d);
}

static void pool_global_avg_and_max(void **state)
{
	check_pool((tcc_dnnl_pool_desc){ .kind = TCC_DNNL_POOL_GLOBAL_AVG, .N = 2, .C = 19, .H = 7, .W = 5 });
	check_pool((tcc_dnnl_pool_desc){ .kind = TCC_DNNL_POOL_GLOBAL_MAX, .N = 1, .C = 3, .H = 4, .W = 9 });
}

/* ---- softmax, layer norm ---- */

static void softmax_and_log_softmax_rows(void **state)
{
	enum { ROWS = 37, LEN = 129 };
	float *x = rand_buf(ROWS * LEN), *y = malloc(ROWS * LEN * sizeof(float));
	double *ref = malloc(ROWS * LEN * sizeof(double));

	for (int i = 0; i < ROWS * LEN; i++)
		x[i] *= 20;			/* wide range: exp overflows without the max shift */
	for (int r = 0; r < ROWS; r += 3)
		x[r * LEN + r % LEN] = -INFINITY;	/* masked positions, as attention masks make */
	for (int log_mode = 0; log_mode < 2; log_mode++) {
		tcc_dnnl_softmax_desc d = { .rows = ROWS, .len = LEN, .log = log_mode };
		tcc_dnnl_op *op;

		assert_int_equal(tcc_dnnl_softmax_create(&op, &d), TCC_OK);
		assert_int_equal(tcc_dnnl_op_run(op, x, NULL, y, NULL), TCC_OK);
		for (int r = 0; r < ROWS; r++) {
			double mx = -INFINITY, sum = 0;

			for (int k = 0; k < LEN; k++)
				mx = fmax(mx, x[r * LEN + k]);
			for (int k = 0; k < LEN; k++)
				sum += exp(x[r * LEN + k] - mx);
			for (int k = 0; k < LEN; k++) {
				double v = x[r * LEN + k] - mx;

				ref[r * LEN + k] = log_mode ? v - log(sum) : exp(v) / sum;
			}
		}
		if (!log_mode) {
			expect_close(y, ref, ROWS * LEN);
			assert_true(y[0] == 0.0f);	/* exp(-inf) is exactly 0 */
		} else {
			/* log-softmax: -inf stays -inf, the rest within tolerance. */
			assert_true(isinf(y[0]) && y[0] < 0);
			y[0] = 0, ref[0] = 0;
			for (int r = 3; r < ROWS; r += 3)
				y[r * LEN + r % LEN] = 0, ref[r * LEN + r % LEN] = 0;
			expect_close(y, ref, ROWS * LEN);
		}
		tcc_dnnl_op_free(op);
	}
	free(x), free(y), free(ref);
}

static void layernorm_rows_with_and_without_affine(void **state)
{
	enum { ROWS = 19, LEN = 515 };
	float *x = rand_buf(ROWS * LEN), *y = malloc(ROWS * LEN * sizeof(float));
	float *scale = rand_buf(LEN), *shift = rand_buf(LEN);
	double *ref = malloc(ROWS * LEN * sizeof(double));

	for (int i = 0; i < ROWS * LEN; i++)
		x[i] = x[i] * 3 + 5;		/* a mean far from 0 */
	for (int affine = 0; affine < 2; affine++) {
		tcc_dnnl_layernorm_desc d = { .rows = ROWS, .len = LEN, .epsilon = 1e-5f,
					      .scale = affine ? scale : NULL, .shift = affine ? shift : NULL };
		tcc_dnnl_op *op;

		assert_int_equal(tcc_dnnl_layernorm_create(&op, &d), TCC_OK);
		for (int r = 0; r < ROWS; r++) {
			double mean = 0, var = 0;

			for (int k = 0; k < LEN; k++)
				mean += x[r * LEN + k];
			mean /= LEN;
			for (int k = 0; k < LEN; k++)
				var += (x[r * LEN + k] - mean) * (x[r * LEN + k] - mean);
			var /= LEN;
			for (int k = 0; k < LEN; k++) {
				double v = (x[r * LEN + k] - mean) / sqrt(var + 1e-5);

				ref[r * LEN + k] = affine ? v * scale[k] + shift[k] : v;
			}
		}
		assert_int_equal(tcc_dnnl_op_run(op, x, NULL, y, NULL), TCC_OK);
		expect_close(y, ref, ROWS * LEN);
		/* In place. */
		memcpy(y, x, ROWS * LEN * sizeof(float));
		assert_int_equal(tcc_dnnl_op_run(op, y, NULL, y, NULL), TCC_OK);
		expect_close(y, ref, ROWS * LEN);
		tcc_dnnl_op_free(op);
	}
	tcc_dnnl_op *op;
	assert_int_equal(tcc_dnnl_layernorm_create(&op, &(tcc_dnnl_layernorm_desc){ .rows = 0, .len = 4 }),
			 TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_dnnl_softmax_create(&op, &(tcc_dnnl_softmax_desc){ .rows = 2, .len = -1 }),
			 TCC_ERR_INVALID_ARG);
	free(x), free(y), free(scale), free(shift), free(ref);
}

/* ---- layout propagation ---- */

/*
 * stem conv (3 -> 32, stride 2, blocked out) -> conv 3x3 (32 -> 32, blocked
 * in and out, + stem output as residual, relu) -> max pool (blocked) ->
 * reorder to plain; equals the same chain computed plainly.
 */
static void blocked_chain_matches_plain_reference(void **state)
{
	const int64_t N = 1, H = 17, W = 15, C0 = 3, C = 32;
	tcc_dnnl_conv_desc stem = { .N = N, .C = C0, .H = H, .W = W, .OC = C, .KH = 3, .KW = 3,
				    .stride = { 2, 2 }, .pad_begin = { 1, 1 }, .pad_end = { 1, 1 },
				    .post = { 1, { { TCC_DNNL_POST_RELU, 0, 0 } } },
				    .keep_blocked_output = true };
	int64_t H1 = 9, W1 = 8;
	tcc_dnnl_conv_desc body = { .N = N, .C = C, .H = H1, .W = W1, .OC = C, .KH = 3, .KW = 3,
				    .pad_begin = { 1, 1 }, .pad_end = { 1, 1 },
				    .post = { 2, { { TCC_DNNL_POST_ADD, 0, 0 }, { TCC_DNNL_POST_RELU, 0, 0 } } },
				    .keep_blocked_output = true };
	tcc_dnnl_pool_desc pool = { .kind = TCC_DNNL_POOL_MAX, .N = N, .C = C, .H = H1, .W = W1,
				    .kernel = { 3, 3 }, .stride = { 2, 2 }, .pad_begin = { 1, 1 },
				    .pad_end = { 1, 1 }, .keep_blocked_output = true };
	float *x = rand_buf(N * C0 * H * W), *w0 = rand_buf(C * C0 * 9), *w1 = rand_buf(C * C * 9);
	float *b0 = rand_buf(C), *b1 = rand_buf(C);
	tcc_dnnl_op *op0, *op1, *op2, *op3;

	stem.weights = w0, stem.bias = b0, body.weights = w1, body.bias = b1;
	assert_int_equal(tcc_dnnl_conv_create(&op0, &stem), TCC_OK);
	body.src_from = op0;
	assert_int_equal(tcc_dnnl_conv_create(&op1, &body), TCC_OK);
	/* The residual (stem output) is consumed without a reorder. */
	assert_true(tcc_dnnl_op_dst_layout_equal(op0, op1));
	pool.src_from = op1;
	assert_int_equal(tcc_dnnl_pool_create(&op2, &pool), TCC_OK);
	assert_int_equal(tcc_dnnl_reorder_to_plain_create(&op3, op2), TCC_OK);
	assert_false(tcc_dnnl_op_dst_is_blocked(op3));
	print_message("# blocked chain: stem dst %s (%s), body %s\n",
		      tcc_dnnl_op_dst_is_blocked(op0) ? "blocked" : "plain", tcc_dnnl_op_impl(op0),
		      tcc_dnnl_op_impl(op1));

	float *t0 = aligned_alloc(64, (tcc_dnnl_op_dst_bytes(op0) + 63) / 64 * 64);
	float *t1 = aligned_alloc(64, (tcc_dnnl_op_dst_bytes(op1) + 63) / 64 * 64);
	float *t2 = aligned_alloc(64, (tcc_dnnl_op_dst_bytes(op2) + 63) / 64 * 64);
	float *y = malloc(tcc_dnnl_op_dst_bytes(op3));
	assert_int_equal(tcc_dnnl_op_dst_bytes(op3), N * C * 5 * 4 * sizeof(float));
	assert_int_equal(tcc_dnnl_op_run(op0, x, NULL, t0, NULL), TCC_OK);
	assert_int_equal(tcc_dnnl_op_run(op1, t0, NULL, t1, t0), TCC_OK);
	assert_int_equal(tcc_dnnl_op_run(op2, t1, NULL, t2, NULL), TCC_OK);
	assert_int_equal(tcc_dnnl_op_run(op3, t2, NULL, y, NULL), TCC_OK);

	double *r0 = malloc(N * C * H1 * W1 * sizeof(double)), *r1 = malloc(N * C * H1 * W1 * sizeof(double));
	double *r2 = malloc(N * C * 5 * 4 * sizeof(double));
	float *f0 = malloc(N * C * H1 * W1 * sizeof(float)), *f1 = malloc(N * C * H1 * W1 * sizeof(float));
	int64_t oh, ow;
	ref_conv(&stem, x, NULL, r0);
	for (int64_t i = 0; i < N * C * H1 * W1; i++)
		f0[i] = (float)r0[i];
	ref_conv(&body, f0, f0, r1);
	for (int64_t i = 0; i < N * C * H1 * W1; i++)
		f1[i] = (float)r1[i];
	ref_pool(&pool, f1, r2, &oh, &ow);
	assert_int_equal(oh * ow, 20);
	expect_close(y, r2, N * C * oh * ow);

	tcc_dnnl_op_free(op3), tcc_dnnl_op_free(op2), tcc_dnnl_op_free(op1), tcc_dnnl_op_free(op0);
	free(x), free(w0), free(w1), free(b0), free(b1), free(t0), free(t1), free(t2), free(y);
	free(r0), free(r1), free(r2), free(f0), free(f1);
}

/* A plain tensor brought into a blocked op's layout and back is unchanged. */
static void reorder_edges_round_trip(void **state)
{
	tcc_dnnl_conv_desc d = { .N = 1, .C = 16, .H = 6, .W = 6, .OC = 24, .KH = 1, .KW = 1,
				 .keep_blocked_output = true };
	float *w = rand_buf(24 * 16);
	tcc_dnnl_op *conv, *in, *back;

	d.weights = w;
	assert_int_equal(tcc_dnnl_conv_create(&conv, &d), TCC_OK);
	assert_int_equal(tcc_dnnl_reorder_from_plain_create(&in, conv), TCC_OK);
	assert_int_equal(tcc_dnnl_reorder_to_plain_create(&back, conv), TCC_OK);
	size_t n = 24 * 36;
	float *x = rand_buf(n), *y = calloc(n, sizeof(float));
	float *blk = aligned_alloc(64, (tcc_dnnl_op_dst_bytes(in) + 63) / 64 * 64);
	assert_true(tcc_dnnl_op_dst_layout_equal(in, conv));
	assert_int_equal(tcc_dnnl_op_run(in, x, NULL, blk, NULL), TCC_OK);
	assert_int_equal(tcc_dnnl_op_run(back, blk, NULL, y, NULL), TCC_OK);
	assert_memory_equal(x, y, n * sizeof(float));
	tcc_dnnl_op_free(back), tcc_dnnl_op_free(in), tcc_dnnl_op_free(conv);
	free(w), free(x), free(y), free(blk);
}

/* ---- errors ---- */

static void bad_arguments_are_reported_not_crashed_on(void **state)
{
	tcc_dnnl_op *op = NULL;
	float w[64] = { 0 }, buf[64] = { 0 };

	tcc_dnnl_matmul_desc mm = { .batch = 1, .M = 0, .K = 4, .N = 4, .weights = w };
	assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "bad dims"));

	mm = (tcc_dnnl_matmul_desc){ .batch = 3, .b_batch = 2, .M = 2, .K = 2, .N = 2, .weights = w };
	assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_ERR_INVALID_ARG);

	tcc_dnnl_conv_desc cv = { .N = 1, .C = 6, .H = 4, .W = 4, .OC = 4, .KH = 1, .KW = 1, .groups = 4,
				  .weights = w };
	assert_int_equal(tcc_dnnl_conv_create(&op, &cv), TCC_ERR_INVALID_ARG);
	cv = (tcc_dnnl_conv_desc){ .N = 1, .C = 1, .H = 2, .W = 2, .OC = 1, .KH = 5, .KW = 5, .weights = w };
	assert_int_equal(tcc_dnnl_conv_create(&op, &cv), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "empty output"));
	cv.weights = NULL;
	cv.KH = cv.KW = 1;
	assert_int_equal(tcc_dnnl_conv_create(&op, &cv), TCC_ERR_INVALID_ARG);

	tcc_dnnl_pool_desc pd = { .kind = TCC_DNNL_POOL_MAX, .N = 1, .C = 1, .H = 2, .W = 2, .kernel = { 3, 3 } };
	assert_int_equal(tcc_dnnl_pool_create(&op, &pd), TCC_ERR_INVALID_ARG);
	pd.kind = (tcc_dnnl_pool_kind)99;
	assert_int_equal(tcc_dnnl_pool_create(&op, &pd), TCC_ERR_UNSUPPORTED);

	/* Run-time argument mismatches. */
	mm = (tcc_dnnl_matmul_desc){ .batch = 1, .M = 2, .K = 2, .N = 2, .weights = w,
				     .post = { 1, { { TCC_DNNL_POST_ADD, 0, 0 } } } };
	assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_OK);
	assert_int_equal(tcc_dnnl_op_run(op, buf, NULL, buf + 8, NULL), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "residual missing"));
	assert_int_equal(tcc_dnnl_op_run(op, buf, buf, buf + 8, buf + 16), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_dnnl_op_run(op, NULL, NULL, buf + 8, buf + 16), TCC_ERR_INVALID_ARG);
	tcc_dnnl_op_free(op);
	tcc_dnnl_op_free(NULL);
}

static void unsupported_post_ops_ask_for_fallback(void **state)
{
	tcc_dnnl_op *op = NULL;
	float w[16] = { 0 };
	tcc_dnnl_matmul_desc mm = { .batch = 1, .M = 2, .K = 2, .N = 2, .weights = w,
				    .post = { 2, { { TCC_DNNL_POST_ADD, 0, 0 }, { TCC_DNNL_POST_ADD, 0, 0 } } } };

	assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_ERR_UNSUPPORTED);
	mm.post = (tcc_dnnl_post_ops){ 1, { { (tcc_dnnl_post_kind)42, 0, 0 } } };
	assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_ERR_UNSUPPORTED);
	mm.post = (tcc_dnnl_post_ops){ .n = 9 };
	assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_ERR_INVALID_ARG);
	/* alpha with a bias on a runtime B cannot be ordered correctly. */
	float bias[2] = { 0 };
	mm = (tcc_dnnl_matmul_desc){ .batch = 1, .M = 2, .K = 2, .N = 2, .alpha = 2, .bias = bias };
	assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_ERR_UNSUPPORTED);
}

/* bf16 compute where the CPU has it; a clear refusal where it does not. */
static void bf16_matmul_and_conv_or_unsupported(void **state)
{
	tcc_dnnl_matmul_desc mm = { .batch = 2, .M = 9, .K = 130, .N = 33,
				    .post = { 1, { { TCC_DNNL_POST_GELU_ERF, 0, 0 } } }, .bf16 = true };
	tcc_dnnl_conv_desc cv = { .N = 1, .C = 16, .H = 9, .W = 9, .OC = 32, .KH = 3, .KW = 3,
				  .pad_begin = { 1, 1 }, .pad_end = { 1, 1 },
				  .post = { 2, { { TCC_DNNL_POST_ADD, 0, 0 }, { TCC_DNNL_POST_RELU, 0, 0 } } },
				  .bf16 = true };
	tcc_dnnl_op *op;
	float w[64] = { 0 };

	print_message("# oneDNN ISA %s, bf16 %s\n", tcc_dnnl_isa(), tcc_dnnl_has_bf16() ? "yes" : "no");
	if (!tcc_dnnl_has_bf16()) {
		mm.weights = w;
		assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_ERR_UNSUPPORTED);
		assert_non_null(strstr(tcc_last_error(), "bf16"));
		cv.weights = w;
		assert_int_equal(tcc_dnnl_conv_create(&op, &cv), TCC_ERR_UNSUPPORTED);
		return;
	}
	tol = TOL_BF16;
	check_matmul(mm, false, true);
	check_conv(cv);
	tol = TOL;
	/* A runtime B would need its own conversion edge: not offered. */
	mm.weights = NULL;
	assert_int_equal(tcc_dnnl_matmul_create(&op, &mm), TCC_ERR_UNSUPPORTED);
}

static void version_and_threads(void **state)
{
	const char *v = tcc_dnnl_version();

	assert_true(v[0] >= '2' && v[0] <= '9' && v[1] == '.');
	print_message("# oneDNN %s, threading %s\n", v, tcc_dnnl_threading());
	assert_string_equal(tcc_dnnl_threading(), "openmp");	/* what tcc_dnnl_set_threads drives */
	tcc_dnnl_set_threads(1);
	assert_int_equal(omp_get_max_threads(), 1);
	matmul_2d_bias_gelu(state);
	tcc_dnnl_set_threads(3);
	assert_int_equal(omp_get_max_threads(), 3);
	matmul_2d_bias_gelu(state);
	tcc_dnnl_set_threads(0);
	assert_int_equal(omp_get_max_threads(), omp_get_num_procs());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matmul_2d_bias_gelu),
		cmocka_unit_test(matmul_shared_weight_batch_trans_b_residual_relu),
		cmocka_unit_test(matmul_batched_weights_trans_a_alpha),
		cmocka_unit_test(matmul_runtime_b_attention_scores),
		cmocka_unit_test(matmul_post_op_chain),
		cmocka_unit_test(matmul_large_k_accuracy),
		cmocka_unit_test(conv_strided_padded_bias_residual_relu),
		cmocka_unit_test(conv_wide_channels_asymmetric_pads),
		cmocka_unit_test(conv_depthwise_dilated),
		cmocka_unit_test(conv_hardswish_and_swish_post_ops),
		cmocka_unit_test(conv_depthwise_uses_a_depthwise_kernel),
		cmocka_unit_test(conv_grouped_1x1),
		cmocka_unit_test(conv_transpose_grouped_output_padding),
		cmocka_unit_test(pool_max_padded),
		cmocka_unit_test(pool_avg_exclude_and_include_pad),
		cmocka_unit_test(pool_ceil_mode_as_wider_end_padding),
		cmocka_unit_test(pool_global_avg_and_max),
		cmocka_unit_test(softmax_and_log_softmax_rows),
		cmocka_unit_test(layernorm_rows_with_and_without_affine),
		cmocka_unit_test(blocked_chain_matches_plain_reference),
		cmocka_unit_test(reorder_edges_round_trip),
		cmocka_unit_test(bad_arguments_are_reported_not_crashed_on),
		cmocka_unit_test(unsupported_post_ops_ask_for_fallback),
		cmocka_unit_test(bf16_matmul_and_conv_or_unsupported),
		cmocka_unit_test(version_and_threads),
	};
	return cmocka_run_group_tests_name("dnnl", tests, NULL, NULL);
}
