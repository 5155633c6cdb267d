// SPDX-License-Identifier: MIT
/* Element types: sizes, names, and scalar conversions used by generic kernels. */
#include "ir/ir.h"

#include <stdint.h>

#include <math.h>
#include <string.h>

size_t tcc_dtype_size(tcc_dtype t)
{
	switch (t) {
	case TCC_F32: case TCC_I32: case TCC_U32: return 4;
	case TCC_U8: case TCC_I8: case TCC_BOOL: return 1;
	case TCC_U16: case TCC_I16: case TCC_F16: case TCC_BF16: return 2;
	case TCC_I64: case TCC_F64: case TCC_U64: return 8;
	default: return 0;
	}
}

const char *tcc_dtype_name(tcc_dtype t)
{
	switch (t) {
	case TCC_F32: return "float32";
	case TCC_U8: return "uint8";
	case TCC_I8: return "int8";
	case TCC_U16: return "uint16";
	case TCC_I16: return "int16";
	case TCC_I32: return "int32";
	case TCC_I64: return "int64";
	case TCC_STRING: return "string";
	case TCC_BOOL: return "bool";
	case TCC_F16: return "float16";
	case TCC_F64: return "float64";
	case TCC_U32: return "uint32";
	case TCC_U64: return "uint64";
	case TCC_BF16: return "bfloat16";
	default: return "undefined";
	}
}

bool tcc_dtype_is_float(tcc_dtype t)
{
	return t == TCC_F32 || t == TCC_F64 || t == TCC_F16 || t == TCC_BF16;
}

bool tcc_dtype_is_signed_int(tcc_dtype t)
{
	return t == TCC_I8 || t == TCC_I16 || t == TCC_I32 || t == TCC_I64;
}

bool tcc_dtype_is_unsigned_int(tcc_dtype t)
{
	return t == TCC_U8 || t == TCC_U16 || t == TCC_U32 || t == TCC_U64 || t == TCC_BOOL;
}

/*
 * The compiler's half type converts with correct rounding (F16C where the
 * CPU has it).  clang before 15 has no _Float16 on x86 but a storage-only
 * __fp16 with the same conversions (the fuzzing build uses clang-14).
 */
#if defined(__clang__) && __clang_major__ < 15
typedef __fp16 tcc_half;
#else
typedef _Float16 tcc_half;
#endif

float tcc_f16_to_f32(uint16_t h)
{
	tcc_half f;

	memcpy(&f, &h, 2);
	return (float)f;
}

uint16_t tcc_f32_to_f16(float f)
{
	tcc_half h = (tcc_half)f;
	uint16_t u;

	memcpy(&u, &h, 2);
	return u;
}

float tcc_bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, 4);
	return f;
}

uint16_t tcc_f32_to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	if ((u & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((u >> 16) | 0x40);	/* keep NaN a NaN */
	u += 0x7fff + ((u >> 16) & 1);			/* round to nearest even */
	return (uint16_t)(u >> 16);
}

double tcc_load_f64(tcc_dtype t, const void *p, int64_t i)
{
	switch (t) {
	case TCC_F32: return ((const float *)p)[i];
	case TCC_F64: return ((const double *)p)[i];
	case TCC_F16: return tcc_f16_to_f32(((const uint16_t *)p)[i]);
	case TCC_BF16: return tcc_bf16_to_f32(((const uint16_t *)p)[i]);
	case TCC_U64: return (double)((const uint64_t *)p)[i];
	default: return (double)tcc_load_i64(t, p, i);
	}
}

/* Float to integer conversion saturates NaN/inf instead of invoking UB. */
static int64_t f64_to_i64(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 9.2233720368547758e18)
		return INT64_MAX;
	if (v <= -9.2233720368547758e18)
		return INT64_MIN;
	return (int64_t)v;
}

void tcc_store_f64(tcc_dtype t, void *p, int64_t i, double v)
{
	switch (t) {
	case TCC_F32: ((float *)p)[i] = (float)v; break;
	case TCC_F64: ((double *)p)[i] = v; break;
	case TCC_F16: ((uint16_t *)p)[i] = tcc_f32_to_f16((float)v); break;
	case TCC_BF16: ((uint16_t *)p)[i] = tcc_f32_to_bf16((float)v); break;
	case TCC_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case TCC_U64: ((uint64_t *)p)[i] = (v <= 0 || isnan(v)) ? 0 :
		v >= 1.8446744073709552e19 ? UINT64_MAX : (uint64_t)v; break;
	default: tcc_store_i64(t, p, i, f64_to_i64(v)); break;
	}
}

int64_t tcc_load_i64(tcc_dtype t, const void *p, int64_t i)
{
	switch (t) {
	case TCC_I8: return ((const int8_t *)p)[i];
	case TCC_I16: return ((const int16_t *)p)[i];
	case TCC_I32: return ((const int32_t *)p)[i];
	case TCC_I64: return ((const int64_t *)p)[i];
	case TCC_U8: case TCC_BOOL: return ((const uint8_t *)p)[i];
	case TCC_U16: return ((const uint16_t *)p)[i];
	case TCC_U32: return ((const uint32_t *)p)[i];
	case TCC_U64: return (int64_t)((const uint64_t *)p)[i];
	default: return f64_to_i64(tcc_load_f64(t, p, i));
	}
}

void tcc_store_i64(tcc_dtype t, void *p, int64_t i, int64_t v)
{
	switch (t) {
	case TCC_I8: ((int8_t *)p)[i] = (int8_t)v; break;
	case TCC_I16: ((int16_t *)p)[i] = (int16_t)v; break;
	case TCC_I32: ((int32_t *)p)[i] = (int32_t)v; break;
	case TCC_I64: ((int64_t *)p)[i] = v; break;
	case TCC_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case TCC_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case TCC_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case TCC_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
	case TCC_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
	default: tcc_store_f64(t, p, i, (double)v); break;
	}
}

/*
 * Saturating: a product that overflows is INT64_MAX (SIZE_MAX bytes), which
 * no allocation satisfies, rather than a small wrapped-around size that a
 * kernel would then index past.
 */
int64_t tv_numel(const tv *t)
{
	int64_t n = 1;

	for (int i = 0; i < t->rank; i++)
		if (__builtin_mul_overflow(n, t->dims[i], &n))
			return INT64_MAX;
	return n;
}

size_t tv_nbytes(const tv *t)
{
	size_t nb;

	if (!tv_size_ok(t, NULL, &nb))
		return SIZE_MAX;
	return nb;
}

bool tv_dims_sane(int rank, const int64_t *dims)
{
	int64_t nz = 1;

	if (rank < 0 || rank > TCC_MAX_RANK)
		return false;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return false;
		if (dims[i] && (dims[i] > TV_MAX_ELEMS || nz > TV_MAX_ELEMS / dims[i]))
			return false;
		if (dims[i])
			nz *= dims[i];
	}
	return true;
}

bool tv_size_ok(const tv *t, int64_t *numel, size_t *nbytes)
{
	int64_t n = 1;
	size_t nb;

	if (t->rank < 0 || t->rank > TCC_MAX_RANK)
		return false;
	for (int i = 0; i < t->rank; i++)
		if (t->dims[i] < 0 || __builtin_mul_overflow(n, t->dims[i], &n))
			return false;
	if (__builtin_mul_overflow((size_t)n, tcc_dtype_size(t->dtype), &nb))
		return false;
	if (numel)
		*numel = n;
	if (nbytes)
		*nbytes = nb;
	return true;
}

bool tv_same_shape(const tv *a, const tv *b)
{
	if (a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return false;
	return true;
}
