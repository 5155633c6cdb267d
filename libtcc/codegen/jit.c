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
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "codegen/cache_dir.h"
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
	int fd;		/* the verified file dlopen()ed through /proc/self/fd; kept open so the name stays unique */
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

static void count(unsigned long *field)
{
	pthread_mutex_lock(&stats_lock);
	(*field)++;
	pthread_mutex_unlock(&stats_lock);
}

void tcc_jit_report_refused(const char *what, const char *why)
{
	/* Once per directory or entry per process: a long-running server
	 * compiling many models must not repeat the same warning forever. */
	static char *reported[64];
	static size_t n_reported;
	bool first = true;

	pthread_mutex_lock(&stats_lock);
	stats.refused++;
	for (size_t i = 0; i < n_reported; i++)
		if (!strcmp(reported[i], what))
			first = false;
	if (first && n_reported < sizeof(reported) / sizeof(reported[0]))
		reported[n_reported++] = strdup(what);
	pthread_mutex_unlock(&stats_lock);
	if (first)
		fprintf(stderr, "tcc jit: not using %s from the code cache: %s (see Documentation/security.md)\n",
			what, why);
}

static tcc_status write_all(int fd, const void *data, size_t len, off_t off, const char *what)
{
	const char *p = data;

	while (len) {
		ssize_t w = pwrite(fd, p, len, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return tcc_set_errno(TCC_ERR_IO, w < 0 ? errno : EIO, "jit: write %s", what);
		p += w, len -= (size_t)w, off += w;
	}
	return TCC_OK;
}

/* The whole of regular file @fd into a malloc'd buffer; NULL if unreadable. */
static char *read_fd(int fd, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(buf = malloc((size_t)st.st_size + 1)))
		return NULL;
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;
	return buf;
}

/* Is the file behind @fd complete and unmodified?  (trailer check) */
static bool entry_is_intact(int fd)
{
	size_t len = 0;
	char *buf = read_fd(fd, &len);
	bool ok = false;

	if (buf && len > TRAILER_SIZE && memcmp(buf + len - TRAILER_SIZE, trailer_magic, 8) == 0) {
		uint64_t want;

		memcpy(&want, buf + len - 8, 8);
		ok = XXH64(buf, len - TRAILER_SIZE, 0) == want;
	}
	free(buf);
	return ok;
}

static tcc_status append_trailer(int fd, const char *what)
{
	size_t len = 0;
	char *buf = read_fd(fd, &len);

	if (!buf)
		return tcc_set_errno(TCC_ERR_IO, errno, "jit: read back %s", what);
	uint64_t h = XXH64(buf, len, 0);
	free(buf);
	char trailer[TRAILER_SIZE];
	memcpy(trailer, trailer_magic, 8);
	memcpy(trailer + 8, &h, 8);
	return write_all(fd, trailer, sizeof(trailer), (off_t)len, what);
}

/*
 * A name nobody can predict for a temporary file: the key plus 64 random
 * bits.  Files are created with O_EXCL, so a collision is a retry, never a
 * shared file.
 */
static void tmp_name(char *out, size_t len, const char *hex, const char *suffix)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = ((uint64_t)getpid() << 32) ^ (uint64_t)atomic_fetch_add(&tmp_counter, 1) ^
		    (uint64_t)(now_seconds() * 1e9);
	snprintf(out, len, "%s.%016llx.tmp%s", hex, (unsigned long long)r, suffix);
}

/* Create a new file in @d (never an existing one, never through a symlink). */
static int create_excl(const tcc_jit_dir *d, char *name, size_t len, const char *hex, const char *suffix)
{
	for (int tries = 0; tries < 16; tries++) {
		tmp_name(name, len, hex, suffix);
		int fd = openat(d->fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}
/*
 * Run the compiler on @c_path into @so_path, both names relative to the
 * verified directory @dirfd (the child changes into it), collecting its
 * stderr (and stdout) for the error message.
 */
static tcc_status run_compiler(const char *cc, char *const *extra, int n_extra, int dirfd, const char *dir,
			       const char *c_path, const char *so_path)
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
	posix_spawn_file_actions_addfchdir_np(&fa, dirfd);
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
		return tcc_set_error(TCC_ERR_COMPILE, "jit: %s failed (%s %d) on %s/%s:\n%s", cc,
				     WIFEXITED(status) ? "exit" : "signal",
				     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), dir, c_path,
				     out);
	return TCC_OK;
}

/*
 * The compiler's output @so_tmp in @d: opened without following a link or
 * blocking, checked to be a regular file of ours, made 0644 (readable by
 * all: a root-made cache may be shared read-only), given its trailer, and
 * returned read-only in *@fd_out.
 */
static tcc_status seal_output(const tcc_jit_dir *d, const char *so_tmp, int *fd_out)
{
	char self[64];
	struct stat st;
	tcc_status ts = TCC_OK;
	int fd = openat(d->fd, so_tmp, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "jit: compiler output %s/%s", d->path, so_tmp);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		ts = tcc_set_error(TCC_ERR_IO, "jit: compiler output %s/%s is not a regular file of ours",
				   d->path, so_tmp);
	else if (fchmod(fd, 0644) != 0)
		ts = tcc_set_errno(TCC_ERR_IO, errno, "jit: chmod %s/%s", d->path, so_tmp);
	else
		ts = append_trailer(fd, so_tmp);
	if (ts == TCC_OK) {
		/* Read-only from here on, and still the same file. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		*fd_out = open(self, O_RDONLY | O_CLOEXEC);
		if (*fd_out < 0)
			ts = tcc_set_errno(TCC_ERR_IO, errno, "jit: reopen %s (is /proc mounted?)", self);
	}
	close(fd);
	return ts;
}

/*
 * Compile @source into entry @name of @d.  Both files are created with
 * O_EXCL under unpredictable names in @d itself, the result is checked
 * through its descriptor, given its trailer and renamed into place; the
 * descriptor (now the entry's) is returned in *@fd_out for loading, so the
 * file loaded is the file just written.
 */
static tcc_status build_entry(const tcc_jit_dir *d, const char *hex, const char *name, const char *source,
			      const char *cc, char *const *extra, int n_extra, bool keep_source, int *fd_out)
{
	char c_tmp[96], so_tmp[96], c_keep[64];
	tcc_status ts;
	int fd;

	*fd_out = -1;
	if ((fd = create_excl(d, c_tmp, sizeof(c_tmp), hex, ".c")) < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "jit: create a source file in %s", d->path);
	ts = write_all(fd, source, strlen(source), 0, c_tmp);
	close(fd);
	/* Reserve the output's name too; the compiler replaces the empty file. */
	if (ts == TCC_OK && (fd = create_excl(d, so_tmp, sizeof(so_tmp), hex, ".so")) < 0)
		ts = tcc_set_errno(TCC_ERR_IO, errno, "jit: create an object file in %s", d->path);
	if (ts != TCC_OK) {
		unlinkat(d->fd, c_tmp, 0);
		return ts;
	}
	close(fd);
	double t0 = now_seconds();
	ts = run_compiler(cc, extra, n_extra, d->fd, d->path, c_tmp, so_tmp);
	pthread_mutex_lock(&stats_lock);
	stats.compile_seconds += now_seconds() - t0;
	pthread_mutex_unlock(&stats_lock);
	fd = -1;
	if (ts == TCC_OK)
		ts = seal_output(d, so_tmp, &fd);
	if (ts == TCC_OK && renameat(d->fd, so_tmp, d->fd, name) != 0)
		ts = tcc_set_errno(TCC_ERR_IO, errno, "jit: rename %s/%s", d->path, so_tmp);
	if (ts != TCC_OK) {
		if (fd >= 0)
			close(fd);
		unlinkat(d->fd, so_tmp, 0);
	} else {
		*fd_out = fd;
	}
	snprintf(c_keep, sizeof(c_keep), "%s.c", hex);
	if (!(keep_source && renameat(d->fd, c_tmp, d->fd, c_keep) == 0))
		unlinkat(d->fd, c_tmp, 0);
	return ts;
}

static bool debug_enabled(void)
{
	const char *d = getenv("TCC_DEBUG");

	return d && *d && strcmp(d, "0") != 0;
}

/* dlopen the file behind m->fd: the inode that was checked, whatever its name points to now. */
static tcc_status load_module(tcc_jit_module *m, const char *const *symbols, size_t n, void **fns)
{
	char self[64];

	snprintf(self, sizeof(self), "/proc/self/fd/%d", m->fd);
	m->handle = dlopen(self, RTLD_NOW | RTLD_LOCAL);
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

/*
 * Entry @name of @d, verified (owner, mode, regular file) and intact, as an
 * open descriptor; -1 when there is none to use.  A refused entry is
 * reported; a corrupt one in a writable cache is removed.
 */
static int usable_entry(const tcc_jit_dir *d, const char *name, bool verbose)
{
	char why[128], what[PATH_MAX + 64];
	int fd = tcc_jit_entry_open(d, name, why, sizeof(why));

	snprintf(what, sizeof(what), "%s/%s", d->path, name);
	if (fd == -2) {
		/* Rebuilding replaces it: rename() swaps the name, never follows it. */
		tcc_jit_report_refused(what, why);
		return -1;
	}
	if (fd < 0)
		return -1;
	if (entry_is_intact(fd))
		return fd;
	/* Truncated, overwritten or foreign: rebuild it. */
	close(fd);
	count(&stats.corrupt_entries);
	if (verbose)
		fprintf(stderr, "tcc jit: corrupt cache entry %s, rebuilding\n", what);
	if (!d->shared)
		unlinkat(d->fd, name, 0);
	return -1;
}

static tcc_jit_module *module_new(const tcc_jit_dir *d, const char *name)
{
	tcc_jit_module *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->fd = -1;
	if (asprintf(&m->path, "%s/%s", d->path, name) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

/* The explicit shared read-only cache ($TCC_CACHE_SHARED): a hit there, or NULL. */
static tcc_jit_module *shared_hit(const char *name, bool verbose)
{
	const char *path = getenv("TCC_CACHE_SHARED");
	char why[128];
	tcc_jit_dir d;
	tcc_jit_module *m = NULL;

	if (!path || !*path)
		return NULL;
	if (!tcc_jit_dir_open_shared(&d, path, why, sizeof(why))) {
		tcc_jit_report_refused(path, why);
		return NULL;
	}
	int fd = usable_entry(&d, name, verbose);

	if (fd >= 0 && !(m = module_new(&d, name)))
		close(fd);
	else if (m)
		m->fd = fd, m->from_cache = true;
	tcc_jit_dir_close(&d);
	return m;
}

/* The user's cache directory, verified; a fresh private one when it is refused. */
static tcc_status open_cache(tcc_jit_dir *d, const tcc_jit_options *opts, bool no_cache)
{
	char why[128];
	const char *path;

	if (no_cache)
		return tcc_jit_dir_private(d);
	path = tcc_jit_cache_dir(opts);
	if (tcc_jit_dir_open(d, path, why, sizeof(why)))
		return TCC_OK;
	tcc_jit_report_refused(path, why);
	return tcc_jit_dir_private(d);
}

tcc_status tcc_jit_compile(tcc_jit_module **out, const char *c_source, const char *const *symbols,
			   size_t n_symbols, void **fns, const tcc_jit_options *opts)
{
	char cc[PATH_MAX], name[40], hex[33], flagstore[1024];
	char *extra[MAX_EXTRA_FLAGS];
	struct stat cc_st;
	tcc_jit_module *m;
	tcc_jit_dir dir;
	tcc_status ts;

	if (!out || !c_source || (n_symbols && !symbols))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "jit: NULL argument");
	*out = NULL;
	if ((ts = find_compiler(cc, sizeof(cc), &cc_st)) != TCC_OK)
		return ts;
	/* The compiler runs inside the cache directory: a relative name would not resolve there. */
	char abs_cc[PATH_MAX];
	if (cc[0] != '/' && realpath(cc, abs_cc))
		memcpy(cc, abs_cc, strlen(abs_cc) + 1);
	int n_extra = extra_flags(flagstore, sizeof(flagstore), getenv("TCC_JIT_CFLAGS"),
				  opts ? opts->extra_cflags : NULL, extra);
	key_hex(hex, c_source, cc, &cc_st, extra, n_extra);
	snprintf(name, sizeof(name), "%s.so", hex);
	bool no_cache = opts && opts->no_cache;
	bool verbose = opts && opts->verbose;
	bool keep = debug_enabled();

	if (!no_cache && (m = shared_hit(name, verbose))) {
		ts = load_module(m, symbols, n_symbols, fns);
		if (ts == TCC_OK) {
			count(&stats.cache_hits);
			if (verbose)
				fprintf(stderr, "tcc jit: shared cache hit %s\n", m->path);
			*out = m;
			return TCC_OK;
		}
		tcc_jit_module_free(m);	/* unloadable: compile into the user's own cache */
		tcc_clear_error();
	}
	if ((ts = open_cache(&dir, opts, no_cache)) != TCC_OK)
		return ts;
	if (!(m = module_new(&dir, name))) {
		tcc_jit_dir_close(&dir);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "jit: out of memory");
	}
	if (!dir.temporary && (m->fd = usable_entry(&dir, name, verbose)) >= 0)
		m->from_cache = true;
	if (!m->from_cache) {
		ts = build_entry(&dir, hex, name, c_source, cc, extra, n_extra, keep, &m->fd);
		if (ts == TCC_ERR_IO && !dir.temporary) {
			/* A cache we may read but not write (full disk, read-only
			 * mount, a directory squatting on the name): compile privately. */
			tcc_jit_report_refused(dir.path, tcc_last_error());
			tcc_jit_dir_close(&dir);
			if ((ts = tcc_jit_dir_private(&dir)) != TCC_OK) {
				tcc_jit_module_free(m);
				return ts;
			}
			free(m->path);
			m->path = NULL;
			if (asprintf(&m->path, "%s/%s", dir.path, name) < 0) {
				m->path = NULL;
				tcc_jit_dir_close(&dir);
				tcc_jit_module_free(m);
				return tcc_set_error(TCC_ERR_NO_MEMORY, "jit: out of memory");
			}
			ts = build_entry(&dir, hex, name, c_source, cc, extra, n_extra, keep, &m->fd);
		}
		if (verbose && ts == TCC_OK)
			fprintf(stderr, "tcc jit: compiled %s\n", m->path);
		size_t removed = 0;

		/* Keeping the cache in its limit is housekeeping: it never fails a compile. */
		if (ts == TCC_OK && !dir.temporary &&
		    tcc_jit_cache_trim(dir.fd, tcc_jit_cache_limit(), hex, &removed))
			tcc_clear_error();
		if (verbose && removed)
			fprintf(stderr, "tcc jit: cache over its limit, %zu old entries removed\n", removed);
	} else {
		tcc_jit_cache_touch(m->fd);
		count(&stats.cache_hits);
		if (verbose)
			fprintf(stderr, "tcc jit: cache hit %s\n", m->path);
		if (keep) {
			char c_keep[64];
			int fd;

			snprintf(c_keep, sizeof(c_keep), "%s.c", hex);
			fd = openat(dir.fd, c_keep, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd >= 0) {
				if (write_all(fd, c_source, strlen(c_source), 0, c_keep) != TCC_OK)
					tcc_clear_error();	/* a debugging aid only */
				close(fd);
			}
		}
	}
	if (ts == TCC_OK)
		ts = load_module(m, symbols, n_symbols, fns);
	if (ts == TCC_ERR_COMPILE && m->from_cache && !m->handle) {
		/* Intact bytes that do not load (e.g. written by another libc):
		 * treat like corruption, once. */
		count(&stats.corrupt_entries);
		close(m->fd);
		m->fd = -1;
		m->from_cache = false;
		unlinkat(dir.fd, name, 0);
		ts = build_entry(&dir, hex, name, c_source, cc, extra, n_extra, keep, &m->fd);
		if (ts == TCC_OK)
			ts = load_module(m, symbols, n_symbols, fns);
	}
	if (dir.temporary) {
		/* The mapping outlives the file; leave nothing behind. */
		unlinkat(dir.fd, name, 0);
		if (keep)
			fprintf(stderr, "tcc jit: TCC_DEBUG with a private directory: source kept in %s\n",
				dir.path);
	}
	tcc_jit_dir_close(&dir);
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
	if (m->fd >= 0)
		close(m->fd);
	free(m->path);
	free(m);
}
