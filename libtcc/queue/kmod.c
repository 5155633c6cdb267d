// SPDX-License-Identifier: MIT
/*
 * The tcc.ko queue backend: queues, submit and executors through the
 * driver's ioctls.  A job's fence comes back as a sync_file fd
 * (DRM_TCC_SUBMIT_FENCE_FD_OUT): poll() waits on it, and it is passed back as
 * an in-fence of later jobs.  Syncobjs (DRM_IOCTL_SYNCOBJ_*) work on the
 * same jobs, but need DRIVER_SYNCOBJ in the driver; sync_files always work.
 */
#include "queue/queue_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include <linux/sync_file.h>
#include <uapi/drm/tcc_drm.h>

#include "common/error.h"
#include "queue/cmd_exec.h"
#include <tcc/executor.h>

_Static_assert(sizeof(tcc_cmd) == sizeof(struct drm_tcc_cmd), "tcc_cmd mirrors drm_tcc_cmd");
_Static_assert(TCC_JOB_MAX_CMDS == DRM_TCC_MAX_CMDS && TCC_JOB_MAX_BUFS == DRM_TCC_MAX_BOS &&
	       TCC_JOB_MAX_DEPS == DRM_TCC_MAX_IN_FENCES, "job limits match the uapi");

static int drm_fd = -1;
static atomic_int executor_stop;

static int xioctl(unsigned long req, void *arg)
{
	int rc;

	do
		rc = ioctl(drm_fd, req, arg);
	while (rc < 0 && (errno == EINTR || errno == EAGAIN) && req != DRM_IOCTL_TCC_EXEC_FETCH);
	return rc < 0 ? -errno : 0;
}

/* Uses the queue device's render node (libtcc/dev opened and checked it). */
tcc_status tcc_kmod_open(int fd)
{
	struct drm_tcc_queue_destroy probe = { .queue_id = 0 };

	if (fd < 0)
		return tcc_set_error(TCC_ERR_NO_DEVICE, "no tcc render node");
	drm_fd = fd;
	/* A tcc.ko without queues answers -EOPNOTSUPP; ours says there is no queue 0. */
	if (xioctl(DRM_IOCTL_TCC_QUEUE_DESTROY, &probe) == -EOPNOTSUPP)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "this tcc.ko has no device queues");
	return TCC_OK;
}

tcc_status tcc_kmod_queue_init(tcc_queue *q)
{
	struct drm_tcc_queue_create c = { .engine = q->engine, .priority = q->prio };
	int rc = xioctl(DRM_IOCTL_TCC_QUEUE_CREATE, &c);

	if (rc)
		return tcc_set_errno(TCC_ERR_IO, -rc, "TCC_QUEUE_CREATE");
	q->id = c.queue_id;
	return TCC_OK;
}

void tcc_kmod_queue_fini(tcc_queue *q)
{
	struct drm_tcc_queue_destroy d = { .queue_id = q->id };

	/*
	 * tcc_queue_destroy() lets submitted jobs finish: wait for each one (CPU
	 * executors may finish a queue's jobs out of order), then destroy.
	 */
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->noutstanding; i++) {
		tcc_kmod_fence_wait(q->outstanding[i], -1);
		tcc_fence_put(q->outstanding[i]);
	}
	free(q->outstanding);
	q->outstanding = NULL;
	q->noutstanding = q->outstanding_cap = 0;
	pthread_mutex_unlock(&q->lock);
	xioctl(DRM_IOCTL_TCC_QUEUE_DESTROY, &d);
}

/*
 * Remembers @f until it signalled.  When the array is full, the signalled
 * fences are dropped first (amortised: one scan per array's worth of
 * submits), and it grows only if that freed less than half.  Caller holds
 * q->lock.
 */
static tcc_status remember_outstanding(tcc_queue *q, tcc_fence *f)
{
	if (q->noutstanding == q->outstanding_cap) {
		size_t kept = 0;

		for (size_t i = 0; i < q->noutstanding; i++) {
			if (tcc_kmod_fence_check(q->outstanding[i]))
				tcc_fence_put(q->outstanding[i]);
			else
				q->outstanding[kept++] = q->outstanding[i];
		}
		q->noutstanding = kept;
		if (kept * 2 >= q->outstanding_cap) {
			size_t cap = q->outstanding_cap ? 2 * q->outstanding_cap : 64;
			tcc_fence **grown = realloc(q->outstanding, cap * sizeof(*grown));

			if (!grown)
				return tcc_set_error(TCC_ERR_NO_MEMORY, "queue bookkeeping");
			q->outstanding = grown;
			q->outstanding_cap = cap;
		}
	}
	q->outstanding[q->noutstanding++] = tcc_fence_get(f);
	return TCC_OK;
}

tcc_status tcc_kmod_submit(tcc_queue *q, const tcc_job *job, tcc_fence **fence_out)
{
	uint32_t handles[TCC_JOB_MAX_BUFS], in[TCC_JOB_MAX_DEPS];
	struct drm_tcc_submit s = { 0 };
	tcc_fence *f;
	int rc;

	for (uint32_t i = 0; i < job->nbufs; i++) {
		if (!job->bufs[i].handle)
			return tcc_set_error(TCC_ERR_INVALID_ARG,
					     "buffer %u is host memory; with tcc.ko use tcc_buf_from_bo()", i);
		handles[i] = job->bufs[i].handle;
	}
	for (uint32_t i = 0; i < job->ndeps; i++) {
		if (!job->deps[i] || job->deps[i]->backend != TCC_QB_KMOD)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "dependency %u is not a tcc.ko fence", i);
		in[i] = (uint32_t)job->deps[i]->fd;
	}
	f = tcc_fence_new(TCC_QB_KMOD);
	if (!f)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "fence");
	s.queue_id = q->id;
	s.flags = DRM_TCC_SUBMIT_FENCE_FD_IN | DRM_TCC_SUBMIT_FENCE_FD_OUT;
	s.cmds = (uintptr_t)job->cmds;
	s.ncmds = job->ncmds;
	s.bo_handles = (uintptr_t)handles;
	s.nbos = job->nbufs;
	s.in_fences = (uintptr_t)in;
	s.nin_fences = job->ndeps;
	rc = xioctl(DRM_IOCTL_TCC_SUBMIT, &s);
	if (rc) {
		tcc_fence_put(f);
		return tcc_set_errno(rc == -ENOMEM ? TCC_ERR_NO_MEMORY :
				     rc == -EBUSY ? TCC_ERR_BUSY :	/* max_queue_jobs reached */
				     rc == -EOPNOTSUPP ? TCC_ERR_UNSUPPORTED : TCC_ERR_INVALID_ARG,
				     -rc, "TCC_SUBMIT on queue %u", q->id);
	}
	f->fd = s.out_fence_fd;
	f->queue_id = q->id;
	f->seqno = s.job_id;
	pthread_mutex_lock(&q->lock);
	if (remember_outstanding(q, f) != TCC_OK)
		tcc_kmod_fence_wait(f, -1);	/* cannot track it: let it finish now */
	pthread_mutex_unlock(&q->lock);
	if (fence_out)
		*fence_out = f;
	else
		tcc_fence_put(f);
	return TCC_OK;
}

/*
 * After the fence signalled: the job's error is the sync_file's status
 * (SYNC_IOC_FILE_INFO), which outlives the queue, unlike TCC_JOB_STATUS.
 */
static void fetch_result(tcc_fence *f)
{
	struct sync_file_info info = { 0 };
	int err;

	if (ioctl(f->fd, SYNC_IOC_FILE_INFO, &info))
		err = -errno;
	else
		err = info.status < 0 ? info.status : 0;
	pthread_mutex_lock(&f->lock);
	f->signalled = 1;
	f->error = err;
	pthread_mutex_unlock(&f->lock);
}

tcc_status tcc_kmod_fence_wait(tcc_fence *f, int timeout_ms)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };
	int rc;

	pthread_mutex_lock(&f->lock);
	rc = f->signalled;
	pthread_mutex_unlock(&f->lock);
	if (rc)
		return TCC_OK;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);	/* a restarted wait may overrun timeout_ms */
	if (rc < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "poll on the job's sync_file");
	if (rc == 0)
		return tcc_set_error(TCC_ERR_TIMEOUT, "fence not signalled after %d ms", timeout_ms);
	fetch_result(f);
	return TCC_OK;
}

int tcc_kmod_fence_check(tcc_fence *f)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };
	int done;

	pthread_mutex_lock(&f->lock);
	done = f->signalled;
	pthread_mutex_unlock(&f->lock);
	if (done)
		return 1;
	if (poll(&p, 1, 0) != 1)
		return 0;
	fetch_result(f);
	return 1;
}

int tcc_kmod_fence_fd(tcc_fence *f)
{
	return f->fd;
}

void tcc_kmod_fence_release(tcc_fence *f)
{
	/* The sync_file fd is closed by tcc_fence_put(). */
}

/* Runs one fetched job on the executor's mappings of the client's BOs. */
/*
 * A model job (libtcc/exec) is a tagged NOP only a model executor can run;
 * executing it here as a NOP would report success for work never done.
 */
static bool is_model_job(const tcc_cmd *cmds, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (cmds[i].op == TCC_CMD_NOP && cmds[i].value == TCC_MODEL_JOB_MAGIC)
			return true;
	return false;
}

static int run_fetched(const struct drm_tcc_exec_fetch *fe, const struct drm_tcc_exec_bo *bos,
		       const tcc_cmd *cmds)
{
	void *ptrs[DRM_TCC_MAX_BOS];
	uint64_t sizes[DRM_TCC_MAX_BOS] = { 0 };
	const char *why;
	uint32_t bad, mapped = 0;
	int err = 0;

	if (is_model_job(cmds, fe->ncmds))
		return -ENOEXEC;
	for (; mapped < fe->nbos; mapped++) {
		sizes[mapped] = bos[mapped].size;
		ptrs[mapped] = mmap(NULL, bos[mapped].size, PROT_READ | PROT_WRITE, MAP_SHARED,
				    drm_fd, bos[mapped].mmap_offset);
		if (ptrs[mapped] == MAP_FAILED) {
			err = -errno;
			break;
		}
	}
	/* The kernel validated at submit; checking again costs little and guards this process. */
	if (!err && tcc_cmds_validate(cmds, fe->ncmds, sizes, fe->nbos, &bad, &why))
		err = -EINVAL;
	if (!err)
		tcc_cmds_execute(cmds, fe->ncmds, ptrs);
	while (mapped--)
		munmap(ptrs[mapped], sizes[mapped]);
	return err;
}

tcc_status tcc_kmod_executor_run(void)
{
	struct drm_tcc_exec_attach at = { .engine = DRM_TCC_ENGINE_CPU };
	struct drm_tcc_cmd *cmds = malloc(sizeof(*cmds) * DRM_TCC_MAX_CMDS);
	struct drm_tcc_exec_bo *bos = malloc(sizeof(*bos) * DRM_TCC_MAX_BOS);
	tcc_status st = TCC_OK;
	int rc;

	if (!cmds || !bos) {
		st = tcc_set_error(TCC_ERR_NO_MEMORY, "executor buffers");
		goto out;
	}
	rc = xioctl(DRM_IOCTL_TCC_EXEC_ATTACH, &at);
	if (rc) {
		st = tcc_set_errno(rc == -EBUSY ? TCC_ERR_BUSY : TCC_ERR_IO, -rc, "TCC_EXEC_ATTACH");
		goto out;
	}
	while (!atomic_load(&executor_stop)) {
		struct drm_tcc_exec_fetch fe = { .cmds = (uintptr_t)cmds, .bos = (uintptr_t)bos };
		struct drm_tcc_exec_complete done = { 0 };

		rc = xioctl(DRM_IOCTL_TCC_EXEC_FETCH, &fe);
		if (rc == -EAGAIN || rc == -EINTR)
			continue;	/* woken to look at the stop flag */
		if (rc) {
			st = tcc_set_errno(TCC_ERR_IO, -rc, "TCC_EXEC_FETCH");
			break;
		}
		done.job_id = fe.job_id;
		done.error = run_fetched(&fe, bos, (const tcc_cmd *)cmds);
		rc = xioctl(DRM_IOCTL_TCC_EXEC_COMPLETE, &done);
		if (rc && rc != -ENOENT) {	/* -ENOENT: not ours (any more); keep serving */
			st = tcc_set_errno(TCC_ERR_IO, -rc, "TCC_EXEC_COMPLETE");
			break;
		}
	}
	atomic_store(&executor_stop, 0);
out:
	free(cmds);
	free(bos);
	return st;
}

void tcc_kmod_executor_stop(void)
{
	atomic_store(&executor_stop, 1);
}
