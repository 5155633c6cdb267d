// SPDX-License-Identifier: MIT
/* The queue API on the embedded default: engines, fences, dependencies, bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <tcc/queue.h>

#define N 1024	/* floats per buffer */

static float *floats(float first, float step)
{
	float *p = malloc(N * sizeof(float));

	for (int i = 0; i < N; i++)
		p[i] = first + step * i;
	return p;
}

static void submit_wait(tcc_queue *q, const tcc_cmd *cmds, uint32_t ncmds, tcc_buf *bufs,
			uint32_t nbufs)
{
	tcc_job job = { .cmds = cmds, .ncmds = ncmds, .bufs = bufs, .nbufs = nbufs };
	tcc_fence *f;

	assert_int_equal(tcc_queue_submit(q, &job, &f), TCC_OK);
	assert_int_equal(tcc_fence_wait(f, -1), TCC_OK);
	assert_int_equal(tcc_fence_error(f), 0);
	tcc_fence_put(f);
}

static void backend_is_embedded(void **state)
{
	tcc_device *dev;

	assert_string_equal(tcc_queue_backend(), "embedded");
	assert_int_equal(tcc_queue_device(&dev), TCC_OK);
	assert_int_equal(tcc_device_backend(dev), TCC_DEVICE_EMBEDDED);
}

/* Buffers of the queue device work in jobs on the embedded backend too. */
static void device_buffers_work_in_jobs(void **state)
{
	tcc_device *dev;
	tcc_bo *bo[2];
	tcc_buf bufs[2];
	tcc_queue *q;

	assert_int_equal(tcc_queue_device(&dev), TCC_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(tcc_bo_create(dev, 4096, 0, &bo[i]), TCC_OK);
		assert_int_equal(tcc_buf_from_bo(bo[i], &bufs[i]), TCC_OK);
		assert_non_null(bufs[i].ptr);
		assert_int_equal(bufs[i].size, 4096);
		assert_int_equal(bufs[i].handle, 0);
	}
	memset(bufs[0].ptr, 0x3c, 4096);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &q), TCC_OK);
	tcc_cmd copy = { .op = TCC_CMD_COPY, .dst = 1, .src0 = 0, .size = 4096 };
	submit_wait(q, &copy, 1, bufs, 2);
	assert_memory_equal(bufs[0].ptr, bufs[1].ptr, 4096);
	tcc_queue_destroy(q);
	tcc_bo_free(bo[0]);
	tcc_bo_free(bo[1]);
	assert_int_equal(tcc_buf_from_bo(NULL, &bufs[0]), TCC_ERR_INVALID_ARG);
}

static void every_command_computes_on_both_engines(void **state)
{
	for (int e = TCC_ENGINE_SIM; e <= TCC_ENGINE_CPU; e++) {
		float *a = floats(-10, 0.5f), *b = floats(1, 2), *out = calloc(N, 4);
		uint64_t sig = 0;
		uint32_t *words = calloc(N, 4);
		tcc_buf bufs[5] = { tcc_buf_host(a, N * 4), tcc_buf_host(b, N * 4), tcc_buf_host(out, N * 4),
				    tcc_buf_host(words, N * 4), tcc_buf_host(&sig, 8) };
		tcc_queue *q;

		assert_int_equal(tcc_queue_create(e, TCC_PRIO_NORMAL, &q), TCC_OK);
		tcc_cmd add = { .op = TCC_CMD_ADD, .dst = 2, .src0 = 0, .src1 = 1, .size = N * 4 };
		submit_wait(q, &add, 1, bufs, 5);
		for (int i = 0; i < N; i++)
			assert_true(out[i] == a[i] + b[i]);

		tcc_cmd mul_relu[2] = {
			{ .op = TCC_CMD_MUL, .dst = 2, .src0 = 0, .src1 = 1, .size = N * 4 },
			{ .op = TCC_CMD_RELU, .dst = 2, .src0 = 2, .size = N * 4 },
		};
		submit_wait(q, mul_relu, 2, bufs, 5);
		for (int i = 0; i < N; i++)
			assert_true(out[i] == (a[i] * b[i] > 0 ? a[i] * b[i] : 0));

		/* COPY with offsets: the second half of a into the first half of out. */
		tcc_cmd copy = { .op = TCC_CMD_COPY, .dst = 2, .src0 = 0, .src0_off = N * 2, .size = N * 2 };
		tcc_cmd fill = { .op = TCC_CMD_FILL, .dst = 3, .dst_off = 8, .size = 16, .value = 0xdeadbeef };
		tcc_cmd signal = { .op = TCC_CMD_SIGNAL, .dst = 4, .value = 0x1122334455667788ull };
		tcc_cmd three[3] = { copy, fill, signal };
		submit_wait(q, three, 3, bufs, 5);
		assert_memory_equal(out, a + N / 2, N * 2);
		assert_int_equal(words[1], 0);
		for (int i = 2; i < 6; i++)
			assert_int_equal(words[i], 0xdeadbeef);
		assert_int_equal(words[6], 0);
		assert_true(sig == 0x1122334455667788ull);

		tcc_queue_destroy(q);
		free(a), free(b), free(out), free(words);
	}
}

static void bad_input_is_refused_with_a_message(void **state)
{
	float buf[16] = { 0 };
	tcc_buf bufs[1] = { tcc_buf_host(buf, sizeof(buf)) };
	tcc_buf many[TCC_JOB_MAX_BUFS + 1];
	tcc_queue *q = (tcc_queue *)&q;
	tcc_fence *f = (tcc_fence *)&f;
	const struct {
		const char *name;
		tcc_cmd cmd;
	} bad[] = {
		{ "unknown opcode", { .op = 99 } },
		{ "non-zero flags", { .op = TCC_CMD_NOP, .flags = 1 } },
		{ "dst index out of range", { .op = TCC_CMD_FILL, .dst = 1, .size = 4 } },
		{ "src index out of range", { .op = TCC_CMD_COPY, .src0 = 7, .size = 4 } },
		{ "size past the end", { .op = TCC_CMD_FILL, .size = sizeof(buf) + 4 } },
		{ "offset past the end", { .op = TCC_CMD_COPY, .src0_off = sizeof(buf), .size = 4 } },
		{ "offset + size overflows", { .op = TCC_CMD_COPY, .dst_off = UINT64_MAX - 1, .size = 8 } },
		{ "unaligned f32", { .op = TCC_CMD_ADD, .size = 6 } },
		{ "signal past the end", { .op = TCC_CMD_SIGNAL, .dst_off = sizeof(buf) - 4 } },
	};

	assert_int_equal(tcc_queue_create((tcc_engine)7, TCC_PRIO_NORMAL, &q), TCC_ERR_INVALID_ARG);
	assert_null(q);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_SIM, (tcc_priority)9, &q), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_HIGH, &q), TCC_OK);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tcc_job job = { .cmds = &bad[i].cmd, .ncmds = 1, .bufs = bufs, .nbufs = 1 };

		buf[0] = 42;
		print_message("# rejecting: %s\n", bad[i].name);
		assert_int_equal(tcc_queue_submit(q, &job, &f), TCC_ERR_INVALID_ARG);
		assert_null(f);
		assert_true(strlen(tcc_last_error()) > 0);
		assert_true(buf[0] == 42);
	}

	for (int i = 0; i <= TCC_JOB_MAX_BUFS; i++)
		many[i] = tcc_buf_host(buf, sizeof(buf));
	tcc_job too_many = { .bufs = many, .nbufs = TCC_JOB_MAX_BUFS + 1 };
	assert_int_equal(tcc_queue_submit(q, &too_many, &f), TCC_ERR_INVALID_ARG);
	tcc_job null_cmds = { .ncmds = 3 };
	assert_int_equal(tcc_queue_submit(q, &null_cmds, &f), TCC_ERR_INVALID_ARG);
	tcc_buf gem = { .ptr = buf, .size = sizeof(buf), .handle = 5 };
	tcc_job gem_job = { .bufs = &gem, .nbufs = 1 };
	assert_int_equal(tcc_queue_submit(q, &gem_job, &f), TCC_ERR_INVALID_ARG);
	tcc_fence *null_dep = NULL;
	tcc_job dep_job = { .deps = &null_dep, .ndeps = 1 };
	assert_int_equal(tcc_queue_submit(q, &dep_job, &f), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_queue_submit(NULL, &dep_job, &f), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_fence_wait(NULL, 0), TCC_ERR_INVALID_ARG);
	tcc_queue_destroy(q);
}

/* B (SIM) must not run before A (CPU) has finished, although A is far bigger. */
static void dependency_across_queues_orders_jobs(void **state)
{
	size_t big = 32u << 20;
	char *src = malloc(big), *mid = malloc(big), *dst = calloc(1, 64);
	tcc_buf bufs[3] = { tcc_buf_host(src, big), tcc_buf_host(mid, big), tcc_buf_host(dst, 64) };
	tcc_queue *cpu, *sim;
	tcc_fence *a, *b;

	memset(src, 0x5a, big);
	memset(mid, 0, big);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &cpu), TCC_OK);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_NORMAL, &sim), TCC_OK);

	tcc_cmd copies[4];
	for (int i = 0; i < 4; i++)
		copies[i] = (tcc_cmd){ .op = TCC_CMD_COPY, .dst = 1, .src0 = 0, .size = big };
	tcc_job ja = { .cmds = copies, .ncmds = 4, .bufs = bufs, .nbufs = 3 };
	assert_int_equal(tcc_queue_submit(cpu, &ja, &a), TCC_OK);

	/* The last 64 bytes of mid: written by A only at the very end of each copy. */
	tcc_cmd tail = { .op = TCC_CMD_COPY, .dst = 2, .src0 = 1, .src0_off = big - 64, .size = 64 };
	tcc_job jb = { .cmds = &tail, .ncmds = 1, .bufs = bufs, .nbufs = 3, .deps = &a, .ndeps = 1 };
	assert_int_equal(tcc_queue_submit(sim, &jb, &b), TCC_OK);

	assert_int_equal(tcc_fence_wait(b, 10000), TCC_OK);
	assert_true(tcc_fence_signalled(a));
	for (int i = 0; i < 64; i++)
		assert_int_equal((unsigned char)dst[i], 0x5a);
	tcc_fence_put(a);
	tcc_fence_put(b);
	tcc_queue_destroy(cpu);
	tcc_queue_destroy(sim);
	free(src), free(mid), free(dst);
}

static void fence_fd_polls_readable_once_signalled(void **state)
{
	uint64_t v = 0;
	tcc_buf buf = tcc_buf_host(&v, 8);
	tcc_cmd sig = { .op = TCC_CMD_SIGNAL, .value = 7 };
	tcc_job job = { .cmds = &sig, .ncmds = 1, .bufs = &buf, .nbufs = 1 };
	tcc_queue *q;
	tcc_fence *f;

	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_LOW, &q), TCC_OK);
	assert_int_equal(tcc_queue_submit(q, &job, &f), TCC_OK);
	struct pollfd p = { .fd = tcc_fence_fd(f), .events = POLLIN };
	assert_true(p.fd >= 0);
	assert_int_equal(poll(&p, 1, 10000), 1);
	assert_true(p.revents & POLLIN);
	assert_true(tcc_fence_signalled(f));
	assert_true(v == 7);
	/* A second fd request returns the same fd, still readable. */
	assert_int_equal(tcc_fence_fd(f), p.fd);
	tcc_fence_put(f);
	tcc_queue_destroy(q);
}

struct client {
	int id;
	int ok;
};

#define CLIENTS 4
#define JOBS 1000

/* One client: 1000 jobs, each adding 1.0 to its own counter buffer in order. */
static void *client_main(void *arg)
{
	struct client *c = arg;
	float acc[16] = { 0 }, one[16];
	tcc_buf bufs[2] = { tcc_buf_host(acc, sizeof(acc)), tcc_buf_host(one, sizeof(one)) };
	tcc_cmd add = { .op = TCC_CMD_ADD, .dst = 0, .src0 = 0, .src1 = 1, .size = sizeof(acc) };
	tcc_job job = { .cmds = &add, .ncmds = 1, .bufs = bufs, .nbufs = 2 };
	tcc_fence *prev = NULL;
	tcc_queue *q;
	int signalled = 0;

	for (int i = 0; i < 16; i++)
		one[i] = 1;
	if (tcc_queue_create(c->id % 2 ? TCC_ENGINE_CPU : TCC_ENGINE_SIM, c->id % 3, &q) != TCC_OK)
		return NULL;
	for (int i = 0; i < JOBS; i++) {
		tcc_fence *f;

		/* CPU workers run in parallel: chain each job on the previous one. */
		job.deps = prev ? &prev : NULL;
		job.ndeps = prev ? 1 : 0;
		if (tcc_queue_submit(q, &job, &f) != TCC_OK)
			break;
		tcc_fence_put(prev);
		prev = f;
	}
	if (prev && tcc_fence_wait(prev, 60000) == TCC_OK)
		signalled = 1;
	tcc_fence_put(prev);
	tcc_queue_destroy(q);
	c->ok = signalled;
	for (int i = 0; i < 16; i++)
		c->ok &= acc[i] == JOBS;
	return NULL;
}

static void four_clients_thousand_jobs_nothing_lost(void **state)
{
	pthread_t t[CLIENTS];
	struct client c[CLIENTS];

	for (int i = 0; i < CLIENTS; i++) {
		c[i] = (struct client){ .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, client_main, &c[i]), 0);
	}
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(t[i], NULL);
		assert_true(c[i].ok);
	}
}

static void *executor_thread(void *arg)
{
	*(tcc_status *)arg = tcc_executor_run();
	return NULL;
}

static void executor_joins_the_cpu_pool_and_stops(void **state)
{
	tcc_status st = TCC_ERR_INTERNAL;
	pthread_t t;
	float x[4] = { 0 };
	tcc_buf buf = tcc_buf_host(x, sizeof(x));
	tcc_cmd fill = { .op = TCC_CMD_FILL, .size = sizeof(x), .value = 0x3f800000 };	/* 1.0f */
	tcc_queue *q;

	assert_int_equal(pthread_create(&t, NULL, executor_thread, &st), 0);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &q), TCC_OK);
	for (int i = 0; i < 100; i++)
		submit_wait(q, &fill, 1, &buf, 1);
	assert_true(x[3] == 1.0f);
	tcc_queue_destroy(q);
	/* stop may race with the thread's start: repeat until it returns. */
	for (;;) {
		struct timespec ts = { 0, 1000000 };

		tcc_executor_stop();
		if (pthread_tryjoin_np(t, NULL) == 0)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(st, TCC_OK);
}

static void destroy_waits_for_submitted_jobs(void **state)
{
	static float a[N], b[N];
	tcc_buf bufs[2] = { tcc_buf_host(a, sizeof(a)), tcc_buf_host(b, sizeof(b)) };
	tcc_cmd copy = { .op = TCC_CMD_COPY, .dst = 1, .src0 = 0, .size = sizeof(a) };
	tcc_job job = { .cmds = &copy, .ncmds = 1, .bufs = bufs, .nbufs = 2 };
	tcc_fence *f[200];
	tcc_queue *q;

	assert_int_equal(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_NORMAL, &q), TCC_OK);
	for (int i = 0; i < 200; i++)
		assert_int_equal(tcc_queue_submit(q, &job, &f[i]), TCC_OK);
	tcc_queue_destroy(q);
	for (int i = 0; i < 200; i++) {
		assert_true(tcc_fence_signalled(f[i]));
		assert_int_equal(tcc_fence_error(f[i]), 0);
		tcc_fence_put(f[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backend_is_embedded),
		cmocka_unit_test(device_buffers_work_in_jobs),
		cmocka_unit_test(every_command_computes_on_both_engines),
		cmocka_unit_test(bad_input_is_refused_with_a_message),
		cmocka_unit_test(dependency_across_queues_orders_jobs),
		cmocka_unit_test(fence_fd_polls_readable_once_signalled),
		cmocka_unit_test(four_clients_thousand_jobs_nothing_lost),
		cmocka_unit_test(executor_joins_the_cpu_pool_and_stops),
		cmocka_unit_test(destroy_waits_for_submitted_jobs),
	};
	return cmocka_run_group_tests_name("queue_embedded", tests, NULL, NULL);
}
