/* SPDX-License-Identifier: MIT */
/*
 * Internal: which cache directories and entries the JIT may trust.
 *
 * A cache entry is code that the process will run, so the rule is the one
 * for anything that ends up in dlopen(): it must be owned by the user who
 * runs it (or by root, for the explicit shared read-only cache) and nobody
 * else may be able to write it or the directory holding it.  Every check is
 * made with fstat() on a descriptor opened with O_NOFOLLOW, and everything
 * after the check is done relative to that descriptor (openat, renameat,
 * dlopen of /proc/self/fd/N), so what was checked is what is used.
 */
#ifndef TCC_CODEGEN_CACHE_DIR_H
#define TCC_CODEGEN_CACHE_DIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <tcc/status.h>

typedef struct tcc_jit_dir {
	int fd;			/* the verified directory, O_DIRECTORY */
	char path[PATH_MAX];	/* for messages and tcc_jit_module_path() */
	bool shared;		/* root's read-only cache: never written */
	bool temporary;		/* private mkdtemp directory, removed after use */
} tcc_jit_dir;

/*
 * Open @path as the user's cache directory, creating it (and missing
 * parents) mode 0700.  Refused: not a directory, a symlink, not owned by
 * the effective user, or writable by group/others.  On refusal returns
 * false with the reason in @why; nothing is created inside it.
 */
bool tcc_jit_dir_open(tcc_jit_dir *d, const char *path, char *why, size_t why_len);

/* Open @path as the shared read-only cache: root-owned, not writable by group/others. */
bool tcc_jit_dir_open_shared(tcc_jit_dir *d, const char *path, char *why, size_t why_len);

/* A fresh private directory (mkdtemp under $TMPDIR or /tmp), removed by tcc_jit_dir_close(). */
tcc_status tcc_jit_dir_private(tcc_jit_dir *d);

void tcc_jit_dir_close(tcc_jit_dir *d);

/*
 * Open entry @name of @d for reading without following a symlink and
 * without blocking on a FIFO, and check it: a regular file owned like the
 * directory requires, not writable by group/others.  Returns the
 * descriptor; -1 when absent (ENOENT); -2 when refused (@why says why).
 */
int tcc_jit_entry_open(const tcc_jit_dir *d, const char *name, char *why, size_t why_len);

/* Does @st belong to a trusted owner for @d (the user; root for the shared cache)? */
bool tcc_jit_owner_ok(const tcc_jit_dir *d, const struct stat *st);

/*
 * Report a refused directory or entry: one line on stderr the first time
 * @what is refused in this process, and counted in tcc_jit_stats.refused
 * every time.
 */
void tcc_jit_report_refused(const char *what, const char *why);

#endif /* TCC_CODEGEN_CACHE_DIR_H */
