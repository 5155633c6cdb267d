// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_job.c - TCC_SUBMIT and the simulated XPU's side of drm_sched.
 *
 * Submit copies and checks everything userspace hands in (counts, flags,
 * padding, every command's BO index/offset/size against the real BO sizes,
 * fences), takes references on the BOs, and pushes a drm_sched job on the
 * queue's entity.  drm_sched resolves the in-fences, picks entities by
 * priority, calls run_job() when the job may run and timedout_job() when
 * the engine did not finish it in time.
 */
#include <linux/dma-fence.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_syncobj.h>

#include "tcc_queue_priv.h"

static const char *tcc_hw_fence_driver_name(struct dma_fence *f)
{
	return "tcc";
}

static const char *tcc_hw_fence_timeline_name(struct dma_fence *f)
{
	return "tcc-engine";
}

static const struct dma_fence_ops tcc_hw_fence_ops = {
	.get_driver_name = tcc_hw_fence_driver_name,
	.get_timeline_name = tcc_hw_fence_timeline_name,
};

/**
 * tcc_hw_fence_create() - a new engine fence for one attempt of @job
 * @qdev: the device
 * @engine: DRM_TCC_ENGINE_*
 * @job: the job
 *
 * Return: the fence (one reference) or NULL.
 */
struct tcc_hw_fence *tcc_hw_fence_create(struct tcc_qdev *qdev, u32 engine, struct tcc_job *job)
{
	struct tcc_hw_fence *hw = kzalloc(sizeof(*hw), GFP_KERNEL);
	unsigned long flags;

	if (!hw)
		return NULL;
	INIT_LIST_HEAD(&hw->link);
	hw->job = job;
	spin_lock_irqsave(&qdev->hw_lock, flags);
	dma_fence_init(&hw->base, &tcc_hw_fence_ops, &qdev->hw_lock,
		       qdev->hw_context + engine, ++qdev->hw_seqno[engine]);
	spin_unlock_irqrestore(&qdev->hw_lock, flags);
	return hw;
}

/*
 * Completes an attempt: the job's error goes on its finished fence first
 * (drm_sched of 6.1 does not copy it from the hw fence), then the hw fence
 * signals and drm_sched finishes the job.  Caller holds hw_lock.
 */
static void tcc_hw_signal_locked(struct tcc_hw_fence *hw, int error)
{
	if (error) {
		if (hw->job)
			dma_fence_set_error(&hw->job->base.s_fence->finished, error);
		dma_fence_set_error(&hw->base, error);
	}
	hw->job = NULL;
	dma_fence_signal_locked(&hw->base);
}

/**
 * tcc_job_signal_hw() - complete one attempt of a CPU job
 * @job: the job (still owned: its hw fence has not signalled)
 * @hw: the attempt's fence
 * @error: 0 or a negative errno
 */
void tcc_job_signal_hw(struct tcc_job *job, struct tcc_hw_fence *hw, int error)
{
	struct tcc_qdev *qdev = job->queue->qdev;
	unsigned long flags;

	spin_lock_irqsave(&qdev->hw_lock, flags);
	tcc_hw_signal_locked(hw, error);
	spin_unlock_irqrestore(&qdev->hw_lock, flags);
}

/**
 * tcc_sim_irq_handler() - the simulated XPU's completion interrupt
 * @data: the &struct tcc_qdev
 *
 * Hard-irq context: drain the completion queue, signal the matching fences.
 */
void tcc_sim_irq_handler(void *data)
{
	struct tcc_qdev *qdev = data;
	struct tcc_sim_completion c;

	while (tcc_sim_read_completion(&qdev->sim, &c)) {
		struct tcc_hw_fence *hw, *found = NULL;
		unsigned long flags;

		spin_lock_irqsave(&qdev->hw_lock, flags);
		list_for_each_entry(hw, &qdev->sim_pending, link) {
			if (hw->base.seqno == c.seqno) {
				found = hw;
				break;
			}
		}
		if (found) {
			list_del_init(&found->link);
			tcc_hw_signal_locked(found, c.status);
		}
		spin_unlock_irqrestore(&qdev->hw_lock, flags);
		if (found)
			dma_fence_put(&found->base);	/* the list's reference */
	}
}

/* True when an earlier attempt of @job already completed successfully. */
static bool tcc_job_already_done(struct tcc_job *job)
{
	return job->hw && dma_fence_is_signaled(&job->hw->base) && !job->hw->base.error;
}

static struct dma_fence *tcc_sim_run_job(struct drm_sched_job *sched_job)
{
	struct tcc_job *job = to_tcc_job(sched_job);
	struct tcc_qdev *qdev = job->queue->qdev;
	struct tcc_sim_desc desc;
	struct tcc_hw_fence *hw;
	unsigned long flags;
	int ret;

	/* Failed by the timeout handler or cancelled: do not run it again. */
	if (sched_job->s_fence->finished.error)
		return NULL;
	/* Resubmitted after a reset but it had finished: don't execute twice. */
	if (tcc_job_already_done(job))
		return dma_fence_get(&job->hw->base);

	hw = tcc_hw_fence_create(qdev, DRM_TCC_ENGINE_SIM, job);
	if (!hw)
		return ERR_PTR(-ENOMEM);
	if (job->hw)
		dma_fence_put(&job->hw->base);
	job->hw = hw;
	job->attempts++;
	tcc_queue_mark_running(job);

	spin_lock_irqsave(&qdev->hw_lock, flags);
	list_add_tail(&hw->link, &qdev->sim_pending);
	dma_fence_get(&hw->base);	/* for the list */
	spin_unlock_irqrestore(&qdev->hw_lock, flags);

	desc = (struct tcc_sim_desc){
		.seqno = hw->base.seqno,
		.cmds = job->cmds,
		.ncmds = job->ncmds,
		.bos = job->sim_bos,
		.nbos = job->nbos,
	};
	ret = tcc_sim_ring_doorbell(&qdev->sim, &desc);
	if (ret) {
		/* Cannot happen with credit_limit < ring size; fail the job, not the device. */
		spin_lock_irqsave(&qdev->hw_lock, flags);
		list_del_init(&hw->link);
		tcc_hw_signal_locked(hw, ret);
		spin_unlock_irqrestore(&qdev->hw_lock, flags);
		dma_fence_put(&hw->base);
	}
	return dma_fence_get(&hw->base);
}

/*
 * A job did not complete within sim_timeout_ms: reset the device.  The
 * guilty job fails with -ETIMEDOUT; every other job that was on the device
 * is run again (unless it had already finished); queued jobs are untouched.
 */
static enum drm_gpu_sched_stat tcc_sim_timedout_job(struct drm_sched_job *sched_job)
{
	struct tcc_job *job = to_tcc_job(sched_job);
	struct tcc_qdev *qdev = job->queue->qdev;
	struct drm_gpu_scheduler *sched = sched_job->sched;
	struct tcc_hw_fence *hw, *tmp;
	unsigned long flags;
	LIST_HEAD(stale);

	drm_sched_stop(sched, sched_job);
	tcc_sim_reset(&qdev->sim);

	/* The device forgot everything it held: retire those attempts. */
	spin_lock_irqsave(&qdev->hw_lock, flags);
	list_splice_init(&qdev->sim_pending, &stale);
	list_for_each_entry(hw, &stale, link) {
		hw->job = NULL;
		dma_fence_set_error(&hw->base, -ECANCELED);
		dma_fence_signal_locked(&hw->base);
	}
	spin_unlock_irqrestore(&qdev->hw_lock, flags);
	list_for_each_entry_safe(hw, tmp, &stale, link) {
		list_del_init(&hw->link);
		dma_fence_put(&hw->base);
	}

	if (!tcc_job_already_done(job)) {
		dma_fence_set_error(&sched_job->s_fence->finished, -ETIMEDOUT);
		spin_lock_irqsave(&job->queue->lock, flags);
		job->queue->timedout++;
		spin_unlock_irqrestore(&job->queue->lock, flags);
		atomic64_inc(&qdev->timedout_total);
	}
	drm_sched_resubmit_jobs(sched);
	drm_sched_start(sched, true);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

const struct drm_sched_backend_ops tcc_sim_sched_ops = {
	.run_job = tcc_sim_run_job,
	.timedout_job = tcc_sim_timedout_job,
	.free_job = tcc_job_free,
};

static bool tcc_in_bounds(u64 off, u64 len, u64 size)
{
	return off <= size && len <= size - off;
}

/* Same rules as libtcc's tcc_cmds_validate() and the firmware's own check. */
static int tcc_cmds_check(const struct drm_tcc_cmd *cmds, u32 ncmds,
			  struct drm_gem_object **bos, u32 nbos)
{
	u32 i;

	for (i = 0; i < ncmds; i++) {
		const struct drm_tcc_cmd *c = &cmds[i];
		u32 nsrc = 0;

		if (c->flags || c->pad)
			return -EINVAL;
		switch (c->op) {
		case DRM_TCC_CMD_NOP:
			continue;
		case DRM_TCC_CMD_SIGNAL:
			if (c->dst >= nbos || (c->dst_off & 7) ||
			    !tcc_in_bounds(c->dst_off, 8, bos[c->dst]->size))
				return -EINVAL;
			continue;
		case DRM_TCC_CMD_FILL:
			break;
		case DRM_TCC_CMD_COPY:
		case DRM_TCC_CMD_RELU:
			nsrc = 1;
			break;
		case DRM_TCC_CMD_ADD:
		case DRM_TCC_CMD_MUL:
			nsrc = 2;
			break;
		default:
			return -EINVAL;
		}
		if (c->op != DRM_TCC_CMD_COPY &&
		    ((c->size | c->dst_off | (nsrc > 0 ? c->src0_off : 0) |
		      (nsrc > 1 ? c->src1_off : 0)) & 3))
			return -EINVAL;
		if (c->dst >= nbos || !tcc_in_bounds(c->dst_off, c->size, bos[c->dst]->size))
			return -EINVAL;
		if (nsrc > 0 && (c->src0 >= nbos ||
				 !tcc_in_bounds(c->src0_off, c->size, bos[c->src0]->size)))
			return -EINVAL;
		if (nsrc > 1 && (c->src1 >= nbos ||
				 !tcc_in_bounds(c->src1_off, c->size, bos[c->src1]->size)))
			return -EINVAL;
	}
	return 0;
}

/* Commands from a BO: @off and the length are checked against its size. */
static int tcc_cmds_from_bo(struct drm_file *file, u32 handle, u64 off,
			    struct drm_tcc_cmd *cmds, u32 ncmds)
{
	size_t len = array_size(ncmds, sizeof(*cmds));
	struct tcc_bo *bo = tcc_bo_lookup(file, handle);
	struct drm_gem_object *obj;
	struct iosys_map map;
	int ret;

	if (!bo)
		return -ENOENT;
	obj = &bo->base.base;
	ret = -EINVAL;
	if (!tcc_in_bounds(off, len, obj->size))
		goto out;
	ret = drm_gem_shmem_vmap(to_drm_gem_shmem_obj(obj), &map);
	if (ret)
		goto out;
	memcpy(cmds, (u8 *)map.vaddr + off, len);
	drm_gem_shmem_vunmap(to_drm_gem_shmem_obj(obj), &map);
out:
	drm_gem_object_put(obj);
	return ret;
}

static const char *tcc_dep_fence_timeline_name(struct dma_fence *f)
{
	return "tcc-in-fence";
}

static void tcc_dep_fence_release(struct dma_fence *f)
{
	struct tcc_dep_fence *dep = container_of(f, struct tcc_dep_fence, base);

	dma_fence_put(dep->src);
	dma_fence_free(f);
}

static const struct dma_fence_ops tcc_dep_fence_ops = {
	.get_driver_name = tcc_hw_fence_driver_name,
	.get_timeline_name = tcc_dep_fence_timeline_name,
	.release = tcc_dep_fence_release,
};

/* Signals @dep once, with @error if non-zero (any context). */
static void tcc_dep_fence_signal(struct tcc_dep_fence *dep, int error)
{
	unsigned long flags;

	spin_lock_irqsave(&dep->lock, flags);
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &dep->base.flags)) {
		if (error)
			dma_fence_set_error(&dep->base, error);
		dma_fence_signal_locked(&dep->base);
	}
	spin_unlock_irqrestore(&dep->lock, flags);
}

static void tcc_dep_fence_cb(struct dma_fence *src, struct dma_fence_cb *cb)
{
	struct tcc_dep_fence *dep = container_of(cb, struct tcc_dep_fence, cb);

	tcc_dep_fence_signal(dep, src->error);
	dma_fence_put(&dep->base);	/* the callback's reference */
}

/*
 * A proxy for in-fence @src (whose reference it takes), held by @job and
 * listed on its queue.  Return: the proxy, or NULL (then @src was put).
 */
static struct tcc_dep_fence *tcc_dep_fence_create(struct tcc_job *job, struct dma_fence *src)
{
	struct tcc_queue *q = job->queue;
	struct tcc_dep_fence *dep = kzalloc(sizeof(*dep), TCC_GFP_JOB);
	unsigned long flags;

	if (!dep) {
		dma_fence_put(src);
		return NULL;
	}
	spin_lock_init(&dep->lock);
	/* A context of its own: proxies signal in any order, drm_sched must not merge them. */
	dma_fence_init(&dep->base, &tcc_dep_fence_ops, &dep->lock, dma_fence_context_alloc(1), 1);
	dep->src = src;
	job->deps[job->ndeps++] = dep;	/* the job's reference */
	spin_lock_irqsave(&q->lock, flags);
	list_add_tail(&dep->link, &q->deps);
	spin_unlock_irqrestore(&q->lock, flags);

	dma_fence_get(&dep->base);	/* the callback's */
	if (dma_fence_add_callback(src, &dep->cb, tcc_dep_fence_cb))
		tcc_dep_fence_cb(src, &dep->cb);	/* already signalled */
	return dep;
}

/*
 * Drops the job's proxies (its queue is alive: the job holds it).  A
 * callback still waiting on a foreign in-fence is taken off it: that fence
 * may outlive tcc.ko, and its signal must not call into an unloaded module.
 * Not under q->lock: the in-fence may be one of ours, whose lock nests
 * outside it (tcc_job_done_cb()).
 */
static void tcc_job_put_deps(struct tcc_job *job)
{
	struct tcc_queue *q = job->queue;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&q->lock, flags);
	for (i = 0; i < job->ndeps; i++)
		list_del(&job->deps[i]->link);
	spin_unlock_irqrestore(&q->lock, flags);
	for (i = 0; i < job->ndeps; i++) {
		struct tcc_dep_fence *dep = job->deps[i];

		if (dma_fence_remove_callback(dep->src, &dep->cb))
			dma_fence_put(&dep->base);	/* the callback's */
		dma_fence_put(&dep->base);
	}
	job->ndeps = 0;
}

/**
 * tcc_queue_cancel_deps() - stop @q's jobs from waiting for their in-fences
 * @q: a queue being destroyed; its jobs will be cancelled
 *
 * Signals every in-fence proxy of its jobs with -ECANCELED, so that
 * drm_sched_entity_fini() has nothing to wait for.
 */
void tcc_queue_cancel_deps(struct tcc_queue *q)
{
	struct tcc_dep_fence *dep;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	list_for_each_entry(dep, &q->deps, link)
		tcc_dep_fence_signal(dep, -ECANCELED);
	spin_unlock_irqrestore(&q->lock, flags);
}

/* The job's in-fences become drm_sched dependencies, through cancellable proxies. */
static int tcc_job_add_deps(struct tcc_job *job, struct drm_file *file,
			    const struct drm_tcc_submit *args)
{
	u32 __user *user = u64_to_user_ptr(args->in_fences);
	u32 i, v;
	int ret;

	if (args->nin_fences && !(args->flags & DRM_TCC_SUBMIT_FENCE_FD_IN) &&
	    !drm_core_check_feature(file->minor->dev, DRIVER_SYNCOBJ))
		return -EOPNOTSUPP;
	for (i = 0; i < args->nin_fences; i++) {
		struct dma_fence *fence = NULL;

		if (get_user(v, user + i))
			return -EFAULT;
		if (args->flags & DRM_TCC_SUBMIT_FENCE_FD_IN) {
			fence = sync_file_get_fence((int)v);
			if (!fence)
				return -EINVAL;
		} else {
			ret = drm_syncobj_find_fence(file, v, 0, 0, &fence);
			if (ret)
				return ret;
		}
		if (!dma_fence_is_signaled(fence)) {
			struct tcc_dep_fence *dep = tcc_dep_fence_create(job, fence);

			if (!dep)
				return -ENOMEM;
			fence = dma_fence_get(&dep->base);
		}
		ret = drm_sched_job_add_dependency(&job->base, fence);	/* takes the ref */
		if (ret)
			return ret;
	}
	return 0;
}

/* Copies and checks the commands and BOs; maps the BOs for the simulated XPU. */
static int tcc_job_load(struct tcc_job *job, struct drm_file *file,
			const struct drm_tcc_submit *args, u32 engine)
{
	u32 i;
	int ret;

	job->ncmds = args->ncmds;
	job->cmds = kvmalloc_array(max_t(u32, args->ncmds, 1), sizeof(*job->cmds), TCC_GFP_JOB);
	job->bos = kcalloc(max_t(u32, args->nbos, 1), sizeof(*job->bos), TCC_GFP_JOB);
	if (!job->cmds || !job->bos)
		return -ENOMEM;
	if (args->flags & DRM_TCC_SUBMIT_CMDS_IN_BO)
		ret = tcc_cmds_from_bo(file, args->cmd_bo, args->cmds, job->cmds, args->ncmds);
	else if (copy_from_user(job->cmds, u64_to_user_ptr(args->cmds),
				array_size(args->ncmds, sizeof(*job->cmds))))
		ret = -EFAULT;
	else
		ret = 0;
	if (ret)
		return ret;

	for (i = 0; i < args->nbos; i++) {
		u32 handle;

		struct tcc_bo *bo;

		if (get_user(handle, (u32 __user *)u64_to_user_ptr(args->bo_handles) + i))
			return -EFAULT;
		/*
		 * Only tcc BOs: the handle space also holds weight buffers,
		 * which are not shmem objects (vmap would misread them) and
		 * are immutable once sealed.
		 */
		bo = tcc_bo_lookup(file, handle);
		if (!bo)
			return -ENOENT;
		job->bos[i] = &bo->base.base;
		job->nbos = i + 1;
	}
	ret = tcc_cmds_check(job->cmds, job->ncmds, job->bos, job->nbos);
	if (ret || engine != DRM_TCC_ENGINE_SIM)
		return ret;

	job->sim_bos = kcalloc(max_t(u32, job->nbos, 1), sizeof(*job->sim_bos), TCC_GFP_JOB);
	job->maps = kcalloc(max_t(u32, job->nbos, 1), sizeof(*job->maps), TCC_GFP_JOB);
	if (!job->sim_bos || !job->maps)
		return -ENOMEM;
	for (i = 0; i < job->nbos; i++) {
		ret = drm_gem_shmem_vmap(to_drm_gem_shmem_obj(job->bos[i]), &job->maps[i]);
		if (ret)
			return ret;
		job->sim_bos[i].vaddr = job->maps[i].vaddr;
		job->sim_bos[i].size = job->bos[i]->size;
	}
	return 0;
}

/* Before drm_sched_job_init() succeeded (or after it, via free_job's body). */
static void tcc_job_unload(struct tcc_job *job)
{
	u32 i;

	tcc_job_put_deps(job);
	for (i = 0; i < job->nbos; i++) {
		if (job->sim_bos && job->sim_bos[i].vaddr)
			drm_gem_shmem_vunmap(to_drm_gem_shmem_obj(job->bos[i]), &job->maps[i]);
		drm_gem_object_put(job->bos[i]);
	}
	kfree(job->sim_bos);
	kfree(job->maps);
	kfree(job->bos);
	kvfree(job->cmds);
}

/**
 * tcc_job_free() - &drm_sched_backend_ops.free_job of both engines
 * @sched_job: the job; its finished fence signalled, the engine is done
 *
 * Drops the BO references (the BOs may be freed now) and the queue's.
 */
void tcc_job_free(struct drm_sched_job *sched_job)
{
	struct tcc_job *job = to_tcc_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	tcc_job_unload(job);
	if (job->hw)
		dma_fence_put(&job->hw->base);
	tcc_queue_put(job->queue);
	kfree(job);
}

struct tcc_job_done {
	struct dma_fence_cb cb;
	struct tcc_queue *queue;
	u64 submit_ns;
};

/* Counters and latency, when the finished fence signals (any context). */
static void tcc_job_done_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct tcc_job_done *done = container_of(cb, struct tcc_job_done, cb);
	struct tcc_queue *q = done->queue;
	u64 us = div_u64(ktime_get_ns() - done->submit_ns, 1000);
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (f->error)
		q->failed++;
	else
		q->completed++;
	q->lat_us[q->lat_count++ % TCC_QUEUE_LATENCIES] = min_t(u64, us, U32_MAX);
	spin_unlock_irqrestore(&q->lock, flags);
	tcc_queue_put(q);
	kfree(done);
}

/**
 * tcc_submit_ioctl() - DRM_IOCTL_TCC_SUBMIT
 * @drm: the device
 * @data: &struct drm_tcc_submit
 * @file: the caller
 *
 * Return: 0; -EINVAL bad flags/padding/command/fd; -E2BIG over a limit;
 * -ENOENT unknown queue, BO or syncobj; -EFAULT bad pointer;
 * -EOPNOTSUPP syncobjs without DRIVER_SYNCOBJ; -EBUSY the queue already
 * holds max_queue_jobs unfinished jobs.
 */
int tcc_submit_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_submit *args = data;
	struct tcc_qfile *qf = tcc_qfile(file);
	struct drm_syncobj *out_syncobj = NULL;
	struct sync_file *sync_file = NULL;
	struct tcc_job_done *done = NULL;
	struct dma_fence *finished;
	struct tcc_job_result *res;
	struct tcc_queue *q;
	struct tcc_job *job;
	unsigned long flags;
	int fd = -1, ret;

	if (args->flags & ~DRM_TCC_SUBMIT_FLAGS_ALL)
		return -EINVAL;
	if (args->ncmds > DRM_TCC_MAX_CMDS || args->nbos > DRM_TCC_MAX_BOS ||
	    args->nin_fences > DRM_TCC_MAX_IN_FENCES)
		return -E2BIG;
	if (!(args->flags & DRM_TCC_SUBMIT_CMDS_IN_BO) && args->cmd_bo)
		return -EINVAL;
	args->out_fence_fd = -1;

	q = tcc_queue_lookup(qf, args->queue_id);
	if (!q)
		return -ENOENT;
	job = kzalloc(sizeof(*job), TCC_GFP_JOB);
	done = kzalloc(sizeof(*done), TCC_GFP_JOB);
	if (!job || !done) {
		ret = -ENOMEM;
		goto err_free;
	}
	INIT_LIST_HEAD(&job->cpu_link);
	job->queue = q;
	ret = tcc_job_load(job, file, args, q->engine);
	if (ret)
		goto err_unload;

	if (args->out_fence) {
		if (!drm_core_check_feature(drm, DRIVER_SYNCOBJ)) {
			ret = -EOPNOTSUPP;
			goto err_unload;
		}
		out_syncobj = drm_syncobj_find(file, args->out_fence);
		if (!out_syncobj) {
			ret = -ENOENT;
			goto err_unload;
		}
	}
	if (args->flags & DRM_TCC_SUBMIT_FENCE_FD_OUT) {
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0) {
			ret = fd;
			goto err_unload;
		}
	}

	ret = drm_sched_job_init(&job->base, &q->entity, qf);
	if (ret)
		goto err_unload;
	ret = tcc_job_add_deps(job, file, args);
	if (ret)
		goto err_cleanup;

	mutex_lock(&q->submit_lock);
	if (q->destroyed) {
		mutex_unlock(&q->submit_lock);
		ret = -ENOENT;
		goto err_cleanup;
	}
	/* Bound what one queue pins in kernel memory (submitted only grows under submit_lock). */
	spin_lock_irqsave(&q->lock, flags);
	ret = q->submitted - q->completed - q->failed >= READ_ONCE(tcc_max_queue_jobs) ? -EBUSY : 0;
	spin_unlock_irqrestore(&q->lock, flags);
	if (ret) {
		mutex_unlock(&q->submit_lock);
		goto err_cleanup;
	}
	drm_sched_job_arm(&job->base);
	finished = &job->base.s_fence->finished;
	if (fd >= 0) {
		sync_file = sync_file_create(finished);
		if (!sync_file) {
			mutex_unlock(&q->submit_lock);
			ret = -ENOMEM;
			goto err_cleanup;
		}
	}

	kref_get(&q->ref);	/* the job's reference; the lookup's goes to done */
	done->queue = q;
	done->submit_ns = job->submit_ns = ktime_get_ns();
	spin_lock_irqsave(&q->lock, flags);
	job->job_id = ((u64)q->id << 32) | ++q->next_seq;
	res = &q->results[q->next_seq % TCC_QUEUE_RESULTS];
	if (res->finished)
		dma_fence_put(res->finished);
	*res = (struct tcc_job_result){ .job_id = job->job_id, .finished = dma_fence_get(finished) };
	q->submitted++;
	spin_unlock_irqrestore(&q->lock, flags);
	if (dma_fence_add_callback(finished, &done->cb, tcc_job_done_cb))
		tcc_job_done_cb(finished, &done->cb);	/* cannot happen before push */
	args->job_id = job->job_id;

	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&q->submit_lock);

	if (out_syncobj) {
		drm_syncobj_replace_fence(out_syncobj, finished);
		drm_syncobj_put(out_syncobj);
	}
	if (sync_file) {
		fd_install(fd, sync_file->file);
		args->out_fence_fd = fd;
	}
	return 0;

err_cleanup:
	drm_sched_job_cleanup(&job->base);
err_unload:
	if (out_syncobj)
		drm_syncobj_put(out_syncobj);
	if (fd >= 0)
		put_unused_fd(fd);
	tcc_job_unload(job);
err_free:
	kfree(done);
	kfree(job);
	tcc_queue_put(q);
	return ret;
}
