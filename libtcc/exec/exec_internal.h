/* SPDX-License-Identifier: MIT */
/* Internal: model jobs shared by the embedded and tcc.ko executor paths. */
#ifndef TCC_EXEC_INTERNAL_H
#define TCC_EXEC_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <tcc/executor.h>

/* What a model-job descriptor (a tagged NOP command) names. */
struct tcc_model_desc {
	uint32_t model_id;
	uint32_t ninputs, noutputs;
};

/* The NOP command that carries @d (see <tcc/executor.h>, "Wire form"). */
tcc_cmd tcc_model_desc_encode(const struct tcc_model_desc *d);
/*
 * 1 and *d filled if @cmds is a model job (exactly one tagged NOP), 0 if it
 * is a plain command list, -EINVAL for a tagged NOP that is malformed (an
 * unknown version, or mixed with other commands).
 */
int tcc_model_desc_decode(const tcc_cmd *cmds, uint32_t ncmds, struct tcc_model_desc *d);

/* The models of one tcc_model_executor_run() call. */
struct tcc_model_table {
	const tcc_executor_model *models;
	uint32_t n;
};

/*
 * Runs the job @d on buffers mapped at @ptrs (@sizes bytes each, @nbufs of
 * them: inputs then outputs).  0, or the job's negative errno (-ENOEXEC,
 * -EINVAL, -EIO); the reason goes to tcc_last_error() of this thread.
 */
int tcc_model_job_execute(const struct tcc_model_table *t, const struct tcc_model_desc *d,
			  void *const *ptrs, const uint64_t *sizes, uint32_t nbufs);

/* The stop request all runs of this process look at. */
extern atomic_int tcc_exec_stop_requested;

/* embedded.c: the in-process model queue. */
tcc_status tcc_exec_emb_submit(tcc_queue *q, const tcc_model_job *job, tcc_fence **fence_out);
/* Serves the in-process model queue until a stop request. */
void tcc_exec_emb_serve(const struct tcc_model_table *t, const tcc_model_executor_opts *o);
void tcc_exec_emb_wake_all(void);

/* kmod.c: one executor file on tcc.ko, serving until a stop request. */
tcc_status tcc_exec_kmod_serve(const struct tcc_model_table *t, const tcc_model_executor_opts *o);

#endif
