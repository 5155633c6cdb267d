// SPDX-License-Identifier: MIT
#include "weights/backing.h"
#include "weights/internal.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21U << 26)
#endif

const char *tcc_weights_shmem_thp_mode(void)
{
	static _Thread_local char mode[32];
	char buf[256];
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "r");
	char *l, *r;

	mode[0] = '\0';
	if (!f)
		return mode;
	if (fgets(buf, sizeof(buf), f)) {
		l = strchr(buf, '[');
		r = l ? strchr(l, ']') : NULL;
		if (l && r && (size_t)(r - l - 1) < sizeof(mode)) {
			memcpy(mode, l + 1, r - l - 1);
			mode[r - l - 1] = '\0';
		}
	}
	fclose(f);
	return mode;
}

/* Free 2 MiB pages in the hugetlb pool (0 if the default size is not 2 MiB). */
static size_t free_huge_pages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long free_pages = 0, page_kb = 0, v;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
			free_pages = v;
		else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1)
			page_kb = v;
	}
	fclose(f);
	return page_kb == 2048 ? (size_t)free_pages : 0;
}

bool tcc_weights_want_thp(void)
{
	const char *m = tcc_weights_shmem_thp_mode();

	/* "never" and "deny" ignore MADV_HUGEPAGE; the rest honour it or go further. */
	return !strcmp(m, "advise") || !strcmp(m, "always") || !strcmp(m, "within_size") ||
	       !strcmp(m, "force");
}

tcc_status tcc_weights_choose_backing(size_t size, tcc_weights_backing *backing)
{
	const char *force = getenv("TCC_WEIGHTS_BACKING");
	size_t pages = (size + TCC_WEIGHTS_HUGE_SIZE - 1) / TCC_WEIGHTS_HUGE_SIZE;

	if (force && *force) {
		if (!strcmp(force, "small"))
			*backing = TCC_WEIGHTS_SMALL_PAGES;
		else if (!strcmp(force, "thp"))
			*backing = TCC_WEIGHTS_THP;
		else if (!strcmp(force, "hugetlb"))
			*backing = TCC_WEIGHTS_HUGETLB;
		else
			return tcc_set_error(TCC_ERR_INVALID_ARG,
					     "TCC_WEIGHTS_BACKING='%s': expected small, thp or hugetlb",
					     force);
		return TCC_OK;
	}
	if (free_huge_pages() >= pages)
		*backing = TCC_WEIGHTS_HUGETLB;
	else if (tcc_weights_want_thp())
		*backing = TCC_WEIGHTS_THP;
	else
		*backing = TCC_WEIGHTS_SMALL_PAGES;
	return TCC_OK;
}

tcc_status tcc_weights_memfd_create(const char *name, size_t alloc_size,
				    tcc_weights_backing backing, int *fd)
{
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	char label[TCC_WEIGHTS_NAME_MAX + 16];
	int f;

	if (backing == TCC_WEIGHTS_HUGETLB)
		flags |= MFD_HUGETLB | MFD_HUGE_2MB;
	snprintf(label, sizeof(label), "tcc-weights:%s", name);
	f = memfd_create(label, flags);
	if (f < 0)
		return tcc_set_errno(errno == ENOMEM ? TCC_ERR_NO_MEMORY :
				     errno == EINVAL && backing == TCC_WEIGHTS_HUGETLB ?
				     TCC_ERR_UNSUPPORTED : TCC_ERR_IO, errno,
				     "memfd_create(%s%s)", label,
				     backing == TCC_WEIGHTS_HUGETLB ? ", MFD_HUGETLB" : "");
	if (ftruncate(f, (off_t)alloc_size) < 0) {
		int e = errno;

		close(f);
		return tcc_set_errno(e == ENOMEM || e == EFBIG || e == ENOSPC ? TCC_ERR_NO_MEMORY :
				     TCC_ERR_IO, e, "weights '%s': cannot size to %zu bytes", name,
				     alloc_size);
	}
	*fd = f;
	return TCC_OK;
}

tcc_status tcc_weights_memfd_seal(int fd)
{
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return tcc_set_errno(errno == EBUSY ? TCC_ERR_BUSY : TCC_ERR_IO, errno,
				     "sealing the weight buffer%s",
				     errno == EBUSY ? " (a writable mapping still exists)" : "");
	return TCC_OK;
}
