// SPDX-License-Identifier: MIT
/*
 * LayerNorm recognition.  Exporters below opset 17 spell LayerNorm as
 *   m = ReduceMean(x); d = x - m; v = ReduceMean(d^2); y = d / Sqrt(v + eps) [* w + b]
 * over the last axis: nine nodes and five full passes over x.  This pass
 * turns the pattern into one LayerNormalization node whose kernel makes two
 * passes over each row.
 */
#include "passes/passes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int sole_consumer(const ir_graph *g, int t, const char *op)
{
	int found = -1;

	if (g->tensors[t].is_output || g->tensors[t].n_uses != 1)
		return -1;
	for (int i = 0; i < g->n_nodes && found < 0; i++) {
		const ir_node *n = &g->nodes[i];

		for (int j = 0; !n->dead && j < n->n_in; j++)
			if (n->in[j] == t)
				found = i;
	}
	return found >= 0 && !strcmp(g->nodes[found].op_type, op) ? found : -1;
}

static double const_scalar(const ir_graph *g, int t)
{
	const ir_tensor *x = t >= 0 ? &g->tensors[t] : NULL;

	if (!x || x->kind != IR_CONST || tv_numel(&x->v) != 1 || !tcc_dtype_is_float(x->v.dtype))
		return NAN;
	return tcc_load_f64(x->v.dtype, x->v.data, 0);
}

static int other(const ir_node *n, int t)
{
	return n->n_in != 2 ? -1 : n->in[0] == t ? n->in[1] : n->in[1] == t ? n->in[0] : -1;
}

/* ReduceMean over exactly the last axis with keepdims. */
static bool mean_last_axis(const ir_graph *g, const ir_node *n)
{
	int r = g->tensors[n->in[0]].v.rank;
	int64_t axis;

	if (strcmp(n->op_type, "ReduceMean") || !ir_attr_int(n, "keepdims", 1) || r < 1)
		return false;
	if (n->n_in > 1 && n->in[1] >= 0) {
		const ir_tensor *a = &g->tensors[n->in[1]];

		if (a->kind != IR_CONST || tv_numel(&a->v) != 1)
			return false;
		axis = tcc_load_i64(a->v.dtype, a->v.data, 0);
	} else {
		const int64_t *v;

		if (ir_attr_ints(n, "axes", &v) != 1)
			return false;
		axis = v[0];
	}
	return axis == -1 || axis == r - 1;
}

static bool is_vec(const ir_graph *g, int t, int64_t d)
{
	const ir_tensor *x = t >= 0 ? &g->tensors[t] : NULL;

	return x && x->kind == IR_CONST && x->v.dtype == TCC_F32 && tv_numel(&x->v) == d &&
	       x->v.dims[x->v.rank - 1] == d;
}

static int const_vec(ir_graph *g, const char *hint, int64_t d, float fill)
{
	float *p = malloc(sizeof(float) * (size_t)d);
	tv v = { .dtype = TCC_F32, .rank = 1, .dims = { d } };
	int t;

	if (!p)
		return -1;
	for (int64_t i = 0; i < d; i++)
		p[i] = fill;
	t = ir_tensor_new(g, hint);
	if (t < 0) {
		free(p);
		return -1;
	}
	ir_tensor_set_const(g, t, &v, p);
	return t;
}

static tcc_status try_match(ir_graph *g, int r1, pass_stats *ps)
{
	ir_node *n1 = &g->nodes[r1];
	int x = n1->in[0];
	const tv *xv = &g->tensors[x].v;

	if (xv->dtype != TCC_F32 || !mean_last_axis(g, n1) || !n1->shapes_static)
		return TCC_OK;
	int64_t D = xv->dims[xv->rank - 1];
	int sub = sole_consumer(g, n1->out[0], "Sub");

	if (sub < 0 || g->nodes[sub].in[0] != x || g->nodes[sub].in[1] != n1->out[0])
		return TCC_OK;
	int d = g->nodes[sub].out[0], pw = -1, dv = -1;

	if (g->tensors[d].n_uses != 2 || g->tensors[d].is_output)
		return TCC_OK;
	for (int i = 0; i < g->n_nodes; i++) {
		const ir_node *n = &g->nodes[i];

		if (n->dead || n->n_in < 2 || n->in[0] != d)
			continue;
		if (!strcmp(n->op_type, "Pow") && const_scalar(g, n->in[1]) == 2.0)
			pw = i;
		else if (!strcmp(n->op_type, "Mul") && n->in[1] == d)
			pw = i;
		else if (!strcmp(n->op_type, "Div"))
			dv = i;
	}
	if (pw < 0 || dv < 0)
		return TCC_OK;
	int r2 = sole_consumer(g, g->nodes[pw].out[0], "ReduceMean");

	if (r2 < 0 || !mean_last_axis(g, &g->nodes[r2]))
		return TCC_OK;
	int ad = sole_consumer(g, g->nodes[r2].out[0], "Add");
	double eps = ad >= 0 ? const_scalar(g, other(&g->nodes[ad], g->nodes[r2].out[0])) : NAN;

	if (isnan(eps))
		return TCC_OK;
	int sq = sole_consumer(g, g->nodes[ad].out[0], "Sqrt");

	if (sq < 0 || sole_consumer(g, g->nodes[sq].out[0], "Div") != dv || g->nodes[dv].in[1] != g->nodes[sq].out[0])
		return TCC_OK;
	int y = g->nodes[dv].out[0], w = -1, b = -1, mul = -1, add = -1;

	mul = sole_consumer(g, y, "Mul");
	if (mul >= 0 && is_vec(g, other(&g->nodes[mul], y), D)) {
		w = other(&g->nodes[mul], y);
		y = g->nodes[mul].out[0];
		add = sole_consumer(g, y, "Add");
		if (add >= 0 && is_vec(g, other(&g->nodes[add], y), D)) {
			b = other(&g->nodes[add], y);
			y = g->nodes[add].out[0];
		} else {
			add = -1;
		}
	} else {
		mul = -1;
	}
	if (w < 0 && (w = const_vec(g, n1->name, D, 1.0f)) < 0)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "layernorm fusion");
	if (b < 0 && (b = const_vec(g, n1->name, D, 0.0f)) < 0)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "layernorm fusion");
	/* Rewrite the first ReduceMean into the fused node. */
	int *in = malloc(sizeof(int) * 3);
	ir_attr *attrs = calloc(2, sizeof(ir_attr));
	char *opn = strdup("LayerNormalization");

	if (!in || !attrs || !opn) {
		free(in);
		free(attrs);
		free(opn);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "layernorm fusion");
	}
	n1 = &g->nodes[r1];
	for (int i = 0; i < n1->n_attrs; i++) {
		free(n1->attrs[i].name);
		free(n1->attrs[i].ints);
		free(n1->attrs[i].floats);
		free(n1->attrs[i].s);
	}
	free(n1->attrs);
	free(n1->in);
	free(n1->op_type);
	attrs[0] = (ir_attr){ .name = strdup("epsilon"), .type = IR_ATTR_FLOAT, .f = (float)eps };
	attrs[1] = (ir_attr){ .name = strdup("axis"), .type = IR_ATTR_INT, .i = -1 };
	n1->attrs = attrs;
	n1->n_attrs = 2;
	n1->op_type = opn;
	n1->op = op_find("LayerNormalization");
	in[0] = x;
	in[1] = w;
	in[2] = b;
	n1->in = in;
	n1->n_in = 3;
	n1->out[0] = y;
	int dead[] = { sub, pw, r2, ad, sq, dv, mul, add };

	for (size_t i = 0; i < sizeof(dead) / sizeof(dead[0]); i++)
		if (dead[i] >= 0) {
			g->nodes[dead[i]].dead = true;
			ps->fused_nodes++;
		}
	ps->fused_kernels++;
	ir_graph_recount(g);
	return TCC_OK;
}

tcc_status pass_fuse_layernorm(ir_graph *g, pass_stats *ps)
{
	ir_graph_recount(g);
	for (int i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead || strcmp(g->nodes[i].op_type, "ReduceMean"))
			continue;
		tcc_status st = try_match(g, i, ps);

		if (st)
			return st;
	}
	return TCC_OK;
}
