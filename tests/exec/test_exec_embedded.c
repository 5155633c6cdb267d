// SPDX-License-Identifier: MIT
/*
 * Model executors on the embedded default: model jobs submitted to CPU
 * queues run with tcc_model_run() on the job's buffers and match a reference
 * computed here; bad jobs fail with the documented errors; nothing is lost
 * across executors that stop and start.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tcc/executor.h>

#include "exec/exec_internal.h"

#define MLP_ID 7
#define DYN_ID 9

static tcc_model *mlp, *dyn;

static tcc_model *load(const char *name)
{
	const char *dir = getenv("TCC_EXEC_MODEL_DIR");
	tcc_options o = { .threads = 1, .opt_level = 1 };
	char path[512];
	tcc_model *m = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/tests/exec/models", name);
	if (tcc_model_load(&m, path, &o) != TCC_OK)
		fail_msg("%s: %s", path, tcc_last_error());
	return m;
}

static int setup(void **state)
{
	mlp = load("mlp.onnx");
	dyn = load("dynamic.onnx");
	return 0;
}

static int teardown(void **state)
{
	tcc_model_free(mlp);
	tcc_model_free(dyn);
	return 0;
}

/* The model's definition (gen_models.py), computed directly. */
static void reference(const float x[16], const float g[8], float y[8], float z[8])
{
	for (int r = 0; r < 2; r++)
		for (int j = 0; j < 4; j++) {
			float acc = (float)j / 10.0f - 0.15f;

			for (int i = 0; i < 8; i++)
				acc += x[r * 8 + i] * (float)((4 * i + j) % 7 - 3) / 4.0f;
			y[r * 4 + j] = acc > 0 ? acc : 0;
			z[r * 4 + j] = y[r * 4 + j] * g[r * 4 + j];
		}
}

/* Buffers of the queue device, as a client on either backend makes them. */
struct job_bufs {
	tcc_bo *bo[4];
	tcc_buf buf[4];		/* X, G, Y, Z */
};

static void bufs_make(struct job_bufs *b, unsigned int seed)
{
	tcc_device *dev;

	assert_int_equal(tcc_queue_device(&dev), TCC_OK);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(tcc_bo_create(dev, 4096, 0, &b->bo[i]), TCC_OK);
		assert_int_equal(tcc_buf_from_bo(b->bo[i], &b->buf[i]), TCC_OK);
	}
	for (int k = 0; k < 16; k++)
		((float *)b->buf[0].ptr)[k] = (float)((int)((seed * 31 + k * 17) % 23) - 11) / 8.0f;
	for (int k = 0; k < 8; k++)
		((float *)b->buf[1].ptr)[k] = (float)((int)((seed * 7 + k * 5) % 9) - 4) / 2.0f;
	/* Poison the outputs: a job that did not run cannot look right. */
	memset(b->buf[2].ptr, 0xff, 4096);
	memset(b->buf[3].ptr, 0xff, 4096);
}

static void bufs_check(const struct job_bufs *b)
{
	float y[8], z[8];

	reference(b->buf[0].ptr, b->buf[1].ptr, y, z);
	for (int k = 0; k < 8; k++) {
		float gy = ((const float *)b->buf[2].ptr)[k], gz = ((const float *)b->buf[3].ptr)[k];

		if (fabsf(gy - y[k]) > 1e-5f || fabsf(gz - z[k]) > 1e-5f)
			fail_msg("element %d: Y %g (want %g), Z %g (want %g)", k, gy, y[k], gz, z[k]);
	}
}

static void bufs_free(struct job_bufs *b)
{
	for (int i = 0; i < 4; i++)
		tcc_bo_free(b->bo[i]);
}

static tcc_model_job mlp_job(const struct job_bufs *b)
{
	tcc_model_job j = { .model_id = MLP_ID, .inputs = &b->buf[0], .ninputs = 2,
			    .outputs = &b->buf[2], .noutputs = 2 };
	return j;
}

/* An executor run on its own thread, as tcc-executor would be. */
struct executor {
	pthread_t thread;
	tcc_executor_model models[2];
	tcc_model_executor_opts opts;
	tcc_status status;
};

static void *executor_main(void *arg)
{
	struct executor *e = arg;

	e->status = tcc_model_executor_run(e->models, 2, &e->opts);
	return NULL;
}

static void executor_start(struct executor *e, unsigned int workers)
{
	memset(e, 0, sizeof(*e));
	e->models[0] = (tcc_executor_model){ MLP_ID, mlp };
	e->models[1] = (tcc_executor_model){ DYN_ID, dyn };
	e->opts.workers = workers;
	assert_int_equal(pthread_create(&e->thread, NULL, executor_main, e), 0);
}

static void executor_stop(struct executor *e)
{
	tcc_model_executor_stop();
	pthread_join(e->thread, NULL);
	assert_int_equal(e->status, TCC_OK);
}

static void wait_ok(tcc_fence *f)
{
	assert_int_equal(tcc_fence_wait(f, 20000), TCC_OK);
	assert_int_equal(tcc_fence_error(f), 0);
	tcc_fence_put(f);
}

static void model_job_matches_reference(void **state)
{
	struct executor e;
	struct job_bufs b;
	tcc_model_job job;
	tcc_queue *q;
	tcc_fence *f;

	assert_string_equal(tcc_queue_backend(), "embedded");
	bufs_make(&b, 1);
	job = mlp_job(&b);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &q), TCC_OK);
	/* Submitted before any executor exists: it waits for one. */
	assert_int_equal(tcc_queue_submit_model(q, &job, &f), TCC_OK);
	assert_int_equal(tcc_fence_signalled(f), 0);
	executor_start(&e, 1);
	wait_ok(f);
	bufs_check(&b);
	tcc_queue_destroy(q);
	executor_stop(&e);
	bufs_free(&b);
}

/* 40 jobs over two queues and three workers; every output is its own job's. */
static void many_jobs_two_queues_three_workers(void **state)
{
	enum { JOBS = 40 };
	struct job_bufs b[JOBS];
	tcc_fence *f[JOBS];
	struct executor e;
	tcc_queue *q[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, i ? TCC_PRIO_HIGH : TCC_PRIO_LOW, &q[i]),
				 TCC_OK);
	executor_start(&e, 3);
	for (int i = 0; i < JOBS; i++) {
		tcc_model_job job;

		bufs_make(&b[i], (unsigned int)i + 2);
		job = mlp_job(&b[i]);
		assert_int_equal(tcc_queue_submit_model(q[i % 2], &job, &f[i]), TCC_OK);
	}
	for (int i = 0; i < JOBS; i++) {
		wait_ok(f[i]);
		bufs_check(&b[i]);
		bufs_free(&b[i]);
	}
	tcc_queue_destroy(q[0]);
	tcc_queue_destroy(q[1]);
	executor_stop(&e);
}

/*
 * A model job that depends on a command job: the COPY writes the model's
 * input, the model must see it.  And a command job after the model job
 * (dependency the other way) sees the model's output.
 */
static void model_and_command_jobs_ordered_by_fences(void **state)
{
	struct job_bufs b, staged;
	struct executor e;
	tcc_queue *cmdq, *modq;
	tcc_fence *copied, *ran, *after;
	tcc_bo *copy_bo;
	tcc_buf copy_buf;
	tcc_device *dev;
	tcc_model_job job;

	bufs_make(&b, 100);
	bufs_make(&staged, 101);
	assert_int_equal(tcc_queue_device(&dev), TCC_OK);
	assert_int_equal(tcc_bo_create(dev, 4096, 0, &copy_bo), TCC_OK);
	assert_int_equal(tcc_buf_from_bo(copy_bo, &copy_buf), TCC_OK);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_NORMAL, &cmdq), TCC_OK);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &modq), TCC_OK);

	/* staged X -> b's X, on the SIM engine */
	tcc_buf cbufs[3] = { b.buf[0], staged.buf[0], copy_buf };
	tcc_cmd copy = { .op = TCC_CMD_COPY, .dst = 0, .src0 = 1, .size = 64 };
	tcc_job cj = { .cmds = &copy, .ncmds = 1, .bufs = cbufs, .nbufs = 2 };
	executor_start(&e, 2);
	assert_int_equal(tcc_queue_submit(cmdq, &cj, &copied), TCC_OK);
	job = mlp_job(&b);
	job.deps = &copied;
	job.ndeps = 1;
	assert_int_equal(tcc_queue_submit_model(modq, &job, &ran), TCC_OK);
	/* Z -> copy_buf after the model */
	tcc_cmd copy_out = { .op = TCC_CMD_COPY, .dst = 2, .src0 = 0, .size = 32 };
	tcc_buf obufs[3] = { b.buf[3], staged.buf[0], copy_buf };
	tcc_job oj = { .cmds = &copy_out, .ncmds = 1, .bufs = obufs, .nbufs = 3, .deps = &ran, .ndeps = 1 };
	assert_int_equal(tcc_queue_submit(cmdq, &oj, &after), TCC_OK);
	wait_ok(after);
	wait_ok(ran);
	wait_ok(copied);
	assert_memory_equal(b.buf[0].ptr, staged.buf[0].ptr, 64);
	bufs_check(&b);
	assert_memory_equal(copy_buf.ptr, b.buf[3].ptr, 32);

	tcc_queue_destroy(cmdq);
	tcc_queue_destroy(modq);
	executor_stop(&e);
	tcc_bo_free(copy_bo);
	bufs_free(&b);
	bufs_free(&staged);
}

static int run_bad(tcc_queue *q, const tcc_model_job *job)
{
	tcc_fence *f;
	int err;

	assert_int_equal(tcc_queue_submit_model(q, job, &f), TCC_OK);
	assert_int_equal(tcc_fence_wait(f, 20000), TCC_OK);
	err = tcc_fence_error(f);
	tcc_fence_put(f);
	return err;
}

/* Jobs the executor cannot run fail with the documented errno, and it keeps serving. */
static void bad_model_jobs_fail_with_their_errno(void **state)
{
	struct job_bufs b;
	struct executor e;
	tcc_model_job job;
	tcc_queue *q;
	tcc_buf small;
	float tiny[4];

	bufs_make(&b, 3);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &q), TCC_OK);
	executor_start(&e, 1);

	job = mlp_job(&b);
	job.model_id = 12345;
	assert_int_equal(run_bad(q, &job), -ENOEXEC);	/* no such model */

	job = mlp_job(&b);
	job.noutputs = 1;
	assert_int_equal(run_bad(q, &job), -EINVAL);	/* model has 2 outputs */

	small = tcc_buf_host(tiny, sizeof(tiny));	/* X needs 64 bytes */
	job = mlp_job(&b);
	job.inputs = &small;
	job.ninputs = 1;
	assert_int_equal(run_bad(q, &job), -EINVAL);

	tcc_buf dyn_bufs[2] = { b.buf[0], b.buf[2] };
	tcc_model_job dj = { .model_id = DYN_ID, .inputs = &dyn_bufs[0], .ninputs = 1,
			     .outputs = &dyn_bufs[1], .noutputs = 1 };
	assert_int_equal(run_bad(q, &dj), -EINVAL);	/* symbolic input shape */

	/* Still serving, and the failed jobs wrote nothing over good ones. */
	job = mlp_job(&b);
	assert_int_equal(run_bad(q, &job), 0);
	bufs_check(&b);
	tcc_queue_destroy(q);
	executor_stop(&e);
	bufs_free(&b);
}

static void bad_submissions_are_refused_with_a_message(void **state)
{
	struct job_bufs b;
	tcc_model_job job;
	tcc_queue *sim, *cpu;
	tcc_fence *f = (tcc_fence *)&f;
	tcc_buf many[TCC_JOB_MAX_BUFS + 1];
	tcc_buf gem;

	bufs_make(&b, 4);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_NORMAL, &sim), TCC_OK);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &cpu), TCC_OK);
	job = mlp_job(&b);

	assert_int_equal(tcc_queue_submit_model(sim, &job, &f), TCC_ERR_INVALID_ARG);
	assert_null(f);
	assert_non_null(strstr(tcc_last_error(), "TCC_ENGINE_CPU"));
	assert_int_equal(tcc_queue_submit_model(NULL, &job, NULL), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_queue_submit_model(cpu, NULL, NULL), TCC_ERR_INVALID_ARG);

	job.noutputs = 0;
	assert_int_equal(tcc_queue_submit_model(cpu, &job, NULL), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "without outputs"));

	job = mlp_job(&b);
	job.inputs = NULL;
	assert_int_equal(tcc_queue_submit_model(cpu, &job, NULL), TCC_ERR_INVALID_ARG);

	for (int i = 0; i <= TCC_JOB_MAX_BUFS; i++)
		many[i] = b.buf[0];
	job = mlp_job(&b);
	job.inputs = many;
	job.ninputs = TCC_JOB_MAX_BUFS;
	assert_int_equal(tcc_queue_submit_model(cpu, &job, NULL), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "exceed"));

	job = mlp_job(&b);
	job.ndeps = TCC_JOB_MAX_DEPS + 1;
	job.deps = (tcc_fence *const *)many;	/* never read: the count is refused first */
	assert_int_equal(tcc_queue_submit_model(cpu, &job, NULL), TCC_ERR_INVALID_ARG);

	gem = b.buf[0];
	gem.handle = 5;		/* a tcc.ko buffer in an embedded process */
	job = mlp_job(&b);
	job.inputs = &gem;
	job.ninputs = 1;
	assert_int_equal(tcc_queue_submit_model(cpu, &job, NULL), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "GEM handle"));

	tcc_queue_destroy(sim);
	tcc_queue_destroy(cpu);	/* nothing was queued: returns at once */
	bufs_free(&b);
}

static void executor_run_checks_its_models(void **state)
{
	tcc_executor_model dup[2] = { { 1, mlp }, { 1, dyn } };
	tcc_executor_model null_model = { 2, NULL };
	tcc_model_executor_opts too_many = { .workers = 1000 };

	assert_int_equal(tcc_model_executor_run(NULL, 0, NULL), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_model_executor_run(dup, 2, NULL), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "twice"));
	assert_int_equal(tcc_model_executor_run(&null_model, 1, NULL), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_model_executor_run(dup, 1, &too_many), TCC_ERR_INVALID_ARG);
}

/*
 * The embedded counterpart of an executor dying: a run that stops with jobs
 * still queued leaves them queued, and the next executor runs them.
 */
static void jobs_queued_when_an_executor_stops_run_on_the_next(void **state)
{
	enum { JOBS = 6 };
	struct job_bufs b[JOBS];
	tcc_fence *f[JOBS];
	struct executor e;
	tcc_queue *q;

	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &q), TCC_OK);
	/* An executor that served a job (so it surely runs), then stops. */
	executor_start(&e, 1);
	bufs_make(&b[0], 49);
	tcc_model_job first = mlp_job(&b[0]);
	assert_int_equal(tcc_queue_submit_model(q, &first, &f[0]), TCC_OK);
	wait_ok(f[0]);
	bufs_free(&b[0]);
	executor_stop(&e);
	for (int i = 0; i < JOBS; i++) {
		tcc_model_job job;

		bufs_make(&b[i], 50 + (unsigned int)i);
		job = mlp_job(&b[i]);
		assert_int_equal(tcc_queue_submit_model(q, &job, &f[i]), TCC_OK);
	}
	for (int i = 0; i < JOBS; i++)
		assert_int_equal(tcc_fence_signalled(f[i]), 0);
	executor_start(&e, 2);
	for (int i = 0; i < JOBS; i++) {
		wait_ok(f[i]);
		bufs_check(&b[i]);
		bufs_free(&b[i]);
	}
	tcc_queue_destroy(q);
	executor_stop(&e);
}

/* tcc_queue_destroy() waits for model jobs like for command jobs. */
static void destroy_waits_for_model_jobs(void **state)
{
	struct job_bufs b;
	struct executor e;
	tcc_model_job job;
	tcc_queue *q;

	bufs_make(&b, 8);
	job = mlp_job(&b);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &q), TCC_OK);
	assert_int_equal(tcc_queue_submit_model(q, &job, NULL), TCC_OK);
	executor_start(&e, 1);
	tcc_queue_destroy(q);	/* returns only once the job ran */
	bufs_check(&b);
	executor_stop(&e);
	bufs_free(&b);
}

/* The wire form: what tcc.ko passes through, and what executors refuse. */
static void descriptor_round_trip_and_malformed_ones(void **state)
{
	struct tcc_model_desc d = { 77, 3, 2 }, got;
	tcc_cmd c = tcc_model_desc_encode(&d), two[2];
	tcc_cmd plain = { .op = TCC_CMD_NOP };

	assert_int_equal(c.op, TCC_CMD_NOP);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.pad, 0);
	assert_int_equal(tcc_model_desc_decode(&c, 1, &got), 1);
	assert_int_equal(got.model_id, 77);
	assert_int_equal(got.ninputs, 3);
	assert_int_equal(got.noutputs, 2);
	assert_int_equal(tcc_model_desc_decode(&plain, 1, &got), 0);	/* an ordinary NOP */
	assert_int_equal(tcc_model_desc_decode(NULL, 0, &got), 0);
	two[0] = c;
	two[1] = plain;
	assert_int_equal(tcc_model_desc_decode(two, 2, &got), -EINVAL);	/* mixed */
	c.size = 99;
	assert_int_equal(tcc_model_desc_decode(&c, 1, &got), -EINVAL);	/* unknown version */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model_job_matches_reference),
		cmocka_unit_test(many_jobs_two_queues_three_workers),
		cmocka_unit_test(model_and_command_jobs_ordered_by_fences),
		cmocka_unit_test(bad_model_jobs_fail_with_their_errno),
		cmocka_unit_test(bad_submissions_are_refused_with_a_message),
		cmocka_unit_test(executor_run_checks_its_models),
		cmocka_unit_test(jobs_queued_when_an_executor_stops_run_on_the_next),
		cmocka_unit_test(destroy_waits_for_model_jobs),
		cmocka_unit_test(descriptor_round_trip_and_malformed_ones),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
