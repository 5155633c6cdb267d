// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_exec.c - the CPU engine: executor processes run the jobs.
 *
 * drm_sched's run_job() puts a CPU job on the device's ready list; an
 * executor (a process that called TCC_EXEC_ATTACH on its DRM file) takes it
 * with TCC_EXEC_FETCH, which also creates GEM handles for the job's BOs in
 * the executor's file so it can mmap them (zero copy), and finishes it with
 * TCC_EXEC_COMPLETE, which signals the job's engine fence.  When an
 * executor's file closes with jobs fetched and not completed (the process
 * died), those jobs go back to the front of the ready list for another
 * executor, at most exec_retries times; then they fail with -EIO.
 *
 * An executor maps its clients' buffers, so it only gets jobs of queues
 * created by its own effective uid, unless it attached with CAP_SYS_ADMIN.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>

#include "tcc_queue_priv.h"

static struct dma_fence *tcc_cpu_run_job(struct drm_sched_job *sched_job)
{
	struct tcc_job *job = to_tcc_job(sched_job);
	struct tcc_qdev *qdev = job->queue->qdev;
	struct tcc_hw_fence *hw;

	if (sched_job->s_fence->finished.error)
		return NULL;
	hw = tcc_hw_fence_create(qdev, DRM_TCC_ENGINE_CPU, job);
	if (!hw)
		return ERR_PTR(-ENOMEM);
	if (job->hw)
		dma_fence_put(&job->hw->base);
	job->hw = hw;

	spin_lock(&qdev->cpu_lock);
	/* Its queue's ready jobs were cancelled already: this one would be missed. */
	if (READ_ONCE(job->queue->destroyed)) {
		spin_unlock(&qdev->cpu_lock);
		tcc_job_signal_hw(job, hw, -ESRCH);
		return dma_fence_get(&hw->base);
	}
	list_add_tail(&job->cpu_link, &qdev->cpu_ready);
	spin_unlock(&qdev->cpu_lock);
	wake_up_interruptible(&qdev->cpu_wait);
	return dma_fence_get(&hw->base);
}

/* The CPU scheduler runs without a timeout: dead executors are noticed when their file closes. */
static enum drm_gpu_sched_stat tcc_cpu_timedout_job(struct drm_sched_job *sched_job)
{
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

const struct drm_sched_backend_ops tcc_cpu_sched_ops = {
	.run_job = tcc_cpu_run_job,
	.timedout_job = tcc_cpu_timedout_job,
	.free_job = tcc_job_free,
};

/**
 * tcc_exec_attach_ioctl() - DRM_IOCTL_TCC_EXEC_ATTACH
 * @drm: the device
 * @data: &struct drm_tcc_exec_attach
 * @file: the executor's file
 *
 * Return: 0, -EINVAL (engine, flags, padding), -EBUSY (already attached).
 */
int tcc_exec_attach_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_exec_attach *args = data;
	struct tcc_qdev *qdev = tcc_qdev(drm);
	struct tcc_qfile *qf = tcc_qfile(file);
	struct tcc_executor *exec;

	if (args->engine != DRM_TCC_ENGINE_CPU || args->flags || args->pad)
		return -EINVAL;
	exec = kzalloc(sizeof(*exec), GFP_KERNEL_ACCOUNT);
	if (!exec)
		return -ENOMEM;
	exec->file = file;
	exec->pid = task_tgid_nr(current);
	exec->uid = current_euid();
	exec->any_uid = capable(CAP_SYS_ADMIN);
	INIT_LIST_HEAD(&exec->running);

	spin_lock(&qdev->cpu_lock);
	if (qf->exec) {
		spin_unlock(&qdev->cpu_lock);
		kfree(exec);
		return -EBUSY;
	}
	exec->id = ++qdev->next_exec_id;
	list_add_tail(&exec->link, &qdev->executors);
	qf->exec = exec;
	spin_unlock(&qdev->cpu_lock);
	args->executor_id = exec->id;
	return 0;
}

static struct tcc_executor *tcc_exec_of(struct tcc_qdev *qdev, struct tcc_qfile *qf)
{
	struct tcc_executor *exec;

	spin_lock(&qdev->cpu_lock);
	exec = qf->exec;
	spin_unlock(&qdev->cpu_lock);
	return exec;
}

/* Moves the oldest ready job this executor may run onto its running list. */
static struct tcc_job *tcc_exec_take(struct tcc_qdev *qdev, struct tcc_executor *exec)
{
	struct tcc_job *job, *found = NULL;

	spin_lock(&qdev->cpu_lock);
	list_for_each_entry(job, &qdev->cpu_ready, cpu_link) {
		if (exec->any_uid || uid_eq(job->queue->uid, exec->uid)) {
			found = job;
			list_move_tail(&job->cpu_link, &exec->running);
			job->exec = exec;
			break;
		}
	}
	spin_unlock(&qdev->cpu_lock);
	return found;
}

/* Gives a fetched job back (fetch failed half-way): front of the line, no retry charged. */
static void tcc_exec_unfetch(struct tcc_qdev *qdev, struct tcc_job *job)
{
	spin_lock(&qdev->cpu_lock);
	job->exec = NULL;
	job->handed = false;
	list_move(&job->cpu_link, &qdev->cpu_ready);
	spin_unlock(&qdev->cpu_lock);
	wake_up_interruptible(&qdev->cpu_wait);
}

/* Creates the executor's handles for the job's BOs and copies the job out. */
static int tcc_exec_hand_over(struct drm_file *file, struct tcc_job *job,
			      struct drm_tcc_exec_fetch *args)
{
	struct drm_tcc_exec_bo __user *ubos = u64_to_user_ptr(args->bos);
	u32 i, made = 0;
	int ret = 0;

	for (; made < job->nbos; made++) {
		struct drm_gem_object *obj = job->bos[made];
		struct drm_tcc_exec_bo bo = { .size = obj->size };

		ret = drm_gem_create_mmap_offset(obj);
		if (!ret)
			ret = drm_gem_handle_create(file, obj, &job->exec_handles[made]);
		if (ret)
			break;
		bo.handle = job->exec_handles[made];
		bo.mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
		if (copy_to_user(&ubos[made], &bo, sizeof(bo))) {
			made++;
			ret = -EFAULT;
			break;
		}
	}
	if (!ret && copy_to_user(u64_to_user_ptr(args->cmds), job->cmds,
				 array_size(job->ncmds, sizeof(*job->cmds))))
		ret = -EFAULT;
	if (ret) {
		for (i = 0; i < made; i++)
			drm_gem_handle_delete(file, job->exec_handles[i]);
		return ret;
	}
	args->job_id = job->job_id;
	args->ncmds = job->ncmds;
	args->nbos = job->nbos;
	return 0;
}

/**
 * tcc_exec_fetch_ioctl() - DRM_IOCTL_TCC_EXEC_FETCH
 * @drm: the device
 * @data: &struct drm_tcc_exec_fetch
 * @file: the executor's file
 *
 * Sleeps until a CPU job is ready, at most one second (then -EAGAIN, so a
 * worker loop can look at its stop flag).
 *
 * Return: 0 with the job; -EAGAIN none ready; -EPERM not attached;
 * -EINVAL flags/padding; -EFAULT bad buffers (the job stays queued).
 */
int tcc_exec_fetch_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_exec_fetch *args = data;
	struct tcc_qdev *qdev = tcc_qdev(drm);
	struct tcc_executor *exec;
	struct tcc_job *job;
	long left;
	int ret;

	if ((args->flags & ~DRM_TCC_FETCH_NONBLOCK) || args->pad)
		return -EINVAL;
	exec = tcc_exec_of(qdev, tcc_qfile(file));
	if (!exec)
		return -EPERM;
	job = tcc_exec_take(qdev, exec);
	if (!job && (args->flags & DRM_TCC_FETCH_NONBLOCK))
		return -EAGAIN;
	if (!job) {
		left = wait_event_interruptible_timeout(qdev->cpu_wait,
							(job = tcc_exec_take(qdev, exec)), HZ);
		if (left < 0)
			return left;
		if (!job)
			return -EAGAIN;
	}

	ret = tcc_exec_hand_over(file, job, args);
	if (ret) {
		tcc_exec_unfetch(qdev, job);
		return ret;
	}
	job->attempts++;
	tcc_queue_mark_running(job);
	/*
	 * From here another thread of the executor may COMPLETE the job and
	 * it may be freed at once: the last use of @job in this ioctl.
	 */
	spin_lock(&qdev->cpu_lock);
	job->handed = true;
	spin_unlock(&qdev->cpu_lock);
	return 0;
}

/**
 * tcc_exec_complete_ioctl() - DRM_IOCTL_TCC_EXEC_COMPLETE
 * @drm: the device
 * @data: &struct drm_tcc_exec_complete
 * @file: the executor's file
 *
 * Return: 0; -ENOENT not a job this executor holds; -EINVAL bad error/padding;
 * -EPERM not attached.
 */
int tcc_exec_complete_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_exec_complete *args = data;
	struct tcc_qdev *qdev = tcc_qdev(drm);
	struct tcc_job *job, *found = NULL;
	struct tcc_executor *exec;
	u32 i;

	if (args->pad || args->error > 0 || args->error < -MAX_ERRNO)
		return -EINVAL;
	exec = tcc_exec_of(qdev, tcc_qfile(file));
	if (!exec)
		return -EPERM;
	spin_lock(&qdev->cpu_lock);
	list_for_each_entry(job, &exec->running, cpu_link) {
		if (job->job_id == args->job_id && job->handed) {
			found = job;
			list_del_init(&job->cpu_link);
			job->exec = NULL;
			job->handed = false;
			exec->jobs_done++;
			break;
		}
	}
	spin_unlock(&qdev->cpu_lock);
	if (!found)
		return -ENOENT;
	for (i = 0; i < found->nbos; i++)
		drm_gem_handle_delete(file, found->exec_handles[i]);
	/* After this the job may be freed at any time. */
	tcc_job_signal_hw(found, found->hw, args->error);
	return 0;
}

/**
 * tcc_exec_detach() - an executor's file closed: requeue or fail its jobs
 * @qf: the file's queue state
 *
 * The file's GEM handles are already gone (drm_gem_release() runs before
 * postclose); the jobs keep their own BO references.
 */
void tcc_exec_detach(struct tcc_qfile *qf)
{
	struct tcc_qdev *qdev = qf->qdev;
	struct tcc_executor *exec;
	struct tcc_job *job, *tmp;
	unsigned long flags;
	LIST_HEAD(cancelled);
	LIST_HEAD(failed);

	spin_lock(&qdev->cpu_lock);
	exec = qf->exec;
	qf->exec = NULL;
	if (!exec) {
		spin_unlock(&qdev->cpu_lock);
		return;
	}
	list_del(&exec->link);
	list_for_each_entry_safe(job, tmp, &exec->running, cpu_link) {
		job->exec = NULL;
		job->handed = false;
		/* Nobody cancels a destroyed queue's ready jobs any more: fail it now. */
		if (READ_ONCE(job->queue->destroyed)) {
			list_move_tail(&job->cpu_link, &cancelled);
			continue;
		}
		if (++job->retries > tcc_exec_retries) {
			list_move_tail(&job->cpu_link, &failed);
			continue;
		}
		list_move(&job->cpu_link, &qdev->cpu_ready);
		spin_lock_irqsave(&job->queue->lock, flags);
		job->queue->requeued++;
		spin_unlock_irqrestore(&job->queue->lock, flags);
		atomic64_inc(&qdev->requeued_total);
	}
	spin_unlock(&qdev->cpu_lock);
	wake_up_interruptible(&qdev->cpu_wait);

	list_for_each_entry_safe(job, tmp, &failed, cpu_link) {
		list_del_init(&job->cpu_link);
		tcc_job_signal_hw(job, job->hw, -EIO);
	}
	list_for_each_entry_safe(job, tmp, &cancelled, cpu_link) {
		list_del_init(&job->cpu_link);
		tcc_job_signal_hw(job, job->hw, -ESRCH);
	}
	kfree(exec);
}

/**
 * tcc_exec_cancel_queue() - a queue is destroyed: drop its jobs no executor took
 * @qdev: the device
 * @q: the queue
 *
 * They fail with -ESRCH, like the jobs drm_sched still held for the queue.
 * Jobs an executor is running finish normally.
 */
void tcc_exec_cancel_queue(struct tcc_qdev *qdev, struct tcc_queue *q)
{
	struct tcc_job *job, *tmp;
	LIST_HEAD(cancelled);

	spin_lock(&qdev->cpu_lock);
	list_for_each_entry_safe(job, tmp, &qdev->cpu_ready, cpu_link)
		if (job->queue == q)
			list_move_tail(&job->cpu_link, &cancelled);
	spin_unlock(&qdev->cpu_lock);
	list_for_each_entry_safe(job, tmp, &cancelled, cpu_link) {
		list_del_init(&job->cpu_link);
		tcc_job_signal_hw(job, job->hw, -ESRCH);
	}
}

/**
 * tcc_exec_fail_all() - fail every CPU job still waiting (module unload)
 * @qdev: the device
 * @error: negative errno
 */
void tcc_exec_fail_all(struct tcc_qdev *qdev, int error)
{
	struct tcc_job *job, *tmp;
	LIST_HEAD(doomed);

	spin_lock(&qdev->cpu_lock);
	list_splice_init(&qdev->cpu_ready, &doomed);
	spin_unlock(&qdev->cpu_lock);
	list_for_each_entry_safe(job, tmp, &doomed, cpu_link) {
		list_del_init(&job->cpu_link);
		tcc_job_signal_hw(job, job->hw, error);
	}
}

/**
 * tcc_exec_show() - sysfs "executors": one line per executor
 * @qdev: the device
 * @buf: sysfs page
 *
 * Return: bytes written.
 */
ssize_t tcc_exec_show(struct tcc_qdev *qdev, char *buf)
{
	struct tcc_executor *exec;
	struct tcc_job *job;
	int len = sysfs_emit(buf, "id pid jobs_done running\n");

	spin_lock(&qdev->cpu_lock);
	list_for_each_entry(exec, &qdev->executors, link) {
		u32 running = 0;

		list_for_each_entry(job, &exec->running, cpu_link)
			running++;
		if (len > PAGE_SIZE - 64)
			break;
		len += sysfs_emit_at(buf, len, "%u %d %llu %u\n", exec->id, exec->pid,
				     exec->jobs_done, running);
	}
	spin_unlock(&qdev->cpu_lock);
	return len;
}
