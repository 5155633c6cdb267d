// SPDX-License-Identifier: MIT
/*
 * The tcc.ko backend: buffers are GEM objects created with TCC_BO_CREATE,
 * mapped through their fake mmap offset, shared as PRIME dma-bufs (libdrm).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <xf86drm.h>
#include <uapi/drm/tcc_drm.h>

#include "common/error.h"
#include "dev/dev_internal.h"

static int drm_ioctl(tcc_device *dev, unsigned long req, void *arg)
{
	return drmIoctl(dev->drm_fd, req, arg) ? -errno : 0;	/* retries EINTR/EAGAIN */
}

/* Count one more user of @handle; the first one is the creator/importer. */
static tcc_status handle_get(tcc_device *dev, uint32_t handle)
{
	tcc_status st = TCC_OK;

	pthread_mutex_lock(&dev->lock);
	for (size_t i = 0; i < dev->nhandles; i++) {
		if (dev->handles[i].handle == handle) {
			dev->handles[i].refs++;
			goto out;
		}
	}
	if (dev->nhandles == dev->handles_cap) {
		size_t cap = dev->handles_cap ? 2 * dev->handles_cap : 16;
		struct tcc_handle_ref *h = realloc(dev->handles, cap * sizeof(*h));

		if (!h) {
			st = tcc_set_error(TCC_ERR_NO_MEMORY, "tracking GEM handle %u", handle);
			goto out;
		}
		dev->handles = h;
		dev->handles_cap = cap;
	}
	dev->handles[dev->nhandles++] = (struct tcc_handle_ref){ handle, 1 };
out:
	pthread_mutex_unlock(&dev->lock);
	return st;
}

/* Drop one user of @handle; closes the GEM handle with the last. */
static void handle_put(tcc_device *dev, uint32_t handle)
{
	bool close_it = true;

	pthread_mutex_lock(&dev->lock);
	for (size_t i = 0; i < dev->nhandles; i++) {
		if (dev->handles[i].handle != handle)
			continue;
		close_it = --dev->handles[i].refs == 0;
		if (close_it)
			dev->handles[i] = dev->handles[--dev->nhandles];
		break;
	}
	pthread_mutex_unlock(&dev->lock);
	if (close_it)
		drmCloseBufferHandle(dev->drm_fd, handle);
}

/* Size and mmap offset of the object behind bo->handle. */
static tcc_status query(tcc_bo *bo)
{
	struct drm_tcc_bo_info info = { .handle = bo->handle };
	int rc = drm_ioctl(bo->dev, DRM_IOCTL_TCC_BO_INFO, &info);

	if (rc)
		return tcc_set_errno(TCC_ERR_IO, -rc, "TCC_BO_INFO of handle %u", bo->handle);
	bo->size = info.size;
	bo->mmap_offset = info.mmap_offset;
	bo->pinned = info.flags & TCC_BO_PINNED;
	return TCC_OK;
}

static int create(tcc_bo *bo, uint32_t kflags)
{
	struct drm_tcc_bo_create c = { .size = bo->size, .flags = kflags };
	int rc = drm_ioctl(bo->dev, DRM_IOCTL_TCC_BO_CREATE, &c);

	if (!rc)
		bo->handle = c.handle;
	return rc;
}

tcc_status tcc_module_bo_create(tcc_bo *bo)
{
	tcc_status st;
	int rc;

	rc = create(bo, bo->flags & TCC_BO_PINNED ? TCC_BO_PINNED : 0);
	/* Over the module's pinned limit: unpinned is fine unless demanded. */
	if (rc == -ENOMEM && (bo->flags & TCC_BO_PINNED) && !(bo->flags & TCC_BO_PIN_REQUIRED))
		rc = create(bo, 0);
	if (rc == -ENOMEM)
		return tcc_set_errno(TCC_ERR_NO_MEMORY, -rc,
				     "TCC_BO_CREATE of %zu bytes%s", bo->size,
				     bo->flags & TCC_BO_PINNED ? " pinned (see max_pinned_mb)" : "");
	if (rc)
		return tcc_set_errno(rc == -EINVAL || rc == -E2BIG ? TCC_ERR_INVALID_ARG : TCC_ERR_IO,
				     -rc, "TCC_BO_CREATE of %zu bytes", bo->size);
	st = handle_get(bo->dev, bo->handle);
	if (st) {
		drmCloseBufferHandle(bo->dev->drm_fd, bo->handle);
		return st;
	}
	st = query(bo);
	if (st)
		tcc_module_bo_release(bo);
	return st;
}

tcc_status tcc_module_bo_map(tcc_bo *bo)
{
	void *p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, bo->dev->drm_fd,
		       (off_t)bo->mmap_offset);

	if (p == MAP_FAILED)
		return tcc_set_errno(TCC_ERR_NO_MEMORY, errno, "mmap of BO %u (%zu bytes)",
				     bo->handle, bo->size);
	bo->map = p;
	return TCC_OK;
}

tcc_status tcc_module_bo_export(tcc_bo *bo, int *fd)
{
	if (drmPrimeHandleToFD(bo->dev->drm_fd, bo->handle, DRM_CLOEXEC | DRM_RDWR, fd))
		return tcc_set_errno(TCC_ERR_IO, errno, "PRIME export of BO %u", bo->handle);
	return TCC_OK;
}

tcc_status tcc_module_bo_import(tcc_bo *bo, int fd)
{
	tcc_status st;

	if (drmPrimeFDToHandle(bo->dev->drm_fd, fd, &bo->handle)) {
		int err = errno;

		return tcc_set_errno(err == EBADF || err == EINVAL ? TCC_ERR_INVALID_ARG : TCC_ERR_IO,
				     err, "PRIME import of fd %d", fd);
	}
	st = handle_get(bo->dev, bo->handle);
	if (st) {
		/* Only close what no other tcc_bo uses: we could not count it. */
		return st;
	}
	st = query(bo);
	if (st)
		tcc_module_bo_release(bo);
	return st;
}

void tcc_module_bo_release(tcc_bo *bo)
{
	if (bo->map)
		munmap(bo->map, bo->size);
	bo->map = NULL;
	if (bo->handle)
		handle_put(bo->dev, bo->handle);
	bo->handle = 0;
}
