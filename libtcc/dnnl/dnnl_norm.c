/* SPDX-License-Identifier: MIT */
/*
 * Softmax and layer normalisation over the last axis on oneDNN: its JIT
 * kernels vectorise the row reductions (max, sum of exp, mean, variance)
 * for the CPU at hand, which a portable -O2 C loop cannot do without
 * reassociating floating point.
 */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "dnnl/dnnl_internal.h"

static tcc_status check_rows(int64_t rows, int64_t len, const char *what)
{
	if (rows < 1 || len < 1)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl %s: bad dims rows=%lld len=%lld", what,
				     (long long)rows, (long long)len);
	return TCC_OK;
}

/* Create the op around a primitive descriptor made from @desc. */
static tcc_status finish_simple(tcc_dnnl_op **out, tcc_dnnl_op *op, const void *desc, const char *what)
{
	dnnl_engine_t engine = NULL;
	dnnl_primitive_desc_t pd = NULL;
	tcc_status ts = tcc_dnnl_engine(&engine);

	if (ts == TCC_OK) {
		dnnl_status_t st = dnnl_primitive_desc_create(&pd, desc, NULL, engine, NULL);

		ts = st == dnnl_success ? tcc_dnnl_op_finish(op, pd, NULL, NULL, -1, false, false)
					: tcc_dnnl_fail(st, what);
	}
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (ts != TCC_OK) {
		tcc_dnnl_op_free(op);
		return ts;
	}
	*out = op;
	return TCC_OK;
}

tcc_status tcc_dnnl_softmax_create(tcc_dnnl_op **out, const tcc_dnnl_softmax_desc *d)
{
	dnnl_memory_desc_t md;
	dnnl_softmax_v2_desc_t sd;
	tcc_dnnl_op *op;
	tcc_status ts;

	if (!out || !d)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl softmax: NULL argument");
	if ((ts = check_rows(d->rows, d->len, "softmax")) != TCC_OK)
		return ts;
	dnnl_dims_t dims = { d->rows, d->len };
	tcc_dnnl_plain_md(&md, 2, dims);
	dnnl_status_t st = dnnl_softmax_v2_forward_desc_init(&sd, dnnl_forward_inference,
							     d->log ? dnnl_softmax_log : dnnl_softmax_accurate,
							     &md, &md, 1);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, "softmax");
	if ((ts = tcc_dnnl_op_alloc(&op, "softmax")) != TCC_OK)
		return ts;
	return finish_simple(out, op, &sd, "softmax");
}

/* A constant [len] vector (scale or shift) as an execute argument of @op. */
static tcc_status const_arg(tcc_dnnl_op *op, int arg, const float *values, float fill, int64_t len)
{
	dnnl_engine_t engine = NULL;
	dnnl_memory_desc_t md;
	dnnl_dims_t dims = { len };
	int i = op->n_const_args;
	tcc_status ts = tcc_dnnl_engine(&engine);

	if (ts != TCC_OK)
		return ts;
	float *buf = malloc(sizeof(float) * (size_t)len);
	if (!buf)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "dnnl layernorm: no memory for scale/shift");
	for (int64_t k = 0; k < len; k++)
		buf[k] = values ? values[k] : fill;
	op->const_bufs[i] = buf;
	tcc_dnnl_plain_md(&md, 1, dims);
	DNNL_TRY(dnnl_memory_create(&op->const_args[i].memory, &md, engine, buf), "layernorm scale/shift");
	op->const_args[i].arg = arg;
	op->n_const_args++;
	return TCC_OK;
}

tcc_status tcc_dnnl_layernorm_create(tcc_dnnl_op **out, const tcc_dnnl_layernorm_desc *d)
{
	dnnl_memory_desc_t md;
	dnnl_layer_normalization_desc_t ld;
	tcc_dnnl_op *op;
	tcc_status ts;

	if (!out || !d)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl layernorm: NULL argument");
	if ((ts = check_rows(d->rows, d->len, "layernorm")) != TCC_OK)
		return ts;
	if (d->epsilon < 0)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl layernorm: negative epsilon");
	dnnl_dims_t dims = { d->rows, d->len };
	tcc_dnnl_plain_md(&md, 2, dims);
	/* Scale and shift are always passed (1 and 0 when absent): one kernel
	 * shape for every LayerNormalization. */
	dnnl_status_t st = dnnl_layer_normalization_forward_desc_init(&ld, dnnl_forward_inference, &md, NULL,
								      d->epsilon > 0 ? d->epsilon : 1e-5f,
								      dnnl_use_scale | dnnl_use_shift);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, "layernorm");
	if ((ts = tcc_dnnl_op_alloc(&op, "layernorm")) != TCC_OK)
		return ts;
	if ((ts = const_arg(op, DNNL_ARG_SCALE, d->scale, 1.0f, d->len)) != TCC_OK ||
	    (ts = const_arg(op, DNNL_ARG_SHIFT, d->shift, 0.0f, d->len)) != TCC_OK) {
		tcc_dnnl_op_free(op);
		return ts;
	}
	return finish_simple(out, op, &ld, "layernorm");
}
