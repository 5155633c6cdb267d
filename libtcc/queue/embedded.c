// SPDX-License-Identifier: MIT
/*
 * The embedded default (no tcc.ko): each engine is a set of worker threads
 * pulling ready jobs from per-priority FIFOs.  SIM has one worker, like a
 * device ring executing in order; CPU has a small pool, and threads calling
 * tcc_executor_run() join it.  A job becomes ready when all its
 * dependencies have signalled (fence callbacks, no polling).
 */
#include "queue/queue_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "queue/cmd_exec.h"

#define PRIO_LEVELS 3
#define CPU_POOL_THREADS 2

struct emb_job {
	struct emb_job *next;
	tcc_queue *q;
	tcc_fence *fence;
	atomic_uint pending;	/* unsignalled deps + 1 for submission itself */
	struct tcc_fence_waiter dep_waiters[TCC_JOB_MAX_DEPS];
	uint32_t ncmds;
	tcc_cmd *cmds;
	void **ptrs;
};

struct tcc_emb_engine {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct emb_job *head[PRIO_LEVELS], *tail[PRIO_LEVELS];
	int started;
	int stop_executors;
	int executors;
};

static struct tcc_emb_engine engines[2] = {
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER },
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER },
};
static atomic_uint next_queue_id = 1;

static struct emb_job *pop_locked(struct tcc_emb_engine *e)
{
	for (int p = PRIO_LEVELS - 1; p >= 0; p--) {
		struct emb_job *j = e->head[p];

		if (j) {
			e->head[p] = j->next;
			if (!e->head[p])
				e->tail[p] = NULL;
			return j;
		}
	}
	return NULL;
}

static void job_free(struct emb_job *j)
{
	free(j->cmds);
	free(j->ptrs);
	free(j);
}

static void run_one(struct emb_job *j)
{
	tcc_queue *q = j->q;
	tcc_fence *f = j->fence;

	tcc_cmds_execute(j->cmds, j->ncmds, j->ptrs);
	job_free(j);
	tcc_fence_signal(f, 0);
	tcc_fence_put(f);
	pthread_mutex_lock(&q->lock);
	if (--q->inflight == 0)
		pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
}

/* Serves @e until *stop becomes true (never, for the engine's own threads). */
static void serve(struct tcc_emb_engine *e, const int *stop)
{
	pthread_mutex_lock(&e->lock);
	for (;;) {
		struct emb_job *j;

		while (!(j = pop_locked(e)) && !(stop && *stop))
			pthread_cond_wait(&e->work, &e->lock);
		if (!j)
			break;
		pthread_mutex_unlock(&e->lock);
		run_one(j);
		pthread_mutex_lock(&e->lock);
	}
	pthread_mutex_unlock(&e->lock);
}

static void *engine_thread(void *arg)
{
	serve(arg, NULL);
	return NULL;
}

/*
 * A forked child has none of the parent's engine threads: start from empty
 * engines there (jobs the parent had queued stay the parent's).
 */
static void engines_after_fork(void)
{
	for (int i = 0; i < 2; i++) {
		struct tcc_emb_engine *e = &engines[i];

		pthread_mutex_init(&e->lock, NULL);
		pthread_cond_init(&e->work, NULL);
		memset(e->head, 0, sizeof(e->head));
		memset(e->tail, 0, sizeof(e->tail));
		e->started = e->stop_executors = e->executors = 0;
	}
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, engines_after_fork);
}

static tcc_status engine_start(tcc_engine which)
{
	struct tcc_emb_engine *e = &engines[which];
	int n = which == TCC_ENGINE_SIM ? 1 : CPU_POOL_THREADS;
	tcc_status st = TCC_OK;

	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&e->lock);
	for (; e->started < n; e->started++) {
		pthread_t t;
		pthread_attr_t attr;
		int rc;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &attr, engine_thread, e);
		pthread_attr_destroy(&attr);
		if (rc) {
			st = tcc_set_errno(TCC_ERR_NO_MEMORY, rc, "starting the embedded engine");
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return st;
}

tcc_status tcc_emb_queue_init(tcc_queue *q)
{
	tcc_status st = engine_start(q->engine);

	if (st != TCC_OK)
		return st;
	q->eng = &engines[q->engine];
	q->id = atomic_fetch_add(&next_queue_id, 1);
	return TCC_OK;
}

static void job_make_ready(struct emb_job *j)
{
	struct tcc_emb_engine *e = j->q->eng;
	int p = j->q->prio;

	pthread_mutex_lock(&e->lock);
	j->next = NULL;
	if (e->tail[p])
		e->tail[p]->next = j;
	else
		e->head[p] = j;
	e->tail[p] = j;
	pthread_cond_signal(&e->work);
	pthread_mutex_unlock(&e->lock);
}

static void dep_signalled(void *arg)
{
	struct emb_job *j = arg;

	if (atomic_fetch_sub(&j->pending, 1) == 1)
		job_make_ready(j);
}

tcc_status tcc_emb_submit(tcc_queue *q, const tcc_job *job, tcc_fence **fence_out)
{
	uint64_t sizes[TCC_JOB_MAX_BUFS];
	struct emb_job *j;
	const char *why;
	uint32_t bad;

	for (uint32_t i = 0; i < job->nbufs; i++) {
		if (job->bufs[i].handle)
			return tcc_set_error(TCC_ERR_INVALID_ARG,
					     "buffer %u is a tcc.ko GEM handle; this process uses the embedded backend", i);
		if (!job->bufs[i].ptr && job->bufs[i].size)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "buffer %u has no memory", i);
		sizes[i] = job->bufs[i].size;
	}
	for (uint32_t i = 0; i < job->ndeps; i++)
		if (!job->deps[i] || job->deps[i]->backend != TCC_QB_EMBEDDED)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "dependency %u is not an embedded fence", i);
	if (tcc_cmds_validate(job->cmds, job->ncmds, sizes, job->nbufs, &bad, &why))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "command %u: %s", bad, why);

	j = calloc(1, sizeof(*j));
	if (!j)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "job");
	j->cmds = malloc(sizeof(tcc_cmd) * (job->ncmds ? job->ncmds : 1));
	j->ptrs = malloc(sizeof(void *) * (job->nbufs ? job->nbufs : 1));
	j->fence = tcc_fence_new(TCC_QB_EMBEDDED);
	if (!j->cmds || !j->ptrs || !j->fence) {
		tcc_fence_put(j->fence);
		job_free(j);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "job");
	}
	memcpy(j->cmds, job->cmds, sizeof(tcc_cmd) * job->ncmds);
	for (uint32_t i = 0; i < job->nbufs; i++)
		j->ptrs[i] = job->bufs[i].ptr;
	j->ncmds = job->ncmds;
	j->q = q;
	atomic_init(&j->pending, job->ndeps + 1);
	if (fence_out)
		*fence_out = tcc_fence_get(j->fence);

	pthread_mutex_lock(&q->lock);
	q->inflight++;
	pthread_mutex_unlock(&q->lock);
	for (uint32_t i = 0; i < job->ndeps; i++)
		tcc_fence_on_signal(job->deps[i], &j->dep_waiters[i], dep_signalled, j);
	dep_signalled(j);
	return TCC_OK;
}

void tcc_emb_queue_fini(tcc_queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (q->inflight)
		pthread_cond_wait(&q->idle, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

tcc_status tcc_emb_executor_run(void)
{
	struct tcc_emb_engine *e = &engines[TCC_ENGINE_CPU];
	tcc_status st = engine_start(TCC_ENGINE_CPU);

	if (st != TCC_OK)
		return st;
	pthread_mutex_lock(&e->lock);
	e->executors++;
	pthread_mutex_unlock(&e->lock);
	serve(e, &e->stop_executors);
	pthread_mutex_lock(&e->lock);
	if (--e->executors == 0)
		e->stop_executors = 0;
	pthread_mutex_unlock(&e->lock);
	return TCC_OK;
}

void tcc_emb_executor_stop(void)
{
	struct tcc_emb_engine *e = &engines[TCC_ENGINE_CPU];

	pthread_mutex_lock(&e->lock);
	if (e->executors)
		e->stop_executors = 1;
	pthread_cond_broadcast(&e->work);
	pthread_mutex_unlock(&e->lock);
}
