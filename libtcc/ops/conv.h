/* SPDX-License-Identifier: MIT */
/* Convolution/pooling geometry shared by the reference and oneDNN paths. */
#ifndef TCC_OPS_CONV_H
#define TCC_OPS_CONV_H

#include "ops/ops.h"

typedef struct conv_geom {
	int sp;			/* spatial rank, 1..3 */
	int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
} conv_geom;

/* Resolves strides/dilations/pads/auto_pad (and ceil_mode when @pool) for input x. */
tcc_status conv_geom_of(const ir_node *n, const tv *x, const int64_t *kernel, bool pool,
			conv_geom *g);

extern const op_def ops_conv[];

#endif
