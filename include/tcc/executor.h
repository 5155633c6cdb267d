/* SPDX-License-Identifier: MIT */
/*
 * Model executors: CPU executors that run compiled models on the queue.
 *
 * A client submits a *model job* to a CPU queue (<tcc/queue.h>): a model id
 * plus the buffers that hold the model's inputs and receive its outputs.
 * An executor that registered that id runs the model with tcc_model_run()
 * directly on the job's buffers (zero copy: the tensors point into the
 * mapped buffers) and completes the job's fence.
 *
 * With tcc.ko an executor is a process (or thread) attached as a CPU
 * executor (TCC_EXEC_ATTACH) on its own open file of the render node; it
 * receives the clients' buffers mapped without a copy, and a job whose
 * executor dies is re-run by another one (the kernel's requeue).  Without
 * the module (the embedded default) the executors are threads of the
 * client's process serving an in-process model queue.  Same API either way.
 *
 *	// executor side (e.g. tools/tcc-executor)
 *	tcc_model *m;  tcc_model_load(&m, "mlp.onnx", NULL);
 *	tcc_executor_model em = { .id = 7, .model = m };
 *	tcc_model_executor_run(&em, 1, NULL);		// until tcc_model_executor_stop()
 *
 *	// client side
 *	tcc_buf in, out;	// from tcc_buf_from_bo() on tcc_queue_device() buffers
 *	tcc_queue *q;  tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &q);
 *	tcc_model_job job = { .model_id = 7, .inputs = &in, .ninputs = 1,
 *			      .outputs = &out, .noutputs = 1 };
 *	tcc_fence *f;  tcc_queue_submit_model(q, &job, &f);
 *	tcc_fence_wait(f, -1);  int err = tcc_fence_error(f);
 *
 * Tensors: input i is read from the start of inputs[i], output i written to
 * the start of outputs[i], dense row-major, with the dtype and the static
 * shape the model declares (models with symbolic input dims are refused by
 * the executor).  A buffer may be larger than its tensor (buffers are page
 * sized), never smaller.
 *
 * Job errors (tcc_fence_error()): -ENOEXEC the executor has no model with
 * that id; -EINVAL the job's buffer count or a buffer size does not fit the
 * model; -EIO the model run failed; -ESRCH/-EIO/-ETIMEDOUT as for any queue
 * job.  All executors a client's jobs may reach should register the same
 * models under the same ids: the kernel hands a CPU job to any executor.
 *
 * Wire form (Documentation/executors.md): a model job is a CPU job whose
 * only command is a TCC_CMD_NOP carrying TCC_MODEL_JOB_MAGIC in .value; the
 * kernel validates only a NOP's flags and padding and passes the rest
 * through untouched, so no uapi change is needed.  Plain command executors
 * (tcc_executor_run()) must not share a uid with model executors: they would
 * treat a model job as a NOP and complete it without running the model.
 */
#ifndef TCC_EXECUTOR_H
#define TCC_EXECUTOR_H

#include <stdint.h>
#include <tcc/model.h>
#include <tcc/queue.h>
#include <tcc/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "TCCMODL1": marks a NOP command as a model-job descriptor. */
#define TCC_MODEL_JOB_MAGIC	0x314c444f4d434354ull
#define TCC_MODEL_JOB_VERSION	1u
/* Inputs + outputs of one model job: the queue's buffer limit. */
#define TCC_MODEL_JOB_MAX_BUFS	TCC_JOB_MAX_BUFS

/* A model an executor serves, under the id clients name in their jobs. */
typedef struct tcc_executor_model {
	uint32_t id;
	tcc_model *model;	/* loaded by the caller, which frees it after the run */
} tcc_executor_model;

typedef struct tcc_model_executor_opts {
	/*
	 * Worker threads serving jobs in this call (each with its own tcc.ko
	 * executor file); 0 = 1.  A model runs on one worker at a time.
	 */
	unsigned int workers;
	/*
	 * Called after each model job (from the worker), for logs; may be
	 * NULL.  @error is the job's errno (0 or negative); when non-zero,
	 * tcc_last_error() of the calling thread says why.
	 */
	void (*on_job)(void *arg, uint32_t model_id, int error);
	void *on_job_arg;
} tcc_model_executor_opts;

typedef struct tcc_model_job {
	uint32_t model_id;
	const tcc_buf *inputs;	/* model input order */
	uint32_t ninputs;
	const tcc_buf *outputs;	/* model output order */
	uint32_t noutputs;
	tcc_fence *const *deps;	/* run only after all of these signalled */
	uint32_t ndeps;
} tcc_model_job;

/*
 * Serve model jobs (and plain command jobs, with tcc.ko) until
 * tcc_model_executor_stop() or an error.  Ids must be unique and models
 * non-NULL (TCC_ERR_INVALID_ARG).  With tcc.ko every worker opens its own
 * file of the render node and attaches as a CPU executor; embedded, the
 * workers serve this process's model jobs.
 */
tcc_status tcc_model_executor_run(const tcc_executor_model *models, uint32_t nmodels,
				  const tcc_model_executor_opts *opts);
/*
 * Ends every tcc_model_executor_run() of this process that is running now
 * (within a second: a worker finishes the job it is on).  A run that starts
 * afterwards is not affected.
 */
void tcc_model_executor_stop(void);

/*
 * Submit a model job to a CPU queue.  TCC_ERR_INVALID_ARG for a SIM queue,
 * NULL arrays, no outputs, too many buffers or deps.  *fence_out (may be
 * NULL) receives a reference to the job's fence.
 */
tcc_status tcc_queue_submit_model(tcc_queue *q, const tcc_model_job *job,
				  tcc_fence **fence_out);

#ifdef __cplusplus
}
#endif
#endif /* TCC_EXECUTOR_H */
