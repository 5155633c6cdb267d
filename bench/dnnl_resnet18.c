// SPDX-License-Identifier: MIT
/*
 * ResNet-18 (batch 1, 224x224, BatchNorm folded) as a bare chain of
 * tcc_dnnl ops with layouts propagated: every conv keeps its output in
 * oneDNN's layout and the next op reads it (src_from), residuals are added
 * in place, one reorder at the end.  Random weights: this measures the
 * kernel layer's ceiling for the model, which the graph compiler reaches
 * when it propagates layouts, not tcc-run.  One JSON line.
 *
 *	dnnl_resnet18 [THREADS [ITERS [plain]]]   ("plain": every op plain in/out)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnnl/dnnl_ops.h"
#include <tcc/status.h>

#define MAX_STEPS 48

typedef struct step {
	tcc_dnnl_op *op;
	int src, dst, res;	/* buffer indices; res -1: none */
} step;

static step steps[MAX_STEPS];
static int n_steps;
static void *bufs[MAX_STEPS * 2];
static int n_bufs;
static bool propagate = true;

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

static int new_buf(size_t bytes)
{
	size_t n = (bytes + 63) / 64 * 64;

	bufs[n_bufs] = aligned_alloc(64, n);
	if (!bufs[n_bufs]) {
		fprintf(stderr, "dnnl_resnet18: out of memory\n");
		exit(1);
	}
	memset(bufs[n_bufs], 0, n);
	return n_bufs++;
}

static float *weights(size_t n, float scale)
{
	float *p = malloc(n * sizeof(float));
	unsigned s = 12345;

	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		p[i] = ((s >> 8) / 16777216.0f - 0.5f) * scale;
	}
	return p;
}

static void check(tcc_status st, const char *what)
{
	if (st != TCC_OK) {
		fprintf(stderr, "dnnl_resnet18: %s: %s\n", what, tcc_last_error());
		exit(1);
	}
}

/* conv (+bias, + buffer @res in place when >= 0, relu) reading buffer @src made by @from. */
static tcc_dnnl_op *conv(const tcc_dnnl_op *from, int src, int c, int h, int oc, int k, int s, int res,
			 bool relu, int *dst)
{
	int pad = k / 2;
	float *w = weights((size_t)oc * c * k * k, 0.05f), *b = weights(oc, 0.1f);
	tcc_dnnl_conv_desc d = { .N = 1, .C = c, .H = h, .W = h, .OC = oc, .KH = k, .KW = k,
				 .stride = { s, s }, .pad_begin = { pad, pad }, .pad_end = { pad, pad },
				 .weights = w, .bias = b, .src_from = propagate ? from : NULL,
				 .keep_blocked_output = propagate };
	tcc_dnnl_op *op;

	if (res >= 0)
		d.post.ops[d.post.n++] = (tcc_dnnl_post){ TCC_DNNL_POST_ADD, 0, 0 };
	if (relu)
		d.post.ops[d.post.n++] = (tcc_dnnl_post){ TCC_DNNL_POST_RELU, 0, 0 };
	check(tcc_dnnl_conv_create(&op, &d), "conv");
	free(w), free(b);
	/* The residual add runs in place: the block's output overwrites it. */
	*dst = res >= 0 ? res : new_buf(tcc_dnnl_op_dst_bytes(op));
	steps[n_steps++] = (step){ op, src, *dst, res };
	return op;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2, iters = argc > 2 ? atoi(argv[2]) : 100;
	tcc_dnnl_op *prev, *op;
	int cur, x;

	if (argc > 3 && strcmp(argv[3], "plain") == 0)
		propagate = false;
	if (iters < 1)
		iters = 1;
	tcc_dnnl_set_threads(threads);
	double t_create = now();
	x = new_buf(3 * 224 * 224 * sizeof(float));
	prev = conv(NULL, x, 3, 224, 64, 7, 2, -1, true, &cur);
	tcc_dnnl_pool_desc mp = { .kind = TCC_DNNL_POOL_MAX, .N = 1, .C = 64, .H = 112, .W = 112,
				  .kernel = { 3, 3 }, .stride = { 2, 2 }, .pad_begin = { 1, 1 },
				  .pad_end = { 1, 1 }, .src_from = propagate ? prev : NULL,
				  .keep_blocked_output = propagate };
	check(tcc_dnnl_pool_create(&op, &mp), "maxpool");
	int pooled = new_buf(tcc_dnnl_op_dst_bytes(op));
	steps[n_steps++] = (step){ op, cur, pooled, -1 };
	prev = op, cur = pooled;

	int c = 64, h = 56;
	static const int stages[4][2] = { { 64, 1 }, { 128, 2 }, { 256, 2 }, { 512, 2 } };
	for (int l = 0; l < 4; l++) {
		for (int blk = 0; blk < 2; blk++) {
			int oc = stages[l][0], s = blk == 0 ? stages[l][1] : 1, oh = (h - 1) / s + 1;
			int t1, res = cur, out;
			tcc_dnnl_op *o1 = conv(prev, cur, c, h, oc, 3, s, -1, true, &t1);

			/* The shortcut (identity or 1x1 downsample) is dead after the
			 * add, so the block's output overwrites it in place. */
			if (s != 1 || c != oc)
				conv(prev, cur, c, h, oc, 1, s, -1, false, &res);
			prev = conv(o1, t1, oc, oh, oc, 3, 1, res, true, &out);
			c = oc, h = oh, cur = out;
		}
	}
	tcc_dnnl_pool_desc gp = { .kind = TCC_DNNL_POOL_GLOBAL_AVG, .N = 1, .C = 512, .H = 7, .W = 7,
				  .src_from = propagate ? prev : NULL };
	check(tcc_dnnl_pool_create(&op, &gp), "global pool");
	int g = new_buf(tcc_dnnl_op_dst_bytes(op));
	steps[n_steps++] = (step){ op, cur, g, -1 };
	float *fw = weights(512 * 1000, 0.05f), *fb = weights(1000, 0.1f);
	tcc_dnnl_matmul_desc fc = { .batch = 1, .M = 1, .K = 512, .N = 1000, .weights = fw, .bias = fb };
	check(tcc_dnnl_matmul_create(&op, &fc), "fc");
	int y = new_buf(1000 * sizeof(float));
	steps[n_steps++] = (step){ op, g, y, -1 };
	t_create = now() - t_create;

	double *t = malloc(sizeof(double) * (size_t)iters);
	for (int it = -5; it < iters; it++) {
		double t0 = now();

		for (int i = 0; i < n_steps; i++) {
			step *st = &steps[i];

			check(tcc_dnnl_op_run(st->op, bufs[st->src], NULL, bufs[st->dst],
					      st->res >= 0 ? bufs[st->res] : NULL), "run");
		}
		if (it >= 0)
			t[it] = now() - t0;
	}
	qsort(t, (size_t)iters, sizeof(double), cmp);
	double med = iters % 2 ? t[iters / 2] : (t[iters / 2 - 1] + t[iters / 2]) / 2;
	printf("{\"runtime\": \"tcc_dnnl_kernels\", \"model\": \"resnet18\", \"layouts\": \"%s\", \"median_ms\": %.3f, "
	       "\"min_ms\": %.3f, \"iters\": %d, \"create_ms\": %.1f, \"ops\": %d}\n",
	       propagate ? "propagated" : "plain", med * 1e3, t[0] * 1e3, iters, t_create * 1e3, n_steps);
	return 0;
}
