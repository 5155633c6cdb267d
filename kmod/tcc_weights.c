// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_weights.c - huge-page weight buffers (issue 7).
 *
 * STUB created by the foundation so that tcc.ko builds; owned from now on by
 * the weights engineer.  The hooks and handler names are declared in tcc_drv.h.
 */
#include <linux/errno.h>
#include <linux/sysfs.h>

#include "tcc_drv.h"

int tcc_weights_init(struct tcc_device *tdev)
{
	return 0;
}

void tcc_weights_fini(struct tcc_device *tdev)
{
}

int tcc_weights_open(struct tcc_file *tfile)
{
	return 0;
}

void tcc_weights_postclose(struct tcc_file *tfile)
{
}

int tcc_weights_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_weights_write_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_weights_seal_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_weights_open_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_weights_list_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_weights_resident_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

/*
 * Registered on the platform device next to the BO counters.  It must keep a
 * non-NULL .attrs (sysfs WARNs on a group without attributes, and the test
 * guest boots with panic_on_warn).  Give it a .name for a subdirectory.
 */
static struct attribute *tcc_weights_attrs[] = {
	NULL,
};

const struct attribute_group tcc_weights_attr_group = {
	.attrs = tcc_weights_attrs,
};
