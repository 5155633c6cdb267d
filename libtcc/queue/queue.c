// SPDX-License-Identifier: MIT
/* The public queue API: picks the backend once per process and dispatches. */
#include "queue/queue_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "dev/dev_internal.h"

static pthread_once_t backend_once = PTHREAD_ONCE_INIT;
static enum tcc_qbackend backend;
static tcc_status backend_status;
static char backend_error[256];
static tcc_device *queue_dev;

/* Opens the queue device once; its kind decides the backend. */
static void pick_backend(void)
{
	const char *want = getenv("TCC_QUEUE_BACKEND");
	tcc_device_kind kind = TCC_DEVICE_AUTO;

	if (want && !strcmp(want, "embedded"))
		kind = TCC_DEVICE_EMBEDDED;
	else if (want && !strcmp(want, "kmod"))
		kind = TCC_DEVICE_MODULE;
	backend_status = tcc_device_open(kind, &queue_dev);
	if (backend_status == TCC_OK && tcc_device_backend(queue_dev) == TCC_DEVICE_MODULE) {
		backend = TCC_QB_KMOD;
		backend_status = tcc_kmod_open(tcc_device_drm_fd(queue_dev));
	} else {
		backend = TCC_QB_EMBEDDED;
	}
	if (backend_status != TCC_OK)
		snprintf(backend_error, sizeof(backend_error), "%s", tcc_last_error());
}

static tcc_status use_backend(enum tcc_qbackend *out)
{
	pthread_once(&backend_once, pick_backend);
	*out = backend;
	if (backend_status != TCC_OK)
		return tcc_set_error(backend_status, "queue device: %s", backend_error);
	return TCC_OK;
}

const char *tcc_queue_backend(void)
{
	enum tcc_qbackend b;

	if (use_backend(&b) != TCC_OK)
		return "none";
	return b == TCC_QB_KMOD ? "kmod" : "embedded";
}

tcc_status tcc_queue_device(tcc_device **out)
{
	enum tcc_qbackend b;
	tcc_status st;

	if (!out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_queue_device: NULL output");
	st = use_backend(&b);
	*out = st == TCC_OK ? queue_dev : NULL;
	return st;
}

tcc_status tcc_buf_from_bo(tcc_bo *bo, tcc_buf *out)
{
	enum tcc_qbackend b;
	tcc_status st;
	void *p;

	if (!bo || !out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_buf_from_bo: NULL argument");
	st = use_backend(&b);
	if (st != TCC_OK)
		return st;
	if (b == TCC_QB_KMOD && bo->dev != queue_dev)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "buffer belongs to another tcc_device; create it on tcc_queue_device()");
	st = tcc_bo_map(bo, &p);
	if (st != TCC_OK)
		return st;
	memset(out, 0, sizeof(*out));
	out->ptr = p;
	out->size = tcc_bo_size(bo);
	out->handle = b == TCC_QB_KMOD ? tcc_bo_gem_handle(bo) : 0;
	return TCC_OK;
}

tcc_status tcc_queue_create(tcc_engine engine, tcc_priority prio, tcc_queue **out)
{
	tcc_queue *q;
	tcc_status st;

	if (!out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_queue_create: NULL output");
	*out = NULL;
	if (engine != TCC_ENGINE_SIM && engine != TCC_ENGINE_CPU)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "unknown engine %d", (int)engine);
	if (prio < TCC_PRIO_LOW || prio > TCC_PRIO_HIGH)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "unknown priority %d", (int)prio);
	q = calloc(1, sizeof(*q));
	if (!q)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "queue");
	st = use_backend(&q->backend);
	if (st != TCC_OK) {
		free(q);
		return st;
	}
	q->engine = engine;
	q->prio = prio;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->idle, NULL);
	st = q->backend == TCC_QB_KMOD ? tcc_kmod_queue_init(q) : tcc_emb_queue_init(q);
	if (st != TCC_OK) {
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->idle);
		free(q);
		return st;
	}
	*out = q;
	return TCC_OK;
}

void tcc_queue_destroy(tcc_queue *q)
{
	if (!q)
		return;
	if (q->backend == TCC_QB_KMOD)
		tcc_kmod_queue_fini(q);
	else
		tcc_emb_queue_fini(q);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->idle);
	free(q);
}

uint32_t tcc_queue_id(const tcc_queue *q)
{
	return q ? q->id : 0;
}

tcc_status tcc_queue_submit(tcc_queue *q, const tcc_job *job, tcc_fence **fence_out)
{
	if (fence_out)
		*fence_out = NULL;
	if (!q || !job)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_queue_submit: NULL queue or job");
	if (job->ncmds > TCC_JOB_MAX_CMDS || job->nbufs > TCC_JOB_MAX_BUFS ||
	    job->ndeps > TCC_JOB_MAX_DEPS)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "job too large: %u commands (max %d), %u buffers (max %d), %u deps (max %d)",
				     job->ncmds, TCC_JOB_MAX_CMDS, job->nbufs, TCC_JOB_MAX_BUFS,
				     job->ndeps, TCC_JOB_MAX_DEPS);
	if ((job->ncmds && !job->cmds) || (job->nbufs && !job->bufs) || (job->ndeps && !job->deps))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "job: a count is non-zero but its array is NULL");
	if (q->backend == TCC_QB_KMOD)
		return tcc_kmod_submit(q, job, fence_out);
	return tcc_emb_submit(q, job, fence_out);
}

tcc_status tcc_executor_run(void)
{
	enum tcc_qbackend b;
	tcc_status st = use_backend(&b);

	if (st != TCC_OK)
		return st;
	return b == TCC_QB_KMOD ? tcc_kmod_executor_run() : tcc_emb_executor_run();
}

void tcc_executor_stop(void)
{
	enum tcc_qbackend b;

	if (use_backend(&b) != TCC_OK)
		return;
	if (b == TCC_QB_KMOD)
		tcc_kmod_executor_stop();
	else
		tcc_emb_executor_stop();
}
