// SPDX-License-Identifier: MIT
/*
 * The JIT cache's size limit.  Entries are named by a 32-hex-digit key
 * (<key>.so, and <key>.c with TCC_DEBUG); a hit refreshes the entry's mtime,
 * so mtime order is least-recently-used order.  After a new entry is
 * written, when the entries add up to more than the limit, the oldest go
 * until they fit in 3/4 of it (so that every compile does not trim again).
 * Deleting an entry another process has dlopen()ed is harmless: its
 * mapping stays; a later load compiles it again.  Concurrent trimmers may
 * race on the same file: ENOENT is fine.  Nothing else in the directory is
 * touched (temporary files of compiles under way, foreign files).
 */
#include "codegen/jit.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_MB 512.0

struct entry {
	char name[48];
	off_t bytes;
	struct timespec used;
};

/* <32 hex>.so or <32 hex>.c */
static bool is_entry_name(const char *n)
{
	size_t len = strlen(n);

	if (len != 35 && len != 34)
		return false;
	for (int i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", n[i]))
			return false;
	return !strcmp(n + 32, ".so") || !strcmp(n + 32, ".c");
}

static int older_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	return (x->used.tv_nsec > y->used.tv_nsec) - (x->used.tv_nsec < y->used.tv_nsec);
}

size_t tcc_jit_cache_limit(void)
{
	const char *env = getenv("TCC_CACHE_MAX_MB");
	double mb = DEFAULT_MAX_MB;
	char *end;

	if (env && *env) {
		double v = strtod(env, &end);

		if (!*end && v >= 0)
			mb = v;
	}
	return (size_t)(mb * 1024 * 1024);
}

void tcc_jit_cache_touch(int entry_fd)
{
	/* The mtime says when it was last used; a failure only costs LRU order. */
	(void)futimens(entry_fd, NULL);
}

tcc_status tcc_jit_cache_trim(int dir_fd, size_t max_bytes, const char *keep, size_t *removed)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0, total = 0, gone = 0;
	struct dirent *d;
	DIR *dp;

	if (removed)
		*removed = 0;
	if (!max_bytes)
		return TCC_OK;	/* 0: no limit */
	/* A duplicate: closedir() closes the descriptor it is given. */
	int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0 || !(dp = fdopendir(fd))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return tcc_set_errno(TCC_ERR_IO, e, "jit cache: listing the cache directory");
	}
	rewinddir(dp);
	while ((d = readdir(dp))) {
		struct stat st;

		if (!is_entry_name(d->d_name) || fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		/* The entry about to be loaded stays, whatever the limit. */
		if (keep && !strncmp(d->d_name, keep, 32)) {
			total += (size_t)st.st_size;
			continue;
		}
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			struct entry *p = realloc(v, c * sizeof(*p));

			if (!p) {
				closedir(dp);
				free(v);
				return tcc_set_error(TCC_ERR_NO_MEMORY, "jit cache: listing the cache directory");
			}
			v = p;
			cap = c;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", d->d_name);
		v[n].bytes = st.st_size;
		v[n].used = st.st_mtim;
		total += (size_t)st.st_size;
		n++;
	}
	if (total > max_bytes) {
		qsort(v, n, sizeof(*v), older_first);
		for (size_t i = 0; i < n && total > max_bytes / 4 * 3; i++) {
			if (unlinkat(dirfd(dp), v[i].name, 0) && errno != ENOENT)
				continue;
			total -= (size_t)v[i].bytes;
			gone++;
		}
	}
	closedir(dp);
	free(v);
	if (removed)
		*removed = gone;
	return TCC_OK;
}
