/* SPDX-License-Identifier: MIT */
/*
 * Broadcast iteration for elementwise kernels: the output is walked as rows
 * of its innermost dimension; each input contributes a per-row base offset
 * and an inner stride of 0 (broadcast) or 1.  Rows are independent, so the
 * row loop is what gets parallelised.
 */
#ifndef TCC_OPS_BCAST_H
#define TCC_OPS_BCAST_H

#include "ops/ops.h"

typedef struct bcast {
	int n_in;
	int64_t rows, inner;
	int64_t s[4];		/* inner stride per input */
	int64_t *base[4];	/* per-row offsets per input */
} bcast;

/* Plans iteration of out over up to 4 inputs (each broadcastable to out). */
tcc_status bcast_plan(bcast *bc, const tv *out, tv *const *in, int n_in);
void bcast_free(bcast *bc);

#define BCAST_PAR_MIN 65536

#endif
