/* SPDX-License-Identifier: MIT */
/*
 * The conformance manifest written by convert.py: one entry per ONNX backend
 * test with its model path and, per data set, the named input and expected
 * output tensors as .npy files.  See convert.py for the line format.
 */
#ifndef TCC_TESTS_MANIFEST_H
#define TCC_TESTS_MANIFEST_H

#include <stddef.h>

struct tensor_ref {
	char *name;		/* graph input/output name */
	int dtype;		/* ONNX TensorProto.DataType */
	char *path;		/* .npy file */
};

struct data_set {
	int index;
	struct tensor_ref *in, *out;
	int n_in, n_out;
};

struct conf_test {
	char *dir;		/* "node", "pytorch-converted", ... */
	char *name;		/* "test_abs" */
	char *model;		/* path of model.onnx; NULL when skipped */
	char *skip_reason;	/* why the data could not be converted, or NULL */
	struct data_set *sets;
	int n_sets;
};

struct manifest {
	struct conf_test *tests;
	int n_tests;
};

/* 0 on success; -1 with a reason in @err (bad line, I/O, memory). */
int manifest_load(const char *path, struct manifest *m, char *err, size_t errlen);
void manifest_free(struct manifest *m);

#endif
