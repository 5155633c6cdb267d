// SPDX-License-Identifier: MIT
#include "compare.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
	DT_F32 = 1, DT_U8 = 2, DT_I8 = 3, DT_U16 = 4, DT_I16 = 5, DT_I32 = 6, DT_I64 = 7,
	DT_BOOL = 9, DT_F16 = 10, DT_F64 = 11, DT_U32 = 12, DT_U64 = 13, DT_BF16 = 16,
};

size_t onnx_dtype_size(int dtype)
{
	switch (dtype) {
	case DT_U8: case DT_I8: case DT_BOOL: return 1;
	case DT_U16: case DT_I16: case DT_F16: case DT_BF16: return 2;
	case DT_F32: case DT_I32: case DT_U32: return 4;
	case DT_I64: case DT_F64: case DT_U64: return 8;
	default: return 0;
	}
}

const char *onnx_dtype_name(int dtype)
{
	static const char *names[] = {
		[DT_F32] = "float32", [DT_U8] = "uint8", [DT_I8] = "int8", [DT_U16] = "uint16",
		[DT_I16] = "int16", [DT_I32] = "int32", [DT_I64] = "int64", [8] = "string",
		[DT_BOOL] = "bool", [DT_F16] = "float16", [DT_F64] = "float64", [DT_U32] = "uint32",
		[DT_U64] = "uint64", [DT_BF16] = "bfloat16",
	};
	static _Thread_local char buf[16];
	if (dtype >= 0 && dtype < (int)(sizeof(names) / sizeof(names[0])) && names[dtype])
		return names[dtype];
	snprintf(buf, sizeof(buf), "dtype%d", dtype);
	return buf;
}

/* IEEE binary16 bits to double (the C11 toolchain has no portable half type). */
static double half_to_double(uint16_t h)
{
	int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
	double v;
	if (exp == 0)
		v = ldexp(mant, -24);
	else if (exp == 31)
		v = mant ? NAN : INFINITY;
	else
		v = ldexp(mant | 0x400, exp - 25);
	return (h & 0x8000) ? -v : v;
}

static double bf16_to_double(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, sizeof(f));
	return f;
}

static double float_at(int dtype, const void *p, size_t i)
{
	switch (dtype) {
	case DT_F32: return ((const float *)p)[i];
	case DT_F64: return ((const double *)p)[i];
	case DT_F16: return half_to_double(((const uint16_t *)p)[i]);
	default: return bf16_to_double(((const uint16_t *)p)[i]);
	}
}

/* Integers widened to a common type; unsigned 64-bit keeps its bits. */
static int64_t int_at(int dtype, const void *p, size_t i)
{
	switch (dtype) {
	case DT_U8: return ((const uint8_t *)p)[i];
	case DT_I8: return ((const int8_t *)p)[i];
	case DT_U16: return ((const uint16_t *)p)[i];
	case DT_I16: return ((const int16_t *)p)[i];
	case DT_I32: return ((const int32_t *)p)[i];
	case DT_U32: return ((const uint32_t *)p)[i];
	case DT_BOOL: return ((const uint8_t *)p)[i] != 0;
	default: return ((const int64_t *)p)[i];	/* I64, U64 */
	}
}

static int is_float(int dtype)
{
	return dtype == DT_F32 || dtype == DT_F64 || dtype == DT_F16 || dtype == DT_BF16;
}

static int float_close(double g, double w, double rtol, double atol)
{
	if (isnan(w) || isnan(g))
		return isnan(w) && isnan(g);
	if (isinf(w) || isinf(g))
		return g == w;
	return fabs(g - w) <= atol + rtol * fabs(w);
}

int compare_values(int dtype, const void *got, const void *want, size_t n,
		   double rtol, double atol, char *msg, size_t msglen)
{
	size_t bad = 0, first = 0;
	double max_diff = 0, first_g = 0, first_w = 0;

	if (!onnx_dtype_size(dtype)) {
		snprintf(msg, msglen, "cannot compare %s elements", onnx_dtype_name(dtype));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		double g, w;
		int ok;
		if (is_float(dtype)) {
			g = float_at(dtype, got, i);
			w = float_at(dtype, want, i);
			ok = float_close(g, w, rtol, atol);
		} else {
			int64_t gi = int_at(dtype, got, i), wi = int_at(dtype, want, i);
			ok = gi == wi;
			g = (double)gi;
			w = (double)wi;
		}
		if (ok)
			continue;
		if (!bad++) {
			first = i;
			first_g = g;
			first_w = w;
		}
		double d = fabs(g - w);
		if (d > max_diff || isnan(d))
			max_diff = d;
	}
	if (!bad)
		return 0;
	if (is_float(dtype))
		snprintf(msg, msglen,
			 "%zu of %zu elements differ (rtol %g, atol %g); first at [%zu]: got %.9g want %.9g; max |diff| %.3g",
			 bad, n, rtol, atol, first, first_g, first_w, max_diff);
	else
		snprintf(msg, msglen, "%zu of %zu elements differ (exact %s); first at [%zu]: got %.0f want %.0f",
			 bad, n, onnx_dtype_name(dtype), first, first_g, first_w);
	return -1;
}
