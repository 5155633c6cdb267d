/* SPDX-License-Identifier: MIT */
/*
 * oneDNN op plumbing shared by every kind: the engine, post-op attributes,
 * prepacking constants, layout edges, run and free.
 */
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl_debug.h>

#include "common/error.h"
#include "dnnl/dnnl_internal.h"

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static dnnl_engine_t the_engine;
static dnnl_status_t engine_status;

static void engine_init(void)
{
	engine_status = dnnl_engine_create(&the_engine, dnnl_cpu, 0);
}

tcc_status tcc_dnnl_engine(dnnl_engine_t *engine)
{
	pthread_once(&engine_once, engine_init);
	if (engine_status != dnnl_success)
		return tcc_dnnl_fail(engine_status, "creating the CPU engine");
	*engine = the_engine;
	return TCC_OK;
}

tcc_status tcc_dnnl_fail(dnnl_status_t st, const char *what)
{
	tcc_status ts;

	switch (st) {
	case dnnl_out_of_memory:
		ts = TCC_ERR_NO_MEMORY;
		break;
	case dnnl_unimplemented:
	case dnnl_invalid_arguments:
		/* Arguments were validated before; oneDNN refusing them means it
		 * has no implementation for the combination: let the caller fall
		 * back to its reference kernel. */
		ts = TCC_ERR_UNSUPPORTED;
		break;
	default:
		ts = TCC_ERR_INTERNAL;
		break;
	}
	return tcc_set_error(ts, "oneDNN: %s: %s", what, dnnl_status2str(st));
}

void tcc_dnnl_plain_md(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims)
{
	dnnl_dims_t strides;
	dnnl_dim_t s = 1;

	for (int i = ndims - 1; i >= 0; i--) {
		strides[i] = s;
		s *= dims[i];
	}
	dnnl_memory_desc_init_by_strides(md, ndims, dims, dnnl_f32, strides);
}

void tcc_dnnl_user_md(dnnl_memory_desc_t *md, const dnnl_dim_t *dims, bool nhwc)
{
	if (nhwc)
		dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, dnnl_nhwc);
	else
		tcc_dnnl_plain_md(md, 4, dims);
}

tcc_status tcc_dnnl_op_alloc(tcc_dnnl_op **out, const char *what)
{
	dnnl_engine_t engine = NULL;
	tcc_status ts = tcc_dnnl_engine(&engine);

	if (ts != TCC_OK)
		return ts;
	tcc_dnnl_op *op = calloc(1, sizeof(*op));
	if (!op)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "dnnl %s: out of memory", what);
	op->what = what;
	dnnl_status_t st = dnnl_stream_create(&op->stream, engine, dnnl_stream_default_flags);
	if (st != dnnl_success) {
		free(op);
		return tcc_dnnl_fail(st, "creating a stream");
	}
	*out = op;
	return TCC_OK;
}

static dnnl_alg_kind_t eltwise_alg(tcc_dnnl_post_kind k)
{
	switch (k) {
	case TCC_DNNL_POST_RELU: return dnnl_eltwise_relu;
	case TCC_DNNL_POST_GELU_ERF: return dnnl_eltwise_gelu_erf;
	case TCC_DNNL_POST_GELU_TANH: return dnnl_eltwise_gelu_tanh;
	case TCC_DNNL_POST_SIGMOID: return dnnl_eltwise_logistic;
	case TCC_DNNL_POST_TANH: return dnnl_eltwise_tanh;
	case TCC_DNNL_POST_CLIP: return dnnl_eltwise_clip;
	case TCC_DNNL_POST_LINEAR: return dnnl_eltwise_linear;
	case TCC_DNNL_POST_HARDSWISH: return dnnl_eltwise_hardswish;
	case TCC_DNNL_POST_SWISH: return dnnl_eltwise_swish;
	default: return dnnl_alg_kind_undef;
	}
}

tcc_status tcc_dnnl_make_attr(dnnl_primitive_attr_t *attr, const tcc_dnnl_post_ops *post, int *add_index)
{
	dnnl_post_ops_t po = NULL;
	dnnl_status_t st;
	tcc_status ts = TCC_OK;

	*attr = NULL;
	*add_index = -1;
	if (post && (post->n < 0 || post->n > TCC_DNNL_MAX_POST))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl: %d post-ops (max %d)",
				     post->n, TCC_DNNL_MAX_POST);
	DNNL_TRY(dnnl_primitive_attr_create(attr), "creating an attribute");
	if (!post || post->n == 0)
		return TCC_OK;
	st = dnnl_post_ops_create(&po);
	if (st != dnnl_success) {
		ts = tcc_dnnl_fail(st, "creating post-ops");
		goto out;
	}
	for (int i = 0; i < post->n; i++) {
		const tcc_dnnl_post *p = &post->ops[i];

		if (p->kind == TCC_DNNL_POST_ADD) {
			if (*add_index >= 0) {
				ts = tcc_set_error(TCC_ERR_UNSUPPORTED,
						   "dnnl: more than one residual add post-op");
				goto out;
			}
			*add_index = i;
			/*
			 * sum, not binary add: oneDNN's brgemm convolutions (2-3x
			 * faster at batch 1 here) take sum but not binary post-ops,
			 * and sum lets the caller add in place (residual == dst).
			 */
			st = dnnl_post_ops_append_sum(po, 1.0f);
		} else {
			dnnl_alg_kind_t alg = eltwise_alg(p->kind);

			if (alg == dnnl_alg_kind_undef) {
				ts = tcc_set_error(TCC_ERR_UNSUPPORTED, "dnnl: unknown post-op kind %d",
						   (int)p->kind);
				goto out;
			}
			st = dnnl_post_ops_append_eltwise(po, 1.0f, alg, p->alpha, p->beta);
		}
		if (st != dnnl_success) {
			ts = tcc_dnnl_fail(st, "appending a post-op");
			goto out;
		}
	}
	st = dnnl_primitive_attr_set_post_ops(*attr, po);
	if (st != dnnl_success)
		ts = tcc_dnnl_fail(st, "setting post-ops");
out:
	if (po)
		dnnl_post_ops_destroy(po);
	if (ts != TCC_OK) {
		dnnl_primitive_attr_destroy(*attr);
		*attr = NULL;
	}
	return ts;
}

static void *alloc_for(const dnnl_memory_desc_t *md)
{
	size_t n = dnnl_memory_desc_get_size(md);

	/* 64-byte aligned for AVX-512 loads; aligned_alloc wants a multiple. */
	return aligned_alloc(64, (n + 63) & ~(size_t)63);
}

static tcc_status reorder_once(dnnl_memory_t from, dnnl_memory_t to)
{
	dnnl_engine_t engine = NULL;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_primitive_t prim = NULL;
	dnnl_stream_t stream = NULL;
	const dnnl_memory_desc_t *fmd, *tmd;
	tcc_status ts = tcc_dnnl_engine(&engine);

	if (ts != TCC_OK)
		return ts;
	dnnl_memory_get_memory_desc(from, &fmd);
	dnnl_memory_get_memory_desc(to, &tmd);
	dnnl_status_t st = dnnl_reorder_primitive_desc_create(&pd, fmd, engine, tmd, engine, NULL);
	if (st == dnnl_success)
		st = dnnl_primitive_create(&prim, pd);
	if (st == dnnl_success)
		st = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
	if (st == dnnl_success) {
		dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, from }, { DNNL_ARG_TO, to } };

		st = dnnl_primitive_execute(prim, stream, 2, args);
		if (st == dnnl_success)
			st = dnnl_stream_wait(stream);
	}
	if (st != dnnl_success)
		ts = tcc_dnnl_fail(st, "reordering constant weights");
	if (stream)
		dnnl_stream_destroy(stream);
	if (prim)
		dnnl_primitive_destroy(prim);
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	return ts;
}

tcc_status tcc_dnnl_prepack(const void *data, const dnnl_memory_desc_t *from,
			    const dnnl_memory_desc_t *to, void **buf, dnnl_memory_t *mem)
{
	dnnl_engine_t engine = NULL;
	dnnl_memory_t src = NULL;
	tcc_status ts = tcc_dnnl_engine(&engine);

	if (ts != TCC_OK)
		return ts;
	*buf = alloc_for(to);
	if (!*buf)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "dnnl: no memory for prepacked weights");
	dnnl_status_t st = dnnl_memory_create(mem, to, engine, *buf);
	if (st != dnnl_success) {
		free(*buf);
		*buf = NULL;
		return tcc_dnnl_fail(st, "creating weights memory");
	}
	/* Same layout (biases, mostly): a copy, without creating a reorder primitive for it. */
	if (dnnl_memory_desc_equal(from, to)) {
		memcpy(*buf, data, dnnl_memory_desc_get_size(to));
		return TCC_OK;
	}
	st = dnnl_memory_create(&src, from, engine, (void *)data);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, "wrapping weights");
	ts = reorder_once(src, *mem);
	dnnl_memory_destroy(src);
	return ts;
}

tcc_status tcc_dnnl_edge_init(tcc_dnnl_edge *e, const dnnl_memory_desc_t *from,
			      const dnnl_memory_desc_t *to, bool own_to)
{
	dnnl_engine_t engine = NULL;
	dnnl_primitive_desc_t pd = NULL;
	tcc_status ts = tcc_dnnl_engine(&engine);

	if (ts != TCC_OK)
		return ts;
	e->buf = alloc_for(own_to ? to : from);
	if (!e->buf)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "dnnl: no memory for a layout edge");
	DNNL_TRY(dnnl_memory_create(&e->from, from, engine, own_to ? DNNL_MEMORY_NONE : e->buf),
		 "creating edge memory");
	DNNL_TRY(dnnl_memory_create(&e->to, to, engine, own_to ? e->buf : DNNL_MEMORY_NONE),
		 "creating edge memory");
	DNNL_TRY(dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, NULL),
		 "creating a layout reorder");
	dnnl_status_t st = dnnl_primitive_create(&e->prim, pd);
	dnnl_primitive_desc_destroy(pd);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, "creating a layout reorder");
	return TCC_OK;
}

static void edge_free(tcc_dnnl_edge *e)
{
	if (e->prim)
		dnnl_primitive_destroy(e->prim);
	if (e->from)
		dnnl_memory_destroy(e->from);
	if (e->to)
		dnnl_memory_destroy(e->to);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

static bool md_is_plain(const dnnl_memory_desc_t *md)
{
	dnnl_memory_desc_t plain;

	tcc_dnnl_plain_md(&plain, md->ndims, md->dims);
	return dnnl_memory_desc_equal(md, &plain);
}

tcc_status tcc_dnnl_op_finish(tcc_dnnl_op *op, const_dnnl_primitive_desc_t pd,
			      const dnnl_memory_desc_t *user_src,
			      const dnnl_memory_desc_t *user_dst, int add_index,
			      bool has_src_b, bool has_bias)
{
	dnnl_engine_t engine = NULL;
	tcc_status ts = tcc_dnnl_engine(&engine);
	const char *impl = NULL;

	if (ts != TCC_OK)
		return ts;
	const dnnl_memory_desc_t *src_md = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
	const dnnl_memory_desc_t *dst_md = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);

	if (user_src && !dnnl_memory_desc_equal(user_src, src_md)) {
		ts = tcc_dnnl_edge_init(&op->in_edge, user_src, src_md, true);
		if (ts != TCC_OK)
			return ts;
		op->src_mem = op->in_edge.to;
		op->user_src_md = *user_src;
	} else {
		DNNL_TRY(dnnl_memory_create(&op->src_mem, src_md, engine, DNNL_MEMORY_NONE), "src memory");
		op->user_src_md = *src_md;
	}
	if (user_dst && !dnnl_memory_desc_equal(user_dst, dst_md)) {
		ts = tcc_dnnl_edge_init(&op->out_edge, dst_md, user_dst, false);
		if (ts != TCC_OK)
			return ts;
		op->dst_mem = op->out_edge.from;
		op->user_dst_md = *user_dst;
	} else {
		DNNL_TRY(dnnl_memory_create(&op->dst_mem, dst_md, engine, DNNL_MEMORY_NONE), "dst memory");
		op->user_dst_md = *dst_md;
	}
	if (has_src_b) {
		const dnnl_memory_desc_t *wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);

		DNNL_TRY(dnnl_memory_create(&op->srcb_mem, wmd, engine, DNNL_MEMORY_NONE), "src_b memory");
	}
	(void)has_bias;
	op->prim_dst_bytes = dnnl_memory_desc_get_size(dst_md);
	if (add_index >= 0) {
		op->has_residual = true;
		/* With an internal dst (output edge), the caller's residual is
		 * reordered straight into that buffer before the primitive runs. */
		if (op->out_edge.prim) {
			ts = tcc_dnnl_edge_init(&op->res_edge, &op->user_dst_md, dst_md, false);
			if (ts != TCC_OK)
				return ts;
			free(op->res_edge.buf);
			op->res_edge.buf = NULL;
			DNNL_TRY(dnnl_memory_set_data_handle(op->res_edge.to, op->out_edge.buf), "residual edge");
		}
	}
	op->dst_blocked = !md_is_plain(&op->user_dst_md);
	if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
		snprintf(op->impl, sizeof(op->impl), "%s", impl);
	DNNL_TRY(dnnl_primitive_create(&op->prim, pd), "creating the primitive");
	return TCC_OK;
}

static dnnl_status_t run_edge(tcc_dnnl_op *op, tcc_dnnl_edge *e, const void *user, bool user_is_from)
{
	dnnl_status_t st = dnnl_memory_set_data_handle(user_is_from ? e->from : e->to, (void *)user);

	if (st != dnnl_success)
		return st;
	dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, e->from }, { DNNL_ARG_TO, e->to } };
	return dnnl_primitive_execute(e->prim, op->stream, 2, args);
}

tcc_status tcc_dnnl_op_run(tcc_dnnl_op *op, const void *src, const void *src_b,
			   void *dst, const void *residual)
{
	dnnl_exec_arg_t args[8];
	int n = 0;
	dnnl_status_t st;

	if (!op || !src || !dst)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl run: NULL op, src or dst");
	if (!op->srcb_mem != !src_b)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl %s: src_b %s", op->what,
				     src_b ? "given to an op with constant weights" : "missing");
	if (op->has_residual != !!residual)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl %s: residual %s", op->what,
				     residual ? "given to an op without an add post-op" : "missing");

	if (op->in_edge.prim) {
		st = run_edge(op, &op->in_edge, src, true);
		if (st != dnnl_success)
			return tcc_dnnl_fail(st, "src reorder");
	} else if ((st = dnnl_memory_set_data_handle(op->src_mem, (void *)src)) != dnnl_success) {
		return tcc_dnnl_fail(st, "setting src");
	}
	if (op->res_edge.prim) {
		st = run_edge(op, &op->res_edge, residual, true);
		if (st != dnnl_success)
			return tcc_dnnl_fail(st, "residual reorder");
	} else if (op->has_residual && residual != dst) {
		/* Same layout (the residual is in the dst's layout by contract). */
		memmove(dst, residual, op->prim_dst_bytes);
	}
	if (op->srcb_mem && (st = dnnl_memory_set_data_handle(op->srcb_mem, (void *)src_b)) != dnnl_success)
		return tcc_dnnl_fail(st, "setting src_b");
	if (!op->out_edge.prim && (st = dnnl_memory_set_data_handle(op->dst_mem, dst)) != dnnl_success)
		return tcc_dnnl_fail(st, "setting dst");

	if (op->wei_mem || op->srcb_mem) {	/* a computing primitive */
		args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, op->src_mem };
		args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, op->wei_mem ? op->wei_mem : op->srcb_mem };
		if (op->bias_mem)
			args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_BIAS, op->bias_mem };
		args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_DST, op->dst_mem };
	} else {				/* pooling, softmax, layer norm, a reorder */
		args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, op->src_mem };
		args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_DST, op->dst_mem };
		for (int i = 0; i < op->n_const_args; i++)
			args[n++] = op->const_args[i];
	}
	/* A tiny op on one thread: waking the team would cost more than the work. */
	int team = op->serial ? omp_get_max_threads() : 0;

	if (op->serial)
		omp_set_num_threads(1);
	st = dnnl_primitive_execute(op->prim, op->stream, n, args);
	if (op->serial)
		omp_set_num_threads(team);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, op->what);
	if (op->out_edge.prim) {
		st = run_edge(op, &op->out_edge, dst, false);
		if (st != dnnl_success)
			return tcc_dnnl_fail(st, "dst reorder");
	}
	st = dnnl_stream_wait(op->stream);
	if (st != dnnl_success)
		return tcc_dnnl_fail(st, "waiting for the stream");
	return TCC_OK;
}

/* A standalone reorder between the dst layout of an op and plain. */
static tcc_status reorder_op_create(tcc_dnnl_op **out, const dnnl_memory_desc_t *from,
				    const dnnl_memory_desc_t *to, const char *what)
{
	dnnl_engine_t engine = NULL;
	dnnl_primitive_desc_t pd = NULL;
	tcc_dnnl_op *op;
	tcc_status ts = tcc_dnnl_engine(&engine);

	if (ts != TCC_OK || (ts = tcc_dnnl_op_alloc(&op, what)) != TCC_OK)
		return ts;
	dnnl_status_t st = dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, NULL);
	if (st != dnnl_success) {
		tcc_dnnl_op_free(op);
		return tcc_dnnl_fail(st, what);
	}
	/* A reorder's pd answers src_md/dst_md queries like any primitive. */
	ts = tcc_dnnl_op_finish(op, pd, NULL, NULL, -1, false, false);
	dnnl_primitive_desc_destroy(pd);
	if (ts != TCC_OK) {
		tcc_dnnl_op_free(op);
		return ts;
	}
	*out = op;
	return TCC_OK;
}

tcc_status tcc_dnnl_reorder_to_plain_create(tcc_dnnl_op **out, const tcc_dnnl_op *producer)
{
	dnnl_memory_desc_t plain;

	if (!out || !producer)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl reorder: NULL argument");
	tcc_dnnl_plain_md(&plain, producer->user_dst_md.ndims, producer->user_dst_md.dims);
	return reorder_op_create(out, &producer->user_dst_md, &plain, "reorder to plain");
}

tcc_status tcc_dnnl_reorder_from_plain_create(tcc_dnnl_op **out, const tcc_dnnl_op *like)
{
	dnnl_memory_desc_t plain;

	if (!out || !like)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl reorder: NULL argument");
	tcc_dnnl_plain_md(&plain, like->user_dst_md.ndims, like->user_dst_md.dims);
	return reorder_op_create(out, &plain, &like->user_dst_md, "reorder from plain");
}

size_t tcc_dnnl_op_dst_bytes(const tcc_dnnl_op *op)
{
	return op ? dnnl_memory_desc_get_size(&op->user_dst_md) : 0;
}

size_t tcc_dnnl_op_src_bytes(const tcc_dnnl_op *op)
{
	return op ? dnnl_memory_desc_get_size(&op->user_src_md) : 0;
}

bool tcc_dnnl_op_dst_is_blocked(const tcc_dnnl_op *op)
{
	return op && op->dst_blocked;
}

bool tcc_dnnl_op_dst_layout_equal(const tcc_dnnl_op *a, const tcc_dnnl_op *b)
{
	return a && b && dnnl_memory_desc_equal(&a->user_dst_md, &b->user_dst_md);
}

const char *tcc_dnnl_op_impl(const tcc_dnnl_op *op)
{
	return op ? op->impl : "";
}

static void memory_free_unless_edge(dnnl_memory_t m, const tcc_dnnl_op *op)
{
	const tcc_dnnl_edge *edges[3] = { &op->in_edge, &op->res_edge, &op->out_edge };

	if (!m)
		return;
	for (int i = 0; i < 3; i++)
		if (m == edges[i]->from || m == edges[i]->to)
			return;		/* the edge owns it */
	dnnl_memory_destroy(m);
}

void tcc_dnnl_op_free(tcc_dnnl_op *op)
{
	if (!op)
		return;
	if (op->prim)
		dnnl_primitive_destroy(op->prim);
	dnnl_memory_t mems[] = { op->src_mem, op->srcb_mem, op->wei_mem, op->bias_mem, op->dst_mem };
	for (size_t i = 0; i < sizeof(mems) / sizeof(mems[0]); i++)
		memory_free_unless_edge(mems[i], op);
	for (int i = 0; i < op->n_const_args; i++)
		dnnl_memory_destroy(op->const_args[i].memory);
	for (int i = 0; i < 2; i++)
		free(op->const_bufs[i]);
	edge_free(&op->in_edge);
	edge_free(&op->res_edge);
	edge_free(&op->out_edge);
	if (op->stream)
		dnnl_stream_destroy(op->stream);
	free(op->wei_buf);
	free(op->bias_buf);
	free(op);
}

void tcc_dnnl_set_threads(int n)
{
	/* Debian's build: OpenMP.  A sequential build has nothing to set; a
	 * TBB/threadpool build would need its own arena (not linked here). */
	if (dnnl_version()->cpu_runtime == DNNL_RUNTIME_OMP)
		omp_set_num_threads(n > 0 ? n : omp_get_num_procs());
}

int tcc_dnnl_get_threads(void)
{
	return dnnl_version()->cpu_runtime == DNNL_RUNTIME_OMP ? omp_get_max_threads() : 1;
}

const char *tcc_dnnl_threading(void)
{
	switch (dnnl_version()->cpu_runtime) {
	case DNNL_RUNTIME_OMP: return "openmp";
	case DNNL_RUNTIME_SEQ: return "sequential";
	case DNNL_RUNTIME_TBB: return "tbb";
	case DNNL_RUNTIME_THREADPOOL: return "threadpool";
	default: return "other";
	}
}

bool tcc_dnnl_has_bf16(void)
{
	dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();

	return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
}

const char *tcc_dnnl_isa(void)
{
	switch (dnnl_get_effective_cpu_isa()) {
	case dnnl_cpu_isa_sse41: return "sse41";
	case dnnl_cpu_isa_avx: return "avx";
	case dnnl_cpu_isa_avx2: return "avx2";
	case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
	case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
	case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
	case dnnl_cpu_isa_avx512_core: return "avx512_core";
	case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
	case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
	case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
	default: return "other";
	}
}

void tcc_dnnl_md_set_dt(dnnl_memory_desc_t *md, dnnl_data_type_t dt)
{
	/* Strides and blocking are in elements, so only the type changes. */
	md->data_type = dt;
}

const char *tcc_dnnl_version(void)
{
	static char buf[32];
	const dnnl_version_t *v = dnnl_version();

	snprintf(buf, sizeof(buf), "%d.%d.%d", v->major, v->minor, v->patch);
	return buf;
}
