// SPDX-License-Identifier: MIT
/* Human-readable dump of a compiled model (tcc-compile --plan, debugging). */
#include "runtime/runtime.h"

static void shape(FILE *f, const ir_tensor *t)
{
	if (!t->shape_known) {
		fputs("[?]", f);
		return;
	}
	fputc('[', f);
	for (int i = 0; i < t->v.rank; i++)
		fprintf(f, "%s%lld", i ? "x" : "", (long long)t->v.dims[i]);
	fputc(']', f);
}

void model_print_plan(const tcc_model *m, FILE *f)
{
	const ir_graph *g = m->g;
	int k = 0;

	fprintf(f, "# opset %lld, arena %zu bytes, %d threads\n", (long long)g->opset, m->arena_bytes,
		m->env.threads);
	for (int i = 0; i < g->n_nodes; i++) {
		const ir_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		const ir_tensor *o = &g->tensors[n->out[0]];

		fprintf(f, "%4d  %-20s %-32.32s ", k++, n->op_type, n->name);
		shape(f, o);
		fprintf(f, " %s", tcc_dtype_name(o->v.dtype));
		if (o->alias_of >= 0)
			fprintf(f, " = view of '%s'", g->tensors[o->alias_of].name);
		else if (o->arena_offset >= 0)
			fprintf(f, " @arena+%lld", (long long)o->arena_offset);
		else if (o->is_output)
			fputs(" -> graph output", f);
		else
			fputs(" (allocated at run time)", f);
		fprintf(f, "  [%s]\n", n->kernel ? n->kernel_desc : !n->shapes_static ? "reference, shape at run time" :
			"reference");
	}
}
