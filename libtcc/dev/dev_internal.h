/* SPDX-License-Identifier: MIT */
/*
 * Internal: the device layer's structures and the accessors other parts of
 * libtccml (queues, weights) use to reach the module under a tcc_device.
 */
#ifndef TCC_DEV_INTERNAL_H
#define TCC_DEV_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <tcc/bo.h>

/* One GEM handle may back several tcc_bo (PRIME import of a buffer this
 * device already knows returns the same handle): close it with the last. */
struct tcc_handle_ref {
	uint32_t handle;
	unsigned int refs;
};

struct tcc_device {
	tcc_device_kind kind;		/* MODULE or EMBEDDED */
	int drm_fd;			/* -1 when embedded */
	char name[64];
	pthread_mutex_t lock;		/* protects handles */
	struct tcc_handle_ref *handles;
	size_t nhandles, handles_cap;
};

struct tcc_bo {
	tcc_device *dev;
	size_t size;
	unsigned int flags;		/* TCC_BO_* asked for */
	bool pinned;			/* resident now */
	void *map;			/* NULL until mapped */
	int memfd;			/* embedded: the backing memfd, else -1 */
	uint32_t handle;		/* module: GEM handle */
	uint64_t mmap_offset;		/* module: fake offset on drm_fd */
};

/* The DRM fd of a module device, -1 for an embedded one. */
int tcc_device_drm_fd(const tcc_device *dev);

/* The GEM handle of a module buffer (valid while @bo lives), 0 if embedded. */
uint32_t tcc_bo_gem_handle(const tcc_bo *bo);

/* Backends (bo_module.c, bo_memfd.c): fill @bo (size already aligned). */
tcc_status tcc_module_bo_create(tcc_bo *bo);
tcc_status tcc_module_bo_map(tcc_bo *bo);
tcc_status tcc_module_bo_export(tcc_bo *bo, int *fd);
tcc_status tcc_module_bo_import(tcc_bo *bo, int fd);
void tcc_module_bo_release(tcc_bo *bo);

tcc_status tcc_memfd_bo_create(tcc_bo *bo);
tcc_status tcc_memfd_bo_map(tcc_bo *bo);
tcc_status tcc_memfd_bo_export(tcc_bo *bo, int *fd);
tcc_status tcc_memfd_bo_import(tcc_bo *bo, int fd);
void tcc_memfd_bo_release(tcc_bo *bo);

#endif
