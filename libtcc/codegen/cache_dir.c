// SPDX-License-Identifier: MIT
/*
 * Trusting the JIT cache: see cache_dir.h for the rule.  The directory is
 * opened once per compile with O_DIRECTORY | O_NOFOLLOW and checked with
 * fstat(); from then on only names relative to that descriptor are used,
 * so swapping the path under us after the check changes nothing.
 */
#include "codegen/cache_dir.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool mode_ok(const struct stat *st)
{
	return !(st->st_mode & (S_IWGRP | S_IWOTH));
}

bool tcc_jit_owner_ok(const tcc_jit_dir *d, const struct stat *st)
{
	return d->shared ? st->st_uid == 0 : st->st_uid == geteuid();
}

static bool check_dir(tcc_jit_dir *d, int fd, char *why, size_t why_len)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(why, why_len, "fstat: %s", strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "not a directory");
		return false;
	}
	if (!tcc_jit_owner_ok(d, &st)) {
		snprintf(why, why_len, "owned by uid %u, not %s", (unsigned)st.st_uid,
			 d->shared ? "root" : "the user running tcc");
		return false;
	}
	if (!mode_ok(&st)) {
		snprintf(why, why_len, "mode %03o is writable by group or others", (unsigned)(st.st_mode & 0777));
		return false;
	}
	return true;
}

static int open_dir(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* mkdir -p with mode 0700 for every component it creates. */
static void make_parents(const char *path)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(tmp))
		return;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		(void)mkdir(tmp, 0700);	/* EEXIST and the like show up when the last one is opened */
		*p = '/';
	}
	(void)mkdir(tmp, 0700);
}

static bool open_checked(tcc_jit_dir *d, const char *path, bool shared, char *why, size_t why_len)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->shared = shared;
	if (!path || !*path || snprintf(d->path, sizeof(d->path), "%s", path) >= (int)sizeof(d->path)) {
		snprintf(why, why_len, "bad path");
		return false;
	}
	if (!shared)
		make_parents(path);
	int fd = open_dir(path);

	if (fd < 0) {
		int e = errno;
		struct stat st;

		/* O_NOFOLLOW | O_DIRECTORY on a symlink says ENOTDIR: name the real reason. */
		if (e == ELOOP || (e == ENOTDIR && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)))
			snprintf(why, why_len, "is a symbolic link");
		else
			snprintf(why, why_len, "%s", e == ENOTDIR ? "not a directory" : strerror(e));
		return false;
	}
	if (!check_dir(d, fd, why, why_len)) {
		close(fd);
		return false;
	}
	d->fd = fd;
	return true;
}

bool tcc_jit_dir_open(tcc_jit_dir *d, const char *path, char *why, size_t why_len)
{
	return open_checked(d, path, false, why, why_len);
}

bool tcc_jit_dir_open_shared(tcc_jit_dir *d, const char *path, char *why, size_t why_len)
{
	return open_checked(d, path, true, why, why_len);
}

tcc_status tcc_jit_dir_private(tcc_jit_dir *d)
{
	const char *t = getenv("TMPDIR");
	char why[128];

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (!t || !*t || snprintf(d->path, sizeof(d->path), "%s/tcc-jit-XXXXXX", t) >= (int)sizeof(d->path))
		snprintf(d->path, sizeof(d->path), "/tmp/tcc-jit-XXXXXX");
	if (!mkdtemp(d->path))
		return tcc_set_errno(TCC_ERR_IO, errno, "jit: mkdtemp %s", d->path);
	/* mkdtemp made it 0700 and ours; checked anyway, through the descriptor used from now on. */
	int fd = open_dir(d->path);

	if (fd < 0 || !check_dir(d, fd, why, sizeof(why))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		rmdir(d->path);
		return tcc_set_errno(TCC_ERR_IO, e, "jit: private directory %s", d->path);
	}
	d->fd = fd;
	d->temporary = true;
	return TCC_OK;
}

void tcc_jit_dir_close(tcc_jit_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->temporary)
		rmdir(d->path);	/* fails harmlessly when TCC_DEBUG kept a source in it */
}

int tcc_jit_entry_open(const tcc_jit_dir *d, const char *name, char *why, size_t why_len)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
	int fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		if (errno == ENOENT)
			return -1;
		snprintf(why, why_len, "%s", errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -2;
	}
	if (fstat(fd, &st) != 0)
		snprintf(why, why_len, "fstat: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, why_len, "not a regular file");
	else if (!tcc_jit_owner_ok(d, &st))
		snprintf(why, why_len, "owned by uid %u", (unsigned)st.st_uid);
	else if (!mode_ok(&st))
		snprintf(why, why_len, "mode %03o is writable by group or others", (unsigned)(st.st_mode & 0777));
	else
		return fd;
	close(fd);
	return -2;
}
