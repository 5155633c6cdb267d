// SPDX-License-Identifier: MIT
/*
 * The C JIT and its on-disk cache, CPU feature detection and the pointwise
 * loop template.  Every test uses its own cache directory under
 * $TCC_KERNEL_TEST_TMP (or a fresh /tmp directory) and counts compiler
 * invocations through a wrapper script set as $TCC_CC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen/cbuf.h"
#include "codegen/cpu.h"
#include "codegen/jit.h"
#include <tcc/status.h>

static char root[256];
static int dir_counter;

static const char *add_src =
	"void add(const float *a, const float *b, float *c, long n)\n"
	"{ for (long i = 0; i < n; i++) c[i] = a[i] + b[i]; }\n";

typedef void (*add_fn)(const float *, const float *, float *, long);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A fresh cache directory and a compiler wrapper that logs each run. */
static char cache[400], wrapper[600], wrapper_log[600];

static int setup(void **state)
{
	snprintf(cache, sizeof(cache), "%s/cache%d", root, dir_counter++);
	snprintf(wrapper_log, sizeof(wrapper_log), "%s.cc.log", cache);
	snprintf(wrapper, sizeof(wrapper), "%s.cc", cache);
	FILE *f = fopen(wrapper, "w");
	if (!f)
		return -1;
	fprintf(f, "#!/bin/sh\necho run >> '%s'\nexec cc \"$@\"\n", wrapper_log);
	fclose(f);
	chmod(wrapper, 0755);
	unlink(wrapper_log);
	setenv("TCC_CC", wrapper, 1);
	setenv("TCC_CACHE_DIR", cache, 1);
	unsetenv("TCC_DEBUG");
	return 0;
}

static int compiler_runs(void)
{
	FILE *f = fopen(wrapper_log, "r");
	int n = 0, c;

	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), s = strlen(suffix);
		if (e->d_name[0] != '.' && l >= s && strcmp(e->d_name + l - s, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void check_add(add_fn f)
{
	float a[5] = { 1, 2, 3, 4, 5 }, b[5] = { 10, 20, 30, 40, 50 }, c[5] = { 0 };

	f(a, b, c, 5);
	for (int i = 0; i < 5; i++)
		assert_true(c[i] == a[i] + b[i]);
}

static void compiles_then_hits_the_cache_without_running_the_compiler(void **state)
{
	static const char *const syms[] = { "add" };
	tcc_jit_module *m1, *m2;
	tcc_jit_stats s0, s1, s2;
	void *fn;

	tcc_jit_get_stats(&s0);
	double t0 = now();
	assert_int_equal(tcc_jit_compile(&m1, add_src, syms, 1, &fn, NULL), TCC_OK);
	double t1 = now();
	assert_false(tcc_jit_module_from_cache(m1));
	check_add((add_fn)fn);
	assert_int_equal(compiler_runs(), 1);
	tcc_jit_get_stats(&s1);
	assert_int_equal(s1.compiles, s0.compiles + 1);
	assert_true(strncmp(tcc_jit_module_path(m1), cache, strlen(cache)) == 0);

	double t2 = now();
	assert_int_equal(tcc_jit_compile(&m2, add_src, syms, 1, &fn, NULL), TCC_OK);
	double t3 = now();
	assert_true(tcc_jit_module_from_cache(m2));
	check_add((add_fn)fn);
	assert_int_equal(compiler_runs(), 1);	/* the compiler did not run again */
	tcc_jit_get_stats(&s2);
	assert_int_equal(s2.compiles, s1.compiles);
	assert_int_equal(s2.cache_hits, s1.cache_hits + 1);
	assert_string_equal(tcc_jit_module_path(m1), tcc_jit_module_path(m2));
	print_message("# jit: cold compile %.1f ms, cache hit %.2f ms\n", (t1 - t0) * 1e3, (t3 - t2) * 1e3);
	assert_ptr_equal(tcc_jit_symbol(m2, "add"), fn);
	assert_null(tcc_jit_symbol(m2, "nope"));
	tcc_jit_module_free(m1);
	tcc_jit_module_free(m2);
	/* No temporary files are left behind. */
	assert_int_equal(count_files(cache, ".tmp.c") + count_files(cache, ".tmp.so"), 0);
}

/* "add" plus @k: a distinct cache entry per @k. */
static const char *add_variant(char *buf, size_t len, int k)
{
	snprintf(buf, len,
		 "void add(const float *a, const float *b, float *c, long n)\n"
		 "{ for (long i = 0; i < n; i++) c[i] = a[i] + b[i] + %d.0f * 0; }\n", k);
	return buf;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * $TCC_CACHE_MAX_MB: a compile that takes the cache over the limit deletes
 * the least recently used entries (a hit counts as a use) down to 3/4 of
 * it, never the entry it just made; modules already loaded keep working.
 */
static void cache_stays_within_its_limit_dropping_the_least_recently_used(void **state)
{
	static const char *const syms[] = { "add" };
	char src[4][256], path[4][512], limit[32];
	tcc_jit_module *m[4], *again;
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	void *fn[4];
	struct stat st;
	off_t biggest = 0;

	for (int k = 0; k < 3; k++) {
		assert_int_equal(tcc_jit_compile(&m[k], add_variant(src[k], sizeof(src[k]), k), syms, 1, &fn[k], NULL),
				 TCC_OK);
		snprintf(path[k], sizeof(path[k]), "%s", tcc_jit_module_path(m[k]));
		assert_int_equal(stat(path[k], &st), 0);
		biggest = st.st_size > biggest ? st.st_size : biggest;
		nanosleep(&tick, NULL);	/* distinct mtimes */
	}
	/* Room for 3.5 entries: three fit, a fourth goes over. */
	snprintf(limit, sizeof(limit), "%.6f", 3.5 * (double)biggest / (1024 * 1024));
	setenv("TCC_CACHE_MAX_MB", limit, 1);
	/* Entry 0 used again: now the most recently used of the three. */
	assert_int_equal(tcc_jit_compile(&again, src[0], syms, 1, NULL, NULL), TCC_OK);
	assert_true(tcc_jit_module_from_cache(again));
	tcc_jit_module_free(again);
	nanosleep(&tick, NULL);
	assert_int_equal(tcc_jit_compile(&m[3], add_variant(src[3], sizeof(src[3]), 3), syms, 1, &fn[3], NULL),
			 TCC_OK);
	snprintf(path[3], sizeof(path[3]), "%s", tcc_jit_module_path(m[3]));
	unsetenv("TCC_CACHE_MAX_MB");
	/* 4 entries > 3.5: the two least recently used (1, then 2) go, leaving 2 <= 3/4 of 3.5. */
	assert_true(exists(path[0]));
	assert_false(exists(path[1]));
	assert_false(exists(path[2]));
	assert_true(exists(path[3]));
	for (int k = 0; k < 4; k++) {	/* loaded modules are unaffected */
		check_add((add_fn)fn[k]);
		tcc_jit_module_free(m[k]);
	}
	/* An evicted entry is compiled again when asked for. */
	int before = compiler_runs();

	assert_int_equal(tcc_jit_compile(&again, src[1], syms, 1, NULL, NULL), TCC_OK);
	assert_false(tcc_jit_module_from_cache(again));
	assert_int_equal(compiler_runs(), before + 1);
	tcc_jit_module_free(again);
}

static void key_covers_source_and_flags(void **state)
{
	tcc_jit_module *a, *b, *c;
	tcc_jit_options o = { .extra_cflags = "-DUNUSED_FLAG=1" };

	assert_int_equal(tcc_jit_compile(&a, add_src, NULL, 0, NULL, NULL), TCC_OK);
	assert_int_equal(tcc_jit_compile(&b, "int f(void) { return 1; }\n", NULL, 0, NULL, NULL), TCC_OK);
	assert_int_equal(tcc_jit_compile(&c, add_src, NULL, 0, NULL, &o), TCC_OK);
	assert_string_not_equal(tcc_jit_module_path(a), tcc_jit_module_path(b));
	assert_string_not_equal(tcc_jit_module_path(a), tcc_jit_module_path(c));
	assert_int_equal(compiler_runs(), 3);
	assert_int_equal(count_files(cache, ".so"), 3);
	tcc_jit_module_free(a), tcc_jit_module_free(b), tcc_jit_module_free(c);
}

static void corrupt_entry_is_rebuilt(void **state)
{
	static const char *const syms[] = { "add" };
	tcc_jit_module *m;
	tcc_jit_stats s0, s1;
	char path[700];
	struct stat st;
	void *fn;

	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL), TCC_OK);
	snprintf(path, sizeof(path), "%s", tcc_jit_module_path(m));
	tcc_jit_module_free(m);

	/* 1: flip one byte in the middle (a bit rot the ELF loader would not see). */
	assert_int_equal(stat(path, &st), 0);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	char byte;
	assert_int_equal(pread(fd, &byte, 1, st.st_size / 2), 1);
	byte ^= 0x5a;
	assert_int_equal(pwrite(fd, &byte, 1, st.st_size / 2), 1);
	close(fd);
	tcc_jit_get_stats(&s0);
	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL), TCC_OK);
	tcc_jit_get_stats(&s1);
	assert_false(tcc_jit_module_from_cache(m));
	assert_int_equal(s1.corrupt_entries, s0.corrupt_entries + 1);
	check_add((add_fn)fn);
	tcc_jit_module_free(m);

	/* 2: truncated (a crash while copying the cache somewhere). */
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL), TCC_OK);
	assert_false(tcc_jit_module_from_cache(m));
	check_add((add_fn)fn);
	tcc_jit_module_free(m);

	/* 3: empty file. */
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL), TCC_OK);
	check_add((add_fn)fn);
	tcc_jit_module_free(m);
	assert_int_equal(compiler_runs(), 4);

	/* And the rebuilt entry is a normal cache hit again. */
	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL), TCC_OK);
	assert_true(tcc_jit_module_from_cache(m));
	tcc_jit_module_free(m);
}

static void compile_error_reports_compiler_stderr(void **state)
{
	tcc_jit_module *m = (tcc_jit_module *)&m;

	assert_int_equal(tcc_jit_compile(&m, "int f(void) { return undeclared_thing; }\n", NULL, 0, NULL, NULL),
			 TCC_ERR_COMPILE);
	assert_null(m);
	assert_non_null(strstr(tcc_last_error(), "undeclared_thing"));
	assert_non_null(strstr(tcc_last_error(), "error"));
	/* Nothing half-made is left in the cache. */
	assert_int_equal(count_files(cache, ".so"), 0);
	assert_int_equal(count_files(cache, ".c"), 0);
}

static void missing_compiler_and_symbol_are_errors(void **state)
{
	static const char *const syms[] = { "add", "no_such_function" };
	tcc_jit_module *m;
	void *fns[2];

	setenv("TCC_CC", "/nonexistent/bin/cc", 1);
	assert_int_equal(tcc_jit_compile(&m, add_src, NULL, 0, NULL, NULL), TCC_ERR_COMPILE);
	assert_non_null(strstr(tcc_last_error(), "/nonexistent/bin/cc"));
	setenv("TCC_CC", "tcc-no-such-compiler", 1);
	assert_int_equal(tcc_jit_compile(&m, add_src, NULL, 0, NULL, NULL), TCC_ERR_COMPILE);
	assert_non_null(strstr(tcc_last_error(), "not found in PATH"));
	setenv("TCC_CC", wrapper, 1);
	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 2, fns, NULL), TCC_ERR_COMPILE);
	assert_non_null(strstr(tcc_last_error(), "no_such_function"));
	assert_int_equal(tcc_jit_compile(NULL, add_src, NULL, 0, NULL, NULL), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_jit_compile(&m, NULL, NULL, 0, NULL, NULL), TCC_ERR_INVALID_ARG);
}

static void debug_keeps_the_source_next_to_the_entry(void **state)
{
	tcc_jit_module *m;
	char path[700];

	setenv("TCC_DEBUG", "1", 1);
	assert_int_equal(tcc_jit_compile(&m, add_src, NULL, 0, NULL, NULL), TCC_OK);
	snprintf(path, sizeof(path), "%s", tcc_jit_module_path(m));
	strcpy(path + strlen(path) - 3, ".c");	/* <key>.so -> <key>.c */
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[512] = { 0 };
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	assert_string_equal(buf, add_src);
	tcc_jit_module_free(m);
	unsetenv("TCC_DEBUG");
	/* Without TCC_DEBUG a fresh compile leaves no source. */
	assert_int_equal(tcc_jit_compile(&m, "int g(void) { return 2; }\n", NULL, 0, NULL, NULL), TCC_OK);
	assert_int_equal(count_files(cache, ".c"), 1);
	tcc_jit_module_free(m);
}

static void cache_dir_follows_the_environment(void **state)
{
	tcc_jit_options o = { .cache_dir = "/explicit/dir" };

	assert_string_equal(tcc_jit_cache_dir(&o), "/explicit/dir");
	setenv("TCC_CACHE_DIR", "/a/b", 1);
	assert_string_equal(tcc_jit_cache_dir(NULL), "/a/b");
	unsetenv("TCC_CACHE_DIR");
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	assert_string_equal(tcc_jit_cache_dir(NULL), "/xdg/tcc");
	unsetenv("XDG_CACHE_HOME");
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", "/home/someone", 1);
	assert_string_equal(tcc_jit_cache_dir(NULL), "/home/someone/.cache/tcc");
	if (home)
		setenv("HOME", home, 1);
	free(home);
	/* A cache path that is a file is refused: the code compiles privately. */
	char file[700];
	snprintf(file, sizeof(file), "%s.notadir", cache);
	FILE *f = fopen(file, "w");
	fclose(f);
	tcc_jit_module *m;
	tcc_jit_stats s0, s1;
	o.cache_dir = file;
	tcc_jit_get_stats(&s0);
	assert_int_equal(tcc_jit_compile(&m, add_src, NULL, 0, NULL, &o), TCC_OK);
	tcc_jit_get_stats(&s1);
	assert_int_equal(s1.refused, s0.refused + 1);
	assert_true(strncmp(tcc_jit_module_path(m), file, strlen(file)) != 0);
	tcc_jit_module_free(m);
}

static void no_cache_leaves_nothing_behind(void **state)
{
	static const char *const syms[] = { "add" };
	tcc_jit_options o = { .no_cache = true };
	tcc_jit_module *m;
	void *fn;

	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, &o), TCC_OK);
	check_add((add_fn)fn);
	assert_int_equal(count_files(cache, ".so"), 0);
	assert_int_equal(access(tcc_jit_module_path(m), F_OK), -1);
	tcc_jit_module_free(m);
}

/* Several processes compiling the same new source at once all succeed and
 * leave one intact entry (tmp + rename: no reader sees a partial file). */
static void concurrent_processes_share_one_entry(void **state)
{
	const char *src = "int concurrent(void) { return 42; }\n";
	enum { NPROC = 4 };
	pid_t pids[NPROC];

	for (int i = 0; i < NPROC; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			static const char *const syms[] = { "concurrent" };
			tcc_jit_module *m;
			void *fn;

			if (tcc_jit_compile(&m, src, syms, 1, &fn, NULL) != TCC_OK)
				_exit(1);
			_exit(((int (*)(void))fn)() == 42 ? 0 : 2);
		}
	}
	for (int i = 0; i < NPROC; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(count_files(cache, ".so"), 1);
	assert_int_equal(count_files(cache, ".tmp.c") + count_files(cache, ".tmp.so"), 0);
	tcc_jit_module *m;
	assert_int_equal(tcc_jit_compile(&m, src, NULL, 0, NULL, NULL), TCC_OK);
	assert_true(tcc_jit_module_from_cache(m));
	tcc_jit_module_free(m);
}

static void *compile_in_thread(void *arg)
{
	static const char *const syms[] = { "threaded" };
	tcc_jit_module *m;
	void *fn;

	if (tcc_jit_compile(&m, "int threaded(void) { return 7; }\n", syms, 1, &fn, NULL) != TCC_OK)
		return (void *)1;
	intptr_t bad = ((int (*)(void))fn)() != 7;
	tcc_jit_module_free(m);
	return (void *)bad;
}

/* The same, from threads of one process (tmp names are unique per call). */
static void concurrent_threads_share_one_entry(void **state)
{
	enum { NTHR = 4 };
	pthread_t t[NTHR];

	for (int i = 0; i < NTHR; i++)
		assert_int_equal(pthread_create(&t[i], NULL, compile_in_thread, NULL), 0);
	for (int i = 0; i < NTHR; i++) {
		void *ret;
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(count_files(cache, ".so"), 1);
	assert_int_equal(count_files(cache, ".tmp.c") + count_files(cache, ".tmp.so"), 0);
}

/* ---- what the cache trusts (codegen/cache_dir.h) ---- */

/* Compile add_src once with the cache as it is; must run correctly and not come from the cache. */
static void compiles_privately(tcc_jit_stats *before)
{
	static const char *const syms[] = { "add" };
	tcc_jit_module *m;
	tcc_jit_stats after;
	void *fn;

	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL), TCC_OK);
	assert_false(tcc_jit_module_from_cache(m));
	check_add((add_fn)fn);
	tcc_jit_get_stats(&after);
	assert_true(after.refused > before->refused);
	tcc_jit_module_free(m);
}

/* The name the entry for add_src has in @cache (compiled once to learn it). */
static void entry_name(char *out, size_t len)
{
	tcc_jit_module *m;

	assert_int_equal(tcc_jit_compile(&m, add_src, NULL, 0, NULL, NULL), TCC_OK);
	snprintf(out, len, "%s", tcc_jit_module_path(m));
	tcc_jit_module_free(m);
	assert_int_equal(unlink(out), 0);
}

static void group_writable_cache_dir_is_refused(void **state)
{
	tcc_jit_stats s0;

	assert_int_equal(mkdir(cache, 0700), 0);
	assert_int_equal(chmod(cache, 0770), 0);	/* chmod: not subject to the umask */
	tcc_jit_get_stats(&s0);
	compiles_privately(&s0);
	/* Nothing was written into the refused directory. */
	assert_int_equal(count_files(cache, ".so") + count_files(cache, ".c"), 0);
	/* Made private again, it is used. */
	assert_int_equal(chmod(cache, 0700), 0);
	tcc_jit_module *m;
	assert_int_equal(tcc_jit_compile(&m, add_src, NULL, 0, NULL, NULL), TCC_OK);
	assert_int_equal(count_files(cache, ".so"), 1);
	tcc_jit_module_free(m);
}

static void symlinked_cache_dir_is_refused(void **state)
{
	char real[500];
	tcc_jit_stats s0;

	snprintf(real, sizeof(real), "%s.real", cache);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, cache), 0);
	tcc_jit_get_stats(&s0);
	compiles_privately(&s0);
	assert_int_equal(count_files(real, ".so"), 0);
}

static void symlink_entry_is_refused_and_replaced(void **state)
{
	char path[700], target[700];
	tcc_jit_stats s0;

	entry_name(path, sizeof(path));
	/* A link to a real shared object elsewhere: never followed, never loaded. */
	snprintf(target, sizeof(target), "%s.elsewhere.so", cache);
	FILE *f = fopen(target, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(symlink(target, path), 0);
	tcc_jit_get_stats(&s0);
	compiles_privately(&s0);
	/* The rebuilt entry replaced the link (rename swaps names, it does not follow them). */
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void fifo_entry_does_not_hang(void **state)
{
	char path[700];
	tcc_jit_stats s0;

	entry_name(path, sizeof(path));
	assert_int_equal(mkfifo(path, 0600), 0);
	/* cmocka has no timeout: a blocking open would hang here, so fork and bound it. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(60);
		tcc_jit_get_stats(&s0);
		static const char *const syms[] = { "add" };
		tcc_jit_module *m;
		void *fn;
		if (tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL) != TCC_OK)
			_exit(1);
		tcc_jit_stats s1;
		tcc_jit_get_stats(&s1);
		_exit(s1.refused == s0.refused + 1 && !tcc_jit_module_from_cache(m) ? 0 : 2);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));	/* not killed by the alarm */
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void entry_of_another_user_is_refused(void **state)
{
	char path[700];
	tcc_jit_stats s0;
	tcc_jit_module *m;

	if (geteuid() != 0)
		skip();	/* giving a file to another user needs root */
	assert_int_equal(tcc_jit_compile(&m, add_src, NULL, 0, NULL, NULL), TCC_OK);
	snprintf(path, sizeof(path), "%s", tcc_jit_module_path(m));
	tcc_jit_module_free(m);
	/* Intact bytes, right trailer, but not ours: refused. */
	assert_int_equal(chown(path, 65534, 65534), 0);
	tcc_jit_get_stats(&s0);
	compiles_privately(&s0);
	/* A group-writable entry of ours is refused as well. */
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, 0664), 0);
	tcc_jit_get_stats(&s0);
	compiles_privately(&s0);
}

/* $TCC_CACHE_SHARED: root's read-only cache is used for hits and never written. */
static void shared_cache_is_read_only_and_root_owned(void **state)
{
	static const char *const syms[] = { "add" };
	char shared[500];
	tcc_jit_module *m;
	tcc_jit_stats s0;
	void *fn;

	if (geteuid() != 0)
		skip();	/* a root-owned directory is needed */
	/* Filled by root as its own cache... */
	snprintf(shared, sizeof(shared), "%s.shared", cache);
	tcc_jit_options o = { .cache_dir = shared };
	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, &o), TCC_OK);
	tcc_jit_module_free(m);
	int before = compiler_runs();
	/* ... then consulted first by everyone. */
	setenv("TCC_CACHE_SHARED", shared, 1);
	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL), TCC_OK);
	assert_true(tcc_jit_module_from_cache(m));
	assert_true(strncmp(tcc_jit_module_path(m), shared, strlen(shared)) == 0);
	check_add((add_fn)fn);
	tcc_jit_module_free(m);
	assert_int_equal(compiler_runs(), before);
	/* A miss compiles into the user's cache, not the shared one. */
	assert_int_equal(tcc_jit_compile(&m, "int shared_miss(void) { return 3; }\n", NULL, 0, NULL, NULL),
			 TCC_OK);
	assert_int_equal(count_files(shared, ".so"), 1);
	tcc_jit_module_free(m);
	/* Writable by others: refused as a whole. */
	assert_int_equal(chmod(shared, 0777), 0);
	tcc_jit_get_stats(&s0);
	assert_int_equal(tcc_jit_compile(&m, add_src, syms, 1, &fn, NULL), TCC_OK);
	assert_true(strncmp(tcc_jit_module_path(m), shared, strlen(shared)) != 0);
	tcc_jit_module_free(m);
	tcc_jit_stats s1;
	tcc_jit_get_stats(&s1);
	assert_int_equal(s1.refused, s0.refused + 1);
	unsetenv("TCC_CACHE_SHARED");
}

/*
 * Modules are dlopen()ed as /proc/self/fd/N, and the loader knows objects
 * by name: a module loaded after another was freed, under a reused N, must
 * be itself, not the freed one.  Also while the first is still loaded.
 */
static void modules_loaded_through_descriptors_stay_distinct(void **state)
{
	static const char *const sx[] = { "fx" }, *const sy[] = { "fy" };
	tcc_jit_module *x, *y, *z;
	void *fx, *fy, *fz;

	assert_int_equal(tcc_jit_compile(&x, "int fx(void) { return 1; }\n", sx, 1, &fx, NULL), TCC_OK);
	assert_int_equal(((int (*)(void))fx)(), 1);
	tcc_jit_module_free(x);
	assert_int_equal(tcc_jit_compile(&y, "int fy(void) { return 2; }\n", sy, 1, &fy, NULL), TCC_OK);
	assert_int_equal(((int (*)(void))fy)(), 2);
	assert_null(tcc_jit_symbol(y, "fx"));
	assert_int_equal(tcc_jit_compile(&z, "int fx(void) { return 3; }\n", sx, 1, &fz, NULL), TCC_OK);
	assert_int_equal(((int (*)(void))fz)(), 3);
	assert_int_equal(((int (*)(void))fy)(), 2);
	tcc_jit_module_free(y);
	tcc_jit_module_free(z);
	/* From the cache as well. */
	assert_int_equal(tcc_jit_compile(&x, "int fx(void) { return 1; }\n", sx, 1, &fx, NULL), TCC_OK);
	assert_true(tcc_jit_module_from_cache(x));
	assert_int_equal(((int (*)(void))fx)(), 1);
	tcc_jit_module_free(x);
}

/* ---- the pointwise loop template, compiled and run ---- */

static void pointwise_loops_compute_what_they_say(void **state)
{
	tcc_cbuf b = { 0 };
	/* dense: gelu(x0 + x1) over 40000 elements (parallel path). */
	tcc_loop_desc dense = { .name = "k_dense", .rank = 2, .dims = { 200, 200 }, .n_inputs = 2,
				.strides = { { 200, 1 }, { 200, 1 } },
				.expr = "0.5f * (x0 + x1) * (1.0f + erff((x0 + x1) * 0.70710678f))" };
	/* broadcast: [3,5,7] = x0 * bias[7] + scalar, x0 transposed in its first two dims. */
	tcc_loop_desc bcast = { .name = "k_bcast", .rank = 3, .dims = { 3, 5, 7 }, .n_inputs = 3,
				.strides = { { 7, 21, 1 }, { 0, 0, 1 }, { 0, 0, 0 } },
				.expr = "x0 * x1 + x2" };
	static const char *const syms[] = { "k_dense", "k_bcast" };
	void *fns[2];
	tcc_jit_module *m;

	tcc_emit_prelude(&b);
	assert_int_equal(tcc_emit_pointwise_loop(&b, &dense), TCC_OK);
	assert_int_equal(tcc_emit_pointwise_loop(&b, &bcast), TCC_OK);
	assert_int_equal(tcc_cbuf_status(&b), TCC_OK);
	assert_int_equal(tcc_jit_compile(&m, tcc_cbuf_str(&b), syms, 2, fns, NULL), TCC_OK);

	enum { N = 40000 };
	float *x0 = malloc(N * sizeof(float)), *x1 = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float));
	for (int i = 0; i < N; i++)
		x0[i] = (float)sin(i * 0.01) * 3, x1[i] = (float)cos(i * 0.003);
	((void (*)(const float *, const float *, float *))fns[0])(x0, x1, y);
	for (int i = 0; i < N; i++) {
		double s = (double)x0[i] + x1[i], ref = 0.5 * s * (1 + erf(s / sqrt(2.0)));
		if (fabs(y[i] - ref) > 1e-5 * fmax(1.0, fabs(ref)))
			fail_msg("dense[%d] = %g, want %g", i, y[i], ref);
	}
	float a[105], bias[7], scal[1] = { 0.5f }, out[105];
	for (int i = 0; i < 105; i++)
		a[i] = (float)i;
	for (int i = 0; i < 7; i++)
		bias[i] = (float)(i + 1);
	((void (*)(const float *, const float *, const float *, float *))fns[1])(a, bias, scal, out);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 5; j++)
			for (int k = 0; k < 7; k++)
				assert_true(out[(i * 5 + j) * 7 + k] == a[j * 21 + i * 7 + k] * bias[k] + 0.5f);

	assert_int_equal(tcc_emit_pointwise_loop(&b, &(tcc_loop_desc){ .name = "1bad", .expr = "x0" }),
			 TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_emit_pointwise_loop(&b, &(tcc_loop_desc){ .name = "ok", .rank = 9, .expr = "0" }),
			 TCC_ERR_INVALID_ARG);
	tcc_jit_module_free(m);
	tcc_cbuf_free(&b);
	free(x0), free(x1), free(y);
}

/* ---- CPU features ---- */

static bool cpuinfo_has(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) && strncmp(line, "Features", 8))
			continue;
		char *tok, *save;
		for (tok = strtok_r(strchr(line, ':') + 1, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
			if (strcmp(tok, flag) == 0)
				found = true;
		break;
	}
	fclose(f);
	return found;
}

static void cpu_features_match_the_kernels_view(void **state)
{
	const tcc_cpu_features *f = tcc_cpu_features_get();
	char s[512];

	assert_non_null(f);
	assert_true(f->logical_cpus >= 1);
	assert_true(tcc_cpu_features_string(s, sizeof(s)) > 0);
	print_message("# cpu: %s\n", s);
	assert_false(tcc_cpu_has("no_such_feature"));
	assert_false(tcc_cpu_has(NULL));
#if defined(__x86_64__)
	/* /proc/cpuinfo lists what the kernel enabled: the same view. */
	static const char *const names[] = { "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
					     "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_tile", "amx_int8" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (tcc_cpu_has(names[i]) != cpuinfo_has(names[i]))
			fail_msg("%s: tcc says %d, /proc/cpuinfo says %d", names[i], tcc_cpu_has(names[i]),
				 cpuinfo_has(names[i]));
	if (f->avx512f)
		assert_true(f->avx2);
	assert_false(f->neon);
#elif defined(__aarch64__)
	assert_int_equal(tcc_cpu_has("neon"), cpuinfo_has("asimd"));
	assert_int_equal(tcc_cpu_has("sve"), cpuinfo_has("sve"));
#endif
}

int main(void)
{
	const char *base = getenv("TCC_KERNEL_TEST_TMP");

	if (base && *base) {
		snprintf(root, sizeof(root), "%s/jit", base);
		mkdir(root, 0755);
	} else {
		snprintf(root, sizeof(root), "/tmp/tcc-test-jit-XXXXXX");
		if (!mkdtemp(root))
			return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(compiles_then_hits_the_cache_without_running_the_compiler, setup),
		cmocka_unit_test_setup(key_covers_source_and_flags, setup),
		cmocka_unit_test_setup(cache_stays_within_its_limit_dropping_the_least_recently_used, setup),
		cmocka_unit_test_setup(corrupt_entry_is_rebuilt, setup),
		cmocka_unit_test_setup(compile_error_reports_compiler_stderr, setup),
		cmocka_unit_test_setup(missing_compiler_and_symbol_are_errors, setup),
		cmocka_unit_test_setup(debug_keeps_the_source_next_to_the_entry, setup),
		cmocka_unit_test_setup(cache_dir_follows_the_environment, setup),
		cmocka_unit_test_setup(no_cache_leaves_nothing_behind, setup),
		cmocka_unit_test_setup(concurrent_processes_share_one_entry, setup),
		cmocka_unit_test_setup(concurrent_threads_share_one_entry, setup),
		cmocka_unit_test_setup(pointwise_loops_compute_what_they_say, setup),
		cmocka_unit_test_setup(modules_loaded_through_descriptors_stay_distinct, setup),
		cmocka_unit_test_setup(group_writable_cache_dir_is_refused, setup),
		cmocka_unit_test_setup(symlinked_cache_dir_is_refused, setup),
		cmocka_unit_test_setup(symlink_entry_is_refused_and_replaced, setup),
		cmocka_unit_test_setup(fifo_entry_does_not_hang, setup),
		cmocka_unit_test_setup(entry_of_another_user_is_refused, setup),
		cmocka_unit_test_setup(shared_cache_is_read_only_and_root_owned, setup),
		cmocka_unit_test(cpu_features_match_the_kernels_view),
	};
	return cmocka_run_group_tests_name("jit", tests, NULL, NULL);
}
