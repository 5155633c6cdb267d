// SPDX-License-Identifier: MIT
/*
 * The embedded default: a buffer is a memfd, mapped shared; PINNED is
 * mlock(); sharing is passing the memfd.  The size is sealed so that an
 * importer can trust fstat() and never maps past the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "dev/dev_internal.h"

tcc_status tcc_memfd_bo_map(tcc_bo *bo)
{
	void *p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, bo->memfd, 0);

	if (p == MAP_FAILED)
		return tcc_set_errno(TCC_ERR_NO_MEMORY, errno, "mmap of a %zu-byte buffer", bo->size);
	bo->map = p;
	return TCC_OK;
}

/* mlock() faults every page in and keeps it resident. */
static tcc_status pin(tcc_bo *bo)
{
	tcc_status st;

	st = tcc_memfd_bo_map(bo);
	if (st)
		return st;
	if (mlock(bo->map, bo->size) == 0) {
		bo->pinned = true;
		return TCC_OK;
	}
	if (bo->flags & TCC_BO_PIN_REQUIRED)
		return tcc_set_errno(TCC_ERR_NO_MEMORY, errno,
				     "pinning %zu bytes (mlock; see RLIMIT_MEMLOCK)", bo->size);
	return TCC_OK;	/* best effort: the buffer works unpinned */
}

tcc_status tcc_memfd_bo_create(tcc_bo *bo)
{
	tcc_status st;

	bo->memfd = memfd_create("tcc-bo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (bo->memfd < 0)
		return tcc_set_errno(TCC_ERR_NO_MEMORY, errno, "memfd_create");
	if (ftruncate(bo->memfd, (off_t)bo->size) < 0) {
		st = tcc_set_errno(TCC_ERR_NO_MEMORY, errno, "sizing a memfd to %zu bytes", bo->size);
		goto fail;
	}
	if (fcntl(bo->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		st = tcc_set_errno(TCC_ERR_INTERNAL, errno, "sealing the memfd size");
		goto fail;
	}
	if (bo->flags & TCC_BO_PINNED) {
		st = pin(bo);
		if (st)
			goto fail;
	}
	return TCC_OK;
fail:
	tcc_memfd_bo_release(bo);
	return st;
}

tcc_status tcc_memfd_bo_export(tcc_bo *bo, int *fd)
{
	*fd = fcntl(bo->memfd, F_DUPFD_CLOEXEC, 0);
	if (*fd < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "duplicating the buffer's memfd");
	return TCC_OK;
}

/*
 * Only a memfd whose size is sealed is accepted: a file that the exporter
 * could still truncate would turn our accesses past its new end into SIGBUS.
 */
tcc_status tcc_memfd_bo_import(tcc_bo *bo, int fd)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0)
		return tcc_set_errno(TCC_ERR_INVALID_ARG, errno, "import of fd %d", fd);
	seals = fcntl(fd, F_GET_SEALS);
	if (!S_ISREG(st.st_mode) || seals < 0 || !(seals & F_SEAL_SHRINK) || st.st_size <= 0)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "import of fd %d: not a tcc buffer (a size-sealed memfd)", fd);
	bo->memfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (bo->memfd < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "import of fd %d", fd);
	bo->size = (size_t)st.st_size;
	return TCC_OK;
}

void tcc_memfd_bo_release(tcc_bo *bo)
{
	if (bo->map)
		munmap(bo->map, bo->size);	/* also drops the mlock */
	bo->map = NULL;
	if (bo->memfd >= 0)
		close(bo->memfd);
	bo->memfd = -1;
}
