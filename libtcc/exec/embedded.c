// SPDX-License-Identifier: MIT
/*
 * Model jobs without tcc.ko: the embedded CPU engine's own threads only know
 * the command set, so model jobs go to a queue of their own in this process,
 * served by the workers of tcc_model_executor_run().  Fences, dependencies
 * and tcc_queue_destroy()'s wait are the queue layer's: a model job counts
 * in its queue's in-flight jobs exactly like a command job.
 */
#include "exec/exec_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "queue/queue_internal.h"

struct emb_model_job {
	struct emb_model_job *next;
	tcc_queue *q;
	tcc_fence *fence;
	atomic_uint pending;	/* unsignalled deps + 1 for the submission itself */
	struct tcc_fence_waiter dep_waiters[TCC_JOB_MAX_DEPS];
	struct tcc_model_desc desc;
	uint32_t nbufs;
	void *ptrs[TCC_MODEL_JOB_MAX_BUFS];
	uint64_t sizes[TCC_MODEL_JOB_MAX_BUFS];
};

/*
 * Process-wide on purpose: it stands in for the device.  With tcc.ko an
 * executor serves every CPU queue of its uid without knowing them; here
 * tcc_model_executor_run() likewise takes no queue handle, so the queues and
 * the executors of one process meet in this one list.
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static struct emb_model_job *head, *tail;

static void make_ready(struct emb_model_job *j)
{
	pthread_mutex_lock(&lock);
	j->next = NULL;
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&lock);
}

static void dep_signalled(void *arg)
{
	struct emb_model_job *j = arg;

	if (atomic_fetch_sub(&j->pending, 1) == 1)
		make_ready(j);
}

static tcc_status add_bufs(struct emb_model_job *j, const tcc_buf *b, uint32_t n, const char *what)
{
	for (uint32_t i = 0; i < n; i++) {
		if (b[i].handle)
			return tcc_set_error(TCC_ERR_INVALID_ARG,
					     "%s %u is a tcc.ko GEM handle; this process uses the embedded backend",
					     what, i);
		if (!b[i].ptr || !b[i].size)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "%s %u has no memory", what, i);
		j->ptrs[j->nbufs] = b[i].ptr;
		j->sizes[j->nbufs++] = b[i].size;
	}
	return TCC_OK;
}

tcc_status tcc_exec_emb_submit(tcc_queue *q, const tcc_model_job *job, tcc_fence **fence_out)
{
	struct emb_model_job *j = calloc(1, sizeof(*j));
	tcc_status st;

	if (!j)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "model job");
	st = add_bufs(j, job->inputs, job->ninputs, "input buffer");
	if (st == TCC_OK)
		st = add_bufs(j, job->outputs, job->noutputs, "output buffer");
	for (uint32_t i = 0; st == TCC_OK && i < job->ndeps; i++)
		if (!job->deps[i] || job->deps[i]->backend != TCC_QB_EMBEDDED)
			st = tcc_set_error(TCC_ERR_INVALID_ARG, "dependency %u is not an embedded fence", i);
	if (st == TCC_OK && !(j->fence = tcc_fence_new(TCC_QB_EMBEDDED)))
		st = tcc_set_error(TCC_ERR_NO_MEMORY, "fence");
	if (st != TCC_OK) {
		free(j);
		return st;
	}
	j->q = q;
	j->desc.model_id = job->model_id;
	j->desc.ninputs = job->ninputs;
	j->desc.noutputs = job->noutputs;
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

static void finish(struct emb_model_job *j, int error)
{
	tcc_queue *q = j->q;

	tcc_fence_signal(j->fence, error);
	tcc_fence_put(j->fence);
	free(j);
	pthread_mutex_lock(&q->lock);
	if (--q->inflight == 0)
		pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
}

void tcc_exec_emb_serve(const struct tcc_model_table *t, const tcc_model_executor_opts *o)
{
	pthread_mutex_lock(&lock);
	for (;;) {
		struct emb_model_job *j;
		int err;

		while (!head && !atomic_load(&tcc_exec_stop_requested))
			pthread_cond_wait(&work, &lock);
		if (atomic_load(&tcc_exec_stop_requested))
			break;
		j = head;
		head = j->next;
		if (!head)
			tail = NULL;
		pthread_mutex_unlock(&lock);
		err = tcc_model_job_execute(t, &j->desc, j->ptrs, j->sizes, j->nbufs);
		if (o->on_job)
			o->on_job(o->on_job_arg, j->desc.model_id, err);
		finish(j, err);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
}

void tcc_exec_emb_wake_all(void)
{
	pthread_mutex_lock(&lock);
	pthread_cond_broadcast(&work);
	pthread_mutex_unlock(&lock);
}
