// SPDX-License-Identifier: MIT
/* The public queue API: picks the backend once per process and dispatches. */
#include "queue/queue_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static pthread_once_t backend_once = PTHREAD_ONCE_INIT;
static enum tcc_qbackend backend;
static tcc_status backend_status;

static void pick_backend(void)
{
	const char *want = getenv("TCC_QUEUE_BACKEND");

	if (want && !strcmp(want, "embedded")) {
		backend = TCC_QB_EMBEDDED;
		return;
	}
	if (tcc_kmod_open() == TCC_OK) {
		backend = TCC_QB_KMOD;
		return;
	}
	if (want && !strcmp(want, "kmod")) {
		/* Asked for the module explicitly: keep tcc_kmod_open()'s reason. */
		backend_status = TCC_ERR_NO_DEVICE;
		backend = TCC_QB_KMOD;
		return;
	}
	backend = TCC_QB_EMBEDDED;
}

static tcc_status use_backend(enum tcc_qbackend *out)
{
	pthread_once(&backend_once, pick_backend);
	*out = backend;
	if (backend_status != TCC_OK)
		return tcc_set_error(backend_status, "TCC_QUEUE_BACKEND=kmod but tcc.ko is not usable");
	return TCC_OK;
}

const char *tcc_queue_backend(void)
{
	enum tcc_qbackend b;

	if (use_backend(&b) != TCC_OK)
		return "none";
	return b == TCC_QB_KMOD ? "kmod" : "embedded";
}

tcc_status tcc_queue_buf_alloc(uint64_t size, tcc_buf *out)
{
	enum tcc_qbackend b;
	tcc_status st;

	if (!out || !size)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_queue_buf_alloc: need a size and an output");
	st = use_backend(&b);
	if (st != TCC_OK)
		return st;
	if (b == TCC_QB_KMOD)
		return tcc_kmod_buf_alloc(size, out);
	memset(out, 0, sizeof(*out));
	out->ptr = calloc(1, size);
	if (!out->ptr)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "buffer of %llu bytes", (unsigned long long)size);
	out->size = size;
	return TCC_OK;
}

void tcc_queue_buf_free(tcc_buf *buf)
{
	if (!buf)
		return;
	if (buf->handle)
		tcc_kmod_buf_free(buf);
	else
		free(buf->ptr);
	memset(buf, 0, sizeof(*buf));
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
