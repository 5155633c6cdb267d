// SPDX-License-Identifier: MIT
/* Finding the tcc.ko render node with libdrm (driver name check). */
#include "dev/node.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include <uapi/drm/tcc_drm.h>

static bool fd_is_tcc(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool yes = v && v->name && strcmp(v->name, TCC_DRIVER_NAME) == 0;

	drmFreeVersion(v);
	return yes;
}

/*
 * Without permission to open a node, sysfs still tells whose it is: tcc.ko
 * hangs its DRM device off a platform device named "tcc".
 */
static bool sysfs_says_tcc(const char *path)
{
	char dir[256], file[300], alias[64] = "";
	FILE *f;

	if (tcc_node_sysfs_dir(path, dir, sizeof(dir)))
		return false;
	snprintf(file, sizeof(file), "%s/modalias", dir);
	f = fopen(file, "re");
	if (!f)
		return false;
	if (!fgets(alias, sizeof(alias), f))
		alias[0] = '\0';
	fclose(f);
	alias[strcspn(alias, "\n")] = '\0';
	return strcmp(alias, "platform:" TCC_DRIVER_NAME) == 0;
}

static int scan(char *path, size_t path_len, bool want_fd)
{
	const char *forced = getenv("TCC_RENDER_NODE");
	char *one[2] = { (char *)forced, NULL };
	glob_t g;
	int ret = -ENODEV;

	if (forced && *forced) {
		/* Tests point at one node; it must still be tcc's. */
		g.gl_pathc = 1;
		g.gl_pathv = one;
		g.gl_offs = 0;
	} else if (glob(TCC_NODE_DEV_DIR "/renderD*", 0, NULL, &g) != 0) {
		return -ENODEV;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *node = g.gl_pathv[i];
		int fd = open(node, O_RDWR | O_CLOEXEC);
		int open_errno = errno;

		if (fd < 0) {
			if (sysfs_says_tcc(node)) {
				snprintf(path, path_len, "%s", node);
				ret = want_fd ? -open_errno : 0;
				break;
			}
			continue;
		}
		if (fd_is_tcc(fd)) {
			snprintf(path, path_len, "%s", node);
			if (want_fd) {
				ret = fd;
			} else {
				close(fd);
				ret = 0;
			}
			break;
		}
		close(fd);
	}
	if (!(forced && *forced))
		globfree(&g);
	return ret;
}

int tcc_node_open(char *path, size_t path_len)
{
	return scan(path, path_len, true);
}

int tcc_node_find(char *path, size_t path_len)
{
	return scan(path, path_len, false);
}

int tcc_node_sysfs_dir(const char *path, char *dir, size_t dir_len)
{
	const char *base = strrchr(path, '/');
	int n;

	base = base ? base + 1 : path;
	n = snprintf(dir, dir_len, TCC_NODE_SYSFS_CLASS "/%s/device", base);
	return n < 0 || (size_t)n >= dir_len ? -ENAMETOOLONG : 0;
}
