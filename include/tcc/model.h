/* SPDX-License-Identifier: MIT */
/*
 * tcc model API: load an ONNX model, compile it for this CPU, run it on
 * caller-owned buffers.
 *
 *	tcc_model *m;
 *	if (tcc_model_load(&m, "model.onnx", NULL) != TCC_OK)
 *		fprintf(stderr, "%s\n", tcc_last_error());
 *	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = {1, 784}, .data = x };
 *	tcc_tensor out = { 0 };			// data NULL: tcc allocates it
 *	tcc_model_run(m, &in, 1, &out, 1);
 *	... use out.data ...
 *	tcc_free(out.data);
 *	tcc_model_free(m);
 */
#ifndef TCC_MODEL_H
#define TCC_MODEL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <tcc/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TCC_MAX_RANK 8

/* Element types; the values are ONNX's TensorProto.DataType numbers. */
typedef enum tcc_dtype {
	TCC_DTYPE_UNDEFINED = 0,
	TCC_F32 = 1,
	TCC_U8 = 2,
	TCC_I8 = 3,
	TCC_U16 = 4,
	TCC_I16 = 5,
	TCC_I32 = 6,
	TCC_I64 = 7,
	TCC_STRING = 8,
	TCC_BOOL = 9,
	TCC_F16 = 10,
	TCC_F64 = 11,
	TCC_U32 = 12,
	TCC_U64 = 13,
	TCC_BF16 = 16,
} tcc_dtype;

/* Size in bytes of one element (0 for UNDEFINED/STRING). */
size_t tcc_dtype_size(tcc_dtype dtype);
/* "float32", "int64", ... (NumPy's names). */
const char *tcc_dtype_name(tcc_dtype dtype);

/*
 * A tensor handed to or returned from tcc_model_run().  Dense, row-major.
 * @data is owned by whoever allocated it: the caller for inputs and for
 * outputs whose @data was set before the call; tcc for outputs whose @data
 * was NULL (release those with tcc_free()).
 */
typedef struct tcc_tensor {
	tcc_dtype dtype;
	int rank;
	int64_t dims[TCC_MAX_RANK];
	void *data;
	size_t nbytes;		/* capacity of @data in bytes */
} tcc_tensor;

/*
 * Static description of a model input or output; a dim < 0 is symbolic.
 * For an output whose shape is only known at run time (it depends on input
 * values or symbolic dims) rank is -1; tcc_model_run() reports the real one.
 */
typedef struct tcc_tensor_info {
	const char *name;	/* owned by the model */
	tcc_dtype dtype;
	int rank;
	int64_t dims[TCC_MAX_RANK];
	const char *dim_params[TCC_MAX_RANK]; /* symbolic dim names or NULL */
} tcc_tensor_info;

typedef struct tcc_options {
	int threads;		/* 0: number of online CPUs */
	int opt_level;		/* 0: no fusion/codegen, 1: default, all passes */
	const char *cache_dir;	/* NULL: $TCC_CACHE_DIR, $XDG_CACHE_HOME/tcc, ~/.cache/tcc */
	int verbose;		/* print pass and compile statistics to stderr */
	/*
	 * Name of a sealed weight buffer holding this model's initializers
	 * (tcc_weights_load_onnx(), `tccctl weights load NAME model.onnx
	 * --onnx`), or NULL.  Every initializer is then read in place from the
	 * buffer's read-only shared mapping instead of being decoded from the
	 * file (no private copy); an initializer missing from the buffer or
	 * with another dtype, shape or content is an error.  A buffer that
	 * holds some weights only pre-packed, in layouts this process does not
	 * build (other options, oneDNN or CPU limits), cannot serve it: the
	 * model is then loaded privately from the file, and
	 * tcc_model_weights_stats.private_fallback says so.  See
	 * Documentation/weights.md.
	 */
	const char *weights;
	/*
	 * With @weights: 0 (default) MatMul/Gemm/Conv read their weights in
	 * place from the buffer's pre-packed records (`NAME@packed`, written by
	 * tcc_weights_load_onnx()) at full speed when their layout fingerprint
	 * matches this CPU and oneDNN.  Otherwise, from the plain copies
	 * (keep_plain/plain_only buffers; see tcc_weights_packed_usage_get())
	 * MatMul/Gemm read the plain layout in place, which oneDNN's matmul runs
	 * about 4x slower at batch 1, and Conv prepacks the plain weights
	 * privately.  1: prepack them all privately from the plain copies as a
	 * private load does (full speed, one private copy of them per process;
	 * a buffer without plain copies means a private load).
	 */
	int weights_prepack;
	/*
	 * 1: MatMul, Gemm and Conv with constant weights compute in bfloat16
	 * where the CPU has native bf16 (AVX512-BF16 or AMX): weights prepacked
	 * as bf16 (half their memory), activations converted at each op's
	 * input, outputs and the other ops stay float32.  Results differ from
	 * float32 by ~1e-2 relative.  Without native bf16 the ops stay float32
	 * (the -v line and tcc_model_bf16_ops() say how many ran in bf16).
	 * Weight-buffer records are float32: with this option such weights are
	 * prepacked privately (as bf16), or the model is loaded privately when
	 * the buffer holds them pre-packed only.
	 */
	int bf16;
	/*
	 * 1: time every op of every run (and keep the last run's timeline) for
	 * tcc_model_profile_write().  Costs two clock reads per op.
	 * $TCC_PROFILE does the same and prints a table when the model is freed.
	 */
	int profile;
} tcc_options;

typedef struct tcc_model tcc_model;

/* Load, check and compile an ONNX file (external data is read relative to it). */
tcc_status tcc_model_load(tcc_model **out, const char *onnx_path, const tcc_options *opts);
/* Same from a serialized ModelProto in memory (no external data). */
tcc_status tcc_model_load_buffer(tcc_model **out, const void *data, size_t size,
				 const tcc_options *opts);
void tcc_model_free(tcc_model *model);

int tcc_model_num_inputs(const tcc_model *model);
int tcc_model_num_outputs(const tcc_model *model);
tcc_status tcc_model_input_info(const tcc_model *model, int index, tcc_tensor_info *info);
tcc_status tcc_model_output_info(const tcc_model *model, int index, tcc_tensor_info *info);

/*
 * Run once.  @inputs are in the model's input order, their shapes must match
 * the static dims (symbolic dims take any size).  For each output either set
 * @data/@nbytes to a buffer of sufficient size (written in place, no copy) or
 * leave @data NULL to have tcc allocate it.  On return every output's dtype,
 * rank and dims are filled in.  Safe to call from one thread at a time per
 * model.
 */
tcc_status tcc_model_run(tcc_model *model, const tcc_tensor *inputs, int n_inputs,
			 tcc_tensor *outputs, int n_outputs);

/* Planned peak size of the model's intermediate arena, in bytes. */
size_t tcc_model_arena_bytes(const tcc_model *model);
/*
 * How many of its MatMul/Gemm/Conv ops compute in bfloat16 (tcc_options.bf16
 * on a CPU with native bf16; 0 otherwise).  A symbolic model reports its
 * most recently used specialisation, like tcc_model_arena_bytes().
 */
int tcc_model_bf16_ops(const tcc_model *model);

typedef enum tcc_profile_format {
	TCC_PROFILE_TABLE,	/* text: ms per run, share, GFLOP/s, GB/s, op, node, kernel; slowest first */
	TCC_PROFILE_JSON,	/* the same as one JSON object {"runs", "ms_per_run", "threads", "ops": [...]} */
	TCC_PROFILE_TRACE,	/* Chrome trace events of the last run (Perfetto, chrome://tracing) */
} tcc_profile_format;

/*
 * Writes the per-op profile of a model loaded with tcc_options.profile
 * (for a model with symbolic dims: of the shapes it ran last) to @f.
 * Times are wall clock on the calling thread, the op's worker threads
 * included; GFLOP/s counts convolutions and matrix products only.
 * See Documentation/performance.md.
 */
tcc_status tcc_model_profile_write(const tcc_model *model, tcc_profile_format format, FILE *f);

void tcc_free(void *ptr);

#ifdef __cplusplus
}
#endif
#endif /* TCC_MODEL_H */
