// SPDX-License-Identifier: MIT
/* weights_bench's worker processes (workers.c): what one worker does and how it is started. */
#ifndef TCC_BENCH_WEIGHTS_WORKERS_H
#define TCC_BENCH_WEIGHTS_WORKERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tcc/weights.h>

/* One worker's report (in shared memory when forked, a pipe line when exec'd). */
struct slot {
	double elapsed_s;	/* process start (just before fork) to every page touched / 1st inference */
	double main_s;		/* --exec: process start to the worker's main() (exec + dynamic loading) */
	double loaded_s;	/* --onnx: process start to tcc_model_load() done */
	double run_s;		/* --onnx: best of 5 inferences after the first */
	uint64_t checksum;
	size_t pmd_bytes;
	size_t private_packed;	/* --onnx: buffer weights oneDNN prepacked privately (Conv) */
	size_t arena;		/* --onnx: the model's intermediate arena */
	int ok;
};

double bench_now(void);	/* CLOCK_MONOTONIC, seconds */
/* All @n bytes of file @path into @dst: 0, or -1. */
int bench_read_file(const char *path, void *dst, size_t n);

/* 0 in the QEMU guest's static build (no model runtime: Debian ships no static libdnnl). */
extern const int bench_have_model_runtime;

/* tcc_weights_load_onnx(), or TCC_ERR_UNSUPPORTED without the model runtime. */
tcc_status bench_load_onnx_buffer(tcc_weights **w, const char *name, const char *path,
				  const tcc_weights_options *o);

/*
 * A forked worker's body (never returns): raw mode maps buffer @name
 * (@shared) or reads @path privately and touches every page; @onnx_mode
 * loads the model and runs it once.  Reports in @s, then waits until
 * @release_fd reaches EOF.  @shared: 0 private, 1 the buffer's records,
 * 2 weights_prepack=1 (keep_plain buffer), 3 a plain_only buffer.
 */
void worker_fork_body(int onnx_mode, int shared, const char *name, const char *path, size_t size,
		      const tcc_weights_options *o, double t0, struct slot *s, int release_fd);

/* main() of an exec'd worker: `weights_bench --worker SHARED NAME PATH T0`. */
int worker_exec_main(int argc, char **argv);

/*
 * Start an exec'd model worker: stdin = @release_rd, stdout = a result pipe
 * whose read end goes to *@result_fd.  -1 on failure.
 */
pid_t worker_spawn_exec(int shared, const char *name, const char *path, int release_rd, int *result_fd);

/* Its result line into @s (blocks until written or the worker died); s->ok tells. */
void worker_collect_exec(int fd, struct slot *s);

#endif
