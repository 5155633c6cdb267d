// SPDX-License-Identifier: MIT
/*
 * Softmax, LogSoftmax and LayerNormalization on oneDNN.  The reference
 * kernels (ops/nn.c) are general (any axis, strided rows, f16 via f32, the
 * optional mean / inv-std-dev outputs); oneDNN's are ~10x faster on the
 * contiguous last-axis f32 case a transformer has, so those nodes get a
 * primitive created here, once.  Anything else, or anything oneDNN declines,
 * keeps the reference kernel.
 */
#include "passes/dnnl_passes.h"
#include "dnnl/dnnl_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tcc_status norm_kernel(const ir_node *n, void *state, tv *const *in, int n_in, tv *out, int n_out)
{
	(void)n;
	(void)n_in;
	(void)n_out;
	return tcc_dnnl_op_run(state, in[0]->data, NULL, out[0].data, NULL);
}

static void norm_free(void *state)
{
	tcc_dnnl_op_free(state);
}

static bool static_f32(const ir_graph *g, int t)
{
	return t >= 0 && g->tensors[t].shape_known && g->tensors[t].v.dtype == TCC_F32;
}

/* A constant f32 vector of exactly len elements (the LayerNorm scale/bias). */
static const float *const_vec(const ir_graph *g, const ir_node *n, int i, int64_t len)
{
	const ir_tensor *t = i < n->n_in && n->in[i] >= 0 ? &g->tensors[n->in[i]] : NULL;

	if (!t || t->kind != IR_CONST || t->v.dtype != TCC_F32 || tv_numel(&t->v) != len || !t->v.data)
		return NULL;
	return t->v.data;
}

/* Rows of [x] as [outer, len] for axis (normalised), or false when axis is out of range. */
static bool split_at(const tv *x, int64_t axis, int64_t *outer, int64_t *len)
{
	if (axis < 0)
		axis += x->rank;
	if (axis < 0 || axis >= x->rank)
		return false;
	*outer = 1;
	for (int i = 0; i < axis; i++)
		*outer *= x->dims[i];
	*len = *outer ? tv_numel(x) / *outer : 0;
	return true;
}

/* Softmax/LogSoftmax: the rows must be contiguous, i.e. the softmax axis is the last one. */
static tcc_status softmax_op(const ir_graph *g, const ir_node *n, tcc_dnnl_op **op)
{
	const tv *x = &g->tensors[n->in[0]].v;
	int64_t axis = ir_attr_int(n, "axis", g->opset >= 13 ? -1 : 1), norm = axis < 0 ? axis + x->rank : axis;
	tcc_dnnl_softmax_desc d = { .log = !strcmp(n->op_type, "LogSoftmax") };

	/* From opset 13 the axis is one axis; before, the input is coerced to 2-D at it. */
	if (x->rank < 1 || (g->opset >= 13 && norm != x->rank - 1) || !split_at(x, axis, &d.rows, &d.len))
		return TCC_ERR_UNSUPPORTED;
	if (d.rows < 1 || d.len < 1)
		return TCC_ERR_UNSUPPORTED;
	return tcc_dnnl_softmax_create(op, &d);
}

/* Only the normalised output: the optional Mean / InvStdDev outputs must be unused. */
static bool extra_outputs_unused(const ir_graph *g, const ir_node *n)
{
	for (int j = 1; j < n->n_out; j++)
		if (n->out[j] >= 0 && (g->tensors[n->out[j]].n_uses || g->tensors[n->out[j]].is_output))
			return false;
	return true;
}

static tcc_status layernorm_op(const ir_graph *g, const ir_node *n, tcc_dnnl_op **op)
{
	const tv *x = &g->tensors[n->in[0]].v;
	tcc_dnnl_layernorm_desc d = { .epsilon = ir_attr_float(n, "epsilon", 1e-5f) };

	/* The wrapper reads epsilon 0 as the default; a literal 0 stays on the reference. */
	if (d.epsilon <= 0.0f || ir_attr_int(n, "stash_type", 1) != 1 || !extra_outputs_unused(g, n) ||
	    !split_at(x, ir_attr_int(n, "axis", -1), &d.rows, &d.len) || d.rows < 1 || d.len < 1)
		return TCC_ERR_UNSUPPORTED;
	d.scale = const_vec(g, n, 1, d.len);
	if (!d.scale)
		return TCC_ERR_UNSUPPORTED;
	if (n->n_in > 2 && n->in[2] >= 0 && !(d.shift = const_vec(g, n, 2, d.len)))
		return TCC_ERR_UNSUPPORTED;
	return tcc_dnnl_layernorm_create(op, &d);
}

tcc_status pass_norm_dnnl(ir_graph *g, pass_stats *ps)
{
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];
		tcc_dnnl_op *op = NULL;
		tcc_status st;

		if (n->dead || n->kernel || !n->shapes_static || n->n_in < 1 || n->n_out < 1 ||
		    !static_f32(g, n->in[0]) || !static_f32(g, n->out[0]))
			continue;
		if (!strcmp(n->op_type, "Softmax") || !strcmp(n->op_type, "LogSoftmax"))
			st = softmax_op(g, n, &op);
		else if (!strcmp(n->op_type, "LayerNormalization"))
			st = layernorm_op(g, n, &op);
		else
			continue;
		if (st == TCC_OK && tcc_dnnl_op_dst_bytes(op) != tv_nbytes(&g->tensors[n->out[0]].v)) {
			tcc_dnnl_op_free(op);
			st = TCC_ERR_UNSUPPORTED;
		}
		if (st == TCC_ERR_NO_MEMORY)
			return st;
		if (st) {	/* declined (or bad arguments the reference kernel will report): keep it */
			tcc_clear_error();
			continue;
		}
		n->state = op;
		n->free_state = norm_free;
		n->kernel = norm_kernel;
		snprintf(n->kernel_desc, sizeof(n->kernel_desc), "oneDNN %s", tcc_dnnl_op_impl(op));
		ps->extern_kernels++;
	}
	return TCC_OK;
}
