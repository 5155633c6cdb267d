// SPDX-License-Identifier: MIT
/*
 * GridSample (opset 16): bilinear, nearest and bicubic sampling of NCHW
 * input at normalised grid points, zeros/border/reflection padding, with
 * PyTorch's grid_sample semantics (which ONNX's definition follows).
 */
#include "ops/ops.h"

#include <math.h>
#include <string.h>

typedef struct gs {
	int mode;		/* 0 bilinear, 1 nearest, 2 bicubic */
	int pad;		/* 0 zeros, 1 border, 2 reflection */
	bool align;
} gs;

static tcc_status gs_params(const ir_node *n, gs *p)
{
	const char *m = ir_attr_str(n, "mode", "bilinear"), *pm = ir_attr_str(n, "padding_mode", "zeros");

	p->mode = !strcmp(m, "bilinear") ? 0 : !strcmp(m, "nearest") ? 1 : !strcmp(m, "bicubic") ? 2 : -1;
	p->pad = !strcmp(pm, "zeros") ? 0 : !strcmp(pm, "border") ? 1 : !strcmp(pm, "reflection") ? 2 : -1;
	p->align = ir_attr_int(n, "align_corners", 0);
	if (p->mode < 0 || p->pad < 0)
		return op_err(n, TCC_ERR_INVALID_ARG, "mode '%s' / padding_mode '%s'", m, pm);
	return TCC_OK;
}

static tcc_status gs_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	gs p;
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_FLOATS);

	if (st || (st = gs_params(n, &p)))
		return st;
	if (in[0]->rank != 4 || in[1]->rank != 4 || in[1]->dims[3] != 2 || in[1]->dims[0] != in[0]->dims[0])
		return op_err(n, TCC_ERR_UNSUPPORTED, "only 2-D sampling: X [N, C, H, W], grid [N, H', W', 2]");
	out[0] = *in[0];
	out[0].data = NULL;
	out[0].dims[2] = in[1]->dims[1];
	out[0].dims[3] = in[1]->dims[2];
	return TCC_OK;
}

static double reflect(double x, double twice_low, double twice_high)
{
	if (twice_low == twice_high)
		return 0;
	double mn = twice_low / 2, span = (twice_high - twice_low) / 2;

	x = fabs(x - mn);
	double extra = fmod(x, span);
	int flips = (int)floor(x / span);

	return flips % 2 == 0 ? extra + mn : span - extra + mn;
}

/* Padding applied to a source coordinate (border clamps, reflection folds). */
static double fix_coord(const gs *p, double x, int64_t size)
{
	if (p->pad == 1) {
		x = x < 0 ? 0 : x > (double)(size - 1) ? (double)(size - 1) : x;
	} else if (p->pad == 2) {
		x = p->align ? reflect(x, 0, 2.0 * (double)(size - 1)) : reflect(x, -1, 2.0 * (double)size - 1);
		x = x < 0 ? 0 : x > (double)(size - 1) ? (double)(size - 1) : x;
	}
	return x;
}

static double fetch(const tv *x, int64_t base, int64_t H, int64_t W, int64_t yy, int64_t xx)
{
	if (yy < 0 || yy >= H || xx < 0 || xx >= W)
		return 0;
	return tcc_load_f64(x->dtype, x->data, base + yy * W + xx);
}

static double cubic(double t, int k)
{
	const double A = -0.75;
	double d = fabs(t - k);

	if (d <= 1)
		return ((A + 2) * d - (A + 3)) * d * d + 1;
	if (d < 2)
		return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A;
	return 0;
}

static tcc_status gs_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			 tv *out, int n_out)
{
	const tv *x = in[0], *grid = in[1];
	int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
	int64_t Ho = out[0].dims[2], Wo = out[0].dims[3];
	gs p;
	tcc_status st = gs_params(n, &p);

	if (st)
		return st;
	for (int64_t b = 0; b < N; b++)
		for (int64_t i = 0; i < Ho; i++)
			for (int64_t j = 0; j < Wo; j++) {
				int64_t gi = ((b * Ho + i) * Wo + j) * 2;
				double gx = tcc_load_f64(grid->dtype, grid->data, gi);
				double gy = tcc_load_f64(grid->dtype, grid->data, gi + 1);
				double sx = p.align ? (gx + 1) / 2 * (double)(W - 1) : ((gx + 1) * (double)W - 1) / 2;
				double sy = p.align ? (gy + 1) / 2 * (double)(H - 1) : ((gy + 1) * (double)H - 1) / 2;

				if (p.mode != 2) {
					sx = fix_coord(&p, sx, W);
					sy = fix_coord(&p, sy, H);
				}
				for (int64_t c = 0; c < C; c++) {
					int64_t base = (b * C + c) * H * W;
					double v = 0;

					if (p.mode == 1) {
						v = fetch(x, base, H, W, (int64_t)nearbyint(sy), (int64_t)nearbyint(sx));
					} else if (p.mode == 0) {
						double fx = floor(sx), fy = floor(sy), tx = sx - fx, ty = sy - fy;
						int64_t x0 = (int64_t)fx, y0 = (int64_t)fy;

						v = fetch(x, base, H, W, y0, x0) * (1 - tx) * (1 - ty) +
						    fetch(x, base, H, W, y0, x0 + 1) * tx * (1 - ty) +
						    fetch(x, base, H, W, y0 + 1, x0) * (1 - tx) * ty +
						    fetch(x, base, H, W, y0 + 1, x0 + 1) * tx * ty;
					} else {
						double fx = floor(sx), fy = floor(sy), tx = sx - fx, ty = sy - fy;

						for (int ky = -1; ky <= 2; ky++)
							for (int kx = -1; kx <= 2; kx++) {
								double yy = fy + ky, xx = fx + kx;

								if (p.pad) {	/* each tap is padded on its own */
									yy = fix_coord(&p, yy, H);
									xx = fix_coord(&p, xx, W);
								}
								v += cubic(ty, ky) * cubic(tx, kx) *
								     fetch(x, base, H, W, (int64_t)yy, (int64_t)xx);
							}
					}
					tcc_store_f64(out[0].dtype, out[0].data, ((b * C + c) * Ho + i) * Wo + j, v);
				}
			}
	return TCC_OK;
}

const op_def ops_gridsample[] = {
	{ "GridSample", 2, 2, 1, 1, OP_HALF_VIA_F32, gs_infer, gs_run },
	OPS_END
};
