/* SPDX-License-Identifier: MIT */
/* NumPy .npy (format 1.0 written; 1.0/2.0 read): little-endian, C order. */
#ifndef TCC_TOOLS_NPY_H
#define TCC_TOOLS_NPY_H

#include <stddef.h>
#include <tcc/model.h>

/* Reads @path into @t (t->data malloc'd).  Returns 0 or -1 with @err filled. */
int npy_read(const char *path, tcc_tensor *t, char *err, size_t errlen);
/* Writes @t (bfloat16 is widened to float32, which NumPy lacks). */
int npy_write(const char *path, const tcc_tensor *t, char *err, size_t errlen);

#endif
