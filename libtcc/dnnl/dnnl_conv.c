/* SPDX-License-Identifier: MIT */
/*
 * Conv2d and ConvTranspose2d on oneDNN, constant weights prepacked, with
 * layout propagation: an op may keep its dst in oneDNN's blocked layout
 * (keep_blocked_output) and the next op reads it directly (src_from).
 */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "dnnl/dnnl_internal.h"

static int64_t one_if_zero(int64_t v)
{
	return v ? v : 1;
}

typedef struct conv_geom {
	dnnl_dims_t src, wei, dst, bias;
	int wei_nd;
	dnnl_format_tag_t wei_tag;	/* the ONNX weight layout */
	dnnl_dims_t strides, dilates, pad_l, pad_r;
} conv_geom;

static tcc_status geometry(const tcc_dnnl_conv_desc *d, conv_geom *g)
{
	int64_t groups = one_if_zero(d->groups);

	if (d->N < 1 || d->C < 1 || d->H < 1 || d->W < 1 || d->OC < 1 || d->KH < 1 || d->KW < 1 ||
	    groups < 1)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl conv: non-positive dims");
	if (d->C % groups || d->OC % groups)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl conv: C=%lld OC=%lld not divisible by groups=%lld",
				     (long long)d->C, (long long)d->OC, (long long)groups);
	if (!d->weights && !d->packed)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl conv: weights are required (constant)");
	int64_t k[2] = { d->KH, d->KW }, in[2] = { d->H, d->W }, o[2];
	for (int i = 0; i < 2; i++) {
		int64_t s = one_if_zero(d->stride[i]), dil = one_if_zero(d->dilation[i]);
		int64_t ext = (k[i] - 1) * dil + 1;

		if (s < 1 || dil < 1 || d->pad_begin[i] < 0 || d->pad_end[i] < 0 || d->output_padding[i] < 0)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl conv: negative stride, dilation or pad");
		g->strides[i] = s;
		g->dilates[i] = dil - 1;	/* oneDNN counts the holes */
		g->pad_l[i] = d->pad_begin[i];
		if (d->transposed) {
			o[i] = (in[i] - 1) * s + ext - d->pad_begin[i] - d->pad_end[i] + d->output_padding[i];
			/* output_padding adds rows at the end: oneDNN expresses it
			 * as less right padding. */
			g->pad_r[i] = d->pad_end[i] - d->output_padding[i];
			if (g->pad_r[i] < 0)
				return tcc_set_error(TCC_ERR_UNSUPPORTED,
						     "dnnl conv-transpose: output_padding exceeds pad_end");
		} else {
			int64_t span = in[i] + d->pad_begin[i] + d->pad_end[i] - ext;

			o[i] = span < 0 ? 0 : span / s + 1;
			g->pad_r[i] = d->pad_end[i];
		}
		if (o[i] < 1)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl conv: empty output (dim %d)", i);
	}
	dnnl_dim_t src[4] = { d->N, d->C, d->H, d->W }, dst[4] = { d->N, d->OC, o[0], o[1] };
	memcpy(g->src, src, sizeof(src));
	memcpy(g->dst, dst, sizeof(dst));
	g->bias[0] = d->OC;
	if (groups == 1) {
		dnnl_dim_t w[4] = { d->OC, d->C, d->KH, d->KW };

		memcpy(g->wei, w, sizeof(w));
		g->wei_nd = 4;
		g->wei_tag = d->transposed ? dnnl_iohw : dnnl_oihw;
	} else {
		dnnl_dim_t w[5] = { groups, d->OC / groups, d->C / groups, d->KH, d->KW };

		memcpy(g->wei, w, sizeof(w));
		g->wei_nd = 5;
		g->wei_tag = d->transposed ? dnnl_giohw : dnnl_goihw;
	}
	return TCC_OK;
}

/* Which bytes a conv with this geometry reads its weights as (see dnnl_packed.c). */
static uint64_t conv_fingerprint(const tcc_dnnl_conv_desc *d, const conv_geom *g, const dnnl_memory_desc_t *wmd)
{
	uint64_t h = tcc_dnnl_fp_begin();
	unsigned char flags[2] = { d->transposed, d->bf16 };

	h = tcc_dnnl_fp_add(h, g->wei, sizeof(g->wei[0]) * (size_t)g->wei_nd);
	TCC_DNNL_FP_ADD(h, flags);
	return tcc_dnnl_fp_md(h, wmd);
}

/* A forward-inference conv/deconv primitive descriptor for the given layouts. */
static dnnl_status_t make_pd(dnnl_primitive_desc_t *pd, const tcc_dnnl_conv_desc *d, const conv_geom *g,
			     const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *dst,
			     const_dnnl_primitive_attr_t attr, dnnl_engine_t engine)
{
	dnnl_memory_desc_t wei, bias;
	dnnl_status_t st;

	dnnl_memory_desc_init_by_tag(&wei, g->wei_nd, g->wei, d->bf16 ? dnnl_bf16 : dnnl_f32, dnnl_format_tag_any);
	dnnl_memory_desc_init_by_tag(&bias, 1, g->bias, dnnl_f32, dnnl_x);
	if (d->transposed) {
		dnnl_deconvolution_desc_t cd;

		st = dnnl_dilated_deconvolution_forward_desc_init(&cd, dnnl_forward_inference,
				dnnl_deconvolution_direct, src, &wei, d->bias ? &bias : NULL, dst,
				g->strides, g->dilates, g->pad_l, g->pad_r);
		if (st == dnnl_success)
			st = dnnl_primitive_desc_create(pd, &cd, attr, engine, NULL);
	} else {
		dnnl_convolution_desc_t cd;

		st = dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
				dnnl_convolution_direct, src, &wei, d->bias ? &bias : NULL, dst,
				g->strides, g->dilates, g->pad_l, g->pad_r);
		if (st == dnnl_success)
			st = dnnl_primitive_desc_create(pd, &cd, attr, engine, NULL);
	}
	return st;
}

/* The reference kernels and the im2col+GEMM fallback ("gemm:jit"). */
static bool impl_is_slow(const_dnnl_primitive_desc_t pd)
{
	const char *impl = NULL;

	if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl)
		return true;
	return strncmp(impl, "ref", 3) == 0 || strstr(impl, "gemm:") != NULL;
}

static bool impl_is_brgemm(const_dnnl_primitive_desc_t pd)
{
	const char *impl = NULL;

	/* "brgconv", "brgconv_1x1", "brdgmm_dw" (depthwise), ... */
	return dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl &&
	       strncmp(impl, "br", 2) == 0;
}

/* A candidate pd for activations in layout @tag (dnnl_format_tag_any: oneDNN's choice). */
static dnnl_primitive_desc_t candidate(const tcc_dnnl_conv_desc *d, const conv_geom *g, dnnl_format_tag_t src_tag,
				       dnnl_format_tag_t dst_tag, dnnl_data_type_t src_dt,
				       const_dnnl_primitive_attr_t attr, dnnl_engine_t engine)
{
	dnnl_memory_desc_t src, dst;
	dnnl_primitive_desc_t pd = NULL;

	dnnl_memory_desc_init_by_tag(&src, 4, g->src, src_dt, src_tag);
	dnnl_memory_desc_init_by_tag(&dst, 4, g->dst, dnnl_f32, dst_tag);
	if (make_pd(&pd, d, g, &src, &dst, attr, engine) != dnnl_success)
		return NULL;
	return pd;
}

/*
 * Choose the src and dst layouts.  With src_from the src layout is fixed
 * and oneDNN picks the dst.  Otherwise, in order of preference:
 *  1. NHWC when oneDNN runs it with a brgemm kernel: on AVX-512 these reach
 *     2-3x the GFLOP/s of the direct nChw16c kernels at batch 1 (measured
 *     here: 514-613 vs 190-270 GFLOP/s on ResNet-18's 3x3 layers);
 *  2. a plain NCHW src for a first layer with few channels, read directly by
 *     oneDNN's first-layer kernels (no input reorder, no channel padding);
 *  3. whatever oneDNN prefers (format any), e.g. nChw16c / nChw8c.
 * $TCC_DNNL_CONV_LAYOUT=any|nhwc|nchw forces one for experiments.
 */
static tcc_status choose_layouts(const tcc_dnnl_conv_desc *d, const conv_geom *g, dnnl_engine_t engine,
				 dnnl_memory_desc_t *src, dnnl_memory_desc_t *dst)
{
	dnnl_primitive_desc_t pd = NULL;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_data_type_t src_dt = d->bf16 ? dnnl_bf16 : dnnl_f32;
	int add_index;
	tcc_status ts;

	/* Post-ops influence the choice only a little; decide without the add,
	 * whose operand layout is what is being decided. */
	tcc_dnnl_post_ops eltwise_only = { 0 };
	for (int i = 0; i < d->post.n && i < TCC_DNNL_MAX_POST; i++)
		if (d->post.ops[i].kind != TCC_DNNL_POST_ADD)
			eltwise_only.ops[eltwise_only.n++] = d->post.ops[i];
	if ((ts = tcc_dnnl_make_attr(&attr, &eltwise_only, &add_index)) != TCC_OK)
		return ts;

	if (d->src_from) {
		dnnl_memory_desc_t any;

		*src = d->src_from->user_dst_md;
		tcc_dnnl_md_set_dt(src, src_dt);	/* bf16: converted at the input edge */
		if (src->ndims != 4 || memcmp(src->dims, g->src, sizeof(dnnl_dim_t) * 4)) {
			dnnl_primitive_attr_destroy(attr);
			return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl conv: src_from's dst shape differs from N,C,H,W");
		}
		dnnl_memory_desc_init_by_tag(&any, 4, g->dst, dnnl_f32, dnnl_format_tag_any);
		dnnl_status_t st = make_pd(&pd, d, g, src, &any, attr, engine);
		if (st != dnnl_success) {
			dnnl_primitive_attr_destroy(attr);
			return tcc_dnnl_fail(st, d->transposed ? "conv-transpose" : "conv");
		}
	} else if (d->src_nhwc || d->dst_nhwc) {
		/* A neighbour is NHWC: run in NHWC unless oneDNN has nothing for it. */
		pd = candidate(d, g, dnnl_nhwc, dnnl_nhwc, src_dt, attr, engine);
		if (!pd)
			pd = candidate(d, g, dnnl_format_tag_any, dnnl_format_tag_any, src_dt, attr, engine);
		if (!pd) {
			dnnl_primitive_attr_destroy(attr);
			return tcc_set_error(TCC_ERR_UNSUPPORTED, "oneDNN: %s: no implementation for this shape",
					     d->transposed ? "conv-transpose" : "conv");
		}
	} else {
		const char *force = getenv("TCC_DNNL_CONV_LAYOUT");
		/* A first layer: few input channels, not grouped (a depthwise
		 * conv has one channel per group but wants a blocked layout). */
		bool few_channels = one_if_zero(d->groups) == 1 && d->C <= 4;

		if (force && strcmp(force, "nhwc") == 0) {
			pd = candidate(d, g, dnnl_nhwc, dnnl_nhwc, src_dt, attr, engine);
		} else if (force && strcmp(force, "nchw") == 0) {
			pd = candidate(d, g, dnnl_nchw, dnnl_format_tag_any, src_dt, attr, engine);
		} else if (!force || strcmp(force, "any") != 0) {
			pd = candidate(d, g, dnnl_nhwc, dnnl_nhwc, src_dt, attr, engine);
			if (pd && !impl_is_brgemm(pd)) {
				dnnl_primitive_desc_destroy(pd);
				pd = NULL;
			}
			if (!pd && few_channels) {
				pd = candidate(d, g, dnnl_nchw, dnnl_format_tag_any, src_dt, attr, engine);
				if (pd && impl_is_slow(pd)) {
					dnnl_primitive_desc_destroy(pd);
					pd = NULL;
				}
			}
		}
		if (!pd)
			pd = candidate(d, g, dnnl_format_tag_any, dnnl_format_tag_any, src_dt, attr, engine);
		if (!pd) {
			dnnl_primitive_attr_destroy(attr);
			return tcc_set_error(TCC_ERR_UNSUPPORTED, "oneDNN: %s: no implementation for this shape",
					     d->transposed ? "conv-transpose" : "conv");
		}
	}
	dnnl_primitive_attr_destroy(attr);
	*src = *dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
	*dst = *dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
	dnnl_primitive_desc_destroy(pd);
	return TCC_OK;
}

static tcc_status conv_create(tcc_dnnl_op **out, const tcc_dnnl_conv_desc *d);

/*
 * Below this many flops (a few microseconds of one core: squeeze-and-
 * excitation's 1x1 convs on [N, C, 1, 1]) a conv runs on the calling thread
 * alone: oneDNN sizes its work split when the primitive is created, so it
 * is created that way too.
 */
#define SERIAL_CONV_FLOPS (1 << 21)

tcc_status tcc_dnnl_conv_create(tcc_dnnl_op **out, const tcc_dnnl_conv_desc *d)
{
	conv_geom g;
	tcc_status ts;

	if (!out || !d)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl conv: NULL argument");
	if ((ts = geometry(d, &g)) != TCC_OK)
		return ts;
	double flops = 2.0 * (double)g.dst[0] * (double)g.dst[1] * (double)g.dst[2] * (double)g.dst[3] *
		       (double)(d->C / one_if_zero(d->groups)) * (double)d->KH * (double)d->KW;
	bool serial = flops < SERIAL_CONV_FLOPS && omp_get_max_threads() > 1;
	int team = omp_get_max_threads();

	if (serial)
		omp_set_num_threads(1);
	ts = conv_create(out, d);
	if (serial)
		omp_set_num_threads(team);
	if (ts == TCC_OK)
		(*out)->serial = serial;
	return ts;
}

static tcc_status conv_create(tcc_dnnl_op **out, const tcc_dnnl_conv_desc *d)
{
	dnnl_engine_t engine = NULL;
	dnnl_memory_desc_t src, dst, plain_src, plain_dst, wei_user, bias_user;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t pd = NULL;
	tcc_dnnl_op *op = NULL;
	conv_geom g;
	int add_index;
	tcc_status ts;

	if (!out || !d)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl conv: NULL argument");
	if ((ts = geometry(d, &g)) != TCC_OK || (ts = tcc_dnnl_engine(&engine)) != TCC_OK)
		return ts;
	if (d->bf16 && !tcc_dnnl_has_bf16())
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "dnnl conv: no native bf16 on this CPU (oneDNN ISA %s)",
				     tcc_dnnl_isa());
	if ((ts = choose_layouts(d, &g, engine, &src, &dst)) != TCC_OK)
		return ts;
	/* The final primitive, with the whole post-op chain, in those layouts. */
	if ((ts = tcc_dnnl_make_attr(&attr, &d->post, &add_index)) != TCC_OK)
		return ts;
	dnnl_status_t st = make_pd(&pd, d, &g, &src, &dst, attr, engine);
	if (st != dnnl_success) {
		ts = tcc_dnnl_fail(st, d->transposed ? "conv-transpose with post-ops" : "conv with post-ops");
		goto out;
	}
	if ((ts = tcc_dnnl_op_alloc(&op, d->transposed ? "conv-transpose" : "conv")) != TCC_OK)
		goto out;
	const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	uint64_t fp = conv_fingerprint(d, &g, wmd);

	if (!tcc_dnnl_use_packed(op, wmd, fp, d->packed, d->packed_bytes, d->packed_fingerprint)) {
		if (!d->weights) {
			ts = tcc_set_error(TCC_ERR_UNSUPPORTED,
					   "dnnl conv: packed weights are for another layout and there are no plain ones");
			goto out;
		}
		dnnl_memory_desc_init_by_tag(&wei_user, g.wei_nd, g.wei, dnnl_f32, g.wei_tag);
		ts = tcc_dnnl_prepack(d->weights, &wei_user, wmd, &op->wei_buf, &op->wei_mem);
		if (ts != TCC_OK)
			goto out;
		op->packed = op->wei_buf;
		op->packed_bytes = dnnl_memory_desc_get_size(wmd);
		op->packed_fingerprint = fp;
	}
	if (d->bias) {
		dnnl_memory_desc_init_by_tag(&bias_user, 1, g.bias, dnnl_f32, dnnl_x);
		ts = tcc_dnnl_prepack(d->bias, &bias_user, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1),
				      &op->bias_buf, &op->bias_mem);
		if (ts != TCC_OK)
			goto out;
	}
	tcc_dnnl_user_md(&plain_src, g.src, d->src_nhwc);
	tcc_dnnl_user_md(&plain_dst, g.dst, d->dst_nhwc);
	ts = tcc_dnnl_op_finish(op, pd, d->src_from ? &d->src_from->user_dst_md : &plain_src,
				d->keep_blocked_output && !d->dst_nhwc ? NULL : &plain_dst, add_index, false,
				d->bias != NULL);
out:
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (attr)
		dnnl_primitive_attr_destroy(attr);
	if (ts != TCC_OK) {
		tcc_dnnl_op_free(op);
		return ts;
	}
	*out = op;
	return TCC_OK;
}
