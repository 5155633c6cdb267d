/* SPDX-License-Identifier: MIT */
/*
 * Shared by the pre-packed record tests (MatMul/Gemm and Conv): which
 * records are packed ones, the per-buffer usage counts, and a copy of a
 * buffer whose records claim another layout.  Include after <cmocka.h>.
 */
#ifndef TCC_TESTS_WEIGHTS_PACKED_RECORDS_H
#define TCC_TESTS_WEIGHTS_PACKED_RECORDS_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tcc/weights.h>

#define SUFFIX "@packed"

static inline bool is_packed(const char *name)
{
	size_t n = strlen(name);

	return n > strlen(SUFFIX) && !strcmp(name + n - strlen(SUFFIX), SUFFIX);
}

static inline tcc_weights_packed_usage usage(const char *name)
{
	tcc_weights_packed_usage u;

	assert_int_equal(tcc_weights_packed_usage_get(name, &u), TCC_OK);
	return u;
}

/*
 * A buffer whose packed records claim another layout (as if made on another
 * CPU or oneDNN): the image of @w re-packed with every fingerprint flipped.
 */
static inline tcc_weights *with_foreign_fingerprints(tcc_weights *w, const char *name)
{
	const void *img;
	tcc_weights_info info;
	size_t n;

	assert_int_equal(tcc_weights_map(w, &img), TCC_OK);
	assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
	assert_int_equal(tcc_weights_image_count(img, info.size, &n), TCC_OK);
	tcc_weights_record *recs = calloc(n, sizeof(*recs));
	void **copies = calloc(n, sizeof(*copies));

	assert_non_null(recs);
	assert_non_null(copies);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tcc_weights_image_at(img, info.size, i, &recs[i]), TCC_OK);
		if (!is_packed(recs[i].name))
			continue;
		copies[i] = malloc(recs[i].nbytes);
		assert_non_null(copies[i]);
		memcpy(copies[i], recs[i].data, recs[i].nbytes);
		((unsigned char *)copies[i])[8] ^= 0x5a;	/* the fingerprint follows the 8-byte magic */
		recs[i].data = copies[i];
	}
	tcc_weights *f = NULL;

	assert_int_equal(tcc_weights_load_records(&f, name, recs, n, NULL), TCC_OK);
	for (size_t i = 0; i < n; i++)
		free(copies[i]);
	free(copies);
	free(recs);
	return f;
}

#endif
