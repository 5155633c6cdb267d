// SPDX-License-Identifier: MIT
/*
 * Ops whose output size depends on the data: NonMaxSuppression and Unique.
 * The selection is computed in infer (which sees the values at run time)
 * and recomputed in run; both are cheap next to the models that use them.
 */
#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- NonMaxSuppression ---- */

typedef struct scored {
	float s;
	int64_t i;
} scored;

static int by_score(const void *a, const void *b)
{
	const scored *x = a, *y = b;

	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static float iou(const float *a, const float *b, bool center)
{
	float ay1, ax1, ay2, ax2, by1, bx1, by2, bx2;

	if (center) {
		ax1 = a[0] - a[2] / 2; ax2 = a[0] + a[2] / 2; ay1 = a[1] - a[3] / 2; ay2 = a[1] + a[3] / 2;
		bx1 = b[0] - b[2] / 2; bx2 = b[0] + b[2] / 2; by1 = b[1] - b[3] / 2; by2 = b[1] + b[3] / 2;
	} else {
		ay1 = fminf(a[0], a[2]); ay2 = fmaxf(a[0], a[2]); ax1 = fminf(a[1], a[3]); ax2 = fmaxf(a[1], a[3]);
		by1 = fminf(b[0], b[2]); by2 = fmaxf(b[0], b[2]); bx1 = fminf(b[1], b[3]); bx2 = fmaxf(b[1], b[3]);
	}
	float aa = (ay2 - ay1) * (ax2 - ax1), ab = (by2 - by1) * (bx2 - bx1);

	if (aa <= 0 || ab <= 0)
		return 0;
	float ih = fminf(ay2, by2) - fmaxf(ay1, by1), iw = fminf(ax2, bx2) - fmaxf(ax1, bx1);

	if (ih <= 0 || iw <= 0)
		return 0;
	return ih * iw / (aa + ab - ih * iw);
}

/* Runs NMS; writes up to max_out triples into sel (if not NULL); returns the count or -1. */
static int64_t nms(const ir_node *n, tv *const *in, int n_in, int64_t *sel)
{
	const tv *boxes = in[0], *scores = in[1];
	int64_t max_pc = n_in > 2 && in[2] && tv_numel(in[2]) ? tcc_load_i64(in[2]->dtype, in[2]->data, 0) : 0;
	float thr = n_in > 3 && in[3] && tv_numel(in[3]) ? (float)tcc_load_f64(in[3]->dtype, in[3]->data, 0) : 0;
	bool has_st = n_in > 4 && in[4] && tv_numel(in[4]);
	float sthr = has_st ? (float)tcc_load_f64(in[4]->dtype, in[4]->data, 0) : 0;
	bool center = ir_attr_int(n, "center_point_box", 0);
	int64_t B = boxes->dims[0], N = boxes->dims[1], C = scores->dims[1], count = 0;
	scored *cand = malloc(sizeof(scored) * (size_t)(N + 1));
	int64_t *kept = malloc(sizeof(int64_t) * (size_t)(N + 1));

	if (!cand || !kept) {
		free(cand);
		free(kept);
		return -1;
	}
	for (int64_t b = 0; b < B; b++)
		for (int64_t c = 0; c < C; c++) {
			const float *sc = (const float *)scores->data + (b * C + c) * N;
			const float *bx = (const float *)boxes->data + b * N * 4;
			int64_t nc = 0, nk = 0;

			for (int64_t i = 0; i < N; i++)
				if (!has_st || sc[i] > sthr)
					cand[nc++] = (scored){ sc[i], i };
			qsort(cand, (size_t)nc, sizeof(scored), by_score);
			for (int64_t k = 0; k < nc && nk < max_pc; k++) {
				bool keep = true;

				for (int64_t j = 0; j < nk && keep; j++)
					keep = iou(bx + cand[k].i * 4, bx + kept[j] * 4, center) <= thr;
				if (!keep)
					continue;
				kept[nk++] = cand[k].i;
				if (sel) {
					sel[count * 3] = b;
					sel[count * 3 + 1] = c;
					sel[count * 3 + 2] = cand[k].i;
				}
				count++;
			}
		}
	free(cand);
	free(kept);
	return count;
}

static tcc_status nms_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	if (in[0]->dtype != TCC_F32 || in[1]->dtype != TCC_F32)
		return op_err(n, TCC_ERR_UNSUPPORTED, "boxes and scores must be float32");
	if (in[0]->rank != 3 || in[0]->dims[2] != 4 || in[1]->rank != 3 || in[1]->dims[0] != in[0]->dims[0] ||
	    in[1]->dims[2] != in[0]->dims[1])
		return op_err(n, TCC_ERR_INVALID_ARG, "boxes [B, N, 4] and scores [B, C, N] expected");
	for (int i = 0; i < n_in; i++)
		if (in[i] && !in[i]->data)
			return OP_NEEDS_VALUE;
	int64_t cnt = nms(n, in, n_in, NULL);

	if (cnt < 0)
		return op_err(n, TCC_ERR_NO_MEMORY, "nms");
	out[0] = (tv){ .dtype = TCC_I64, .rank = 2, .dims = { cnt, 3 } };
	return TCC_OK;
}

static tcc_status nms_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	return nms(n, in, n_in, out[0].data) < 0 ? op_err(n, TCC_ERR_NO_MEMORY, "nms") : TCC_OK;
}

/* ---- Unique ---- */

typedef struct uniq {
	int64_t outer, n, inner;	/* X viewed as [outer, n, inner], slices along n */
	int64_t u;			/* unique count */
	int64_t *first, *inverse, *counts, *order;
} uniq;

static _Thread_local const tv *cmp_x;
static _Thread_local const uniq *cmp_u;

/* Lexicographic comparison of slices a and b (over outer, inner). */
static int slice_cmp(int64_t a, int64_t b)
{
	const uniq *q = cmp_u;

	for (int64_t o = 0; o < q->outer; o++)
		for (int64_t i = 0; i < q->inner; i++) {
			double x = tcc_load_f64(cmp_x->dtype, cmp_x->data, (o * q->n + a) * q->inner + i);
			double y = tcc_load_f64(cmp_x->dtype, cmp_x->data, (o * q->n + b) * q->inner + i);

			if (x != y)
				return x < y ? -1 : 1;
		}
	return 0;
}

static int by_slice(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	int c = slice_cmp(x, y);

	return c ? c : (x > y) - (x < y);
}

/* The qsort comparator reads cmp_x/cmp_u: thread-local because C11 qsort has no context argument. */
static void uniq_free(uniq *q)
{
	free(q->first);
	free(q->inverse);
	free(q->counts);
	free(q->order);
}

static tcc_status uniq_compute(const ir_node *n, const tv *x, uniq *q)
{
	const ir_attr *a = ir_attr_find(n, "axis");
	bool sorted = ir_attr_int(n, "sorted", 1);

	memset(q, 0, sizeof(*q));
	if (a) {
		int64_t axis = a->i;

		if (!norm_axis(&axis, x->rank))
			return op_err(n, TCC_ERR_INVALID_ARG, "axis out of range");
		q->outer = q->inner = 1;
		for (int d = 0; d < axis; d++)
			q->outer *= x->dims[d];
		for (int d = (int)axis + 1; d < x->rank; d++)
			q->inner *= x->dims[d];
		q->n = x->dims[axis];
	} else {
		q->outer = q->inner = 1;
		q->n = tv_numel(x);
	}
	size_t sz = sizeof(int64_t) * (size_t)(q->n + 1);

	q->first = malloc(sz);
	q->inverse = malloc(sz);
	q->counts = calloc((size_t)q->n + 1, sizeof(int64_t));
	q->order = malloc(sz);
	if (!q->first || !q->inverse || !q->counts || !q->order) {
		uniq_free(q);
		return op_err(n, TCC_ERR_NO_MEMORY, "unique");
	}
	cmp_x = x;
	cmp_u = q;
	for (int64_t i = 0; i < q->n; i++)
		q->order[i] = i;
	qsort(q->order, (size_t)q->n, sizeof(int64_t), by_slice);
	/* Groups of equal slices in sorted order; group id by sorted position. */
	int64_t *gid = malloc(sz), ng = 0;

	if (!gid) {
		uniq_free(q);
		return op_err(n, TCC_ERR_NO_MEMORY, "unique");
	}
	for (int64_t k = 0; k < q->n; k++) {
		if (k == 0 || slice_cmp(q->order[k - 1], q->order[k]))
			q->first[ng++] = q->order[k];	/* smallest index: order is stable by index */
		gid[q->order[k]] = ng - 1;
	}
	q->u = ng;
	if (!sorted) {	/* renumber groups by first occurrence */
		int64_t *rank = malloc(sizeof(int64_t) * (size_t)(ng + 1)), next = 0;

		if (!rank) {
			free(gid);
			uniq_free(q);
			return op_err(n, TCC_ERR_NO_MEMORY, "unique");
		}
		for (int64_t g = 0; g < ng; g++)
			rank[g] = -1;
		for (int64_t i = 0; i < q->n; i++)
			if (rank[gid[i]] < 0) {
				rank[gid[i]] = next;
				q->first[next++] = i;
			}
		for (int64_t i = 0; i < q->n; i++)
			gid[i] = rank[gid[i]];
		free(rank);
	}
	for (int64_t i = 0; i < q->n; i++) {
		q->inverse[i] = gid[i];
		q->counts[gid[i]]++;
	}
	free(gid);
	return TCC_OK;
}

static tcc_status unique_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			       tv *out, int n_out)
{
	uniq q;
	const ir_attr *a = ir_attr_find(n, "axis");

	if (!in[0]->data)
		return OP_NEEDS_VALUE;
	tcc_status st = uniq_compute(n, in[0], &q);

	if (st)
		return st;
	out[0] = *in[0];
	out[0].data = NULL;
	if (a) {
		int64_t axis = a->i;

		norm_axis(&axis, in[0]->rank);
		out[0].dims[axis] = q.u;
	} else {
		out[0].rank = 1;
		out[0].dims[0] = q.u;
	}
	for (int j = 1; j < n_out; j++)
		out[j] = (tv){ .dtype = TCC_I64, .rank = 1, .dims = { j == 2 ? q.n : q.u } };
	uniq_free(&q);
	return TCC_OK;
}

static tcc_status unique_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	uniq q;
	size_t es = tcc_dtype_size(in[0]->dtype);
	tcc_status st = uniq_compute(n, in[0], &q);

	if (st)
		return st;
	for (int64_t o = 0; o < q.outer; o++)
		for (int64_t u = 0; u < q.u; u++)
			memcpy((char *)out[0].data + (size_t)((o * q.u + u) * q.inner) * es,
			       (const char *)in[0]->data + (size_t)((o * q.n + q.first[u]) * q.inner) * es,
			       (size_t)q.inner * es);
	if (n_out > 1 && out[1].data)
		memcpy(out[1].data, q.first, sizeof(int64_t) * (size_t)q.u);
	if (n_out > 2 && out[2].data)
		memcpy(out[2].data, q.inverse, sizeof(int64_t) * (size_t)q.n);
	if (n_out > 3 && out[3].data)
		memcpy(out[3].data, q.counts, sizeof(int64_t) * (size_t)q.u);
	uniq_free(&q);
	return TCC_OK;
}

const op_def ops_select[] = {
	{ "NonMaxSuppression", 2, 5, 1, 1, 0, nms_infer, nms_run },
	{ "Unique", 1, 1, 1, 4, 0, unique_infer, unique_run },
	OPS_END
};
