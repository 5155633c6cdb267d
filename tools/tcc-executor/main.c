// SPDX-License-Identifier: MIT
/*
 * tcc-executor: load an ONNX model and serve the model jobs clients submit
 * to CPU queues (tcc_queue_submit_model()) until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tcc/executor.h>

#include "../omp-env/omp_env.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: tcc-executor MODEL.onnx [--id N] [--threads T] [--workers W] [--weights NAME] [--verbose]\n"
		"\n"
		"Serve model jobs of CPU queues (tcc_queue_submit_model() with model id N)\n"
		"until SIGTERM or SIGINT.  With tcc.ko loaded every worker attaches as a CPU\n"
		"executor and runs jobs on the clients' buffers without a copy; a job whose\n"
		"executor dies is re-run by another.  Without the module it serves this\n"
		"process's own queues only (useful for testing).\n"
		"\n"
		"  --id N       model id clients name in their jobs (default 1)\n"
		"  --threads T  threads one model run uses (default: online CPUs)\n"
		"  --workers W  jobs served at once, each worker an executor (default 1)\n"
		"  --weights NAME  read the weights in place from the sealed weight buffer\n"
		"               NAME (`tccctl weights load NAME MODEL.onnx --onnx`): executor\n"
		"               processes on one host then hold one copy of them\n"
		"  --verbose    compile statistics, then one line per job, on stderr\n"
		"  --help       this text\n");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && end != s && !*end && s[0] != '-' && *out <= max;
}

static atomic_ulong jobs_done, jobs_failed;

static void log_job(void *arg, uint32_t model_id, int error)
{
	int verbose = *(const int *)arg;

	if (error)
		atomic_fetch_add(&jobs_failed, 1);
	else
		atomic_fetch_add(&jobs_done, 1);
	if (verbose)
		fprintf(stderr, "tcc-executor: model %u job %s%s%s%s\n", model_id,
			error ? "failed: " : "done", error ? strerror(-error) : "",
			error ? ": " : "", error ? tcc_last_error() : "");
}

static atomic_int run_returned;

/*
 * Signals are taken by this thread (sigwait), so the stop runs outside a
 * handler.  tcc_model_executor_stop() only ends runs already under way, and
 * a signal may come just before the run starts: repeat it until it returned.
 */
static void *signal_thread(void *arg)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	sigset_t *set = arg;
	int sig;

	if (sigwait(set, &sig))
		return NULL;
	while (!atomic_load(&run_returned)) {
		tcc_model_executor_stop();
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "threads", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "weights", required_argument, NULL, 'W' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};

	tcc_tool_bound_omp_spinning(argv);
	tcc_options mopts = { .opt_level = 1 };
	tcc_model_executor_opts eopts = { .workers = 1 };
	unsigned long id = 1, v;
	int verbose = 0, c;
	tcc_executor_model em;
	tcc_model *model;
	pthread_t sig_thr;
	sigset_t set;
	tcc_status st;

	while ((c = getopt_long(argc, argv, "i:t:w:W:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!parse_uint(optarg, UINT32_MAX, &id)) {
				fprintf(stderr, "tcc-executor: --id wants 0..%u, got '%s'\n", UINT32_MAX, optarg);
				return 2;
			}
			break;
		case 't':
			if (!parse_uint(optarg, 1024, &v)) {
				fprintf(stderr, "tcc-executor: --threads wants 0..1024, got '%s'\n", optarg);
				return 2;
			}
			mopts.threads = (int)v;
			break;
		case 'w':
			if (!parse_uint(optarg, 256, &v) || !v) {
				fprintf(stderr, "tcc-executor: --workers wants 1..256, got '%s'\n", optarg);
				return 2;
			}
			eopts.workers = (unsigned int)v;
			break;
		case 'W':
			mopts.weights = optarg;
			break;
		case 'v':
			verbose = 1;
			mopts.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}

	/* Block the stop signals in every thread (inherited) before any starts. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	st = tcc_model_load(&model, argv[optind], &mopts);
	if (st != TCC_OK) {
		fprintf(stderr, "tcc-executor: %s: %s\n", argv[optind], tcc_last_error());
		return 1;
	}
	if (pthread_create(&sig_thr, NULL, signal_thread, &set)) {
		fprintf(stderr, "tcc-executor: cannot start the signal thread\n");
		tcc_model_free(model);
		return 1;
	}
	em.id = (uint32_t)id;
	em.model = model;
	eopts.on_job = log_job;
	eopts.on_job_arg = &verbose;
	fprintf(stderr, "tcc-executor: serving model %lu (%s) on the %s backend, %u worker(s)\n", id,
		argv[optind], tcc_queue_backend(), eopts.workers);
	st = tcc_model_executor_run(&em, 1, &eopts);
	atomic_store(&run_returned, 1);
	if (st != TCC_OK)
		fprintf(stderr, "tcc-executor: %s\n", tcc_last_error());
	else
		fprintf(stderr, "tcc-executor: stopped after %lu model jobs (%lu failed)\n",
			atomic_load(&jobs_done) + atomic_load(&jobs_failed), atomic_load(&jobs_failed));
	pthread_cancel(sig_thr);
	pthread_join(sig_thr, NULL);
	tcc_model_free(model);
	return st == TCC_OK ? 0 : 1;
}
