/* SPDX-License-Identifier: MIT */
/* Internal: the compiled model and its executor. */
#ifndef TCC_RUNTIME_RUNTIME_H
#define TCC_RUNTIME_RUNTIME_H

#include <tcc/model.h>
#include "ir/ir.h"
#include "ops/ops.h"
#include "passes/passes.h"

#define TCC_SPEC_MAX_INPUTS 16
#define TCC_SPEC_SLOTS 2

struct tcc_model {
	ir_graph *g;
	op_env env;
	tcc_options opts;
	pass_stats stats;
	void *arena;
	size_t arena_bytes;
	tv *rt;			/* per-tensor run-time view */
	int *uses;		/* per-run remaining uses of run-time allocated tensors */
	bool *owned;		/* rt[i].data was malloc'd during this run */
	tcc_tensor_info *in_info, *out_info;
	double compile_ms;
	char *cache_dir;	/* owned copy of opts.cache_dir */
	struct model_profile *profile;	/* opts.profile or $TCC_PROFILE: per-node times (profile.c) */
	/*
	 * Models with symbolic input dims keep their bytes and compile a
	 * static specialisation for the concrete shapes they are run with
	 * (the two most recent are kept), so they get oneDNN and fusion too.
	 */
	void *spec_src;
	size_t spec_len;
	char *spec_dir;
	struct model_spec {
		tcc_model *m;
		int64_t dims[TCC_SPEC_MAX_INPUTS][TCC_MAX_RANK];
		unsigned long used;
	} spec[TCC_SPEC_SLOTS];
	unsigned long spec_clock;
	/*
	 * opts.weights: the open buffer whose read-only mapping the graph's
	 * initializers point into (NULL for a specialisation, which borrows
	 * its parent's mapping and is freed before it).
	 */
	struct tcc_weights *weights;
	const void *wimage;
	size_t wimage_size;
	/*
	 * The graph borrows pre-packed-only weights (ir_tensor.packed_only)
	 * that something here cannot read in place: set by model_compile(),
	 * which then fails; the loader loads the model privately instead.
	 */
	bool needs_private;
	/* Loaded privately because of that; the packed records' usage is noted. */
	bool weights_fallback;
};

/* Wraps a loaded graph into a compiled model (takes @g); keeps @src for specialisation. */
tcc_status model_from_graph(tcc_model **out, ir_graph *g, const tcc_options *opts, const void *src,
			    size_t len, const char *base_dir);
/* The same; on failure *@needs_private says whether a private load would do (see needs_private). */
tcc_status model_from_graph_ex(tcc_model **out, ir_graph *g, const tcc_options *opts, const void *src,
			       size_t len, const char *base_dir, bool *needs_private);
/* The model to run these inputs on: @m itself or its specialisation for their shapes. */
tcc_status model_specialized(tcc_model *m, const tcc_tensor *inputs, int n_inputs, tcc_model **out);

/* Runs the pass pipeline on m->g and prepares the executor. */
tcc_status model_compile(tcc_model *m);
tcc_status model_execute(tcc_model *m, const tcc_tensor *inputs, int n_inputs, tcc_tensor *outputs,
			 int n_outputs);

#include <stdio.h>
/* Prints the compiled plan: one line per node with its kernel, output shape and arena slot. */
void model_print_plan(const tcc_model *m, FILE *f);
/* The profile (profile.c): allocated by model_compile(), fed by the executor. */
struct model_profile;
tcc_status model_profile_init(tcc_model *m);
void model_profile_free(struct model_profile *p);
void model_profile_run_begin(struct model_profile *p);
double model_profile_now(void);
void model_profile_node(struct model_profile *p, int node, double t0);
void model_profile_run_end(struct model_profile *p);
/* $TCC_PROFILE: per-node time table in graph order on @f (called by tcc_model_free). */
void model_profile_print_env(const tcc_model *m, FILE *f);

#endif
