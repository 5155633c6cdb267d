/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tcc.ko kselftests (tests/kmod/NAME_test.c): finding the
 * render node, raw ioctls that return -errno, and the module's sysfs
 * counters.  Header-only so each test stays one static binary.
 */
#ifndef TCC_TEST_UTIL_H
#define TCC_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include <uapi/drm/tcc_drm.h>

#define TCC_SYSFS "/sys/devices/platform/tcc"
#define TCC_PARAM_MAX_PINNED_MB "/sys/module/tcc/parameters/max_pinned_mb"

/* Opens the first render (or card, with @card) node whose driver is @name. */
static inline int tcc_test_open_driver(const char *name, int card)
{
	glob_t g;
	int found = -1;

	if (glob(card ? "/dev/dri/card*" : "/dev/dri/renderD*", 0, NULL, &g))
		return -1;
	for (size_t i = 0; i < g.gl_pathc && found < 0; i++) {
		int fd = open(g.gl_pathv[i], O_RDWR | O_CLOEXEC);
		drmVersionPtr v;

		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, name))
			found = fd;
		else
			close(fd);
		drmFreeVersion(v);
	}
	globfree(&g);
	return found;
}

static inline int tcc_test_open(void)
{
	return tcc_test_open_driver(TCC_DRIVER_NAME, 0);
}

/* ioctl() without libdrm's EINTR retry hiding nothing: 0 or -errno. */
static inline int tcc_ioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do
		rc = ioctl(fd, req, arg);
	while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	return rc < 0 ? -errno : 0;
}

/*
 * Raw BO ioctls.  A test that links libtccml (lib_*_test.c) defines
 * TCC_TEST_NO_RAW_BO first: these names are libtccml's public API there.
 */
#ifndef TCC_TEST_NO_RAW_BO
static inline int tcc_bo_create(int fd, uint64_t size, uint32_t flags, uint32_t *handle)
{
	struct drm_tcc_bo_create c = { .size = size, .flags = flags };
	int rc = tcc_ioctl(fd, DRM_IOCTL_TCC_BO_CREATE, &c);

	if (!rc && handle)
		*handle = c.handle;
	return rc;
}

static inline int tcc_bo_info(int fd, uint32_t handle, struct drm_tcc_bo_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return tcc_ioctl(fd, DRM_IOCTL_TCC_BO_INFO, info);
}

static inline int tcc_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return tcc_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}
#endif /* TCC_TEST_NO_RAW_BO */

/* A sysfs attribute of the tcc device as a number (UINT64_MAX if unreadable). */
static inline uint64_t tcc_sysfs_u64(const char *name)
{
	char path[256];
	unsigned long long v;
	FILE *f;

	snprintf(path, sizeof(path), TCC_SYSFS "/%s", name);
	f = fopen(path, "re");
	if (!f)
		return UINT64_MAX;
	if (fscanf(f, "%llu", &v) != 1)
		v = UINT64_MAX;
	fclose(f);
	return v;
}

/* @len bytes into @path (created with @flags | O_WRONLY): 0 or -errno. */
static inline int tcc_write_bytes(const char *path, int flags, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static inline int tcc_write_file(const char *path, const char *s)
{
	return tcc_write_bytes(path, 0, s, strlen(s));
}

/* A model file for the dynamic tools in the guest (which has no Python to make one). */
static inline int tcc_write_model(const char *path, const void *bytes, size_t len)
{
	mkdir("/tmp", 01777);
	return tcc_write_bytes(path, O_CREAT | O_TRUNC, bytes, len);
}

/* Runs shell command @cmd (stderr folded in); output in @out, returns its exit status. */
static inline int tcc_run_cmd(const char *cmd, char *out, size_t len)
{
	size_t n = 0;
	FILE *p;
	int st;

	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n < len - 1 && fgets(out + n, (int)(len - n), p))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs `/bin/tccctl @args` (stderr folded in); output in @out, returns its exit status. */
static inline int tcc_run_tccctl(const char *args, char *out, size_t len)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "/bin/tccctl %s 2>&1", args);
	return tcc_run_cmd(cmd, out, len);
}

#endif
