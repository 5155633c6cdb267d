// SPDX-License-Identifier: MIT
/*
 * N worker processes need the same weights.  Private: each reads the file
 * into its own memory.  Shared: one loader fills a sealed tcc_weights
 * buffer, each worker opens it by name and maps it.  Measured in the same
 * run, same file, same N:
 *   - memory: sum of the workers' Pss (/proc/PID/smaps_rollup) once every
 *     worker has touched every page, as a multiple of one copy;
 *   - start-to-first-touch: from fork() to "every page read" per worker.
 * Page cache of the file (warm, shared by the private readers) is not in
 * any Pss: that favours the private side.  Pss leaves hugetlb pages out, so
 * with a hugetlb buffer its whole size is added to the shared figure.
 *
 *   weights_bench [--procs 8] [--mib 128] [--backend auto|embedded|module] [--file PATH]
 *   weights_bench --onnx MODEL [--procs 8] [--backend ...]
 *
 * With --onnx every worker loads the model and runs it once on zeros
 * (opt_level 1, one thread): start-to-first-inference.  Private workers
 * tcc_model_load() it from the file; shared ones pass the buffer, which
 * holds the model's initializers packed by tcc_weights_load_onnx(), as
 * tcc_options.weights, so they read the weights in place: MatMul/Gemm
 * weights from their pre-packed records (oneDNN's layout for this CPU),
 * the rest from the plain initializers.  Two more shared runs for
 * comparison: the same buffer with weights_prepack=1 (private prepacking),
 * and a buffer of the initializers only (plain_only: oneDNN reads MatMul
 * weights in their plain layout).  "One copy" is the model's initializers;
 * the buffer holds them and the packed records.  The outputs of every
 * worker must be identical (checksum), private and shared alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tcc/model.h>
#include <tcc/weights.h>

#define MAX_PROCS 64

static int onnx_mode;

struct slot {
	double elapsed_s;	/* fork to every page touched */
	double run_s;		/* --onnx: best of 5 inferences after the first */
	uint64_t checksum;
	size_t pmd_bytes;
	int ok;
};

static double now(void)
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

static long pss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %ld kB", &v) == 1)
			kb = v;
	fclose(f);
	return kb;
}

static int read_file(const char *path, void *dst, size_t n)
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

/* Worker body: get the weights, touch every page, report, wait for the parent. */
static void worker(int shared, const char *name, const char *path, size_t size,
		   const tcc_weights_options *o, double t0, struct slot *s, int release_fd)
{
	const uint8_t *p;
	tcc_weights *w = NULL;
	tcc_model *m = NULL;
	char c;

	if (onnx_mode) {
		/* shared: 1 packed records, 2 weights_prepack=1, 3 a plain_only buffer (@name is that one) */
		tcc_options mo = { .threads = 1, .opt_level = 1, .weights = shared ? name : NULL,
				   .weights_prepack = shared == 2 };
		tcc_tensor_info ii;
		tcc_tensor in = { 0 }, out = { 0 };
		size_t n = 1;

		(void)o;
		if (tcc_model_load(&m, path, &mo) != TCC_OK || tcc_model_input_info(m, 0, &ii) != TCC_OK) {
			fprintf(stderr, "weights_bench: worker: %s\n", tcc_last_error());
			_exit(1);
		}
		in.dtype = ii.dtype;
		in.rank = ii.rank;
		for (int i = 0; i < ii.rank; i++)
			n *= (size_t)(in.dims[i] = ii.dims[i] > 0 ? ii.dims[i] : 1);
		in.nbytes = n * tcc_dtype_size(ii.dtype);
		in.data = calloc(1, in.nbytes ? in.nbytes : 1);
		if (!in.data || tcc_model_run(m, &in, 1, &out, 1) != TCC_OK) {
			fprintf(stderr, "weights_bench: worker: %s\n", tcc_last_error());
			_exit(1);
		}
		s->elapsed_s = now() - t0;
		/* Steady state: what reading the weights in place costs per inference. */
		s->run_s = 1e9;
		for (int k = 0; k < 5; k++) {
			double t = now();

			if (tcc_model_run(m, &in, 1, &out, 1) != TCC_OK)
				_exit(1);
			t = now() - t;
			s->run_s = t < s->run_s ? t : s->run_s;
		}
		for (size_t i = 0; i < out.nbytes; i++)	/* FNV-1a of the output */
			s->checksum = (s->checksum ^ ((const uint8_t *)out.data)[i]) * 1099511628211ull;
		s->ok = 1;
		if (read(release_fd, &c, 1) < 0)
			_exit(1);
		tcc_model_free(m);
		_exit(0);
	}
	if (shared) {
		if (tcc_weights_open(&w, name, o) != TCC_OK ||
		    tcc_weights_map(w, (const void **)&p) != TCC_OK)
			_exit(1);
	} else {
		uint8_t *buf = malloc(size);

		if (!buf || read_file(path, buf, size))
			_exit(1);
		p = buf;
	}
	s->checksum = touch(p, size);
	s->elapsed_s = now() - t0;
	if (shared)
		tcc_weights_pmd_mapped_bytes(p, &s->pmd_bytes);
	s->ok = 1;
	/* Stay alive (and mapped) until the parent has read our Pss. */
	if (read(release_fd, &c, 1) < 0)
		_exit(1);
	tcc_weights_close(w);
	_exit(0);
}

struct result {
	double pss_mib, max_s, median_s, run_s;
	uint64_t checksum;
	size_t pmd_bytes;
	int ok;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct result run(int shared, int procs, const char *name, const char *path, size_t size,
			 const tcc_weights_options *o, struct slot *slots)
{
	struct result r = { .ok = 1 };
	pid_t pids[MAX_PROCS];
	double times[MAX_PROCS];
	int rel[2], i;
	long total = 0;

	memset(slots, 0, sizeof(*slots) * procs);
	if (pipe(rel))
		exit(1);
	for (i = 0; i < procs; i++) {
		double t0 = now();

		pids[i] = fork();
		if (pids[i] == 0) {
			close(rel[1]);
			worker(shared, name, path, size, o, t0, &slots[i], rel[0]);
		}
	}
	close(rel[0]);
	/* Wait until every worker has touched everything (or died). */
	for (;;) {
		int done = 0;

		for (i = 0; i < procs; i++)
			done += slots[i].ok || waitpid(pids[i], NULL, WNOHANG) == pids[i];
		if (done == procs)
			break;
		usleep(2000);
	}
	for (i = 0; i < procs; i++) {
		long kb = pss_kb(pids[i]);

		if (!slots[i].ok || kb < 0 || slots[i].checksum != slots[0].checksum)
			r.ok = 0;
		total += kb;
		times[i] = slots[i].elapsed_s;
	}
	close(rel[1]);	/* release them */
	for (i = 0; i < procs; i++)
		waitpid(pids[i], NULL, 0);
	qsort(times, procs, sizeof(double), cmp_double);
	r.pss_mib = total / 1024.0;
	r.max_s = times[procs - 1];
	r.median_s = times[procs / 2];
	r.pmd_bytes = slots[0].pmd_bytes;
	r.checksum = slots[0].checksum;
	r.run_s = slots[0].run_s;
	return r;
}

int main(int argc, char **argv)
{
	tcc_weights_options o = { .backend = TCC_WEIGHTS_AUTO };
	const char *file = NULL;
	char name[64], path[256];
	int procs = 8, i;
	size_t mib = 128, size;
	struct slot *slots;
	struct result priv, shr, shp = { .ok = 1 }, spl = { .ok = 1 };
	char plain_name[64];
	tcc_weights *wplain = NULL;
	double buffer_mib = 0;
	tcc_weights_info info;
	tcc_weights *w;
	double t_load, one = (double)mib;
	void *dst;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--procs") && i + 1 < argc)
			procs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			mib = (size_t)atol(argv[++i]);
		else if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--onnx") && i + 1 < argc) {
			file = argv[++i];
			onnx_mode = 1;
		}
		else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
			i++;
			o.backend = !strcmp(argv[i], "module") ? TCC_WEIGHTS_MODULE :
				    !strcmp(argv[i], "embedded") ? TCC_WEIGHTS_EMBEDDED :
				    TCC_WEIGHTS_AUTO;
		} else {
			fprintf(stderr, "usage: %s [--procs N] [--mib M] [--backend B] [--file F]\n",
				argv[0]);
			return 2;
		}
	}
	if (procs < 1 || procs > MAX_PROCS || mib < 1) {
		fprintf(stderr, "weights_bench: --procs 1..%d, --mib >= 1\n", MAX_PROCS);
		return 2;
	}
	size = mib << 20;
	slots = mmap(NULL, sizeof(*slots) * MAX_PROCS, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		return 1;

	/* The weights file: random bytes (nothing compresses or dedups them). */
	if (file) {
		snprintf(path, sizeof(path), "%s", file);
	} else {
		int fd, rnd = open("/dev/urandom", O_RDONLY);
		uint8_t *buf = malloc(size);

		snprintf(path, sizeof(path), "/tmp/tcc-weights-bench-%d.bin", (int)getpid());
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		if (fd < 0 || rnd < 0 || !buf || read_file("/dev/urandom", buf, size) ||
		    write(fd, buf, size) != (ssize_t)size) {
			fprintf(stderr, "weights_bench: cannot write %s\n", path);
			return 1;
		}
		close(fd);
		close(rnd);
		free(buf);
	}
	snprintf(name, sizeof(name), "bench-%d", (int)getpid());

	/* Load once. */
	t_load = now();
	if (onnx_mode) {
		if (tcc_weights_load_onnx(&w, name, path, &o) != TCC_OK) {
			fprintf(stderr, "weights_bench: loading: %s\n", tcc_last_error());
			return 1;
		}
	} else if (tcc_weights_create(&w, name, size, &o) != TCC_OK ||
		   tcc_weights_map_writable(w, &dst) != TCC_OK || read_file(path, dst, size) ||
		   tcc_weights_seal(w) != TCC_OK) {
		fprintf(stderr, "weights_bench: loading: %s\n", tcc_last_error());
		return 1;
	}
	t_load = now() - t_load;
	/*
	 * Packing parsed and compiled the model: give the freed heap back
	 * before forking, or every worker inherits (and Pss shares) it.
	 */
	malloc_trim(0);
	tcc_weights_info_get(w, &info);
	size = info.size;
	one = (double)size / (1 << 20);
	buffer_mib = one;
	if (onnx_mode) {
		/* One copy = the model's initializers, without the packed records. */
		const void *img;
		size_t n = 0, plain = 0;
		tcc_weights_record rec;

		if (tcc_weights_map(w, &img) == TCC_OK && tcc_weights_image_count(img, size, &n) == TCC_OK)
			for (size_t k = 0; k < n; k++)
				if (tcc_weights_image_at(img, size, k, &rec) == TCC_OK && !strstr(rec.name, "@packed"))
					plain += rec.nbytes;
		one = (double)plain / (1 << 20);
	}

	priv = run(0, procs, name, path, size, &o, slots);
	shr = run(1, procs, name, path, size, &o, slots);
	if (onnx_mode) {	/* weights from the buffer, MatMul/Gemm prepacked privately */
		shp = run(2, procs, name, path, size, &o, slots);
		/* Made only now, so that the other runs' workers do not inherit its mappings. */
		tcc_weights_options po = o;

		snprintf(plain_name, sizeof(plain_name), "bench-%d-plain", (int)getpid());
		po.plain_only = 1;
		if (tcc_weights_load_onnx(&wplain, plain_name, path, &po) != TCC_OK) {
			fprintf(stderr, "weights_bench: loading plain: %s\n", tcc_last_error());
			return 1;
		}
		malloc_trim(0);
		spl = run(3, procs, plain_name, path, size, &o, slots);
		tcc_weights_close(wplain);
	}
	/* Pss leaves hugetlb pages out: the buffer's pool pages are one more copy's worth. */
	if (info.backing == TCC_WEIGHTS_HUGETLB)
		shr.pss_mib += (double)info.alloc_size / (1 << 20);
	tcc_weights_close(w);
	if (!file)
		unlink(path);
	if (!priv.ok || !shr.ok || !shp.ok || !spl.ok) {
		fprintf(stderr, "weights_bench: a worker failed\n");
		return 1;
	}

	printf("weights bench: %d processes, %.1f MiB of weights (buffer %.1f MiB), backend %s (%s), load once %.3f s\n",
	       procs, one, buffer_mib, info.backend == TCC_WEIGHTS_MODULE ? "module" : "embedded",
	       tcc_weights_backing_str(info.backing), t_load);
	printf("  %-28s %12s %12s %14s %14s\n", "", "Pss sum MiB", "x one copy", "median start s",
	       "max start s");
	printf("  %-28s %12.1f %12.2f %14.4f %14.4f\n",
	       onnx_mode ? "private load + 1st run" : "private copies (read file)", priv.pss_mib,
	       priv.pss_mib / one, priv.median_s, priv.max_s);
	printf("  %-28s %12.1f %12.2f %14.4f %14.4f\n",
	       onnx_mode ? "weights from buffer + 1st run" : "shared sealed buffer (map)", shr.pss_mib,
	       shr.pss_mib / one, shr.median_s, shr.max_s);
	if (onnx_mode) {
		printf("  %-28s %12.1f %12.2f %14.4f %14.4f\n", "  same, weights_prepack=1", shp.pss_mib,
		       shp.pss_mib / one, shp.median_s, shp.max_s);
		printf("  %-28s %12.1f %12.2f %14.4f %14.4f\n", "  plain_only buffer", spl.pss_mib,
		       spl.pss_mib / one, spl.median_s, spl.max_s);
	}
	printf("  memory: shared is %.2fx one copy (target <= 1.2); private is %.1fx shared\n",
	       shr.pss_mib / one, priv.pss_mib / shr.pss_mib);
	printf("  %s: shared is %.1fx faster (median), %.1fx (max)\n",
	       onnx_mode ? "start-to-first-inference" : "start-to-first-touch",
	       priv.median_s / shr.median_s, priv.max_s / shr.max_s);
	if (onnx_mode) {
		printf("  outputs: shared workers' %s the private workers'\n",
		       priv.checksum == shr.checksum ? "are bit-identical to" : "DIFFER from");
		printf("  steady-state inference (best of 5, %d workers on %ld CPUs): private %.2f ms, shared %.2f ms, "
		       "shared with weights_prepack=1 %.2f ms (%s), plain_only buffer %.2f ms (%s)\n",
		       procs, sysconf(_SC_NPROCESSORS_ONLN), priv.run_s * 1e3, shr.run_s * 1e3, shp.run_s * 1e3,
		       shp.checksum == priv.checksum ? "bit-identical" : "outputs DIFFER", spl.run_s * 1e3,
		       spl.checksum == priv.checksum ? "bit-identical" : "outputs DIFFER");
	}
	printf("  PMD-mapped in a shared worker: %zu of %.1f MiB\n", shr.pmd_bytes >> 20, one);
	printf("{\"procs\": %d, \"mib\": %.1f, \"onnx\": %s, \"backend\": \"%s\", \"backing\": \"%s\", "
	       "\"load_s\": %.4f, \"private_pss_mib\": %.1f, \"shared_pss_mib\": %.1f, "
	       "\"private_median_s\": %.5f, \"shared_median_s\": %.5f, \"pmd_mib\": %zu}\n",
	       procs, one, onnx_mode ? "true" : "false",
	       info.backend == TCC_WEIGHTS_MODULE ? "module" : "embedded",
	       tcc_weights_backing_str(info.backing), t_load, priv.pss_mib, shr.pss_mib,
	       priv.median_s, shr.median_s, shr.pmd_bytes >> 20);
	return 0;
}
