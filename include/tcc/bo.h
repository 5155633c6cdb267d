/* SPDX-License-Identifier: MIT */
/*
 * tcc devices and buffer objects.
 *
 * A tcc_device is either tcc.ko's render node (the "module" backend: buffers
 * are GEM objects, shared as dma-bufs) or, where the module is not loaded,
 * the "embedded" default in this process (buffers are memfds, shared by
 * passing the memfd).  Callers use one API for both; a buffer exported from
 * one process is imported by another with tcc_bo_import_fd(), typically
 * after passing the fd over a unix socket (SCM_RIGHTS).
 *
 * A device may be used from several threads; a tcc_bo is used from one
 * thread at a time (or with the caller's locking).
 */
#ifndef TCC_BO_H
#define TCC_BO_H

#include <stdbool.h>
#include <stddef.h>
#include <tcc/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tcc_device tcc_device;
typedef struct tcc_bo tcc_bo;

typedef enum tcc_device_kind {
	/* The module when its render node can be opened, else embedded.  The
	 * environment variable TCC_DEVICE=module|embedded|auto overrides it. */
	TCC_DEVICE_AUTO = 0,
	TCC_DEVICE_MODULE,	/* tcc.ko; TCC_ERR_NO_DEVICE when not loaded */
	TCC_DEVICE_EMBEDDED,	/* memfd-backed, in this process */
} tcc_device_kind;

/* Open a device of @kind.  Close it after freeing its buffers. */
tcc_status tcc_device_open(tcc_device_kind kind, tcc_device **out);
void tcc_device_close(tcc_device *dev);

/* TCC_DEVICE_MODULE or TCC_DEVICE_EMBEDDED: what @dev turned out to be. */
tcc_device_kind tcc_device_backend(const tcc_device *dev);

/* Render node path ("/dev/dri/renderD128"), or "embedded". */
const char *tcc_device_name(const tcc_device *dev);

/*
 * Buffer flags.  TCC_BO_PINNED asks for resident memory (never swapped):
 * on the module the kernel pins the pages and charges them against its
 * max_pinned_mb limit; embedded, the mapping is mlock()ed.  When that is
 * refused the buffer is still created, unpinned (see tcc_bo_is_pinned()),
 * unless TCC_BO_PIN_REQUIRED is also given: then the create fails with
 * TCC_ERR_NO_MEMORY.
 */
#define TCC_BO_PINNED		(1u << 0)
#define TCC_BO_PIN_REQUIRED	(1u << 1)

/*
 * Create a zero-filled buffer of at least @size bytes (rounded up to the
 * page size).  TCC_ERR_INVALID_ARG for size 0, unknown flags, or a size
 * larger than the machine's memory.
 */
tcc_status tcc_bo_create(tcc_device *dev, size_t size, unsigned int flags, tcc_bo **out);

/*
 * The buffer's memory, mapped read-write and shared (every process mapping
 * the same buffer sees the same bytes).  Mapped on first call; the address
 * stays valid until tcc_bo_free().
 */
tcc_status tcc_bo_map(tcc_bo *bo, void **addr);

/* Size in bytes (page aligned). */
size_t tcc_bo_size(const tcc_bo *bo);

/* Whether the buffer's memory is pinned (resident). */
bool tcc_bo_is_pinned(const tcc_bo *bo);

/*
 * A new file descriptor (close-on-exec) that shares the buffer with another
 * process or device: a dma-buf on the module, the memfd when embedded.  The
 * caller owns and closes it; the buffer lives while any fd or importer does.
 */
tcc_status tcc_bo_export_fd(tcc_bo *bo, int *fd);

/*
 * Import a buffer exported by tcc_bo_export_fd() (here or in another
 * process).  @fd is not consumed: the caller still closes it.  A closed fd
 * or one that is not a shareable buffer gives TCC_ERR_INVALID_ARG.
 */
tcc_status tcc_bo_import_fd(tcc_device *dev, int fd, tcc_bo **out);

/* Unmap and release this handle on the buffer (NULL is a no-op). */
void tcc_bo_free(tcc_bo *bo);

#ifdef __cplusplus
}
#endif
#endif /* TCC_BO_H */
