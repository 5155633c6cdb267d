/* SPDX-License-Identifier: MIT */
/*
 * Internal: oneDNN-backed extern kernels (matmul/gemm, conv2d, conv-transpose,
 * pooling, softmax, layer norm) for the graph compiler.  IR-independent:
 * plain dims and pointers.
 *
 * Life cycle: create an op ONCE when the model is compiled (this is where
 * oneDNN chooses its implementation and constant weights are reordered
 * ("prepacked") into oneDNN's preferred blocked layout), then call
 * tcc_dnnl_op_run() per inference, which only streams activations.  Nothing
 * is created or reordered per call except at explicit layout edges.
 *
 * Data type: fp32 in and out (bf16 compute is opt-in per op).  Errors: a shape, parameter or post-op this
 * layer cannot express returns TCC_ERR_UNSUPPORTED (fall back to the reference
 * kernel); nonsense arguments return TCC_ERR_INVALID_ARG; both with a message
 * in tcc_last_error().
 *
 * Threads: Debian's oneDNN 2.6 is built with the OpenMP CPU runtime
 * (DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP, no threadpool API), so the number of
 * threads a primitive uses is the OpenMP team size of the calling thread:
 * tcc_dnnl_set_threads() calls omp_set_num_threads(), which only affects the
 * thread that calls it.  Call it on the thread that will call run().
 *
 * Layouts: activations are dense row-major ("plain": NCHW, [B,]M×N) unless an
 * op is created with keep_blocked_output, in which case its dst is in the
 * layout the conv runs fastest in (NHWC where oneDNN has brgemm kernels,
 * else e.g. nChw16c) and only another op created with src_from = that op
 * may read it.  Use tcc_dnnl_reorder_to_plain_create() at the edge where a
 * plain tensor is needed again.  Size dst buffers with
 * tcc_dnnl_op_dst_bytes(), which includes block padding.
 *
 * An op is not safe to run concurrently with itself (it may own a scratch
 * buffer); different ops may run on different threads.
 */
#ifndef TCC_DNNL_OPS_H
#define TCC_DNNL_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tcc/status.h>

typedef struct tcc_dnnl_op tcc_dnnl_op;

/* Pointwise epilogues, applied in order to the op's output. */
typedef enum tcc_dnnl_post_kind {
	TCC_DNNL_POST_RELU,		/* max(x, 0) (alpha: leaky slope, 0 = plain) */
	TCC_DNNL_POST_GELU_ERF,		/* x * 0.5 * (1 + erf(x / sqrt 2)) */
	TCC_DNNL_POST_GELU_TANH,	/* tanh approximation of GELU */
	TCC_DNNL_POST_SIGMOID,
	TCC_DNNL_POST_TANH,
	TCC_DNNL_POST_CLIP,		/* min(max(x, alpha), beta) */
	TCC_DNNL_POST_LINEAR,		/* alpha * x + beta (scale: beta = 0) */
	TCC_DNNL_POST_ADD,		/* x + residual (residual = run() arg) */
	TCC_DNNL_POST_HARDSWISH,	/* x * min(max(x / 6 + 1 / 2, 0), 1) */
	TCC_DNNL_POST_SWISH,		/* x * sigmoid(x) (SiLU) */
} tcc_dnnl_post_kind;

#define TCC_DNNL_MAX_POST 8

typedef struct tcc_dnnl_post {
	tcc_dnnl_post_kind kind;
	float alpha, beta;
} tcc_dnnl_post;

/*
 * The post-op chain.  At most one TCC_DNNL_POST_ADD; its residual tensor
 * has the output's shape and layout (plain, or the same blocked layout as
 * the dst when the op keeps a blocked output) and is passed to run().  It
 * is oneDNN's sum post-op: passing residual == dst adds in place with no
 * copy (the residual is overwritten by the result); a different residual
 * buffer is first copied into dst.
 */
typedef struct tcc_dnnl_post_ops {
	int n;
	tcc_dnnl_post ops[TCC_DNNL_MAX_POST];
} tcc_dnnl_post_ops;

/*
 * MatMul / Gemm: C[b] = op(A[b]) · op(B[b]) + bias, then the post-ops.
 *   A: [batch, M, K] (or [batch, K, M] with trans_a), runtime input.
 *   B: [b_batch, K, N] (or [b_batch, N, K] with trans_b); b_batch is 1
 *      (shared across the batch, e.g. a Linear weight) or batch.
 *   C: [batch, M, N], plain.
 * With @weights set, B is a constant copied and prepacked at create (the
 * caller may free it afterwards); with @weights NULL, B is a runtime input
 * given to run() as src_b (e.g. attention Q·Kᵀ), plain, not prepacked.
 * @alpha (Gemm's alpha; 0 is taken as 1) scales op(A)·op(B) before the bias.
 * @bias: [N] (broadcast over rows) or NULL (fold Gemm's beta into it); a
 * Gemm C of shape [M, N] is a TCC_DNNL_POST_ADD residual (scaled by the
 * caller when beta != 1).
 * ONNX MatMul with more than one batch dim: flatten them into @batch.
 * @bf16: compute in bfloat16 (weights prepacked as bf16, A converted on the
 * way in, C and the post-ops stay f32): ~2x faster where the CPU has native
 * bf16 (tcc_dnnl_has_bf16()), TCC_ERR_UNSUPPORTED elsewhere and with a
 * runtime B.  Results differ from fp32 by ~1e-2 relative: opt-in only.
 */
typedef struct tcc_dnnl_matmul_desc {
	int64_t batch, M, K, N;
	int64_t b_batch;
	bool trans_a, trans_b;
	float alpha;
	const float *weights;
	const float *bias;
	tcc_dnnl_post_ops post;
	bool bf16;
	/*
	 * Weights already in the layout this primitive wants (bytes of
	 * tcc_dnnl_op_packed_weights() from an op created with the same desc,
	 * e.g. stored in a shared weight buffer): used in place, never copied
	 * nor written, and must outlive the op.  @packed_fingerprint must equal
	 * the fingerprint of the op being created, else TCC_ERR_UNSUPPORTED.
	 * Set instead of @weights (Gemm's alpha is already folded into them).
	 */
	const void *packed;
	size_t packed_bytes;
	uint64_t packed_fingerprint;
} tcc_dnnl_matmul_desc;

tcc_status tcc_dnnl_matmul_create(tcc_dnnl_op **out, const tcc_dnnl_matmul_desc *desc);

/*
 * The fingerprint and byte size of the prepacked weights a matmul created
 * with @desc (as if it had constant weights) would use here: a hash of the
 * oneDNN version, the CPU ISA it dispatches to, B's shape (K, N, b_batch,
 * not M), trans_b, alpha and data type, and the weights memory descriptor
 * oneDNN chooses.
 * Equal fingerprints mean the same bytes in the same layout.  Post-ops and
 * bias are not part of it (they do not change the weights layout; create()
 * checks again against the op it really builds).
 */
tcc_status tcc_dnnl_matmul_fingerprint(const tcc_dnnl_matmul_desc *desc, uint64_t *fingerprint,
				       size_t *bytes);

/*
 * An op's prepacked constant weights (created with @weights or @packed):
 * pointer, size and fingerprint, to be stored and given back later as
 * @packed.  TCC_ERR_NOT_FOUND for an op without constant weights.
 */
tcc_status tcc_dnnl_op_packed_weights(const tcc_dnnl_op *op, const void **data, size_t *bytes,
				      uint64_t *fingerprint);

/* Does @op read its weights in place from the desc's @packed bytes? */
bool tcc_dnnl_op_weights_in_place(const tcc_dnnl_op *op);

/*
 * @to was created with @from's prepacked weights as its @packed bytes (an op
 * re-created in other activation layouts): move their ownership to @to, so
 * @from can be freed.  Nothing happens when @to reads other bytes.
 */
void tcc_dnnl_op_take_weights(tcc_dnnl_op *to, tcc_dnnl_op *from);

/*
 * 2-D convolution (ONNX Conv, NCHW) or, with @transposed, ConvTranspose.
 *   src: [N, C, H, W]; weights: constant, ONNX layout [OC, C/groups, KH, KW]
 *   for Conv, [C, OC/groups, KH, KW] for ConvTranspose; prepacked at create.
 *   dst: [N, OC, OH, OW] with, for Conv,
 *     OH = (H + pad_begin[0] + pad_end[0] - ((KH - 1) * dilation[0] + 1)) / stride[0] + 1
 *   and for ConvTranspose
 *     OH = (H - 1) * stride[0] + (KH - 1) * dilation[0] + 1 - pad_begin[0] - pad_end[0] + output_padding[0]
 *   (resolve auto_pad / output_shape into explicit pads before calling).
 * @dilation uses ONNX's convention (1 = dense); 0 is taken as 1.
 * groups == C == OC is a depthwise convolution.
 * @src_from: NULL when src is plain NCHW, else the op whose (blocked) dst
 *   feeds this op; the layouts then match without a reorder.
 * @keep_blocked_output: leave dst in oneDNN's preferred layout for the next op.
 * @src_nhwc, @dst_nhwc: src / dst are dense NHWC (channels last) instead of
 *   NCHW, for neighbours that are not oneDNN ops (generated pointwise loops
 *   read and write NHWC too); with src_from NULL.
 * @bf16: as for matmul (src converted to bf16 at the op's input edge, dst f32).
 * @packed: weights already in a layout (tcc_dnnl_op_packed_weights() of a
 *   conv created from the same weights, e.g. in a shared weight buffer),
 *   used in place, never written, when @packed_fingerprint is what this
 *   primitive wants here (the layout depends on the CPU, oneDNN, the shapes
 *   and the activation layouts chosen); otherwise @weights are prepacked as
 *   usual.  tcc_dnnl_op_weights_in_place() tells which happened.
 */
typedef struct tcc_dnnl_conv_desc {
	int64_t N, C, H, W;
	int64_t OC, KH, KW;
	int64_t groups;			/* 0 is taken as 1 */
	int64_t stride[2];		/* 0 is taken as 1 */
	int64_t pad_begin[2], pad_end[2];
	int64_t dilation[2];
	int64_t output_padding[2];	/* ConvTranspose only */
	bool transposed;
	const float *weights;
	const float *bias;		/* [OC] or NULL */
	tcc_dnnl_post_ops post;
	const tcc_dnnl_op *src_from;
	bool keep_blocked_output;
	bool src_nhwc, dst_nhwc;
	bool bf16;
	const void *packed;
	size_t packed_bytes;
	uint64_t packed_fingerprint;
} tcc_dnnl_conv_desc;

tcc_status tcc_dnnl_conv_create(tcc_dnnl_op **out, const tcc_dnnl_conv_desc *desc);

typedef enum tcc_dnnl_pool_kind {
	TCC_DNNL_POOL_MAX,
	TCC_DNNL_POOL_AVG_INCLUDE_PAD,	/* ONNX AveragePool count_include_pad=1 */
	TCC_DNNL_POOL_AVG_EXCLUDE_PAD,	/* ONNX AveragePool default */
	TCC_DNNL_POOL_GLOBAL_AVG,	/* kernel = H×W, output [N, C, 1, 1] */
	TCC_DNNL_POOL_GLOBAL_MAX,
} tcc_dnnl_pool_kind;

/*
 * Pooling over NCHW, output OH = (H + pb + pe - ((K - 1) * d + 1)) / s + 1
 * (floor; for ceil_mode, enlarge pad_end so the floor gives the ceil size).
 * Kernel, stride, pads and dilation are ignored for the GLOBAL kinds.
 */
typedef struct tcc_dnnl_pool_desc {
	tcc_dnnl_pool_kind kind;
	int64_t N, C, H, W;
	int64_t kernel[2];
	int64_t stride[2];		/* 0 is taken as 1 */
	int64_t pad_begin[2], pad_end[2];
	int64_t dilation[2];		/* ONNX convention, 0 is taken as 1 */
	const tcc_dnnl_op *src_from;
	bool keep_blocked_output;
	bool src_nhwc, dst_nhwc;	/* as for conv */
} tcc_dnnl_pool_desc;

tcc_status tcc_dnnl_pool_create(tcc_dnnl_op **out, const tcc_dnnl_pool_desc *desc);

/*
 * Concat of @n 4-D f32 tensors [N, C_i, H, W] (any one axis differing) along
 * @axis (in NCHW terms); each input and the output dense NCHW, or NHWC
 * where its flag says so.
 */
typedef struct tcc_dnnl_concat_desc {
	int n;
	int axis;
	const int64_t (*dims)[4];
	const bool *src_nhwc;
	bool dst_nhwc;
} tcc_dnnl_concat_desc;

typedef struct tcc_dnnl_concat tcc_dnnl_concat;

tcc_status tcc_dnnl_concat_create(tcc_dnnl_concat **out, const tcc_dnnl_concat_desc *desc);
tcc_status tcc_dnnl_concat_run(tcc_dnnl_concat *c, const void *const *src, void *dst);
const char *tcc_dnnl_concat_impl(const tcc_dnnl_concat *c);
void tcc_dnnl_concat_free(tcc_dnnl_concat *c);

/*
 * Softmax (or LogSoftmax with @log) over the last axis of a plain
 * [rows, len] tensor: ONNX Softmax with axis = rank - 1 after flattening the
 * leading dims into @rows.  run(op, x, NULL, y, NULL).
 */
typedef struct tcc_dnnl_softmax_desc {
	int64_t rows, len;
	bool log;
} tcc_dnnl_softmax_desc;

tcc_status tcc_dnnl_softmax_create(tcc_dnnl_op **out, const tcc_dnnl_softmax_desc *desc);

/*
 * LayerNormalization over the last axis of a plain [rows, len] tensor:
 * y = (x - mean) / sqrt(var + epsilon) * scale + shift, with @scale and
 * @shift constants of [len] (copied at create; NULL: 1 and 0) and
 * @epsilon 0 taken as ONNX's default 1e-5.  Only the normalised output (no
 * mean / inv-std-dev outputs).  run(op, x, NULL, y, NULL); y may be x.
 */
typedef struct tcc_dnnl_layernorm_desc {
	int64_t rows, len;
	float epsilon;
	const float *scale, *shift;
} tcc_dnnl_layernorm_desc;

tcc_status tcc_dnnl_layernorm_create(tcc_dnnl_op **out, const tcc_dnnl_layernorm_desc *desc);

/*
 * Reorder the (possibly blocked) dst of @producer into plain NCHW: the edge
 * where a blocked chain ends.  run(op, producer_dst, NULL, plain_dst, NULL).
 */
tcc_status tcc_dnnl_reorder_to_plain_create(tcc_dnnl_op **out, const tcc_dnnl_op *producer);

/*
 * The opposite edge: reorder a plain NCHW tensor of @like's dst shape into
 * @like's dst layout (e.g. a graph input that is the residual of a blocked
 * conv).  run(op, plain_src, NULL, blocked_dst, NULL).
 */
tcc_status tcc_dnnl_reorder_from_plain_create(tcc_dnnl_op **out, const tcc_dnnl_op *like);

/*
 * Execute.  @src: the activation input (A for matmul); @src_b: runtime B of a
 * matmul created without weights (else NULL); @dst: output, at least
 * tcc_dnnl_op_dst_bytes(); @residual: the TCC_DNNL_POST_ADD operand, or NULL
 * when the op has no add post-op.  @dst must not overlap @src or @src_b;
 * @residual is either exactly @dst (in place) or does not overlap it.
 */
tcc_status tcc_dnnl_op_run(tcc_dnnl_op *op, const void *src, const void *src_b,
			   void *dst, const void *residual);

/* Bytes of the dst buffer run() writes (block padding included). */
size_t tcc_dnnl_op_dst_bytes(const tcc_dnnl_op *op);
/* Bytes the src buffer must hold (a blocked src may be padded). */
size_t tcc_dnnl_op_src_bytes(const tcc_dnnl_op *op);
/* True when the dst is in a layout other than plain row-major. */
bool tcc_dnnl_op_dst_is_blocked(const tcc_dnnl_op *op);
/*
 * True when @a's and @b's dst have the same dims and layout, i.e. @b's dst
 * can be @a's residual (or vice versa) without a reorder.
 */
bool tcc_dnnl_op_dst_layout_equal(const tcc_dnnl_op *a, const tcc_dnnl_op *b);
/* oneDNN implementation chosen, e.g. "brgemm:avx512_core" (for -v output). */
const char *tcc_dnnl_op_impl(const tcc_dnnl_op *op);

void tcc_dnnl_op_free(tcc_dnnl_op *op);

/* Threads oneDNN uses for ops run from the calling thread (<= 0: all CPUs). */
void tcc_dnnl_set_threads(int n);
/* The calling thread's current setting (to restore it after a tcc_dnnl_set_threads()). */
int tcc_dnnl_get_threads(void);
/* oneDNN's CPU threading runtime as built: "openmp" (Debian), "sequential", ... */
const char *tcc_dnnl_threading(void);
/* Does oneDNN have native bf16 kernels on this CPU (AVX512-BF16 or AMX)? */
bool tcc_dnnl_has_bf16(void);
/* oneDNN's ISA for this CPU, e.g. "avx512_core_bf16" (static string). */
const char *tcc_dnnl_isa(void);
/* oneDNN library version as "2.6.3" (static string). */
const char *tcc_dnnl_version(void);

#endif /* TCC_DNNL_OPS_H */
