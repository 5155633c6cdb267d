// SPDX-License-Identifier: MIT
/*
 * Zero Pad folded into what reads it.  Exporters put a constant-0 Pad in
 * front of a pool or conv (torch's AvgPool2d, "same" padding done by hand),
 * often with all pads 0; as a reference op on NCHW it also cuts the conv
 * net's NHWC chain.  A Pad of zeros that pads nothing is dropped; one that
 * pads only H and W moves into the pads of its single reader when that is a
 * 2-D Conv or an AveragePool counting the padding (count_include_pad=1, or
 * a pool without pads of its own, which then counts them).
 */
#include "passes/passes.h"

#include <stdlib.h>
#include <string.h>

static const int64_t *const_i64(const ir_graph *g, int t, int64_t n)
{
	const ir_tensor *x = t >= 0 ? &g->tensors[t] : NULL;

	return x && x->kind == IR_CONST && x->v.dtype == TCC_I64 && tv_numel(&x->v) == n ? x->v.data : NULL;
}

/* The pads [begin..., end...] of a constant-zero Pad over a rank-@r tensor, or NULL. */
static const int64_t *zero_pads(const ir_graph *g, const ir_node *n, int r)
{
	if (strcmp(ir_attr_str(n, "mode", "constant"), "constant") || n->n_out != 1)
		return NULL;
	if (n->n_in > 3 && n->in[3] >= 0)	/* axes (opset 18) */
		return NULL;
	if (n->n_in > 2 && n->in[2] >= 0) {	/* constant_value */
		const ir_tensor *v = &g->tensors[n->in[2]];

		if (v->kind != IR_CONST || v->v.dtype != TCC_F32 || tv_numel(&v->v) != 1 ||
		    ((const float *)v->v.data)[0] != 0.0f)
			return NULL;
	}
	if (n->n_in > 1 && n->in[1] >= 0)
		return const_i64(g, n->in[1], 2 * r);
	const int64_t *p;	/* opset < 11: an attribute */

	return ir_attr_ints(n, "pads", &p) == 2 * r && ir_attr_float(n, "value", 0.0f) == 0.0f ? p : NULL;
}

static int sole_reader(const ir_graph *g, int t, int *slot)
{
	if (g->tensors[t].is_output || g->tensors[t].n_uses != 1)
		return -1;
	for (int i = 0; i < g->n_nodes; i++)
		for (int j = 0; !g->nodes[i].dead && j < g->nodes[i].n_in; j++)
			if (g->nodes[i].in[j] == t) {
				*slot = j;
				return i;
			}
	return -1;
}

/* The reader's "pads" attribute (created as zeros when absent), or NULL. */
static ir_attr *pads_attr(ir_node *n)
{
	for (int i = 0; i < n->n_attrs; i++)
		if (!strcmp(n->attrs[i].name, "pads"))
			return n->attrs[i].type == IR_ATTR_INTS && n->attrs[i].n == 4 ? &n->attrs[i] : NULL;
	ir_attr *a = realloc(n->attrs, sizeof(ir_attr) * (size_t)(n->n_attrs + 1));
	int64_t *z = calloc(4, sizeof(int64_t));
	char *name = strdup("pads");

	if (a)
		n->attrs = a;
	if (!a || !z || !name) {
		free(z);
		free(name);
		return NULL;
	}
	a[n->n_attrs] = (ir_attr){ .name = name, .type = IR_ATTR_INTS, .n = 4, .ints = z };
	return &a[n->n_attrs++];
}

static bool takes_pads(const ir_graph *g, ir_node *r)
{
	if (strcmp(ir_attr_str(r, "auto_pad", "NOTSET"), "NOTSET"))
		return false;
	if (!strcmp(r->op_type, "Conv"))
		return g->tensors[r->in[0]].v.rank == 4;
	if (strcmp(r->op_type, "AveragePool"))
		return false;
	const int64_t *p;
	bool own = ir_attr_ints(r, "pads", &p) == 4 && (p[0] || p[1] || p[2] || p[3]);

	return ir_attr_int(r, "count_include_pad", 0) == 1 || !own;
}

/* An INT attribute of @n, created (as 0) when absent; NULL without memory. */
static ir_attr *int_attr(ir_node *n, const char *name)
{
	for (int i = 0; i < n->n_attrs; i++)
		if (!strcmp(n->attrs[i].name, name))
			return &n->attrs[i];
	ir_attr *a = realloc(n->attrs, sizeof(ir_attr) * (size_t)(n->n_attrs + 1));
	char *dup = strdup(name);

	if (a)
		n->attrs = a;
	if (!a || !dup) {
		free(dup);
		return NULL;
	}
	a[n->n_attrs] = (ir_attr){ .name = dup, .type = IR_ATTR_INT };
	return &a[n->n_attrs++];
}

/* Moves the H/W pads @p of a Pad into its reader @r (a Conv or AveragePool). */
static bool fold_into(ir_graph *g, ir_node *r, const int64_t *p)
{
	bool pool = !strcmp(r->op_type, "AveragePool");
	ir_attr *count = NULL, *a;

	if (p[0] || p[1] || p[4] || p[5] || !takes_pads(g, r))
		return false;
	if (pool && !(count = int_attr(r, "count_include_pad")))
		return false;
	if (!(a = pads_attr(r)))
		return false;
	if (count) {	/* the pool's own pads are 0 (takes_pads): it may count them all */
		count->type = IR_ATTR_INT;
		count->i = 1;
	}
	a->ints[0] += p[2];
	a->ints[1] += p[3];
	a->ints[2] += p[6];
	a->ints[3] += p[7];
	return true;
}

static bool fold_one(ir_graph *g, int i, pass_stats *ps)
{
	ir_node *n = &g->nodes[i];

	if (n->dead || strcmp(n->op_type, "Pad") || !n->shapes_static || n->in[0] < 0)
		return false;
	int x = n->in[0], y = n->out[0], r = g->tensors[x].v.rank, slot, ri;
	const int64_t *p = zero_pads(g, n, r);
	bool none = p != NULL;

	for (int k = 0; p && k < 2 * r; k++) {
		if (p[k] < 0)
			return false;	/* cropping */
		none &= p[k] == 0;
	}
	if (!p || (ri = sole_reader(g, y, &slot)) < 0 || slot != 0)
		return false;
	if (!none && (r != 4 || !fold_into(g, &g->nodes[ri], p)))
		return false;
	g->nodes[ri].in[0] = x;
	n->dead = true;
	ps->fused_nodes++;
	ir_graph_recount(g);
	return true;
}

tcc_status pass_fold_pad(ir_graph *g, pass_stats *ps)
{
	bool changed;

	/* Again after a change: a Pad before a Pad that went away now reaches the pool. */
	do {
		changed = false;
		ir_graph_recount(g);
		for (int i = 0; i < g->n_nodes; i++)
			changed |= fold_one(g, i, ps);
	} while (changed);
	return TCC_OK;
}
