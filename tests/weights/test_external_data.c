// SPDX-License-Identifier: MIT
/*
 * External data is a path written by whoever made the model: it is read
 * only from beneath the model's directory, never through a symlink, only
 * from a regular file, and only where offset and length fit the file.
 * Models from make_external.py ($TCC_WEIGHTS_TEST_EXTERNAL); the files they
 * point at are made here, in a fresh copy of that directory per test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tcc/tcc.h>

static const char *models;
static char dir[512];

static void path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* The model directory: every model, w.bin (16 bytes of padding, then 0..5), sub/w.bin. */
static int setup(void **state)
{
	static int n;
	char cmd[2048], p[700];

	if (!models)
		return 0;
	/* case<n>/model, and case<n>/outside for what lies beyond it: both fresh. */
	snprintf(dir, sizeof(dir), "%s/case%d/model", models, n);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/case%d' && mkdir -p '%s/sub' && cp '%s'/*.onnx '%s/'", models, n,
		 dir, models, dir);
	n++;
	if (system(cmd) != 0)
		return -1;
	float v[4 + 6] = { 0 };
	for (int i = 0; i < 6; i++)
		v[4 + i] = (float)i;
	for (int k = 0; k < 2; k++) {
		path(p, sizeof(p), k ? "sub/w.bin" : "w.bin");
		FILE *f = fopen(p, "wb");
		if (!f || fwrite(v, sizeof(v), 1, f) != 1 || fclose(f))
			return -1;
	}
	return 0;
}

/* Load @model: TCC_OK and y = x + (0..5) for x = 0, or the status, with the error text in @err. */
static tcc_status load_and_run(const char *model, char *err, size_t err_len)
{
	char p[700];
	tcc_model *m;
	float x[6] = { 0 }, y[6];
	tcc_tensor in = { .dtype = TCC_F32, .rank = 2, .dims = { 2, 3 }, .data = x };
	tcc_tensor out = { .data = y, .nbytes = sizeof(y) };

	path(p, sizeof(p), model);
	tcc_status st = tcc_model_load(&m, p, NULL);
	snprintf(err, err_len, "%s", st ? tcc_last_error() : "");
	if (st)
		return st;
	st = tcc_model_run(m, &in, 1, &out, 1);
	assert_int_equal(st, TCC_OK);
	for (int i = 0; i < 6; i++)
		assert_float_equal(y[i], (float)i, 0);
	tcc_model_free(m);
	return TCC_OK;
}

static void expect_error(const char *model, const char *text)
{
	char err[1024];

	assert_int_not_equal(load_and_run(model, err, sizeof(err)), TCC_OK);
	print_message("# %s: %s\n", model, err);
	if (!strstr(err, text))
		fail_msg("%s: error '%s' does not say '%s'", model, err, text);
	/* The error names the tensor. */
	assert_non_null(strstr(err, "tensor 'c'"));
}

static void data_beneath_the_model_directory_is_read(void **state)
{
	char err[1024];

	if (!models)
		skip();
	assert_int_equal(load_and_run("ext_ok.onnx", err, sizeof(err)), TCC_OK);
	assert_int_equal(load_and_run("ext_in_subdir.onnx", err, sizeof(err)), TCC_OK);
}

static void a_symlink_to_etc_passwd_is_not_followed(void **state)
{
	char p[700];

	if (!models)
		skip();
	path(p, sizeof(p), "passwd.bin");
	assert_int_equal(symlink("/etc/passwd", p), 0);
	expect_error("ext_symlink.onnx", "symbolic link");
}

static void a_symlinked_directory_is_not_followed(void **state)
{
	char p[1600], target[700];

	if (!models)
		skip();
	/* A directory outside the model's, holding a file the model names. */
	snprintf(target, sizeof(target), "%s/../outside", dir);
	assert_int_equal(mkdir(target, 0755), 0);
	snprintf(p, sizeof(p), "cp '%s/w.bin' '%s/'", dir, target);
	assert_int_equal(system(p), 0);
	path(p, sizeof(p), "linkdir");
	assert_int_equal(symlink(target, p), 0);
	expect_error("ext_dir_symlink.onnx", "symbolic link");
}

static void dot_dot_is_refused(void **state)
{
	if (!models)
		skip();
	expect_error("ext_dotdot.onnx", "bad external data location '../w.bin'");
	expect_error("ext_dotdot_inner.onnx", "bad external data location");
}

static void a_fifo_is_refused_without_blocking(void **state)
{
	char p[700];

	if (!models)
		skip();
	path(p, sizeof(p), "fifo.bin");
	assert_int_equal(mkfifo(p, 0600), 0);
	/* A blocking open would wait for a writer forever: bound it in a child. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[1024];

		alarm(60);
		tcc_status st = load_and_run("ext_fifo.onnx", err, sizeof(err));
		_exit(st != TCC_OK && strstr(err, "not a regular file") ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));	/* not SIGALRM */
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void a_directory_is_refused(void **state)
{
	if (!models)
		skip();
	expect_error("ext_directory.onnx", "not a regular file");
}

static void an_offset_past_the_end_is_refused(void **state)
{
	if (!models)
		skip();
	expect_error("ext_offset_past_end.onnx", "too short for offset 1099511627776");
	/* offset + length would wrap a 64-bit sum */
	expect_error("ext_offset_overflow.onnx", "too short for offset");
}

/* openat2 answers ENOSYS from here on, as on kernels before 5.6 (seccomp). */
static int disable_openat2(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* The same cases through the fallback: openat + O_NOFOLLOW per component. */
static void without_openat2_each_component_is_opened_without_following(void **state)
{
	char p[1600], target[700];

	if (!models)
		skip();
	path(p, sizeof(p), "passwd.bin");
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(target, sizeof(target), "%s/../outside", dir);
	assert_int_equal(mkdir(target, 0755), 0);
	path(p, sizeof(p), "linkdir");
	assert_int_equal(symlink(target, p), 0);
	path(p, sizeof(p), "fifo.bin");
	assert_int_equal(mkfifo(p, 0600), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const struct { const char *model, *text; } cases[] = {
			{ "ext_symlink.onnx", "symbolic link" },
			{ "ext_dir_symlink.onnx", "symbolic link" },
			{ "ext_fifo.onnx", "not a regular file" },
			{ "ext_directory.onnx", "not a regular file" },
			{ "ext_offset_past_end.onnx", "too short" },
		};
		char err[1024];

		alarm(60);
		if (disable_openat2() || syscall(SYS_openat2, AT_FDCWD, ".", NULL, 0) != -1 || errno != ENOSYS)
			_exit(10);
		if (load_and_run("ext_ok.onnx", err, sizeof(err)) != TCC_OK ||
		    load_and_run("ext_in_subdir.onnx", err, sizeof(err)) != TCC_OK)
			_exit(11);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (load_and_run(cases[i].model, err, sizeof(err)) == TCC_OK || !strstr(err, cases[i].text))
				_exit(20 + (int)i);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	models = getenv("TCC_WEIGHTS_TEST_EXTERNAL");
	if (models && !*models)
		models = NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(data_beneath_the_model_directory_is_read, setup),
		cmocka_unit_test_setup(a_symlink_to_etc_passwd_is_not_followed, setup),
		cmocka_unit_test_setup(a_symlinked_directory_is_not_followed, setup),
		cmocka_unit_test_setup(dot_dot_is_refused, setup),
		cmocka_unit_test_setup(a_fifo_is_refused_without_blocking, setup),
		cmocka_unit_test_setup(a_directory_is_refused, setup),
		cmocka_unit_test_setup(an_offset_past_the_end_is_refused, setup),
		cmocka_unit_test_setup(without_openat2_each_component_is_opened_without_following, setup),
	};
	return cmocka_run_group_tests_name("external_data", tests, NULL, NULL);
}
