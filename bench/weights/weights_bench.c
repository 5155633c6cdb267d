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

#define MAX_PROCS 64

static int onnx_mode;
static int exec_mode;

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

#ifndef WEIGHTS_BENCH_NO_MODEL
static const int have_model_runtime = 1;

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
	s->loaded_s = now() - t0;
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
	s->elapsed_s = now() - t0;
	s->run_s = 1e9;
	for (int k = 0; k < 5; k++) {
		double t = now();

		if (tcc_model_run(m, &in, 1, &out, 1) != TCC_OK)
			goto fail;
		t = now() - t;
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

static tcc_status load_onnx_buffer(tcc_weights **w, const char *name, const char *path,
				   const tcc_weights_options *o)
{
	return tcc_weights_load_onnx(w, name, path, o);
}
#else
/*
 * The QEMU guest's static build (run.sh --qemu) has no model runtime:
 * Debian ships no static libdnnl, and the guest runs the raw mode only.
 */
static const int have_model_runtime;

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

static tcc_status load_onnx_buffer(tcc_weights **w, const char *name, const char *path,
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
static void fork_worker(int shared, const char *name, const char *path, size_t size,
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

		if (!buf || read_file(path, buf, size))
			_exit(1);
		p = buf;
	}
	s->checksum = touch(p, size);
	s->elapsed_s = now() - t0;
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
static int exec_worker_main(int argc, char **argv)
{
	double t_main = now(), t0;
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
static pid_t spawn_exec_worker(int shared, const char *name, const char *path, int release_rd,
			       int *result_fd)
{
	char shared_s[16], t0_s[32];
	char *argv[] = { "weights_bench", "--worker", shared_s, (char *)name, (char *)path, t0_s, NULL };
	int res[2];
	pid_t pid;

	if (pipe2(res, O_CLOEXEC))
		return -1;
	snprintf(shared_s, sizeof(shared_s), "%d", shared);
	snprintf(t0_s, sizeof(t0_s), "%.9f", now());
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
static void collect_exec_worker(int fd, struct slot *s)
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
			pids[i] = spawn_exec_worker(shared, name, path, rel[0], &res_fd[i]);
			if (pids[i] < 0) {
				perror("weights_bench: starting a worker");
				exit(1);
			}
			continue;
		}
		double t0 = now();

		pids[i] = fork();
		if (pids[i] == 0) {
			close(rel[1]);
			fork_worker(shared, name, path, size, o, t0, &slots[i], rel[0]);
		}
	}
	close(rel[0]);
	/* Wait until every worker has touched everything / run once (or died). */
	if (exec_mode) {
		for (i = 0; i < procs; i++)
			collect_exec_worker(res_fd[i], &slots[i]);
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
		return exec_worker_main(argc, argv);
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
	if (onnx_mode && !have_model_runtime) {
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
		if (load_onnx_buffer(&w, name, path, &o) != TCC_OK) {
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
		if (load_onnx_buffer(&wplain, plain_name, path, &ko) != TCC_OK) {
			fprintf(stderr, "weights_bench: loading keep_plain: %s\n", tcc_last_error());
			return 1;
		}
		malloc_trim(0);
		shp = run(2, procs, plain_name, path, size, &o, slots);
		tcc_weights_close(wplain);
		/* The plain layout read in place: */
		snprintf(plain_name, sizeof(plain_name), "bench-%d-plain", (int)getpid());
		po.plain_only = 1;
		if (load_onnx_buffer(&wplain, plain_name, path, &po) != TCC_OK) {
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
