/* SPDX-License-Identifier: MIT */
/* Max / average / global pooling on oneDNN, in the layout of the producer. */
#include "common/error.h"
#include "dnnl/dnnl_internal.h"

static int64_t one_if_zero(int64_t v)
{
	return v ? v : 1;
}

tcc_status tcc_dnnl_pool_create(tcc_dnnl_op **out, const tcc_dnnl_pool_desc *d)
{
	dnnl_engine_t engine = NULL;
	dnnl_memory_desc_t src, dst, plain_src, plain_dst;
	dnnl_pooling_v2_desc_t pool;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_dims_t strides, kernel, dilation, pad_l, pad_r, odims;
	dnnl_alg_kind_t alg;
	tcc_dnnl_op *op = NULL;
	tcc_status ts;

	if (!out || !d)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl pool: NULL argument");
	if (d->N < 1 || d->C < 1 || d->H < 1 || d->W < 1)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl pool: non-positive dims");
	switch (d->kind) {
	case TCC_DNNL_POOL_MAX:
	case TCC_DNNL_POOL_GLOBAL_MAX:
		alg = dnnl_pooling_max;
		break;
	case TCC_DNNL_POOL_AVG_INCLUDE_PAD:
		alg = dnnl_pooling_avg_include_padding;
		break;
	case TCC_DNNL_POOL_AVG_EXCLUDE_PAD:
	case TCC_DNNL_POOL_GLOBAL_AVG:
		alg = dnnl_pooling_avg_exclude_padding;
		break;
	default:
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "dnnl pool: unknown kind %d", (int)d->kind);
	}
	bool global = d->kind == TCC_DNNL_POOL_GLOBAL_AVG || d->kind == TCC_DNNL_POOL_GLOBAL_MAX;
	int64_t in[2] = { d->H, d->W };
	for (int i = 0; i < 2; i++) {
		if (global) {
			kernel[i] = in[i], strides[i] = 1, dilation[i] = 0, pad_l[i] = pad_r[i] = 0;
			odims[i] = 1;
			continue;
		}
		int64_t s = one_if_zero(d->stride[i]), dil = one_if_zero(d->dilation[i]);

		if (d->kernel[i] < 1 || s < 1 || dil < 1 || d->pad_begin[i] < 0 || d->pad_end[i] < 0)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl pool: bad kernel, stride, dilation or pad");
		int64_t span = in[i] + d->pad_begin[i] + d->pad_end[i] - ((d->kernel[i] - 1) * dil + 1);
		if (span < 0)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl pool: kernel larger than the padded input");
		kernel[i] = d->kernel[i], strides[i] = s, dilation[i] = dil - 1;
		pad_l[i] = d->pad_begin[i], pad_r[i] = d->pad_end[i];
		odims[i] = span / s + 1;
	}
	if ((ts = tcc_dnnl_engine(&engine)) != TCC_OK)
		return ts;
	dnnl_dims_t sdims = { d->N, d->C, d->H, d->W }, ddims = { d->N, d->C, odims[0], odims[1] };
	tcc_dnnl_user_md(&plain_src, sdims, d->src_nhwc);
	tcc_dnnl_user_md(&plain_dst, ddims, d->dst_nhwc);
	if (d->src_from) {
		src = d->src_from->user_dst_md;
		if (src.ndims != 4 || src.dims[0] != d->N || src.dims[1] != d->C || src.dims[2] != d->H ||
		    src.dims[3] != d->W)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl pool: src_from's dst shape differs from N,C,H,W");
	} else {
		src = plain_src;
	}
	/* Pooling is memory-bound: run it in whatever layout the src is in. */
	dnnl_memory_desc_init_by_tag(&dst, 4, ddims, dnnl_f32, dnnl_format_tag_any);
	dnnl_status_t st = dnnl_pooling_v2_forward_desc_init(&pool, dnnl_forward_inference, alg, &src, &dst,
							     strides, kernel, dilation, pad_l, pad_r);
	if (st == dnnl_success)
		st = dnnl_primitive_desc_create(&pd, &pool, NULL, engine, NULL);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, "pooling");
	if ((ts = tcc_dnnl_op_alloc(&op, "pool")) == TCC_OK)
		ts = tcc_dnnl_op_finish(op, pd, NULL, d->keep_blocked_output && !d->dst_nhwc ? NULL : &plain_dst, -1, false,
					false);
	dnnl_primitive_desc_destroy(pd);
	if (ts != TCC_OK) {
		tcc_dnnl_op_free(op);
		return ts;
	}
	*out = op;
	return TCC_OK;
}
