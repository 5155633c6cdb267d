// SPDX-License-Identifier: MIT
/* Dead-code removal: drop nodes none of whose outputs reach a graph output. */
#include "passes/passes.h"

void pass_dce(ir_graph *g, pass_stats *ps)
{
	ir_graph_recount(g);
	/* Reverse order: removing a consumer can make its producers dead too. */
	for (int i = g->n_nodes - 1; i >= 0; i--) {
		ir_node *n = &g->nodes[i];
		bool used = false;

		if (n->dead)
			continue;
		for (int j = 0; j < n->n_out; j++)
			used |= g->tensors[n->out[j]].n_uses > 0;
		if (used)
			continue;
		n->dead = true;
		ps->dead++;
		for (int j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0)
				g->tensors[n->in[j]].n_uses--;
	}
	ir_graph_recount(g);
}
