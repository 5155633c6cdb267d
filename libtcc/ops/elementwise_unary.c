// SPDX-License-Identifier: MIT
/*
 * Unary pointwise ops (math, activations, predicates) plus Clip, Cast,
 * CastLike, Where, Identity and Dropout in inference mode.  Float kernels are
 * written once with <tgmath.h> so the float instance calls expf(), not exp().
 */
#include "ops/bcast.h"
#include "ops/elementwise.h"

/* One macro body serves signed and unsigned types: some comparisons are vacuous. */
#pragma GCC diagnostic ignored "-Wtype-limits"

#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

typedef void (*un_fn)(const void *x, void *y, int64_t n, const float *p);

#define UN_FN(NAME, T, TO, EXPR)						\
static void NAME(const void *px, void *py, int64_t n, const float *p)		\
{										\
	const T *X = px;							\
	TO *Y = py;								\
	(void)p;								\
	_Pragma("omp parallel for if (n > BCAST_PAR_MIN)")			\
	for (int64_t i = 0; i < n; i++) {					\
		T x = X[i];							\
		Y[i] = (TO)(EXPR);						\
	}									\
}

#define DEF_FLOAT(OP, E) UN_FN(OP##_f32, float, float, E) UN_FN(OP##_f64, double, double, E)
#define DEF_PRED(OP, E) UN_FN(OP##_f32, float, uint8_t, E) UN_FN(OP##_f64, double, uint8_t, E)
#define DEF_INT(OP, E)								\
	UN_FN(OP##_i8, int8_t, int8_t, E) UN_FN(OP##_i16, int16_t, int16_t, E)	\
	UN_FN(OP##_i32, int32_t, int32_t, E) UN_FN(OP##_i64, int64_t, int64_t, E) \
	UN_FN(OP##_u8, uint8_t, uint8_t, E) UN_FN(OP##_u16, uint16_t, uint16_t, E) \
	UN_FN(OP##_u32, uint32_t, uint32_t, E) UN_FN(OP##_u64, uint64_t, uint64_t, E)

/* Signed/unsigned variants chosen at the call site through these helpers. */
#define SIGN(x) ((x) > 0 ? 1 : (x) < 0 ? -1 : 0)

DEF_FLOAT(abs, fabs(x))
DEF_FLOAT(neg, -x)
DEF_FLOAT(exp, exp(x))
DEF_FLOAT(log, log(x))
DEF_FLOAT(sqrt, sqrt(x))
DEF_FLOAT(recip, 1 / x)
DEF_FLOAT(ceil, ceil(x))
DEF_FLOAT(floor, floor(x))
DEF_FLOAT(round, nearbyint(x))
DEF_FLOAT(sign, SIGN(x))
DEF_FLOAT(sin, sin(x))
DEF_FLOAT(cos, cos(x))
DEF_FLOAT(tan, tan(x))
DEF_FLOAT(asin, asin(x))
DEF_FLOAT(acos, acos(x))
DEF_FLOAT(atan, atan(x))
DEF_FLOAT(sinh, sinh(x))
DEF_FLOAT(cosh, cosh(x))
DEF_FLOAT(asinh, asinh(x))
DEF_FLOAT(acosh, acosh(x))
DEF_FLOAT(atanh, atanh(x))
DEF_FLOAT(relu, x > 0 ? x : 0)
DEF_FLOAT(sigmoid, x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)))
DEF_FLOAT(tanh, tanh(x))
DEF_FLOAT(erf, erf(x))
DEF_FLOAT(softplus, x > 20 ? x : log1p(exp(x)))
DEF_FLOAT(softsign, x / (1 + fabs(x)))
DEF_FLOAT(elu, x >= 0 ? x : p[0] * (exp(x) - 1))
DEF_FLOAT(selu, x > 0 ? p[1] * x : p[1] * (p[0] * exp(x) - p[0]))
DEF_FLOAT(leaky, x >= 0 ? x : p[0] * x)
DEF_FLOAT(hsig, fmax(0, fmin(1, p[0] * x + p[1])))
DEF_FLOAT(hswish, x * fmax(0, fmin(1, x / 6 + 0.5)))
DEF_FLOAT(thrrelu, x > p[0] ? x : 0)
DEF_FLOAT(celu, fmax(0, x) + fmin(0, p[0] * (exp(x / p[0]) - 1)))
DEF_FLOAT(shrink, x < -p[1] ? x + p[0] : x > p[1] ? x - p[0] : 0)
DEF_FLOAT(gelu, 0.5 * x * (1 + erf(x * 0.70710678118654752440)))
DEF_FLOAT(gelu_tanh, 0.5 * x * (1 + tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x))))
DEF_FLOAT(mish, x * tanh(log1p(exp(x))))
DEF_PRED(isnan, isnan(x))
DEF_PRED(isinf, (isinf(x) && ((x > 0 && p[0] != 0) || (x < 0 && p[1] != 0))))
DEF_INT(iabs, x < 0 ? -x : x)
DEF_INT(ineg, -x)
DEF_INT(isign, SIGN(x))
DEF_INT(irelu, x > 0 ? x : 0)
UN_FN(not_b, uint8_t, uint8_t, !x)
UN_FN(uabs, uint8_t, uint8_t, x)

typedef struct unary_desc {
	const char *name;
	un_fn f32, f64;		/* float kernels */
	un_fn i[8];		/* i8 i16 i32 i64 u8 u16 u32 u64, NULL = unsupported */
} unary_desc;

#define FL(N, OP) { N, OP##_f32, OP##_f64, { 0 } }
#define FI(N, OP, IOP) { N, OP##_f32, OP##_f64, { IOP##_i8, IOP##_i16, IOP##_i32, IOP##_i64, \
	IOP##_u8, IOP##_u16, IOP##_u32, IOP##_u64 } }

static const unary_desc unaries[] = {
	FI("Abs", abs, iabs), FI("Neg", neg, ineg), FI("Sign", sign, isign), FI("Relu", relu, irelu),
	FL("Exp", exp), FL("Log", log), FL("Sqrt", sqrt), FL("Reciprocal", recip),
	FL("Ceil", ceil), FL("Floor", floor), FL("Round", round), FL("Sin", sin), FL("Cos", cos),
	FL("Tan", tan), FL("Asin", asin), FL("Acos", acos), FL("Atan", atan), FL("Sinh", sinh),
	FL("Cosh", cosh), FL("Asinh", asinh), FL("Acosh", acosh), FL("Atanh", atanh),
	FL("Sigmoid", sigmoid), FL("Tanh", tanh), FL("Erf", erf), FL("Softplus", softplus),
	FL("Softsign", softsign), FL("Elu", elu), FL("Selu", selu), FL("LeakyRelu", leaky),
	FL("HardSigmoid", hsig), FL("HardSwish", hswish), FL("ThresholdedRelu", thrrelu),
	FL("Celu", celu), FL("Shrink", shrink), FL("Gelu", gelu), FL("Mish", mish),
	FL("IsNaN", isnan), FL("IsInf", isinf),
	{ "Not", NULL, NULL, { 0 } },
};

static const unary_desc *unary_find(const char *name)
{
	for (size_t i = 0; i < sizeof(unaries) / sizeof(unaries[0]); i++)
		if (!strcmp(unaries[i].name, name))
			return &unaries[i];
	return NULL;
}

static un_fn unary_pick(const ir_node *n, tcc_dtype t)
{
	const unary_desc *d = unary_find(n->op_type);

	if (!d)
		return NULL;
	if (!strcmp(d->name, "Not"))
		return t == TCC_BOOL ? not_b : NULL;
	if (!strcmp(d->name, "Gelu") && !strcmp(ir_attr_str(n, "approximate", "none"), "tanh"))
		return t == TCC_F32 ? gelu_tanh_f32 : t == TCC_F64 ? gelu_tanh_f64 : NULL;
	switch (t) {
	case TCC_F32: return d->f32;
	case TCC_F64: return d->f64;
	case TCC_I8: return d->i[0];
	case TCC_I16: return d->i[1];
	case TCC_I32: return d->i[2];
	case TCC_I64: return d->i[3];
	case TCC_U8: return !strcmp(d->name, "Abs") ? uabs : d->i[4];
	case TCC_U16: return d->i[5];
	case TCC_U32: return d->i[6];
	case TCC_U64: return d->i[7];
	default: return NULL;
	}
}

static void unary_params(const ir_node *n, float *p)
{
	const char *op = n->op_type;

	p[0] = p[1] = 0;
	if (!strcmp(op, "Elu") || !strcmp(op, "Celu") || !strcmp(op, "ThresholdedRelu"))
		p[0] = ir_attr_float(n, "alpha", 1.0f);
	else if (!strcmp(op, "Selu")) {
		p[0] = ir_attr_float(n, "alpha", 1.67326319217681884765625f);
		p[1] = ir_attr_float(n, "gamma", 1.05070102214813232421875f);
	} else if (!strcmp(op, "LeakyRelu"))
		p[0] = ir_attr_float(n, "alpha", 0.01f);
	else if (!strcmp(op, "HardSigmoid")) {
		p[0] = ir_attr_float(n, "alpha", 0.2f);
		p[1] = ir_attr_float(n, "beta", 0.5f);
	} else if (!strcmp(op, "Shrink")) {
		p[0] = ir_attr_float(n, "bias", 0.0f);
		p[1] = ir_attr_float(n, "lambd", 0.5f);
	} else if (!strcmp(op, "IsInf")) {
		p[0] = (float)ir_attr_int(n, "detect_positive", 1);
		p[1] = (float)ir_attr_int(n, "detect_negative", 1);
	}
}

static tcc_status unary_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	tcc_dtype t = in[0]->dtype;

	if (!unary_pick(n, t == TCC_F16 || t == TCC_BF16 ? TCC_F32 : t))
		return op_err(n, TCC_ERR_UNSUPPORTED, "dtype %s not supported", tcc_dtype_name(t));
	out[0] = *in[0];
	out[0].data = NULL;
	if (!strcmp(n->op_type, "IsNaN") || !strcmp(n->op_type, "IsInf"))
		out[0].dtype = TCC_BOOL;
	return TCC_OK;
}

static tcc_status unary_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	un_fn fn = unary_pick(n, in[0]->dtype);
	float p[2];

	if (!fn)
		return op_err(n, TCC_ERR_UNSUPPORTED, "dtype %s", tcc_dtype_name(in[0]->dtype));
	unary_params(n, p);
	fn(in[0]->data, out[0].data, tv_numel(in[0]), p);
	return TCC_OK;
}

/* ---- Identity, Dropout (inference), Clip, Cast, Where ---- */

static tcc_status same_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	out[0] = *in[0];
	out[0].data = NULL;
	if (n_out > 1) {	/* Dropout mask: all kept in inference */
		out[1] = out[0];
		out[1].dtype = TCC_BOOL;
	}
	return TCC_OK;
}

static tcc_status copy_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	if (out[0].data != in[0]->data)
		memcpy(out[0].data, in[0]->data, tv_nbytes(in[0]));
	if (n_out > 1)
		memset(out[1].data, 1, tv_nbytes(&out[1]));
	return TCC_OK;
}

static tcc_status dropout_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
				tv *out, int n_out)
{
	/*
	 * training_mode (input 2) true would need randomness: refuse rather than
	 * lie, unless the ratio (input 1, default 0.5) is 0, which keeps every
	 * element (torch exports such Dropouts, e.g. torchvision's Swin).
	 */
	if (n_in > 2 && in[2]) {
		if (!in[2]->data || (n_in > 1 && in[1] && !in[1]->data))
			return OP_NEEDS_VALUE;
		bool zero_ratio = n_in > 1 && in[1] && tv_numel(in[1]) == 1 &&
				  tcc_load_f64(in[1]->dtype, in[1]->data, 0) == 0.0;

		if (tcc_load_i64(in[2]->dtype, in[2]->data, 0) && !zero_ratio)
			return op_err(n, TCC_ERR_UNSUPPORTED, "training_mode=1 with a non-zero ratio is not supported");
	}
	return same_infer(n, env, in, n_in, out, n_out);
}

static tcc_status clip_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	tcc_status st = op_check_dtype(n, 0, in[0]->dtype, DT_NUMERIC);

	if (st)
		return st;
	return same_infer(n, env, in, n_in, out, 1);
}

static tcc_status clip_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	int64_t cnt = tv_numel(in[0]);
	tcc_dtype t = in[0]->dtype;

	if (t == TCC_F32 || t == TCC_F64) {
		double lo = -INFINITY, hi = INFINITY;

		if (env->opset < 11) {
			lo = ir_attr_float(n, "min", -FLT_MAX);
			hi = ir_attr_float(n, "max", FLT_MAX);
		}
		if (n_in > 1 && in[1])
			lo = tcc_load_f64(in[1]->dtype, in[1]->data, 0);
		if (n_in > 2 && in[2])
			hi = tcc_load_f64(in[2]->dtype, in[2]->data, 0);
		if (t == TCC_F32) {
			const float *x = in[0]->data;
			float *y = out[0].data, l = (float)lo, h = (float)hi;

			for (int64_t i = 0; i < cnt; i++)
				y[i] = x[i] < l ? l : x[i] > h ? h : x[i];
		} else {
			const double *x = in[0]->data;
			double *y = out[0].data;

			for (int64_t i = 0; i < cnt; i++)
				y[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
		}
		return TCC_OK;
	}
	bool uns = tcc_dtype_is_unsigned_int(t);
	int64_t lo = INT64_MIN, hi = INT64_MAX;

	if (n_in > 1 && in[1])
		lo = tcc_load_i64(t, in[1]->data, 0);
	if (n_in > 2 && in[2])
		hi = tcc_load_i64(t, in[2]->data, 0);
	for (int64_t i = 0; i < cnt; i++) {
		int64_t v = tcc_load_i64(t, in[0]->data, i);

		if (uns && t == TCC_U64) {
			uint64_t u = (uint64_t)v;

			if (n_in > 1 && in[1] && u < (uint64_t)lo) u = (uint64_t)lo;
			if (n_in > 2 && in[2] && u > (uint64_t)hi) u = (uint64_t)hi;
			v = (int64_t)u;
		} else {
			v = v < lo ? lo : v > hi ? hi : v;
		}
		tcc_store_i64(t, out[0].data, i, v);
	}
	return TCC_OK;
}

static bool cast_supported(tcc_dtype t)
{
	return t != TCC_STRING && tcc_dtype_size(t) != 0;
}

static tcc_status cast_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			     tv *out, int n_out)
{
	tcc_dtype to = n_in > 1 ? in[1]->dtype : (tcc_dtype)ir_attr_int(n, "to", 0);

	if (!cast_supported(in[0]->dtype) || !cast_supported(to))
		return op_err(n, TCC_ERR_UNSUPPORTED, "cast %s -> %s not supported",
			      tcc_dtype_name(in[0]->dtype), tcc_dtype_name(to));
	out[0] = *in[0];
	out[0].data = NULL;
	out[0].dtype = to;
	return TCC_OK;
}

static tcc_status cast_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			   tv *out, int n_out)
{
	tcc_dtype from = in[0]->dtype, to = out[0].dtype;
	int64_t cnt = tv_numel(in[0]);

	if (from == to) {
		memcpy(out[0].data, in[0]->data, tv_nbytes(in[0]));
	} else if (from == TCC_F32 && to == TCC_I64) {
		for (int64_t i = 0; i < cnt; i++)
			tcc_store_f64(to, out[0].data, i, ((const float *)in[0]->data)[i]);
	} else if (tcc_dtype_is_float(from) || tcc_dtype_is_float(to) || from == TCC_U64) {
		for (int64_t i = 0; i < cnt; i++)
			tcc_store_f64(to, out[0].data, i, tcc_load_f64(from, in[0]->data, i));
		if (to == TCC_U64 && !tcc_dtype_is_float(from))
			for (int64_t i = 0; i < cnt; i++)
				((uint64_t *)out[0].data)[i] = (uint64_t)tcc_load_i64(from, in[0]->data, i);
	} else {
		for (int64_t i = 0; i < cnt; i++)
			tcc_store_i64(to, out[0].data, i, tcc_load_i64(from, in[0]->data, i));
	}
	return TCC_OK;
}

static tcc_status where_infer(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			      tv *out, int n_out)
{
	tv a, b;

	if (in[0]->dtype != TCC_BOOL)
		return op_err(n, TCC_ERR_INVALID_ARG, "condition must be bool");
	if (in[1]->dtype != in[2]->dtype)
		return op_err(n, TCC_ERR_INVALID_ARG, "X and Y dtypes differ");
	if (!shape_broadcast(in[0], in[1], &a) || !shape_broadcast(&a, in[2], &b))
		return op_err(n, TCC_ERR_INVALID_ARG, "input shapes do not broadcast");
	out[0] = b;
	out[0].dtype = in[1]->dtype;
	out[0].data = NULL;
	return TCC_OK;
}

static tcc_status where_run(const ir_node *n, const op_env *env, tv *const *in, int n_in,
			    tv *out, int n_out)
{
	bcast bc;
	size_t es = tcc_dtype_size(out[0].dtype);
	tcc_status st = bcast_plan(&bc, &out[0], in, 3);

	if (st)
		return st;
	const uint8_t *c = in[0]->data;
	const char *x = in[1]->data, *y = in[2]->data;
	char *o = out[0].data;

	for (int64_t r = 0; r < bc.rows; r++)
		for (int64_t i = 0; i < bc.inner; i++) {
			int64_t ci = bc.base[0][r] + i * bc.s[0];
			const char *src = c[ci] ? x + (size_t)(bc.base[1][r] + i * bc.s[1]) * es
						: y + (size_t)(bc.base[2][r] + i * bc.s[2]) * es;

			memcpy(o + (size_t)(r * bc.inner + i) * es, src, es);
		}
	bcast_free(&bc);
	return TCC_OK;
}

#define UN(NAME) { NAME, 1, 1, 1, 1, OP_POINTWISE | OP_HALF_VIA_F32, unary_infer, unary_run }

const op_def ops_elementwise_unary[] = {
	UN("Abs"), UN("Neg"), UN("Sign"), UN("Relu"), UN("Exp"), UN("Log"), UN("Sqrt"),
	UN("Reciprocal"), UN("Ceil"), UN("Floor"), UN("Round"), UN("Sin"), UN("Cos"), UN("Tan"),
	UN("Asin"), UN("Acos"), UN("Atan"), UN("Sinh"), UN("Cosh"), UN("Asinh"), UN("Acosh"),
	UN("Atanh"), UN("Sigmoid"), UN("Tanh"), UN("Erf"), UN("Softplus"), UN("Softsign"),
	UN("Elu"), UN("Selu"), UN("LeakyRelu"), UN("HardSigmoid"), UN("HardSwish"),
	UN("ThresholdedRelu"), UN("Celu"), UN("Shrink"), UN("Gelu"), UN("Mish"), UN("IsNaN"),
	UN("IsInf"), UN("Not"),
	{ "Identity", 1, 1, 1, 1, OP_ALIAS, same_infer, copy_run },
	{ "Dropout", 1, 3, 1, 2, OP_ALIAS, dropout_infer, copy_run },
	{ "Clip", 1, 3, 1, 1, OP_POINTWISE | OP_HALF_VIA_F32, clip_infer, clip_run },
	{ "Cast", 1, 1, 1, 1, 0, cast_infer, cast_run },
	{ "CastLike", 2, 2, 1, 1, 0, cast_infer, cast_run },
	{ "Where", 3, 3, 1, 1, OP_POINTWISE, where_infer, where_run },
	OPS_END
};
