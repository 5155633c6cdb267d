// SPDX-License-Identifier: MIT
/*
 * Embedded backend: a sealed memfd shared by name without the module.
 *
 * create: reserve the name (bind an abstract socket), make the memfd.
 * seal:   add the seals, fork the keeper, which owns the name from then on.
 * open:   connect to the keeper, check it is ours, receive an O_RDONLY fd
 *         (SCM_RIGHTS) and keep the connection as our "holder" reference.
 * The keeper exits when the last holder disconnects (unless resident) or on
 * unload; the memory itself goes when the last mapping goes.
 */
#include "weights/internal.h"
#include "weights/backing.h"
#include "weights/keeper.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static size_t total_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (size_t)pages * (size_t)psz : SIZE_MAX;
}

tcc_status tcc_weights_emb_create(struct tcc_weights *w)
{
	struct sockaddr_un addr;
	socklen_t alen;
	tcc_status st;

	if (w->size > total_ram())
		return tcc_set_error(TCC_ERR_NO_MEMORY,
				     "weights '%s': %zu bytes is more than this machine's %zu bytes of RAM",
				     w->name, w->size, total_ram());
	st = tcc_weights_choose_backing(w->size, &w->backing);
	if (st)
		return st;
	w->alloc_size = w->backing == TCC_WEIGHTS_SMALL_PAGES ?
			round_up(w->size, (size_t)sysconf(_SC_PAGESIZE)) :
			round_up(w->size, TCC_WEIGHTS_HUGE_SIZE);

	w->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (w->sock < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "weights '%s': socket", w->name);
	alen = tcc_keeper_addr(&addr, geteuid(), w->name);
	if (bind(w->sock, (struct sockaddr *)&addr, alen) < 0) {
		if (errno == EADDRINUSE)
			return tcc_set_error(TCC_ERR_EXISTS,
					     "weights '%s' already exists (loaded or being created)",
					     w->name);
		return tcc_set_errno(TCC_ERR_IO, errno, "weights '%s': reserving the name", w->name);
	}
	return tcc_weights_memfd_create(w->name, w->alloc_size, w->backing, &w->fd);
}

tcc_status tcc_weights_emb_map_writable(struct tcc_weights *w)
{
	void *p;
	tcc_status st;

	st = tcc_weights_map_aligned(w->fd, 0, w->alloc_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				     &p);
	if (st)
		return st;
	w->rw_ptr = p;
	return TCC_OK;
}

/* An O_RDONLY file of the same memfd, so that readers cannot even ask for write access. */
static int reopen_read_only(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

tcc_status tcc_weights_emb_seal(struct tcc_weights *w)
{
	struct tcc_keeper_state ks = { 0 };
	int pair[2], ro, err;
	tcc_status st;

	if (w->rw_ptr) {
		munmap(w->rw_ptr, w->alloc_size);
		w->rw_ptr = NULL;
	}
	st = tcc_weights_memfd_seal(w->fd);
	if (st)
		return st;
	ro = reopen_read_only(w->fd);
	if (ro < 0)
		return tcc_set_errno(TCC_ERR_IO, errno,
				     "weights '%s': reopening read-only via /proc/self/fd", w->name);
	if (listen(w->sock, 64) < 0) {
		err = errno;
		close(ro);
		return tcc_set_errno(TCC_ERR_IO, err, "weights '%s': listen", w->name);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		err = errno;
		close(ro);
		return tcc_set_errno(TCC_ERR_IO, err, "weights '%s': socketpair", w->name);
	}
	ks.memfd = ro;
	ks.listen_fd = w->sock;
	ks.holder_fd = pair[1];
	ks.info.magic = TCC_KEEPER_MAGIC;
	ks.info.size = w->size;
	ks.info.alloc_size = w->alloc_size;
	ks.info.backing = w->backing;
	ks.info.resident = w->resident;
	ks.info.uid = geteuid();
	ks.info.gid = getegid();
	ks.info.mode = w->mode;
	err = tcc_keeper_spawn(&ks);
	close(pair[1]);
	if (err) {
		close(pair[0]);
		close(ro);
		return tcc_set_errno(TCC_ERR_IO, err, "weights '%s': starting the keeper", w->name);
	}
	/* The keeper owns the name now; ours is the holder end of the pair. */
	close(w->sock);
	w->sock = pair[0];
	close(w->fd);
	w->fd = ro;
	return TCC_OK;
}

static tcc_status status_of(int err, const char *name)
{
	switch (err) {
	case 0:
		return TCC_OK;
	case EACCES:
		return tcc_set_error(TCC_ERR_PERMISSION, "weights '%s': access denied", name);
	case EMFILE:
		return tcc_set_error(TCC_ERR_BUSY, "weights '%s': too many holders", name);
	default:
		return tcc_set_errno(TCC_ERR_IO, err, "weights '%s'", name);
	}
}

/*
 * Connect to the keeper of @name, check it runs as us, send @op, read the
 * reply and (for OPEN) the fd.  Returns the connected socket in @sock.
 */
static tcc_status keeper_call(const char *name, uint32_t op, struct tcc_keeper_reply *r,
			      int *sock, int *fd)
{
	struct tcc_keeper_request req = { .magic = TCC_KEEPER_MAGIC, .op = op };
	struct timeval tmo = { .tv_sec = 5 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = r, .iov_len = sizeof(*r) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct sockaddr_un addr;
	struct cmsghdr *cm;
	struct ucred cr;
	socklen_t alen, crlen = sizeof(cr);
	ssize_t n;
	int s, e;

	*sock = -1;
	if (fd)
		*fd = -1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "weights '%s': socket", name);
	alen = tcc_keeper_addr(&addr, geteuid(), name);
	if (connect(s, (struct sockaddr *)&addr, alen) < 0) {
		e = errno;
		close(s);
		if (e == ECONNREFUSED || e == ENOENT)
			return tcc_set_error(TCC_ERR_NOT_FOUND,
					     "weights '%s': no such sealed buffer", name);
		return tcc_set_errno(TCC_ERR_IO, e, "weights '%s': connect", name);
	}
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0 || cr.uid != geteuid()) {
		close(s);
		return tcc_set_error(TCC_ERR_PERMISSION,
				     "weights '%s': the name is held by uid %u, not by us (%u)",
				     name, (unsigned int)cr.uid, (unsigned int)geteuid());
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (send(s, &req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req))
		goto io;
	n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
	if (n != (ssize_t)sizeof(*r) || r->magic != TCC_KEEPER_MAGIC)
		goto io;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			int got;

			memcpy(&got, CMSG_DATA(cm), sizeof(int));
			if (fd && *fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	if (r->error) {
		if (fd && *fd >= 0)
			close(*fd);
		close(s);
		return status_of(r->error, name);
	}
	tmo.tv_sec = 0;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	*sock = s;
	return TCC_OK;
io:
	e = errno;
	if (fd && *fd >= 0)
		close(*fd);
	close(s);
	return tcc_set_errno(TCC_ERR_IO, e ? e : EPROTO, "weights '%s': talking to its keeper",
			     name);
}

tcc_status tcc_weights_emb_open(struct tcc_weights *w)
{
	struct tcc_keeper_reply r;
	struct stat sb;
	tcc_status st;

	st = keeper_call(w->name, TCC_KEEPER_OPEN, &r, &w->sock, &w->fd);
	if (st)
		return st;
	if (w->fd < 0 || fstat(w->fd, &sb) < 0 || (uint64_t)sb.st_size < r.alloc_size ||
	    r.size > r.alloc_size)
		return tcc_set_error(TCC_ERR_IO, "weights '%s': the keeper sent no usable fd",
				     w->name);
	w->size = r.size;
	w->alloc_size = r.alloc_size;
	w->backing = r.backing;
	w->resident = r.resident;
	w->mode = r.mode;
	w->sealed = true;
	return TCC_OK;
}

tcc_status tcc_weights_emb_map(struct tcc_weights *w)
{
	void *p;
	tcc_status st;

	st = tcc_weights_map_aligned(w->fd, 0, w->alloc_size, PROT_READ, MAP_SHARED, &p);
	if (st)
		return st;
	w->ro_ptr = p;
	return TCC_OK;
}

static void fill_info(tcc_weights_info *info, const char *name, const struct tcc_keeper_reply *r)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->size = r->size;
	info->alloc_size = r->alloc_size;
	info->backend = TCC_WEIGHTS_EMBEDDED;
	info->backing = r->backing;
	/* What the backing guarantees; THP's split is only known per mapping (smaps). */
	if (r->backing == TCC_WEIGHTS_HUGETLB)
		info->huge_chunks = r->alloc_size / TCC_WEIGHTS_HUGE_SIZE;
	else if (r->backing == TCC_WEIGHTS_SMALL_PAGES)
		info->small_chunks = r->alloc_size / (size_t)sysconf(_SC_PAGESIZE);
	info->sealed = 1;
	info->resident = r->resident;
	info->holders = r->holders;
	info->uid = r->uid;
	info->gid = r->gid;
	info->mode = r->mode;
}

tcc_status tcc_weights_emb_info(const struct tcc_weights *w, tcc_weights_info *info)
{
	struct tcc_keeper_reply r;
	int s;

	if (w->sealed && keeper_call(w->name, TCC_KEEPER_INFO, &r, &s, NULL) == TCC_OK) {
		close(s);
		fill_info(info, w->name, &r);
		return TCC_OK;
	}
	/* Unsealed, or unloaded while we still hold it: what we know locally. */
	memset(&r, 0, sizeof(r));
	r.size = w->size;
	r.alloc_size = w->alloc_size;
	r.backing = w->backing;
	r.resident = w->resident;
	r.uid = geteuid();
	r.gid = getegid();
	r.mode = w->mode;
	fill_info(info, w->name, &r);
	info->sealed = w->sealed;
	return TCC_OK;
}

void tcc_weights_emb_close(struct tcc_weights *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->sock >= 0)
		close(w->sock);
	w->fd = w->sock = -1;
}

/*
 * Names of our buffers from /proc/net/unix (abstract names show as "@..."),
 * each reported once: accepted connections repeat the listener's name.
 */
tcc_status tcc_weights_emb_list(tcc_weights_info **list, size_t *count)
{
	char prefix[64], line[512], *path, *nl;
	tcc_weights_info *out = NULL, *grown;
	size_t n = 0, cap = 0, plen, i;
	struct tcc_keeper_reply r;
	FILE *f;
	int s, dup;
	unsigned int state;

	*list = NULL;
	*count = 0;
	plen = (size_t)snprintf(prefix, sizeof(prefix), "@" TCC_KEEPER_PREFIX "%u/",
				(unsigned int)geteuid());
	f = fopen("/proc/net/unix", "r");
	if (!f)
		return tcc_set_errno(TCC_ERR_IO, errno, "reading /proc/net/unix");
	while (fgets(line, sizeof(line), f)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		path = strrchr(line, ' ');
		if (!path || strncmp(path + 1, prefix, plen))
			continue;
		/*
		 * Only the name's owner: the listening socket (sealed) or the
		 * bound one (being filled), both state 01.  Accepted connections
		 * (03) show the same name and may linger briefly after unload.
		 */
		if (sscanf(line, "%*s %*s %*s %*s %*s %x", &state) != 1 || state != 1)
			continue;
		path += 1 + plen;
		if (tcc_weights_check_name(path) != TCC_OK)
			continue;
		for (dup = 0, i = 0; i < n && !dup; i++)
			dup = !strcmp(out[i].name, path);
		if (dup)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(out, cap * sizeof(*out));
			if (!grown) {
				fclose(f);
				free(out);
				return tcc_set_error(TCC_ERR_NO_MEMORY, "listing weights");
			}
			out = grown;
		}
		if (keeper_call(path, TCC_KEEPER_INFO, &r, &s, NULL) == TCC_OK) {
			close(s);
			fill_info(&out[n], path, &r);
		} else {
			/* Bound but not listening: a creator still filling it. */
			memset(&r, 0, sizeof(r));
			r.uid = geteuid();
			r.gid = getegid();
			fill_info(&out[n], path, &r);
			out[n].sealed = 0;
		}
		n++;
	}
	fclose(f);
	tcc_clear_error();
	*list = out;
	*count = n;
	return TCC_OK;
}

tcc_status tcc_weights_emb_unload(const char *name)
{
	struct tcc_keeper_reply r;
	tcc_status st;
	char c;
	int s;

	st = keeper_call(name, TCC_KEEPER_UNLOAD, &r, &s, NULL);
	if (st)
		return st;
	/* Wait for the keeper to let go of the name, so that unload is synchronous. */
	while (recv(s, &c, 1, 0) > 0)
		;
	close(s);
	return TCC_OK;
}
