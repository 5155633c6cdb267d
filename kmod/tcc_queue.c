// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_queue.c - device queues, executors and submit (issue 6).
 *
 * STUB created by the foundation so that tcc.ko builds; owned from now on by
 * the queue engineer.  The hooks and handler names are declared in tcc_drv.h.
 */
#include <linux/errno.h>
#include <linux/sysfs.h>

#include "tcc_drv.h"

int tcc_queue_init(struct tcc_device *tdev)
{
	return 0;
}

void tcc_queue_fini(struct tcc_device *tdev)
{
}

int tcc_queue_open(struct tcc_file *tfile)
{
	return 0;
}

void tcc_queue_postclose(struct tcc_file *tfile)
{
}

int tcc_queue_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_queue_destroy_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_submit_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_job_status_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_exec_attach_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_exec_fetch_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int tcc_exec_complete_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

/*
 * Registered on the platform device next to the BO counters.  It must keep a
 * non-NULL .attrs (sysfs WARNs on a group without attributes, and the test
 * guest boots with panic_on_warn).  Give it a .name for a subdirectory.
 */
static struct attribute *tcc_queue_attrs[] = {
	NULL,
};

const struct attribute_group tcc_queue_attr_group = {
	.attrs = tcc_queue_attrs,
};
