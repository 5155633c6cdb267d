// SPDX-License-Identifier: MIT
/* The model compiler: pass pipeline, arena, run-time tables. */
#include "runtime/runtime.h"
#include "common/error.h"
#include "passes/dnnl_passes.h"
#include "dnnl/dnnl_ops.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int live_nodes(const ir_graph *g)
{
	int n = 0;

	for (int i = 0; i < g->n_nodes; i++)
		n += !g->nodes[i].dead;
	return n;
}

static tcc_status compile_passes(tcc_model *m);

/*
 * Weights the buffer holds only pre-packed (ir_tensor.packed_only) have no
 * plain values here: each must be the weight of one MatMul/Gemm/Conv that,
 * once compiled, reads its record in place.  Checked before the passes
 * (nothing else may even look at them) and after (every such op did).
 * Otherwise the model is loaded privately (tcc_model_load()): other options,
 * another oneDNN or CPU limit, or a model that is not the one packed.
 */
static bool packed_only_weights_ok(const ir_graph *g, bool compiled)
{
	bool is_static = ir_inputs_static(g);

	for (int t = 0; t < g->n_tensors; t++) {
		if (!g->tensors[t].packed_only)
			continue;
		int r = pass_packed_weight_reader(g, t);

		if (!is_static || r < 0 || (compiled && !pass_extern_weights_in_place(g, r)))
			return false;
	}
	return true;
}

static tcc_status needs_private(tcc_model *m)
{
	m->needs_private = true;
	return tcc_set_error(TCC_ERR_UNSUPPORTED,
			     "the weight buffer holds some weights only pre-packed, in layouts this model does not use here");
}

/*
 * Compiling runs oneDNN primitive creation, prepacking and constant folding,
 * some of them in OpenMP regions: they use the model's thread count, not the
 * process default.  A worker asked to use one thread that compiled on all
 * CPUs would leave an idle OpenMP thread spinning (GOMP_SPINCOUNT) next to
 * it, which on a host full of such workers takes the CPUs they need.  The
 * caller's setting is restored afterwards.
 */
tcc_status model_compile(tcc_model *m)
{
	int caller_threads = omp_get_max_threads();
	tcc_status st;

	m->env.threads = m->opts.threads > 0 ? m->opts.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (m->env.threads < 1)
		m->env.threads = 1;
	if (!packed_only_weights_ok(m->g, false))
		return needs_private(m);
	omp_set_num_threads(m->env.threads);
	st = compile_passes(m);
	omp_set_num_threads(caller_threads);
	if (st == TCC_OK && !packed_only_weights_ok(m->g, true))
		return needs_private(m);
	return st;
}

static tcc_status compile_passes(tcc_model *m)
{
	ir_graph *g = m->g;
	double t0 = now_ms();
	int nodes0 = live_nodes(g);
	tcc_status st;

	m->env.opset = g->opset;
	m->stats.prepack_borrowed = m->opts.weights_prepack != 0;
	m->stats.bf16 = m->opts.bf16 && tcc_dnnl_has_bf16();
	st = pass_infer_fold(g, &m->env, true, &m->stats);
	if (st)
		return st;
	pass_dce(g, &m->stats);
	if (m->opts.opt_level >= 1) {
		st = pass_fold_batchnorm(g, &m->stats);
		if (st || (st = pass_fold_pad(g, &m->stats)))
			return st;
		pass_dce(g, &m->stats);
		st = pass_fold_transpose_b(g, &m->stats);
		if (st)
			return st;
		st = pass_extern_kernels(g, &m->stats);
		if (st || (st = pass_check_transpose_b(g)))
			return st;
		st = pass_fuse_layernorm(g, &m->stats);
		if (st || (st = pass_norm_dnnl(g, &m->stats)))
			return st;
		st = pass_fuse_pointwise(g, &m->opts, &m->stats);
		if (st)
			return st;
	}
	st = pass_plan_memory(g, &m->stats);
	if (st)
		return st;
	m->arena_bytes = m->stats.arena_bytes;
	if (m->arena_bytes) {
		m->arena = aligned_alloc(TCC_ARENA_ALIGN, m->arena_bytes);
		if (!m->arena)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "arena of %zu bytes", m->arena_bytes);
	}
	m->rt = calloc((size_t)g->n_tensors + 1, sizeof(tv));
	m->uses = calloc((size_t)g->n_tensors + 1, sizeof(int));
	m->owned = calloc((size_t)g->n_tensors + 1, sizeof(bool));
	if (!m->rt || !m->uses || !m->owned)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "model tables");
	if ((m->opts.profile || getenv("TCC_PROFILE")) && (st = model_profile_init(m)) != TCC_OK)
		return st;
	m->compile_ms = now_ms() - t0;
	if (m->opts.verbose)
		fprintf(stderr,
			"tcc: %d nodes -> %d (folded %d, dead %d, bn-folded %d, %d on oneDNN with %d epilogue ops, %d blocked, fused %d into %d kernels), "
			"%d dynamic, arena %zu bytes, opset %lld, %.1f ms%s\n",
			nodes0, live_nodes(g), m->stats.folded, m->stats.dead, m->stats.bn_folded,
			m->stats.extern_kernels, m->stats.epilogues, m->stats.blocked_tensors, m->stats.fused_nodes,
			m->stats.fused_kernels,
			m->stats.dynamic_nodes, m->arena_bytes, (long long)g->opset, m->compile_ms,
			m->opts.bf16 ? (m->stats.bf16 ? ", bf16 requested" : ", bf16 requested: no native bf16 here, float32") : "");
	if (m->opts.verbose && m->stats.bf16)
		fprintf(stderr, "tcc: %d MatMul/Gemm/Conv ops in bfloat16\n", m->stats.bf16_ops);
	if (m->opts.verbose &&
	    m->stats.borrowed_weights + m->stats.private_packed_bytes + m->stats.packed_mismatches)
		fprintf(stderr, "tcc: weight buffer: %d MatMul/Gemm/Conv weights read in place (%d from pre-packed "
			"records, %d records refused: other CPU/oneDNN), %zu bytes prepacked privately\n",
			m->stats.borrowed_weights, m->stats.packed_weights, m->stats.packed_mismatches,
			m->stats.private_packed_bytes);
	return TCC_OK;
}
