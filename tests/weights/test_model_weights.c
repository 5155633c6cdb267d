// SPDX-License-Identifier: MIT
/*
 * Running a model with its initializers read in place from a sealed weight
 * buffer (tcc_options.weights): same outputs as a private load, from several
 * processes, without a private copy of the weights, a clear error for a
 * buffer of another model, and constant-rewriting passes (BatchNormalization
 * folding) that never write into the read-only mapping.
 *
 * The models come from tests/weights/make_models.py, in the directory named
 * by $TCC_WEIGHTS_TEST_MODELS (run.sh makes them); without it every case
 * skips.  Buffers use the default backend (tcc.ko when loaded, else the
 * embedded memfd one), which is also what tcc_options.weights opens.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tcc/weights.h>

#include "mlp_rss.h"
#include "packed_records.h"

#define CONVBN_OUT (8 * 16 * 16)

static const char *models;
static int prepack;	/* tcc_options.weights_prepack of run_model() */

static const char *model(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s.onnx", models, name);
	return buf[k];
}

static const char *buffer_name(const char *what)
{
	return test_buffer_name("mw", what);
}

/*
 * With the plain copies (keep_plain): these cases are about borrowing plain
 * initializers (every opt level, weights_prepack, the plain paths); buffers
 * without them are test_packed_weights.c's.
 */
static tcc_weights *load_buffer(const char *name, const char *onnx)
{
	if (!models)
		skip();
	return load_model_buffer(name, onnx, 1);
}

/* Deterministic input of @n floats in [-1, 1). */
static void fill_input(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)((i * 7919) % 2000) / 1000.0f - 1.0f;
}

/* Load @onnx (from buffer @weights, or privately when NULL), run once into @y. */
static tcc_status run_model(const char *onnx, const char *weights, int opt_level, const int64_t *in_dims,
			    int in_rank, float *y, size_t y_count, tcc_model_weights_stats *stats)
{
	tcc_options o = { .threads = 1, .opt_level = opt_level, .weights = weights, .weights_prepack = prepack };
	tcc_tensor in = { .dtype = TCC_F32, .rank = in_rank }, out = { 0 };
	size_t n = 1;
	tcc_model *m;
	tcc_status st;

	for (int i = 0; i < in_rank; i++)
		n *= (size_t)(in.dims[i] = in_dims[i]);
	float *x = malloc(n * sizeof(float));

	assert_non_null(x);
	fill_input(x, n);
	in.data = x;
	in.nbytes = n * sizeof(float);
	out.data = y;
	out.nbytes = y_count * sizeof(float);
	st = tcc_model_load(&m, onnx, &o);
	if (st == TCC_OK) {
		st = tcc_model_run(m, &in, 1, &out, 1);
		/* After the run: a symbolic model's oneDNN ops exist from its first run on. */
		if (stats)
			assert_int_equal(tcc_model_weights_stats_get(m, stats), TCC_OK);
		tcc_model_free(m);
	}
	free(x);
	return st;
}

static const int64_t mlp_in[] = { 4, 2048 }, convbn_in[] = { 1, 3, 16, 16 };

static void run_ok(const char *onnx, const char *weights, int opt_level, float *y, size_t n,
		   tcc_model_weights_stats *stats)
{
	int conv = strstr(onnx, "convbn") != NULL;
	tcc_status st = run_model(onnx, weights, opt_level, conv ? convbn_in : mlp_in, conv ? 4 : 2, y, n, stats);

	if (st)
		print_error("%s (weights %s, O%d): %s\n", onnx, weights ? weights : "private", opt_level,
			    tcc_last_error());
	assert_int_equal(st, TCC_OK);
}

static void shared_buffer_gives_the_private_outputs(void **state)
{
	const char *bn = buffer_name("mlp"), *bc = buffer_name("convbn");
	tcc_weights *wm = load_buffer(bn, model("mlp")), *wc = load_buffer(bc, model("convbn"));
	static float a[MLP_OUT], b[MLP_OUT];
	tcc_model_weights_stats s;

	NEED_MODELS();
	for (int O = 0; O <= 1; O++) {
		run_ok(model("mlp"), NULL, O, a, MLP_OUT, &s);
		assert_int_equal(s.borrowed_tensors, 0);	/* a private load borrows nothing */
		run_ok(model("mlp"), bn, O, b, MLP_OUT, &s);
		/* All six initializers are read from the mapping, none decoded. */
		assert_int_equal(s.borrowed_tensors, 6);
		assert_int_equal(s.borrowed_bytes, MLP_WEIGHT_BYTES);
		assert_int_equal(s.private_packed_bytes, 0);
		if (O == 0) {
			/* Same reference kernels on the same bytes. */
			assert_memory_equal(a, b, sizeof(a));
			continue;
		}
		/*
		 * O1: oneDNN reads the three weights in place in their plain
		 * layout instead of a private prepacked copy; a different
		 * kernel may sum in another order, so equal to rounding (on
		 * the build host it is bit-identical, reported below).
		 */
		assert_int_equal(s.in_place_weights, 3);
		double worst = 0;

		for (int i = 0; i < MLP_OUT; i++)
			{
			double r = fabs((double)a[i] - b[i]) / (fabs((double)a[i]) + 1e-3);

			worst = r > worst ? r : worst;
		}
		printf("# mlp O1: shared vs private %s (max rel diff %.3g)\n",
		       memcmp(a, b, sizeof(a)) ? "differ by rounding" : "bit-identical", worst);
		assert_true(worst < 1e-4);
	}
	for (int O = 0; O <= 1; O++) {
		/* Conv weights are prepacked privately on both sides (BN folded at O1): identical bits. */
		run_ok(model("convbn"), NULL, O, a, CONVBN_OUT, NULL);
		run_ok(model("convbn"), bc, O, b, CONVBN_OUT, &s);
		assert_int_equal(s.borrowed_tensors, 12);
		assert_memory_equal(a, b, CONVBN_OUT * sizeof(float));
	}
	tcc_weights_close(wm);
	tcc_weights_close(wc);
}

/*
 * BatchNormalization folding rewrites Conv weights and bias: with them in a
 * sealed read-only mapping a write would be SIGSEGV, so run it in a child
 * and check it exits normally, and that the buffer still holds the file's
 * values afterwards.
 */
static void bn_folding_does_not_write_into_the_mapping(void **state)
{
	const char *name = buffer_name("bn");
	tcc_weights *w = load_buffer(name, model("convbn"));
	tcc_weights_record rec;
	const void *image;
	tcc_weights_info info;
	static float y[CONVBN_OUT];
	int status;

	NEED_MODELS();
	assert_int_equal(tcc_weights_map(w, &image), TCC_OK);
	assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
	assert_int_equal(tcc_weights_image_find(image, info.size, "C0", &rec), TCC_OK);
	float *before = malloc(rec.nbytes);

	assert_non_null(before);
	memcpy(before, rec.data, rec.nbytes);
	fflush(stdout);
	pid_t pid = fork();

	if (pid == 0) {
		tcc_model_weights_stats s;

		_exit(run_model(model("convbn"), name, 1, convbn_in, 4, y, CONVBN_OUT, &s) != TCC_OK ||
		      s.borrowed_tensors != 12);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		print_error("child killed by signal %d (a pass wrote into the read-only mapping?)\n",
			    WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_memory_equal(before, rec.data, rec.nbytes);
	free(before);
	tcc_weights_close(w);
}

/* Two worker processes run the model from one buffer and get the private load's outputs. */
static void two_processes_run_from_one_buffer(void **state)
{
	const char *name = buffer_name("two");
	tcc_weights *w = load_buffer(name, model("mlp"));
	static float ref[MLP_OUT];
	float *shared = mmap(NULL, 2 * sizeof(ref), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid[2];

	NEED_MODELS();
	assert_true(shared != MAP_FAILED);
	run_ok(model("mlp"), NULL, 0, ref, MLP_OUT, NULL);
	fflush(stdout);
	for (int k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] == 0) {
			tcc_model_weights_stats s;

			_exit(run_model(model("mlp"), name, 0, mlp_in, 2, shared + k * MLP_OUT, MLP_OUT, &s) ||
			      s.borrowed_bytes != MLP_WEIGHT_BYTES);
		}
		assert_true(pid[k] > 0);
	}
	for (int k = 0; k < 2; k++) {
		int status;

		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_memory_equal(shared + k * MLP_OUT, ref, sizeof(ref));
	}
	munmap(shared, 2 * sizeof(ref));
	tcc_weights_close(w);
}

static void expect_error(const char *onnx, const char *weights, tcc_status want, const char *needle)
{
	float y[16];
	tcc_status st = run_model(onnx, weights, 1, (const int64_t[]){ 1, 4 }, 2, y, 16, NULL);

	assert_int_equal(st, want);
	if (!strstr(tcc_last_error(), needle))
		print_error("message '%s' lacks '%s'\n", tcc_last_error(), needle);
	assert_non_null(strstr(tcc_last_error(), needle));
}

/*
 * Two models with the same names, dtypes and shapes whose W differs in one
 * value (byte 4000 of 256 KiB): the buffer of one is refused for the other,
 * naming W, whether W is stored plain or only pre-packed.
 */
static void one_differing_value_is_caught_and_named(void **state)
{
	NEED_MODELS();
	for (int keep_plain = 0; keep_plain < 2; keep_plain++) {
		const char *name = buffer_name(keep_plain ? "wide_plain" : "wide");
		tcc_weights *w = load_model_buffer(name, model("wide"), keep_plain);
		tcc_options o = { .threads = 1, .opt_level = 1, .weights = name };
		tcc_model *m;

		assert_int_equal(tcc_model_load(&m, model("wide"), &o), TCC_OK);
		tcc_model_free(m);
		assert_int_equal(tcc_model_load(&m, model("wide_one_value"), &o), TCC_ERR_INVALID_ARG);
		print_message("# keep_plain %d: %s\n", keep_plain, tcc_last_error());
		assert_non_null(strstr(tcc_last_error(), "initializer 'W'"));
		assert_non_null(strstr(tcc_last_error(), "other values"));
		tcc_weights_close(w);
	}
}

static void a_buffer_of_another_model_is_a_clear_error(void **state)
{
	const char *name = buffer_name("tiny");
	tcc_weights *w = load_buffer(name, model("tiny"));
	float y[3];

	NEED_MODELS();
	/* Its own model runs from it. */
	assert_int_equal(run_model(model("tiny"), name, 1, (const int64_t[]){ 1, 4 }, 2, y, 3, NULL), TCC_OK);
	/* Same names, other shapes. */
	expect_error(model("tiny_other"), name, TCC_ERR_INVALID_ARG, "initializer 'W': the model has float32[4,4]");
	/* Same names and shapes, other values (a stale buffer). */
	expect_error(model("tiny_stale"), name, TCC_ERR_INVALID_ARG, "other values");
	/* Names the buffer does not have. */
	expect_error(model("mlp"), name, TCC_ERR_INVALID_ARG, "has no initializer 'W1'");
	/* tcc_model_load_buffer() takes the buffer too. */
	{
		FILE *f = fopen(model("tiny"), "rb");
		char bytes[4096];
		size_t n = f ? fread(bytes, 1, sizeof(bytes), f) : 0;
		tcc_options o = { .opt_level = 1, .weights = name };
		tcc_model_weights_stats s;
		tcc_model *m;

		if (f)
			fclose(f);
		assert_true(n > 0 && n < sizeof(bytes));
		assert_int_equal(tcc_model_load_buffer(&m, bytes, n, &o), TCC_OK);
		assert_int_equal(tcc_model_weights_stats_get(m, &s), TCC_OK);
		assert_int_equal(s.borrowed_tensors, 2);
		tcc_model_free(m);
	}
	/* No such buffer. */
	expect_error(model("tiny"), buffer_name("nosuch"), TCC_ERR_NOT_FOUND, "tcc_options.weights");
	tcc_weights_close(w);
}

/* weights_prepack = 1: MatMul/Gemm weights prepacked privately (counted), the private load's kernels. */
static void prepacking_privately_is_counted(void **state)
{
	const char *name = buffer_name("prepack");
	tcc_weights *w = load_buffer(name, model("mlp"));
	static float a[MLP_OUT], b[MLP_OUT];
	tcc_model_weights_stats s;

	NEED_MODELS();
	run_ok(model("mlp"), NULL, 1, a, MLP_OUT, NULL);
	prepack = 1;
	run_ok(model("mlp"), name, 1, b, MLP_OUT, &s);
	prepack = 0;
	assert_int_equal(s.borrowed_tensors, 6);
	assert_int_equal(s.in_place_weights, 0);
	assert_int_equal(s.private_packed_bytes, (2048 * 2048 * 2 + 512 * 2048) * sizeof(float));
	assert_memory_equal(a, b, sizeof(a));
	tcc_weights_close(w);
}

/* Run the 64 -> 32 MatMul+Add model @onnx on a [batch, 64] input. */
static tcc_status run_small(const char *onnx, const char *weights, int64_t batch, float *y,
			    tcc_model_weights_stats *stats)
{
	return run_model(onnx, weights, 1, (const int64_t[]){ batch, 64 }, 2, y, (size_t)batch * 32, stats);
}

/*
 * A Gemm oneDNN cannot run on a run-time B (alpha != 1 with a bias): from a
 * buffer without pre-packed records it is prepacked privately, counted; with
 * its pre-packed record (alpha folded in at packing) it is read in place.
 */
static void gemm_with_alpha_and_bias_is_prepacked_privately(void **state)
{
	const char *name = buffer_name("alpha"), *pname = buffer_name("alpha-packed");
	tcc_weights_options plain = { .plain_only = 1 };
	tcc_weights *w = NULL, *wp = load_buffer(pname, model("gemm_alpha"));
	float a[2 * 32], b[2 * 32], c[2 * 32];
	tcc_model_weights_stats s;

	NEED_MODELS();
	assert_int_equal(tcc_weights_load_onnx(&w, name, model("gemm_alpha"), &plain), TCC_OK);
	assert_int_equal(run_small(model("gemm_alpha"), NULL, 2, a, NULL), TCC_OK);
	assert_int_equal(run_small(model("gemm_alpha"), name, 2, b, &s), TCC_OK);
	assert_int_equal(s.borrowed_tensors, 2);
	assert_int_equal(s.in_place_weights, 0);
	assert_int_equal(s.private_packed_bytes, 64 * 32 * sizeof(float));
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(run_small(model("gemm_alpha"), pname, 2, c, &s), TCC_OK);
	assert_int_equal(s.in_place_weights, 1);
	assert_int_equal(s.private_packed_bytes, 0);
	assert_memory_equal(a, c, sizeof(a));
	tcc_weights_close(wp);
	tcc_weights_close(w);
}

/*
 * A symbolic model compiles per shape, each specialisation borrowing the
 * same mapping; the packer ran it once (batch 1) for its records.
 */
static void symbolic_model_specialises_from_the_buffer(void **state)
{
	const char *name = buffer_name("dyn");
	tcc_weights *w = load_buffer(name, model("dyn"));
	float a[5 * 32], b[5 * 32];
	tcc_model_weights_stats s;

	NEED_MODELS();
	for (int64_t batch = 1; batch <= 5; batch += 4) {
		assert_int_equal(run_small(model("dyn"), NULL, batch, a, NULL), TCC_OK);
		assert_int_equal(run_small(model("dyn"), name, batch, b, &s), TCC_OK);
		assert_int_equal(s.borrowed_tensors, 2);
		/*
		 * W's record was packed at batch 1: read in place there.  At batch
		 * 5 too where oneDNN picks the same layout for B whatever the rows
		 * (AVX-512 brgemm, measured); a CPU where it would not refuses the
		 * record (counted) and reads the plain copy.
		 */
		if (batch == 1)
			assert_int_equal(s.packed_weights, 1);
		else
			assert_int_equal(s.packed_weights + s.packed_mismatches, 1);
		printf("# dyn batch %lld: record %s\n", (long long)batch, s.packed_weights ? "used in place" : "refused");
		assert_int_equal(s.private_packed_bytes, 0);
		assert_memory_equal(a, b, (size_t)batch * 32 * sizeof(float));
	}
	tcc_weights_close(w);
}

/*
 * Weights in ONNX external data are not read at all from a buffer: with the
 * data file gone the private load fails and the shared one still runs.
 */
static void external_data_is_not_read(void **state)
{
	const char *name = buffer_name("ext");
	tcc_weights *w = load_buffer(name, model("ext"));
	char data[512], moved[520];
	float a[2 * 32], b[2 * 32];

	NEED_MODELS();
	assert_int_equal(run_small(model("ext"), NULL, 2, a, NULL), TCC_OK);
	snprintf(data, sizeof(data), "%s/ext.data", models);
	snprintf(moved, sizeof(moved), "%s.away", data);
	assert_int_equal(rename(data, moved), 0);
	tcc_status priv = run_small(model("ext"), NULL, 2, b, NULL);
	tcc_status shared = run_small(model("ext"), name, 2, b, NULL);

	assert_int_equal(rename(moved, data), 0);
	assert_int_equal(priv, TCC_ERR_IO);
	assert_int_equal(shared, TCC_OK);
	assert_memory_equal(a, b, sizeof(a));
	tcc_weights_close(w);
}



static void loading_from_the_buffer_makes_no_private_copy(void **state)
{
	const char *name = buffer_name("rss");
	tcc_weights *w = load_buffer(name, model("mlp"));
	long long priv, shared;

	NEED_MODELS();
	priv = mlp_rss_growth(model("mlp"), NULL, NULL);
	shared = mlp_rss_growth(model("mlp"), name, NULL);
	printf("# RssAnon growth for %zu MiB of weights: private load %.1f MiB, from the buffer %.1f MiB\n",
	       MLP_WEIGHT_BYTES / MIB, priv / (double)MIB, shared / (double)MIB);
	assert_true(priv >= 0 && shared >= 0);
	/* The private load holds (at least) one copy; the shared one well under a quarter of it. */
	assert_true(priv >= (long long)(MLP_WEIGHT_BYTES * 3 / 4));
	assert_true(shared < (long long)(MLP_WEIGHT_BYTES / 4));
	tcc_weights_close(w);
}

int main(void)
{
	models = getenv("TCC_WEIGHTS_TEST_MODELS");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shared_buffer_gives_the_private_outputs),
		cmocka_unit_test(bn_folding_does_not_write_into_the_mapping),
		cmocka_unit_test(two_processes_run_from_one_buffer),
		cmocka_unit_test(a_buffer_of_another_model_is_a_clear_error),
		cmocka_unit_test(one_differing_value_is_caught_and_named),
		cmocka_unit_test(prepacking_privately_is_counted),
		cmocka_unit_test(gemm_with_alpha_and_bias_is_prepacked_privately),
		cmocka_unit_test(symbolic_model_specialises_from_the_buffer),
		cmocka_unit_test(external_data_is_not_read),
		cmocka_unit_test(loading_from_the_buffer_makes_no_private_copy),
	};

	return cmocka_run_group_tests_name("model_weights", tests, NULL, NULL);
}
