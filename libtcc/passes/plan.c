// SPDX-License-Identifier: MIT
/*
 * Memory planning.  View ops (Reshape, Flatten, Squeeze, ...) alias their
 * input; every other statically shaped intermediate gets an offset in one
 * arena, reusing the space of tensors whose last consumer has run.  First
 * fit over an offset-ordered free list: simple, and within a few percent of
 * best fit on the sequential graphs ONNX exporters produce.
 */
#include "passes/passes.h"

#include <stdlib.h>
#include <string.h>

typedef struct block {
	int64_t off, size;
} block;

typedef struct freelist {
	block *b;
	int n, cap;
	int64_t top;		/* arena high-water mark */
} freelist;

static int64_t align_up(int64_t v)
{
	return (v + TCC_ARENA_ALIGN - 1) & ~(int64_t)(TCC_ARENA_ALIGN - 1);
}

static int64_t fl_alloc(freelist *fl, int64_t size)
{
	for (int i = 0; i < fl->n; i++) {
		if (fl->b[i].size < size)
			continue;
		int64_t off = fl->b[i].off;

		fl->b[i].off += size;
		fl->b[i].size -= size;
		if (!fl->b[i].size) {
			memmove(&fl->b[i], &fl->b[i + 1], sizeof(block) * (size_t)(fl->n - i - 1));
			fl->n--;
		}
		return off;
	}
	/* Grow the arena, extending a free block that ends at the top. */
	if (fl->n && fl->b[fl->n - 1].off + fl->b[fl->n - 1].size == fl->top) {
		int64_t off = fl->b[fl->n - 1].off;

		fl->top = off + size;
		fl->n--;
		return off;
	}
	int64_t off = fl->top;

	fl->top += size;
	return off;
}

static bool fl_free(freelist *fl, int64_t off, int64_t size)
{
	int i = 0;

	while (i < fl->n && fl->b[i].off < off)
		i++;
	if (fl->n + 1 > fl->cap) {
		int nc = fl->cap ? fl->cap * 2 : 32;
		block *nb = realloc(fl->b, sizeof(block) * (size_t)nc);

		if (!nb)
			return false;
		fl->b = nb;
		fl->cap = nc;
	}
	memmove(&fl->b[i + 1], &fl->b[i], sizeof(block) * (size_t)(fl->n - i));
	fl->b[i] = (block){ off, size };
	fl->n++;
	/* Coalesce with neighbours. */
	if (i + 1 < fl->n && fl->b[i].off + fl->b[i].size == fl->b[i + 1].off) {
		fl->b[i].size += fl->b[i + 1].size;
		memmove(&fl->b[i + 1], &fl->b[i + 2], sizeof(block) * (size_t)(fl->n - i - 2));
		fl->n--;
	}
	if (i > 0 && fl->b[i - 1].off + fl->b[i - 1].size == fl->b[i].off) {
		fl->b[i - 1].size += fl->b[i].size;
		memmove(&fl->b[i], &fl->b[i + 1], sizeof(block) * (size_t)(fl->n - i - 1));
		fl->n--;
	}
	return true;
}

/* Storage a tensor needs: dense size, or more for a padded blocked layout. */
static int64_t storage(const ir_tensor *t)
{
	size_t n = tv_nbytes(&t->v);

	return align_up((int64_t)(t->alloc_bytes > n ? t->alloc_bytes : n));
}

static int root_of(const ir_graph *g, int t)
{
	while (g->tensors[t].alias_of >= 0)
		t = g->tensors[t].alias_of;
	return t;
}

/* A tensor the arena may hold: produced by a static node, not a graph output. */
static bool plannable(const ir_graph *g, int t)
{
	const ir_tensor *x = &g->tensors[t];

	return x->kind == IR_INTERMEDIATE && !x->is_output && x->producer >= 0 &&
	       g->nodes[x->producer].shapes_static;
}

tcc_status pass_plan_memory(ir_graph *g, pass_stats *ps)
{
	int *last = malloc(sizeof(int) * ((size_t)g->n_tensors + 1));
	freelist fl = { 0 };

	if (!last)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "memory plan");
	ir_graph_recount(g);
	for (int i = 0; i < g->n_tensors; i++) {
		g->tensors[i].arena_offset = -1;
		g->tensors[i].alias_of = -1;
		last[i] = -1;
	}
	/* View ops whose output is internal share the input's storage. */
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];

		if (n->dead || !(n->op->flags & OP_ALIAS) || !n->shapes_static || n->in[0] < 0)
			continue;
		if (g->tensors[n->out[0]].is_output)
			continue;
		int r = root_of(g, n->in[0]);

		/* Run-time allocated roots are freed by use count: keep those simple. */
		if (g->tensors[r].kind == IR_INTERMEDIATE && !plannable(g, r))
			continue;
		g->tensors[n->out[0]].alias_of = n->in[0];
	}
	/* Last use of each storage root, counting uses through aliases. */
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0)
				last[root_of(g, n->in[j])] = i;
		for (int j = 0; j < n->n_out; j++)
			if (last[root_of(g, n->out[j])] < i)
				last[root_of(g, n->out[j])] = i;
	}
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int j = 0; j < n->n_out; j++) {
			int t = n->out[j];

			if (g->tensors[t].alias_of >= 0 || !plannable(g, t))
				continue;
			g->tensors[t].arena_offset = fl_alloc(&fl, storage(&g->tensors[t]));
		}
		/* Free storage whose last use is this node (inputs, and unused outputs). */
		for (int k = 0; k < n->n_in + n->n_out; k++) {
			int t = k < n->n_in ? n->in[k] : n->out[k - n->n_in];

			if (t < 0)
				continue;
			int r = root_of(g, t);

			if (last[r] != i || g->tensors[r].arena_offset < 0)
				continue;
			if (!fl_free(&fl, g->tensors[r].arena_offset, storage(&g->tensors[r]))) {
				free(fl.b);
				free(last);
				return tcc_set_error(TCC_ERR_NO_MEMORY, "memory plan");
			}
			last[r] = -2;	/* freed once even if listed twice */
		}
	}
	ps->arena_bytes = (size_t)fl.top;
	free(fl.b);
	free(last);
	return TCC_OK;
}
