// SPDX-License-Identifier: GPL-2.0
/*
 * A model run from a tcc.ko weight buffer, end to end in the guest:
 * `tccctl weights load --onnx` packs the model's weights into a module
 * buffer (2 MiB folios), its MatMul weight stored pre-packed only, and
 * `tcc-run --weights` reads it in place through a PMD mapping and gets the
 * private run's outputs bit for bit.  Both tools are the dynamic builds
 * (libtccml's model runtime needs libdnnl, which has no static archive),
 * put in the guest by tests/kmod/run.sh.  The model travels as bytes
 * (mlp_onnx.h, tests/exec/gen_models.py): the guest has no Python.
 */
#include "kselftest_harness.h"
#include "tcc_test_util.h"
#include "mlp_onnx.h"	/* exec_mlp_onnx[] */

#define MODEL "/tmp/mw_mlp.onnx"
#define RUN "/bin/tcc-run"

/* Whole files @a and @b are equal (and non-empty). */
static int same_file(const char *a, const char *b)
{
	char x[4096], y[4096];
	FILE *f = fopen(a, "re"), *g = fopen(b, "re");
	size_t n = 0, m = 0;

	if (f)
		n = fread(x, 1, sizeof(x), f);
	if (g)
		m = fread(y, 1, sizeof(y), g);
	if (f)
		fclose(f);
	if (g)
		fclose(g);
	return n > 0 && n == m && !memcmp(x, y, n);
}

TEST(model_runs_in_place_from_a_module_buffer)
{
	char out[8192];
	const char *line;
	size_t huge = 0, records = 0;

	if (access(RUN, X_OK) || access("/bin/tccctl", X_OK))
		SKIP(return, "no /bin/tcc-run or /bin/tccctl in the guest");
	ASSERT_EQ(0, tcc_write_model(MODEL, exec_mlp_onnx, sizeof(exec_mlp_onnx)));
	setenv("TCC_CACHE_DIR", "/tmp/tcc-cache", 1);
	ASSERT_EQ(0, tcc_run_tccctl("weights load mw " MODEL " --onnx --resident", out, sizeof(out)))
		TH_LOG("%s", out);
	/* One 2 MiB folio holds the whole (small) buffer. */
	EXPECT_NE(NULL, strstr(out, "1 huge chunks")) TH_LOG("%s", out);
	ASSERT_EQ(0, tcc_run_cmd(RUN " " MODEL " --weights mw --verbose --seed 3 --output-dir /tmp/mw-shared 2>&1",
				 out, sizeof(out)))
		TH_LOG("%s", out);
	line = strstr(out, "tcc-run: weight buffer mw:");
	ASSERT_NE(NULL, line) TH_LOG("%s", out);
	ASSERT_EQ(2, sscanf(line, "tcc-run: weight buffer mw: %*u tensors (%*u bytes) read in place, %zu weights "
			    "from pre-packed records; %zu bytes", &records, &huge))
		TH_LOG("%s", line);
	EXPECT_EQ(1, records);		/* W, read by the MatMul in oneDNN's layout */
	EXPECT_GT(huge, 0) TH_LOG("the buffer was not mapped with 2 MiB pages: %s", line);
	ASSERT_EQ(0, tcc_run_cmd(RUN " " MODEL " --seed 3 --output-dir /tmp/mw-private 2>&1", out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_TRUE(same_file("/tmp/mw-shared/Y.npy", "/tmp/mw-private/Y.npy"));
	EXPECT_TRUE(same_file("/tmp/mw-shared/Z.npy", "/tmp/mw-private/Z.npy"));
	printf("# tcc-run from the module buffer: %zu pre-packed record(s), %zu bytes PMD-mapped, outputs identical\n",
	       records, huge);
	ASSERT_EQ(0, tcc_run_tccctl("weights unload mw", out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_EQ(0, tcc_sysfs_u64("weights/count"));
}

TEST_HARNESS_MAIN
