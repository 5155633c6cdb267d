/* SPDX-License-Identifier: MIT */
/*
 * Shared by the weight-buffer model tests: the 36 MiB test MLP
 * (tests/weights/make_models.py) and how much private anonymous memory
 * loading + running a model adds in a fresh process.  Include after <cmocka.h>.
 */
#ifndef TCC_TESTS_WEIGHTS_MLP_RSS_H
#define TCC_TESTS_WEIGHTS_MLP_RSS_H

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tcc/model.h>
#include <tcc/weights.h>

#define MIB ((size_t)1 << 20)
#define MLP_WEIGHT_BYTES ((2048 * 2048 * 2 + 512 * 2048 + 2048 * 2 + 512) * sizeof(float))
#define MLP_OUT (4 * 512)

/* RssAnon (private anonymous memory) of this process, in bytes. */
static inline long long rss_anon(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long long kb = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/*
 * In a fresh child: RssAnon that loading + running the model at @path adds
 * (default pipeline, one thread, a zero f32 input of @rank @dims), from
 * weight buffer @weights or privately when NULL; measured with the model
 * still loaded.  With @weights, the child's count of pre-packed records used
 * is stored in @packed_used.
 */
static inline long long model_rss_growth(const char *path, const char *weights, int rank, const int64_t *dims,
					 long long *packed_used)
{
	int fd[2];
	long long d[2] = { -1, -1 };

	assert_int_equal(pipe(fd), 0);
	fflush(stdout);
	pid_t pid = fork();

	if (pid == 0) {
		malloc_trim(0);
		long long before = rss_anon();
		tcc_options o = { .threads = 1, .opt_level = 1, .weights = weights };
		tcc_model *m;
		tcc_tensor in = { .dtype = TCC_F32, .rank = rank }, out = { 0 };
		size_t n = 1;

		for (int i = 0; i < rank; i++)
			n *= (size_t)(in.dims[i] = dims[i]);
		in.nbytes = n * sizeof(float);
		in.data = calloc(n, sizeof(float));
		if (in.data && tcc_model_load(&m, path, &o) == TCC_OK && tcc_model_run(m, &in, 1, &out, 1) == TCC_OK) {
			tcc_weights_packed_usage u = { 0 };

			malloc_trim(0);	/* the same for both: transient parse buffers are not the point */
			d[0] = rss_anon() - before;
			if (weights && tcc_weights_packed_usage_get(weights, &u) == TCC_OK)
				d[1] = (long long)u.used;
		}
		(void)!write(fd[1], d, sizeof(d));
		_exit(0);
	}
	assert_true(pid > 0);
	close(fd[1]);
	assert_int_equal(read(fd[0], d, sizeof(d)), (ssize_t)sizeof(d));
	close(fd[0]);
	waitpid(pid, NULL, 0);
	if (packed_used)
		*packed_used = d[1];
	return d[0];
}

/* The same for the MLP (input [4, 2048]). */
static inline long long mlp_rss_growth(const char *path, const char *weights, long long *packed_used)
{
	static const int64_t dims[2] = { 4, 2048 };

	return model_rss_growth(path, weights, 2, dims, packed_used);
}

#endif
