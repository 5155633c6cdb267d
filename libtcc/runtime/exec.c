// SPDX-License-Identifier: MIT
/*
 * The executor.  Statically shaped intermediates live at planned arena
 * offsets; tensors whose shapes are only known at run time are inferred just
 * before their node runs and malloc'd, then freed after their last use.
 * Inputs are read in place and outputs written straight into the caller's
 * buffers when given.
 */
#include "runtime/runtime.h"
#include "common/error.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

static int output_slot(const ir_graph *g, int t)
{
	for (int k = 0; k < g->n_outputs; k++)
		if (g->outputs[k] == t)
			return k;
	return -1;
}

static tcc_status bind_inputs(tcc_model *m, const tcc_tensor *inputs)
{
	ir_graph *g = m->g;

	for (int k = 0; k < g->n_inputs; k++) {
		const ir_tensor *t = &g->tensors[g->inputs[k]];
		const tcc_tensor *x = &inputs[k];
		tv *v = &m->rt[g->inputs[k]];

		if (x->dtype != t->v.dtype)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "input '%s': dtype %s, model expects %s",
					     t->name, tcc_dtype_name(x->dtype), tcc_dtype_name(t->v.dtype));
		if (x->rank != t->v.rank)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "input '%s': rank %d, model expects %d",
					     t->name, x->rank, t->v.rank);
		for (int i = 0; i < x->rank; i++) {
			if (x->dims[i] < 0 || (t->v.dims[i] >= 0 && x->dims[i] != t->v.dims[i]))
				return tcc_set_error(TCC_ERR_INVALID_ARG,
						     "input '%s': dim %d is %lld, model expects %lld", t->name, i,
						     (long long)x->dims[i], (long long)t->v.dims[i]);
		}
		v->dtype = x->dtype;
		v->rank = x->rank;
		memcpy(v->dims, x->dims, sizeof(v->dims));
		v->data = x->data;
		if (!x->data && tv_numel(v))
			return tcc_set_error(TCC_ERR_INVALID_ARG, "input '%s': data is NULL", t->name);
		if (x->nbytes && x->nbytes < tv_nbytes(v))
			return tcc_set_error(TCC_ERR_INVALID_ARG, "input '%s': %zu bytes given, %zu needed",
					     t->name, x->nbytes, tv_nbytes(v));
	}
	return TCC_OK;
}

static void *alloc_bytes(size_t n)
{
	return malloc(n ? n : 1);
}

/* Storage for a node output t (its view m->rt[t] has dtype and shape). */
static tcc_status place_output(tcc_model *m, int t, tcc_tensor *outputs, bool *given)
{
	ir_graph *g = m->g;
	const ir_tensor *x = &g->tensors[t];
	tv *v = &m->rt[t];
	size_t need = tv_nbytes(v) > x->alloc_bytes ? tv_nbytes(v) : x->alloc_bytes;
	int k = x->is_output ? output_slot(g, t) : -1;

	if (x->alias_of >= 0) {
		v->data = m->rt[x->alias_of].data;
		return TCC_OK;
	}
	if (x->arena_offset >= 0) {
		v->data = (char *)m->arena + x->arena_offset;
		return TCC_OK;
	}
	if (k >= 0 && given[k]) {
		if (outputs[k].nbytes < need)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "output '%s': buffer of %zu bytes, %zu needed",
					     x->name, outputs[k].nbytes, need);
		v->data = outputs[k].data;
		return TCC_OK;
	}
	v->data = alloc_bytes(need);
	if (!v->data)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "tensor '%s': %zu bytes", x->name, need);
	if (k >= 0) {
		outputs[k].data = v->data;	/* handed to the caller */
		outputs[k].nbytes = need;
	} else {
		m->owned[t] = true;
	}
	return TCC_OK;
}

static void release_input(tcc_model *m, int t)
{
	if (t >= 0 && m->owned[t] && --m->uses[t] <= 0) {
		free(m->rt[t].data);
		m->rt[t].data = NULL;
		m->owned[t] = false;
	}
}

static tcc_status run_node(tcc_model *m, ir_node *n, tcc_tensor *outputs, bool *given)
{
	ir_graph *g = m->g;
	tv *in[64], out[16];
	tcc_status st;
	op_env env = m->env;

	for (int j = 0; j < n->n_in; j++)
		in[j] = n->in[j] >= 0 ? &m->rt[n->in[j]] : NULL;
	if (!n->shapes_static) {
		memset(out, 0, sizeof(tv) * (size_t)n->n_out);
		st = n->op->infer(n, &env, in, n->n_in, out, n->n_out);
		if (st == OP_NEEDS_VALUE)
			return op_err(n, TCC_ERR_INTERNAL, "shape still unknown at run time");
		if (st || (st = op_check_outputs(n, out, n->n_out)))
			return st;
		for (int j = 0; j < n->n_out; j++) {
			m->rt[n->out[j]] = out[j];
			m->rt[n->out[j]].data = NULL;
		}
	}
	bool all_alias = (n->op->flags & OP_ALIAS) != 0;

	for (int j = 0; j < n->n_out; j++) {
		st = place_output(m, n->out[j], outputs, given);
		if (st)
			return st;
		all_alias &= g->tensors[n->out[j]].alias_of >= 0;
	}
	for (int j = 0; j < n->n_out; j++)
		out[j] = m->rt[n->out[j]];
	env.state = n->state;
	if (!all_alias) {
		st = n->kernel ? n->kernel(n, n->state, in, n->n_in, out, n->n_out)
			       : op_invoke(n->op, n, &env, in, n->n_in, out, n->n_out);
		if (st)
			return st;
	}
	for (int j = 0; j < n->n_in; j++)
		release_input(m, n->in[j]);
	/* Outputs nobody reads (optional extras) are released at once. */
	for (int j = 0; j < n->n_out; j++)
		if (m->owned[n->out[j]] && m->uses[n->out[j]] <= 0)
			release_input(m, n->out[j]);
	return TCC_OK;
}

/* Graph outputs that no node writes (inputs, constants) or listed twice: copy. */
static tcc_status finish_outputs(tcc_model *m, tcc_tensor *outputs, bool *given)
{
	ir_graph *g = m->g;

	for (int k = 0; k < g->n_outputs; k++) {
		const tv *v = &m->rt[g->outputs[k]];
		size_t need = tv_nbytes(v);

		outputs[k].dtype = v->dtype;
		outputs[k].rank = v->rank;
		memset(outputs[k].dims, 0, sizeof(outputs[k].dims));
		memcpy(outputs[k].dims, v->dims, sizeof(int64_t) * (size_t)v->rank);
		if (outputs[k].data == v->data)
			continue;
		if (given[k]) {
			if (outputs[k].nbytes < need)
				return tcc_set_error(TCC_ERR_INVALID_ARG, "output '%s': buffer of %zu bytes, %zu needed",
						     g->tensors[g->outputs[k]].name, outputs[k].nbytes, need);
		} else {
			outputs[k].data = alloc_bytes(need);
			if (!outputs[k].data)
				return tcc_set_error(TCC_ERR_NO_MEMORY, "output %d", k);
			outputs[k].nbytes = need;
		}
		memcpy(outputs[k].data, v->data, need);
	}
	return TCC_OK;
}

tcc_status model_execute(tcc_model *m, const tcc_tensor *inputs, int n_inputs, tcc_tensor *outputs,
			 int n_outputs)
{
	ir_graph *g = m->g;
	bool given[256];
	tcc_status st;

	if (n_inputs != g->n_inputs || (n_inputs && !inputs))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "model has %d inputs, %d given", g->n_inputs, n_inputs);
	if (n_outputs != g->n_outputs || !outputs)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "model has %d outputs, %d given", g->n_outputs,
				     n_outputs);
	if (n_outputs > 256)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "more than 256 outputs");
	for (int k = 0; k < n_outputs; k++)
		given[k] = outputs[k].data != NULL;
	for (int i = 0; i < g->n_tensors; i++) {
		m->rt[i] = g->tensors[i].v;
		m->owned[i] = false;
		m->uses[i] = g->tensors[i].n_uses;
	}
	st = bind_inputs(m, inputs);
	if (st)
		return st;
	omp_set_num_threads(m->env.threads);
	if (m->profile)
		model_profile_run_begin(m->profile);
	for (int i = 0; i < g->n_nodes && st == TCC_OK; i++) {
		if (g->nodes[i].dead)
			continue;
		double t0 = m->profile ? model_profile_now() : 0;

		st = run_node(m, &g->nodes[i], outputs, given);
		if (m->profile)
			model_profile_node(m->profile, i, t0);
	}
	if (m->profile)
		model_profile_run_end(m->profile);
	if (st == TCC_OK)
		st = finish_outputs(m, outputs, given);
	for (int i = 0; i < g->n_tensors; i++)
		if (m->owned[i]) {
			free(m->rt[i].data);
			m->owned[i] = false;
		}
	if (st) {
		for (int k = 0; k < n_outputs; k++)
			if (!given[k] && outputs[k].data) {
				free(outputs[k].data);
				outputs[k].data = NULL;
				outputs[k].nbytes = 0;
			}
	}
	return st;
}

tcc_status tcc_model_run(tcc_model *m, const tcc_tensor *inputs, int n_inputs, tcc_tensor *outputs,
			 int n_outputs)
{
	tcc_model *r;
	tcc_status st;

	if (!m)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_model_run: model is NULL");
	st = model_specialized(m, inputs, n_inputs, &r);
	return st ? st : model_execute(r, inputs, n_inputs, outputs, n_outputs);
}
