/* SPDX-License-Identifier: MIT */
/*
 * Operator registry.  Every supported ONNX op has an op_def with an infer
 * function (output dtypes and shapes from input dtypes, shapes and, when
 * known, values) and a run function (the reference kernel).  Both take tensor
 * views so the same code serves constant folding at load time and execution.
 */
#ifndef TCC_OPS_OPS_H
#define TCC_OPS_OPS_H

#include "ir/ir.h"
#include "common/error.h"

/*
 * Returned by infer when an output shape depends on the value of an input
 * that is not known at load time (e.g. Reshape with a computed shape): the
 * node is then inferred again at run time, just before it executes.
 */
#define OP_NEEDS_VALUE ((tcc_status)1000)

typedef struct op_env {
	int64_t opset;
	int threads;
	void *state;		/* ir_node.state */
	size_t max_tensor_bytes; /* ceiling on one output's bytes (tcc_options), 0: none */
	size_t max_fold_bytes;	/* ceiling on all bytes constant folding creates, 0: none */
} op_env;

typedef tcc_status (*op_infer_fn)(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				  tv *out, int n_out);
typedef tcc_status (*op_run_fn)(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out);

enum op_flags {
	OP_POINTWISE = 1 << 0,	/* elementwise (with broadcasting): fusable */
	OP_NONDETERMINISTIC = 1 << 1, /* never constant-folded */
	OP_ALIAS = 1 << 2,	/* output is a view of input 0 (Reshape, Identity, ...) */
	OP_HALF_VIA_F32 = 1 << 3, /* f16/bf16 tensors are computed as f32 copies */
	OP_SHAPE_ONLY = 1 << 4,	/* reads only input shapes (Shape, Size): foldable when known */
};

typedef struct op_def {
	const char *name;
	int min_in, max_in;	/* accepted input count */
	int min_out, max_out;
	unsigned flags;
	op_infer_fn infer;
	op_run_fn run;
} op_def;

/*
 * The definition of @op_type, its infer preceded by the schema checks of
 * ops/schema.h (every node's op comes from here).
 */
const op_def *op_find(const char *op_type);
/* The same op's own infer/run, for an op that delegates to another's. */
const op_def *op_find_unchecked(const char *op_type);
/* Runs d->run, converting f16/bf16 tensors through f32 when the op asks for it. */
tcc_status op_invoke(const op_def *d, const ir_node *n, const op_env *env, tv *const *in,
		     int n_in, tv *out, int n_out);
int op_count(void);
const op_def *op_at(int i);

/* Records "node 'name' (Op): msg" and returns @st. */
tcc_status op_err(const ir_node *n, tcc_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Helpers shared by kernels. */
void tv_strides(const tv *t, int64_t *strides);	/* element strides, row-major */
/* NumPy broadcasting of a and b into out (rank/dims); false when incompatible. */
bool shape_broadcast(const tv *a, const tv *b, tv *out);
/* Normalises a possibly negative axis against rank; false when out of range. */
bool norm_axis(int64_t *axis, int rank);
/* Reads a 1-D integer tensor's values (any int dtype) into dst (at most max). */
int tv_read_ints(const tv *t, int64_t *dst, int max);
/* Allocation of a tensor's data for kernels producing temporaries. */
void *tv_alloc(tv *t);

/* Per-family registration tables (each .c file exports its own). */
extern const op_def ops_reduce[];
extern const op_def ops_shape[];
extern const op_def ops_nn[];
extern const op_def ops_linalg[];
extern const op_def ops_misc[];
extern const op_def ops_resize[];
extern const op_def ops_extra[];
extern const op_def ops_quant_signal[];
extern const op_def ops_rnn[];
extern const op_def ops_qlinear[];
extern const op_def ops_select[];
extern const op_def ops_gridsample[];

#define OPS_END { .name = NULL }

/* Shorthand for checking a dtype against a set. */
#define DT_FLOATS (1u << TCC_F32 | 1u << TCC_F64 | 1u << TCC_F16 | 1u << TCC_BF16)
#define DT_INTS (1u << TCC_I8 | 1u << TCC_I16 | 1u << TCC_I32 | 1u << TCC_I64 | \
		 1u << TCC_U8 | 1u << TCC_U16 | 1u << TCC_U32 | 1u << TCC_U64)
#define DT_NUMERIC (DT_FLOATS | DT_INTS)
#define DT_ALL (DT_NUMERIC | 1u << TCC_BOOL)
/*
 * Validates shapes an infer function produced: dims >= 0 and an element
 * count that fits comfortably in memory arithmetic (< 2^48), so a hostile
 * model cannot make a kernel index past a wrapped-around allocation.
 */
tcc_status op_check_outputs(const ir_node *n, const tv *out, int n_out);
/*
 * Checked int64 arithmetic for sizes computed from a model's attributes and
 * values (false on overflow): infer functions must never wrap around.
 */
static inline bool i64_mul(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}

static inline bool i64_add(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_add_overflow(a, b, r);
}
tcc_status op_check_dtype(const ir_node *n, int input, tcc_dtype dt, unsigned allowed);

#endif
