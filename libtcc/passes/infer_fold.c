// SPDX-License-Identifier: MIT
/*
 * Shape/type inference and constant folding in one topological sweep: a
 * node whose inputs are constant is run once here and its outputs become
 * constants, which is what collapses the Shape->Gather->Concat->Reshape
 * chains that exporters emit for static models.
 */
#include "passes/passes.h"

#include <stdlib.h>
#include <string.h>

static tcc_status fold_node(ir_graph *g, ir_node *n, const op_env *env, tv *const *in, size_t *folded)
{
	tv out[16];
	size_t bytes = 0;
	tcc_status st;

	/* A few bytes of model must not become gigabytes of constants. */
	for (int j = 0; j < n->n_out; j++)
		if (__builtin_add_overflow(bytes, tv_nbytes(&g->tensors[n->out[j]].v), &bytes))
			bytes = SIZE_MAX;
	if (env->max_fold_bytes && (__builtin_add_overflow(*folded, bytes, folded) || *folded > env->max_fold_bytes))
		return op_err(n, TCC_ERR_INVALID_ARG,
			      "constant folding would materialise %zu bytes here, past the ceiling of %zu for the model (tcc_options.max_fold_bytes)",
			      bytes, env->max_fold_bytes);
	for (int j = 0; j < n->n_out; j++) {
		out[j] = g->tensors[n->out[j]].v;
		if (!tv_alloc(&out[j])) {
			while (j--)
				free(out[j].data);
			return tcc_set_error(TCC_ERR_NO_MEMORY, "folding node '%s'", n->name);
		}
	}
	st = op_invoke(n->op, n, env, in, n->n_in, out, n->n_out);
	if (st) {
		for (int j = 0; j < n->n_out; j++)
			free(out[j].data);
		return st;
	}
	for (int j = 0; j < n->n_out; j++)
		ir_tensor_set_const(g, n->out[j], &out[j], out[j].data);
	n->dead = true;
	return TCC_OK;
}

tcc_status pass_infer_fold(ir_graph *g, const op_env *env, bool fold, pass_stats *ps)
{
	size_t folded = 0;

	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];
		tv *in[64], out[16];
		bool shapes = true, consts = true;
		tcc_status st;

		if (n->dead)
			continue;
		for (int j = 0; j < n->n_in; j++) {
			ir_tensor *t = n->in[j] >= 0 ? &g->tensors[n->in[j]] : NULL;

			in[j] = t ? &t->v : NULL;
			if (!t)
				continue;
			if (!t->shape_known || !t->type_known)
				shapes = false;
			if (t->kind != IR_CONST || t->packed_only)	/* packed bytes are no values */
				consts = false;
		}
		n->shapes_static = false;
		if (!shapes) {
			ps->dynamic_nodes++;
			continue;
		}
		memset(out, 0, sizeof(out));
		st = n->op->infer(n, env, in, n->n_in, out, n->n_out);
		if (st == OP_NEEDS_VALUE) {
			ps->dynamic_nodes++;
			continue;
		}
		if (st || (st = op_check_outputs(n, out, n->n_out)))
			return st;
		for (int j = 0; j < n->n_out; j++) {
			ir_tensor *t = &g->tensors[n->out[j]];

			t->v = out[j];
			t->v.data = NULL;
			t->shape_known = t->type_known = true;
		}
		n->shapes_static = true;
		if (!fold || (n->op->flags & OP_NONDETERMINISTIC))
			continue;
		if (consts || (n->op->flags & OP_SHAPE_ONLY)) {
			st = fold_node(g, n, env, in, &folded);
			if (st)
				return st;
			ps->folded++;
		}
	}
	ir_graph_recount(g);
	return TCC_OK;
}
