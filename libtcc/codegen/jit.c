/* SPDX-License-Identifier: MIT */
/*
 * The C JIT: system compiler -> shared object -> on-disk cache -> dlopen.
 * See jit.h for the cache layout and its guarantees.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "codegen/cpu.h"
#include "codegen/jit.h"
#include "common/error.h"

extern char **environ;

/*
 * Why not -ffast-math: see jit.h.  -ffp-contract=fast lets the compiler use
 * FMA (within 1 ulp per operation of the unfused result), -fno-math-errno
 * lets it inline and vectorise sqrtf/expf calls.
 */
static const char *const base_flags[] = {
	"-O3", "-march=native", "-fopenmp", "-fPIC", "-shared", "-ffp-contract=fast",
	"-fno-math-errno", "-fno-trapping-math", "-fno-semantic-interposition",
};
#define N_BASE_FLAGS (sizeof(base_flags) / sizeof(base_flags[0]))
#define MAX_EXTRA_FLAGS 32

/* Appended to every entry: "TCCJIT01" + XXH64 of all bytes before it. */
static const char trailer_magic[8] = { 'T', 'C', 'C', 'J', 'I', 'T', '0', '1' };
#define TRAILER_SIZE 16

struct tcc_jit_module {
	void *handle;
	char *path;
	bool from_cache;
};

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static tcc_jit_stats stats;
static atomic_uint tmp_counter;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void tcc_jit_get_stats(tcc_jit_stats *out)
{
	pthread_mutex_lock(&stats_lock);
	*out = stats;
	pthread_mutex_unlock(&stats_lock);
}

const char *tcc_jit_cache_dir(const tcc_jit_options *opts)
{
	static _Thread_local char buf[PATH_MAX];
	const char *env;

	if (opts && opts->cache_dir && *opts->cache_dir)
		snprintf(buf, sizeof(buf), "%s", opts->cache_dir);
	else if ((env = getenv("TCC_CACHE_DIR")) && *env)
		snprintf(buf, sizeof(buf), "%s", env);
	else if ((env = getenv("XDG_CACHE_HOME")) && *env)
		snprintf(buf, sizeof(buf), "%s/tcc", env);
	else if ((env = getenv("HOME")) && *env)
		snprintf(buf, sizeof(buf), "%s/.cache/tcc", env);
	else
		snprintf(buf, sizeof(buf), "/tmp/tcc-cache-%d", (int)getuid());
	return buf;
}

static tcc_status mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(tmp))
		return tcc_set_error(TCC_ERR_IO, "jit cache: bad directory '%s'", dir);
	memcpy(tmp, dir, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return tcc_set_errno(TCC_ERR_IO, errno, "jit cache: mkdir %s", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return tcc_set_errno(TCC_ERR_IO, errno, "jit cache: mkdir %s", tmp);
	struct stat st;
	if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode))
		return tcc_set_error(TCC_ERR_IO, "jit cache: %s is not a directory", tmp);
	return TCC_OK;
}

/* $TCC_CC or "cc", resolved through PATH like execvp would. */
static tcc_status find_compiler(char *path, size_t size, struct stat *st)
{
	const char *cc = getenv("TCC_CC");

	if (!cc || !*cc)
		cc = "cc";
	if (strchr(cc, '/')) {
		if (snprintf(path, size, "%s", cc) < (int)size && stat(path, st) == 0 && access(path, X_OK) == 0)
			return TCC_OK;
		return tcc_set_error(TCC_ERR_COMPILE, "jit: C compiler '%s' not found or not executable", cc);
	}
	const char *env = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof(dirs), "%s", env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	for (char *save, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (snprintf(path, size, "%s/%s", *dir ? dir : ".", cc) >= (int)size)
			continue;
		if (stat(path, st) == 0 && S_ISREG(st->st_mode) && access(path, X_OK) == 0)
			return TCC_OK;
	}
	return tcc_set_error(TCC_ERR_COMPILE, "jit: C compiler '%s' not found in PATH (install build-essential "
			     "or set TCC_CC)", cc);
}

bool tcc_jit_compiler_available(void)
{
	char path[4096];
	struct stat st;

	if (find_compiler(path, sizeof(path), &st) == TCC_OK)
		return true;
	tcc_clear_error();
	return false;
}

/* Split $TCC_JIT_CFLAGS and opts->extra_cflags on blanks into @argv. */
static int extra_flags(char *store, size_t size, const char *a, const char *b, char **argv)
{
	int n = 0;

	snprintf(store, size, "%s %s", a ? a : "", b ? b : "");
	for (char *save, *tok = strtok_r(store, " \t\n", &save); tok && n < MAX_EXTRA_FLAGS;
	     tok = strtok_r(NULL, " \t\n", &save))
		argv[n++] = tok;
	return n;
}

static void key_hex(char out[33], const char *source, const char *cc_path, const struct stat *cc_st,
		    char *const *extra, int n_extra)
{
	XXH3_state_t *s = XXH3_createState();
	char feat[512];

	XXH3_128bits_reset(s);
	XXH3_128bits_update(s, "tcc-jit-v1", 11);
	XXH3_128bits_update(s, source, strlen(source) + 1);
	/* The compiler's identity without running it: its path, size and
	 * mtime change whenever the package is upgraded. */
	char ccid[PATH_MAX + 64];
	int n = snprintf(ccid, sizeof(ccid), "%s|%lld|%lld", cc_path, (long long)cc_st->st_size,
			 (long long)cc_st->st_mtime);
	XXH3_128bits_update(s, ccid, (size_t)n + 1);
	for (size_t i = 0; i < N_BASE_FLAGS; i++)
		XXH3_128bits_update(s, base_flags[i], strlen(base_flags[i]) + 1);
	for (int i = 0; i < n_extra; i++)
		XXH3_128bits_update(s, extra[i], strlen(extra[i]) + 1);
	/* -march=native: the code is only valid on this CPU. */
	tcc_cpu_features_string(feat, sizeof(feat));
	XXH3_128bits_update(s, feat, strlen(feat) + 1);
	XXH128_hash_t h = XXH3_128bits_digest(s);
	XXH3_freeState(s);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

static tcc_status write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "jit: create %s", path);
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			return tcc_set_errno(TCC_ERR_IO, e, "jit: write %s", path);
		}
		p += w, len -= (size_t)w;
	}
	if (close(fd) != 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "jit: close %s", path);
	return TCC_OK;
}

/* Whole file into a malloc'd buffer; NULL if unreadable. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (buf = malloc((size_t)st.st_size + 1))) {
		size_t got = 0;

		while (got < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		*len = got;
	}
	close(fd);
	return buf;
}

/* Is the entry at @path complete and unmodified?  (trailer check) */
static bool entry_is_intact(const char *path)
{
	size_t len = 0;
	char *buf = read_file(path, &len);
	bool ok = false;

	if (buf && len > TRAILER_SIZE && memcmp(buf + len - TRAILER_SIZE, trailer_magic, 8) == 0) {
		uint64_t want;

		memcpy(&want, buf + len - 8, 8);
		ok = XXH64(buf, len - TRAILER_SIZE, 0) == want;
	}
	free(buf);
	return ok;
}

static tcc_status append_trailer(const char *path)
{
	size_t len = 0;
	char *buf = read_file(path, &len);

	if (!buf)
		return tcc_set_errno(TCC_ERR_IO, errno, "jit: read back %s", path);
	uint64_t h = XXH64(buf, len, 0);
	free(buf);
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "jit: open %s", path);
	char trailer[TRAILER_SIZE];
	memcpy(trailer, trailer_magic, 8);
	memcpy(trailer + 8, &h, 8);
	ssize_t w = write(fd, trailer, sizeof(trailer));
	int e = errno;
	close(fd);
	if (w != (ssize_t)sizeof(trailer))
		return tcc_set_errno(TCC_ERR_IO, e, "jit: append to %s", path);
	return TCC_OK;
}

/*
 * Run the compiler on @c_path into @so_path, collecting its stderr (and
 * stdout) for the error message.
 */
static tcc_status run_compiler(const char *cc, char *const *extra, int n_extra, const char *c_path,
			       const char *so_path)
{
	char *argv[N_BASE_FLAGS + MAX_EXTRA_FLAGS + 8];
	int argc = 0, pipefd[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;

	argv[argc++] = (char *)cc;
	for (size_t i = 0; i < N_BASE_FLAGS; i++)
		argv[argc++] = (char *)base_flags[i];
	for (int i = 0; i < n_extra; i++)
		argv[argc++] = extra[i];
	argv[argc++] = "-o";
	argv[argc++] = (char *)so_path;
	argv[argc++] = (char *)c_path;
	argv[argc++] = "-lm";
	argv[argc] = NULL;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return tcc_set_errno(TCC_ERR_COMPILE, errno, "jit: pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	int err = posix_spawn(&pid, cc, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (err != 0) {
		close(pipefd[0]);
		return tcc_set_errno(TCC_ERR_COMPILE, err, "jit: cannot run C compiler %s", cc);
	}
	pthread_mutex_lock(&stats_lock);
	stats.compiles++;
	pthread_mutex_unlock(&stats_lock);

	char out[4096];
	size_t got = 0;
	for (;;) {
		char chunk[1024];
		ssize_t r = read(pipefd[0], chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		/* Keep the beginning: the first error is the useful one. */
		size_t take = (size_t)r < sizeof(out) - 1 - got ? (size_t)r : sizeof(out) - 1 - got;
		memcpy(out + got, chunk, take);
		got += take;
	}
	out[got] = 0;
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return tcc_set_errno(TCC_ERR_COMPILE, errno, "jit: waitpid");
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return tcc_set_error(TCC_ERR_COMPILE, "jit: %s failed (%s %d) on %s:\n%s", cc,
				     WIFEXITED(status) ? "exit" : "signal",
				     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), c_path, out);
	return TCC_OK;
}

/* Compile @source into the cache entry @entry (atomically). */
static tcc_status build_entry(const char *dir, const char *hex, const char *entry, const char *source,
			      const char *cc, char *const *extra, int n_extra, bool keep_source)
{
	char c_tmp[PATH_MAX + 64], so_tmp[PATH_MAX + 64], c_keep[PATH_MAX + 64];
	unsigned int uniq = atomic_fetch_add(&tmp_counter, 1);
	tcc_status ts;

	snprintf(c_tmp, sizeof(c_tmp), "%s/%s.%d.%u.tmp.c", dir, hex, (int)getpid(), uniq);
	snprintf(so_tmp, sizeof(so_tmp), "%s/%s.%d.%u.tmp.so", dir, hex, (int)getpid(), uniq);
	if ((ts = write_file(c_tmp, source, strlen(source))) != TCC_OK)
		return ts;
	double t0 = now_seconds();
	ts = run_compiler(cc, extra, n_extra, c_tmp, so_tmp);
	pthread_mutex_lock(&stats_lock);
	stats.compile_seconds += now_seconds() - t0;
	pthread_mutex_unlock(&stats_lock);
	if (ts == TCC_OK)
		ts = append_trailer(so_tmp);
	if (ts == TCC_OK && rename(so_tmp, entry) != 0)
		ts = tcc_set_errno(TCC_ERR_IO, errno, "jit: rename %s", so_tmp);
	if (ts != TCC_OK)
		unlink(so_tmp);
	snprintf(c_keep, sizeof(c_keep), "%s/%s.c", dir, hex);
	if (keep_source && rename(c_tmp, c_keep) == 0)
		return ts;
	unlink(c_tmp);
	return ts;
}

static bool debug_enabled(void)
{
	const char *d = getenv("TCC_DEBUG");

	return d && *d && strcmp(d, "0") != 0;
}

static tcc_status load_module(tcc_jit_module *m, const char *const *symbols, size_t n, void **fns)
{
	m->handle = dlopen(m->path, RTLD_NOW | RTLD_LOCAL);
	if (!m->handle)
		return tcc_set_error(TCC_ERR_COMPILE, "jit: dlopen %s: %s", m->path, dlerror());
	/*
	 * A module built with -fopenmp may be what brought libgomp into the
	 * process.  Its worker threads outlive the parallel region; if the
	 * last dlclose() unmapped libgomp under them they would crash.  Pin
	 * it (RTLD_NOLOAD: only if already loaded; NODELETE: never unmapped).
	 */
	void *gomp = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
	if (gomp)
		dlclose(gomp);
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(m->handle, symbols[i]);

		if (!p)
			return tcc_set_error(TCC_ERR_COMPILE, "jit: symbol '%s' not found in %s", symbols[i],
					     m->path);
		if (fns)
			fns[i] = p;
	}
	return TCC_OK;
}

tcc_status tcc_jit_compile(tcc_jit_module **out, const char *c_source, const char *const *symbols,
			   size_t n_symbols, void **fns, const tcc_jit_options *opts)
{
	char cc[PATH_MAX], dir[PATH_MAX], entry[PATH_MAX], hex[33], flagstore[1024];
	char *extra[MAX_EXTRA_FLAGS];
	struct stat cc_st;
	tcc_jit_module *m;
	tcc_status ts;
	char tmpdir[] = "/tmp/tcc-jit-XXXXXX";

	if (!out || !c_source || (n_symbols && !symbols))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "jit: NULL argument");
	*out = NULL;
	if ((ts = find_compiler(cc, sizeof(cc), &cc_st)) != TCC_OK)
		return ts;
	int n_extra = extra_flags(flagstore, sizeof(flagstore), getenv("TCC_JIT_CFLAGS"),
				  opts ? opts->extra_cflags : NULL, extra);
	key_hex(hex, c_source, cc, &cc_st, extra, n_extra);
	bool no_cache = opts && opts->no_cache;
	bool verbose = opts && opts->verbose;
	if (no_cache) {
		const char *t = getenv("TMPDIR");
		if (t && *t && snprintf(dir, sizeof(dir), "%s/tcc-jit-XXXXXX", t) < (int)sizeof(dir)) {
			if (!mkdtemp(dir))
				return tcc_set_errno(TCC_ERR_IO, errno, "jit: mkdtemp %s", dir);
		} else {
			if (!mkdtemp(tmpdir))
				return tcc_set_errno(TCC_ERR_IO, errno, "jit: mkdtemp %s", tmpdir);
			snprintf(dir, sizeof(dir), "%s", tmpdir);
		}
	} else {
		snprintf(dir, sizeof(dir), "%s", tcc_jit_cache_dir(opts));
		if ((ts = mkdir_p(dir)) != TCC_OK)
			return ts;
	}
	if (snprintf(entry, sizeof(entry), "%s/%s.so", dir, hex) >= (int)sizeof(entry))
		return tcc_set_error(TCC_ERR_IO, "jit: cache path too long: %s", dir);
	if (!(m = calloc(1, sizeof(*m))) || !(m->path = strdup(entry))) {
		free(m);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "jit: out of memory");
	}

	bool keep = debug_enabled();
	if (!no_cache && access(entry, F_OK) == 0) {
		if (entry_is_intact(entry)) {
			m->from_cache = true;
		} else {
			/* Truncated, overwritten or foreign: rebuild it. */
			pthread_mutex_lock(&stats_lock);
			stats.corrupt_entries++;
			pthread_mutex_unlock(&stats_lock);
			if (verbose)
				fprintf(stderr, "tcc jit: corrupt cache entry %s, rebuilding\n", entry);
			unlink(entry);
		}
	}
	if (!m->from_cache) {
		ts = build_entry(dir, hex, entry, c_source, cc, extra, n_extra, keep);
		if (verbose && ts == TCC_OK)
			fprintf(stderr, "tcc jit: compiled %s\n", entry);
		size_t removed = 0;

		/* Keeping the cache in its limit is housekeeping: it never fails a compile. */
		if (ts == TCC_OK && !no_cache && tcc_jit_cache_trim(dir, tcc_jit_cache_limit(), hex, &removed))
			tcc_clear_error();
		if (verbose && removed)
			fprintf(stderr, "tcc jit: cache over its limit, %zu old entries removed\n", removed);
	} else {
		tcc_jit_cache_touch(entry);
		pthread_mutex_lock(&stats_lock);
		stats.cache_hits++;
		pthread_mutex_unlock(&stats_lock);
		if (verbose)
			fprintf(stderr, "tcc jit: cache hit %s\n", entry);
		if (keep) {
			char c_keep[PATH_MAX + 64];

			snprintf(c_keep, sizeof(c_keep), "%s/%s.c", dir, hex);
			if (access(c_keep, F_OK) != 0)
				write_file(c_keep, c_source, strlen(c_source));
		}
	}
	if (ts == TCC_OK)
		ts = load_module(m, symbols, n_symbols, fns);
	if (ts == TCC_ERR_COMPILE && m->from_cache && !m->handle) {
		/* Intact bytes that do not load (e.g. written by another libc):
		 * treat like corruption, once. */
		pthread_mutex_lock(&stats_lock);
		stats.corrupt_entries++;
		pthread_mutex_unlock(&stats_lock);
		if (m->handle)
			dlclose(m->handle);
		m->handle = NULL;
		m->from_cache = false;
		unlink(entry);
		ts = build_entry(dir, hex, entry, c_source, cc, extra, n_extra, keep);
		if (ts == TCC_OK)
			ts = load_module(m, symbols, n_symbols, fns);
	}
	if (no_cache) {
		/* The mapping outlives the file; leave nothing behind. */
		unlink(entry);
		if (keep)
			fprintf(stderr, "tcc jit: TCC_DEBUG with no_cache: source kept in %s\n", dir);
		else
			rmdir(dir);
	}
	if (ts != TCC_OK) {
		tcc_jit_module_free(m);
		return ts;
	}
	*out = m;
	return TCC_OK;
}

void *tcc_jit_symbol(const tcc_jit_module *m, const char *name)
{
	return m && m->handle && name ? dlsym(m->handle, name) : NULL;
}

const char *tcc_jit_module_path(const tcc_jit_module *m)
{
	return m ? m->path : NULL;
}

bool tcc_jit_module_from_cache(const tcc_jit_module *m)
{
	return m && m->from_cache;
}

void tcc_jit_module_free(tcc_jit_module *m)
{
	if (!m)
		return;
	if (m->handle)
		dlclose(m->handle);
	free(m->path);
	free(m);
}
