// SPDX-License-Identifier: MIT
/*
 * The public model-executor API: submit model jobs, and run the worker
 * loop on whichever backend this process's queues use.
 */
#include "exec/exec_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "queue/queue_internal.h"

atomic_int tcc_exec_stop_requested;

static pthread_mutex_t runs_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int active_runs;

tcc_status tcc_queue_submit_model(tcc_queue *q, const tcc_model_job *job, tcc_fence **fence_out)
{
	tcc_buf bufs[TCC_MODEL_JOB_MAX_BUFS];
	struct tcc_model_desc d;
	tcc_cmd cmd;
	tcc_job plain;

	if (fence_out)
		*fence_out = NULL;
	if (!q || !job)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_queue_submit_model: NULL queue or job");
	if (q->engine != TCC_ENGINE_CPU)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "model jobs run on CPU executors: queue %u is not a TCC_ENGINE_CPU queue",
				     q->id);
	if (!job->noutputs)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "model job without outputs");
	if ((job->ninputs && !job->inputs) || !job->outputs || (job->ndeps && !job->deps))
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "model job: a count is non-zero but its array is NULL");
	if ((uint64_t)job->ninputs + job->noutputs > TCC_MODEL_JOB_MAX_BUFS)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "model job: %u inputs + %u outputs exceed %d buffers",
				     job->ninputs, job->noutputs, TCC_MODEL_JOB_MAX_BUFS);
	if (job->ndeps > TCC_JOB_MAX_DEPS)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "model job: %u deps (max %d)",
				     job->ndeps, TCC_JOB_MAX_DEPS);
	if (q->backend == TCC_QB_EMBEDDED)
		return tcc_exec_emb_submit(q, job, fence_out);

	/* tcc.ko: an ordinary CPU job whose command list is the descriptor. */
	d.model_id = job->model_id;
	d.ninputs = job->ninputs;
	d.noutputs = job->noutputs;
	cmd = tcc_model_desc_encode(&d);
	if (job->ninputs)
		memcpy(bufs, job->inputs, sizeof(tcc_buf) * job->ninputs);
	memcpy(bufs + job->ninputs, job->outputs, sizeof(tcc_buf) * job->noutputs);
	memset(&plain, 0, sizeof(plain));
	plain.cmds = &cmd;
	plain.ncmds = 1;
	plain.bufs = bufs;
	plain.nbufs = job->ninputs + job->noutputs;
	plain.deps = job->deps;
	plain.ndeps = job->ndeps;
	return tcc_queue_submit(q, &plain, fence_out);
}

struct worker {
	pthread_t thread;
	const struct tcc_model_table *table;
	const tcc_model_executor_opts *opts;
	int kmod;
	tcc_status status;
	char error[256];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->kmod) {
		w->status = tcc_exec_kmod_serve(w->table, w->opts);
		if (w->status != TCC_OK) {
			snprintf(w->error, sizeof(w->error), "%s", tcc_last_error());
			/* One worker failing (e.g. attach) ends the whole run. */
			tcc_model_executor_stop();
		}
	} else {
		tcc_exec_emb_serve(w->table, w->opts);
		w->status = TCC_OK;
	}
	return NULL;
}

static tcc_status check_models(const tcc_executor_model *models, uint32_t n)
{
	if (!models || !n)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_model_executor_run: no models");
	for (uint32_t i = 0; i < n; i++) {
		if (!models[i].model)
			return tcc_set_error(TCC_ERR_INVALID_ARG, "model entry %u is NULL", i);
		for (uint32_t k = 0; k < i; k++)
			if (models[k].id == models[i].id)
				return tcc_set_error(TCC_ERR_INVALID_ARG,
						     "model id %u registered twice", models[i].id);
	}
	return TCC_OK;
}

tcc_status tcc_model_executor_run(const tcc_executor_model *models, uint32_t nmodels,
				  const tcc_model_executor_opts *opts)
{
	static const tcc_model_executor_opts defaults;
	struct tcc_model_table table = { models, nmodels };
	const tcc_model_executor_opts *o = opts ? opts : &defaults;
	unsigned int n = o->workers ? o->workers : 1;
	struct worker *w;
	const char *backend;
	tcc_status st = check_models(models, nmodels);
	unsigned int started = 0;

	if (st != TCC_OK)
		return st;
	if (n > 256)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "%u workers (max 256)", n);
	backend = tcc_queue_backend();
	if (!strcmp(backend, "none"))
		return tcc_set_error(TCC_ERR_NO_DEVICE, "no queue backend: %s", tcc_last_error());
	w = calloc(n, sizeof(*w));
	if (!w)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "executor workers");
	pthread_mutex_lock(&runs_lock);
	active_runs++;
	pthread_mutex_unlock(&runs_lock);

	for (unsigned int i = 0; i < n; i++) {
		w[i].table = &table;
		w[i].opts = o;
		w[i].kmod = !strcmp(backend, "kmod");
	}
	/* Worker 0 is the calling thread; the others are ours to join. */
	for (started = 1; started < n; started++)
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started])) {
			st = tcc_set_error(TCC_ERR_NO_MEMORY, "starting executor worker %u", started);
			tcc_model_executor_stop();
			break;
		}
	if (st == TCC_OK)
		worker_main(&w[0]);
	else
		w[0].status = TCC_OK;
	for (unsigned int i = 1; i < started; i++)
		pthread_join(w[i].thread, NULL);
	for (unsigned int i = 0; i < n && st == TCC_OK; i++)
		if (w[i].status != TCC_OK)
			st = tcc_set_error(w[i].status, "%s", w[i].error);

	pthread_mutex_lock(&runs_lock);
	if (--active_runs == 0)
		atomic_store(&tcc_exec_stop_requested, 0);	/* the next run starts afresh */
	pthread_mutex_unlock(&runs_lock);
	free(w);
	return st;
}

void tcc_model_executor_stop(void)
{
	pthread_mutex_lock(&runs_lock);
	if (active_runs)
		atomic_store(&tcc_exec_stop_requested, 1);
	pthread_mutex_unlock(&runs_lock);
	tcc_exec_emb_wake_all();
}
