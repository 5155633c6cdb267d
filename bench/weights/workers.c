// SPDX-License-Identifier: MIT
/*
 * weights_bench's workers: a forked one (shared-memory report) and an
 * exec'd one (a fresh process; report on a pipe), each loading the weights
 * privately or from the buffer and touching them / running the model once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tcc/model.h>

#include "workers.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t touch(const volatile uint8_t *p, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i += 4096)
		sum += p[i];
	return sum;
}

int bench_read_file(const char *path, void *dst, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < n) {
		ssize_t r = read(fd, (char *)dst + done, n - done);

		if (r <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)r;
	}
	close(fd);
	return 0;
}

#ifndef WEIGHTS_BENCH_NO_MODEL
const int bench_have_model_runtime = 1;

/*
 * --onnx worker body: load the model, privately or with its weights from
 * buffer @name (@shared: 1 packed records, 2 weights_prepack=1 on a
 * keep_plain buffer, 3 a plain_only buffer: @name is that buffer), run it
 * once (the start-to-first-inference time), then the best of 5 more runs: what
 * reading the weights in place costs per inference.  A float input gets a
 * fixed non-zero pattern, so that the output checksum depends on the
 * weights (zeros through bias-free layers would give zeros whatever they
 * are).  Returns the model, which the caller frees once released, or NULL
 * on an error (printed).
 */
static tcc_model *first_inference(int shared, const char *name, const char *path, double t0,
				  struct slot *s)
{
	tcc_options mo = { .threads = 1, .opt_level = 1, .weights = shared ? name : NULL,
			   .weights_prepack = shared == 2 };
	tcc_model_weights_stats ws = { 0 };
	tcc_tensor in = { 0 }, out = { 0 };
	tcc_tensor_info ii;
	tcc_model *m = NULL;
	size_t n = 1;

	if (tcc_model_load(&m, path, &mo) != TCC_OK || tcc_model_input_info(m, 0, &ii) != TCC_OK)
		goto fail;
	s->loaded_s = bench_now() - t0;
	in.dtype = ii.dtype;
	in.rank = ii.rank;
	for (int i = 0; i < ii.rank; i++)	/* symbolic dims (batch) run at 1 */
		n *= (size_t)(in.dims[i] = ii.dims[i] > 0 ? ii.dims[i] : 1);
	in.nbytes = n * tcc_dtype_size(ii.dtype);
	in.data = calloc(1, in.nbytes ? in.nbytes : 1);
	if (!in.data)
		goto fail;
	if (in.dtype == TCC_F32)
		for (size_t i = 0; i < n; i++)
			((float *)in.data)[i] = (float)((int)(i % 17) - 8) / 8.0f;
	if (tcc_model_run(m, &in, 1, &out, 1) != TCC_OK)
		goto fail;
	s->elapsed_s = bench_now() - t0;
	s->run_s = 1e9;
	for (int k = 0; k < 5; k++) {
		double t = bench_now();

		if (tcc_model_run(m, &in, 1, &out, 1) != TCC_OK)
			goto fail;
		t = bench_now() - t;
		s->run_s = t < s->run_s ? t : s->run_s;
	}
	s->checksum = 14695981039346656037ull;	/* FNV-1a of the output */
	for (size_t i = 0; i < out.nbytes; i++)
		s->checksum = (s->checksum ^ ((const uint8_t *)out.data)[i]) * 1099511628211ull;
	if (shared && tcc_model_weights_stats_get(m, &ws) != TCC_OK)
		goto fail;
	s->private_packed = ws.private_packed_bytes;
	s->arena = tcc_model_arena_bytes(m);
	free(in.data);
	return m;
fail:
	fprintf(stderr, "weights_bench: worker: %s\n", tcc_last_error());
	free(in.data);
	tcc_model_free(m);
	return NULL;
}

static void model_free(tcc_model *m)
{
	tcc_model_free(m);
}

tcc_status bench_load_onnx_buffer(tcc_weights **w, const char *name, const char *path,
				   const tcc_weights_options *o)
{
	return tcc_weights_load_onnx(w, name, path, o);
}
#else
/*
 * The QEMU guest's static build (run.sh --qemu) has no model runtime:
 * Debian ships no static libdnnl, and the guest runs the raw mode only.
 */
const int bench_have_model_runtime;

static tcc_model *first_inference(int shared, const char *name, const char *path, double t0,
				  struct slot *s)
{
	(void)shared, (void)name, (void)path, (void)t0, (void)s;
	return NULL;
}

static void model_free(tcc_model *m)
{
	(void)m;
}

tcc_status bench_load_onnx_buffer(tcc_weights **w, const char *name, const char *path,
				   const tcc_weights_options *o)
{
	(void)w, (void)name, (void)path, (void)o;
	return TCC_ERR_UNSUPPORTED;
}
#endif

/* Stay alive (and mapped) until the parent has read our Pss and closes @release_fd. */
static void wait_release(int release_fd)
{
	char c;

	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* Forked worker: get the weights, touch every page / run once, report in @s, wait. */
void worker_fork_body(int onnx_mode, int shared, const char *name, const char *path, size_t size,
			const tcc_weights_options *o, double t0, struct slot *s, int release_fd)
{
	const uint8_t *p;
	tcc_weights *w = NULL;

	if (onnx_mode) {
		tcc_model *m = first_inference(shared, name, path, t0, s);

		if (!m)
			_exit(1);
		s->ok = 1;
		wait_release(release_fd);
		model_free(m);
		_exit(0);
	}
	if (shared) {
		if (tcc_weights_open(&w, name, o) != TCC_OK ||
		    tcc_weights_map(w, (const void **)&p) != TCC_OK)
			_exit(1);
	} else {
		uint8_t *buf = malloc(size);

		if (!buf || bench_read_file(path, buf, size))
			_exit(1);
		p = buf;
	}
	s->checksum = touch(p, size);
	s->elapsed_s = bench_now() - t0;
	if (shared)
		tcc_weights_pmd_mapped_bytes(p, &s->pmd_bytes);
	s->ok = 1;
	wait_release(release_fd);
	tcc_weights_close(w);
	_exit(0);
}

/*
 * The exec'd worker (--worker SHARED NAME PATH T0): stdout is the result
 * pipe, stdin the release pipe.  stdout is moved aside first and fd 1
 * pointed at stderr, so that nothing the library might print can garble
 * the result line.
 */
int worker_exec_main(int argc, char **argv)
{
	double t_main = bench_now(), t0;
	struct slot s = { 0 };
	tcc_model *m;
	char *end;
	int out;

	if (argc != 6) {
		fprintf(stderr, "weights_bench: --worker SHARED NAME PATH T0 (internal)\n");
		return 2;
	}
	t0 = strtod(argv[5], &end);
	if (*end || t0 <= 0) {
		fprintf(stderr, "weights_bench: --worker: bad start time '%s'\n", argv[5]);
		return 2;
	}
	s.main_s = t_main - t0;
	out = dup(STDOUT_FILENO);
	if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return 1;
	m = first_inference(atoi(argv[2]), argv[3], argv[4], t0, &s);
	if (!m)
		return 1;
	if (dprintf(out, "%.9f %.9f %.9f %.9f %" PRIu64 " %zu %zu\n", s.elapsed_s, s.main_s,
		    s.loaded_s, s.run_s, s.checksum, s.private_packed, s.arena) < 0)
		return 1;
	close(out);	/* EOF after the line */
	wait_release(STDIN_FILENO);
	model_free(m);
	return 0;
}

/*
 * Start exec'd worker @i: stdin = the release pipe's read end, stdout = a
 * result pipe whose read end is returned in *@result_fd.  Every pipe is
 * O_CLOEXEC, so a worker holds only its own two ends (dup2 clears the flag
 * on 0 and 1): one worker's pipes never keep another's EOF from coming.
 * Between fork and exec only dup2/execv/_exit (async-signal-safe).
 */
pid_t worker_spawn_exec(int shared, const char *name, const char *path, int release_rd,
			       int *result_fd)
{
	char shared_s[16], t0_s[32];
	char *argv[] = { "weights_bench", "--worker", shared_s, (char *)name, (char *)path, t0_s, NULL };
	int res[2];
	pid_t pid;

	if (pipe2(res, O_CLOEXEC))
		return -1;
	snprintf(shared_s, sizeof(shared_s), "%d", shared);
	snprintf(t0_s, sizeof(t0_s), "%.9f", bench_now());
	pid = fork();
	if (pid == 0) {
		if (dup2(release_rd, STDIN_FILENO) < 0 || dup2(res[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(res[1]);
	if (pid < 0) {
		close(res[0]);
		return -1;
	}
	*result_fd = res[0];
	return pid;
}

/* The result line of an exec'd worker into @s (blocks until it is written or the worker died). */
void worker_collect_exec(int fd, struct slot *s)
{
	char line[256];
	FILE *f = fdopen(fd, "r");

	if (!f) {
		close(fd);
		return;
	}
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, "%lf %lf %lf %lf %" SCNu64 " %zu %zu", &s->elapsed_s, &s->main_s,
		   &s->loaded_s, &s->run_s, &s->checksum, &s->private_packed, &s->arena) == 7)
		s->ok = 1;
	fclose(f);
}

