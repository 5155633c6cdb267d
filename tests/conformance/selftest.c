// SPDX-License-Identifier: MIT
/*
 * Self-test of the conformance harness: the comparison must fail where ONNX's
 * backend runner fails and the .npy/manifest readers must reject bad files,
 * or the suite's passes would mean nothing.  Needs no libtccml.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compare.h"
#include "known.h"
#include "manifest.h"
#include "npy.h"
#include "summary.h"

static char msg[512];

static int cmp_f32(const float *got, const float *want, size_t n)
{
	return compare_values(1, got, want, n, CONF_RTOL, CONF_ATOL, msg, sizeof(msg));
}

static void float_tolerance_is_atol_plus_rtol_times_expected(void **state)
{
	float want[] = { 1000.0f, 0.0f };
	float near[] = { 1000.9f, 0.0f };	/* |diff| 0.9 <= 1e-7 + 1e-3 * 1000 */
	float far[] = { 1001.2f, 0.0f };
	float off0[] = { 1000.0f, 1e-6f };	/* 1e-6 > atol 1e-7 around zero */
	assert_int_equal(cmp_f32(near, want, 2), 0);
	assert_int_equal(cmp_f32(far, want, 2), -1);
	assert_non_null(strstr(msg, "first at [0]"));
	assert_int_equal(cmp_f32(off0, want, 2), -1);
	assert_non_null(strstr(msg, "1 of 2 elements differ"));
}

static void nan_matches_only_nan_and_inf_only_the_same_inf(void **state)
{
	float want[] = { NAN, INFINITY, -INFINITY };
	float same[] = { NAN, INFINITY, -INFINITY };
	float nan_for_num[] = { 0.0f, INFINITY, -INFINITY };
	float wrong_inf[] = { NAN, -INFINITY, -INFINITY };
	float num_for_nan[] = { NAN, INFINITY, 1.0f };
	assert_int_equal(cmp_f32(same, want, 3), 0);
	assert_int_equal(cmp_f32(nan_for_num, want, 3), -1);
	assert_int_equal(cmp_f32(wrong_inf, want, 3), -1);
	assert_int_equal(cmp_f32(num_for_nan, want, 3), -1);
	float w1 = 1.0f, g_nan = NAN;
	assert_int_equal(cmp_f32(&g_nan, &w1, 1), -1);
}

static void integers_and_bools_compare_exactly(void **state)
{
	int64_t want[] = { 1000000, -5 }, off_by_one[] = { 1000001, -5 };
	assert_int_equal(compare_values(7, want, want, 2, CONF_RTOL, CONF_ATOL, msg, sizeof(msg)), 0);
	assert_int_equal(compare_values(7, off_by_one, want, 2, CONF_RTOL, CONF_ATOL, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "exact int64"));
	uint8_t b_want[] = { 1, 0 }, b_other_true[] = { 7, 0 }, b_wrong[] = { 0, 0 };
	assert_int_equal(compare_values(9, b_other_true, b_want, 2, 0, 0, msg, sizeof(msg)), 0);
	assert_int_equal(compare_values(9, b_wrong, b_want, 2, 0, 0, msg, sizeof(msg)), -1);
}

static void half_and_bfloat16_are_decoded(void **state)
{
	uint16_t h_one_and_half = 0x3e00, h_two = 0x4000;	/* 1.5, 2.0 as binary16 */
	uint16_t bf_one_and_half = 0x3fc0;			/* 1.5 as bfloat16 */
	assert_int_equal(compare_values(10, &h_one_and_half, &h_one_and_half, 1, 0, 0, msg, sizeof(msg)), 0);
	assert_int_equal(compare_values(10, &h_two, &h_one_and_half, 1, CONF_RTOL, CONF_ATOL, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "got 2 want 1.5"));
	uint16_t bf_two = 0x4000;
	assert_int_equal(compare_values(16, &bf_two, &bf_one_and_half, 1, CONF_RTOL, CONF_ATOL, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "got 2 want 1.5"));
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* An .npy file as numpy.save writes it (version 1.0, header padded to 64 bytes). */
static size_t make_npy(char *buf, const char *dict, const void *data, size_t nbytes)
{
	char hdr[128];
	int n = snprintf(hdr, sizeof(hdr), "%s", dict);
	while ((10 + n + 1) % 64)
		hdr[n++] = ' ';
	hdr[n++] = '\n';
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (char)(n & 0xff);
	buf[9] = (char)(n >> 8);
	memcpy(buf + 10, hdr, (size_t)n);
	memcpy(buf + 10 + n, data, nbytes);
	return 10 + (size_t)n + nbytes;
}

static void npy_reads_shape_dtype_and_data(void **state)
{
	char path[] = "/tmp/tcc-selftest-XXXXXX", buf[512], err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	float v[6] = { 1, 2, 3, 4, 5, 6 };
	struct npy_array a;

	write_file(path, buf, make_npy(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof(v)));
	assert_int_equal(npy_read(path, &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, 'f');
	assert_int_equal(a.itemsize, 4);
	assert_int_equal(a.rank, 2);
	assert_int_equal(a.dims[0], 2);
	assert_int_equal(a.dims[1], 3);
	assert_memory_equal(a.data, v, sizeof(v));
	npy_free(&a);

	write_file(path, buf, make_npy(buf, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }", v, 8));
	assert_int_equal(npy_read(path, &a, err, sizeof(err)), 0);	/* a scalar: rank 0, one element */
	assert_int_equal(a.rank, 0);
	assert_int_equal(a.count, 1);
	npy_free(&a);

	write_file(path, buf, make_npy(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, 8));
	assert_int_equal(npy_read(path, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated data"));
	write_file(path, buf, make_npy(buf, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", v, sizeof(v)));
	assert_int_equal(npy_read(path, &a, err, sizeof(err)), -1);
	write_file(path, buf, make_npy(buf, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof(v)));
	assert_int_equal(npy_read(path, &a, err, sizeof(err)), -1);
	write_file(path, "not numpy at all", 16);
	assert_int_equal(npy_read(path, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a .npy file"));
	unlink(path);
}

static void manifest_parses_tests_sets_and_skips_and_rejects_garbage(void **state)
{
	char path[] = "/tmp/tcc-selftest-XXXXXX", err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	const char *good = "test\tnode\ttest_add\t/d/model.onnx\nset\t0\nin\tx\t1\t/d/0/input_0.npy\n"
			   "in\ty\t1\t/d/0/input_1.npy\nout\tsum\t1\t/d/0/output_0.npy\n"
			   "skip\tnode\ttest_str\t'x' has string elements\n";
	write_file(path, good, strlen(good));
	struct manifest m;
	assert_int_equal(manifest_load(path, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n_tests, 2);
	assert_string_equal(m.tests[0].model, "/d/model.onnx");
	assert_int_equal(m.tests[0].n_sets, 1);
	assert_int_equal(m.tests[0].sets[0].n_in, 2);
	assert_string_equal(m.tests[0].sets[0].in[1].name, "y");
	assert_string_equal(m.tests[0].sets[0].out[0].name, "sum");
	assert_null(m.tests[1].model);
	assert_string_equal(m.tests[1].skip_reason, "'x' has string elements");
	manifest_free(&m);

	const char *orphan = "in\tx\t1\t/d/0/input_0.npy\n";	/* a tensor before any test */
	write_file(path, orphan, strlen(orphan));
	assert_int_equal(manifest_load(path, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: malformed"));
	unlink(path);
}

static int target_line(int node_pass, int conv_pass, int judge, int filtered, char *line, size_t len)
{
	struct totals tot = { .n_dirs = 2 };
	tot.dirs[0] = (struct dir_totals){ .dir = "node", .total = 932, .pass = node_pass };
	tot.dirs[1] = (struct dir_totals){ .dir = "pytorch-converted", .total = 82, .pass = conv_pass };
	FILE *f = fmemopen(line, len, "w");
	assert_non_null(f);
	int ok = print_target(&tot, 7, judge, filtered, f);
	fclose(f);
	return ok;
}

static void target_needs_500_node_passes_and_80_percent_converted(void **state)
{
	char line[256];
	assert_int_equal(target_line(500, 66, 1, 0, line, sizeof(line)), 1);	/* 66/82 = 80.5% */
	assert_string_equal(line, "ok 7 - conformance target: node 500/932 >= 500, pytorch-converted 80.5% >= 80%\n");
	assert_int_equal(target_line(499, 82, 1, 0, line, sizeof(line)), 0);
	assert_string_equal(line, "not ok 7 - conformance target: node 499/932 < 500, pytorch-converted 100.0% >= 80%\n");
	assert_int_equal(target_line(932, 65, 1, 0, line, sizeof(line)), 0);	/* 65/82 = 79.3% */
	assert_non_null(strstr(line, "not ok 7 - "));
	assert_non_null(strstr(line, "pytorch-converted 79.3% < 80%"));
}

static void target_off_or_filtered_is_a_skip_with_the_numbers(void **state)
{
	char line[256];
	assert_int_equal(target_line(10, 1, 0, 0, line, sizeof(line)), 1);
	assert_string_equal(line, "ok 7 - conformance target # SKIP TCC_CONFORMANCE_TARGET=0: node 10/932 "
				  "(target 500), pytorch-converted 1.2% (target 80%)\n");
	assert_int_equal(target_line(10, 1, 1, 1, line, sizeof(line)), 1);
	assert_non_null(strstr(line, "# SKIP filtered run: node 10/932"));
}

static void known_defect_needs_the_test_and_the_expected_reason(void **state)
{
	char path[] = "/tmp/tcc-selftest-XXXXXX", err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	const char *list = "# comment\nnode/test_x\tshape [1]\tthe data is wrong\n";
	write_file(path, list, strlen(list));
	struct known_list k;
	assert_int_equal(known_load(path, &k, err, sizeof(err)), 0);
	assert_int_equal(k.n, 1);
	assert_non_null(known_match(&k, "node/test_x", "output 'y': shape [1], expected [3]"));
	assert_null(known_match(&k, "node/test_x", "crashed with Segmentation fault during tcc_model_run"));
	assert_null(known_match(&k, "node/test_y", "output 'y': shape [1], expected [3]"));
	known_free(&k);
	const char *bad = "node/test_x only-one-field\n";
	write_file(path, bad, strlen(bad));
	assert_int_equal(known_load(path, &k, err, sizeof(err)), -1);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(float_tolerance_is_atol_plus_rtol_times_expected),
		cmocka_unit_test(nan_matches_only_nan_and_inf_only_the_same_inf),
		cmocka_unit_test(integers_and_bools_compare_exactly),
		cmocka_unit_test(half_and_bfloat16_are_decoded),
		cmocka_unit_test(npy_reads_shape_dtype_and_data),
		cmocka_unit_test(manifest_parses_tests_sets_and_skips_and_rejects_garbage),
		cmocka_unit_test(target_needs_500_node_passes_and_80_percent_converted),
		cmocka_unit_test(target_off_or_filtered_is_a_skip_with_the_numbers),
		cmocka_unit_test(known_defect_needs_the_test_and_the_expected_reason),
	};
	return cmocka_run_group_tests_name("conformance harness", tests, NULL, NULL);
}
