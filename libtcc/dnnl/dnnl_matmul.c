/* SPDX-License-Identifier: MIT */
/* MatMul / Gemm on oneDNN's matmul primitive, constant weights prepacked. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "dnnl/dnnl_internal.h"

/* Row-major md of [b,] r×c stored transposed (as [b,] c×r) when @trans. */
static void operand_md(dnnl_memory_desc_t *md, int nd, int64_t b, int64_t r, int64_t c, bool trans)
{
	dnnl_dims_t dims, strides;

	if (nd == 3) {
		dims[0] = b, dims[1] = r, dims[2] = c;
		strides[0] = r * c;
		strides[1] = trans ? 1 : c;
		strides[2] = trans ? r : 1;
	} else {
		dims[0] = r, dims[1] = c;
		strides[0] = trans ? 1 : c;
		strides[1] = trans ? r : 1;
	}
	dnnl_memory_desc_init_by_strides(md, nd, dims, dnnl_f32, strides);
}

static tcc_status check_desc(const tcc_dnnl_matmul_desc *d, int64_t *b_batch)
{
	if (d->batch < 1 || d->M < 1 || d->K < 1 || d->N < 1)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "dnnl matmul: bad dims batch=%lld M=%lld K=%lld N=%lld",
				     (long long)d->batch, (long long)d->M, (long long)d->K, (long long)d->N);
	*b_batch = d->b_batch ? d->b_batch : 1;
	if (*b_batch != 1 && *b_batch != d->batch)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl matmul: b_batch %lld is neither 1 nor batch %lld",
				     (long long)*b_batch, (long long)d->batch);
	return TCC_OK;
}

/*
 * What the packed B bytes depend on: the logical B (K, N, b_batch, trans_b,
 * alpha folded in), its data type and the layout oneDNN chose.  Not the
 * rows of A (M, batch): the layout is chosen for B alone where it does not
 * depend on them (brgemm on AVX-512: measured the same for M = 1..256), and
 * where it does the memory descriptor differs.  So a record packed at one
 * batch size serves every batch size of a symbolic model that gets the same
 * layout.
 */
static uint64_t fingerprint(const tcc_dnnl_matmul_desc *d, float alpha, const dnnl_memory_desc_t *wei_md)
{
	uint64_t h = tcc_dnnl_fp_begin();
	int64_t shape[3] = { d->K, d->N, d->b_batch ? d->b_batch : 1 };
	unsigned char flags[2] = { d->trans_b, d->bf16 };

	TCC_DNNL_FP_ADD(h, shape);
	TCC_DNNL_FP_ADD(h, flags);
	TCC_DNNL_FP_ADD(h, alpha);
	return tcc_dnnl_fp_md(h, wei_md);
}

/*
 * The primitive descriptor of @d, with @attr (NULL: none) and the bias when
 * @with_bias.  Constant weights (given or prepacked) are format "any".
 */
static tcc_status matmul_pd(const tcc_dnnl_matmul_desc *d, int64_t b_batch, const_dnnl_primitive_attr_t attr,
			    bool with_bias, dnnl_primitive_desc_t *pd, dnnl_memory_desc_t *src_md,
			    dnnl_memory_desc_t *wei_user_md, dnnl_memory_desc_t *bias_md,
			    dnnl_memory_desc_t *dst_md)
{
	dnnl_engine_t engine = NULL;
	dnnl_memory_desc_t wei_md;
	dnnl_matmul_desc_t mm;
	tcc_status ts = tcc_dnnl_engine(&engine);

	if (ts != TCC_OK)
		return ts;
	/* A weight shared by the whole batch: fold the batch into M so oneDNN
	 * sees one tall GEMM (better blocking than batch small ones). */
	int64_t batch = d->batch, M = d->M;
	if (b_batch == 1 && batch > 1 && !d->trans_a) {
		M *= batch;
		batch = 1;
	}
	int nd = batch > 1 ? 3 : 2;
	operand_md(src_md, nd, batch, M, d->K, d->trans_a);
	operand_md(wei_user_md, nd, b_batch, d->K, d->N, d->trans_b);
	operand_md(dst_md, nd, batch, M, d->N, false);
	dnnl_dims_t bdims = { 1, 1, 1 };
	bdims[nd - 1] = d->N;
	tcc_dnnl_plain_md(bias_md, nd, bdims);
	if (d->weights || d->packed) {
		/* format any: let oneDNN choose the blocked layout it computes fastest on. */
		dnnl_memory_desc_init_by_tag(&wei_md, nd, wei_user_md->dims, d->bf16 ? dnnl_bf16 : dnnl_f32,
					     dnnl_format_tag_any);
	} else {
		wei_md = *wei_user_md;
	}
	/* bf16: the primitive reads A as bf16; the caller's f32 A goes through
	 * an input edge (tcc_dnnl_op_finish sees the two layouts differ). */
	dnnl_memory_desc_t prim_src_md = *src_md;
	if (d->bf16)
		tcc_dnnl_md_set_dt(&prim_src_md, dnnl_bf16);
	dnnl_status_t st = dnnl_matmul_desc_init(&mm, &prim_src_md, &wei_md, with_bias ? bias_md : NULL, dst_md);
	if (st == dnnl_success)
		st = dnnl_primitive_desc_create(pd, &mm, attr, engine, NULL);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, "matmul");
	return TCC_OK;
}

tcc_status tcc_dnnl_matmul_fingerprint(const tcc_dnnl_matmul_desc *d, uint64_t *fp, size_t *bytes)
{
	dnnl_memory_desc_t src_md, wei_user_md, bias_md, dst_md;
	dnnl_primitive_desc_t pd = NULL;
	tcc_dnnl_matmul_desc c;
	int64_t b_batch = 1;
	tcc_status ts;

	if (!d || !fp || !bytes)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl matmul fingerprint: NULL argument");
	if ((ts = check_desc(d, &b_batch)) != TCC_OK)
		return ts;
	if (d->bf16 && !tcc_dnnl_has_bf16())
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "dnnl matmul: no native bf16 on this CPU");
	c = *d;
	c.packed = c.packed ? c.packed : (const void *)1;	/* constant weights, whatever their source */
	ts = matmul_pd(&c, b_batch, NULL, false, &pd, &src_md, &wei_user_md, &bias_md, &dst_md);
	if (ts != TCC_OK)
		return ts;
	const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);

	*fp = fingerprint(d, d->alpha == 0.0f ? 1.0f : d->alpha, wmd);
	*bytes = dnnl_memory_desc_get_size(wmd);
	dnnl_primitive_desc_destroy(pd);
	return TCC_OK;
}

tcc_status tcc_dnnl_matmul_create(tcc_dnnl_op **out, const tcc_dnnl_matmul_desc *d)
{
	dnnl_engine_t engine = NULL;
	dnnl_memory_desc_t src_md, wei_user_md, bias_md, dst_md;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t pd = NULL;
	tcc_dnnl_op *op = NULL;
	float *scaled = NULL;
	int64_t b_batch = 1;
	int add_index;
	tcc_status ts;

	if (!out || !d)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl matmul: NULL argument");
	if ((ts = check_desc(d, &b_batch)) != TCC_OK || (ts = tcc_dnnl_engine(&engine)) != TCC_OK)
		return ts;
	if (d->packed && d->weights)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl matmul: both weights and packed weights");
	if (d->bf16 && !tcc_dnnl_has_bf16())
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "dnnl matmul: no native bf16 on this CPU (oneDNN ISA %s)",
				     tcc_dnnl_isa());
	bool const_w = d->weights || d->packed;
	if (d->bf16 && !const_w)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "dnnl matmul: bf16 needs constant weights");

	float alpha = d->alpha == 0.0f ? 1.0f : d->alpha;

	ts = tcc_dnnl_make_attr(&attr, &d->post, &add_index);
	if (ts != TCC_OK)
		return ts;
	if (alpha != 1.0f && !const_w) {
		/* Without constant weights to fold alpha into, use an output scale;
		 * oneDNN would apply it after the bias, so refuse that combination. */
		if (d->bias) {
			ts = tcc_set_error(TCC_ERR_UNSUPPORTED,
					   "dnnl matmul: alpha != 1 with a bias and runtime B");
			goto out;
		}
		dnnl_status_t st = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
		if (st != dnnl_success) {
			ts = tcc_dnnl_fail(st, "matmul output scale");
			goto out;
		}
	}
	ts = matmul_pd(d, b_batch, attr, d->bias != NULL, &pd, &src_md, &wei_user_md, &bias_md, &dst_md);
	if (ts != TCC_OK)
		goto out;
	if ((ts = tcc_dnnl_op_alloc(&op, "matmul")) != TCC_OK)
		goto out;
	const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);

	if (d->packed) {
		uint64_t fp = fingerprint(d, alpha, wmd);

		if (!tcc_dnnl_use_packed(op, wmd, fp, d->packed, d->packed_bytes, d->packed_fingerprint)) {
			ts = tcc_set_error(TCC_ERR_UNSUPPORTED,
					   "dnnl matmul: packed weights fingerprint %016llx, this process wants %016llx (%zu bytes)",
					   (unsigned long long)d->packed_fingerprint, (unsigned long long)fp,
					   dnnl_memory_desc_get_size(wmd));
			goto out;
		}
	} else if (d->weights) {
		const float *w = d->weights;

		if (alpha != 1.0f) {
			size_t n = (size_t)b_batch * d->K * d->N;

			scaled = malloc(n * sizeof(float));
			if (!scaled) {
				ts = tcc_set_error(TCC_ERR_NO_MEMORY, "dnnl matmul: no memory to scale weights");
				goto out;
			}
			for (size_t i = 0; i < n; i++)
				scaled[i] = alpha * d->weights[i];
			w = scaled;
		}
		ts = tcc_dnnl_prepack(w, &wei_user_md, wmd, &op->wei_buf, &op->wei_mem);
		if (ts != TCC_OK)
			goto out;
		op->packed = op->wei_buf;
		op->packed_bytes = dnnl_memory_desc_get_size(wmd);
		op->packed_fingerprint = fingerprint(d, alpha, wmd);
	}
	if (d->bias) {
		ts = tcc_dnnl_prepack(d->bias, &bias_md, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1),
				      &op->bias_buf, &op->bias_mem);
		if (ts != TCC_OK)
			goto out;
	}
	ts = tcc_dnnl_op_finish(op, pd, &src_md, &dst_md, add_index, !const_w, d->bias != NULL);
out:
	free(scaled);
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
