// SPDX-License-Identifier: MIT
/*
 * BatchNormalization folding: Conv(X, W, B) -> BN(scale, bias, mean, var)
 * with all parameters constant becomes Conv(X, W', B') where
 *   a = scale / sqrt(var + eps), W'[oc] = W[oc] * a[oc], B' = (B - mean) * a + bias.
 * A BN with no such Conv before it (DenseNet's after each Concat) becomes
 * Mul(X, a) -> Add(b) with per-channel constants [C, 1, ...]: pointwise ops,
 * which the fusion pass merges with the ReLU after them into one loop.
 */
#include "passes/passes.h"

#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_const_f32(const ir_graph *g, int t)
{
	return t >= 0 && g->tensors[t].kind == IR_CONST && g->tensors[t].v.dtype == TCC_F32 &&
	       !g->tensors[t].packed_only;	/* packed bytes are no values to fold */
}

static tcc_status fold_one(ir_graph *g, ir_node *conv, ir_node *bn)
{
	const tv *w = &g->tensors[conv->in[1]].v;
	int64_t OC = w->dims[0], per = OC ? tv_numel(w) / OC : 0;
	double eps = ir_attr_float(bn, "epsilon", 1e-5f);
	const float *sc = g->tensors[bn->in[1]].v.data, *bb = g->tensors[bn->in[2]].v.data;
	const float *mean = g->tensors[bn->in[3]].v.data, *var = g->tensors[bn->in[4]].v.data;
	const float *cb = conv->n_in > 2 && conv->in[2] >= 0 ? g->tensors[conv->in[2]].v.data : NULL;
	float *nw = malloc(sizeof(float) * (size_t)(tv_numel(w) + 1));
	float *nb = malloc(sizeof(float) * (size_t)(OC + 1));

	if (!nw || !nb) {
		free(nw);
		free(nb);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "batchnorm folding");
	}
	for (int64_t oc = 0; oc < OC; oc++) {
		double a = sc[oc] / sqrt((double)var[oc] + eps);

		for (int64_t i = 0; i < per; i++)
			nw[oc * per + i] = (float)(((const float *)w->data)[oc * per + i] * a);
		nb[oc] = (float)(((cb ? cb[oc] : 0.0) - mean[oc]) * a + bb[oc]);
	}
	tv wv = *w, bv = { .dtype = TCC_F32, .rank = 1, .dims = { OC } };
	int tw = ir_tensor_new(g, conv->name), tb;

	if (tw < 0) {
		free(nw);
		free(nb);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "batchnorm folding");
	}
	ir_tensor_set_const(g, tw, &wv, nw);
	tb = ir_tensor_new(g, conv->name);
	if (tb < 0) {
		free(nb);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "batchnorm folding");
	}
	ir_tensor_set_const(g, tb, &bv, nb);
	if (conv->n_in < 3) {
		int *in = realloc(conv->in, sizeof(int) * 3);

		if (!in)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "batchnorm folding");
		conv->in = in;
		conv->n_in = 3;
	}
	conv->in[1] = tw;
	conv->in[2] = tb;
	conv->out[0] = bn->out[0];
	bn->dead = true;
	return TCC_OK;
}

/* A per-channel constant [C, 1, ...] for an activation of rank @rank. */
static int channel_const(ir_graph *g, const char *hint, int rank, int64_t C, float *vals)
{
	tv v = { .dtype = TCC_F32, .rank = rank - 1, .dims = { C } };
	int t = ir_tensor_new(g, hint);

	for (int k = 1; k < rank - 1; k++)
		v.dims[k] = 1;
	if (t < 0) {
		free(vals);
		return -1;
	}
	ir_tensor_set_const(g, t, &v, vals);
	return t;
}

/* BN node @i -> Mul(X, a) at @i, then Add(., b) inserted right after it. */
static tcc_status bn_to_affine(ir_graph *g, int i)
{
	ir_node *bn = &g->nodes[i];
	const tv *x = &g->tensors[bn->in[0]].v;
	int rank = x->rank, y = bn->out[0];
	int64_t C = x->dims[1];
	double eps = ir_attr_float(bn, "epsilon", 1e-5f);
	const float *sc = g->tensors[bn->in[1]].v.data, *bb = g->tensors[bn->in[2]].v.data;
	const float *mean = g->tensors[bn->in[3]].v.data, *var = g->tensors[bn->in[4]].v.data;
	float *a = malloc(sizeof(float) * (size_t)C), *b = malloc(sizeof(float) * (size_t)C);

	if (!a || !b) {
		free(a);
		free(b);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "batchnorm rewrite");
	}
	for (int64_t c = 0; c < C; c++) {
		double k = sc[c] / sqrt((double)var[c] + eps);

		a[c] = (float)k;
		b[c] = (float)(bb[c] - mean[c] * k);
	}
	int ta = channel_const(g, bn->name, rank, C, a), tb = b ? channel_const(g, bn->name, rank, C, b) : -1;
	int m = ta >= 0 && tb >= 0 ? ir_tensor_new(g, bn->name) : -1;
	int add_in[2] = { m, tb };
	int k = m >= 0 ? ir_node_add(g, g->nodes[i].name, "Add", 2, add_in, 1, &y) : -1;
	char *mul = strdup("Mul");

	if (k < 0 || !mul) {
		free(mul);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "batchnorm rewrite");
	}
	ir_node add = g->nodes[k];

	memmove(&g->nodes[i + 2], &g->nodes[i + 1], sizeof(ir_node) * (size_t)(k - i - 1));
	g->nodes[i + 1] = add;
	g->nodes[i + 1].op = op_find("Add");
	g->nodes[i + 1].shapes_static = true;
	bn = &g->nodes[i];
	g->tensors[m].v = g->tensors[bn->in[0]].v;
	g->tensors[m].v.data = NULL;
	g->tensors[m].shape_known = g->tensors[m].type_known = true;
	free(bn->op_type);
	bn->op_type = mul;
	bn->op = op_find("Mul");
	bn->in[1] = ta;
	bn->n_in = 2;
	bn->out[0] = m;
	return TCC_OK;
}

/* Inference BNs with constant parameters on a statically shaped f32 [N, C, ...] activation. */
static bool affine_bn(const ir_graph *g, const ir_node *bn)
{
	if (bn->dead || strcmp(bn->op_type, "BatchNormalization") || bn->n_out != 1 || bn->n_in != 5 ||
	    bn->in[0] < 0 || !bn->shapes_static || g->tensors[bn->in[0]].v.dtype != TCC_F32 ||
	    g->tensors[bn->in[0]].v.rank < 2 || ir_attr_int(bn, "training_mode", 0))
		return false;
	for (int k = 1; k < 5; k++)
		if (!is_const_f32(g, bn->in[k]) || tv_numel(&g->tensors[bn->in[k]].v) != g->tensors[bn->in[0]].v.dims[1])
			return false;
	return true;
}

tcc_status pass_fold_batchnorm(ir_graph *g, pass_stats *ps)
{
	ir_graph_recount(g);
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *bn = &g->nodes[i];

		if (bn->dead || strcmp(bn->op_type, "BatchNormalization") || bn->n_out != 1 ||
		    bn->in[0] < 0 || !bn->shapes_static)
			continue;
		ir_tensor *y = &g->tensors[bn->in[0]];

		if (y->producer < 0 || y->n_uses != 1 || y->is_output)
			continue;
		ir_node *conv = &g->nodes[y->producer];

		if (conv->dead || strcmp(conv->op_type, "Conv") || !is_const_f32(g, conv->in[1]) ||
		    (conv->n_in > 2 && conv->in[2] >= 0 && !is_const_f32(g, conv->in[2])))
			continue;
		bool ok = y->v.dtype == TCC_F32;

		for (int k = 1; k < 5 && ok; k++)
			ok = is_const_f32(g, bn->in[k]);
		if (!ok)
			continue;
		tcc_status st = fold_one(g, conv, bn);

		if (st)
			return st;
		ps->bn_folded++;
		ir_graph_recount(g);
	}
	for (int i = 0; i < g->n_nodes; i++) {
		if (!affine_bn(g, &g->nodes[i]))
			continue;
		tcc_status st = bn_to_affine(g, i);

		if (st)
			return st;
		i++;	/* past the Add */
	}
	ir_graph_recount(g);
	return TCC_OK;
}
