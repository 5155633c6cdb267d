// SPDX-License-Identifier: MIT
/*
 * One model executor on tcc.ko: its own open file of the render node,
 * attached as a CPU executor.  It fetches jobs, maps their buffers from its
 * file (the clients' pages, zero copy), runs a model job with
 * tcc_model_run() or a plain command list with the queue's interpreter, and
 * completes the job with the error code.  If this process dies mid-job the
 * file closes and tcc.ko gives the job to another executor.
 */
#include "exec/exec_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <uapi/drm/tcc_drm.h>

#include "common/error.h"
#include "dev/dev_internal.h"
#include "queue/cmd_exec.h"

_Static_assert(sizeof(tcc_cmd) == sizeof(struct drm_tcc_cmd), "tcc_cmd mirrors drm_tcc_cmd");

static int xioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do
		rc = ioctl(fd, req, arg);
	while (rc < 0 && errno == EINTR && req != DRM_IOCTL_TCC_EXEC_FETCH);
	return rc < 0 ? -errno : 0;
}

static int run_fetched(int fd, const struct tcc_model_table *t, const tcc_model_executor_opts *o,
		       const struct drm_tcc_exec_fetch *fe, const struct drm_tcc_exec_bo *bos,
		       const tcc_cmd *cmds)
{
	void *ptrs[DRM_TCC_MAX_BOS];
	uint64_t sizes[DRM_TCC_MAX_BOS] = { 0 };
	struct tcc_model_desc d;
	uint32_t mapped = 0, bad;
	const char *why;
	int err = 0, kind;

	if (fe->ncmds > DRM_TCC_MAX_CMDS || fe->nbos > DRM_TCC_MAX_BOS)
		return -EINVAL;	/* the kernel never sends this; do not trust it blindly */
	for (; mapped < fe->nbos; mapped++) {
		sizes[mapped] = bos[mapped].size;
		ptrs[mapped] = mmap(NULL, bos[mapped].size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				    bos[mapped].mmap_offset);
		if (ptrs[mapped] == MAP_FAILED) {
			err = -errno;
			break;
		}
	}
	kind = tcc_model_desc_decode(cmds, fe->ncmds, &d);
	if (!err && kind < 0)
		err = kind;
	else if (!err && kind == 1) {
		err = tcc_model_job_execute(t, &d, ptrs, sizes, fe->nbos);
		if (o->on_job)
			o->on_job(o->on_job_arg, d.model_id, err);
	} else if (!err) {
		/* A plain command job: serve it like tcc_executor_run() would. */
		if (tcc_cmds_validate(cmds, fe->ncmds, sizes, fe->nbos, &bad, &why))
			err = -EINVAL;
		else
			tcc_cmds_execute(cmds, fe->ncmds, ptrs);
	}
	while (mapped--)
		munmap(ptrs[mapped], sizes[mapped]);
	return err;
}

tcc_status tcc_exec_kmod_serve(const struct tcc_model_table *t, const tcc_model_executor_opts *o)
{
	struct drm_tcc_exec_attach at = { .engine = DRM_TCC_ENGINE_CPU };
	struct drm_tcc_cmd *cmds = malloc(sizeof(*cmds) * DRM_TCC_MAX_CMDS);
	struct drm_tcc_exec_bo *bos = malloc(sizeof(*bos) * DRM_TCC_MAX_BOS);
	tcc_device *dev = NULL;
	tcc_status st;
	int fd, rc;

	if (!cmds || !bos) {
		st = tcc_set_error(TCC_ERR_NO_MEMORY, "executor buffers");
		goto out;
	}
	/* A file of our own: one file attaches once, and a worker's jobs die with it. */
	st = tcc_device_open(TCC_DEVICE_MODULE, &dev);
	if (st != TCC_OK)
		goto out;
	fd = tcc_device_drm_fd(dev);
	rc = xioctl(fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at);
	if (rc) {
		st = tcc_set_errno(TCC_ERR_IO, -rc, "TCC_EXEC_ATTACH");
		goto out;
	}
	while (!atomic_load(&tcc_exec_stop_requested)) {
		struct drm_tcc_exec_fetch fe = { .cmds = (uintptr_t)cmds, .bos = (uintptr_t)bos };
		struct drm_tcc_exec_complete done = { 0 };

		rc = xioctl(fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe);
		if (rc == -EAGAIN || rc == -EINTR)
			continue;	/* at most a second: look at the stop flag */
		if (rc) {
			st = tcc_set_errno(TCC_ERR_IO, -rc, "TCC_EXEC_FETCH");
			break;
		}
		done.job_id = fe.job_id;
		done.error = run_fetched(fd, t, o, &fe, bos, (const tcc_cmd *)cmds);
		rc = xioctl(fd, DRM_IOCTL_TCC_EXEC_COMPLETE, &done);
		if (rc && rc != -ENOENT) {	/* -ENOENT: not ours any more; keep serving */
			st = tcc_set_errno(TCC_ERR_IO, -rc, "TCC_EXEC_COMPLETE");
			break;
		}
	}
out:
	tcc_device_close(dev);
	free(cmds);
	free(bos);
	return st;
}
