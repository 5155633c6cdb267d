/* SPDX-License-Identifier: MIT */
/* Graph passes, run in this order by the model compiler (runtime/model.c). */
#ifndef TCC_PASSES_PASSES_H
#define TCC_PASSES_PASSES_H

#include "ir/ir.h"
#include "ops/ops.h"

typedef struct pass_stats {
	int folded;		/* nodes evaluated at load time */
	int dead;		/* nodes removed as unused */
	int bn_folded;		/* BatchNormalization folded into Conv */
	int fused_nodes;	/* nodes absorbed into fused kernels */
	int fused_kernels;	/* generated kernels */
	int epilogues;		/* ops fused into a matmul/conv as post-ops */
	int extern_kernels;	/* nodes running on oneDNN */
	int blocked_tensors;	/* intermediates kept in oneDNN's blocked layout */
	int dynamic_nodes;	/* nodes whose shapes are only known at run time */
	bool prepack_borrowed;	/* in (tcc_options.weights_prepack): prepack weight-buffer weights privately */
	bool bf16;		/* in (tcc_options.bf16, native bf16 present): MatMul/Gemm/Conv in bf16 */
	int bf16_ops;		/* oneDNN ops created in bf16 */
	int borrowed_weights;	/* MatMul/Gemm/Conv weights oneDNN reads in place from a weight buffer */
	size_t private_packed_bytes; /* weight-buffer bytes oneDNN still prepacked into a private copy */
	int packed_weights;	/* of borrowed_weights: read from a pre-packed record (NAME@packed) */
	int packed_mismatches;	/* records whose layout fingerprint did not match this process */
	size_t arena_bytes;
} pass_stats;

/*
 * Shape/type inference in topological order, evaluating nodes whose inputs
 * are all constant (and Shape/Size of statically shaped tensors) when @fold.
 * Errors (unsupported dtype/attribute, bad shapes) name the node and op.
 */
tcc_status pass_infer_fold(ir_graph *g, const op_env *env, bool fold, pass_stats *ps);
/*
 * A constant whose data the graph does not own: it points into a read-only
 * weight-buffer mapping (onnx_load_borrowing()).  Passes never write
 * constants in place; this is for choosing kernels that read it as is.
 */
bool pass_const_is_borrowed(const ir_graph *g, int t);
/* Removes nodes none of whose outputs are used. */
void pass_dce(ir_graph *g, pass_stats *ps);
/* A constant-zero Pad -> nothing, or the pads of the Conv/AveragePool reading it. */
tcc_status pass_fold_pad(ir_graph *g, pass_stats *ps);
/* Conv followed by inference BatchNormalization with constant params -> one Conv. */
tcc_status pass_fold_batchnorm(ir_graph *g, pass_stats *ps);

/*
 * MatMul/Gemm/Conv/pooling onto oneDNN (primitives created once, weights
 * prepacked), absorbing pointwise epilogues as post-ops.
 */
tcc_status pass_extern_kernels(ir_graph *g, pass_stats *ps);
/* Does oneDNN op @node read its weights in place from a pre-packed record? */
bool pass_extern_weights_in_place(const ir_graph *g, int node);
/*
 * The node that could read constant @t from a pre-packed record: its only
 * reader, taking it as input 1 (the weight), a MatMul, Gemm or Conv; or -1.
 */
int pass_packed_weight_reader(const ir_graph *g, int t);
/* ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div[/Mul/Add] over the last axis -> LayerNormalization. */
tcc_status pass_fuse_layernorm(ir_graph *g, pass_stats *ps);
/*
 * Single-consumer trees of f32 pointwise ops -> one generated C loop each,
 * compiled once per model by the codegen JIT (cached on disk).  Without a
 * working compiler the graph is left as it was.
 */
tcc_status pass_fuse_pointwise(ir_graph *g, const tcc_options *opts, pass_stats *ps);
/*
 * Would pass_fuse_pointwise() compile @n into a generated loop?  Such loops
 * read and write tensors marked nhwc (layout propagation relies on it:
 * every node it lets touch an NHWC tensor is generated, even alone).
 */
bool pass_pointwise_fusable(const ir_graph *g, const ir_node *n);
/* Marks view ops as aliases and assigns arena offsets to static intermediates. */
tcc_status pass_plan_memory(ir_graph *g, pass_stats *ps);

#define TCC_ARENA_ALIGN 64

#endif
