// SPDX-License-Identifier: MIT
/* tcc_weights_*: argument checks, backend choice, mappings. */
#include "weights/internal.h"
#include "weights/backing.h"
#include "weights/packed.h"
#include "common/error.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *tcc_weights_backing_str(tcc_weights_backing backing)
{
	switch (backing) {
	case TCC_WEIGHTS_SMALL_PAGES:
		return "small-pages";
	case TCC_WEIGHTS_HUGETLB:
		return "hugetlb";
	case TCC_WEIGHTS_THP:
		return "thp";
	case TCC_WEIGHTS_CHUNKS:
		return "chunks";
	}
	return "unknown";
}

tcc_status tcc_weights_check_name(const char *name)
{
	size_t i, len;

	if (!name)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "weights name is NULL");
	len = strnlen(name, TCC_WEIGHTS_NAME_MAX + 1);
	if (len == 0)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "weights name is empty");
	if (len > TCC_WEIGHTS_NAME_MAX)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "weights name is longer than %d bytes",
				     TCC_WEIGHTS_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "weights name '%s' starts with '%c'", name, name[0]);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return tcc_set_error(TCC_ERR_INVALID_ARG,
					     "weights name has byte 0x%02x at %zu: only [A-Za-z0-9._-]",
					     c, i);
	}
	return TCC_OK;
}

/*
 * Map @len bytes at a 2 MiB aligned address: PMD entries need the virtual
 * address and the file offset congruent modulo 2 MiB, and mmap() only
 * promises page alignment.  Reserve len + 2 MiB, then map over the aligned part.
 */
tcc_status tcc_weights_map_aligned(int fd, uint64_t offset, size_t len, int prot, int flags,
				   void **out)
{
	size_t span = len + TCC_WEIGHTS_HUGE_SIZE;
	uintptr_t base, aligned;
	void *res, *p;

	res = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return tcc_set_errno(TCC_ERR_NO_MEMORY, errno, "reserving %zu bytes of address space",
				     span);
	base = (uintptr_t)res;
	aligned = (base + TCC_WEIGHTS_HUGE_SIZE - 1) & ~(uintptr_t)(TCC_WEIGHTS_HUGE_SIZE - 1);
	p = mmap((void *)aligned, len, prot, flags | MAP_FIXED, fd, (off_t)offset);
	if (p == MAP_FAILED) {
		int e = errno;

		munmap(res, span);
		return tcc_set_errno(e == ENOMEM ? TCC_ERR_NO_MEMORY :
				     e == EACCES || e == EPERM ? TCC_ERR_PERMISSION : TCC_ERR_IO,
				     e, "mapping %zu bytes of weights", len);
	}
	if (aligned > base)
		munmap(res, aligned - base);
	if (base + span > aligned + len)
		munmap((void *)(aligned + len), base + span - aligned - len);
	if (tcc_weights_want_thp())
		madvise(p, len, MADV_HUGEPAGE);
	*out = p;
	return TCC_OK;
}

static tcc_weights_backend pick_backend(const tcc_weights_options *opts, tcc_status *st)
{
	tcc_weights_backend b = opts ? opts->backend : TCC_WEIGHTS_AUTO;

	*st = TCC_OK;
	if (b == TCC_WEIGHTS_AUTO)
		return tcc_weights_kmod_present() ? TCC_WEIGHTS_MODULE : TCC_WEIGHTS_EMBEDDED;
	if (b != TCC_WEIGHTS_EMBEDDED && b != TCC_WEIGHTS_MODULE)
		*st = tcc_set_error(TCC_ERR_INVALID_ARG, "unknown weights backend %d", (int)b);
	return b;
}

static struct tcc_weights *new_handle(const char *name, tcc_weights_backend b)
{
	struct tcc_weights *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->backend = b;
	w->fd = w->sock = w->drm_fd = -1;
	return w;
}

tcc_status tcc_weights_create(tcc_weights **out, const char *name, size_t size,
			      const tcc_weights_options *opts)
{
	struct tcc_weights *w;
	tcc_weights_backend b;
	tcc_status st;

	if (!out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_create: out is NULL");
	*out = NULL;
	st = tcc_weights_check_name(name);
	if (st)
		return st;
	if (size == 0)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "weights '%s': size is 0", name);
	if (size > SIZE_MAX / 2)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "weights '%s': %zu bytes is not a size",
				     name, size);
	if (opts && (opts->mode & ~0777u))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "weights '%s': mode %#o is not 0..0777",
				     name, opts->mode);
	b = pick_backend(opts, &st);
	if (st)
		return st;
	w = new_handle(name, b);
	if (!w)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "weights '%s': handle", name);
	w->size = size;
	w->creator = true;
	w->resident = opts && opts->resident;
	w->mode = opts && opts->mode ? opts->mode : 0600;
	st = b == TCC_WEIGHTS_MODULE ? tcc_weights_kmod_create(w) : tcc_weights_emb_create(w);
	if (st) {
		tcc_weights_close(w);
		return st;
	}
	*out = w;
	return TCC_OK;
}

tcc_status tcc_weights_map_writable(tcc_weights *w, void **ptr)
{
	tcc_status st;

	if (!w || !ptr)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_map_writable: NULL argument");
	if (!w->creator || w->sealed)
		return tcc_set_error(TCC_ERR_PERMISSION,
				     "weights '%s': only its creator may write, and only before seal",
				     w->name);
	if (!w->rw_ptr) {
		st = w->backend == TCC_WEIGHTS_MODULE ? tcc_weights_kmod_map_writable(w) :
							tcc_weights_emb_map_writable(w);
		if (st)
			return st;
	}
	*ptr = w->rw_ptr;
	return TCC_OK;
}

tcc_status tcc_weights_write(tcc_weights *w, size_t offset, const void *data, size_t len)
{
	void *p;
	tcc_status st;

	if (!w || (!data && len))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_write: NULL argument");
	if (offset > w->size || len > w->size - offset)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "weights '%s': write of %zu bytes at %zu is past its %zu bytes",
				     w->name, len, offset, w->size);
	/* Through the mapping: hugetlbfs files have no write(). */
	st = tcc_weights_map_writable(w, &p);
	if (st)
		return st;
	memcpy((char *)p + offset, data, len);
	return TCC_OK;
}

tcc_status tcc_weights_seal(tcc_weights *w)
{
	tcc_status st;

	if (!w)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_seal: NULL handle");
	if (!w->creator)
		return tcc_set_error(TCC_ERR_PERMISSION, "weights '%s': only its creator may seal",
				     w->name);
	if (w->sealed)
		return TCC_OK;
	st = w->backend == TCC_WEIGHTS_MODULE ? tcc_weights_kmod_seal(w) : tcc_weights_emb_seal(w);
	if (st)
		return st;
	w->sealed = true;
	return TCC_OK;
}

tcc_status tcc_weights_open(tcc_weights **out, const char *name, const tcc_weights_options *opts)
{
	struct tcc_weights *w;
	tcc_weights_backend b;
	tcc_status st;

	if (!out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_open: out is NULL");
	*out = NULL;
	st = tcc_weights_check_name(name);
	if (st)
		return st;
	b = pick_backend(opts, &st);
	if (st)
		return st;
	w = new_handle(name, b);
	if (!w)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "weights '%s': handle", name);
	st = b == TCC_WEIGHTS_MODULE ? tcc_weights_kmod_open(w) : tcc_weights_emb_open(w);
	if (st) {
		tcc_weights_close(w);
		return st;
	}
	*out = w;
	return TCC_OK;
}

tcc_status tcc_weights_map(tcc_weights *w, const void **ptr)
{
	tcc_status st;

	if (!w || !ptr)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_map: NULL argument");
	if (!w->sealed)
		return tcc_set_error(TCC_ERR_BUSY, "weights '%s' is not sealed yet", w->name);
	if (!w->ro_ptr) {
		st = w->backend == TCC_WEIGHTS_MODULE ? tcc_weights_kmod_map(w) :
							tcc_weights_emb_map(w);
		if (st)
			return st;
		tcc_weights_registry_add(w);
	}
	*ptr = w->ro_ptr;
	return TCC_OK;
}

tcc_status tcc_weights_info_get(const tcc_weights *w, tcc_weights_info *info)
{
	if (!w || !info)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_info_get: NULL argument");
	return w->backend == TCC_WEIGHTS_MODULE ? tcc_weights_kmod_info(w, info) :
						  tcc_weights_emb_info(w, info);
}

void tcc_weights_close(tcc_weights *w)
{
	if (!w)
		return;
	if (w->rw_ptr)
		munmap(w->rw_ptr, w->alloc_size);
	if (w->ro_ptr) {
		tcc_weights_registry_remove(w);
		munmap((void *)w->ro_ptr, w->alloc_size);
	}
	if (w->backend == TCC_WEIGHTS_MODULE)
		tcc_weights_kmod_close(w);
	else
		tcc_weights_emb_close(w);
	free(w);
}

tcc_status tcc_weights_list(tcc_weights_backend backend, tcc_weights_info **list, size_t *count)
{
	tcc_weights_options o = { .backend = backend };
	tcc_status st;

	if (!list || !count)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_list: NULL argument");
	backend = pick_backend(&o, &st);
	if (st)
		return st;
	return backend == TCC_WEIGHTS_MODULE ? tcc_weights_kmod_list(list, count) :
					       tcc_weights_emb_list(list, count);
}

tcc_status tcc_weights_unload(tcc_weights_backend backend, const char *name)
{
	tcc_weights_options o = { .backend = backend };
	tcc_status st;

	st = tcc_weights_check_name(name);
	if (st)
		return st;
	backend = pick_backend(&o, &st);
	if (st)
		return st;
	return backend == TCC_WEIGHTS_MODULE ? tcc_weights_kmod_unload(name) :
					       tcc_weights_emb_unload(name);
}

tcc_status tcc_weights_pmd_mapped_bytes(const void *ptr, size_t *bytes)
{
	unsigned long long lo, hi, kb, total = 0;
	char line[256];
	int in = 0, found = 0;
	FILE *f;

	if (!ptr || !bytes)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_pmd_mapped_bytes: NULL");
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return tcc_set_errno(TCC_ERR_IO, errno, "reading /proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		/* A VMA header ("lo-hi perms ..."); field lines never parse as two hex numbers. */
		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2) {
			in = (uintptr_t)ptr >= lo && (uintptr_t)ptr < hi;
			found |= in;
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, "ShmemPmdMapped: %llu kB", &kb) == 1 ||
		    sscanf(line, "FilePmdMapped: %llu kB", &kb) == 1 ||
		    sscanf(line, "AnonHugePages: %llu kB", &kb) == 1 ||
		    sscanf(line, "Shared_Hugetlb: %llu kB", &kb) == 1 ||
		    sscanf(line, "Private_Hugetlb: %llu kB", &kb) == 1)
			total += kb * 1024;
	}
	fclose(f);
	if (!found)
		return tcc_set_error(TCC_ERR_NOT_FOUND, "%p is not mapped", ptr);
	*bytes = (size_t)total;
	return TCC_OK;
}
