// SPDX-License-Identifier: MIT
/*
 * pass_fold_transpose_b on hand-built IR: which Transpose → MatMul pairs are
 * rewritten (perm reduced to the row-moving rest, MatMul marked trans_b and
 * taken by oneDNN), which are left alone, and that the check after
 * pass_extern_kernels refuses a marked MatMul oneDNN did not take.
 * Numeric results of the same rewrites: test_dnnl_norm_fold.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ops/ops.h"
#include "passes/dnnl_passes.h"

static const op_env env13 = { .opset = 13, .threads = 1 };

static int input(ir_graph *g, const char *name, int rank, const int64_t *dims)
{
	int i = ir_tensor_get(g, name);
	ir_tensor *x = &g->tensors[i];

	x->kind = IR_INPUT;
	x->v.dtype = TCC_F32;
	x->v.rank = rank;
	memcpy(x->v.dims, dims, sizeof(int64_t) * (size_t)rank);
	x->shape_known = x->type_known = true;
	g->inputs = realloc(g->inputs, sizeof(int) * (size_t)(g->n_inputs + 1));
	g->inputs[g->n_inputs++] = i;
	return i;
}

/* Returns the node index; *out gets its output tensor. */
static int node(ir_graph *g, const char *op, int n_in, const int *in, const char *out_name, int *out)
{
	int o = ir_tensor_get(g, out_name);
	int k = ir_node_add(g, out_name, op, n_in, in, 1, &o);

	g->nodes[k].op = op_find(op);
	assert_non_null(g->nodes[k].op);
	*out = o;
	return k;
}

static void set_perm(ir_graph *g, int k, int r, const int64_t *perm)
{
	ir_node *n = &g->nodes[k];

	n->attrs = realloc(n->attrs, sizeof(ir_attr) * (size_t)(n->n_attrs + 1));
	memset(&n->attrs[n->n_attrs], 0, sizeof(ir_attr));
	n->attrs[n->n_attrs].name = strdup("perm");
	n->attrs[n->n_attrs].type = IR_ATTR_INTS;
	n->attrs[n->n_attrs].n = r;
	n->attrs[n->n_attrs].ints = malloc(sizeof(int64_t) * (size_t)r);
	memcpy(n->attrs[n->n_attrs].ints, perm, sizeof(int64_t) * (size_t)r);
	n->n_attrs++;
}

static void set_output(ir_graph *g, int t)
{
	g->outputs = realloc(g->outputs, sizeof(int) * (size_t)(g->n_outputs + 1));
	g->outputs[g->n_outputs++] = t;
	g->tensors[t].is_output = true;
}

typedef struct qk {
	ir_graph *g;
	int tr, mm;		/* node indices */
	int kt, y;		/* Transpose and MatMul outputs */
} qk;

/* q [2,4,32,qk] · Transpose(k [2,32,4,16], perm) */
static qk build_qk(const int64_t *perm, int64_t q_k, bool kt_is_output)
{
	qk m = { .g = ir_graph_new() };
	int64_t qd[4] = { 2, 4, 32, q_k }, kd[4] = { 2, 32, 4, 16 };
	int q = input(m.g, "q", 4, qd), k = input(m.g, "k", 4, kd);

	m.tr = node(m.g, "Transpose", 1, &k, "kt", &m.kt);
	set_perm(m.g, m.tr, 4, perm);
	int in[2] = { q, m.kt };

	m.mm = node(m.g, "MatMul", 2, in, "y", &m.y);
	set_output(m.g, m.y);
	if (kt_is_output)
		set_output(m.g, m.kt);
	assert_int_equal(pass_infer_fold(m.g, &env13, true, &(pass_stats){ 0 }), TCC_OK);
	return m;
}

static void run_passes(qk *m)
{
	pass_stats ps = { 0 };

	assert_int_equal(pass_fold_transpose_b(m->g, &ps), TCC_OK);
	assert_int_equal(pass_extern_kernels(m->g, &ps), TCC_OK);
	assert_int_equal(pass_check_transpose_b(m->g), TCC_OK);
}

static void attention_kt_becomes_trans_b_and_a_row_transpose(void **state)
{
	(void)state;
	qk m = build_qk((const int64_t[]){ 0, 2, 3, 1 }, 16, false);
	const int64_t *perm;

	run_passes(&m);
	assert_int_equal(ir_attr_int(&m.g->nodes[m.mm], PASS_ATTR_TRANS_B, 0), 1);
	assert_non_null(m.g->nodes[m.mm].kernel);
	assert_false(m.g->nodes[m.tr].dead);
	assert_int_equal(ir_attr_ints(&m.g->nodes[m.tr], "perm", &perm), 4);
	assert_memory_equal(perm, ((const int64_t[]){ 0, 2, 1, 3 }), 4 * sizeof(int64_t));
	/* kt is now K per head, [b, h, s, d]: the last axis did not move */
	assert_memory_equal(m.g->tensors[m.kt].v.dims, ((const int64_t[]){ 2, 4, 32, 16 }), 4 * sizeof(int64_t));
	ir_graph_free(m.g);
}

static void swap_of_the_last_two_axes_disappears(void **state)
{
	(void)state;
	/* k already per head and transposed: [2,4,16,32] -> [2,4,32,16] */
	int64_t kd[4] = { 2, 4, 16, 32 }, qd[4] = { 2, 4, 32, 32 };
	qk m = { .g = ir_graph_new() };
	int q = input(m.g, "q", 4, qd), k = input(m.g, "k", 4, kd);

	m.tr = node(m.g, "Transpose", 1, &k, "kt", &m.kt);
	set_perm(m.g, m.tr, 4, (const int64_t[]){ 0, 1, 3, 2 });
	m.mm = node(m.g, "MatMul", 2, (const int[]){ q, m.kt }, "y", &m.y);
	set_output(m.g, m.y);
	assert_int_equal(pass_infer_fold(m.g, &env13, true, &(pass_stats){ 0 }), TCC_OK);
	run_passes(&m);
	assert_true(m.g->nodes[m.tr].dead);
	assert_int_equal(m.g->nodes[m.mm].in[1], k);
	assert_non_null(m.g->nodes[m.mm].kernel);
	ir_graph_free(m.g);
}

static void transpose_that_moves_the_last_axis_elsewhere_is_left_alone(void **state)
{
	(void)state;
	/* [0,2,1,3]: the Transpose's last axis is k's last axis, nothing for trans_b to absorb */
	qk m = build_qk((const int64_t[]){ 0, 2, 1, 3 }, 32, false);
	const int64_t *perm;

	run_passes(&m);
	assert_int_equal(ir_attr_int(&m.g->nodes[m.mm], PASS_ATTR_TRANS_B, 0), 0);
	assert_int_equal(ir_attr_ints(&m.g->nodes[m.tr], "perm", &perm), 4);
	assert_memory_equal(perm, ((const int64_t[]){ 0, 2, 1, 3 }), 4 * sizeof(int64_t));
	ir_graph_free(m.g);
}

static void transposed_b_read_elsewhere_is_left_alone(void **state)
{
	(void)state;
	qk m = build_qk((const int64_t[]){ 0, 2, 3, 1 }, 16, true);
	const int64_t *perm;

	run_passes(&m);
	assert_int_equal(ir_attr_int(&m.g->nodes[m.mm], PASS_ATTR_TRANS_B, 0), 0);
	assert_int_equal(ir_attr_ints(&m.g->nodes[m.tr], "perm", &perm), 4);
	assert_memory_equal(perm, ((const int64_t[]){ 0, 2, 3, 1 }), 4 * sizeof(int64_t));
	assert_memory_equal(m.g->tensors[m.kt].v.dims, ((const int64_t[]){ 2, 4, 16, 32 }), 4 * sizeof(int64_t));
	ir_graph_free(m.g);
}

static void marked_matmul_left_on_the_reference_is_an_error(void **state)
{
	(void)state;
	qk m = build_qk((const int64_t[]){ 0, 2, 3, 1 }, 16, false);

	assert_int_equal(pass_fold_transpose_b(m.g, &(pass_stats){ 0 }), TCC_OK);
	/* pass_extern_kernels not run: the reference MatMul would ignore trans_b */
	assert_int_equal(pass_check_transpose_b(m.g), TCC_ERR_INTERNAL);
	ir_graph_free(m.g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attention_kt_becomes_trans_b_and_a_row_transpose),
		cmocka_unit_test(swap_of_the_last_two_axes_disappears),
		cmocka_unit_test(transpose_that_moves_the_last_axis_elsewhere_is_left_alone),
		cmocka_unit_test(transposed_b_read_elsewhere_is_left_alone),
		cmocka_unit_test(marked_matmul_left_on_the_reference_is_an_error),
	};

	return cmocka_run_group_tests_name("transpose_fold", tests, NULL, NULL);
}
