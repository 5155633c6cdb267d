// SPDX-License-Identifier: MIT
/*
 * Device-queue latency and throughput, through the public queue API
 * (include/tcc/queue.h), next to a peer measured in the same run:
 *   eventfd   ping-pong between two processes (write -> other side wakes,
 *             writes back -> first side wakes): the floor for "hand work to
 *             another context and be woken when it is done";
 *   sim       an empty job (one NOP) on the simulated XPU: submit -> fence
 *             signalled -> this process woken;
 *   cpu       the same on the CPU engine, run by an executor process
 *             (tcc_executor_run());
 *   jobs/s    4 client processes each submitting --jobs empty jobs, waiting
 *             on every 32nd fence, on one engine.
 * Medians of --iters round trips after a warm-up; ratio = engine / eventfd.
 *
 *   queue_bench [--iters 2000] [--jobs 2000] [--backend auto|embedded|kmod]
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tcc/queue.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double p99(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(n - 1) * 99 / 100];
}

static void die(const char *what)
{
	fprintf(stderr, "queue_bench: %s: %s\n", what, tcc_last_error());
	exit(1);
}

static double eventfd_rtt(int iters, double *p99_out)
{
	int ping = eventfd(0, 0), pong = eventfd(0, 0);
	double *t = malloc(sizeof(double) * iters);
	uint64_t v = 1;
	pid_t peer;

	peer = fork();
	if (peer == 0) {
		for (;;) {
			if (read(ping, &v, 8) != 8)
				_exit(1);
			if (write(pong, &v, 8) != 8)
				_exit(1);
		}
	}
	for (int i = -iters / 10; i < iters; i++) {
		double t0 = now_us();

		if (write(ping, &v, 8) != 8 || read(pong, &v, 8) != 8)
			exit(1);
		if (i >= 0)
			t[i] = now_us() - t0;
	}
	kill(peer, SIGKILL);
	waitpid(peer, NULL, 0);
	close(ping);
	close(pong);
	*p99_out = p99(t, iters);
	double m = median(t, iters);

	free(t);
	return m;
}

static const tcc_cmd nop = { .op = TCC_CMD_NOP };

static double job_rtt(tcc_engine engine, int iters, double *p99_out)
{
	double *t = malloc(sizeof(double) * iters);
	tcc_job job = { .cmds = &nop, .ncmds = 1 };
	tcc_queue *q;

	if (tcc_queue_create(engine, TCC_PRIO_NORMAL, &q) != TCC_OK)
		die("tcc_queue_create");
	for (int i = -iters / 10; i < iters; i++) {
		tcc_fence *f;
		double t0 = now_us();

		if (tcc_queue_submit(q, &job, &f) != TCC_OK)
			die("tcc_queue_submit");
		if (tcc_fence_wait(f, 10000) != TCC_OK || tcc_fence_error(f))
			die("tcc_fence_wait");
		if (i >= 0)
			t[i] = now_us() - t0;
		tcc_fence_put(f);
	}
	tcc_queue_destroy(q);
	*p99_out = p99(t, iters);
	double m = median(t, iters);

	free(t);
	return m;
}

/* One client process: @jobs empty jobs, pipelined 32 deep. */
static int client(tcc_engine engine, int jobs)
{
	tcc_job job = { .cmds = &nop, .ncmds = 1 };
	tcc_fence *window[32] = { 0 };
	tcc_queue *q;

	if (tcc_queue_create(engine, TCC_PRIO_NORMAL, &q) != TCC_OK)
		return 1;
	for (int i = 0; i < jobs; i++) {
		tcc_fence **slot = &window[i % 32];

		if (*slot) {
			if (tcc_fence_wait(*slot, 30000) != TCC_OK || tcc_fence_error(*slot))
				return 2;
			tcc_fence_put(*slot);
		}
		if (tcc_queue_submit(q, &job, slot) != TCC_OK)
			return 3;
	}
	for (int i = 0; i < 32; i++) {
		if (window[i] && tcc_fence_wait(window[i], 30000) != TCC_OK)
			return 4;
		tcc_fence_put(window[i]);
	}
	tcc_queue_destroy(q);
	return 0;
}

static double jobs_per_s(tcc_engine engine, int clients, int jobs)
{
	pid_t pid[16];
	double t0 = now_us();
	int bad = 0;

	for (int c = 0; c < clients; c++) {
		pid[c] = fork();
		if (pid[c] == 0)
			_exit(client(engine, jobs));
	}
	for (int c = 0; c < clients; c++) {
		int st;

		waitpid(pid[c], &st, 0);
		bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	}
	if (bad) {
		fprintf(stderr, "queue_bench: a client failed\n");
		exit(1);
	}
	return clients * (double)jobs / ((now_us() - t0) / 1e6);
}

/* A CPU executor in its own process (forked before the parent opens the device). */
static pid_t start_executor(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(tcc_executor_run() == TCC_OK ? 0 : 1);
	}
	return pid;
}

int main(int argc, char **argv)
{
	int iters = 2000, jobs = 2000;
	const char *backend = NULL;
	double ev, ev99, sim, sim99, cpu, cpu99, sim_tp, cpu_tp;
	pid_t executor = -1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--iters"))
			iters = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--jobs"))
			jobs = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--backend"))
			backend = argv[i + 1];
	}
	if (iters < 10 || jobs < 32) {
		fprintf(stderr, "usage: queue_bench [--iters N>=10] [--jobs N>=32] [--backend auto|embedded|kmod]\n");
		return 2;
	}
	if (backend && strcmp(backend, "auto"))
		setenv("TCC_QUEUE_BACKEND", backend, 1);

	/* Embedded, the CPU engine is this process's pool: no executor process. */
	if (!backend || strcmp(backend, "embedded"))
		executor = start_executor();
	printf("queue bench: backend %s, %d round trips, 4 clients x %d jobs\n", tcc_queue_backend(),
	       iters, jobs);
	fflush(stdout);
	if (!strcmp(tcc_queue_backend(), "embedded") && executor > 0) {
		kill(executor, SIGKILL);
		waitpid(executor, NULL, 0);
		executor = -1;
	}

	ev = eventfd_rtt(iters, &ev99);
	sim = job_rtt(TCC_ENGINE_SIM, iters, &sim99);
	cpu = job_rtt(TCC_ENGINE_CPU, iters, &cpu99);
	sim_tp = jobs_per_s(TCC_ENGINE_SIM, 4, jobs);
	cpu_tp = jobs_per_s(TCC_ENGINE_CPU, 4, jobs);
	if (executor > 0) {
		kill(executor, SIGKILL);
		waitpid(executor, NULL, 0);
	}

	printf("  round trip, median (p99) us:  eventfd %.1f (%.1f)   sim %.1f (%.1f)   cpu %.1f (%.1f)\n",
	       ev, ev99, sim, sim99, cpu, cpu99);
	printf("  ratio to eventfd ping-pong:   sim %.2fx   cpu %.2fx   (target <= 3x)\n", sim / ev, cpu / ev);
	printf("  throughput, 4 clients:        sim %.0f jobs/s   cpu %.0f jobs/s\n", sim_tp, cpu_tp);
	return 0;
}
