// SPDX-License-Identifier: MIT
/*
 * Transpose → MatMul B folded into oneDNN's trans_b.  Attention computes
 * Q·Kᵀ with Kᵀ = Transpose(K, [0, 2, 3, 1]) on [batch, seq, heads, dim]: the
 * reference Transpose then gathers single floats with a large stride (the
 * slowest copy in the encoder).  Writing perm as p' followed by a swap of the
 * last two axes, oneDNN's matmul reads the swap for free (trans_b) and the
 * remaining Transpose(K, p') keeps the last axis, so it moves whole rows; when
 * p' is the identity the Transpose disappears.
 */
#include "passes/dnnl_passes.h"
#include "dnnl/dnnl_ops.h"

#include <stdlib.h>
#include <string.h>

static bool static_f32(const ir_graph *g, int t)
{
	return t >= 0 && g->tensors[t].shape_known && g->tensors[t].v.dtype == TCC_F32;
}

/* The Transpose's perm attribute (writable), or NULL when it has none. */
static ir_attr *perm_attr(ir_node *t)
{
	for (int i = 0; i < t->n_attrs; i++)
		if (!strcmp(t->attrs[i].name, "perm") && t->attrs[i].type == IR_ATTR_INTS)
			return &t->attrs[i];
	return NULL;
}

/*
 * Would pass_extern_kernels' MatMul (do_matmul, runtime-B branch) take
 * A·Bᵀ with B = @bt ([.., N, K])?  Same desc, created and freed.
 */
static bool dnnl_takes(const tv *A, const tv *bt, const tv *out)
{
	tcc_dnnl_matmul_desc d = { .alpha = 1.0f, .trans_b = true };
	tcc_dnnl_op *op;
	bool ok;

	if (A->rank < 2 || bt->rank < 2 || (bt->rank != 2 && bt->rank != A->rank))
		return false;
	for (int i = 0; bt->rank > 2 && i < A->rank - 2; i++)
		if (A->dims[i] != bt->dims[i])
			return false;
	d.K = A->dims[A->rank - 1];
	d.N = bt->dims[bt->rank - 2];
	d.M = A->dims[A->rank - 2];
	if (d.K != bt->dims[bt->rank - 1] || d.M < 1 || d.K < 1 || d.N < 1)
		return false;
	d.batch = tv_numel(A) / (d.M * d.K);
	d.b_batch = bt->rank == 2 ? 1 : d.batch;
	if (bt->rank == 2 && A->rank > 2) {
		d.M *= d.batch;
		d.batch = d.b_batch = 1;
	}
	if (tcc_dnnl_matmul_create(&op, &d) != TCC_OK) {
		tcc_clear_error();
		return false;
	}
	ok = tcc_dnnl_op_dst_bytes(op) == tv_nbytes(out) && !tcc_dnnl_op_dst_is_blocked(op);
	tcc_dnnl_op_free(op);
	return ok;
}

static tcc_status mark_trans_b(ir_node *mm)
{
	ir_attr *a = realloc(mm->attrs, sizeof(ir_attr) * (size_t)(mm->n_attrs + 1));

	if (!a)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "transpose fold");
	mm->attrs = a;
	a[mm->n_attrs] = (ir_attr){ .name = strdup(PASS_ATTR_TRANS_B), .type = IR_ATTR_INT, .i = 1 };
	if (!a[mm->n_attrs].name)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "transpose fold");
	mm->n_attrs++;
	return TCC_OK;
}

static tcc_status try_fold(ir_graph *g, int mi, pass_stats *ps)
{
	ir_node *mm = &g->nodes[mi];
	int b = mm->in[1], ti = g->tensors[b].producer;

	if (ti < 0 || g->nodes[ti].dead || strcmp(g->nodes[ti].op_type, "Transpose") || !g->nodes[ti].shapes_static)
		return TCC_OK;
	ir_node *t = &g->nodes[ti];
	ir_attr *pa = perm_attr(t);
	int x = t->in[0];
	const tv *X = &g->tensors[x].v;
	int r = X->rank;

	/* Kᵀ must have no reader but this MatMul, and must come from a run-time tensor. */
	if (!pa || pa->n != r || r < 2 || g->tensors[b].n_uses != 1 || g->tensors[b].is_output ||
	    g->tensors[x].kind == IR_CONST || !static_f32(g, x) || pa->ints[r - 2] != r - 1)
		return TCC_OK;
	int64_t p[TCC_MAX_RANK];
	bool identity = true;

	memcpy(p, pa->ints, sizeof(int64_t) * (size_t)r);
	p[r - 2] = pa->ints[r - 1];
	p[r - 1] = r - 1;
	tv bt = *X;

	bt.data = NULL;
	for (int i = 0; i < r; i++) {
		if (p[i] < 0 || p[i] >= r)
			return TCC_OK;	/* the reference Transpose reports the bad perm */
		bt.dims[i] = X->dims[p[i]];
		identity &= p[i] == i;
	}
	if (!dnnl_takes(&g->tensors[mm->in[0]].v, &bt, &g->tensors[mm->out[0]].v))
		return TCC_OK;
	tcc_status st = mark_trans_b(mm);

	if (st)
		return st;
	if (identity) {
		mm->in[1] = x;
		t->dead = true;
	} else {
		memcpy(pa->ints, p, sizeof(int64_t) * (size_t)r);
		memcpy(g->tensors[b].v.dims, bt.dims, sizeof(bt.dims));
	}
	ps->fused_nodes += identity;
	return TCC_OK;
}

tcc_status pass_fold_transpose_b(ir_graph *g, pass_stats *ps)
{
	ir_graph_recount(g);
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];

		if (n->dead || n->kernel || !n->shapes_static || strcmp(n->op_type, "MatMul") || n->n_in != 2 ||
		    n->in[1] < 0 || !static_f32(g, n->in[0]) || !static_f32(g, n->in[1]) || !static_f32(g, n->out[0]) ||
		    ir_attr_find(n, PASS_ATTR_TRANS_B))
			continue;
		tcc_status st = try_fold(g, i, ps);

		if (st)
			return st;
	}
	ir_graph_recount(g);
	return TCC_OK;
}

tcc_status pass_check_transpose_b(const ir_graph *g)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const ir_node *n = &g->nodes[i];

		if (!n->dead && ir_attr_int(n, PASS_ATTR_TRANS_B, 0) && !n->kernel)
			return tcc_set_error(TCC_ERR_INTERNAL,
					     "node '%s' (MatMul): B folded into trans_b but oneDNN did not take it",
					     n->name ? n->name : "");
	}
	return TCC_OK;
}
