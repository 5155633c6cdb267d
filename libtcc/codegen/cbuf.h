/* SPDX-License-Identifier: MIT */
/*
 * Internal: a growable string for writing C source, plus a template for a
 * fused pointwise loop.  Fusion decisions belong to the graph compiler; this
 * only writes the loop around the expression it chooses.
 */
#ifndef TCC_CODEGEN_CBUF_H
#define TCC_CODEGEN_CBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tcc/status.h>

typedef struct tcc_cbuf {
	char *data;		/* NUL-terminated; NULL until the first append */
	size_t len, cap;
	bool oom;		/* an append failed: the text is incomplete */
} tcc_cbuf;

/* printf-append; on allocation failure sets @oom and keeps the old text. */
void tcc_cbuf_printf(tcc_cbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tcc_cbuf_vprintf(tcc_cbuf *b, const char *fmt, va_list ap);
void tcc_cbuf_puts(tcc_cbuf *b, const char *s);
/* TCC_OK, or TCC_ERR_NO_MEMORY if any append failed. */
tcc_status tcc_cbuf_status(const tcc_cbuf *b);
/* Text so far ("" when empty). */
const char *tcc_cbuf_str(const tcc_cbuf *b);
void tcc_cbuf_free(tcc_cbuf *b);

#define TCC_LOOP_MAX_INPUTS 16
#define TCC_LOOP_MAX_RANK 8

/*
 * A pointwise loop over an output of @rank dims @dims (row-major, dense)
 * reading @n_inputs float inputs in0..in<n-1> with per-dim element strides
 * @strides[i][d] (0 on a broadcast dim), writing float out[].
 *
 * Emits
 *   void <name>(const float *restrict in0, ..., float *restrict out)
 * whose body runs `out[o] = <expr>;` with the names x0..x<n-1> bound to the
 * input elements, for every output index o; the outer loop is split over
 * OpenMP threads and the innermost (contiguous where the strides allow) is
 * marked `omp simd`.  @expr is C using x0.., float literals and math.h
 * (expf, tanhf, erff, fmaxf...).  A dense case (all strides row-major or 0
 * for scalars) becomes one flat loop.
 */
typedef struct tcc_loop_desc {
	const char *name;
	int rank;
	int64_t dims[TCC_LOOP_MAX_RANK];
	int n_inputs;
	int64_t strides[TCC_LOOP_MAX_INPUTS][TCC_LOOP_MAX_RANK];
	const char *expr;
} tcc_loop_desc;

tcc_status tcc_emit_pointwise_loop(tcc_cbuf *b, const tcc_loop_desc *d);

/* The #include lines every generated file needs (math.h, stdint.h, omp). */
void tcc_emit_prelude(tcc_cbuf *b);

#endif /* TCC_CODEGEN_CBUF_H */
