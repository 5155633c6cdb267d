// SPDX-License-Identifier: MIT
/*
 * The public model API on small models written by gen_models.py (directory
 * in $TCC_TEST_MODELS): loader errors name what is wrong, bad files never
 * crash, inputs are read and outputs written in place, symbolic and
 * run-time shapes work.
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

#include <tcc/model.h>
#include "codegen/jit.h"
#include "runtime/runtime.h"

static char dir[1024];

static const char *path(const char *name)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void *slurp(const char *name, size_t *len)
{
	FILE *f = fopen(path(name), "rb");
	void *p;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(*len);
	assert_int_equal(fread(p, 1, *len, f), *len);
	fclose(f);
	return p;
}

static void expect_load_error(const char *name, tcc_status want, const char *msg_part)
{
	tcc_model *m = (tcc_model *)0x1;

	assert_int_equal(tcc_model_load(&m, path(name), NULL), want);
	assert_null(m);
	if (!strstr(tcc_last_error(), msg_part))
		fail_msg("%s: message '%s' lacks '%s'", name, tcc_last_error(), msg_part);
}

static void load_errors_name_the_problem(void **state)
{
	expect_load_error("unknown_op.onnx", TCC_ERR_UNSUPPORTED, "node 'fancy1' (FancyOp): operator not supported");
	expect_load_error("unknown_domain.onnx", TCC_ERR_UNSUPPORTED, "domain 'com.example'");
	expect_load_error("opset_too_new.onnx", TCC_ERR_UNSUPPORTED, "opset 99");
	expect_load_error("bad_perm.onnx", TCC_ERR_INVALID_ARG, "node 'tr' (Transpose)");
	expect_load_error("undefined_input.onnx", TCC_ERR_PARSE, "input 'nope'");
	expect_load_error("raw_short.onnx", TCC_ERR_PARSE, "raw_data has 10 bytes, dims need 24");
	expect_load_error("ext_escape.onnx", TCC_ERR_PARSE, "bad external data location");
	expect_load_error("ext_short.onnx", TCC_ERR_PARSE, "too short");
	expect_load_error("does_not_exist.onnx", TCC_ERR_NOT_FOUND, "does_not_exist.onnx");
	expect_load_error("huge_shape.onnx", TCC_ERR_INVALID_ARG, "node 'cos' (ConstantOfShape): output 0 has too many elements");
}

static void garbage_and_truncated_files_fail_cleanly(void **state)
{
	size_t len;
	unsigned char *good = slurp("add.onnx", &len);
	unsigned char junk[256];
	tcc_model *m;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	assert_int_equal(tcc_model_load_buffer(&m, junk, sizeof(junk), NULL), TCC_ERR_PARSE);
	assert_non_null(strstr(tcc_last_error(), "not a valid ONNX model"));
	assert_int_equal(tcc_model_load_buffer(&m, good, 0, NULL), TCC_ERR_PARSE);
	/* Every truncation either fails with a message or (cut at a field edge) loads a valid model. */
	for (size_t n = 1; n < len; n++) {
		tcc_status st = tcc_model_load_buffer(&m, good, n, NULL);

		if (st == TCC_OK)
			tcc_model_free(m);
		else
			assert_true(strlen(tcc_last_error()) > 0);
	}
	/* Deterministic byte flips: no crash, no leak of half-built models. */
	for (size_t i = 0; i < len; i += 3) {
		unsigned char *p = malloc(len);

		memcpy(p, good, len);
		p[i] ^= (unsigned char)(0x5a + i);
		if (tcc_model_load_buffer(&m, p, len, NULL) == TCC_OK) {
			float x[6] = { 0 };
			tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 2, 3 }, .data = x };
			tcc_tensor out[4] = { { 0 } };
			int no = tcc_model_num_outputs(m);

			if (tcc_model_num_inputs(m) == 1 && no <= 4 &&
			    tcc_model_run(m, &in, 1, out, no) == TCC_OK)
				for (int k = 0; k < no; k++)
					tcc_free(out[k].data);
			tcc_model_free(m);
		}
		free(p);
	}
	free(good);
}

static void runs_in_place_on_caller_buffers(void **state)
{
	tcc_model *m;
	tcc_tensor_info info;
	float x[6] = { 1, 2, 3, 4, 5, 6 }, y[6] = { 0 };
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 2, 3 }, .data = x, .nbytes = sizeof(x) };
	tcc_tensor out = { .data = y, .nbytes = sizeof(y) };

	assert_int_equal(tcc_model_load(&m, path("add.onnx"), NULL), TCC_OK);
	assert_int_equal(tcc_model_num_inputs(m), 1);
	assert_int_equal(tcc_model_input_info(m, 0, &info), TCC_OK);
	assert_string_equal(info.name, "x");
	assert_int_equal(info.dtype, TCC_F32);
	assert_int_equal(info.dims[1], 3);
	assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
	assert_ptr_equal(out.data, y);
	for (int i = 0; i < 6; i++)
		assert_float_equal(y[i], x[i] + i, 0);
	assert_int_equal(out.rank, 2);
	assert_int_equal(out.dims[0], 2);
	/* tcc allocates when data is NULL */
	tcc_tensor out2 = { 0 };

	assert_int_equal(tcc_model_run(m, &in, 1, &out2, 1), TCC_OK);
	assert_non_null(out2.data);
	assert_memory_equal(out2.data, y, sizeof(y));
	tcc_free(out2.data);
	/* wrong shapes, dtypes, sizes: clear errors */
	tcc_tensor small = { .data = y, .nbytes = 8 };

	assert_int_equal(tcc_model_run(m, &in, 1, &small, 1), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "buffer of 8 bytes"));
	in.dims[1] = 4;
	assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "input 'x': dim 1 is 4"));
	in.dims[1] = 3;
	in.dtype = TCC_I32;
	assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_model_run(m, &in, 2, &out, 1), TCC_ERR_INVALID_ARG);
	tcc_model_free(m);
}

/*
 * tcc_options.bf16: the MatMul computes in bfloat16 where the CPU has it
 * (tcc_model_bf16_ops() says so) within bf16's precision of float32, and
 * stays float32, bit for bit, where it does not.
 */
static void bf16_option_runs_matmul_in_bfloat16_where_the_cpu_has_it(void **state)
{
	float x[4 * 64], a[4 * 32], b[4 * 32], scale = 0, diff = 0;
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 4, 64 }, .data = x, .nbytes = sizeof(x) };
	tcc_tensor out = { .nbytes = sizeof(a) };
	tcc_model *m;

	for (int i = 0; i < 4 * 64; i++)
		x[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
	for (int k = 0; k < 2; k++) {
		tcc_options o = { .threads = 1, .opt_level = 1, .bf16 = k };

		assert_int_equal(tcc_model_load(&m, path("matmul.onnx"), &o), TCC_OK);
		out.data = k ? b : a;
		assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
		int ops = tcc_model_bf16_ops(m);

		tcc_model_free(m);
		if (!k) {
			assert_int_equal(ops, 0);
			continue;
		}
		for (int i = 0; i < 4 * 32; i++) {
			scale = fmaxf(scale, fabsf(a[i]));
			diff = fmaxf(diff, fabsf(a[i] - b[i]));
		}
		print_message("# bf16: %d op(s), max |bf16 - f32| / max |f32| = %.2e\n", ops, diff / scale);
		if (ops == 0) {	/* no native bf16: float32, the same kernels */
			assert_memory_equal(a, b, sizeof(a));
		} else {
			assert_int_equal(ops, 1);
			assert_true(diff > 0);		/* it really ran in bf16 */
			assert_true(diff / scale < 2e-2f);
		}
	}
}

static void external_data_is_read_relative_to_the_model(void **state)
{
	tcc_model *m;
	float x[6] = { 0 }, y[6];
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 2, 3 }, .data = x };
	tcc_tensor out = { .data = y, .nbytes = sizeof(y) };

	assert_int_equal(tcc_model_load(&m, path("ext_ok.onnx"), NULL), TCC_OK);
	assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
	for (int i = 0; i < 6; i++)
		assert_float_equal(y[i], (float)i, 0);
	tcc_model_free(m);
	/* from a buffer there is no directory: refused, not guessed */
	size_t len;
	void *buf = slurp("ext_ok.onnx", &len);

	assert_int_equal(tcc_model_load_buffer(&m, buf, len, NULL), TCC_ERR_UNSUPPORTED);
	free(buf);
}

static void symbolic_batch_takes_any_size(void **state)
{
	tcc_model *m;
	tcc_tensor_info info;

	assert_int_equal(tcc_model_load(&m, path("symbolic.onnx"), NULL), TCC_OK);
	assert_int_equal(tcc_model_input_info(m, 0, &info), TCC_OK);
	assert_true(info.dims[0] < 0);
	assert_string_equal(info.dim_params[0], "N");
	for (int n = 1; n <= 5; n += 4) {
		float x[20], y[20];
		tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { n, 4 }, .data = x };
		tcc_tensor out = { .data = y, .nbytes = sizeof(y) };

		for (int i = 0; i < n * 4; i++)
			x[i] = (float)(i - 6);
		assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
		assert_int_equal(out.dims[0], n);
		for (int i = 0; i < n * 4; i++)
			assert_float_equal(y[i], x[i] > 0 ? 2 * x[i] : 0, 0);
	}
	/* each shape got a static specialisation: no run-time inference left in it */
	for (int i = 0; i < TCC_SPEC_SLOTS; i++) {
		assert_non_null(m->spec[i].m);
		assert_int_equal(m->spec[i].m->stats.dynamic_nodes, 0);
	}
	assert_true(m->spec[0].m->spec_src == NULL);
	tcc_model_free(m);
}

static void shape_from_an_input_is_resolved_at_run_time(void **state)
{
	tcc_model *m;
	float x[12], *y;
	int64_t shape[2] = { 3, -1 };
	tcc_tensor in[2] = {
		{ .dtype = TCC_F32, .rank = 2, .dims = { 2, 6 }, .data = x },
		{ .dtype = TCC_I64, .rank = 1, .dims = { 2 }, .data = shape },
	};
	tcc_tensor out = { 0 };

	for (int i = 0; i < 12; i++)
		x[i] = (float)i;
	assert_int_equal(tcc_model_load(&m, path("dyn_reshape.onnx"), NULL), TCC_OK);
	assert_int_equal(tcc_model_run(m, in, 2, &out, 1), TCC_OK);
	assert_int_equal(out.rank, 2);
	assert_int_equal(out.dims[0], 3);
	assert_int_equal(out.dims[1], 4);
	y = out.data;
	assert_float_equal(y[11], 11, 0);
	tcc_free(out.data);
	shape[1] = 5;		/* 15 elements from 12 */
	out.data = NULL;
	assert_int_equal(tcc_model_run(m, in, 2, &out, 1), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "(Reshape)"));
	assert_null(out.data);
	tcc_model_free(m);
}

static void arena_reuses_intermediate_buffers(void **state)
{
	tcc_model *m;

	tcc_options o = { .opt_level = 0 };	/* no fusion: every intermediate is materialised */

	/* 5 intermediates of 1 KiB in a chain: two buffers suffice */
	assert_int_equal(tcc_model_load(&m, path("chain.onnx"), &o), TCC_OK);
	assert_int_equal(tcc_model_arena_bytes(m), 2048);
	tcc_model_free(m);
}

static void run_gelu(tcc_model *m, float *y)
{
	float x[132];
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 4, 33 }, .data = x };
	tcc_tensor out = { .data = y, .nbytes = 132 * sizeof(float) };

	for (int i = 0; i < 132; i++)
		x[i] = (float)(i - 66) / 16.0f;
	assert_int_equal(tcc_model_run(m, &in, 1, &out, 1), TCC_OK);
}

static void pointwise_chain_becomes_one_cached_kernel(void **state)
{
	char cache[] = "/tmp/tcc-test-cache-XXXXXX";
	tcc_options fuse = { .opt_level = 1, .cache_dir = mkdtemp(cache) }, ref = { .opt_level = 0 };
	tcc_jit_stats s0, s1, s2;
	tcc_model *m, *r;
	float y[132], yr[132];

	assert_non_null(fuse.cache_dir);
	tcc_jit_get_stats(&s0);
	assert_int_equal(tcc_model_load(&m, path("gelu_tanh.onnx"), &fuse), TCC_OK);
	tcc_jit_get_stats(&s1);
	assert_int_equal(m->stats.fused_kernels, 1);
	assert_int_equal(m->stats.fused_nodes, 8);
	assert_int_equal(s1.compiles, s0.compiles + 1);
	assert_int_equal(tcc_model_load(&r, path("gelu_tanh.onnx"), &ref), TCC_OK);
	assert_int_equal(r->stats.fused_kernels, 0);
	run_gelu(m, y);
	run_gelu(r, yr);
	for (int i = 0; i < 132; i++)
		assert_float_equal(y[i], yr[i], 1e-6 + 1e-6 * (yr[i] < 0 ? -yr[i] : yr[i]));
	tcc_model_free(m);
	tcc_model_free(r);
	/* the second load is a cache hit: no compiler */
	assert_int_equal(tcc_model_load(&m, path("gelu_tanh.onnx"), &fuse), TCC_OK);
	tcc_jit_get_stats(&s2);
	assert_int_equal(s2.compiles, s1.compiles);
	assert_int_equal(s2.cache_hits, s1.cache_hits + 1);
	tcc_model_free(m);
	/* single-op models (the conformance case) never invoke it either */
	assert_int_equal(tcc_model_load(&m, path("add.onnx"), &fuse), TCC_OK);
	tcc_jit_get_stats(&s1);
	assert_int_equal(s1.compiles, s2.compiles);
	assert_int_equal(s1.cache_hits, s2.cache_hits);
	tcc_model_free(m);
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const char *d = getenv("TCC_TEST_MODELS");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load_errors_name_the_problem),
		cmocka_unit_test(garbage_and_truncated_files_fail_cleanly),
		cmocka_unit_test(runs_in_place_on_caller_buffers),
		cmocka_unit_test(bf16_option_runs_matmul_in_bfloat16_where_the_cpu_has_it),
		cmocka_unit_test(external_data_is_read_relative_to_the_model),
		cmocka_unit_test(symbolic_batch_takes_any_size),
		cmocka_unit_test(shape_from_an_input_is_resolved_at_run_time),
		cmocka_unit_test(arena_reuses_intermediate_buffers),
		cmocka_unit_test(pointwise_chain_becomes_one_cached_kernel),
	};

	snprintf(dir, sizeof(dir), "%s", d ? d : "build/tests/compiler/models");
	return cmocka_run_group_tests_name("model API", tests, NULL, NULL);
}
