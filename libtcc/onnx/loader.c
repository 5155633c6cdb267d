// SPDX-License-Identifier: MIT
/*
 * ModelProto -> graph IR.  Nothing in the file is trusted: protobuf-c
 * rejects malformed wire data, and every index, count and name that the IR
 * relies on is checked here, so later stages only see consistent graphs.
 */
#include "onnx/onnx.h"
#include "ops/ops.h"
#include "common/error.h"
#include "onnx/onnx.pb-c.h"
#include "weights/packed.h"

#include <tcc/weights.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_default_domain(const char *d)
{
	return !d || !d[0] || !strcmp(d, "ai.onnx");
}

static tcc_status read_opsets(const Onnx__ModelProto *m, ir_graph *g)
{
	bool found = false;

	for (size_t i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];

		if (!is_default_domain(o->domain))
			continue;	/* only an error if a node uses it */
		if (!o->has_version || o->version < 1 || o->version > ONNX_MAX_OPSET)
			return tcc_set_error(TCC_ERR_UNSUPPORTED,
					     "opset %lld of the default domain is not supported (1..%d)",
					     (long long)o->version, ONNX_MAX_OPSET);
		g->opset = o->version;
		found = true;
	}
	if (!found) {
		if (m->n_opset_import)
			return tcc_set_error(TCC_ERR_UNSUPPORTED, "model imports no default-domain opset");
		g->opset = 1;	/* IR version 1/2 models predate opset_import */
	}
	return TCC_OK;
}

static tcc_status read_value_info(ir_graph *g, const Onnx__ValueInfoProto *vi, int ti)
{
	ir_tensor *t = &g->tensors[ti];
	const Onnx__TypeProto *tp = vi->type;

	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
		return tcc_set_error(TCC_ERR_UNSUPPORTED,
				     "graph input '%s' is not a tensor (sequence/map/optional are not supported)",
				     vi->name);
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;

	t->v.dtype = tt->has_elem_type ? (tcc_dtype)tt->elem_type : TCC_DTYPE_UNDEFINED;
	if (t->v.dtype == TCC_STRING || tcc_dtype_size(t->v.dtype) == 0)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "graph input '%s': element type %d is not supported",
				     vi->name, (int)t->v.dtype);
	t->type_known = true;
	if (!tt->shape)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "graph input '%s' has no shape (unknown rank)",
				     vi->name);
	if (tt->shape->n_dim > TCC_MAX_RANK)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "graph input '%s': rank %zu exceeds %d", vi->name,
				     tt->shape->n_dim, TCC_MAX_RANK);
	t->v.rank = (int)tt->shape->n_dim;
	t->shape_known = true;
	for (size_t i = 0; i < tt->shape->n_dim; i++) {
		const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];

		if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value >= 0) {
			t->v.dims[i] = d->dim_value;
		} else {
			t->v.dims[i] = -1;
			t->shape_known = false;
			if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param)
				t->dim_params[i] = ir_graph_own(g, strdup(d->dim_param));
		}
	}
	return TCC_OK;
}

/* memcpy() whose source may be NULL when @n is 0 (protobuf-c's empty fields). */
static void copy_n(void *dst, const void *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

static char *dup_bytes(const ProtobufCBinaryData *b)
{
	char *s = malloc(b->len + 1);

	if (s) {
		copy_n(s, b->data, b->len);
		s[b->len] = '\0';
	}
	return s;
}

static tcc_status read_attr(const Onnx__AttributeProto *ap, ir_attr *a, const char *node)
{
	a->name = strdup(ap->name ? ap->name : "");
	if (!a->name)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "attribute");
	switch (ap->type) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		a->type = IR_ATTR_FLOAT;
		a->f = ap->f;
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
		a->type = IR_ATTR_INT;
		a->i = ap->i;
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
		a->type = IR_ATTR_STRING;
		a->s = dup_bytes(&ap->s);
		if (!a->s)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "attribute");
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		a->type = IR_ATTR_FLOATS;
		a->n = (int)ap->n_floats;
		a->floats = malloc(sizeof(float) * (ap->n_floats + 1));
		if (!a->floats)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "attribute");
		copy_n(a->floats, ap->floats, sizeof(float) * ap->n_floats);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		a->type = IR_ATTR_INTS;
		a->n = (int)ap->n_ints;
		a->ints = malloc(sizeof(int64_t) * (ap->n_ints + 1));
		if (!a->ints)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "attribute");
		copy_n(a->ints, ap->ints, sizeof(int64_t) * ap->n_ints);
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
		a->type = IR_ATTR_STRINGS;
		a->strings = calloc(ap->n_strings + 1, sizeof(char *));
		if (!a->strings)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "attribute");
		a->n = (int)ap->n_strings;
		for (size_t i = 0; i < ap->n_strings; i++)
			if (!(a->strings[i] = dup_bytes(&ap->strings[i])))
				return tcc_set_error(TCC_ERR_NO_MEMORY, "attribute");
		break;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
		tcc_status st;

		a->type = IR_ATTR_TENSOR;
		if (!ap->t)
			return tcc_set_error(TCC_ERR_PARSE, "node '%s': attribute '%s' has no tensor", node,
					     a->name);
		st = onnx_tensor_to_tv(ap->t, NULL, &a->t);
		if (st)
			return st;
		break;
	}
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
		a->type = IR_ATTR_GRAPH;	/* subgraph ops are not registered: refused later */
		break;
	default:
		a->type = IR_ATTR_OTHER;
		break;
	}
	return TCC_OK;
}

/* Turns a Constant node into a constant tensor (no node is created). */
static tcc_status constant_node(ir_graph *g, const Onnx__NodeProto *np, const char *name)
{
	tv v = { 0 };
	void *data = NULL;
	int64_t *iv = NULL;
	float *fv = NULL;

	if (np->n_output != 1 || np->n_attribute != 1)
		return tcc_set_error(TCC_ERR_PARSE, "node '%s' (Constant): needs one output and one attribute",
				     name);
	const Onnx__AttributeProto *a = np->attribute[0];
	const char *an = a->name ? a->name : "";

	if (!strcmp(an, "value") && a->t) {
		tcc_status st = onnx_tensor_to_tv(a->t, NULL, &v);

		if (st)
			return tcc_set_error(st, "node '%s' (Constant): %s", name, tcc_last_error());
		data = v.data;
	} else if (!strcmp(an, "value_float")) {
		v.dtype = TCC_F32;
		data = fv = malloc(sizeof(float));
		if (fv)
			*fv = a->f;
	} else if (!strcmp(an, "value_floats")) {
		v = (tv){ .dtype = TCC_F32, .rank = 1, .dims = { (int64_t)a->n_floats } };
		data = fv = malloc(sizeof(float) * (a->n_floats + 1));
		if (fv)
			copy_n(fv, a->floats, sizeof(float) * a->n_floats);
	} else if (!strcmp(an, "value_int")) {
		v.dtype = TCC_I64;
		data = iv = malloc(sizeof(int64_t));
		if (iv)
			*iv = a->i;
	} else if (!strcmp(an, "value_ints")) {
		v = (tv){ .dtype = TCC_I64, .rank = 1, .dims = { (int64_t)a->n_ints } };
		data = iv = malloc(sizeof(int64_t) * (a->n_ints + 1));
		if (iv)
			copy_n(iv, a->ints, sizeof(int64_t) * a->n_ints);
	} else {
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "node '%s' (Constant): attribute '%s' is not supported",
				     name, an);
	}
	if (!data)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "node '%s' (Constant)", name);
	int t = ir_tensor_get(g, np->output[0] ? np->output[0] : "");

	if (t < 0) {
		free(data);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "node '%s'", name);
	}
	if (g->tensors[t].kind != IR_INTERMEDIATE || g->tensors[t].producer >= 0) {
		free(data);
		return tcc_set_error(TCC_ERR_PARSE, "node '%s' (Constant): output '%s' is defined twice", name,
				     g->tensors[t].name);
	}
	ir_tensor_set_const(g, t, &v, data);
	return TCC_OK;
}

static tcc_status add_node(ir_graph *g, const Onnx__NodeProto *np, int index)
{
	char fallback[64];
	const char *op = np->op_type ? np->op_type : "";
	const char *name = np->name && np->name[0] ? np->name : NULL;
	int in[64], out[16];

	if (!name) {
		snprintf(fallback, sizeof(fallback), "%.40s_%d", op, index);
		name = fallback;
	}
	if (!is_default_domain(np->domain))
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "node '%s' (%s): domain '%s' is not supported", name,
				     op, np->domain);
	if (!strcmp(op, "Constant"))
		return constant_node(g, np, name);
	const op_def *d = op_find(op);

	if (!d)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "node '%s' (%s): operator not supported", name, op);
	if ((int)np->n_input < d->min_in || (int)np->n_input > d->max_in || np->n_input > 64)
		return tcc_set_error(TCC_ERR_PARSE, "node '%s' (%s): %zu inputs, expected %d..%d", name, op,
				     np->n_input, d->min_in, d->max_in);
	if ((int)np->n_output < d->min_out || (int)np->n_output > d->max_out || np->n_output > 16)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "node '%s' (%s): %zu outputs, supported %d..%d", name,
				     op, np->n_output, d->min_out, d->max_out);
	for (size_t i = 0; i < np->n_input; i++) {
		const char *s = np->input[i] ? np->input[i] : "";

		in[i] = s[0] ? ir_tensor_get(g, s) : -1;
		if (s[0] && in[i] < 0)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "node '%s'", name);
	}
	for (size_t i = 0; i < np->n_output; i++) {
		const char *s = np->output[i] ? np->output[i] : "";

		out[i] = s[0] ? ir_tensor_get(g, s) : ir_tensor_new(g, name);
		if (out[i] < 0)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "node '%s'", name);
		ir_tensor *t = &g->tensors[out[i]];

		if (t->producer >= 0 || t->kind != IR_INTERMEDIATE)
			return tcc_set_error(TCC_ERR_PARSE, "node '%s' (%s): output '%s' is defined twice", name,
					     op, t->name);
		t->producer = g->n_nodes;	/* provisional, recomputed after sorting */
	}
	int ni = ir_node_add(g, name, op, (int)np->n_input, in, (int)np->n_output, out);

	if (ni < 0)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "node '%s'", name);
	ir_node *n = &g->nodes[ni];

	n->op = d;
	n->attrs = calloc(np->n_attribute + 1, sizeof(ir_attr));
	if (!n->attrs)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "node '%s'", name);
	for (size_t i = 0; i < np->n_attribute; i++) {
		n->n_attrs = (int)i + 1;
		tcc_status st = read_attr(np->attribute[i], &n->attrs[i], name);

		if (st)
			return st;
	}
	return TCC_OK;
}

/* Kahn's algorithm: ONNX requires topological order, but we do not rely on it. */
static tcc_status toposort(ir_graph *g)
{
	int n = g->n_nodes, done = 0;
	int *pending = calloc((size_t)n + 1, sizeof(int));
	bool *ready = calloc((size_t)g->n_tensors + 1, sizeof(bool));
	ir_node *sorted = malloc(sizeof(ir_node) * ((size_t)n + 1));
	bool *placed = calloc((size_t)n + 1, sizeof(bool));
	tcc_status st = TCC_OK;

	if (!pending || !ready || !sorted || !placed) {
		st = tcc_set_error(TCC_ERR_NO_MEMORY, "sorting graph");
		goto out;
	}
	for (int i = 0; i < g->n_tensors; i++)
		ready[i] = g->tensors[i].kind != IR_INTERMEDIATE;
	/* Quadratic in the worst case but linear for graphs already in order. */
	for (bool progress = true; progress && done < n;) {
		progress = false;
		for (int i = 0; i < n; i++) {
			ir_node *nd = &g->nodes[i];
			bool ok = !placed[i];

			for (int j = 0; ok && j < nd->n_in; j++)
				ok = nd->in[j] < 0 || ready[nd->in[j]];
			if (!ok)
				continue;
			for (int j = 0; j < nd->n_out; j++)
				ready[nd->out[j]] = true;
			placed[i] = true;
			sorted[done++] = *nd;
			progress = true;
		}
	}
	if (done < n) {
		for (int i = 0; i < n; i++) {
			if (placed[i])
				continue;
			for (int j = 0; j < g->nodes[i].n_in; j++) {
				int t = g->nodes[i].in[j];

				if (t >= 0 && !ready[t]) {
					st = tcc_set_error(TCC_ERR_PARSE,
							   "node '%s' (%s): input '%s' is not a graph input, initializer or output of any node (or the graph has a cycle)",
							   g->nodes[i].name, g->nodes[i].op_type, g->tensors[t].name);
					goto out;
				}
			}
		}
		st = tcc_set_error(TCC_ERR_PARSE, "graph has a cycle");
		goto out;
	}
	if (n)
		memcpy(g->nodes, sorted, sizeof(ir_node) * (size_t)n);
	ir_graph_recount(g);
out:
	free(pending);
	free(ready);
	free(sorted);
	free(placed);
	return st;
}

/*
 * Initializer @tp becomes a constant whose data is the image's record: not
 * decoded, not copied, not owned by the graph (so ir_graph_free() and
 * ir_tensor_release_data() leave it alone).
 */
typedef struct borrow_src {
	const void *image;
	size_t image_size;
	const onnx_raw_ref *refs;	/* raw_data left out of the parsed bytes (strip.c) */
	size_t n_refs;
} borrow_src;

static const onnx_raw_ref *raw_ref_of(const borrow_src *b, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < b->n_refs; i++)
		if (b->refs[i].name_len == len && b->refs[i].name && !memcmp(b->refs[i].name, name, len))
			return &b->refs[i];
	return NULL;
}

static tcc_status describe_mismatch(const char *name, const tv *v, tcc_dtype dtype, int rank, const int64_t *dims,
				     size_t nbytes)
{
	char want[160], have[160];
	int a = snprintf(want, sizeof(want), "%s[", tcc_dtype_name(v->dtype));
	int b = snprintf(have, sizeof(have), "%s[", tcc_dtype_name(dtype));

	for (int i = 0; i < v->rank && a < 120; i++)
		a += snprintf(want + a, sizeof(want) - (size_t)a, "%s%lld", i ? "," : "", (long long)v->dims[i]);
	for (int i = 0; i < rank && b < 120; i++)
		b += snprintf(have + b, sizeof(have) - (size_t)b, "%s%lld", i ? "," : "", (long long)dims[i]);
	return tcc_set_error(TCC_ERR_INVALID_ARG,
			     "initializer '%s': the model has %s], the weight buffer %s] (%zu bytes): it was loaded from another model",
			     name, want, have, nbytes);
}

static tcc_status stale(const char *name)
{
	return tcc_set_error(TCC_ERR_INVALID_ARG,
			     "initializer '%s': the weight buffer holds other values than the model file (stale buffer?)",
			     name);
}

static tcc_status define_borrowed(ir_graph *g, const char *name, const tv *v, const void *data, bool packed_only)
{
	int t = ir_tensor_get(g, name);

	if (t < 0)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "initializer");
	if (g->tensors[t].kind == IR_CONST)
		return tcc_set_error(TCC_ERR_PARSE, "initializer '%s' is defined twice", name);
	ir_tensor *x = &g->tensors[t];

	x->kind = IR_CONST;
	x->v = *v;
	x->v.data = (void *)data;	/* read-only mapping: see onnx_load_borrowing() */
	x->shape_known = x->type_known = true;
	x->packed_only = packed_only;
	return TCC_OK;
}

/*
 * An initializer the buffer holds only pre-packed (tcc_weights_load_onnx()
 * left its plain copy out): checked against the file through the record's
 * header (dtype, dims, a digest of the values), borrowed as packed_only.
 * TCC_ERR_NOT_FOUND when there is no such record.
 */
static tcc_status borrow_packed_only(ir_graph *g, const Onnx__TensorProto *tp, const borrow_src *b, const tv *v,
				     size_t nbytes)
{
	struct tcc_weights_packed_header h;
	const void *data;
	tcc_status st = tcc_weights_packed_record(b->image, b->image_size, tp->name, &h, &data);

	if (st == TCC_ERR_NOT_FOUND) {
		tcc_clear_error();
		return st;
	}
	if (st)
		return st;
	if (!(h.flags & TCC_WEIGHTS_PACKED_PLAIN_OMITTED))
		return TCC_ERR_NOT_FOUND;
	bool same = h.plain_dtype == (int32_t)v->dtype && h.plain_rank == v->rank && h.plain_nbytes == nbytes;

	for (int i = 0; same && i < v->rank; i++)
		same = h.plain_dims[i] == v->dims[i];
	if (!same)
		return describe_mismatch(tp->name, v, (tcc_dtype)h.plain_dtype, h.plain_rank, h.plain_dims,
					 (size_t)h.plain_nbytes);
	const onnx_raw_ref *ref = tp->has_raw_data ? NULL : raw_ref_of(b, tp->name);

	if ((tp->has_raw_data && (tp->raw_data.len != nbytes ||
				  tcc_weights_content_digest(tp->raw_data.data, nbytes) != h.plain_digest)) ||
	    (ref && (ref->len != nbytes || tcc_weights_content_digest(ref->raw, nbytes) != h.plain_digest)))
		return stale(tp->name);
	return define_borrowed(g, tp->name, v, data, true);
}

static tcc_status borrow_initializer(ir_graph *g, const Onnx__TensorProto *tp, const borrow_src *b)
{
	const void *image = b->image;
	size_t image_size = b->image_size;
	tcc_weights_record rec;
	size_t nbytes;
	tv v;
	tcc_status st = onnx_tensor_shape(tp, &v, &nbytes);

	if (st)
		return st;
	st = tcc_weights_image_find(image, image_size, tp->name, &rec);
	if (st == TCC_ERR_NOT_FOUND) {
		tcc_clear_error();
		st = borrow_packed_only(g, tp, b, &v, nbytes);
		if (st != TCC_ERR_NOT_FOUND)
			return st;
	}
	if (st == TCC_ERR_NOT_FOUND)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "weight buffer has no initializer '%s' of this model (was it loaded from another model?)",
				     tp->name);
	if (st) {
		char why[256];

		snprintf(why, sizeof(why), "%s", tcc_last_error());
		return tcc_set_error(st, "weight buffer: %s", why);
	}
	bool same = rec.dtype == v.dtype && rec.rank == v.rank && rec.nbytes == nbytes;

	for (int i = 0; same && i < v.rank; i++)
		same = rec.dims[i] == v.dims[i];
	if (!same)
		return describe_mismatch(tp->name, &v, rec.dtype, rec.rank, rec.dims, rec.nbytes);
	/*
	 * A buffer of another version of the same model (same names and
	 * shapes) would give silently wrong results: compare the values.
	 * Fully when protobuf-c already copied them (the file could not be
	 * stripped), else against the XXH3 digest the buffer recorded for the
	 * record when it was packed (only the file's bytes are read);
	 * external data is not read at all: skipping that is the point.
	 */
	const onnx_raw_ref *ref = tp->has_raw_data ? NULL : raw_ref_of(b, tp->name);

	if ((tp->has_raw_data && (tp->raw_data.len != nbytes || memcmp(tp->raw_data.data, rec.data, nbytes))) ||
	    (ref && (ref->len != nbytes || tcc_weights_image_verify(image, image_size, tp->name, ref->raw, nbytes))))
		return stale(tp->name);
	return define_borrowed(g, tp->name, &v, rec.data, false);
}

static tcc_status build(Onnx__ModelProto *m, const char *base_dir, const borrow_src *borrow, ir_graph *g)
{
	Onnx__GraphProto *gp = m->graph;
	tcc_status st;

	if (!gp)
		return tcc_set_error(TCC_ERR_PARSE, "model has no graph");
	st = read_opsets(m, g);
	if (st)
		return st;
	if (gp->n_sparse_initializer)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "sparse initializers are not supported");
	for (size_t i = 0; i < gp->n_initializer; i++) {
		Onnx__TensorProto *tp = gp->initializer[i];
		tv v;

		if (!tp->name || !tp->name[0])
			return tcc_set_error(TCC_ERR_PARSE, "initializer %zu has no name", i);
		if (borrow) {
			st = borrow_initializer(g, tp, borrow);
			if (st)
				return st;
			continue;
		}
		st = onnx_tensor_to_tv(tp, base_dir, &v);
		if (st)
			return st;
		int t = ir_tensor_get(g, tp->name);

		if (t < 0 || g->tensors[t].kind == IR_CONST) {
			free(v.data);
			return t < 0 ? tcc_set_error(TCC_ERR_NO_MEMORY, "initializer")
				     : tcc_set_error(TCC_ERR_PARSE, "initializer '%s' is defined twice", tp->name);
		}
		ir_tensor_set_const(g, t, &v, v.data);
	}
	g->inputs = calloc(gp->n_input + 1, sizeof(int));
	g->outputs = calloc(gp->n_output + 1, sizeof(int));
	if (!g->inputs || !g->outputs)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "graph");
	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];

		if (!vi->name || !vi->name[0])
			return tcc_set_error(TCC_ERR_PARSE, "graph input %zu has no name", i);
		int t = ir_tensor_get(g, vi->name);

		if (t < 0)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "graph input");
		if (g->tensors[t].kind == IR_CONST)
			continue;	/* an initializer listed as input (IR < 4 style): a constant */
		if (g->tensors[t].kind == IR_INPUT)
			return tcc_set_error(TCC_ERR_PARSE, "graph input '%s' is listed twice", vi->name);
		st = read_value_info(g, vi, t);
		if (st)
			return st;
		g->tensors[t].kind = IR_INPUT;
		g->inputs[g->n_inputs++] = t;
	}
	for (size_t i = 0; i < gp->n_node; i++) {
		st = add_node(g, gp->node[i], (int)i);
		if (st)
			return st;
	}
	for (size_t i = 0; i < gp->n_output; i++) {
		const char *name = gp->output[i]->name;

		if (!name || !name[0])
			return tcc_set_error(TCC_ERR_PARSE, "graph output %zu has no name", i);
		int t = ir_tensor_find(g, name);

		if (t < 0 || (g->tensors[t].kind == IR_INTERMEDIATE && g->tensors[t].producer < 0))
			return tcc_set_error(TCC_ERR_PARSE, "graph output '%s' is not produced by any node", name);
		g->outputs[g->n_outputs++] = t;
	}
	if (!g->n_outputs)
		return tcc_set_error(TCC_ERR_PARSE, "graph has no outputs");
	return toposort(g);
}

tcc_status onnx_load(const void *buf, size_t size, const char *base_dir, ir_graph **out)
{
	return onnx_load_borrowing(buf, size, base_dir, NULL, 0, out);
}

tcc_status onnx_load_borrowing(const void *buf, size_t size, const char *base_dir,
			       const void *image, size_t image_size, ir_graph **out)
{
	borrow_src borrow = { .image = image, .image_size = image_size };
	Onnx__ModelProto *m;
	void *stripped = NULL;
	onnx_raw_ref *refs = NULL;
	ir_graph *g;
	tcc_status st;

	*out = NULL;
	if (!buf || !size)
		return tcc_set_error(TCC_ERR_PARSE, "empty model");
	if (image) {
		size_t n;

		st = onnx_strip_initializer_data(buf, size, &stripped, &n, &refs, &borrow.n_refs);
		if (st == TCC_OK) {
			buf = stripped;
			size = n;
			borrow.refs = refs;
		} else if (st == TCC_ERR_UNSUPPORTED) {
			tcc_clear_error();	/* protobuf-c says what is wrong with it, if anything */
		} else {
			return st;
		}
	}
	m = onnx__model_proto__unpack(NULL, size, buf);
	free(stripped);
	if (!m) {
		free(refs);
		return tcc_set_error(TCC_ERR_PARSE,
				     "not a valid ONNX model: protobuf decoding failed (truncated or corrupt file)");
	}
	g = ir_graph_new();
	if (!g) {
		free(refs);
		onnx__model_proto__free_unpacked(m, NULL);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "graph");
	}
	st = build(m, base_dir, image ? &borrow : NULL, g);
	free(refs);
	onnx__model_proto__free_unpacked(m, NULL);
	if (st) {
		ir_graph_free(g);
		return st;
	}
	*out = g;
	return TCC_OK;
}
