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
 *   weights_bench --onnx MODEL [--exec] [--procs 8] [--backend ...]
 *
 * With --onnx every worker loads the model and runs it once on zeros
 * (opt_level 1, one thread): start-to-first-inference.  Private workers
 * tcc_model_load() it from the file; shared ones pass the buffer, which
 * holds the model's constant tensors packed by tcc_weights_load_onnx(), as
 * tcc_options.weights, so they read the weights in place: MatMul/Gemm/Conv
 * weights from their pre-packed records (oneDNN's layout for this CPU),
 * the rest from the plain initializers.  Two more shared runs for
 * comparison: weights_prepack=1 (private prepacking) on a buffer that
 * keeps the plain copies too (keep_plain: without them such a worker
 * loads privately), and a buffer of the initializers only (plain_only:
 * oneDNN reads MatMul weights in their plain layout).  "One copy" is the model's constant
 * tensors in the file's layout: the plain_only buffer's records.  The
 * outputs of every worker must be identical (checksum), private and shared
 * alike.
 *
 * Process start.  By default (fork mode) a worker is forked from this
 * process, which already has libtccml and oneDNN loaded and initialised, so
 * "start" leaves out exec and dynamic loading.  --exec makes each worker a
 * fresh process, as a restarted server's would be: fork + execv of this
 * binary (/proc/self/exe) with the hidden arguments
 *   --worker SHARED NAME PATH T0
 * where T0 is our CLOCK_MONOTONIC time just before fork (system-wide, so the
 * worker computes now - T0 itself).  exec drops the MAP_SHARED result slots,
 * so such a worker writes one result line to a pipe on its stdout and then
 * waits, still mapped, until its stdin (the release pipe) reaches EOF, so
 * that its Pss is read exactly as a forked worker's is.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#include "workers.h"

#define MAX_PROCS 64

static int onnx_mode;
static int exec_mode;

/* Pss, and how much of it is anonymous (heap, private copies) and shmem (the buffer). */
struct pss {
	long total_kb, anon_kb, shmem_kb;
};

static int pss_read(pid_t pid, struct pss *p)
{
	char path[64], line[256];
	FILE *f;
	long v;

	p->total_kb = p->anon_kb = p->shmem_kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Pss: %ld kB", &v) == 1)
			p->total_kb = v;
		else if (sscanf(line, "Pss_Anon: %ld kB", &v) == 1)
			p->anon_kb = v;
		else if (sscanf(line, "Pss_Shmem: %ld kB", &v) == 1)
			p->shmem_kb = v;
	}
	fclose(f);
	return p->total_kb < 0 ? -1 : 0;
}

struct result {
	double pss_mib, anon_mib, shmem_mib, max_s, median_s, run_s;
	double main_median_s, loaded_median_s;	/* start to main(), to the model loaded */
	uint64_t checksum;
	size_t pmd_bytes, private_packed, arena;
	int ok;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return v[n / 2];
}

static struct result run(int shared, int procs, const char *name, const char *path, size_t size,
			 const tcc_weights_options *o, struct slot *slots)
{
	struct result r = { .ok = 1 };
	pid_t pids[MAX_PROCS];
	double times[MAX_PROCS], mains[MAX_PROCS], loads[MAX_PROCS];
	int gone[MAX_PROCS] = { 0 };	/* reaped: a worker that died before reporting */
	int rel[2], res_fd[MAX_PROCS], i;
	long total = 0, anon = 0, shmem = 0;

	memset(slots, 0, sizeof(*slots) * procs);
	if (pipe2(rel, O_CLOEXEC))
		exit(1);
	for (i = 0; i < procs; i++) {
		if (exec_mode) {
			pids[i] = worker_spawn_exec(shared, name, path, rel[0], &res_fd[i]);
			if (pids[i] < 0) {
				perror("weights_bench: starting a worker");
				exit(1);
			}
			continue;
		}
		double t0 = bench_now();

		pids[i] = fork();
		if (pids[i] == 0) {
			close(rel[1]);
			worker_fork_body(onnx_mode, shared, name, path, size, o, t0, &slots[i], rel[0]);
		}
	}
	close(rel[0]);
	/* Wait until every worker has touched everything / run once (or died). */
	if (exec_mode) {
		for (i = 0; i < procs; i++)
			worker_collect_exec(res_fd[i], &slots[i]);
	} else {
		for (;;) {
			int done = 0;

			for (i = 0; i < procs; i++) {
				if (!slots[i].ok && !gone[i])
					gone[i] = waitpid(pids[i], NULL, WNOHANG) == pids[i];
				done += slots[i].ok || gone[i];
			}
			if (done == procs)
				break;
			usleep(2000);
		}
	}
	for (i = 0; i < procs; i++) {
		struct pss p;

		if (pss_read(pids[i], &p) || !slots[i].ok || slots[i].checksum != slots[0].checksum)
			r.ok = 0;
		total += p.total_kb;
		anon += p.anon_kb;
		shmem += p.shmem_kb;
		times[i] = slots[i].elapsed_s;
		mains[i] = slots[i].main_s;
		loads[i] = slots[i].loaded_s;
	}
	close(rel[1]);	/* release them */
	for (i = 0; i < procs; i++)
		if (!gone[i])
			waitpid(pids[i], NULL, 0);
	r.pss_mib = total / 1024.0;
	r.anon_mib = anon / 1024.0;
	r.shmem_mib = shmem / 1024.0;
	r.median_s = median(times, procs);
	r.max_s = times[procs - 1];
	r.main_median_s = median(mains, procs);
	r.loaded_median_s = median(loads, procs);
	r.pmd_bytes = slots[0].pmd_bytes;
	r.checksum = slots[0].checksum;
	r.run_s = slots[0].run_s;
	r.private_packed = slots[0].private_packed;
	r.arena = slots[0].arena;
	return r;
}

/* A packed model image's records: how many, how many pre-packed, the bytes of the others. */
static void count_records(tcc_weights *w, size_t *records, size_t *packed, size_t *plain_bytes)
{
	tcc_weights_info info;
	tcc_weights_record rec;
	size_t n = 0, np = 0, bytes = 0;
	const void *img;

	if (tcc_weights_info_get(w, &info) == TCC_OK && tcc_weights_map(w, &img) == TCC_OK &&
	    tcc_weights_image_count(img, info.size, &n) == TCC_OK)
		for (size_t k = 0; k < n; k++) {
			if (tcc_weights_image_at(img, info.size, k, &rec) != TCC_OK)
				continue;
			if (strstr(rec.name, "@packed"))
				np++;
			else
				bytes += rec.nbytes;
		}
	if (records)
		*records = n;
	if (packed)
		*packed = np;
	if (plain_bytes)
		*plain_bytes = bytes;
}

/* "resnet18" for build/bench/models/resnet18.onnx (the JSON's model name). */
static void model_name(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".onnx"))
		len -= 5;
	snprintf(out, n, "%.*s", (int)len, base);
}

static void print_row(const char *label, const struct result *r, double one)
{
	printf("  %-30s %12.1f %12.2f %9.1f %9.1f %9.1f %14.4f %14.4f\n", label, r->pss_mib,
	       r->pss_mib / one, r->anon_mib, r->shmem_mib, r->pss_mib - r->anon_mib - r->shmem_mib,
	       r->median_s, r->max_s);
}

int main(int argc, char **argv)
{
	tcc_weights_options o = { .backend = TCC_WEIGHTS_AUTO };
	const char *file = NULL;
	char name[64], path[256], model[64] = "raw";
	int procs = 8, i;
	size_t mib = 128, size;
	struct slot *slots;
	struct result priv, shr, shp = { .ok = 1 }, spl = { .ok = 1 };
	char plain_name[64];
	tcc_weights *wplain = NULL;
	double buffer_mib = 0;
	size_t n_records = 0, n_packed = 0, plain_bytes = 0;
	tcc_weights_info info;
	tcc_weights *w;
	double t_load, one = (double)mib;
	void *dst;

	if (argc > 1 && !strcmp(argv[1], "--worker"))
		return worker_exec_main(argc, argv);
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
		} else if (!strcmp(argv[i], "--exec"))
			exec_mode = 1;
		else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
			i++;
			o.backend = !strcmp(argv[i], "module") ? TCC_WEIGHTS_MODULE :
				    !strcmp(argv[i], "embedded") ? TCC_WEIGHTS_EMBEDDED :
				    TCC_WEIGHTS_AUTO;
		} else {
			fprintf(stderr, "usage: %s [--procs N] [--mib M] [--backend B] [--file F]\n"
				"       %s --onnx MODEL [--exec] [--procs N] [--backend B]\n",
				argv[0], argv[0]);
			return 2;
		}
	}
	if (procs < 1 || procs > MAX_PROCS || mib < 1) {
		fprintf(stderr, "weights_bench: --procs 1..%d, --mib >= 1\n", MAX_PROCS);
		return 2;
	}
	/*
	 * The exec'd worker opens the buffer with the default backend (as
	 * tcc_options.weights does), so only the ONNX mode has one.
	 */
	if (exec_mode && !onnx_mode) {
		fprintf(stderr, "weights_bench: --exec needs --onnx MODEL\n");
		return 2;
	}
	if (onnx_mode && !bench_have_model_runtime) {
		fprintf(stderr, "weights_bench: built without the model runtime (static): no --onnx\n");
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
		if (onnx_mode)
			model_name(path, model, sizeof(model));
	} else {
		int fd, rnd = open("/dev/urandom", O_RDONLY);
		uint8_t *buf = malloc(size);

		snprintf(path, sizeof(path), "/tmp/tcc-weights-bench-%d.bin", (int)getpid());
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		if (fd < 0 || rnd < 0 || !buf || bench_read_file("/dev/urandom", buf, size) ||
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
	t_load = bench_now();
	if (onnx_mode) {
		if (bench_load_onnx_buffer(&w, name, path, &o) != TCC_OK) {
			fprintf(stderr, "weights_bench: loading: %s\n", tcc_last_error());
			return 1;
		}
	} else if (tcc_weights_create(&w, name, size, &o) != TCC_OK ||
		   tcc_weights_map_writable(w, &dst) != TCC_OK || bench_read_file(path, dst, size) ||
		   tcc_weights_seal(w) != TCC_OK) {
		fprintf(stderr, "weights_bench: loading: %s\n", tcc_last_error());
		return 1;
	}
	t_load = bench_now() - t_load;
	/*
	 * Packing parsed and compiled the model: give the freed heap back
	 * before forking, or every worker inherits (and Pss shares) it.
	 */
	malloc_trim(0);
	tcc_weights_info_get(w, &info);
	size = info.size;
	one = (double)size / (1 << 20);
	buffer_mib = one;
	if (onnx_mode)
		count_records(w, &n_records, &n_packed, NULL);

	priv = run(0, procs, name, path, size, &o, slots);
	shr = run(1, procs, name, path, size, &o, slots);
	if (onnx_mode) {
		/*
		 * The other two buffers are made only for their own run, so
		 * that no other run's workers inherit their mappings.
		 * Weights from a keep_plain buffer, prepacked privately:
		 */
		tcc_weights_options ko = o, po = o;

		snprintf(plain_name, sizeof(plain_name), "bench-%d-keep", (int)getpid());
		ko.keep_plain = 1;
		if (bench_load_onnx_buffer(&wplain, plain_name, path, &ko) != TCC_OK) {
			fprintf(stderr, "weights_bench: loading keep_plain: %s\n", tcc_last_error());
			return 1;
		}
		malloc_trim(0);
		shp = run(2, procs, plain_name, path, size, &o, slots);
		tcc_weights_close(wplain);
		/* The plain layout read in place: */
		snprintf(plain_name, sizeof(plain_name), "bench-%d-plain", (int)getpid());
		po.plain_only = 1;
		if (bench_load_onnx_buffer(&wplain, plain_name, path, &po) != TCC_OK) {
			fprintf(stderr, "weights_bench: loading plain: %s\n", tcc_last_error());
			return 1;
		}
		malloc_trim(0);
		spl = run(3, procs, plain_name, path, size, &o, slots);
		count_records(wplain, NULL, NULL, &plain_bytes);
		one = (double)plain_bytes / (1 << 20);
		tcc_weights_close(wplain);
	}
	/*
	 * Pss leaves hugetlb pages out: the buffer's pool pages are one more
	 * copy's worth (in the shmem column: they are the buffer's memory).
	 */
	if (info.backing == TCC_WEIGHTS_HUGETLB) {
		shr.pss_mib += (double)info.alloc_size / (1 << 20);
		shr.shmem_mib += (double)info.alloc_size / (1 << 20);
	}
	tcc_weights_close(w);
	if (!file)
		unlink(path);
	if (!priv.ok || !shr.ok || !shp.ok || !spl.ok) {
		fprintf(stderr, "weights_bench: a worker failed\n");
		return 1;
	}

	printf("weights bench: %s, %d processes, %.1f MiB of weights (buffer %.1f MiB", model, procs, one,
	       buffer_mib);
	if (onnx_mode)
		printf(": %zu records, %zu pre-packed", n_records, n_packed);
	printf("), backend %s (%s), load once %.3f s\n",
	       info.backend == TCC_WEIGHTS_MODULE ? "module" : "embedded",
	       tcc_weights_backing_str(info.backing), t_load);
	printf("  mode %s: %s\n", exec_mode ? "exec" : "fork",
	       exec_mode ? "each worker is fork + execv of this binary (start includes exec and dynamic loading)" :
	       "each worker is forked from this process (libraries already loaded and initialised)");
	printf("  %-30s %12s %12s %9s %9s %9s %14s %14s\n", "", "Pss sum MiB", "x one copy", "anon", "shmem",
	       "file", "median start s", "max start s");
	print_row(onnx_mode ? "private load + 1st run" : "private copies (read file)", &priv, one);
	print_row(onnx_mode ? "weights from buffer + 1st run" : "shared sealed buffer (map)", &shr, one);
	if (onnx_mode) {
		print_row("  keep_plain, weights_prepack=1", &shp, one);
		print_row("  plain_only buffer", &spl, one);
	}
	printf("  memory: shared is %.2fx one copy (target <= 1.2); private is %.1fx shared\n",
	       shr.pss_mib / one, priv.pss_mib / shr.pss_mib);
	printf("  %s: shared is %.1fx faster (median), %.1fx (max)%s\n",
	       onnx_mode ? "start-to-first-inference" : "start-to-first-touch",
	       priv.median_s / shr.median_s, priv.max_s / shr.max_s, onnx_mode ? " (target >= 10)" : "");
	if (onnx_mode)
		printf("  medians, start to main() / model loaded / 1st inference: private %.4f / %.4f / %.4f s, "
		       "shared %.4f / %.4f / %.4f s%s\n", priv.main_median_s, priv.loaded_median_s, priv.median_s,
		       shr.main_median_s, shr.loaded_median_s, shr.median_s,
		       exec_mode ? "" : " (forked: no main())");
	if (onnx_mode)
		printf("  start-to-model-loaded (without the 1st inference itself): shared is %.1fx faster (median)\n",
		       priv.loaded_median_s / shr.loaded_median_s);
	if (onnx_mode) {
		printf("  per shared worker: %.1f MiB of buffer weights prepacked privately (Conv), arena %.1f MiB\n",
		       shr.private_packed / 1048576.0, shr.arena / 1048576.0);
		printf("  outputs: shared workers' %s the private workers'\n",
		       priv.checksum == shr.checksum ? "are bit-identical to" : "DIFFER from");
		printf("  steady-state inference (best of 5, %d workers on %ld CPUs): private %.2f ms, shared %.2f ms, "
		       "keep_plain with weights_prepack=1 %.2f ms (%s), plain_only buffer %.2f ms (%s)\n",
		       procs, sysconf(_SC_NPROCESSORS_ONLN), priv.run_s * 1e3, shr.run_s * 1e3, shp.run_s * 1e3,
		       shp.checksum == priv.checksum ? "bit-identical" : "outputs DIFFER", spl.run_s * 1e3,
		       spl.checksum == priv.checksum ? "bit-identical" : "outputs DIFFER");
	}
	if (!onnx_mode)	/* a model worker has no pointer of its own into the buffer to ask about */
		printf("  PMD-mapped in a shared worker: %zu of %.1f MiB\n", shr.pmd_bytes >> 20, one);
	printf("{\"model\": \"%s\", \"mode\": \"%s\", \"procs\": %d, \"mib\": %.1f, \"onnx\": %s, "
	       "\"backend\": \"%s\", \"backing\": \"%s\", "
	       "\"load_s\": %.4f, \"private_pss_mib\": %.1f, \"shared_pss_mib\": %.1f, "
	       "\"private_median_s\": %.5f, \"shared_median_s\": %.5f, ",
	       model, exec_mode ? "exec" : "fork", procs, one, onnx_mode ? "true" : "false",
	       info.backend == TCC_WEIGHTS_MODULE ? "module" : "embedded",
	       tcc_weights_backing_str(info.backing), t_load, priv.pss_mib, shr.pss_mib,
	       priv.median_s, shr.median_s);
	if (onnx_mode)
		printf("\"private_loaded_median_s\": %.5f, \"shared_loaded_median_s\": %.5f, ",
		       priv.loaded_median_s, shr.loaded_median_s);
	printf("\"shared_x_one_copy\": %.3f, \"start_speedup\": %.2f", shr.pss_mib / one, priv.median_s / shr.median_s);
	if (!onnx_mode)
		printf(", \"pmd_mib\": %zu", shr.pmd_bytes >> 20);
	printf("}\n");
	return 0;
}
