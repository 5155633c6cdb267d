/* SPDX-License-Identifier: MIT */
/*
 * Minimal reader for NumPy .npy files (format versions 1-3, C order), the
 * interchange format of the conformance data.  No Debian package offers a C
 * reader for it; the format is a magic string, a Python-dict header and the
 * raw little-endian array, so a few dozen lines suffice.
 */
#ifndef TCC_TESTS_NPY_H
#define TCC_TESTS_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_RANK 32

struct npy_array {
	char kind;		/* 'f', 'i', 'u', 'b' (NumPy's descr kind) */
	int itemsize;		/* bytes per element */
	int rank;
	int64_t dims[NPY_MAX_RANK];
	size_t count;		/* number of elements */
	void *data;		/* malloc'd, at least 1 byte even when empty */
	size_t nbytes;
};

/* 0 on success; on failure -1 with a reason in @err. */
int npy_read(const char *path, struct npy_array *out, char *err, size_t errlen);
void npy_free(struct npy_array *a);

#endif
