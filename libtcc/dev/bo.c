// SPDX-License-Identifier: MIT
/* tcc_bo_*: argument checks shared by both backends, then dispatch. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/error.h"
#include "dev/dev_internal.h"

#define TCC_BO_FLAGS_ALL (TCC_BO_PINNED | TCC_BO_PIN_REQUIRED)

static bool is_module(const tcc_device *dev)
{
	return dev->kind == TCC_DEVICE_MODULE;
}

/* Same rules as the kernel: no empty buffers, none larger than RAM. */
static tcc_status aligned_size(size_t size, size_t *out)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	long phys = sysconf(_SC_PHYS_PAGES);

	if (size == 0)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "buffer size 0");
	if (size > SIZE_MAX - (page - 1))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "buffer size %zu overflows", size);
	size = (size + page - 1) & ~(page - 1);
	if (phys > 0 && size / page > (size_t)phys)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "buffer size %zu is larger than this machine's memory", size);
	*out = size;
	return TCC_OK;
}

static tcc_bo *bo_alloc(tcc_device *dev)
{
	tcc_bo *bo = calloc(1, sizeof(*bo));

	if (bo) {
		bo->dev = dev;
		bo->memfd = -1;
	}
	return bo;
}

tcc_status tcc_bo_create(tcc_device *dev, size_t size, unsigned int flags, tcc_bo **out)
{
	tcc_status st;
	tcc_bo *bo;

	if (!dev || !out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_bo_create: NULL argument");
	*out = NULL;
	if (flags & ~TCC_BO_FLAGS_ALL)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_bo_create: unknown flags 0x%x",
				     flags & ~TCC_BO_FLAGS_ALL);
	if ((flags & TCC_BO_PIN_REQUIRED) && !(flags & TCC_BO_PINNED))
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "tcc_bo_create: TCC_BO_PIN_REQUIRED without TCC_BO_PINNED");
	bo = bo_alloc(dev);
	if (!bo)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "tcc_bo_create: out of memory");
	st = aligned_size(size, &bo->size);
	if (!st) {
		bo->flags = flags;
		st = is_module(dev) ? tcc_module_bo_create(bo) : tcc_memfd_bo_create(bo);
	}
	if (st) {
		free(bo);
		return st;
	}
	*out = bo;
	return TCC_OK;
}

tcc_status tcc_bo_map(tcc_bo *bo, void **addr)
{
	tcc_status st = TCC_OK;

	if (!bo || !addr)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_bo_map: NULL argument");
	if (!bo->map)
		st = is_module(bo->dev) ? tcc_module_bo_map(bo) : tcc_memfd_bo_map(bo);
	*addr = st ? NULL : bo->map;
	return st;
}

size_t tcc_bo_size(const tcc_bo *bo)
{
	return bo ? bo->size : 0;
}

bool tcc_bo_is_pinned(const tcc_bo *bo)
{
	return bo && bo->pinned;
}

uint32_t tcc_bo_gem_handle(const tcc_bo *bo)
{
	return bo && is_module(bo->dev) ? bo->handle : 0;
}

tcc_status tcc_bo_export_fd(tcc_bo *bo, int *fd)
{
	if (!bo || !fd)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_bo_export_fd: NULL argument");
	*fd = -1;
	return is_module(bo->dev) ? tcc_module_bo_export(bo, fd) : tcc_memfd_bo_export(bo, fd);
}

tcc_status tcc_bo_import_fd(tcc_device *dev, int fd, tcc_bo **out)
{
	tcc_status st;
	tcc_bo *bo;

	if (!dev || !out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_bo_import_fd: NULL argument");
	*out = NULL;
	if (fd < 0)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_bo_import_fd: fd %d", fd);
	bo = bo_alloc(dev);
	if (!bo)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "tcc_bo_import_fd: out of memory");
	st = is_module(dev) ? tcc_module_bo_import(bo, fd) : tcc_memfd_bo_import(bo, fd);
	if (st) {
		free(bo);
		return st;
	}
	*out = bo;
	return TCC_OK;
}

void tcc_bo_free(tcc_bo *bo)
{
	if (!bo)
		return;
	if (is_module(bo->dev))
		tcc_module_bo_release(bo);
	else
		tcc_memfd_bo_release(bo);
	free(bo);
}
