/* SPDX-License-Identifier: MIT */
/*
 * Shared by the model weight-buffer tests: buffer names, loading a model's
 * buffer, which records are packed ones, the per-buffer usage counts, and a
 * copy of a buffer whose records claim another layout.  Include after
 * <cmocka.h>; a file using NEED_MODELS() defines `static const char *models`.
 */
#ifndef TCC_TESTS_WEIGHTS_PACKED_RECORDS_H
#define TCC_TESTS_WEIGHTS_PACKED_RECORDS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tcc/weights.h>

#define SUFFIX "@packed"

/* "<prefix>-<pid>-<what>": this process's buffers (four names live at a time). */
static inline const char *test_buffer_name(const char *prefix, const char *what)
{
	static char buf[4][64];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s-%d-%s", prefix, (int)getpid(), what);
	return buf[k];
}

/* Every model case starts with this: run.sh makes the models with python3-onnx. */
#define NEED_MODELS()			\
	do {				\
		(void)state;		\
		if (!models)		\
			skip();		\
	} while (0)

/*
 * The initializers of the model at @path in a new sealed buffer @name, held
 * open by the caller: by default (@keep_plain 0) the weights that have
 * pre-packed records are stored that way only.
 */
static inline tcc_weights *load_model_buffer(const char *name, const char *path, int keep_plain)
{
	tcc_weights_options o = { .keep_plain = keep_plain };
	tcc_weights *w = NULL;
	tcc_status st = tcc_weights_load_onnx(&w, name, path, &o);

	if (st)
		print_error("tcc_weights_load_onnx(%s): %s\n", path, tcc_last_error());
	assert_int_equal(st, TCC_OK);
	return w;
}

/* The largest |a - b| / |a| over @n values. */
static inline float max_rel_diff(const float *a, const float *b, size_t n)
{
	float md = 0;

	for (size_t i = 0; i < n; i++) {
		float d = a[i] - b[i];
		float rel = (d < 0 ? -d : d) / (1e-6f + (a[i] < 0 ? -a[i] : a[i]));

		md = rel > md ? rel : md;
	}
	return md;
}

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
