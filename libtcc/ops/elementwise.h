/* SPDX-License-Identifier: MIT */
/* Elementwise op families, registered together as ops_elementwise. */
#ifndef TCC_OPS_ELEMENTWISE_H
#define TCC_OPS_ELEMENTWISE_H

#include "ops/ops.h"

extern const op_def ops_elementwise_binary[];
extern const op_def ops_elementwise_unary[];
/* Writes the NumPy broadcast of src into dst (whose shape is the target). */
tcc_status elementwise_broadcast_copy(const tv *src, tv *dst);

#endif
