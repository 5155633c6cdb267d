// SPDX-License-Identifier: MIT
/*
 * Cache-blocked reference SGEMM.  oneDNN does the heavy lifting when the
 * dnnl wrappers are built in; this keeps every shape and layout working
 * without them.  target_clones lets one binary use AVX-512/AVX2 when present.
 */
#include "ops/gemm.h"

#include <stdlib.h>
#include <string.h>

#define NB 256
#define KB 256

__attribute__((target_clones("avx512f", "avx2", "default")))
static void block_kernel(int64_t M, int64_t nb, int64_t kb, const float *A, int64_t lda,
			 const float *B, int64_t ldb, float *C, int64_t ldc)
{
	for (int64_t i = 0; i < M; i++) {
		float *c = C + i * ldc;

		for (int64_t k = 0; k < kb; k++) {
			const float a = A[i * lda + k];
			const float *b = B + k * ldb;

			for (int64_t j = 0; j < nb; j++)
				c[j] += a * b[j];
		}
	}
}

void gemm_f32(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, bool transA,
	      const float *B, int64_t ldb, bool transB, float beta, float *C, int64_t ldc)
{
	float *At = NULL, *Bt = NULL;

	/* Normalise to A[M,K] * B[K,N] with alpha folded into A. */
	if (transA || alpha != 1.0f) {
		At = malloc(sizeof(float) * (size_t)(M * K + 1));
		for (int64_t i = 0; i < M; i++)
			for (int64_t k = 0; k < K; k++)
				At[i * K + k] = alpha * (transA ? A[k * lda + i] : A[i * lda + k]);
		A = At;
		lda = K;
	}
	if (transB) {
		Bt = malloc(sizeof(float) * (size_t)(K * N + 1));
		for (int64_t k = 0; k < K; k++)
			for (int64_t j = 0; j < N; j++)
				Bt[k * N + j] = B[j * ldb + k];
		B = Bt;
		ldb = N;
	}
	for (int64_t i = 0; i < M; i++) {
		float *c = C + i * ldc;

		if (beta == 0.0f)
			memset(c, 0, sizeof(float) * (size_t)N);
		else if (beta != 1.0f)
			for (int64_t j = 0; j < N; j++)
				c[j] *= beta;
	}
	int64_t nblocks = (N + NB - 1) / NB;

	#pragma omp parallel for schedule(dynamic) if (M * N * K > 100000)
	for (int64_t jb = 0; jb < nblocks; jb++) {
		int64_t j0 = jb * NB, nb = N - j0 < NB ? N - j0 : NB;

		for (int64_t k0 = 0; k0 < K; k0 += KB) {
			int64_t kb = K - k0 < KB ? K - k0 : KB;

			block_kernel(M, nb, kb, A + k0, lda, B + k0 * ldb + j0, ldb, C + j0, ldc);
		}
	}
	free(At);
	free(Bt);
}
