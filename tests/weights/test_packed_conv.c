// SPDX-License-Identifier: MIT
/*
 * Pre-packed records for Conv weights: tcc_weights_load_onnx() also stores
 * the bytes oneDNN prepacked for each Conv, in the layout of the conv as the
 * compiler finally keeps it (after choosing blocked activation layouts
 * between convs).  A model run from the buffer reads them in place: outputs
 * bit-identical to a private load, no private copy of the conv weights.  A
 * record for another layout is refused and the plain initializer prepacked,
 * as a private load would.
 *
 * Model: cnn.onnx of tests/weights/make_models.py (five Conv, one of them
 * depthwise, a residual add, a Gemm head; 19 MiB of weights).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tcc/model.h>
#include <tcc/weights.h>

#include "mlp_rss.h"
#include "packed_records.h"

#define N_CONV 5
#define N_PACKED (N_CONV + 1)	/* and the Gemm head */
#define CNN_OUT 10
/* K0..K4: [64,3,3,3] [512,64,3,3] [512,512,3,3] [512,1,3,3] [512,512,3,3] */
#define CONV_WEIGHT_BYTES ((64 * 3 * 9 + 512 * 64 * 9 + 512 * 512 * 9 + 512 * 9 + 512 * 512 * 9) * sizeof(float))

static const char *models;
static const int64_t cnn_dims[4] = { 1, 3, 32, 32 };

static const char *cnn(void)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/cnn.onnx", models);
	return buf;
}

static const char *buffer_name(const char *what)
{
	return test_buffer_name("pc", what);
}

static tcc_weights *load_buffer_keep(const char *name, int keep_plain)
{
	return load_model_buffer(name, cnn(), keep_plain);
}

static tcc_weights *load_buffer(const char *name)
{
	return load_buffer_keep(name, 0);
}

/* The CNN loaded (from @weights, or privately when NULL), its stats, one run on a fixed input. */
static tcc_model_weights_stats run_cnn(const char *weights, int prepack, float *y)
{
	tcc_options o = { .threads = 1, .opt_level = 1, .weights = weights, .weights_prepack = prepack };
	static float x[3 * 32 * 32];
	tcc_tensor in = { .dtype = TCC_F32, .rank = 4, .data = x, .nbytes = sizeof(x) };
	tcc_tensor out = { .data = y, .nbytes = CNN_OUT * sizeof(float) };
	tcc_model_weights_stats s;
	tcc_model *m;
	tcc_status st;

	memcpy(in.dims, cnn_dims, sizeof(cnn_dims));
	for (size_t i = 0; i < 3 * 32 * 32; i++)
		x[i] = (float)((i * 7919) % 2000) / 1000.0f - 1.0f;
	st = tcc_model_load(&m, cnn(), &o);
	if (st)
		print_error("tcc_model_load: %s\n", tcc_last_error());
	assert_int_equal(st, TCC_OK);
	assert_int_equal(tcc_model_weights_stats_get(m, &s), TCC_OK);
	assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
	tcc_model_free(m);
	return s;
}

static void packing_adds_a_record_per_conv_weight(void **state)
{
	const char *name = buffer_name("recs");
	tcc_weights *w;
	const void *img;
	tcc_weights_info info;
	tcc_weights_record r;
	char rname[32];

	NEED_MODELS();
	w = load_buffer(name);
	assert_int_equal(tcc_weights_map(w, &img), TCC_OK);
	assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
	for (int i = 0; i < N_CONV; i++) {
		snprintf(rname, sizeof(rname), "K%d" SUFFIX, i);
		assert_int_equal(tcc_weights_image_find(img, info.size, rname, &r), TCC_OK);
		assert_true(((uintptr_t)r.data & 63) == 0);
		assert_true(r.nbytes > 64);
	}
	/* Biases are not packed: oneDNN reads them as they are. */
	assert_int_equal(tcc_weights_image_find(img, info.size, "KB0" SUFFIX, &r), TCC_ERR_NOT_FOUND);
	tcc_weights_close(w);
}

static void conv_records_are_used_in_place_with_the_private_outputs(void **state)
{
	const char *name = buffer_name("use");
	static float a[CNN_OUT], b[CNN_OUT];
	tcc_weights *w;

	NEED_MODELS();
	w = load_buffer(name);
	tcc_weights_packed_usage before = usage(name);
	tcc_model_weights_stats sp = run_cnn(NULL, 0, a), ss = run_cnn(name, 0, b);
	tcc_weights_packed_usage after = usage(name);

	(void)sp;
	assert_int_equal(after.used - before.used, N_PACKED);
	assert_int_equal(after.mismatched - before.mismatched, 0);
	assert_int_equal(ss.packed_weights, N_PACKED);
	assert_int_equal(ss.packed_mismatches, 0);
	assert_int_equal(ss.private_packed_bytes, 0);
	/* The same packed bytes through the same primitives. */
	assert_memory_equal(a, b, sizeof(a));
	tcc_weights_close(w);
}

static void a_foreign_conv_layout_prepacks_the_plain_weights(void **state)
{
	const char *name = buffer_name("good"), *fname = buffer_name("foreign");
	static float a[CNN_OUT], b[CNN_OUT];
	tcc_weights *w, *f;
	float md;

	NEED_MODELS();
	w = load_buffer_keep(name, 1);
	f = with_foreign_fingerprints(w, fname);
	tcc_model_weights_stats sp = run_cnn(NULL, 0, a), ss = run_cnn(fname, 0, b);
	tcc_weights_packed_usage u = usage(fname);

	(void)sp;
	assert_int_equal(ss.private_fallback, 0);
	assert_int_equal(u.used, 0);
	assert_int_equal(u.mismatched, N_PACKED);
	assert_int_equal(ss.packed_weights, 0);
	assert_int_equal(ss.packed_mismatches, N_PACKED);
	/* Every conv weight prepacked privately from the plain initializer. */
	assert_int_equal(ss.private_packed_bytes, CONV_WEIGHT_BYTES);
	md = max_rel_diff(a, b, CNN_OUT);
	printf("# foreign layout: max rel diff to the private load %.3g\n", md);
	assert_true(md < 1e-4f);
	tcc_weights_close(f);
	tcc_weights_close(w);
}

/*
 * weights_prepack = 1 prepacks the plain copies privately; a buffer
 * without them (the default) cannot, and the model is loaded privately.
 */
static void weights_prepack_packs_the_convs_privately(void **state)
{
	const char *name = buffer_name("prepack"), *kname = buffer_name("prepack-keep");
	static float a[CNN_OUT], b[CNN_OUT], c[CNN_OUT];
	tcc_weights *w, *k;

	NEED_MODELS();
	w = load_buffer(name);
	k = load_buffer_keep(kname, 1);
	tcc_model_weights_stats sp = run_cnn(NULL, 0, a), sk = run_cnn(kname, 1, b), ss = run_cnn(name, 1, c);
	tcc_weights_packed_usage u = usage(kname);

	(void)sp;
	assert_int_equal(u.used + u.mismatched, 0);
	assert_int_equal(sk.packed_weights, 0);
	assert_int_equal(sk.private_fallback, 0);
	assert_true(sk.private_packed_bytes >= CONV_WEIGHT_BYTES);
	assert_int_equal(ss.private_fallback, 1);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_equal(a, c, sizeof(a));
	tcc_weights_close(k);
	tcc_weights_close(w);
}

static void conv_records_make_no_private_copy(void **state)
{
	const char *name = buffer_name("rss");
	tcc_weights *w;
	long long priv, shared, used = -1;

	NEED_MODELS();
	w = load_buffer(name);
	priv = model_rss_growth(cnn(), NULL, 4, cnn_dims, NULL);
	shared = model_rss_growth(cnn(), name, 4, cnn_dims, &used);
	assert_int_equal(used, N_PACKED);
	printf("# RssAnon growth for %.1f MiB of conv weights: private load %.1f MiB, packed records in place %.1f MiB\n",
	       CONV_WEIGHT_BYTES / (double)MIB, priv / (double)MIB, shared / (double)MIB);
	assert_true(priv >= (long long)(CONV_WEIGHT_BYTES * 3 / 4));
	assert_true(shared >= 0 && shared < (long long)(CONV_WEIGHT_BYTES / 8));
	tcc_weights_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(packing_adds_a_record_per_conv_weight),
		cmocka_unit_test(conv_records_are_used_in_place_with_the_private_outputs),
		cmocka_unit_test(a_foreign_conv_layout_prepacks_the_plain_weights),
		cmocka_unit_test(weights_prepack_packs_the_convs_privately),
		cmocka_unit_test(conv_records_make_no_private_copy),
	};

	models = getenv("TCC_WEIGHTS_TEST_MODELS");
	if (models && !*models)
		models = NULL;
	return cmocka_run_group_tests_name("packed conv weights", tests, NULL, NULL);
}
