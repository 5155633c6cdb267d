// SPDX-License-Identifier: MIT
/*
 * Runs one model job on mapped buffers: checks that the buffers fit the
 * model, points the tensors into them (zero copy) and calls tcc_model_run().
 */
#include "exec/exec_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>

#include "common/error.h"

/*
 * tcc_model_run() allows one thread per model at a time, and the same model
 * may be registered by several runs or workers: a small fixed set of locks
 * picked by the model's address serialises them without a registry.
 */
#define MODEL_LOCKS 16
static pthread_mutex_t model_locks[MODEL_LOCKS] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER,
};

static pthread_mutex_t *model_lock(const tcc_model *m)
{
	uintptr_t h = (uintptr_t)m;

	return &model_locks[(h >> 6 ^ h >> 12) % MODEL_LOCKS];
}

static tcc_model *find_model(const struct tcc_model_table *t, uint32_t id)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->models[i].id == id)
			return t->models[i].model;
	return NULL;
}

/* Bytes of a static shape, or 0 with *symbolic set when a dim is unknown. */
static uint64_t static_bytes(const tcc_tensor_info *info, int *symbolic)
{
	uint64_t n = tcc_dtype_size(info->dtype);

	*symbolic = info->rank < 0;
	for (int d = 0; d < info->rank; d++) {
		if (info->dims[d] < 0) {
			*symbolic = 1;
			return 0;
		}
		if (info->dims[d] && n > UINT64_MAX / (uint64_t)info->dims[d])
			return UINT64_MAX;	/* cannot fit any buffer */
		n *= (uint64_t)info->dims[d];
	}
	return *symbolic ? 0 : n;
}

static void tensor_from_info(tcc_tensor *t, const tcc_tensor_info *info, void *data, size_t bytes)
{
	t->dtype = info->dtype;
	t->rank = info->rank < 0 ? 0 : info->rank;
	for (int d = 0; d < t->rank; d++)
		t->dims[d] = info->dims[d];
	t->data = data;
	t->nbytes = bytes;
}

int tcc_model_job_execute(const struct tcc_model_table *t, const struct tcc_model_desc *d,
			  void *const *ptrs, const uint64_t *sizes, uint32_t nbufs)
{
	tcc_tensor in[TCC_MODEL_JOB_MAX_BUFS], out[TCC_MODEL_JOB_MAX_BUFS];
	tcc_model *m = find_model(t, d->model_id);
	tcc_status st;

	if (!m) {
		tcc_set_error(TCC_ERR_NOT_FOUND, "no model with id %u in this executor", d->model_id);
		return -ENOEXEC;
	}
	if ((uint64_t)d->ninputs + d->noutputs != nbufs ||
	    d->ninputs != (uint32_t)tcc_model_num_inputs(m) ||
	    d->noutputs != (uint32_t)tcc_model_num_outputs(m)) {
		tcc_set_error(TCC_ERR_INVALID_ARG,
			      "model %u takes %d inputs and %d outputs; the job has %u + %u in %u buffers",
			      d->model_id, tcc_model_num_inputs(m), tcc_model_num_outputs(m),
			      d->ninputs, d->noutputs, nbufs);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < nbufs; i++) {
		int is_in = i < d->ninputs;
		int k = (int)(is_in ? i : i - d->ninputs);
		tcc_tensor_info info;
		uint64_t need;
		int symbolic;

		st = is_in ? tcc_model_input_info(m, k, &info) : tcc_model_output_info(m, k, &info);
		if (st != TCC_OK)
			return -EIO;
		need = static_bytes(&info, &symbolic);
		if (symbolic && is_in) {
			tcc_set_error(TCC_ERR_UNSUPPORTED,
				      "model %u input %d (%s) has a symbolic shape; executors need static inputs",
				      d->model_id, k, info.name);
			return -EINVAL;
		}
		if (!symbolic && need > sizes[i]) {
			tcc_set_error(TCC_ERR_INVALID_ARG,
				      "model %u %s %d (%s) needs %llu bytes; its buffer has %llu",
				      d->model_id, is_in ? "input" : "output", k, info.name,
				      (unsigned long long)need, (unsigned long long)sizes[i]);
			return -EINVAL;
		}
		/* An output of run-time shape may use the whole buffer. */
		tensor_from_info(is_in ? &in[k] : &out[k], &info, ptrs[i],
				 symbolic ? (size_t)sizes[i] : (size_t)need);
	}
	pthread_mutex_lock(model_lock(m));
	st = tcc_model_run(m, in, (int)d->ninputs, out, (int)d->noutputs);
	pthread_mutex_unlock(model_lock(m));
	return st == TCC_OK ? 0 : -EIO;
}
