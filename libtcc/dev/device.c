// SPDX-License-Identifier: MIT
/* tcc_device: the tcc.ko render node, or the embedded (memfd) default. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "dev/dev_internal.h"
#include "dev/node.h"

/* TCC_DEVICE=module|embedded|auto decides what TCC_DEVICE_AUTO means. */
static tcc_status kind_from_env(tcc_device_kind *kind)
{
	const char *env = getenv("TCC_DEVICE");

	*kind = TCC_DEVICE_AUTO;
	if (!env || !*env || !strcmp(env, "auto"))
		return TCC_OK;
	if (!strcmp(env, "module"))
		*kind = TCC_DEVICE_MODULE;
	else if (!strcmp(env, "embedded"))
		*kind = TCC_DEVICE_EMBEDDED;
	else
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "TCC_DEVICE='%s': expected module, embedded or auto", env);
	return TCC_OK;
}

tcc_status tcc_device_open(tcc_device_kind kind, tcc_device **out)
{
	char node[64] = "";
	tcc_device *dev;
	tcc_status st;
	int fd = -1;

	if (!out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_device_open: out is NULL");
	*out = NULL;
	if (kind != TCC_DEVICE_AUTO && kind != TCC_DEVICE_MODULE && kind != TCC_DEVICE_EMBEDDED)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_device_open: unknown kind %d", (int)kind);
	if (kind == TCC_DEVICE_AUTO) {
		st = kind_from_env(&kind);
		if (st)
			return st;
	}

	if (kind != TCC_DEVICE_EMBEDDED) {
		fd = tcc_node_open(node, sizeof(node));
		if (fd < 0 && kind == TCC_DEVICE_MODULE) {
			if (fd == -ENODEV)
				return tcc_set_error(TCC_ERR_NO_DEVICE,
						     "tcc.ko is not loaded (no render node with driver 'tcc')");
			return tcc_set_errno(fd == -EACCES ? TCC_ERR_PERMISSION : TCC_ERR_IO, -fd,
					     "open %s", node);
		}
	}

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		if (fd >= 0)
			close(fd);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "tcc_device_open: out of memory");
	}
	pthread_mutex_init(&dev->lock, NULL);
	dev->drm_fd = fd >= 0 ? fd : -1;
	dev->kind = fd >= 0 ? TCC_DEVICE_MODULE : TCC_DEVICE_EMBEDDED;
	strcpy(dev->name, fd >= 0 ? node : "embedded");
	*out = dev;
	return TCC_OK;
}

void tcc_device_close(tcc_device *dev)
{
	if (!dev)
		return;
	if (dev->drm_fd >= 0)
		close(dev->drm_fd);	/* also drops any handle still open */
	pthread_mutex_destroy(&dev->lock);
	free(dev->handles);
	free(dev);
}

tcc_device_kind tcc_device_backend(const tcc_device *dev)
{
	return dev->kind;
}

const char *tcc_device_name(const tcc_device *dev)
{
	return dev->name;
}

int tcc_device_drm_fd(const tcc_device *dev)
{
	return dev->drm_fd;
}
