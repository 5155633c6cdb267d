/* SPDX-License-Identifier: MIT */
/* Internal: the compiled model and its executor. */
#ifndef TCC_RUNTIME_RUNTIME_H
#define TCC_RUNTIME_RUNTIME_H

#include <tcc/model.h>
#include "ir/ir.h"
#include "ops/ops.h"
#include "passes/passes.h"

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
};

/* Runs the pass pipeline on m->g and prepares the executor. */
tcc_status model_compile(tcc_model *m);
tcc_status model_execute(tcc_model *m, const tcc_tensor *inputs, int n_inputs, tcc_tensor *outputs,
			 int n_outputs);

/* Prints the compiled plan: one line per node with its kernel, output shape and arena slot. */
#include <stdio.h>
void model_print_plan(const tcc_model *m, FILE *f);

#endif
