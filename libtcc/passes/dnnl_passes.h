/* SPDX-License-Identifier: MIT */
/*
 * Passes that move more of a transformer onto oneDNN: Softmax/LayerNorm
 * (norm_dnnl.c) and a Transpose feeding MatMul's B folded into trans_b
 * (transpose_fold.c).  Run by the model compiler (runtime/compile.c).
 */
#ifndef TCC_PASSES_DNNL_PASSES_H
#define TCC_PASSES_DNNL_PASSES_H

#include "passes/passes.h"

/*
 * Internal MatMul attribute set by pass_fold_transpose_b(): B (input 1) is
 * given transposed in its last two axes ([.., N, K]); only the oneDNN
 * kernel (pass_extern_kernels) reads it, the reference MatMul does not.
 */
#define PASS_ATTR_TRANS_B "tcc.trans_b"

/*
 * Softmax/LogSoftmax over a contiguous last axis (after opset < 13's 2-D
 * coercion) and LayerNormalization (also the one pass_fuse_layernorm made)
 * with constant f32 scale/bias onto oneDNN primitives, created once here.
 * A node oneDNN declines keeps its reference kernel.  Run after
 * pass_fuse_layernorm.
 */
tcc_status pass_norm_dnnl(ir_graph *g, pass_stats *ps);

/*
 * MatMul(A, Transpose(X, perm)) where perm's second-last entry is the last
 * axis: the MatMul reads B transposed (oneDNN trans_b) and the Transpose
 * keeps only the rest of perm, which moves whole rows (or is dropped when
 * nothing is left).  Only where a oneDNN matmul with trans_b can be created
 * for the shapes, so pass_extern_kernels (run right after) takes the node.
 */
tcc_status pass_fold_transpose_b(ir_graph *g, pass_stats *ps);
/*
 * After pass_extern_kernels: every MatMul marked by pass_fold_transpose_b
 * must be on oneDNN (the reference MatMul cannot read B transposed);
 * TCC_ERR_INTERNAL naming the node otherwise.
 */
tcc_status pass_check_transpose_b(const ir_graph *g);

#endif
