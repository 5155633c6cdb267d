// SPDX-License-Identifier: MIT
/*
 * The machine's fp32 GEMM ceiling as oneDNN reaches it, measured in the same
 * run as the model benchmarks: dnnl_sgemm and oneDNN matmul with prepacked
 * weights (through libtccml's tcc_dnnl_matmul, i.e. exactly what tcc calls)
 * on 1024^3 and on the MLP's layer shapes.  One JSON line per shape.
 *
 *	dnnl_peak [THREADS]
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.h>

#include "dnnl/dnnl_ops.h"
#include <tcc/status.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static float *filled(size_t n)
{
	float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);

	for (size_t i = 0; i < n; i++)
		p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
	return p;
}

/*
 * Best and median seconds of up to 200 runs (at most ~0.4 s) after warm-up.
 * Medians are from the round with the best run.
 * The peak is the best run: the machine is shared, and a ceiling should not
 * include other processes' interference.
 */
#define TIME_IT(stmt, best, med)                                                     \
	do {                                                                   \
		double t_[200];                                                \
		int n_ = 0;                                                    \
		for (int w_ = 0; w_ < 3; w_++)                                 \
			stmt;                                                  \
		double start_ = now();                                         \
		while (n_ < 200 && (n_ < 5 || now() - start_ < 0.25)) {         \
			double a_ = now();                                     \
			stmt;                                                  \
			t_[n_++] = now() - a_;                                 \
		}                                                              \
		qsort(t_, n_, sizeof(double), cmp);                            \
		best = t_[0];                                                  \
		med = t_[n_ / 2];                                              \
	} while (0)

typedef struct result {
	int64_t M, K, N;
	double best[3], median[3];	/* seconds: sgemm, matmul f32, matmul bf16 */
	char impl[64];
} result;

/* One measurement window per kind for @r's shape; keeps the best seen. */
static int bench(result *r)
{
	int64_t M = r->M, K = r->K, N = r->N;
	float *a = filled(M * K), *b = filled(K * N), *c = filled(M * N);
	double best, med;
	tcc_dnnl_op *op;
	tcc_dnnl_matmul_desc d = { .batch = 1, .M = M, .K = K, .N = N, .weights = b };

	TIME_IT(dnnl_sgemm('N', 'N', M, N, K, 1.0f, a, K, b, N, 0.0f, c, N), best, med);
	if (!r->best[0] || best < r->best[0])
		r->best[0] = best, r->median[0] = med;
	if (tcc_dnnl_matmul_create(&op, &d) != TCC_OK) {
		fprintf(stderr, "dnnl_peak: %s\n", tcc_last_error());
		return 1;
	}
	TIME_IT(tcc_dnnl_op_run(op, a, NULL, c, NULL), best, med);
	if (!r->best[1] || best < r->best[1])
		r->best[1] = best, r->median[1] = med;
	snprintf(r->impl, sizeof(r->impl), "%s", tcc_dnnl_op_impl(op));
	tcc_dnnl_op_free(op);
	/* bf16 (opt-in in tcc: not within fp32 parity) where the CPU has it. */
	d.bf16 = true;
	if (tcc_dnnl_has_bf16() && tcc_dnnl_matmul_create(&op, &d) == TCC_OK) {
		TIME_IT(tcc_dnnl_op_run(op, a, NULL, c, NULL), best, med);
		if (!r->best[2] || best < r->best[2])
			r->best[2] = best, r->median[2] = med;
		tcc_dnnl_op_free(op);
	}
	free(a), free(b), free(c);
	return 0;
}

static double gflops(const result *r, int k, bool best)
{
	double t = best ? r->best[k] : r->median[k];

	return t > 0 ? 2.0 * r->M * r->K * r->N / t / 1e9 : 0.0;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2, rc = 0;
	result shapes[] = { { .M = 1024, .K = 1024, .N = 1024 }, { .M = 32, .K = 1024, .N = 4096 },
			    { .M = 32, .K = 4096, .N = 4096 }, { .M = 32, .K = 4096, .N = 1024 } };
	enum { N_SHAPES = sizeof(shapes) / sizeof(shapes[0]), ROUNDS = 3 };

	tcc_dnnl_set_threads(threads);
	/* Rounds over all shapes, so one busy moment on a shared machine
	 * cannot decide a shape's ceiling. */
	for (int round = 0; round < ROUNDS; round++)
		for (int i = 0; i < N_SHAPES; i++)
			rc |= bench(&shapes[i]);
	for (int i = 0; i < N_SHAPES; i++) {
		const result *r = &shapes[i];

		printf("{\"M\": %lld, \"K\": %lld, \"N\": %lld, \"sgemm_gflops\": %.1f, \"matmul_gflops\": %.1f, "
		       "\"sgemm_gflops_median\": %.1f, \"matmul_gflops_median\": %.1f, \"bf16_matmul_gflops\": %.1f, "
		       "\"matmul_impl\": \"%s\"}\n",
		       (long long)r->M, (long long)r->K, (long long)r->N, gflops(r, 0, true), gflops(r, 1, true),
		       gflops(r, 0, false), gflops(r, 1, false), gflops(r, 2, true), r->impl);
	}
	return rc;
}
