/* SPDX-License-Identifier: MIT */
/*
 * Output comparison with the semantics of ONNX's backend test runner
 * (numpy.testing.assert_allclose): floating point passes when
 * |got - want| <= atol + rtol * |want|, NaN matches NaN, an infinity matches
 * only the same infinity; integers and booleans must be equal exactly.
 */
#ifndef TCC_TESTS_COMPARE_H
#define TCC_TESTS_COMPARE_H

#include <stddef.h>

/* ONNX's backend-test defaults. */
#define CONF_RTOL 1e-3
#define CONF_ATOL 1e-7

/* Bytes per element of an ONNX TensorProto.DataType, 0 if not a fixed-size numeric type. */
size_t onnx_dtype_size(int dtype);
/* NumPy-style name ("float32") of an ONNX dtype, "dtype<N>" if unknown. */
const char *onnx_dtype_name(int dtype);

/*
 * Compares @n elements of @dtype.  Returns 0 when all match; otherwise -1
 * with the first mismatch, the count and the largest difference in @msg.
 */
int compare_values(int dtype, const void *got, const void *want, size_t n,
		   double rtol, double atol, char *msg, size_t msglen);

#endif
