// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_queue.c - device queues: the hooks tcc_drv.c calls, queue create and
 * destroy, job status, and the sysfs view (<device>/queue/).
 *
 * Each engine (the simulated XPU, the CPU executors) has one drm_sched
 * scheduler; each queue is one drm_sched entity on its engine's scheduler at
 * the queue's priority.  See tcc_queue_priv.h for the object lifetimes.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/sysfs.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>

#include "tcc_queue_priv.h"

unsigned int tcc_sim_timeout_ms = 500;
module_param_named(sim_timeout_ms, tcc_sim_timeout_ms, uint, 0444);
MODULE_PARM_DESC(sim_timeout_ms, "simulated XPU job timeout before a reset, ms (default 500)");

unsigned int tcc_max_queue_jobs = 16384;
module_param_named(max_queue_jobs, tcc_max_queue_jobs, uint, 0644);
MODULE_PARM_DESC(max_queue_jobs, "unfinished jobs one queue may hold before TCC_SUBMIT says -EBUSY (default 16384)");

unsigned int tcc_exec_retries = 2;
module_param_named(exec_retries, tcc_exec_retries, uint, 0644);
MODULE_PARM_DESC(exec_retries, "times a CPU job is requeued after its executor died before it fails with -EIO (default 2)");

/* Jobs on an engine at once; below the simulated ring size. */
#define TCC_ENGINE_CREDITS	(TCC_SIM_RING_SIZE / 2)

static const enum drm_sched_priority tcc_prio_map[] = {
	[DRM_TCC_PRIO_LOW] = DRM_SCHED_PRIORITY_MIN,
	[DRM_TCC_PRIO_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[DRM_TCC_PRIO_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

static void tcc_queue_release(struct kref *ref)
{
	struct tcc_queue *q = container_of(ref, struct tcc_queue, ref);
	u32 i;

	for (i = 0; i < TCC_QUEUE_RESULTS; i++)
		if (q->results[i].finished)
			dma_fence_put(q->results[i].finished);
	kfree(q);
}

/**
 * tcc_queue_put() - drop a queue reference (any context)
 * @q: the queue
 */
void tcc_queue_put(struct tcc_queue *q)
{
	kref_put(&q->ref, tcc_queue_release);
}

/**
 * tcc_queue_lookup() - a live queue of this file, with a reference
 * @qf: the caller's file
 * @id: queue id
 *
 * Return: the queue or NULL (no such queue, destroyed, or another file's).
 */
struct tcc_queue *tcc_queue_lookup(struct tcc_qfile *qf, u32 id)
{
	struct tcc_qdev *qdev = qf->qdev;
	struct tcc_queue *q;

	xa_lock(&qdev->queues);
	q = xa_load(&qdev->queues, id);
	if (q && (q->owner != qf || q->destroyed))
		q = NULL;
	if (q)
		kref_get(&q->ref);
	xa_unlock(&qdev->queues);
	return q;
}

/**
 * tcc_queue_mark_running() - record that @job was handed to its engine
 * @job: the job
 */
void tcc_queue_mark_running(struct tcc_job *job)
{
	struct tcc_queue *q = job->queue;
	struct tcc_job_result *res = &q->results[(u32)job->job_id % TCC_QUEUE_RESULTS];
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (res->job_id == job->job_id) {
		res->running = true;
		res->attempts = job->attempts;
	}
	spin_unlock_irqrestore(&q->lock, flags);
}

/**
 * tcc_queue_create_ioctl() - DRM_IOCTL_TCC_QUEUE_CREATE
 * @drm: the device
 * @data: &struct drm_tcc_queue_create
 * @file: the caller; the queue belongs to this file
 *
 * Return: 0; -EINVAL unknown engine/priority, flags or a non-zero queue_id;
 * -EACCES high priority without CAP_SYS_NICE; -ENOMEM.
 */
int tcc_queue_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_queue_create *args = data;
	struct tcc_qdev *qdev = tcc_qdev(drm);
	struct drm_gpu_scheduler *sched;
	struct tcc_queue *q;
	int ret;

	if (args->engine >= TCC_ENGINES || args->priority >= ARRAY_SIZE(tcc_prio_map) ||
	    args->flags || args->queue_id)
		return -EINVAL;
	/* High priority can starve everyone else's queues: as amdgpu, ask for CAP_SYS_NICE. */
	if (args->priority > DRM_TCC_PRIO_NORMAL && !capable(CAP_SYS_NICE))
		return -EACCES;
	q = kzalloc(sizeof(*q), TCC_GFP_JOB);
	if (!q)
		return -ENOMEM;
	kref_init(&q->ref);
	mutex_init(&q->submit_lock);
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->deps);
	q->qdev = qdev;
	q->owner = tcc_qfile(file);
	q->engine = args->engine;
	q->priority = args->priority;
	q->pid = task_tgid_nr(current);
	q->uid = current_euid();
	sched = &qdev->sched[q->engine];
	ret = drm_sched_entity_init(&q->entity, tcc_prio_map[q->priority], &sched, 1, NULL);
	if (ret)
		goto err_free;
	/* Allocated last: once in the xarray, lookups may find it. */
	ret = xa_alloc_cyclic(&qdev->queues, &q->id, q, XA_LIMIT(1, U32_MAX),
			      &qdev->next_queue_id, GFP_KERNEL);
	if (ret < 0)
		goto err_entity;
	args->queue_id = q->id;
	return 0;

err_entity:
	drm_sched_entity_fini(&q->entity);
err_free:
	kfree(q);
	return ret;
}

/*
 * First half of a teardown: no more submits, out of the id table, and the
 * CPU jobs no executor took yet fail with -ESRCH (tcc_cpu_run_job() fails
 * the ones drm_sched hands over later).  Never sleeps on a fence.
 * Return: false if someone else destroyed it first.
 */
static bool tcc_queue_cancel(struct tcc_qdev *qdev, struct tcc_queue *q)
{
	mutex_lock(&q->submit_lock);
	if (q->destroyed) {
		mutex_unlock(&q->submit_lock);
		return false;
	}
	WRITE_ONCE(q->destroyed, true);
	mutex_unlock(&q->submit_lock);
	xa_erase(&qdev->queues, q->id);
	if (q->engine == DRM_TCC_ENGINE_CPU)
		tcc_exec_cancel_queue(qdev, q);
	tcc_queue_cancel_deps(q);
	return true;
}

/*
 * Second half: drm_sched fails the jobs still in the entity with -ESRCH
 * after waiting (uninterruptibly) for their in-fences, which the first
 * half signalled; running jobs finish.  Drops the file's reference.
 */
static void tcc_queue_finish(struct tcc_queue *q)
{
	drm_sched_entity_fini(&q->entity);
	tcc_queue_put(q);
}

/**
 * tcc_queue_destroy_ioctl() - DRM_IOCTL_TCC_QUEUE_DESTROY
 * @drm: the device
 * @data: &struct drm_tcc_queue_destroy
 * @file: the caller
 *
 * Return: 0; -ENOENT not a live queue of this file; -EINVAL padding.
 */
int tcc_queue_destroy_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_queue_destroy *args = data;
	struct tcc_qdev *qdev = tcc_qdev(drm);
	struct tcc_queue *q;
	int ret;

	if (args->pad)
		return -EINVAL;
	q = tcc_queue_lookup(tcc_qfile(file), args->queue_id);
	if (!q)
		return -ENOENT;
	ret = -ENOENT;
	if (tcc_queue_cancel(qdev, q)) {
		tcc_queue_finish(q);
		ret = 0;
	}
	tcc_queue_put(q);
	return ret;
}

/**
 * tcc_job_status_ioctl() - DRM_IOCTL_TCC_JOB_STATUS
 * @drm: the device
 * @data: &struct drm_tcc_job_status
 * @file: the caller
 *
 * Return: 0 (state UNKNOWN for a job too old to be remembered); -ENOENT the
 * job's queue is not a live queue of this file; -EINVAL padding.
 */
int tcc_job_status_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_job_status *args = data;
	struct tcc_job_result res = { 0 };
	struct tcc_job_result *slot;
	struct dma_fence *finished = NULL;
	struct tcc_queue *q;
	unsigned long flags;

	if (args->pad)
		return -EINVAL;
	q = tcc_queue_lookup(tcc_qfile(file), (u32)(args->job_id >> 32));
	if (!q)
		return -ENOENT;
	slot = &q->results[(u32)args->job_id % TCC_QUEUE_RESULTS];
	spin_lock_irqsave(&q->lock, flags);
	if (slot->job_id == args->job_id && slot->finished) {
		res = *slot;
		finished = dma_fence_get(slot->finished);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	tcc_queue_put(q);

	args->state = DRM_TCC_JOB_UNKNOWN;
	args->error = 0;
	args->attempts = res.attempts;
	if (!finished)
		return 0;
	if (dma_fence_is_signaled(finished)) {
		args->state = DRM_TCC_JOB_DONE;
		args->error = finished->error;
	} else {
		args->state = res.running ? DRM_TCC_JOB_RUNNING : DRM_TCC_JOB_QUEUED;
	}
	dma_fence_put(finished);
	return 0;
}

/* --- sysfs: <platform device>/queue/{queues,executors,totals} --- */

static int tcc_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* p50/p99 of the latency window, exact over the last TCC_QUEUE_LATENCIES jobs. */
static void tcc_queue_percentiles(struct tcc_queue *q, u32 *scratch, u32 *p50, u32 *p99)
{
	unsigned long flags;
	u32 n;

	spin_lock_irqsave(&q->lock, flags);
	n = min_t(u64, q->lat_count, TCC_QUEUE_LATENCIES);
	memcpy(scratch, q->lat_us, n * sizeof(u32));
	spin_unlock_irqrestore(&q->lock, flags);
	*p50 = *p99 = 0;
	if (!n)
		return;
	sort(scratch, n, sizeof(u32), tcc_cmp_u32, NULL);
	*p50 = scratch[(n - 1) / 2];
	*p99 = scratch[(n - 1) * 99 / 100];
}

static struct tcc_qdev *tcc_qdev_of_kobj(struct device *dev)
{
	struct drm_device *drm = dev_get_drvdata(dev);

	return drm ? to_tcc_device(drm)->queue_priv : NULL;
}

/*
 * One line per queue: id engine priority pid submitted completed failed
 * timedout requeued inflight depth p50_us p99_us
 */
static ssize_t queues_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tcc_qdev *qdev = tcc_qdev_of_kobj(dev);
	static const char * const engines[] = { "sim", "cpu" };
	static const char * const prios[] = { "low", "normal", "high" };
	struct tcc_queue *q;
	unsigned long id = 0, flags;
	u32 *scratch;
	int len;

	if (!qdev)
		return -ENODEV;
	scratch = kmalloc_array(TCC_QUEUE_LATENCIES, sizeof(u32), GFP_KERNEL);
	if (!scratch)
		return -ENOMEM;
	len = sysfs_emit(buf, "id engine priority pid submitted completed failed timedout requeued inflight depth p50_us p99_us\n");
	for (;;) {
		u64 sub, done, failed, tmo, req;
		u32 p50, p99, depth;

		xa_lock(&qdev->queues);
		q = xa_find(&qdev->queues, &id, ULONG_MAX, XA_PRESENT);
		if (q)
			kref_get(&q->ref);
		xa_unlock(&qdev->queues);
		if (!q)
			break;
		id++;
		spin_lock_irqsave(&q->lock, flags);
		sub = q->submitted;
		done = q->completed;
		failed = q->failed;
		tmo = q->timedout;
		req = q->requeued;
		spin_unlock_irqrestore(&q->lock, flags);
		depth = spsc_queue_count(&q->entity.job_queue);
		tcc_queue_percentiles(q, scratch, &p50, &p99);
		if (len < PAGE_SIZE - 160)
			len += sysfs_emit_at(buf, len, "%u %s %s %d %llu %llu %llu %llu %llu %llu %u %u %u\n",
					     q->id, engines[q->engine], prios[q->priority], q->pid,
					     sub, done, failed, tmo, req, sub - done - failed, depth,
					     p50, p99);
		tcc_queue_put(q);
	}
	kfree(scratch);
	return len;
}
static DEVICE_ATTR_RO(queues);

static ssize_t executors_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tcc_qdev *qdev = tcc_qdev_of_kobj(dev);

	return qdev ? tcc_exec_show(qdev, buf) : -ENODEV;
}
static DEVICE_ATTR_RO(executors);

static ssize_t totals_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tcc_qdev *qdev = tcc_qdev_of_kobj(dev);
	unsigned long flags;
	u64 executed, resets;

	if (!qdev)
		return -ENODEV;
	spin_lock_irqsave(&qdev->sim.lock, flags);
	executed = qdev->sim.executed;
	resets = qdev->sim.resets;
	spin_unlock_irqrestore(&qdev->sim.lock, flags);
	return sysfs_emit(buf, "sim_executed %llu\nsim_resets %llu\ntimedout %lld\nrequeued %lld\n",
			  executed, resets, atomic64_read(&qdev->timedout_total),
			  atomic64_read(&qdev->requeued_total));
}
static DEVICE_ATTR_RO(totals);

static struct attribute *tcc_queue_attrs[] = {
	&dev_attr_queues.attr,
	&dev_attr_executors.attr,
	&dev_attr_totals.attr,
	NULL,
};

const struct attribute_group tcc_queue_attr_group = {
	.name = "queue",
	.attrs = tcc_queue_attrs,
};

/* --- hooks called by tcc_drv.c --- */

/*
 * drm_sched_init() takes a struct drm_sched_init_args since Linux 6.15, which
 * Debian backported into its 6.1 kernels (6.1.0-57 has it, 6.1.0-50 does
 * not); before, the same parameters one by one.  Kbuild defines
 * TCC_HAVE_SCHED_INIT_ARGS when the headers built against have the struct.
 */
static int tcc_sched_init(struct drm_gpu_scheduler *sched, const struct drm_sched_backend_ops *ops,
			  long timeout, const char *name, struct device *dev)
{
#ifdef TCC_HAVE_SCHED_INIT_ARGS
	struct drm_sched_init_args args = {
		.ops = ops,
		.credit_limit = TCC_ENGINE_CREDITS,
		.hang_limit = 0,
		.timeout = timeout,
		.name = name,
		.dev = dev,
	};

	return drm_sched_init(sched, &args);
#else
	return drm_sched_init(sched, ops, TCC_ENGINE_CREDITS, 0, timeout, NULL, NULL, name, dev);
#endif
}

/**
 * tcc_queue_init() - module load: the simulated XPU and one scheduler per engine
 * @tdev: the device (not registered yet)
 *
 * Return: 0 or a negative errno.
 */
int tcc_queue_init(struct tcc_device *tdev)
{
	struct tcc_qdev *qdev;
	int ret;

	qdev = kzalloc(sizeof(*qdev), GFP_KERNEL);
	if (!qdev)
		return -ENOMEM;
	qdev->tdev = tdev;
	spin_lock_init(&qdev->hw_lock);
	INIT_LIST_HEAD(&qdev->sim_pending);
	qdev->hw_context = dma_fence_context_alloc(TCC_ENGINES);
	xa_init_flags(&qdev->queues, XA_FLAGS_ALLOC1);
	spin_lock_init(&qdev->cpu_lock);
	INIT_LIST_HEAD(&qdev->cpu_ready);
	init_waitqueue_head(&qdev->cpu_wait);
	INIT_LIST_HEAD(&qdev->executors);

	ret = tcc_sim_init(&qdev->sim, tcc_sim_irq_handler, qdev);
	if (ret)
		goto err_free;

	ret = tcc_sched_init(&qdev->sched[DRM_TCC_ENGINE_SIM], &tcc_sim_sched_ops,
			     msecs_to_jiffies(max(tcc_sim_timeout_ms, 10u)), "tcc-sim", tdev->drm.dev);
	if (ret)
		goto err_sim;
	ret = tcc_sched_init(&qdev->sched[DRM_TCC_ENGINE_CPU], &tcc_cpu_sched_ops, MAX_SCHEDULE_TIMEOUT,
			     "tcc-cpu", tdev->drm.dev);
	if (ret)
		goto err_sched;
	tdev->queue_priv = qdev;
	return 0;

err_sched:
	drm_sched_fini(&qdev->sched[DRM_TCC_ENGINE_SIM]);
err_sim:
	tcc_sim_fini(&qdev->sim);
err_free:
	kfree(qdev);
	return ret;
}

/*
 * Waits (at most 5 s) until drm_sched has freed every job of @sched:
 * drm_sched_fini() does not free jobs still on its pending list, and those
 * hold BO references.
 */
static void tcc_sched_drain(struct drm_gpu_scheduler *sched)
{
	bool empty = false;
	int i;

	for (i = 0; i < 500 && !empty; i++) {
		spin_lock(&sched->job_list_lock);
		empty = list_empty(&sched->pending_list);
		spin_unlock(&sched->job_list_lock);
		if (!empty)
			usleep_range(10000, 20000);
	}
	WARN(!empty, "tcc: %s still has jobs at unload\n", sched->name);
}

/**
 * tcc_queue_fini() - module unload, every file is closed
 * @tdev: the device
 */
void tcc_queue_fini(struct tcc_device *tdev)
{
	struct tcc_qdev *qdev = tdev->queue_priv;
	int i;

	if (!qdev)
		return;
	/* Every file is closed: fail CPU jobs nobody will run, let the SIM drain. */
	tcc_exec_fail_all(qdev, -ENODEV);
	for (i = 0; i < TCC_ENGINES; i++)
		tcc_sched_drain(&qdev->sched[i]);
	drm_sched_fini(&qdev->sched[DRM_TCC_ENGINE_CPU]);
	drm_sched_fini(&qdev->sched[DRM_TCC_ENGINE_SIM]);
	tcc_sim_fini(&qdev->sim);
	WARN_ON(!xa_empty(&qdev->queues));
	xa_destroy(&qdev->queues);
	tdev->queue_priv = NULL;
	kfree(qdev);
}

/**
 * tcc_queue_open() - a DRM file opened
 * @tfile: its tcc state
 *
 * Return: 0 or -ENOMEM.
 */
int tcc_queue_open(struct tcc_file *tfile)
{
	struct tcc_qfile *qf = kzalloc(sizeof(*qf), GFP_KERNEL);

	if (!qf)
		return -ENOMEM;
	qf->qdev = tfile->tdev->queue_priv;
	tfile->queue_priv = qf;
	return 0;
}

/**
 * tcc_queue_postclose() - a DRM file closed (its process may have died)
 * @tfile: its tcc state
 *
 * Cancels its queues' jobs that have not reached an engine, and if it was an
 * executor, hands its jobs to another one (or cancels them when their queue
 * is gone).  BOs stay referenced by the jobs
 * until the engines are done with them.  Every queue is cancelled before
 * any is finished: a job of one queue may wait for a job of another one,
 * and drm_sched's kill path would wait for it forever if that one were
 * still waiting for an executor.
 */
void tcc_queue_postclose(struct tcc_file *tfile)
{
	struct tcc_qfile *qf = tfile->queue_priv;
	struct tcc_queue *q, *tmp;
	struct tcc_qdev *qdev;
	unsigned long id;
	LIST_HEAD(closing);

	if (!qf)
		return;
	qdev = qf->qdev;
	for (;;) {
		struct tcc_queue *mine = NULL;

		xa_lock(&qdev->queues);
		xa_for_each(&qdev->queues, id, q) {
			if (q->owner == qf && !q->destroyed) {
				mine = q;
				kref_get(&q->ref);
				break;
			}
		}
		xa_unlock(&qdev->queues);
		if (!mine)
			break;
		if (tcc_queue_cancel(qdev, mine))
			list_add_tail(&mine->closing, &closing);
		else
			tcc_queue_put(mine);
	}
	/* Before waiting too: the jobs this file fetched as an executor never finish otherwise. */
	tcc_exec_detach(qf);
	list_for_each_entry_safe(q, tmp, &closing, closing) {
		list_del(&q->closing);
		tcc_queue_finish(q);
		tcc_queue_put(q);	/* the lookup's */
	}
	tfile->queue_priv = NULL;
	kfree(qf);
}
