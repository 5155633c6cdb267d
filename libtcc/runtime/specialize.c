// SPDX-License-Identifier: MIT
/*
 * Shape specialisation.  A model whose inputs have symbolic dims can only
 * run its dynamic (reference-kernel) path as loaded.  The first time it is
 * run with concrete shapes, its bytes are parsed again with those shapes
 * fixed and compiled like a static model: constant folding, oneDNN kernels,
 * fusion and an arena.  The two most recently used specialisations are kept.
 */
#include "runtime/runtime.h"
#include "onnx/onnx.h"
#include "common/error.h"

#include <string.h>

static bool matches(const tcc_model *m, const struct model_spec *s, const tcc_tensor *inputs)
{
	for (int k = 0; k < m->g->n_inputs; k++)
		for (int d = 0; d < inputs[k].rank; d++)
			if (s->dims[k][d] != inputs[k].dims[d])
				return false;
	return true;
}

tcc_status model_specialized(tcc_model *m, const tcc_tensor *inputs, int n_inputs, tcc_model **out)
{
	ir_graph *g = m->g, *sg;
	tcc_status st;

	*out = m;
	if (!m->spec_src || n_inputs != g->n_inputs || !inputs)
		return TCC_OK;
	/* Inputs that do not fit the declared shape: let the executor explain. */
	for (int k = 0; k < n_inputs; k++) {
		const ir_tensor *t = &g->tensors[g->inputs[k]];

		if (inputs[k].rank != t->v.rank || inputs[k].dtype != t->v.dtype)
			return TCC_OK;
		for (int d = 0; d < t->v.rank; d++)
			if (inputs[k].dims[d] < 0 || (t->v.dims[d] >= 0 && inputs[k].dims[d] != t->v.dims[d]))
				return TCC_OK;
		if (!tv_dims_sane(inputs[k].rank, inputs[k].dims))
			return tcc_set_error(TCC_ERR_INVALID_ARG, "input '%s': its dims are too large (more than 2^48 elements)",
					     t->name);
	}
	struct model_spec *slot = &m->spec[0];

	for (int i = 0; i < TCC_SPEC_SLOTS; i++) {
		struct model_spec *s = &m->spec[i];

		if (s->m && matches(m, s, inputs)) {
			s->used = ++m->spec_clock;
			*out = s->m;
			return TCC_OK;
		}
		if (!s->m || (slot->m && s->used < slot->used))
			slot = s;
	}
	st = onnx_load_borrowing(m->spec_src, m->spec_len, m->spec_dir, m->wimage, m->wimage_size, &sg);
	if (st)
		return st;
	for (int k = 0; k < n_inputs; k++) {
		ir_tensor *t = &sg->tensors[sg->inputs[k]];

		memcpy(t->v.dims, inputs[k].dims, sizeof(int64_t) * (size_t)t->v.rank);
		t->shape_known = true;
	}
	tcc_model *sm;

	st = model_from_graph(&sm, sg, &m->opts, NULL, 0, NULL);
	if (st)
		return st;
	tcc_model_free(slot->m);
	slot->m = sm;
	slot->used = ++m->spec_clock;
	for (int k = 0; k < n_inputs; k++)
		memcpy(slot->dims[k], inputs[k].dims, sizeof(int64_t) * TCC_MAX_RANK);
	*out = sm;
	return TCC_OK;
}
