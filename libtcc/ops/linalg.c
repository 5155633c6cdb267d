// SPDX-License-Identifier: MIT
/* MatMul (batched, broadcasting) and Gemm over f32 (fast) and other numeric dtypes. */
#include "ops/ops.h"
#include "ops/gemm.h"
#include "ops/elementwise.h"

#include <stdlib.h>
#include <string.h>

/* Generic C += A*B for non-f32 dtypes, via double or int64 accumulation. */
void gemm_generic(tcc_dtype t, int64_t M, int64_t N, int64_t K, const void *A, int64_t aoff,
			 const void *B, int64_t boff, void *C, int64_t coff)
{
	bool fl = tcc_dtype_is_float(t);

	for (int64_t i = 0; i < M; i++)
		for (int64_t j = 0; j < N; j++) {
			double sf = 0;
			int64_t si = 0;

			for (int64_t k = 0; k < K; k++) {
				if (fl)
					sf += tcc_load_f64(t, A, aoff + i * K + k) * tcc_load_f64(t, B, boff + k * N + j);
				else
					si += tcc_load_i64(t, A, aoff + i * K + k) * tcc_load_i64(t, B, boff + k * N + j);
			}
			if (fl)
				tcc_store_f64(t, C, coff + i * N + j, sf);
			else
				tcc_store_i64(t, C, coff + i * N + j, si);
		}
}

typedef struct mm_shape {
	int64_t M, N, K;
	tv a, b;		/* batch-only views for broadcasting */
	int out_rank;
	int64_t out_dims[TCC_MAX_RANK];
	int batch_rank;
} mm_shape;

static tcc_status mm_shape_of(const ir_node *n, const tv *A, const tv *B, mm_shape *s)
{
	if (A->rank < 1 || B->rank < 1)
		return op_err(n, TCC_ERR_INVALID_ARG, "MatMul inputs must have rank >= 1");
	int64_t K = A->dims[A->rank - 1];
	int64_t Kb = B->rank == 1 ? B->dims[0] : B->dims[B->rank - 2];

	if (K != Kb)
		return op_err(n, TCC_ERR_INVALID_ARG, "inner dims differ: %lld vs %lld", (long long)K,
			      (long long)Kb);
	s->K = K;
	s->M = A->rank == 1 ? 1 : A->dims[A->rank - 2];
	s->N = B->rank == 1 ? 1 : B->dims[B->rank - 1];
	memset(&s->a, 0, sizeof(tv));
	memset(&s->b, 0, sizeof(tv));
	s->a.rank = A->rank > 2 ? A->rank - 2 : 0;
	s->b.rank = B->rank > 2 ? B->rank - 2 : 0;
	memcpy(s->a.dims, A->dims, sizeof(int64_t) * (size_t)s->a.rank);
	memcpy(s->b.dims, B->dims, sizeof(int64_t) * (size_t)s->b.rank);
	tv bat;

	if (!shape_broadcast(&s->a, &s->b, &bat))
		return op_err(n, TCC_ERR_INVALID_ARG, "batch dims do not broadcast");
	s->batch_rank = bat.rank;
	s->out_rank = 0;
	for (int i = 0; i < bat.rank; i++)
		s->out_dims[s->out_rank++] = bat.dims[i];
	if (A->rank > 1)
		s->out_dims[s->out_rank++] = s->M;
	if (B->rank > 1)
		s->out_dims[s->out_rank++] = s->N;
	if (s->out_rank > TCC_MAX_RANK)
		return op_err(n, TCC_ERR_UNSUPPORTED, "rank too large");
	return TCC_OK;
}

static tcc_status matmul_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	mm_shape s;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st)
		return st;
	if (in[1]->dtype != in[0]->dtype)
		return op_err(n, TCC_ERR_INVALID_ARG, "input dtypes differ");
	st = mm_shape_of(n, in[0], in[1], &s);
	if (st)
		return st;
	out[0].dtype = in[0]->dtype;
	out[0].rank = s.out_rank;
	memcpy(out[0].dims, s.out_dims, sizeof(s.out_dims));
	return TCC_OK;
}

static tcc_status matmul_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	mm_shape s;
	tcc_status st = mm_shape_of(n, in[0], in[1], &s);

	if (st)
		return st;
	int64_t nbatch = 1, sa[TCC_MAX_RANK] = { 0 }, sb[TCC_MAX_RANK] = { 0 };
	int64_t bd[TCC_MAX_RANK];
	int br = s.batch_rank;

	for (int i = 0; i < br; i++) {
		bd[i] = s.out_dims[i];
		nbatch *= bd[i];
	}
	/* Batch strides in units of matrices, 0 where broadcast. */
	for (int i = br - 1, acc = 1; i >= 0 && i >= br - s.a.rank; i--) {
		int ai = i - (br - s.a.rank);

		sa[i] = s.a.dims[ai] == 1 ? 0 : acc;
		acc *= (int)s.a.dims[ai];
	}
	for (int i = br - 1, acc = 1; i >= 0 && i >= br - s.b.rank; i--) {
		int bi = i - (br - s.b.rank);

		sb[i] = s.b.dims[bi] == 1 ? 0 : acc;
		acc *= (int)s.b.dims[bi];
	}
	tcc_dtype t = in[0]->dtype;
	size_t es = tcc_dtype_size(t);

	for (int64_t bi = 0; bi < nbatch; bi++) {
		int64_t rem = bi, oa = 0, ob = 0;

		for (int i = br - 1; i >= 0; i--) {
			int64_t idx = rem % bd[i];

			rem /= bd[i];
			oa += idx * sa[i];
			ob += idx * sb[i];
		}
		const char *A = (const char *)in[0]->data + (size_t)(oa * s.M * s.K) * es;
		const char *B = (const char *)in[1]->data + (size_t)(ob * s.K * s.N) * es;
		char *C = (char *)out[0].data + (size_t)(bi * s.M * s.N) * es;

		if (t == TCC_F32)
			gemm_f32(s.M, s.N, s.K, 1.0f, (const float *)A, s.K, false, (const float *)B, s.N, false,
				 0.0f, (float *)C, s.N);
		else
			gemm_generic(t, s.M, s.N, s.K, A, 0, B, 0, C, 0);
	}
	return TCC_OK;
}

static tcc_status gemm_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	bool ta = ir_attr_int(n, "transA", 0), tb = ir_attr_int(n, "transB", 0);
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st)
		return st;
	if (in[0]->rank != 2 || in[1]->rank != 2)
		return op_err(n, TCC_ERR_INVALID_ARG, "A and B must be 2-D");
	int64_t M = ta ? in[0]->dims[1] : in[0]->dims[0], K = ta ? in[0]->dims[0] : in[0]->dims[1];
	int64_t Kb = tb ? in[1]->dims[1] : in[1]->dims[0], N = tb ? in[1]->dims[0] : in[1]->dims[1];

	if (K != Kb)
		return op_err(n, TCC_ERR_INVALID_ARG, "inner dims differ: %lld vs %lld", (long long)K,
			      (long long)Kb);
	out[0] = (tv){ .dtype = in[0]->dtype, .rank = 2, .dims = { M, N } };
	if (n_in > 2 && in[2]) {
		tv r;

		if (!shape_broadcast(in[2], &out[0], &r) || !tv_same_shape(&r, &out[0]))
			return op_err(n, TCC_ERR_INVALID_ARG, "C does not broadcast to [M, N]");
	}
	return TCC_OK;
}

static tcc_status gemm_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	bool ta = ir_attr_int(n, "transA", 0), tb = ir_attr_int(n, "transB", 0);
	float alpha = ir_attr_float(n, "alpha", 1.0f), beta = ir_attr_float(n, "beta", 1.0f);
	int64_t M = out[0].dims[0], N = out[0].dims[1];
	int64_t K = ta ? in[0]->dims[0] : in[0]->dims[1];
	bool has_c = n_in > 2 && in[2] && beta != 0.0f;
	tcc_dtype t = in[0]->dtype;

	if (has_c) {
		tcc_status st = elementwise_broadcast_copy(in[2], &out[0]);

		if (st)
			return st;
	}
	if (t == TCC_F32) {
		gemm_f32(M, N, K, alpha, in[0]->data, in[0]->dims[1], ta, in[1]->data, in[1]->dims[1], tb,
			 has_c ? beta : 0.0f, out[0].data, N);
		return TCC_OK;
	}
	/* Other dtypes: transpose into contiguous copies, multiply, then alpha/beta. */
	size_t es = tcc_dtype_size(t);
	char *A = malloc(es * (size_t)(M * K + 1)), *B = malloc(es * (size_t)(K * N + 1));
	char *P = malloc(es * (size_t)(M * N + 1));

	if (!A || !B || !P) {
		free(A); free(B); free(P);
		return op_err(n, TCC_ERR_NO_MEMORY, "gemm temporaries");
	}
	for (int64_t i = 0; i < M; i++)
		for (int64_t k = 0; k < K; k++)
			memcpy(A + (size_t)(i * K + k) * es,
			       (const char *)in[0]->data + (size_t)(ta ? k * M + i : i * K + k) * es, es);
	for (int64_t k = 0; k < K; k++)
		for (int64_t j = 0; j < N; j++)
			memcpy(B + (size_t)(k * N + j) * es,
			       (const char *)in[1]->data + (size_t)(tb ? j * K + k : k * N + j) * es, es);
	gemm_generic(t, M, N, K, A, 0, B, 0, P, 0);
	for (int64_t i = 0; i < M * N; i++) {
		double v = alpha * tcc_load_f64(t, P, i);

		if (has_c)
			v += beta * tcc_load_f64(t, out[0].data, i);
		tcc_store_f64(t, out[0].data, i, v);
	}
	free(A); free(B); free(P);
	return TCC_OK;
}

const op_def ops_linalg[] = {
	{ "MatMul", 2, 2, 1, 1, OP_HALF_VIA_F32, matmul_infer, matmul_run },
	{ "Gemm", 2, 3, 1, 1, OP_HALF_VIA_F32, gemm_infer, gemm_run },
	OPS_END
};
