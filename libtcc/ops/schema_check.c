// SPDX-License-Identifier: MIT
/* Checks of nodes against ONNX's operator schemas (see schema.h). */
#include "ops/schema.h"
#include "ops/ops.h"

#include <stdio.h>
#include <string.h>

const op_schema *op_schema_find(const char *name, int64_t opset)
{
	int lo = 0, hi = op_schemas_count;

	/* First entry with this name. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(op_schemas[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < op_schemas_count && !strcmp(op_schemas[i].name, name); i++)
		if (op_schemas[i].since <= opset && opset <= op_schemas[i].until)
			return &op_schemas[i];
	return NULL;
}

/* The formal parameter actual position @j binds to, or NULL past the last. */
static const op_schema_param *formal(const op_schema_param *p, int n, int j)
{
	if (j < n)
		return &p[j];
	if (n && p[n - 1].option == OP_PARAM_VARIADIC)
		return &p[n - 1];
	return NULL;
}

static const char *attr_type_name(int t)
{
	static const char *const names[] = {
		"undefined", "float", "int", "string", "tensor", "graph", "floats", "ints", "strings",
	};
	return t >= 0 && t < (int)(sizeof(names) / sizeof(names[0])) ? names[t] : "other";
}

static void type_list(uint32_t mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int t = 0; t < 32 && at + 12 < len; t++)
		if (mask & (1u << t))
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
					       tcc_dtype_name((tcc_dtype)t));
}

tcc_status op_schema_check_node(const ir_node *n, int64_t opset)
{
	const op_schema *s = op_schema_find(n->op_type, opset);

	if (!s) {
		bool later = false;

		for (int i = 0; i < op_schemas_count; i++)
			later |= !strcmp(op_schemas[i].name, n->op_type);
		return op_err(n, TCC_ERR_UNSUPPORTED, later ? "the operator is not defined at opset %lld"
							     : "not an ONNX operator (opset %lld)",
			      (long long)opset);
	}
	if (n->n_in < s->min_in || n->n_in > s->max_in)
		return op_err(n, TCC_ERR_PARSE, "%d inputs; ONNX's %s-%d takes %d..%d", n->n_in, s->name, s->since,
			      s->min_in, s->max_in);
	if (n->n_out < s->min_out || n->n_out > s->max_out)
		return op_err(n, TCC_ERR_PARSE, "%d outputs; ONNX's %s-%d has %d..%d", n->n_out, s->name,
			      s->since, s->min_out, s->max_out);
	for (int j = 0; j < n->n_in; j++) {
		const op_schema_param *p = formal(s->in, s->n_in, j);

		if (p && p->option != OP_PARAM_OPTIONAL && n->in[j] < 0)
			return op_err(n, TCC_ERR_PARSE, "input %d (%s) is required but omitted (named \"\")", j,
				      p->name);
	}
	for (int i = 0; i < s->n_attrs; i++) {
		const op_schema_attr *sa = &s->attrs[i];
		const ir_attr *a = ir_attr_find(n, sa->name);

		if (!a) {
			if (sa->required)
				return op_err(n, TCC_ERR_PARSE, "required attribute '%s' is missing", sa->name);
			continue;
		}
		if ((int)a->type != sa->type)
			return op_err(n, TCC_ERR_PARSE, "attribute '%s' is %s, ONNX's %s-%d wants %s", sa->name,
				      attr_type_name(a->type), s->name, s->since, attr_type_name(sa->type));
	}
	return TCC_OK;
}

static tcc_status check_one(const ir_node *n, const op_schema *s, const op_schema_param *p, bool output,
			    int j, tcc_dtype dt, tcc_dtype *bound, int *bound_by, int *bound_out)
{
	const char *what = output ? "output" : "input";

	if ((unsigned)dt >= 32 || !(p->types & (1u << dt))) {
		char list[300];

		type_list(p->types, list, sizeof(list));
		return op_err(n, TCC_ERR_INVALID_ARG, "%s %d (%s) is %s; ONNX's %s-%d accepts %s", what, j, p->name,
			      tcc_dtype_name(dt), s->name, s->since, list[0] ? list : "no plain tensor");
	}
	if (p->tvar < 0)
		return TCC_OK;
	if (!bound[p->tvar]) {
		bound[p->tvar] = dt;
		bound_by[p->tvar] = j;
		bound_out[p->tvar] = output;
		return TCC_OK;
	}
	if (bound[p->tvar] != dt)
		return op_err(n, TCC_ERR_INVALID_ARG, "%s %d (%s) is %s but %s %d has %s: both must have one type",
			      what, j, p->name, tcc_dtype_name(dt), bound_out[p->tvar] ? "output" : "input",
			      bound_by[p->tvar], tcc_dtype_name(bound[p->tvar]));
	return TCC_OK;
}

tcc_status op_schema_check_types(const ir_node *n, int64_t opset, tv *const *in, int n_in, const tv *out,
				 int n_out)
{
	const op_schema *s = op_schema_find(n->op ? n->op->name : n->op_type, opset);
	tcc_dtype bound[64] = { 0 };
	int bound_by[64], bound_out[64];
	tcc_status st;

	if (!s)
		return TCC_OK;
	for (int j = 0; j < n_in; j++) {
		const op_schema_param *p = formal(s->in, s->n_in, j);

		if (!p || p->tvar >= 64)
			continue;	/* arity was checked at load; a pass may append operands */
		if (!in[j]) {
			if (p->option != OP_PARAM_OPTIONAL)
				return op_err(n, TCC_ERR_PARSE, "input %d (%s) is required but omitted", j, p->name);
			continue;
		}
		/* A heterogeneous variadic binds no common type (its elements differ). */
		op_schema_param q = *p;

		if (p->option == OP_PARAM_VARIADIC && !p->homogeneous)
			q.tvar = -1;
		st = check_one(n, s, &q, false, j, in[j]->dtype, bound, bound_by, bound_out);
		if (st)
			return st;
	}
	for (int j = 0; out && j < n_out; j++) {
		const op_schema_param *p = formal(s->out, s->n_out, j);

		if (!p || p->tvar >= 64)
			continue;
		op_schema_param q = *p;

		if (p->option == OP_PARAM_VARIADIC && !p->homogeneous)
			q.tvar = -1;
		st = check_one(n, s, &q, true, j, out[j].dtype, bound, bound_by, bound_out);
		if (st)
			return st;
	}
	return TCC_OK;
}
