/* SPDX-License-Identifier: MIT */
/*
 * tcc device queues: submit small command lists to an engine and wait on
 * fences.
 *
 * Two engines share one command set (COPY, FILL, ADD/MUL/RELU on f32,
 * SIGNAL):
 *   TCC_ENGINE_SIM  the simulated XPU (firmware-stubs/ in tcc.ko, or an
 *                   in-process interpreter thread without the module);
 *   TCC_ENGINE_CPU  CPU executor processes (tcc_executor_run()) with tcc.ko,
 *                   or an in-process thread pool without it.
 *
 * The backend is chosen once per process: tcc.ko's render node when it is
 * loaded, otherwise the embedded default (TCC_DEVICE from <tcc/bo.h>
 * decides as for buffers; TCC_QUEUE_BACKEND=embedded or =kmod forces one).
 * Callers see the same API either way.  Jobs work on buffers of the queue
 * device, tcc_queue_device(): with tcc.ko they are GEM objects the engines
 * reach without a copy (the CPU executors map the same pages).
 *
 *	tcc_device *dev;
 *	tcc_bo *a, *b;
 *	tcc_buf bufs[2];
 *	tcc_queue *q;
 *	tcc_queue_device(&dev);
 *	tcc_bo_create(dev, 4096, 0, &a); tcc_bo_create(dev, 4096, 0, &b);
 *	tcc_buf_from_bo(a, &bufs[0]); tcc_buf_from_bo(b, &bufs[1]);
 *	... fill bufs[0].ptr ...
 *	tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_NORMAL, &q);
 *	tcc_cmd cmd = { .op = TCC_CMD_COPY, .dst = 1, .src0 = 0, .size = 4096 };
 *	tcc_job job = { .cmds = &cmd, .ncmds = 1, .bufs = bufs, .nbufs = 2 };
 *	tcc_fence *f;
 *	tcc_queue_submit(q, &job, &f);
 *	tcc_fence_wait(f, -1);
 *	int err = tcc_fence_error(f);		// 0, or -ETIMEDOUT, -EIO, ...
 *	tcc_fence_put(f);
 *	tcc_queue_destroy(q);
 */
#ifndef TCC_QUEUE_H
#define TCC_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <tcc/bo.h>
#include <tcc/queue_cmd.h>
#include <tcc/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tcc_engine {
	TCC_ENGINE_SIM = 0,
	TCC_ENGINE_CPU = 1,
} tcc_engine;

typedef enum tcc_priority {
	TCC_PRIO_LOW = 0,
	TCC_PRIO_NORMAL = 1,
	TCC_PRIO_HIGH = 2,
} tcc_priority;

/*
 * A buffer a job works on: fill it with tcc_buf_from_bo() (either backend).
 * With tcc.ko the job uses the GEM handle; embedded, the host address.
 * tcc_buf_host() describes plain host memory, for the embedded backend only.
 */
typedef struct tcc_buf {
	void *ptr;		/* host address (embedded) or CPU mapping */
	uint64_t size;		/* bytes */
	uint32_t handle;	/* GEM handle (kmod backend), else 0 */
	uint32_t reserved;
} tcc_buf;

static inline tcc_buf tcc_buf_host(void *ptr, uint64_t size)
{
	tcc_buf b = { ptr, size, 0, 0 };
	return b;
}

typedef struct tcc_queue tcc_queue;
typedef struct tcc_fence tcc_fence;

#define TCC_JOB_MAX_CMDS	4096
#define TCC_JOB_MAX_BUFS	64
#define TCC_JOB_MAX_DEPS	16

typedef struct tcc_job {
	const tcc_cmd *cmds;
	uint32_t ncmds;
	const tcc_buf *bufs;
	uint32_t nbufs;
	tcc_fence *const *deps;	/* run only after all of these signalled */
	uint32_t ndeps;
} tcc_job;

/* "kmod" or "embedded": the backend this process uses (opens it if needed). */
const char *tcc_queue_backend(void);

/*
 * The device the queues of this process submit to; create the jobs' buffers
 * on it.  Owned by the library (do not close it).
 */
tcc_status tcc_queue_device(tcc_device **out);

/*
 * Describe @bo (a buffer of tcc_queue_device()) for a job; maps it.
 * TCC_ERR_INVALID_ARG for a buffer of another tcc_device (GEM handles
 * belong to one open file of the render node).
 */
tcc_status tcc_buf_from_bo(tcc_bo *bo, tcc_buf *out);

tcc_status tcc_queue_create(tcc_engine engine, tcc_priority prio, tcc_queue **out);
/* Waits for the queue's jobs to finish, then frees it.  NULL is a no-op. */
void tcc_queue_destroy(tcc_queue *q);
/* The queue's id (as in sysfs and `tccctl queue N`). */
uint32_t tcc_queue_id(const tcc_queue *q);

/*
 * Submit a job.  Validates the job up front (TCC_ERR_INVALID_ARG with a
 * message on a bad command, index, offset or count).  *fence_out receives
 * a reference to the job's completion fence (may be NULL if not wanted).
 */
tcc_status tcc_queue_submit(tcc_queue *q, const tcc_job *job, tcc_fence **fence_out);

/*
 * Wait for the fence: timeout_ms < 0 waits forever.  TCC_OK when signalled
 * (the job may still have failed: see tcc_fence_error()), TCC_ERR_TIMEOUT
 * when the time ran out.
 */
tcc_status tcc_fence_wait(tcc_fence *f, int timeout_ms);
/* 1 if signalled, else 0. */
int tcc_fence_signalled(tcc_fence *f);
/* 0 when the job succeeded, else a negative errno (-EINVAL, -ETIMEDOUT, -EIO, -ECANCELED). */
int tcc_fence_error(tcc_fence *f);
/*
 * A file descriptor that polls readable (POLLIN) once the fence signalled:
 * a sync_file with tcc.ko, an eventfd embedded.  Owned by the fence.
 */
int tcc_fence_fd(tcc_fence *f);
tcc_fence *tcc_fence_get(tcc_fence *f);
void tcc_fence_put(tcc_fence *f);

/*
 * The CPU engine's worker loop: fetch a job, run its commands on the job's
 * buffers, complete it; until tcc_executor_stop() or an error.  With tcc.ko
 * the process attaches as an executor (TCC_EXEC_ATTACH) and receives the
 * clients' buffers mapped zero-copy; embedded, the caller's thread joins the
 * in-process CPU pool.
 */
tcc_status tcc_executor_run(void);
void tcc_executor_stop(void);

#ifdef __cplusplus
}
#endif
#endif /* TCC_QUEUE_H */
