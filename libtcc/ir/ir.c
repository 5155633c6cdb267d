// SPDX-License-Identifier: MIT
/* Graph IR storage: tensors, nodes, attributes. */
#include "ir/ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ir_graph *ir_graph_new(void)
{
	ir_graph *g = calloc(1, sizeof(*g));

	if (g)
		g->opset = 13;
	return g;
}

static void attr_free(ir_attr *a)
{
	free(a->name);
	free(a->s);
	free(a->floats);
	free(a->ints);
	for (int i = 0; a->strings && i < a->n; i++)
		free(a->strings[i]);
	free(a->strings);
	free(a->t.data);
}

void ir_graph_free(ir_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];

		if (n->state && n->free_state)
			n->free_state(n->state);
		for (int j = 0; j < n->n_attrs; j++)
			attr_free(&n->attrs[j]);
		free(n->attrs);
		free(n->name);
		free(n->op_type);
		free(n->in);
		free(n->out);
	}
	for (int i = 0; i < g->n_tensors; i++)
		free(g->tensors[i].name);
	for (int i = 0; i < g->n_blobs; i++)
		free(g->blobs[i]);
	free(g->blobs);
	free(g->tensors);
	free(g->nodes);
	free(g->inputs);
	free(g->outputs);
	free(g);
}

static bool grow(void **arr, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return true;
	int nc = *cap ? *cap * 2 : 16;

	while (nc < need)
		nc *= 2;
	void *p = realloc(*arr, (size_t)nc * elem);

	if (!p)
		return false;
	memset((char *)p + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
	*arr = p;
	*cap = nc;
	return true;
}

void *ir_graph_own(ir_graph *g, void *p)
{
	if (!p)
		return NULL;
	if (!grow((void **)&g->blobs, &g->cap_blobs, g->n_blobs + 1, sizeof(void *))) {
		free(p);
		return NULL;
	}
	g->blobs[g->n_blobs++] = p;
	return p;
}

int ir_tensor_find(const ir_graph *g, const char *name)
{
	/* Linear on purpose: graphs are built once; callers cache indices. */
	for (int i = g->n_tensors - 1; i >= 0; i--)
		if (strcmp(g->tensors[i].name, name) == 0)
			return i;
	return -1;
}

int ir_weight_reader(const ir_graph *g, int t)
{
	int uses = 0, node = -1, slot = -1;

	if (t < 0 || t >= g->n_tensors || g->tensors[t].is_output)
		return -1;
	for (int i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (int j = 0; j < g->nodes[i].n_in; j++)
			if (g->nodes[i].in[j] == t) {
				uses++;
				node = i;
				slot = j;
			}
	}
	for (int k = 0; k < g->n_outputs; k++)
		uses += g->outputs[k] == t;
	return uses == 1 && slot == 1 ? node : -1;
}

bool ir_inputs_static(const ir_graph *g)
{
	for (int k = 0; k < g->n_inputs; k++)
		if (!g->tensors[g->inputs[k]].shape_known)
			return false;
	return true;
}

static int tensor_append(ir_graph *g, const char *name)
{
	if (!grow((void **)&g->tensors, &g->cap_tensors, g->n_tensors + 1, sizeof(ir_tensor)))
		return -1;
	ir_tensor *t = &g->tensors[g->n_tensors];

	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	if (!t->name)
		return -1;
	t->producer = -1;
	t->arena_offset = -1;
	t->alias_of = -1;
	return g->n_tensors++;
}

int ir_tensor_get(ir_graph *g, const char *name)
{
	int i = ir_tensor_find(g, name);

	return i >= 0 ? i : tensor_append(g, name);
}

int ir_tensor_new(ir_graph *g, const char *hint)
{
	char buf[256];

	for (int k = g->n_tensors;; k++) {
		snprintf(buf, sizeof(buf), "%.200s__tcc%d", hint, k);
		if (ir_tensor_find(g, buf) < 0)
			return tensor_append(g, buf);
	}
}

void ir_tensor_set_const(ir_graph *g, int ti, const tv *v, void *data)
{
	ir_tensor *t = &g->tensors[ti];

	t->kind = IR_CONST;
	t->v = *v;
	t->v.data = data;
	t->shape_known = t->type_known = true;
	ir_graph_own(g, data);
}

void ir_tensor_release_data(ir_graph *g, int t)
{
	void *p = g->tensors[t].v.data;

	for (int i = 0; p && i < g->n_blobs; i++)
		if (g->blobs[i] == p) {
			free(p);
			g->blobs[i] = NULL;
			g->tensors[t].v.data = NULL;
			return;
		}
}

int ir_node_add(ir_graph *g, const char *name, const char *op_type, int n_in, const int *in,
		int n_out, const int *out)
{
	if (!grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(ir_node)))
		return -1;
	ir_node *n = &g->nodes[g->n_nodes];

	memset(n, 0, sizeof(*n));
	n->name = strdup(name ? name : "");
	n->op_type = strdup(op_type);
	n->in = malloc(sizeof(int) * (size_t)(n_in ? n_in : 1));
	n->out = malloc(sizeof(int) * (size_t)(n_out ? n_out : 1));
	if (!n->name || !n->op_type || !n->in || !n->out) {
		free(n->name); free(n->op_type); free(n->in); free(n->out);
		return -1;
	}
	if (n_in)
		memcpy(n->in, in, sizeof(int) * (size_t)n_in);
	if (n_out)
		memcpy(n->out, out, sizeof(int) * (size_t)n_out);
	n->n_in = n_in;
	n->n_out = n_out;
	return g->n_nodes++;
}

const ir_attr *ir_attr_find(const ir_node *n, const char *name)
{
	for (int i = 0; i < n->n_attrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return &n->attrs[i];
	return NULL;
}

int64_t ir_attr_int(const ir_node *n, const char *name, int64_t def)
{
	const ir_attr *a = ir_attr_find(n, name);

	return a && a->type == IR_ATTR_INT ? a->i : def;
}

float ir_attr_float(const ir_node *n, const char *name, float def)
{
	const ir_attr *a = ir_attr_find(n, name);

	if (a && a->type == IR_ATTR_FLOAT)
		return a->f;
	if (a && a->type == IR_ATTR_INT)
		return (float)a->i;
	return def;
}

const char *ir_attr_str(const ir_node *n, const char *name, const char *def)
{
	const ir_attr *a = ir_attr_find(n, name);

	return a && a->type == IR_ATTR_STRING ? a->s : def;
}

int ir_attr_ints(const ir_node *n, const char *name, const int64_t **vals)
{
	const ir_attr *a = ir_attr_find(n, name);

	if (!a || a->type != IR_ATTR_INTS) {
		*vals = NULL;
		return -1;
	}
	*vals = a->ints;
	return a->n;
}

void ir_graph_recount(ir_graph *g)
{
	for (int i = 0; i < g->n_tensors; i++) {
		g->tensors[i].producer = -1;
		g->tensors[i].n_uses = 0;
		g->tensors[i].is_output = false;
	}
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0)
				g->tensors[n->in[j]].n_uses++;
		for (int j = 0; j < n->n_out; j++)
			if (n->out[j] >= 0)
				g->tensors[n->out[j]].producer = i;
	}
	for (int i = 0; i < g->n_outputs; i++) {
		g->tensors[g->outputs[i]].n_uses++;
		g->tensors[g->outputs[i]].is_output = true;
	}
}
