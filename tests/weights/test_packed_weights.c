// SPDX-License-Identifier: MIT
/*
 * Pre-packed weight records: tcc_weights_load_onnx() also stores, for every
 * MatMul/Gemm weight, the bytes oneDNN prepacked for this CPU and oneDNN
 * ("NAME@packed", with a fingerprint of their layout).  A model run from the
 * buffer uses them in place: outputs bit-identical to a private load, no
 * private copy of the weights, and a record whose fingerprint does not match
 * this process is refused, counted, and the plain initializer used instead.
 *
 * Models: tests/weights/make_models.py in $TCC_WEIGHTS_TEST_MODELS (run.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tcc/weights.h>

#include "mlp_rss.h"
#include "packed_records.h"

static const char *models;

static const char *mlp(void)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/mlp.onnx", models);
	return buf;
}

static const char *buffer_name(const char *what)
{
	return test_buffer_name("pw", what);
}

static tcc_weights *load_buffer_keep(const char *name, int keep_plain)
{
	return load_model_buffer(name, mlp(), keep_plain);
}

static tcc_weights *load_buffer(const char *name)
{
	return load_buffer_keep(name, 0);
}

/* A loaded model on the MLP and its input, run @iters times; ms per run in *@ms. */
typedef struct run_result {
	tcc_status st;
	tcc_model_weights_stats stats;
	double ms;
} run_result;

static run_result run_mlp(const char *weights, float *y, int iters)
{
	tcc_options o = { .threads = 1, .opt_level = 1, .weights = weights };
	static float x[4 * 2048];
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 4, 2048 }, .data = x, .nbytes = sizeof(x) };
	tcc_tensor out = { .data = y, .nbytes = MLP_OUT * sizeof(float) };
	run_result r = { 0 };
	struct timespec a, b;
	tcc_model *m;

	for (size_t i = 0; i < 4 * 2048; i++)
		x[i] = (float)((i * 7919) % 2000) / 1000.0f - 1.0f;
	r.st = tcc_model_load(&m, mlp(), &o);
	if (r.st)
		return r;
	assert_int_equal(tcc_model_weights_stats_get(m, &r.stats), TCC_OK);
	r.st = tcc_model_run(m, &in, 1, &out, 1);	/* warm-up */
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 1; i < iters && !r.st; i++)
		r.st = tcc_model_run(m, &in, 1, &out, 1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	r.ms = iters > 1 ? ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6) / (iters - 1) : 0;
	tcc_model_free(m);
	return r;
}

static void packing_adds_a_record_per_matmul_weight(void **state)
{
	const char *name = buffer_name("recs");
	tcc_weights *w;
	const void *img;
	tcc_weights_info info;
	size_t n, packed = 0;

	NEED_MODELS();
	w = load_buffer(name);
	assert_int_equal(tcc_weights_map(w, &img), TCC_OK);
	assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
	assert_int_equal(tcc_weights_image_count(img, info.size, &n), TCC_OK);
	for (size_t i = 0; i < n; i++) {
		tcc_weights_record r;

		assert_int_equal(tcc_weights_image_at(img, info.size, i, &r), TCC_OK);
		if (!is_packed(r.name))
			continue;
		packed++;
		assert_true(((uintptr_t)r.data & 63) == 0);	/* oneDNN's AVX-512 loads */
		assert_true(r.nbytes > 64);
	}
	printf("# %zu records, %zu of them packed\n", n, packed);
	assert_int_equal(packed, 3);	/* the MLP's three MatMul weights */
	tcc_weights_close(w);
}

static void packed_records_are_used_in_place_with_the_private_outputs(void **state)
{
	const char *name = buffer_name("use");
	static float a[MLP_OUT], b[MLP_OUT];
	tcc_weights *w;
	run_result rp, rs;

	NEED_MODELS();
	w = load_buffer(name);
	tcc_weights_packed_usage before = usage(name);

	rp = run_mlp(NULL, a, 20);
	rs = run_mlp(name, b, 20);
	assert_int_equal(rp.st, TCC_OK);
	assert_int_equal(rs.st, TCC_OK);
	tcc_weights_packed_usage after = usage(name);

	printf("# batch 4, 1 thread: private %.3f ms, packed records in place %.3f ms (%.2fx)\n", rp.ms, rs.ms,
	       rp.ms > 0 ? rs.ms / rp.ms : 0);
	assert_int_equal(after.used - before.used, 3);
	assert_int_equal(after.mismatched - before.mismatched, 0);
	assert_int_equal(rs.stats.private_packed_bytes, 0);
	assert_true(rs.stats.in_place_weights >= 3);
	assert_int_equal(rs.stats.packed_weights, 3);
	assert_int_equal(rs.stats.packed_mismatches, 0);
	/* The same bytes through the same primitive: bit-identical. */
	assert_memory_equal(a, b, sizeof(a));
	tcc_weights_close(w);
}

/*
 * The MLP from a buffer (@keep_plain: with plain copies) whose records all
 * claim another layout, into @b, and privately into @a; the buffer's usage.
 */
static run_result run_foreign(int keep_plain, float *a, float *b, tcc_weights_packed_usage *u)
{
	const char *name = buffer_name(keep_plain ? "good-keep" : "good"),
		   *fname = buffer_name(keep_plain ? "foreign-keep" : "foreign");
	tcc_weights *w = load_buffer_keep(name, keep_plain), *f = with_foreign_fingerprints(w, fname);
	run_result rp = run_mlp(NULL, a, 1), rs = run_mlp(fname, b, 1);

	assert_int_equal(rp.st, TCC_OK);
	assert_int_equal(rs.st, TCC_OK);
	*u = usage(fname);
	tcc_weights_close(f);
	tcc_weights_close(w);
	return rs;
}

/* With plain copies kept: a record for another layout is refused and the plain initializer read in place. */
static void a_foreign_fingerprint_falls_back_to_the_plain_weights(void **state)
{
	static float a[MLP_OUT], b[MLP_OUT];
	tcc_weights_packed_usage u;
	run_result rs;

	NEED_MODELS();
	rs = run_foreign(1, a, b, &u);
	assert_int_equal(u.used, 0);
	assert_int_equal(u.mismatched, 3);
	assert_int_equal(rs.stats.private_fallback, 0);
	assert_int_equal(rs.stats.packed_weights, 0);
	assert_int_equal(rs.stats.packed_mismatches, 3);
	/* The plain initializers read in place as a run-time B. */
	assert_true(rs.stats.in_place_weights >= 3);
	float md = max_rel_diff(a, b, MLP_OUT);

	printf("# foreign fingerprint, plain copies kept: plain path, max rel diff to private %.3g\n", md);
	assert_true(md < 1e-4f);
}

/* Without plain copies (the default): a record for another layout means a private load of the model. */
static void a_foreign_fingerprint_without_plain_copies_loads_privately(void **state)
{
	static float a[MLP_OUT], b[MLP_OUT];
	tcc_weights_packed_usage u;
	run_result rs;

	NEED_MODELS();
	rs = run_foreign(0, a, b, &u);
	assert_int_equal(u.used, 0);
	assert_true(u.mismatched >= 1);		/* the first refusal is enough to give up */
	assert_int_equal(rs.stats.private_fallback, 1);
	assert_int_equal(rs.stats.borrowed_tensors, 0);
	/* It is the private load, kernels and all. */
	assert_memory_equal(a, b, sizeof(a));
}

/* Other options (opt level 0: no oneDNN, plain reference kernels) need the plain values: private load. */
static void options_that_need_plain_values_load_privately(void **state)
{
	const char *name = buffer_name("o0");
	static float a[MLP_OUT], b[MLP_OUT];
	static float x[4 * 2048];
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 4, 2048 }, .data = x, .nbytes = sizeof(x) };
	tcc_tensor out = { .nbytes = sizeof(a) };
	tcc_model_weights_stats s;
	tcc_weights *w;
	tcc_model *m;

	NEED_MODELS();
	w = load_buffer(name);
	/* The model's bytes in memory, for tcc_model_load_buffer()'s fallback. */
	FILE *f = fopen(mlp(), "rb");
	size_t len = 0;
	char *bytes = NULL;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = (size_t)ftell(f);
	rewind(f);
	bytes = malloc(len);
	assert_non_null(bytes);
	assert_int_equal(fread(bytes, 1, len, f), len);
	fclose(f);
	/* 0: private; 1: from the buffer, by path; 2: from the buffer, from memory. */
	for (int k = 0; k < 3; k++) {
		tcc_options o = { .threads = 1, .opt_level = 0, .weights = k ? name : NULL };

		out.data = k ? b : a;
		assert_int_equal(k == 2 ? tcc_model_load_buffer(&m, bytes, len, &o) : tcc_model_load(&m, mlp(), &o),
				 TCC_OK);
		assert_int_equal(tcc_model_weights_stats_get(m, &s), TCC_OK);
		assert_int_equal(s.private_fallback, k != 0);
		assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
		tcc_model_free(m);
		if (k)
			assert_memory_equal(a, b, sizeof(a));
	}
	free(bytes);
	tcc_weights_close(w);
}

/* Without plain copies the file is still checked against the records' headers (dims, value digest). */
static void a_buffer_of_another_model_version_is_still_refused(void **state)
{
	const char *name = buffer_name("tiny");
	char path[512], other[512];
	static float x[4], y[4];
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 1, 4 }, .data = x, .nbytes = sizeof(x) };
	tcc_tensor out = { .data = y, .nbytes = 3 * sizeof(float) };
	tcc_weights_info info;
	tcc_weights_record r;
	const void *img;
	tcc_weights *w = NULL;
	tcc_model *m;

	NEED_MODELS();
	snprintf(path, sizeof(path), "%s/tiny.onnx", models);
	assert_int_equal(tcc_weights_load_onnx(&w, name, path, NULL), TCC_OK);
	assert_int_equal(tcc_weights_map(w, &img), TCC_OK);
	assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
	assert_int_equal(tcc_weights_image_find(img, info.size, "W", &r), TCC_ERR_NOT_FOUND);
	tcc_options o = { .threads = 1, .opt_level = 1, .weights = name };

	assert_int_equal(tcc_model_load(&m, path, &o), TCC_OK);
	assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
	tcc_model_free(m);
	/* Same names and shapes, other values in W: caught by the digest. */
	snprintf(other, sizeof(other), "%s/tiny_stale.onnx", models);
	assert_int_equal(tcc_model_load(&m, other, &o), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "other values"));
	/* Other shapes. */
	snprintf(other, sizeof(other), "%s/tiny_other.onnx", models);
	assert_int_equal(tcc_model_load(&m, other, &o), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "the model has float32[4,4], the weight buffer float32[4,3]"));
	tcc_weights_close(w);
}

/*
 * tcc_weights_options.bf16: records for workers that run in bf16, half the
 * size; such a worker reads them in place and computes what a private bf16
 * load computes.  Skipped on a CPU without native bf16.
 */
static void a_bf16_buffer_serves_bf16_workers_at_half_the_size(void **state)
{
	const char *name = buffer_name("bf16");
	static float x[4 * 2048], a[MLP_OUT], b[MLP_OUT];
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 4, 2048 }, .data = x, .nbytes = sizeof(x) };
	tcc_tensor out = { .nbytes = sizeof(a) };
	tcc_weights_options wo = { .bf16 = 1 };
	tcc_model_weights_stats s;
	tcc_weights_info info;
	tcc_weights *w = NULL;
	tcc_model *m;

	NEED_MODELS();
	for (size_t i = 0; i < 4 * 2048; i++)
		x[i] = (float)((i * 7919) % 2000) / 1000.0f - 1.0f;
	for (int k = 0; k < 2; k++) {
		tcc_options o = { .threads = 1, .opt_level = 1, .bf16 = 1, .weights = k ? name : NULL };

		if (k) {
			assert_int_equal(tcc_weights_load_onnx(&w, name, mlp(), &wo), TCC_OK);
			assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
		}
		out.data = k ? b : a;
		assert_int_equal(tcc_model_load(&m, mlp(), &o), TCC_OK);
		if (tcc_model_bf16_ops(m) == 0) {	/* no native bf16: nothing to test */
			tcc_model_free(m);
			tcc_weights_close(w);
			skip();
		}
		assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
		assert_int_equal(tcc_model_weights_stats_get(m, &s), TCC_OK);
		tcc_model_free(m);
	}
	printf("# bf16 buffer for %.1f MiB of float32 weights: %.1f MiB\n", MLP_WEIGHT_BYTES / (double)MIB,
	       info.size / (double)MIB);
	assert_true(info.size < MLP_WEIGHT_BYTES * 0.55);
	assert_int_equal(s.private_fallback, 0);
	assert_int_equal(s.packed_weights, 3);
	assert_int_equal(s.private_packed_bytes, 0);
	assert_memory_equal(a, b, sizeof(a));	/* the same bf16 bytes through the same primitives */
	tcc_weights_close(w);
}

/* The default buffer is one copy of the weights: packed MatMul weights, plain biases, no plain W. */
static void the_buffer_holds_one_copy_of_the_weights(void **state)
{
	const char *name = buffer_name("one"), *kname = buffer_name("keep");
	tcc_weights_info info, kinfo;
	tcc_weights_record r;
	const void *img;
	tcc_weights *w, *k;

	NEED_MODELS();
	w = load_buffer(name);
	k = load_buffer_keep(kname, 1);
	assert_int_equal(tcc_weights_map(w, &img), TCC_OK);
	assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
	assert_int_equal(tcc_weights_info_get(k, &kinfo), TCC_OK);
	assert_int_equal(tcc_weights_image_find(img, info.size, "W1", &r), TCC_ERR_NOT_FOUND);
	assert_int_equal(tcc_weights_image_find(img, info.size, "W1" SUFFIX, &r), TCC_OK);
	assert_int_equal(tcc_weights_image_find(img, info.size, "B1", &r), TCC_OK);
	printf("# buffer for %.1f MiB of weights: %.1f MiB, with plain copies kept %.1f MiB\n",
	       MLP_WEIGHT_BYTES / (double)MIB, info.size / (double)MIB, kinfo.size / (double)MIB);
	assert_true(info.size < MLP_WEIGHT_BYTES * 1.1);
	assert_true(kinfo.size > MLP_WEIGHT_BYTES * 1.9);
	tcc_weights_close(k);
	tcc_weights_close(w);
}

static void packed_records_make_no_private_copy(void **state)
{
	const char *name = buffer_name("rss");
	tcc_weights *w;
	long long priv, shared, used = -1;

	NEED_MODELS();
	w = load_buffer(name);
	priv = mlp_rss_growth(mlp(), NULL, NULL);
	shared = mlp_rss_growth(mlp(), name, &used);
	assert_int_equal(used, 3);	/* the packed path was taken in the child */
	printf("# RssAnon growth for %zu MiB of weights: private load %.1f MiB, packed records in place %.1f MiB\n",
	       MLP_WEIGHT_BYTES / MIB, priv / (double)MIB, shared / (double)MIB);
	assert_true(priv >= (long long)(MLP_WEIGHT_BYTES * 3 / 4));
	assert_true(shared >= 0 && shared < (long long)(MLP_WEIGHT_BYTES / 8));
	tcc_weights_close(w);
}

/*
 * A server packs the buffer, then forks its workers: packing must not leave
 * an OpenMP thread pool behind (GNU OpenMP's does not survive fork(), the
 * child would hang in its first parallel region).  Run in a fresh process
 * (this binary re-executed), whose thread settings no earlier case touched:
 * it packs, forks a worker on every CPU that must finish and, on this same
 * CPU, still find the packed records' layout.  Exit status 0 when it did.
 */
static int pack_then_fork(void)
{
	const char *name = buffer_name("fork");
	tcc_weights *w = NULL;
	int status;

	if (tcc_weights_load_onnx(&w, name, mlp(), NULL) != TCC_OK)
		return 10;
	fflush(stdout);
	pid_t pid = fork();

	if (pid == 0) {
		static float x[4 * 2048], y[MLP_OUT];
		tcc_options o = { .threads = 0, .opt_level = 1, .weights = name };
		tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 4, 2048 }, .data = x, .nbytes = sizeof(x) };
		tcc_tensor out = { .data = y, .nbytes = sizeof(y) };
		tcc_weights_packed_usage u = { 0 };
		tcc_model *m;

		alarm(60);	/* a hang fails the case instead of the suite's timeout */
		if (tcc_model_load(&m, mlp(), &o) != TCC_OK || tcc_model_run(m, &in, 1, &out, 1) != TCC_OK)
			_exit(11);
		tcc_weights_packed_usage_get(name, &u);
		printf("# forked worker on all CPUs: %zu packed records used, %zu refused\n", u.used, u.mismatched);
		fflush(stdout);
		_exit(u.used + u.mismatched == 3 ? 0 : 12);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 13;
	tcc_weights_close(w);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 14;
}

static void workers_forked_after_packing_run_on_all_cpus(void **state)
{
	int status;

	NEED_MODELS();
	fflush(stdout);
	pid_t pid = fork();

	if (pid == 0) {
		execl("/proc/self/exe", "test_packed_weights", "--pack-then-fork", (char *)NULL);
		_exit(20);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(packing_adds_a_record_per_matmul_weight),
		cmocka_unit_test(packed_records_are_used_in_place_with_the_private_outputs),
		cmocka_unit_test(a_foreign_fingerprint_falls_back_to_the_plain_weights),
		cmocka_unit_test(a_foreign_fingerprint_without_plain_copies_loads_privately),
		cmocka_unit_test(options_that_need_plain_values_load_privately),
		cmocka_unit_test(the_buffer_holds_one_copy_of_the_weights),
		cmocka_unit_test(a_bf16_buffer_serves_bf16_workers_at_half_the_size),
		cmocka_unit_test(a_buffer_of_another_model_version_is_still_refused),
		cmocka_unit_test(packed_records_make_no_private_copy),
		cmocka_unit_test(workers_forked_after_packing_run_on_all_cpus),
	};

	models = getenv("TCC_WEIGHTS_TEST_MODELS");
	if (argc == 2 && !strcmp(argv[1], "--pack-then-fork"))
		return models ? pack_then_fork() : 1;
	return cmocka_run_group_tests_name("packed_weights", tests, NULL, NULL);
}
