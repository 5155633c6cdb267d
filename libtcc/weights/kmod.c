// SPDX-License-Identifier: MIT
/*
 * Module backend: tcc.ko's TCC_WEIGHTS_* ioctls on the render node (see
 * include/uapi/drm/tcc_drm.h and kmod/tcc_weights.c).  Names are global on
 * the device and checked against the creator's uid/gid/mode by the module.
 */
#include "weights/internal.h"
#include "common/error.h"
#include "dev/node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include <uapi/drm/tcc_drm.h>

_Static_assert(TCC_WEIGHTS_NAME_LEN == TCC_WEIGHTS_NAME_MAX + 1, "name lengths agree");

bool tcc_weights_kmod_present(void)
{
	char path[256];

	return tcc_node_find(path, sizeof(path)) == 0;
}

static int w_ioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;	/* retries EINTR/EAGAIN */
}

static tcc_status status_of(int err, const char *what, const char *name)
{
	tcc_status st;

	switch (-err) {
	case EEXIST:
		st = TCC_ERR_EXISTS;
		break;
	case ENOENT:
		st = TCC_ERR_NOT_FOUND;
		break;
	case EACCES:
	case EPERM:
		st = TCC_ERR_PERMISSION;
		break;
	case ENOMEM:
	case E2BIG:
		st = TCC_ERR_NO_MEMORY;
		break;
	case EINVAL:
		st = TCC_ERR_INVALID_ARG;
		break;
	case EBUSY:
		st = TCC_ERR_BUSY;
		break;
	default:
		st = TCC_ERR_IO;
	}
	return tcc_set_errno(st, -err, "weights '%s': tcc.ko %s", name, what);
}

static tcc_status open_node(int *fd)
{
	char path[256];
	int r = tcc_node_open(path, sizeof(path));

	if (r < 0)
		return r == -ENODEV ?
		       tcc_set_error(TCC_ERR_NO_DEVICE, "tcc.ko is not loaded (no tcc render node)") :
		       tcc_set_errno(r == -EACCES ? TCC_ERR_PERMISSION : TCC_ERR_NO_DEVICE, -r,
				     "opening %s", path);
	*fd = r;
	return TCC_OK;
}

static size_t chunk_round(uint64_t size)
{
	return (size_t)((size + TCC_WEIGHTS_HUGE_SIZE - 1) / TCC_WEIGHTS_HUGE_SIZE *
			TCC_WEIGHTS_HUGE_SIZE);
}

tcc_status tcc_weights_kmod_create(struct tcc_weights *w)
{
	struct drm_tcc_weights_create c = { .size = w->size, .mode = w->mode };
	tcc_status st;
	int r;

	st = open_node(&w->drm_fd);
	if (st)
		return st;
	memcpy(c.name, w->name, sizeof(c.name));
	r = w_ioctl(w->drm_fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c);
	if (r)
		return status_of(r, "create", w->name);
	w->handle = c.handle;
	w->mmap_offset = c.mmap_offset;
	w->alloc_size = chunk_round(w->size);
	w->backing = TCC_WEIGHTS_CHUNKS;
	return TCC_OK;
}

tcc_status tcc_weights_kmod_map_writable(struct tcc_weights *w)
{
	return tcc_weights_map_aligned(w->drm_fd, w->mmap_offset, w->alloc_size,
				       PROT_READ | PROT_WRITE, MAP_SHARED, &w->rw_ptr);
}

tcc_status tcc_weights_kmod_seal(struct tcc_weights *w)
{
	struct drm_tcc_weights_seal s = { .handle = w->handle };
	struct drm_tcc_weights_resident res = { .resident = 1 };
	int r;

	/* The module would revoke it anyway; the header promises it is gone. */
	if (w->rw_ptr) {
		munmap(w->rw_ptr, w->alloc_size);
		w->rw_ptr = NULL;
	}
	r = w_ioctl(w->drm_fd, DRM_IOCTL_TCC_WEIGHTS_SEAL, &s);
	if (r)
		return status_of(r, "seal", w->name);
	if (w->resident) {
		memcpy(res.name, w->name, sizeof(res.name));
		r = w_ioctl(w->drm_fd, DRM_IOCTL_TCC_WEIGHTS_RESIDENT, &res);
		if (r)
			return status_of(r, "resident (needs CAP_SYS_ADMIN)", w->name);
	}
	return TCC_OK;
}

tcc_status tcc_weights_kmod_open(struct tcc_weights *w)
{
	struct drm_tcc_weights_open o = { 0 };
	tcc_status st;
	int r;

	st = open_node(&w->drm_fd);
	if (st)
		return st;
	memcpy(o.name, w->name, sizeof(o.name));
	r = w_ioctl(w->drm_fd, DRM_IOCTL_TCC_WEIGHTS_OPEN, &o);
	if (r)
		return status_of(r, "open", w->name);
	w->handle = o.handle;
	w->mmap_offset = o.mmap_offset;
	w->size = o.size;
	w->alloc_size = chunk_round(o.size);
	w->backing = TCC_WEIGHTS_CHUNKS;
	w->sealed = true;
	return TCC_OK;
}

tcc_status tcc_weights_kmod_map(struct tcc_weights *w)
{
	void *p;
	tcc_status st;

	st = tcc_weights_map_aligned(w->drm_fd, w->mmap_offset, w->alloc_size, PROT_READ,
				     MAP_SHARED, &p);
	if (st)
		return st;
	w->ro_ptr = p;
	return TCC_OK;
}

static void fill_info(tcc_weights_info *info, const struct drm_tcc_weights_entry *e)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->name, e->name, sizeof(info->name));
	info->name[sizeof(info->name) - 1] = '\0';
	info->size = e->size;
	info->alloc_size = e->alloc_size;
	info->backend = TCC_WEIGHTS_MODULE;
	info->backing = TCC_WEIGHTS_CHUNKS;
	info->huge_chunks = e->huge_chunks;
	info->small_chunks = e->small_chunks;
	info->sealed = !!(e->flags & TCC_WEIGHTS_SEALED);
	info->resident = !!(e->flags & TCC_WEIGHTS_RESIDENT);
	info->holders = e->handles;
	info->mappers = e->mappers;
	info->uid = e->uid;
	info->gid = e->gid;
	info->mode = e->mode;
}

/* Every entry (a free()able array) from an open node. */
static tcc_status list_entries(int fd, struct drm_tcc_weights_entry **out, uint32_t *count)
{
	struct drm_tcc_weights_list l = { 0 };
	struct drm_tcc_weights_entry *e = NULL;
	uint32_t cap = 0;
	int r, tries;

	/* count in = capacity, out = how many exist: retry while buffers appear meanwhile. */
	for (tries = 0; tries < 8; tries++) {
		l.entries = (uintptr_t)e;
		l.count = cap;
		r = w_ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_LIST, &l);
		if (r) {
			free(e);
			return status_of(r, "list", "*");
		}
		if (l.count <= cap) {
			*out = e;
			*count = l.count;
			return TCC_OK;
		}
		free(e);
		cap = l.count + 4;
		e = calloc(cap, sizeof(*e));
		if (!e)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "listing weights");
	}
	free(e);
	return tcc_set_error(TCC_ERR_BUSY, "listing weights: the set keeps changing");
}

tcc_status tcc_weights_kmod_info(const struct tcc_weights *w, tcc_weights_info *info)
{
	struct drm_tcc_weights_entry *e = NULL, mine = { 0 };
	uint32_t n = 0, i;
	tcc_status st;

	st = list_entries(w->drm_fd, &e, &n);
	if (st)
		return st;
	/* By name among the named ones; an unloaded buffer is no longer findable. */
	for (i = 0; i < n; i++)
		if ((e[i].flags & TCC_WEIGHTS_NAMED) && !strcmp(e[i].name, w->name))
			break;
	if (i < n) {
		fill_info(info, &e[i]);
	} else {
		memcpy(mine.name, w->name, sizeof(mine.name));
		mine.size = w->size;
		mine.alloc_size = w->alloc_size;
		mine.flags = w->sealed ? TCC_WEIGHTS_SEALED : 0;
		mine.uid = geteuid();
		mine.gid = getegid();
		mine.mode = w->mode;
		fill_info(info, &mine);
	}
	free(e);
	return TCC_OK;
}

void tcc_weights_kmod_close(struct tcc_weights *w)
{
	struct drm_gem_close c = { .handle = w->handle };

	if (w->drm_fd >= 0) {
		if (w->handle)
			w_ioctl(w->drm_fd, DRM_IOCTL_GEM_CLOSE, &c);
		close(w->drm_fd);
	}
	w->drm_fd = -1;
	w->handle = 0;
}

tcc_status tcc_weights_kmod_list(tcc_weights_info **list, size_t *count)
{
	struct drm_tcc_weights_entry *e = NULL;
	tcc_weights_info *out;
	uint32_t n = 0, i;
	size_t k = 0;
	tcc_status st;
	int fd;

	*list = NULL;
	*count = 0;
	st = open_node(&fd);
	if (st)
		return st;
	st = list_entries(fd, &e, &n);
	close(fd);
	if (st)
		return st;
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		free(e);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "listing weights");
	}
	for (i = 0; i < n; i++)
		if (e[i].flags & TCC_WEIGHTS_NAMED)
			fill_info(&out[k++], &e[i]);
	free(e);
	*list = out;
	*count = k;
	return TCC_OK;
}

tcc_status tcc_weights_kmod_unload(const char *name)
{
	struct drm_tcc_weights_resident r = { .resident = 0 };
	tcc_status st;
	int fd, rc;

	st = open_node(&fd);
	if (st)
		return st;
	snprintf(r.name, sizeof(r.name), "%s", name);
	rc = w_ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_RESIDENT, &r);
	close(fd);
	return rc ? status_of(rc, "unload", name) : TCC_OK;
}
