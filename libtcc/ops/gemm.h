/* SPDX-License-Identifier: MIT */
/* Reference f32 GEMM used where oneDNN is not (yet) wired in. */
#ifndef TCC_OPS_GEMM_H
#define TCC_OPS_GEMM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major with
 * leading dimensions lda/ldb/ldc; op() transposes when trans* is set.
 */
void gemm_f32(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, bool transA,
	      const float *B, int64_t ldb, bool transB, float beta, float *C, int64_t ldc);

/* Reference C = A[M,K] * B[K,N] (contiguous) for any numeric dtype; offsets in elements. */
#include <tcc/model.h>
void gemm_generic(tcc_dtype t, int64_t M, int64_t N, int64_t K, const void *A, int64_t aoff,
		  const void *B, int64_t boff, void *C, int64_t coff);

#endif
