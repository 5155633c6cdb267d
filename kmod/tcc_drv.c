// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_drv.c - tcc.ko: a DRM render-node driver for ML inference on CPU hosts.
 *
 * There is no hardware: like vgem, the module creates its own platform device
 * at load and hangs one DRM device (render node, driver name "tcc") off it.
 * Buffer objects are GEM shmem objects (tcc_bo.c); queues (tcc_queue.c) and
 * weight buffers (tcc_weights.c) plug in through the hooks in tcc_drv.h.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>
#include <uapi/drm/tcc_drm.h>

#include "tcc_drv.h"
#include "tcc_queue_ioctls.h"
#include "tcc_weights_ioctls.h"

#define DRIVER_DESC	"tcc ML inference device"
#define DRIVER_DATE	"20261125"
#define DRIVER_MAJOR	0
#define DRIVER_MINOR	1

unsigned int tcc_max_pinned_mb = 256;
module_param_named(max_pinned_mb, tcc_max_pinned_mb, uint, 0644);
MODULE_PARM_DESC(max_pinned_mb,
		 "Limit on memory held by TCC_BO_PINNED buffers, MiB (default 256)");

static struct tcc_device *tcc_dev;

static int tcc_open(struct drm_device *drm, struct drm_file *file)
{
	struct tcc_file *tfile;
	int ret;

	tfile = kzalloc(sizeof(*tfile), GFP_KERNEL);
	if (!tfile)
		return -ENOMEM;
	tfile->tdev = to_tcc_device(drm);
	tfile->pid = task_tgid_nr(current);
	file->driver_priv = tfile;

	ret = tcc_queue_open(tfile);
	if (ret)
		goto err_free;
	ret = tcc_weights_open(tfile);
	if (ret)
		goto err_queue;
	return 0;

err_queue:
	tcc_queue_postclose(tfile);
err_free:
	file->driver_priv = NULL;
	kfree(tfile);
	return ret;
}

static void tcc_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct tcc_file *tfile = to_tcc_file(file);

	tcc_weights_postclose(tfile);
	tcc_queue_postclose(tfile);
	kfree(tfile);
	file->driver_priv = NULL;
}

#ifndef TCC_QUEUE_EXTRA_IOCTLS
#define TCC_QUEUE_EXTRA_IOCTLS
#endif
#ifndef TCC_WEIGHTS_EXTRA_IOCTLS
#define TCC_WEIGHTS_EXTRA_IOCTLS
#endif

static const struct drm_ioctl_desc tcc_ioctls[] = {
	/* buffer objects: tcc_bo.c */
	DRM_IOCTL_DEF_DRV(TCC_BO_CREATE, tcc_bo_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_BO_INFO, tcc_bo_info_ioctl, DRM_RENDER_ALLOW),
	/* queues: tcc_queue.c */
	DRM_IOCTL_DEF_DRV(TCC_QUEUE_CREATE, tcc_queue_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_QUEUE_DESTROY, tcc_queue_destroy_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_SUBMIT, tcc_submit_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_JOB_STATUS, tcc_job_status_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_EXEC_ATTACH, tcc_exec_attach_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_EXEC_FETCH, tcc_exec_fetch_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_EXEC_COMPLETE, tcc_exec_complete_ioctl, DRM_RENDER_ALLOW),
	TCC_QUEUE_EXTRA_IOCTLS
	/* weights: tcc_weights.c */
	DRM_IOCTL_DEF_DRV(TCC_WEIGHTS_CREATE, tcc_weights_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_WEIGHTS_WRITE, tcc_weights_write_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_WEIGHTS_SEAL, tcc_weights_seal_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_WEIGHTS_OPEN, tcc_weights_open_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_WEIGHTS_LIST, tcc_weights_list_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TCC_WEIGHTS_RESIDENT, tcc_weights_resident_ioctl, DRM_RENDER_ALLOW),
	TCC_WEIGHTS_EXTRA_IOCTLS
};

DEFINE_DRM_GEM_FOPS(tcc_fops);

static const struct drm_driver tcc_drm_driver = {
	/*
	 * No DRIVER_MODESET: only the render node is meant to be used.  Syncobjs
	 * are the queues' fences (DRM_IOCTL_SYNCOBJ_*, issue 6).
	 */
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
	.open = tcc_open,
	.postclose = tcc_postclose,

	.gem_create_object = tcc_gem_create_object,
	/* PRIME through the DRM core; foreign dma-bufs become shmem objects. */
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
	.gem_prime_import = tcc_gem_prime_import,
	.gem_prime_import_sg_table = tcc_gem_prime_import_sg_table,
	.gem_prime_mmap = drm_gem_prime_mmap,

	.ioctls = tcc_ioctls,
	.num_ioctls = ARRAY_SIZE(tcc_ioctls),
	.fops = &tcc_fops,

	.name = TCC_DRIVER_NAME,
	.desc = DRIVER_DESC,
	.date = DRIVER_DATE,
	.major = DRIVER_MAJOR,
	.minor = DRIVER_MINOR,
};

static const struct attribute_group *tcc_attr_groups[] = {
	&tcc_bo_attr_group,
	&tcc_queue_attr_group,
	&tcc_weights_attr_group,
	NULL,
};

static int __init tcc_init(void)
{
	struct platform_device *pdev;
	struct tcc_device *tdev;
	int ret;

	pdev = platform_device_register_simple(TCC_DRIVER_NAME, -1, NULL, 0);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);

	/* devres of an unbound device: release it by hand at exit (as vgem). */
	if (!devres_open_group(&pdev->dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_unregister_pdev;
	}

	/* Imported dma-bufs are mapped for this device; it can reach all RAM. */
	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_devres;

	tdev = devm_drm_dev_alloc(&pdev->dev, &tcc_drm_driver, struct tcc_device, drm);
	if (IS_ERR(tdev)) {
		ret = PTR_ERR(tdev);
		goto err_devres;
	}
	tdev->pdev = pdev;
	platform_set_drvdata(pdev, &tdev->drm);
	mutex_init(&tdev->bo_lock);
	INIT_LIST_HEAD(&tdev->bos);

	ret = tcc_queue_init(tdev);
	if (ret)
		goto err_devres;
	ret = tcc_weights_init(tdev);
	if (ret)
		goto err_queue;

	ret = device_add_groups(&pdev->dev, tcc_attr_groups);
	if (ret)
		goto err_weights;

	ret = drm_dev_register(&tdev->drm, 0);
	if (ret)
		goto err_groups;

	tcc_dev = tdev;
	return 0;

err_groups:
	device_remove_groups(&pdev->dev, tcc_attr_groups);
err_weights:
	tcc_weights_fini(tdev);
err_queue:
	tcc_queue_fini(tdev);
err_devres:
	devres_release_group(&pdev->dev, NULL);
err_unregister_pdev:
	platform_device_unregister(pdev);
	return ret;
}

static void __exit tcc_exit(void)
{
	struct tcc_device *tdev = tcc_dev;
	struct platform_device *pdev = tdev->pdev;

	drm_dev_unregister(&tdev->drm);
	device_remove_groups(&pdev->dev, tcc_attr_groups);
	tcc_weights_fini(tdev);
	tcc_queue_fini(tdev);
	devres_release_group(&pdev->dev, NULL);
	platform_device_unregister(pdev);
}

module_init(tcc_init);
module_exit(tcc_exit);

MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
