/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcc_queue_priv.h - internals of the queue part of tcc.ko (issue 6).
 *
 *   tcc_queue.c  hooks, queue create/destroy, job status, sysfs
 *   tcc_job.c    submit: validation, BO references, fences, drm_sched ops
 *                of the simulated XPU (reset on timeout)
 *   tcc_exec.c   the CPU engine: executors attach, fetch, complete, and the
 *                requeue of jobs whose executor died
 *   firmware-stubs/  the simulated XPU itself
 *
 * Lifetimes: a job holds references on its queue and its BOs until
 * free_job(), which drm_sched calls only after the job's finished fence
 * signalled, i.e. after the engine is done with the BOs.  A queue is freed
 * when its file's reference and every job's reference are gone.
 */
#ifndef TCC_QUEUE_PRIV_H
#define TCC_QUEUE_PRIV_H

#include <linux/dma-fence.h>
#include <linux/kref.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <drm/gpu_scheduler.h>
#include <uapi/drm/tcc_drm.h>

#include "tcc_drv.h"
#include "../firmware-stubs/tcc_sim.h"

#define TCC_ENGINES		2

/*
 * Memory a job pins until it finishes (up to 256 KiB of commands, and a
 * queue holds max_queue_jobs of them, any number of queues per file) is
 * charged to the submitter's memory cgroup; at its limit TCC_SUBMIT fails
 * with -ENOMEM instead of waking the cgroup's OOM killer.
 */
#define TCC_GFP_JOB		(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)
#define TCC_QUEUE_RESULTS	1024	/* job results remembered per queue */
#define TCC_QUEUE_LATENCIES	1024	/* latency samples per queue (p50/p99) */

extern unsigned int tcc_sim_timeout_ms;
extern unsigned int tcc_exec_retries;
extern unsigned int tcc_max_queue_jobs;

/**
 * struct tcc_hw_fence - an engine's completion fence for one attempt of a job
 * @base: the dma_fence (lock: &tcc_qdev.hw_lock)
 * @job: the job, while the fence is on &tcc_qdev.sim_pending
 * @link: entry in &tcc_qdev.sim_pending (SIM only)
 */
struct tcc_hw_fence {
	struct dma_fence base;
	struct tcc_job *job;
	struct list_head link;
};

/**
 * struct tcc_dep_fence - a job's view of one in-fence, cancellable by its queue
 * @base: the fence drm_sched waits on (lock: @lock, own context)
 * @lock: lock of @base
 * @src: the in-fence (reference)
 * @cb: callback on @src that signals @base
 * @link: entry in &tcc_queue.deps until the job is freed
 *
 * drm_sched's kill path waits uninterruptibly for the in-fences of the jobs
 * it cancels, and an in-fence may never signal (a CPU job nobody fetches,
 * an executor that is stuck or lives in the closing process).  Jobs wait on
 * these proxies instead; cancelling the queue signals them (-ECANCELED).
 */
struct tcc_dep_fence {
	struct dma_fence base;
	spinlock_t lock;
	struct dma_fence *src;
	struct dma_fence_cb cb;
	struct list_head link;
};

/**
 * struct tcc_job_result - what JOB_STATUS reports about a recent job
 * @job_id: the job
 * @finished: reference on the job's finished fence (its error is the result)
 * @attempts: times handed to an engine
 * @running: handed to an engine at least once
 */
struct tcc_job_result {
	u64 job_id;
	struct dma_fence *finished;
	u32 attempts;
	bool running;
};

/**
 * struct tcc_queue - one queue: a drm_sched entity plus bookkeeping
 * @ref: file + each job + each pending completion callback
 * @qdev: the device
 * @owner: file that created it (compared, never dereferenced after destroy)
 * @id: device-unique id
 * @engine: DRM_TCC_ENGINE_*
 * @priority: DRM_TCC_PRIO_*
 * @pid: creator's thread-group id
 * @uid: creator's effective uid (only executors of that uid see its jobs)
 * @entity: drm_sched entity (one per queue)
 * @submit_lock: serialises arm + push (drm_sched needs it per entity) and destroy
 * @destroyed: no more submits, no more jobs handed to an engine (written
 *             under @submit_lock, read under &tcc_qdev.cpu_lock too)
 * @closing: entry in a closing file's list of queues being torn down
 * @lock: counters, results, latencies, @deps (irq-safe: completion callbacks)
 * @deps: &struct tcc_dep_fence of its jobs not freed yet
 * @next_seq: sequence number of the next job
 * @submitted: jobs accepted
 * @completed: jobs finished without error
 * @failed: jobs finished with an error (timeouts and cancels included)
 * @timedout: jobs failed by the timeout handler
 * @requeued: jobs given to another executor after one died
 * @results: ring of recent job results
 * @lat_us: ring of recent submit-to-signal latencies (microseconds)
 * @lat_count: samples written to @lat_us
 */
struct tcc_queue {
	struct kref ref;
	struct tcc_qdev *qdev;
	void *owner;
	u32 id;
	u32 engine;
	u32 priority;
	pid_t pid;
	kuid_t uid;
	struct drm_sched_entity entity;
	struct mutex submit_lock;
	bool destroyed;
	struct list_head closing;

	spinlock_t lock;
	struct list_head deps;
	u32 next_seq;
	u64 submitted, completed, failed, timedout, requeued;
	struct tcc_job_result results[TCC_QUEUE_RESULTS];
	u32 lat_us[TCC_QUEUE_LATENCIES];
	u64 lat_count;
};

/**
 * struct tcc_executor - a process attached as a CPU executor
 * @link: entry in &tcc_qdev.executors
 * @file: its DRM file (the BO handles of fetched jobs live there)
 * @id: device-unique id
 * @pid: its thread-group id
 * @uid: its effective uid
 * @any_uid: may run jobs of every user (CAP_SYS_ADMIN at attach)
 * @jobs_done: jobs it completed
 * @running: jobs it fetched and has not completed (&tcc_job.cpu_link)
 */
struct tcc_executor {
	struct list_head link;
	struct drm_file *file;
	u32 id;
	pid_t pid;
	kuid_t uid;
	bool any_uid;
	u64 jobs_done;
	struct list_head running;
};

/**
 * struct tcc_job - one submitted job
 * @base: drm_sched job
 * @queue: its queue (reference)
 * @job_id: (queue id << 32) | sequence
 * @cmds: kernel copy of the commands
 * @ncmds: number of @cmds
 * @bos: BO references
 * @nbos: number of @bos
 * @sim_bos: kernel mappings of @bos (SIM engine)
 * @maps: vmap cookies of @sim_bos
 * @hw: fence of the current attempt, or NULL
 * @submit_ns: ktime at submit
 * @attempts: times handed to an engine
 * @retries: times its executor died with it
 * @cpu_link: entry in &tcc_qdev.cpu_ready or &tcc_executor.running
 * @exec_handles: BO handles in the executor's file while fetched
 * @deps: its in-fence proxies (references; also on &tcc_queue.deps)
 * @ndeps: number of @deps
 * @exec: executor that fetched it, or NULL
 * @handed: FETCH has finished handing it to @exec (under &tcc_qdev.cpu_lock);
 *          only then may COMPLETE take it, since FETCH uses the job until then
 */
struct tcc_job {
	struct drm_sched_job base;
	struct tcc_queue *queue;
	u64 job_id;
	struct drm_tcc_cmd *cmds;
	u32 ncmds;
	u32 nbos;
	struct drm_gem_object **bos;
	struct tcc_sim_bo *sim_bos;
	struct iosys_map *maps;
	struct tcc_hw_fence *hw;
	u64 submit_ns;
	u32 attempts;
	u32 retries;
	struct list_head cpu_link;
	u32 exec_handles[DRM_TCC_MAX_BOS];
	struct tcc_dep_fence *deps[DRM_TCC_MAX_IN_FENCES];
	u32 ndeps;
	struct tcc_executor *exec;
	bool handed;
};

/**
 * struct tcc_qdev - queue state of the device (&tcc_device.queue_priv)
 * @tdev: the device
 * @sim: the simulated XPU
 * @sched: one drm_sched per engine (DRM_TCC_ENGINE_*)
 * @hw_lock: lock of every hw fence; protects @sim_pending and @hw_seqno
 * @hw_context: dma_fence context of engine 0 (engine e uses + e)
 * @hw_seqno: last hw fence seqno per engine
 * @sim_pending: hw fences of jobs on the simulated XPU, oldest first
 * @queues: id -> &struct tcc_queue (xa_lock for lookups)
 * @next_queue_id: for xa_alloc_cyclic
 * @cpu_lock: protects @cpu_ready, @executors and every executor's @running
 * @cpu_ready: CPU jobs waiting for an executor
 * @cpu_wait: executors sleeping in FETCH
 * @executors: attached executors
 * @next_exec_id: id of the next executor
 * @timedout_total: jobs failed by timeouts (all queues, since load)
 * @requeued_total: jobs requeued after executor deaths (since load)
 */
struct tcc_qdev {
	struct tcc_device *tdev;
	struct tcc_sim sim;
	struct drm_gpu_scheduler sched[TCC_ENGINES];

	spinlock_t hw_lock;
	u64 hw_context;
	u64 hw_seqno[TCC_ENGINES];
	struct list_head sim_pending;

	struct xarray queues;
	u32 next_queue_id;

	spinlock_t cpu_lock;
	struct list_head cpu_ready;
	wait_queue_head_t cpu_wait;
	struct list_head executors;
	u32 next_exec_id;

	atomic64_t timedout_total;
	atomic64_t requeued_total;
};

/**
 * struct tcc_qfile - queue state of one DRM file (&tcc_file.queue_priv)
 * @qdev: the device
 * @exec: set once the file attached as an executor
 */
struct tcc_qfile {
	struct tcc_qdev *qdev;
	struct tcc_executor *exec;
};

static inline struct tcc_job *to_tcc_job(struct drm_sched_job *job)
{
	return container_of(job, struct tcc_job, base);
}

static inline struct tcc_qdev *tcc_qdev(struct drm_device *drm)
{
	return to_tcc_device(drm)->queue_priv;
}

static inline struct tcc_qfile *tcc_qfile(struct drm_file *file)
{
	return to_tcc_file(file)->queue_priv;
}

/* tcc_queue.c */
struct tcc_queue *tcc_queue_lookup(struct tcc_qfile *qf, u32 id);
void tcc_queue_put(struct tcc_queue *q);
void tcc_queue_mark_running(struct tcc_job *job);

/* tcc_job.c */
extern const struct drm_sched_backend_ops tcc_sim_sched_ops;
struct tcc_hw_fence *tcc_hw_fence_create(struct tcc_qdev *qdev, u32 engine, struct tcc_job *job);
void tcc_sim_irq_handler(void *data);
void tcc_job_free(struct drm_sched_job *sched_job);
void tcc_job_signal_hw(struct tcc_job *job, struct tcc_hw_fence *hw, int error);
void tcc_queue_cancel_deps(struct tcc_queue *q);

/* tcc_exec.c */
extern const struct drm_sched_backend_ops tcc_cpu_sched_ops;
void tcc_exec_cancel_queue(struct tcc_qdev *qdev, struct tcc_queue *q);
void tcc_exec_detach(struct tcc_qfile *qf);
void tcc_exec_fail_all(struct tcc_qdev *qdev, int error);
ssize_t tcc_exec_show(struct tcc_qdev *qdev, char *buf);

#endif /* TCC_QUEUE_PRIV_H */
