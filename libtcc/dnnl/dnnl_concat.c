// SPDX-License-Identifier: MIT
/*
 * Concat of 4-D activations on oneDNN's concat primitive: each input and
 * the output dense NCHW or NHWC independently, so a Concat between convs
 * that keep NHWC neither reorders its inputs nor its output.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "dnnl/dnnl_internal.h"

struct tcc_dnnl_concat {
	int n;
	dnnl_primitive_t prim;
	dnnl_stream_t stream;
	dnnl_memory_t *src, dst;
	dnnl_exec_arg_t *args;
	char impl[64];
};

void tcc_dnnl_concat_free(tcc_dnnl_concat *c)
{
	if (!c)
		return;
	for (int i = 0; c->src && i < c->n; i++)
		if (c->src[i])
			dnnl_memory_destroy(c->src[i]);
	if (c->dst)
		dnnl_memory_destroy(c->dst);
	if (c->prim)
		dnnl_primitive_destroy(c->prim);
	if (c->stream)
		dnnl_stream_destroy(c->stream);
	free(c->src);
	free(c->args);
	free(c);
}

static tcc_status create(tcc_dnnl_concat *c, const tcc_dnnl_concat_desc *d, dnnl_engine_t engine)
{
	dnnl_memory_desc_t *mds = calloc((size_t)d->n, sizeof(*mds)), dst;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_dim_t dims[4];
	dnnl_status_t st;

	if (!mds)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "dnnl concat");
	for (int i = 0; i < d->n; i++) {
		for (int k = 0; k < 4; k++)
			dims[k] = d->dims[i][k];
		tcc_dnnl_user_md(&mds[i], dims, d->src_nhwc[i]);
	}
	for (int k = 0; k < 4; k++)
		dims[k] = d->dims[0][k];
	dims[d->axis] = 0;
	for (int i = 0; i < d->n; i++)
		dims[d->axis] += d->dims[i][d->axis];
	tcc_dnnl_user_md(&dst, dims, d->dst_nhwc);
	st = dnnl_concat_primitive_desc_create(&pd, &dst, d->n, d->axis, mds, NULL, engine);
	free(mds);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, "concat");
	const char *impl = NULL;

	if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
		snprintf(c->impl, sizeof(c->impl), "%s", impl);
	st = dnnl_primitive_create(&c->prim, pd);
	for (int i = 0; st == dnnl_success && i < d->n; i++)
		st = dnnl_memory_create(&c->src[i], dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, i), engine,
					DNNL_MEMORY_NONE);
	if (st == dnnl_success)
		st = dnnl_memory_create(&c->dst, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), engine,
					DNNL_MEMORY_NONE);
	if (st == dnnl_success)
		st = dnnl_stream_create(&c->stream, engine, dnnl_stream_default_flags);
	dnnl_primitive_desc_destroy(pd);
	return st == dnnl_success ? TCC_OK : tcc_dnnl_fail(st, "concat memory");
}

tcc_status tcc_dnnl_concat_create(tcc_dnnl_concat **out, const tcc_dnnl_concat_desc *d)
{
	dnnl_engine_t engine = NULL;
	tcc_dnnl_concat *c;
	tcc_status ts;

	if (!out || !d || d->n < 1 || d->axis < 0 || d->axis > 3)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl concat: bad arguments");
	for (int i = 0; i < d->n; i++)
		for (int k = 0; k < 4; k++)
			if (d->dims[i][k] < 1 || (k != d->axis && d->dims[i][k] != d->dims[0][k]))
				return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl concat: input %d's shape", i);
	if ((ts = tcc_dnnl_engine(&engine)) != TCC_OK)
		return ts;
	c = calloc(1, sizeof(*c));
	if (!c)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "dnnl concat");
	c->n = d->n;
	c->src = calloc((size_t)d->n, sizeof(*c->src));
	c->args = calloc((size_t)d->n + 1, sizeof(*c->args));
	if (!c->src || !c->args) {
		tcc_dnnl_concat_free(c);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "dnnl concat");
	}
	if ((ts = create(c, d, engine)) != TCC_OK) {
		tcc_dnnl_concat_free(c);
		return ts;
	}
	*out = c;
	return TCC_OK;
}

const char *tcc_dnnl_concat_impl(const tcc_dnnl_concat *c)
{
	return c->impl;
}

tcc_status tcc_dnnl_concat_run(tcc_dnnl_concat *c, const void *const *src, void *dst)
{
	dnnl_status_t st = dnnl_memory_set_data_handle(c->dst, dst);

	c->args[c->n] = (dnnl_exec_arg_t){ DNNL_ARG_DST, c->dst };
	for (int i = 0; st == dnnl_success && i < c->n; i++) {
		st = dnnl_memory_set_data_handle(c->src[i], (void *)src[i]);
		c->args[i] = (dnnl_exec_arg_t){ DNNL_ARG_MULTIPLE_SRC + i, c->src[i] };
	}
	if (st == dnnl_success)
		st = dnnl_primitive_execute(c->prim, c->stream, c->n + 1, c->args);
	if (st == dnnl_success)
		st = dnnl_stream_wait(c->stream);
	return st == dnnl_success ? TCC_OK : tcc_dnnl_fail(st, "concat");
}
