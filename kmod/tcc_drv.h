/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcc_drv.h - shared state of tcc.ko and the seams between its parts.
 *
 * tcc.ko is split by owner:
 *   tcc_drv.c, tcc_bo.c, tcc_sysfs.c  device, buffer objects, sysfs (foundation)
 *   tcc_queue.c (+ firmware-stubs/)   queues, executors, submit  (issue 6)
 *   tcc_weights.c                     huge-page weight buffers   (issue 7)
 *
 * The queue and weights parts keep their state behind the opaque pointers in
 * struct tcc_device and struct tcc_file and implement the hooks and ioctl
 * handlers declared at the end of this file.  tcc_drv.c calls the hooks and
 * routes the ioctl numbers of include/uapi/drm/tcc_drm.h to the handlers;
 * an ioctl a part does not implement yet returns -EOPNOTSUPP.
 */
#ifndef TCC_DRV_H
#define TCC_DRV_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>
#include <linux/types.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>

struct dma_buf;
struct dma_buf_attachment;
struct platform_device;
struct sg_table;

/**
 * struct tcc_bo_stats - buffer-object accounting, shown in sysfs
 * @bo_count: live buffer objects (created and imported)
 * @pinned_bytes: bytes currently charged by TCC_BO_PINNED objects
 * @pinned_refusals: pinned creates refused because of max_pinned_mb
 * @created: buffer objects created since load (monotonic)
 */
struct tcc_bo_stats {
	u64 bo_count;
	u64 pinned_bytes;
	u64 pinned_refusals;
	u64 created;
};

/**
 * struct tcc_device - one tcc device (there is exactly one per module load)
 * @drm: the DRM device; &drm.dev is the module-created platform device
 * @pdev: platform device the DRM device hangs off (sysfs lives under it)
 * @bo_lock: protects @bos and @stats
 * @bos: every live &struct tcc_bo (for sysfs "bos" and the leak check)
 * @stats: buffer-object counters
 * @queue_priv: owned by tcc_queue.c, set by tcc_queue_init()
 * @weights_priv: owned by tcc_weights.c, set by tcc_weights_init()
 */
struct tcc_device {
	struct drm_device drm;
	struct platform_device *pdev;

	struct mutex bo_lock;	/* protects bos and stats */
	struct list_head bos;
	struct tcc_bo_stats stats;

	void *queue_priv;
	void *weights_priv;
};

/**
 * struct tcc_file - per-open state of the DRM file (drm_file.driver_priv)
 * @tdev: the device this file was opened on
 * @pid: thread-group id of the opener (for sysfs listings)
 * @queue_priv: owned by tcc_queue.c, set by tcc_queue_open()
 * @weights_priv: owned by tcc_weights.c, set by tcc_weights_open()
 */
struct tcc_file {
	struct tcc_device *tdev;
	pid_t pid;
	void *queue_priv;
	void *weights_priv;
};

/**
 * struct tcc_bo - a tcc buffer object: a GEM shmem object plus accounting
 * @base: the shmem GEM object (mmap, PRIME, pinning come from the helper)
 * @id: serial number on this device (1, 2, ...), for listings
 * @flags: TCC_BO_* given at create (0 for imported buffers)
 * @charged: bytes charged against max_pinned_mb (0 unless PINNED)
 * @pinned: true while this object holds a drm_gem_shmem_pin() reference
 * @creator: thread-group id of the creating process
 * @node: entry in &tcc_device.bos
 */
struct tcc_bo {
	struct drm_gem_shmem_object base;
	u64 id;
	u32 flags;
	u64 charged;
	bool pinned;
	pid_t creator;
	struct list_head node;
};

static inline struct tcc_device *to_tcc_device(struct drm_device *drm)
{
	return container_of(drm, struct tcc_device, drm);
}

static inline struct tcc_file *to_tcc_file(struct drm_file *file)
{
	return file->driver_priv;
}

static inline struct tcc_bo *to_tcc_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct tcc_bo, base);
}

/* Module parameter (MiB), read at every pinned create. */
extern unsigned int tcc_max_pinned_mb;

/* tcc_bo.c */
struct drm_gem_object *tcc_gem_create_object(struct drm_device *drm, size_t size);
struct drm_gem_object *tcc_gem_prime_import(struct drm_device *drm, struct dma_buf *dma_buf);
struct drm_gem_object *tcc_gem_prime_import_sg_table(struct drm_device *drm,
						     struct dma_buf_attachment *attach,
						     struct sg_table *sgt);
int tcc_bo_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_bo_info_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
/**
 * tcc_bo_lookup() - take a reference on the tcc BO behind a GEM handle
 * @file: DRM file the handle belongs to
 * @handle: GEM handle
 *
 * For other parts (queues, weights) that receive BO handles from userspace.
 * Return: the BO with a reference (drop it with drm_gem_object_put(&bo->base.base)),
 * or NULL when @handle is not a live handle of @file.
 */
struct tcc_bo *tcc_bo_lookup(struct drm_file *file, u32 handle);

/* tcc_sysfs.c: groups registered on the platform device */
extern const struct attribute_group tcc_bo_attr_group;

/*
 * Hooks implemented by tcc_queue.c (issue 6).  init runs once at module load
 * before the DRM device is registered (no userspace yet), fini at unload after
 * it is unregistered; open/postclose run once per DRM file.  A non-zero
 * return from init or open fails the module load or the open() with it.
 */
int tcc_queue_init(struct tcc_device *tdev);
void tcc_queue_fini(struct tcc_device *tdev);
int tcc_queue_open(struct tcc_file *tfile);
void tcc_queue_postclose(struct tcc_file *tfile);
extern const struct attribute_group tcc_queue_attr_group;

/* Queue ioctl handlers, DRM_TCC_QUEUE_CREATE ... DRM_TCC_EXEC_COMPLETE. */
int tcc_queue_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_queue_destroy_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_submit_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_job_status_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_exec_attach_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_exec_fetch_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_exec_complete_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

/* Hooks implemented by tcc_weights.c (issue 7); same contract as the queue hooks. */
int tcc_weights_init(struct tcc_device *tdev);
void tcc_weights_fini(struct tcc_device *tdev);
int tcc_weights_open(struct tcc_file *tfile);
void tcc_weights_postclose(struct tcc_file *tfile);
extern const struct attribute_group tcc_weights_attr_group;

/* Weights ioctl handlers, DRM_TCC_WEIGHTS_CREATE ... DRM_TCC_WEIGHTS_RESIDENT. */
int tcc_weights_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_weights_write_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_weights_seal_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_weights_open_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_weights_list_ioctl(struct drm_device *drm, void *data, struct drm_file *file);
int tcc_weights_resident_ioctl(struct drm_device *drm, void *data, struct drm_file *file);

/*
 * More ioctls in your range without editing tcc_drv.c: define
 * TCC_QUEUE_EXTRA_IOCTLS in kmod/tcc_queue_ioctls.h (or TCC_WEIGHTS_EXTRA_IOCTLS
 * in kmod/tcc_weights_ioctls.h) as a list of DRM_IOCTL_DEF_DRV(...) entries,
 * each followed by a comma.  Those two headers belong to their parts.
 */

#endif /* TCC_DRV_H */
