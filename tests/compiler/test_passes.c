// SPDX-License-Identifier: MIT
/*
 * Graph passes on hand-built IR: inference, constant folding (including the
 * Shape->Gather->Concat->Reshape chain exporters emit), dead-code removal,
 * BatchNorm folding and memory planning with buffer reuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ops/ops.h"
#include "passes/passes.h"

static const op_env env13 = { .opset = 13, .threads = 1 };

static int input(ir_graph *g, const char *name, tcc_dtype t, int rank, const int64_t *dims)
{
	int i = ir_tensor_get(g, name);
	ir_tensor *x = &g->tensors[i];

	x->kind = IR_INPUT;
	x->v.dtype = t;
	x->v.rank = rank;
	memcpy(x->v.dims, dims, sizeof(int64_t) * (size_t)rank);
	x->shape_known = x->type_known = true;
	g->inputs = realloc(g->inputs, sizeof(int) * (size_t)(g->n_inputs + 1));
	g->inputs[g->n_inputs++] = i;
	return i;
}

static int const_i64(ir_graph *g, const char *name, int n, const int64_t *vals, bool scalar)
{
	int i = ir_tensor_get(g, name);
	int64_t *d = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
	tv v = { .dtype = TCC_I64, .rank = scalar ? 0 : 1, .dims = { n } };

	memcpy(d, vals, sizeof(int64_t) * (size_t)n);
	ir_tensor_set_const(g, i, &v, d);
	return i;
}

static int const_f32(ir_graph *g, const char *name, int rank, const int64_t *dims, const float *vals)
{
	int i = ir_tensor_get(g, name);
	tv v = { .dtype = TCC_F32, .rank = rank };
	int64_t cnt = 1;

	memcpy(v.dims, dims, sizeof(int64_t) * (size_t)rank);
	for (int k = 0; k < rank; k++)
		cnt *= dims[k];
	float *d = malloc(sizeof(float) * (size_t)cnt);

	memcpy(d, vals, sizeof(float) * (size_t)cnt);
	ir_tensor_set_const(g, i, &v, d);
	return i;
}

static int node(ir_graph *g, const char *op, int n_in, const int *in, const char *out_name)
{
	int out = ir_tensor_get(g, out_name);
	int k = ir_node_add(g, out_name, op, n_in, in, 1, &out);

	g->nodes[k].op = op_find(op);
	assert_non_null(g->nodes[k].op);
	return out;
}

static void set_int_attr(ir_graph *g, int node_index, const char *name, int64_t v)
{
	ir_node *n = &g->nodes[node_index];

	n->attrs = realloc(n->attrs, sizeof(ir_attr) * (size_t)(n->n_attrs + 1));
	memset(&n->attrs[n->n_attrs], 0, sizeof(ir_attr));
	n->attrs[n->n_attrs].name = strdup(name);
	n->attrs[n->n_attrs].type = IR_ATTR_INT;
	n->attrs[n->n_attrs].i = v;
	n->n_attrs++;
}

static void set_output(ir_graph *g, int t)
{
	g->outputs = realloc(g->outputs, sizeof(int) * (size_t)(g->n_outputs + 1));
	g->outputs[g->n_outputs++] = t;
}

static int live(const ir_graph *g)
{
	int n = 0;

	for (int i = 0; i < g->n_nodes; i++)
		n += !g->nodes[i].dead;
	return n;
}

/* x:[4,6,8] -> Shape -> Gather(0) -> Unsqueeze -> Concat(-1) -> Reshape(x) = [4, 48]. */
static void shape_chain_folds_to_a_constant_shape(void **state)
{
	ir_graph *g = ir_graph_new();
	pass_stats ps = { 0 };
	int64_t xd[3] = { 4, 6, 8 }, zero = 0, m1 = -1, ax = 0;
	int x = input(g, "x", TCC_F32, 3, xd);
	int s = node(g, "Shape", 1, &x, "s");
	int gi[2] = { s, const_i64(g, "zero", 1, &zero, true) };
	int b = node(g, "Gather", 2, gi, "b");
	int ui[2] = { b, const_i64(g, "axes", 1, &ax, false) };
	int b1 = node(g, "Unsqueeze", 2, ui, "b1");
	int ci[2] = { b1, const_i64(g, "m1", 1, &m1, false) };
	int shp = node(g, "Concat", 2, ci, "shp");
	int ri[2] = { x, shp };
	int y;

	set_int_attr(g, 3, "axis", 0);
	y = node(g, "Reshape", 2, ri, "y");
	set_output(g, y);
	ir_graph_recount(g);
	assert_int_equal(pass_infer_fold(g, &env13, true, &ps), TCC_OK);
	pass_dce(g, &ps);
	assert_int_equal(ps.folded, 4);		/* Shape, Gather, Unsqueeze, Concat */
	assert_int_equal(live(g), 1);		/* only the Reshape runs */
	assert_int_equal(g->tensors[shp].kind, IR_CONST);
	assert_int_equal(((int64_t *)g->tensors[shp].v.data)[0], 4);
	assert_int_equal(((int64_t *)g->tensors[shp].v.data)[1], -1);
	assert_true(g->tensors[y].shape_known);
	assert_int_equal(g->tensors[y].v.rank, 2);
	assert_int_equal(g->tensors[y].v.dims[1], 48);
	assert_int_equal(ps.dynamic_nodes, 0);
	ir_graph_free(g);
}

static void unused_branch_is_removed(void **state)
{
	ir_graph *g = ir_graph_new();
	pass_stats ps = { 0 };
	int64_t d[1] = { 8 };
	int x = input(g, "x", TCC_F32, 1, d);
	int a = node(g, "Relu", 1, &x, "a");
	int dead1 = node(g, "Exp", 1, &x, "dead1");

	node(g, "Neg", 1, &dead1, "dead2");
	set_output(g, a);
	ir_graph_recount(g);
	assert_int_equal(pass_infer_fold(g, &env13, true, &ps), TCC_OK);
	pass_dce(g, &ps);
	assert_int_equal(ps.dead, 2);
	assert_int_equal(live(g), 1);
	ir_graph_free(g);
}

static void inference_error_names_node_and_op(void **state)
{
	ir_graph *g = ir_graph_new();
	pass_stats ps = { 0 };
	int64_t a[2] = { 2, 3 }, b[2] = { 4, 5 };
	int in[2] = { input(g, "a", TCC_F32, 2, a), input(g, "b", TCC_F32, 2, b) };

	set_output(g, node(g, "MatMul", 2, in, "mm"));
	ir_graph_recount(g);
	assert_int_equal(pass_infer_fold(g, &env13, true, &ps), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "node 'mm' (MatMul)"));
	ir_graph_free(g);
}

static void unknown_value_leaves_node_dynamic(void **state)
{
	ir_graph *g = ir_graph_new();
	pass_stats ps = { 0 };
	int64_t xd[2] = { 2, 6 }, sd[1] = { 2 };
	int in[2] = { input(g, "x", TCC_F32, 2, xd), input(g, "shape", TCC_I64, 1, sd) };
	int y = node(g, "Reshape", 2, in, "y");

	set_output(g, y);
	ir_graph_recount(g);
	assert_int_equal(pass_infer_fold(g, &env13, true, &ps), TCC_OK);
	assert_int_equal(ps.dynamic_nodes, 1);
	assert_false(g->nodes[0].shapes_static);
	assert_false(g->tensors[y].shape_known);
	ir_graph_free(g);
}

static void batchnorm_folds_into_conv(void **state)
{
	ir_graph *g = ir_graph_new();
	pass_stats ps = { 0 };
	int64_t xd[4] = { 1, 1, 3, 3 }, wd[4] = { 2, 1, 1, 1 }, cd[1] = { 2 };
	float w[2] = { 1.0f, 2.0f }, sc[2] = { 2.0f, 0.5f }, bb[2] = { 1.0f, -1.0f };
	float mean[2] = { 0.5f, 1.0f }, var[2] = { 4.0f, 1.0f };
	int x = input(g, "x", TCC_F32, 4, xd);
	int ci[2] = { x, const_f32(g, "w", 4, wd, w) };
	int c = node(g, "Conv", 2, ci, "c");
	int bi[5] = { c, const_f32(g, "sc", 1, cd, sc), const_f32(g, "bb", 1, cd, bb),
		      const_f32(g, "mean", 1, cd, mean), const_f32(g, "var", 1, cd, var) };
	int y = node(g, "BatchNormalization", 5, bi, "y");

	set_output(g, y);
	ir_graph_recount(g);
	assert_int_equal(pass_infer_fold(g, &env13, true, &ps), TCC_OK);
	assert_int_equal(pass_fold_batchnorm(g, &ps), TCC_OK);
	pass_dce(g, &ps);
	assert_int_equal(ps.bn_folded, 1);
	assert_int_equal(live(g), 1);
	const ir_node *conv = &g->nodes[0];

	assert_string_equal(conv->op_type, "Conv");
	assert_int_equal(conv->out[0], y);
	assert_int_equal(conv->n_in, 3);
	const float *nw = g->tensors[conv->in[1]].v.data, *nb = g->tensors[conv->in[2]].v.data;
	/* a = sc / sqrt(var + 1e-5); W' = W a; B' = -mean a + bb */
	double a0 = 2.0 / sqrt(4.0 + 1e-5), a1 = 0.5 / sqrt(1.0 + 1e-5);

	assert_float_equal(nw[0], 1.0 * a0, 1e-6);
	assert_float_equal(nw[1], 2.0 * a1, 1e-6);
	assert_float_equal(nb[0], -0.5 * a0 + 1.0, 1e-6);
	assert_float_equal(nb[1], -1.0 * a1 - 1.0, 1e-6);
	ir_graph_free(g);
}

/* A chain of 8 same-sized pointwise ops needs 2 buffers, not 7. */
static void memory_plan_reuses_buffers(void **state)
{
	ir_graph *g = ir_graph_new();
	pass_stats ps = { 0 };
	int64_t d[1] = { 1000 };
	int t = input(g, "x", TCC_F32, 1, d);
	char name[16];

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		t = node(g, i % 2 ? "Relu" : "Neg", 1, &t, name);
	}
	set_output(g, t);
	ir_graph_recount(g);
	assert_int_equal(pass_infer_fold(g, &env13, true, &ps), TCC_OK);
	assert_int_equal(pass_plan_memory(g, &ps), TCC_OK);
	size_t buf = (4000 + TCC_ARENA_ALIGN - 1) / TCC_ARENA_ALIGN * TCC_ARENA_ALIGN;

	assert_int_equal(ps.arena_bytes, 2 * buf);
	/* consecutive intermediates never share storage */
	for (int i = 1; i < 7; i++) {
		const ir_tensor *a = &g->tensors[g->nodes[i - 1].out[0]], *b = &g->tensors[g->nodes[i].out[0]];

		assert_true(a->arena_offset >= 0 && b->arena_offset >= 0);
		assert_true(a->arena_offset != b->arena_offset);
	}
	/* the graph output is not in the arena: it goes to the caller's buffer */
	assert_int_equal(g->tensors[t].arena_offset, -1);
	ir_graph_free(g);
}

static void view_ops_alias_their_input(void **state)
{
	ir_graph *g = ir_graph_new();
	pass_stats ps = { 0 };
	int64_t d[2] = { 4, 4 }, shape[1] = { 16 };
	int x = input(g, "x", TCC_F32, 2, d);
	int a = node(g, "Relu", 1, &x, "a");
	int ri[2] = { a, const_i64(g, "shape", 1, shape, false) };
	int r = node(g, "Reshape", 2, ri, "r");
	int y = node(g, "Neg", 1, &r, "y");

	set_output(g, y);
	ir_graph_recount(g);
	assert_int_equal(pass_infer_fold(g, &env13, true, &ps), TCC_OK);
	assert_int_equal(pass_plan_memory(g, &ps), TCC_OK);
	assert_int_equal(g->tensors[r].alias_of, a);
	assert_int_equal(ps.arena_bytes, 64);
	ir_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shape_chain_folds_to_a_constant_shape),
		cmocka_unit_test(unused_branch_is_removed),
		cmocka_unit_test(inference_error_names_node_and_op),
		cmocka_unit_test(unknown_value_leaves_node_dynamic),
		cmocka_unit_test(batchnorm_folds_into_conv),
		cmocka_unit_test(memory_plan_reuses_buffers),
		cmocka_unit_test(view_ops_alias_their_input),
	};
	return cmocka_run_group_tests_name("compiler passes", tests, NULL, NULL);
}
