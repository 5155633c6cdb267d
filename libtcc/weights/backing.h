/* SPDX-License-Identifier: MIT */
/* Internal: which pages back an embedded weight buffer, and the sealed memfd. */
#ifndef TCC_WEIGHTS_BACKING_H
#define TCC_WEIGHTS_BACKING_H

#include <stddef.h>
#include <tcc/weights.h>

/*
 * Pick the backing for @size bytes: hugetlb when enough 2 MiB pages are
 * free in the reserved pool, THP when shmem_enabled lets MADV_HUGEPAGE
 * work, small pages otherwise.  $TCC_WEIGHTS_BACKING=small|thp|hugetlb
 * forces one (hugetlb without free pages then fails at create).
 */
tcc_status tcc_weights_choose_backing(size_t size, tcc_weights_backing *backing);

/* A sealable memfd of @alloc_size bytes; returns the fd in @fd. */
tcc_status tcc_weights_memfd_create(const char *name, size_t alloc_size,
				    tcc_weights_backing backing, int *fd);

/* F_SEAL_WRITE|GROW|SHRINK|SEAL; TCC_ERR_BUSY while writable mappings exist. */
tcc_status tcc_weights_memfd_seal(int fd);

/* "advise", "never", ... (the selected shmem THP mode), or "" if unknown. */
const char *tcc_weights_shmem_thp_mode(void);

#endif
