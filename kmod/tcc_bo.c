// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_bo.c - buffer objects: GEM shmem objects with pinned-memory accounting.
 *
 * The shmem helper provides the backing pages, mmap through the DRM fake
 * offset, PRIME export/import and pinning; this file adds TCC_BO_CREATE /
 * TCC_BO_INFO, the max_pinned_mb charge and the per-device BO list that the
 * sysfs counters (and the leak check of the test suite) read.
 */
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_prime.h>
#include <uapi/drm/tcc_drm.h>

#include "tcc_drv.h"

static void tcc_bo_uncharge(struct tcc_device *tdev, u64 bytes)
{
	mutex_lock(&tdev->bo_lock);
	tdev->stats.pinned_bytes -= bytes;
	mutex_unlock(&tdev->bo_lock);
}

/* Charge @bytes of pinned memory, or count a refusal and return -ENOMEM. */
static int tcc_bo_charge(struct tcc_device *tdev, u64 bytes)
{
	u64 limit = (u64)READ_ONCE(tcc_max_pinned_mb) << 20;
	int ret = 0;

	mutex_lock(&tdev->bo_lock);
	if (bytes > limit || tdev->stats.pinned_bytes > limit - bytes) {
		tdev->stats.pinned_refusals++;
		ret = -ENOMEM;
	} else {
		tdev->stats.pinned_bytes += bytes;
	}
	mutex_unlock(&tdev->bo_lock);
	return ret;
}

static void tcc_bo_free(struct drm_gem_object *obj)
{
	struct tcc_bo *bo = to_tcc_bo(obj);
	struct tcc_device *tdev = to_tcc_device(obj->dev);

	if (bo->pinned)
		drm_gem_shmem_unpin(&bo->base);
	if (bo->charged)
		tcc_bo_uncharge(tdev, bo->charged);

	mutex_lock(&tdev->bo_lock);
	if (!list_empty(&bo->node)) {
		list_del(&bo->node);
		tdev->stats.bo_count--;
	}
	mutex_unlock(&tdev->bo_lock);

	drm_gem_shmem_free(&bo->base);
}

static const struct drm_gem_object_funcs tcc_bo_funcs = {
	.free = tcc_bo_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/**
 * tcc_gem_create_object() - &drm_driver.gem_create_object for every tcc BO
 * @drm: the DRM device
 * @size: object size (unused: the helper initialises the GEM object)
 *
 * Called by the shmem helper for TCC_BO_CREATE and for PRIME imports.  The
 * object is put on the device list only once the helper has fully built it
 * (tcc_bo_track()): on its own error paths the helper frees the memory
 * without calling &drm_gem_object_funcs.free.
 *
 * Return: the embedded GEM object or an ERR_PTR.
 */
struct drm_gem_object *tcc_gem_create_object(struct drm_device *drm, size_t size)
{
	struct tcc_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &tcc_bo_funcs;
	bo->creator = task_tgid_nr(current);
	INIT_LIST_HEAD(&bo->node);
	return &bo->base.base;
}

/* Count a fully built BO; tcc_bo_free() takes it off again. */
static void tcc_bo_track(struct tcc_device *tdev, struct tcc_bo *bo)
{
	mutex_lock(&tdev->bo_lock);
	list_add_tail(&bo->node, &tdev->bos);
	tdev->stats.bo_count++;
	bo->id = ++tdev->stats.created;
	mutex_unlock(&tdev->bo_lock);
}

/**
 * tcc_gem_prime_import_sg_table() - &drm_driver.gem_prime_import_sg_table
 * @drm: the DRM device
 * @attach: attachment of the foreign dma-buf to our device
 * @sgt: its mapped pages
 *
 * The shmem helper's import, plus accounting: imported BOs are listed and
 * counted like created ones (flags 0, never charged as pinned: the exporter
 * owns the pages).
 *
 * Return: the new GEM object or an ERR_PTR.
 */
struct drm_gem_object *tcc_gem_prime_import_sg_table(struct drm_device *drm,
						     struct dma_buf_attachment *attach,
						     struct sg_table *sgt)
{
	struct drm_gem_object *obj;

	obj = drm_gem_shmem_prime_import_sg_table(drm, attach, sgt);
	if (!IS_ERR(obj))
		tcc_bo_track(to_tcc_device(drm), to_tcc_bo(obj));
	return obj;
}

/**
 * tcc_gem_prime_import() - &drm_driver.gem_prime_import
 * @drm: the DRM device
 * @dma_buf: the dma-buf to import
 *
 * drm_gem_prime_import() with one more check.  The PRIME core keeps one
 * dma-buf per GEM object and forgets it when the object's last handle goes,
 * assuming that only importing that dma-buf makes a handle again.  A CPU
 * executor is handed new handles of a job's BOs (tcc_exec.c), so it can
 * export a BO whose first dma-buf is still alive as a second one; importing
 * the first would then trip the core's WARN_ON(obj->dma_buf != dma_buf) and
 * leave the BO with two dma-bufs.  That import is refused.  Our exports are
 * recognised by their owner (drm_gem_prime_export() sets the driver's
 * module); &drm_device.object_name_lock, held by the caller, protects
 * &drm_gem_object.dma_buf.
 *
 * Return: the GEM object (a new reference) or an ERR_PTR: -EBUSY for a
 * dma-buf of ours that its BO no longer uses.
 */
struct drm_gem_object *tcc_gem_prime_import(struct drm_device *drm, struct dma_buf *dma_buf)
{
	struct drm_gem_object *obj = dma_buf->priv;

	lockdep_assert_held(&drm->object_name_lock);
	if (dma_buf->owner == THIS_MODULE && obj && obj->dev == drm && obj->dma_buf &&
	    obj->dma_buf != dma_buf)
		return ERR_PTR(-EBUSY);
	return drm_gem_prime_import(drm, dma_buf);
}

/* Page-aligned size of a create request, or a negative errno. */
static s64 tcc_bo_check_size(u64 size)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	if (!size || size > U64_MAX - (PAGE_SIZE - 1))
		return -EINVAL;
	size = PAGE_ALIGN(size);
	/* A shmem object can be sparse, but one larger than RAM is a bug. */
	if (size > ram || size > S64_MAX)
		return -E2BIG;
	return size;
}

/**
 * tcc_bo_create_ioctl() - DRM_IOCTL_TCC_BO_CREATE
 * @drm: the DRM device
 * @data: &struct drm_tcc_bo_create, copied in by the DRM core
 * @file: the caller's DRM file
 *
 * Return: 0 with @data->handle set, -EINVAL for bad flags/padding/size,
 * -E2BIG for a size above RAM, -ENOMEM when a pinned BO is over the limit.
 */
int tcc_bo_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct tcc_device *tdev = to_tcc_device(drm);
	struct drm_tcc_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	struct tcc_bo *bo;
	s64 size;
	int ret;

	if (args->flags & ~TCC_BO_FLAGS_ALL || args->pad)
		return -EINVAL;
	size = tcc_bo_check_size(args->size);
	if (size < 0)
		return size;

	if (args->flags & TCC_BO_PINNED) {
		ret = tcc_bo_charge(tdev, size);
		if (ret)
			return ret;
	}

	shmem = drm_gem_shmem_create(drm, size);
	if (IS_ERR(shmem)) {
		if (args->flags & TCC_BO_PINNED)
			tcc_bo_uncharge(tdev, size);
		return PTR_ERR(shmem);
	}
	bo = container_of(shmem, struct tcc_bo, base);
	bo->flags = args->flags;
	tcc_bo_track(tdev, bo);

	if (args->flags & TCC_BO_PINNED) {
		/* From here tcc_bo_free() gives the charge back. */
		bo->charged = size;
		ret = drm_gem_shmem_pin(shmem);
		if (ret)
			goto out_put;
		bo->pinned = true;
	}

	ret = drm_gem_handle_create(file, &shmem->base, &args->handle);
out_put:
	/* The handle (if any) now holds the only reference. */
	drm_gem_object_put(&shmem->base);
	return ret;
}

/*
 * GEM handles of one file name BOs and also other object kinds (weight
 * buffers): only objects created by this file's functions are tcc BOs, and
 * to_tcc_bo() on anything else would read a foreign struct.
 */
static struct drm_gem_object *tcc_bo_gem_lookup(struct drm_file *file, u32 handle)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, handle);

	if (obj && obj->funcs != &tcc_bo_funcs) {
		drm_gem_object_put(obj);
		return NULL;
	}
	return obj;
}

/**
 * tcc_bo_info_ioctl() - DRM_IOCTL_TCC_BO_INFO
 * @drm: the DRM device
 * @data: &struct drm_tcc_bo_info
 * @file: the caller's DRM file
 *
 * Return: 0, -EINVAL for non-zero padding, -ENOENT for an unknown handle.
 */
int tcc_bo_info_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->pad)
		return -EINVAL;
	obj = tcc_bo_gem_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		args->size = obj->size;
		args->flags = to_tcc_bo(obj)->flags;
		args->pad2 = 0;
		args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	}
	drm_gem_object_put(obj);
	return ret;
}

struct tcc_bo *tcc_bo_lookup(struct drm_file *file, u32 handle)
{
	struct drm_gem_object *obj = tcc_bo_gem_lookup(file, handle);

	return obj ? to_tcc_bo(obj) : NULL;
}
