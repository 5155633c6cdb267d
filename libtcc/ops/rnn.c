// SPDX-License-Identifier: MIT
/*
 * RNN, GRU and LSTM (inference): forward, reverse and bidirectional,
 * sequence_lens, initial states, peepholes, clip, linear_before_reset,
 * layout 0 and 1.  Default activations only (others are refused at load).
 * A reference implementation in f32 with double-free gate math; recurrent
 * models are rare on the hot path of the models this targets.
 */
#include "ops/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum cell { C_RNN, C_GRU, C_LSTM };

static enum cell cell_of(const ir_node *n)
{
	return !strcmp(n->op_type, "RNN") ? C_RNN : !strcmp(n->op_type, "GRU") ? C_GRU : C_LSTM;
}

static int gates(enum cell c)
{
	return c == C_RNN ? 1 : c == C_GRU ? 3 : 4;
}

static tcc_status check_acts(const ir_node *n, enum cell c)
{
	static const char *const def[3][3] = { { "Tanh" }, { "Sigmoid", "Tanh" }, { "Sigmoid", "Tanh", "Tanh" } };
	const ir_attr *a = ir_attr_find(n, "activations");
	int per = c == C_RNN ? 1 : c == C_GRU ? 2 : 3;

	if (!a)
		return TCC_OK;
	if (a->type != IR_ATTR_STRINGS || (a->n != per && a->n != 2 * per))
		return op_err(n, TCC_ERR_INVALID_ARG, "bad activations");
	for (int i = 0; i < a->n; i++)
		if (strcasecmp(a->strings[i], def[c][i % per]))
			return op_err(n, TCC_ERR_UNSUPPORTED, "activation '%s' (only the defaults are supported)",
				      a->strings[i]);
	return TCC_OK;
}

static tcc_status rnn_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	enum cell c = cell_of(n);
	int64_t layout = ir_attr_int(n, "layout", 0), H = ir_attr_int(n, "hidden_size", 0);
	const char *dir = ir_attr_str(n, "direction", "forward");
	int64_t D = !strcmp(dir, "bidirectional") ? 2 : 1;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st || (st = check_acts(n, c)))
		return st;
	if (strcmp(dir, "forward") && strcmp(dir, "reverse") && D != 2)
		return op_err(n, TCC_ERR_INVALID_ARG, "direction '%s'", dir);
	if (c == C_LSTM && ir_attr_int(n, "input_forget", 0))
		return op_err(n, TCC_ERR_UNSUPPORTED, "input_forget=1");
	const tv *X = in[0], *W = in[1], *R = in[2];

	if (X->rank != 3 || W->rank != 3 || R->rank != 3 || W->dims[0] != D)
		return op_err(n, TCC_ERR_INVALID_ARG, "X, W, R must be 3-D with %lld directions", (long long)D);
	if (H <= 0)
		H = R->dims[2];
	/* H is bounded by R's own dims before anything is multiplied by it. */
	if (H != R->dims[2] || H < 1)
		return op_err(n, TCC_ERR_INVALID_ARG, "hidden size %lld: R is [%lld, %lld, %lld]", (long long)H,
			      (long long)R->dims[0], (long long)R->dims[1], (long long)R->dims[2]);
	if (W->dims[1] != gates(c) * H || R->dims[1] != gates(c) * H || R->dims[2] != H ||
	    W->dims[2] != X->dims[2])
		return op_err(n, TCC_ERR_INVALID_ARG, "W/R shapes do not match hidden_size %lld", (long long)H);
	int64_t S = layout ? X->dims[1] : X->dims[0], B = layout ? X->dims[0] : X->dims[1];
	/* Optional operands: B, sequence_lens, initial_h, initial_c, P (sizes the kernel relies on). */
	int64_t dbh;

	if (!i64_mul(B, H, &dbh) || !i64_mul(dbh, D, &dbh))
		return op_err(n, TCC_ERR_INVALID_ARG, "batch x hidden size overflows");
	const int64_t want[5] = { D * 2 * gates(c) * H, B, dbh, dbh, D * 3 * H };

	for (int i = 3; i < n_in && i < 8; i++)
		if (in[i] && tv_numel(in[i]) != want[i - 3])
			return op_err(n, TCC_ERR_INVALID_ARG, "input %d has %lld values, expected %lld", i,
				      (long long)tv_numel(in[i]), (long long)want[i - 3]);
	for (int i = 3; i < n_in; i++)
		if (in[i] && i != 4 && in[i]->dtype != X->dtype)
			return op_err(n, TCC_ERR_INVALID_ARG, "input %d dtype differs from X", i);

	for (int j = 0; j < n_out; j++)
		out[j] = (tv){ .dtype = X->dtype, .rank = 3 };
	if (layout) {
		out[0].rank = 4;
		out[0].dims[0] = B; out[0].dims[1] = S; out[0].dims[2] = D; out[0].dims[3] = H;
	} else {
		out[0].rank = 4;
		out[0].dims[0] = S; out[0].dims[1] = D; out[0].dims[2] = B; out[0].dims[3] = H;
	}
	for (int j = 1; j < n_out; j++) {
		out[j].dims[0] = layout ? B : D;
		out[j].dims[1] = layout ? D : B;
		out[j].dims[2] = H;
	}
	return TCC_OK;
}

static float sigm(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

static tcc_status rnn_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			  tv *out, int n_out)
{
	enum cell c = cell_of(n);
	int G = gates(c);
	int64_t layout = ir_attr_int(n, "layout", 0);
	const char *dir = ir_attr_str(n, "direction", "forward");
	float clip = ir_attr_float(n, "clip", 0);
	bool lbr = ir_attr_int(n, "linear_before_reset", 0);
	const tv *X = in[0], *W = in[1], *R = in[2];
	const tv *Bv = n_in > 3 ? in[3] : NULL, *SL = n_in > 4 ? in[4] : NULL, *H0 = n_in > 5 ? in[5] : NULL;
	const tv *C0 = c == C_LSTM && n_in > 6 ? in[6] : NULL, *P = c == C_LSTM && n_in > 7 ? in[7] : NULL;
	int64_t D = W->dims[0], H = R->dims[2], I = X->dims[2];
	int64_t S = layout ? X->dims[1] : X->dims[0], Bn = layout ? X->dims[0] : X->dims[1];
	const float *x = X->data, *w = W->data, *r = R->data;
	float *y = n_out > 0 ? out[0].data : NULL;
	float *h = calloc((size_t)(Bn * H + 1), sizeof(float)), *cs = calloc((size_t)(Bn * H + 1), sizeof(float));
	float *g = calloc((size_t)(G * H + 1), sizeof(float)), *rh = calloc((size_t)(H + 1), sizeof(float));

	if (!h || !cs || !g || !rh) {
		free(h); free(cs); free(g); free(rh);
		return op_err(n, TCC_ERR_NO_MEMORY, "rnn state");
	}
	if (y)
		memset(y, 0, tv_nbytes(&out[0]));
	for (int64_t d = 0; d < D; d++) {
		bool rev = !strcmp(dir, "reverse") || d == 1;
		const float *wd = w + d * G * H * I, *rd = r + d * G * H * H;
		const float *wb = Bv ? (const float *)Bv->data + d * 2 * G * H : NULL, *rb = wb ? wb + G * H : NULL;
		const float *p = P ? (const float *)P->data + d * 3 * H : NULL;

		for (int64_t b = 0; b < Bn; b++)
			for (int64_t k = 0; k < H; k++) {
				h[b * H + k] = H0 ? ((const float *)H0->data)[(d * Bn + b) * H + k] : 0;
				cs[b * H + k] = C0 ? ((const float *)C0->data)[(d * Bn + b) * H + k] : 0;
			}
		for (int64_t b = 0; b < Bn; b++) {
			int64_t len = SL ? tcc_load_i64(SL->dtype, SL->data, b) : S;

			if (len > S || len < 0)
				len = S;
			for (int64_t step = 0; step < len; step++) {
				int64_t t = rev ? len - 1 - step : step;
				const float *xt = x + (layout ? (b * S + t) : (t * Bn + b)) * I;
				float *hb = h + b * H, *cb = cs + b * H;

				/* g = W x + (R h, except GRU's candidate gate) + biases */
				for (int q = 0; q < G; q++)
					for (int64_t k = 0; k < H; k++) {
						int64_t row = q * H + k;
						float acc = wb ? wb[row] : 0;

						for (int64_t i = 0; i < I; i++)
							acc += wd[row * I + i] * xt[i];
						if (!(c == C_GRU && q == 2)) {
							acc += rb ? rb[row] : 0;
							for (int64_t i = 0; i < H; i++)
								acc += rd[row * H + i] * hb[i];
						}
						g[row] = acc;
					}
				if (clip > 0)
					for (int64_t k = 0; k < (c == C_GRU ? 2 : G) * H; k++)
						g[k] = fmaxf(-clip, fminf(clip, g[k]));
				if (c == C_RNN) {
					for (int64_t k = 0; k < H; k++)
						hb[k] = tanhf(g[k]);
				} else if (c == C_GRU) {
					float *z = g, *rr = g + H, *hh = g + 2 * H;

					for (int64_t k = 0; k < H; k++) {
						z[k] = sigm(z[k]);
						rr[k] = sigm(rr[k]);
					}
					for (int64_t k = 0; k < H; k++) {
						const float *row = rd + (2 * H + k) * H;
						float acc = 0, rbh = rb ? rb[2 * H + k] : 0;

						if (lbr) {
							for (int64_t i = 0; i < H; i++)
								acc += row[i] * hb[i];
							rh[k] = hh[k] + rr[k] * (acc + rbh);
						} else {
							for (int64_t i = 0; i < H; i++)
								acc += row[i] * rr[i] * hb[i];
							rh[k] = hh[k] + acc + rbh;
						}
						if (clip > 0)
							rh[k] = fmaxf(-clip, fminf(clip, rh[k]));
					}
					for (int64_t k = 0; k < H; k++)
						hb[k] = (1 - z[k]) * tanhf(rh[k]) + z[k] * hb[k];
				} else {
					float *ig = g, *og = g + H, *fg = g + 2 * H, *cg = g + 3 * H;

					for (int64_t k = 0; k < H; k++) {
						float i_ = sigm(ig[k] + (p ? p[k] * cb[k] : 0));
						float f_ = sigm(fg[k] + (p ? p[2 * H + k] * cb[k] : 0));

						cb[k] = f_ * cb[k] + i_ * tanhf(cg[k]);
						float o_ = sigm(og[k] + (p ? p[H + k] * cb[k] : 0));

						hb[k] = o_ * tanhf(cb[k]);
					}
				}
				if (y)
					memcpy(y + (layout ? ((b * S + t) * D + d) : ((t * D + d) * Bn + b)) * H, hb,
					       sizeof(float) * (size_t)H);
			}
		}
		for (int64_t b = 0; b < Bn; b++) {
			int64_t o = (layout ? b * D + d : d * Bn + b) * H;

			if (n_out > 1 && out[1].data)
				memcpy((float *)out[1].data + o, h + b * H, sizeof(float) * (size_t)H);
			if (n_out > 2 && out[2].data)
				memcpy((float *)out[2].data + o, cs + b * H, sizeof(float) * (size_t)H);
		}
	}
	free(h); free(cs); free(g); free(rh);
	return TCC_OK;
}

const op_def ops_rnn[] = {
	{ "RNN", 3, 6, 0, 2, OP_HALF_VIA_F32, rnn_infer, rnn_run },
	{ "GRU", 3, 6, 0, 2, OP_HALF_VIA_F32, rnn_infer, rnn_run },
	{ "LSTM", 3, 8, 0, 3, OP_HALF_VIA_F32, rnn_infer, rnn_run },
	OPS_END
};
