// SPDX-License-Identifier: MIT
/*
 * tcc-run: load an ONNX model, feed it .npy inputs (or seeded random data),
 * write each output as DIR/<name>.npy, print a summary and optionally time it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <tcc/model.h>
#include <tcc/weights.h>

#include "npy.h"
#include "signature.h"
#include "../omp-env/omp_env.h"

#define MAX_IO 256
/* --bench keeps every timing to take the median: at most this many (8 MiB). */
#define MAX_BENCH 1000000L

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcc-run MODEL.onnx [options]\n"
		"\n"
		"Compile an ONNX model for this CPU, run it once, write and summarise its outputs.\n"
		"\n"
		"  --input NAME=FILE.npy  feed input NAME from a NumPy file (repeatable); inputs not\n"
		"                         given get seeded random data (floats in [-1, 1), integers\n"
		"                         in [0, 4), booleans 0/1)\n"
		"  --dim NAME=N           size for symbolic dimension NAME in random inputs (default 1)\n"
		"  --output-dir DIR       write each output as DIR/<output name>.npy (DIR is created)\n"
		"  --bench N              after one warm-up run, time N runs (N <= 1000000) and end\n"
		"                         with the line 'latency_ms median=<x> min=<y> iters=<N>'\n"
		"  --threads T            worker threads (default: all online CPUs)\n"
		"  --bf16                 MatMul/Gemm/Conv in bfloat16 where the CPU has it (~1e-2 relative)\n"
		"  --weights NAME         read the initializers in place from the sealed weight buffer NAME\n"
		"                         (made by `tccctl weights load NAME MODEL.onnx --onnx`)\n"
		"  --seed S               seed for random inputs (default 0)\n"
		"  --opt-level L          0: no fusion/codegen, 1: all passes (default 1)\n"
		"  --verbose              print pass and compile statistics to stderr\n"
		"  --profile              time every op; print a table (slowest first, GFLOP/s, GB/s) on stderr\n"
		"  --profile-json FILE    the same table as JSON in FILE\n"
		"  --profile-trace FILE   the last run's timeline as Chrome trace events in FILE\n"
		"                         (open in Perfetto or chrome://tracing)\n"
		"  --help                 show this help\n"
		"\n"
		"\n"
		"Prints the model's inputs and outputs (name, dtype, shape; symbolic dims by name),\n"
		"then per output its shape and a summary of its values.\n"
		"\n"
		"Exit status: 0 on success, 1 on any error (with a message on stderr), 2 on bad usage.\n");
}

typedef struct named {
	char *name;
	char *value;
} named;

/* splitmix64: tiny, seedable, good enough for test inputs. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int fill_random(tcc_tensor *t, uint64_t *rng)
{
	size_t n = 1;

	for (int i = 0; i < t->rank; i++)
		n *= (size_t)t->dims[i];
	t->nbytes = n * tcc_dtype_size(t->dtype);
	t->data = malloc(t->nbytes ? t->nbytes : 1);
	if (!t->data)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rng_next(rng);
		double u = (double)(r >> 11) / 9007199254740992.0 * 2.0 - 1.0;

		switch (t->dtype) {
		case TCC_F32: ((float *)t->data)[i] = (float)u; break;
		case TCC_F64: ((double *)t->data)[i] = u; break;
		case TCC_F16: {
			_Float16 h = (_Float16)u;

			memcpy((uint16_t *)t->data + i, &h, 2);
			break;
		}
		case TCC_BF16: {
			float f = (float)u;
			uint32_t b;

			memcpy(&b, &f, 4);
			((uint16_t *)t->data)[i] = (uint16_t)(b >> 16);
			break;
		}
		case TCC_BOOL: ((uint8_t *)t->data)[i] = r & 1; break;
		case TCC_I8: case TCC_U8: ((uint8_t *)t->data)[i] = r % 4; break;
		case TCC_I16: case TCC_U16: ((uint16_t *)t->data)[i] = r % 4; break;
		case TCC_I32: case TCC_U32: ((uint32_t *)t->data)[i] = r % 4; break;
		case TCC_I64: case TCC_U64: ((uint64_t *)t->data)[i] = r % 4; break;
		default: return -1;
		}
	}
	return 0;
}

static double elem(const tcc_tensor *t, size_t i)
{
	switch (t->dtype) {
	case TCC_F32: return ((const float *)t->data)[i];
	case TCC_F64: return ((const double *)t->data)[i];
	case TCC_F16: {
		_Float16 h;

		memcpy(&h, (const uint16_t *)t->data + i, 2);
		return h;
	}
	case TCC_BF16: {
		uint32_t u = (uint32_t)((const uint16_t *)t->data)[i] << 16;
		float f;

		memcpy(&f, &u, 4);
		return f;
	}
	case TCC_I8: return ((const int8_t *)t->data)[i];
	case TCC_U8: case TCC_BOOL: return ((const uint8_t *)t->data)[i];
	case TCC_I16: return ((const int16_t *)t->data)[i];
	case TCC_U16: return ((const uint16_t *)t->data)[i];
	case TCC_I32: return ((const int32_t *)t->data)[i];
	case TCC_U32: return ((const uint32_t *)t->data)[i];
	case TCC_I64: return (double)((const int64_t *)t->data)[i];
	case TCC_U64: return (double)((const uint64_t *)t->data)[i];
	default: return NAN;
	}
}

static void summarise(const char *name, const tcc_tensor *t)
{
	size_t n = 1;
	double mn = INFINITY, mx = -INFINITY, sum = 0;

	for (int i = 0; i < t->rank; i++)
		n *= (size_t)t->dims[i];
	printf("output %s: %s [", name, tcc_dtype_name(t->dtype));
	for (int i = 0; i < t->rank; i++)
		printf("%s%lld", i ? ", " : "", (long long)t->dims[i]);
	printf("]");
	for (size_t i = 0; i < n; i++) {
		double v = elem(t, i);

		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		sum += v;
	}
	if (n)
		printf(" min=%.6g max=%.6g mean=%.6g", mn, mx, sum / (double)n);
	printf(" values=[");
	for (size_t i = 0; i < n && i < 6; i++)
		printf("%s%.6g", i ? ", " : "", elem(t, i));
	printf("%s]\n", n > 6 ? ", ..." : "");
}

/* mkdir -p: the output directory and any missing parents. */
static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int parse_pair(char *arg, named *out, const char *flag)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1]) {
		fprintf(stderr, "tcc-run: %s expects NAME=VALUE, got '%s'\n", flag, arg);
		return -1;
	}
	*eq = '\0';
	out->name = arg;
	out->value = eq + 1;
	return 0;
}

static long parse_long(const char *s, const char *flag, long lo)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);

	if (errno || *end || end == s || v < lo) {
		fprintf(stderr, "tcc-run: %s expects an integer >= %ld, got '%s'\n", flag, lo, s);
		exit(2);
	}
	return v;
}

/*
 * Output names may contain '/' or ':'; keep file names flat and portable.
 * Returns -1 when the name does not fit (it would be cut, and could then
 * collide with another output's).
 */
static int file_name(char *dst, size_t n, const char *dir, const char *name)
{
	int w = snprintf(dst, n, "%s/", dir);
	size_t off;

	if (w < 0 || (size_t)w >= n)
		return -1;
	off = (size_t)w;
	for (const char *p = name; *p; p++) {
		if (off + 5 >= n)
			return -1;
		dst[off++] = (*p == '/' || *p == '\\') ? '_' : *p;
	}
	snprintf(dst + off, n - off, ".npy");
	return 0;
}

/*
 * Each output's file name under @dir, refusing names that are too long or
 * that two outputs share once sanitized ("out/1" and "out_1"): one file
 * would silently overwrite the other.
 */
static int output_files(const tcc_model *m, int no, const char *dir, char (*fn)[4096])
{
	tcc_tensor_info info, other;

	for (int k = 0; k < no; k++) {
		tcc_model_output_info(m, k, &info);
		if (file_name(fn[k], sizeof(fn[k]), dir, info.name)) {
			fprintf(stderr, "tcc-run: output '%s': file name under %s is too long\n", info.name, dir);
			return -1;
		}
		for (int j = 0; j < k; j++) {
			if (strcmp(fn[j], fn[k]))
				continue;
			tcc_model_output_info(m, j, &other);
			fprintf(stderr, "tcc-run: outputs '%s' and '%s' would both be written to %s; "
				"run without --output-dir, or rename one in the model\n", other.name, info.name, fn[k]);
			return -1;
		}
	}
	return 0;
}

/*
 * A .npy fed to an input must have its dtype, rank and static dims (a
 * symbolic dim takes any size): say which, before the run does.
 */
static int check_input(const tcc_tensor_info *info, const tcc_tensor *t, const char *file)
{
	bool ok = t->dtype == info->dtype && t->rank == info->rank;
	char want[512], got[512];
	tcc_tensor_info as_info = { .dtype = t->dtype, .rank = t->rank };

	for (int i = 0; ok && i < info->rank; i++)
		ok = info->dims[i] < 0 || info->dims[i] == t->dims[i];
	if (ok)
		return 0;
	for (int i = 0; i < t->rank && i < TCC_MAX_RANK; i++)
		as_info.dims[i] = t->dims[i];
	signature_format(want, sizeof(want), info);
	signature_format(got, sizeof(got), &as_info);
	fprintf(stderr, "tcc-run: input '%s': %s is %s, the model takes %s\n", info->name, file, got, want);
	return -1;
}

/* After the first run (pages are mapped as they are touched): what came from the weight buffer. */
static void print_weights_stats(const tcc_model *m, const char *name)
{
	tcc_model_weights_stats s;

	if (tcc_model_weights_stats_get(m, &s) != TCC_OK)
		return;
	if (s.private_fallback)
		fprintf(stderr, "tcc-run: weight buffer %s: not used, the model was loaded privately\n", name);
	else
		fprintf(stderr, "tcc-run: weight buffer %s: %zu tensors (%zu bytes) read in place, %zu weights "
			"from pre-packed records; %zu bytes of the buffer mapped with 2 MiB pages\n", name,
			s.borrowed_tensors, s.borrowed_bytes, s.packed_weights, s.huge_mapped_bytes);
}

static int write_profile(const tcc_model *m, tcc_profile_format fmt, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "tcc-run: %s: %s\n", path, strerror(errno));
		return -1;
	}
	tcc_status st = tcc_model_profile_write(m, fmt, f);

	if (fclose(f) != 0 && st == TCC_OK) {
		fprintf(stderr, "tcc-run: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (st != TCC_OK) {
		fprintf(stderr, "tcc-run: %s: %s\n", path, tcc_last_error());
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "dim", required_argument, NULL, 'd' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "bench", required_argument, NULL, 'b' },
		{ "threads", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "opt-level", required_argument, NULL, 'O' },
		{ "weights", required_argument, NULL, 'W' },
		{ "bf16", no_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "profile", no_argument, NULL, 'P' },
		{ "profile-json", required_argument, NULL, 'J' },
		{ "profile-trace", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};

	tcc_tool_bound_omp_spinning(argv);
	named inputs[MAX_IO], dims[MAX_IO];
	static char fn[MAX_IO][4096];	/* output file names (1 MiB: not on the stack) */
	int n_given = 0, n_dims = 0, c;
	const char *outdir = NULL, *profile_json = NULL, *profile_trace = NULL;
	bool profile_table = false;
	long bench = 0;
	uint64_t seed = 0;
	tcc_options opts = { .opt_level = 1 };
	char err[512];
	int rc = 1;

	while ((c = getopt_long(argc, argv, "i:d:o:b:t:s:O:W:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (n_given >= MAX_IO || parse_pair(optarg, &inputs[n_given++], "--input"))
				return 2;
			break;
		case 'd':
			if (n_dims >= MAX_IO || parse_pair(optarg, &dims[n_dims++], "--dim"))
				return 2;
			break;
		case 'o': outdir = optarg; break;
		case 'b':
			bench = parse_long(optarg, "--bench", 1);
			if (bench > MAX_BENCH) {
				fprintf(stderr, "tcc-run: --bench %ld: at most %ld timed runs\n", bench, MAX_BENCH);
				return 2;
			}
			break;
		case 't': opts.threads = (int)parse_long(optarg, "--threads", 1); break;
		case 's': seed = (uint64_t)parse_long(optarg, "--seed", 0); break;
		case 'O': opts.opt_level = (int)parse_long(optarg, "--opt-level", 0); break;
		case 'W': opts.weights = optarg; break;
		case 'B': opts.bf16 = 1; break;
		case 'v': opts.verbose = 1; break;
		case 'P': opts.profile = profile_table = true; break;
		case 'J': opts.profile = 1; profile_json = optarg; break;
		case 'T': opts.profile = 1; profile_trace = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tcc-run: expected exactly one model file\n");
		usage(stderr);
		return 2;
	}
	const char *path = argv[optind];
	tcc_model *m = NULL;
	double t0 = now_ms();

	if (tcc_model_load(&m, path, &opts) != TCC_OK) {
		/* The loader's message names the file when it could not read it. */
		if (strstr(tcc_last_error(), path))
			fprintf(stderr, "tcc-run: %s\n", tcc_last_error());
		else
			fprintf(stderr, "tcc-run: %s: %s\n", path, tcc_last_error());
		return 1;
	}
	double t_load = now_ms() - t0;
	int ni = tcc_model_num_inputs(m), no = tcc_model_num_outputs(m);
	tcc_tensor in[MAX_IO], out[MAX_IO];
	tcc_tensor_info info;
	/* Hash the seed so nearby seeds do not give shifted copies of one stream. */
	uint64_t rng = rng_next(&seed) ^ 0x6a09e667f3bcc909ULL;

	if (ni > MAX_IO || no > MAX_IO) {
		fprintf(stderr, "tcc-run: more than %d inputs or outputs\n", MAX_IO);
		goto out_model;
	}
	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	for (int g = 0; g < n_given; g++) {
		bool found = false;

		for (int k = 0; k < ni && !found; k++) {
			tcc_model_input_info(m, k, &info);
			found = !strcmp(info.name, inputs[g].name);
		}
		if (!found) {
			char names[2048];

			signature_input_names(names, sizeof(names), m);
			fprintf(stderr, "tcc-run: model has no input named '%s'; its inputs: %s\n",
				inputs[g].name, ni ? names : "none");
			goto out_inputs;
		}
	}
	for (int k = 0; k < ni; k++) {
		const char *file = NULL;

		tcc_model_input_info(m, k, &info);
		for (int g = 0; g < n_given; g++)
			if (!strcmp(info.name, inputs[g].name))
				file = inputs[g].value;
		if (file) {
			if (npy_read(file, &in[k], err, sizeof(err))) {
				fprintf(stderr, "tcc-run: input '%s': %s\n", info.name, err);
				goto out_inputs;
			}
			if (check_input(&info, &in[k], file))
				goto out_inputs;
			continue;
		}
		in[k].dtype = info.dtype;
		in[k].rank = info.rank;
		for (int i = 0; i < info.rank; i++) {
			in[k].dims[i] = info.dims[i] >= 0 ? info.dims[i] : 1;
			for (int d = 0; d < n_dims && info.dim_params[i]; d++)
				if (!strcmp(dims[d].name, info.dim_params[i]))
					in[k].dims[i] = parse_long(dims[d].value, "--dim", 0);
		}
		if (fill_random(&in[k], &rng)) {
			fprintf(stderr, "tcc-run: input '%s': cannot generate %s data\n", info.name,
				tcc_dtype_name(info.dtype));
			goto out_inputs;
		}
	}
	t0 = now_ms();
	if (tcc_model_run(m, in, ni, out, no) != TCC_OK) {
		fprintf(stderr, "tcc-run: run failed: %s\n", tcc_last_error());
		goto out_inputs;
	}
	double t_first = now_ms() - t0;

	printf("model %s: %d inputs, %d outputs, load+compile %.1f ms, first run %.2f ms, arena %zu bytes\n",
	       path, ni, no, t_load, t_first, tcc_model_arena_bytes(m));
	signature_print(stdout, m, "  ");
	if (opts.verbose && opts.weights)
		print_weights_stats(m, opts.weights);
	if (outdir && output_files(m, no, outdir, fn))
		goto out_outputs;
	if (outdir && mkdir_p(outdir)) {
		fprintf(stderr, "tcc-run: %s: %s\n", outdir, strerror(errno));
		goto out_outputs;
	}
	for (int k = 0; k < no; k++) {
		tcc_model_output_info(m, k, &info);
		summarise(info.name, &out[k]);
		if (outdir) {
			if (npy_write(fn[k], &out[k], err, sizeof(err))) {
				fprintf(stderr, "tcc-run: %s\n", err);
				goto out_outputs;
			}
		}
	}
	if (bench) {
		double *t = calloc((size_t)bench, sizeof(double));

		if (!t) {
			fprintf(stderr, "tcc-run: --bench %ld: out of memory for the timings\n", bench);
			goto out_outputs;
		}
		/* Warm-up beyond the first run: caches, page faults, thread pool. */
		for (int w = 0; w < 2; w++)
			if (tcc_model_run(m, in, ni, out, no) != TCC_OK) {
				fprintf(stderr, "tcc-run: run failed: %s\n", tcc_last_error());
				free(t);
				goto out_outputs;
			}
		for (long i = 0; i < bench; i++) {
			t0 = now_ms();
			if (tcc_model_run(m, in, ni, out, no) != TCC_OK) {
				fprintf(stderr, "tcc-run: run failed: %s\n", tcc_last_error());
				free(t);
				goto out_outputs;
			}
			t[i] = now_ms() - t0;
		}
		qsort(t, (size_t)bench, sizeof(double), cmp_double);
		double med = bench % 2 ? t[bench / 2] : (t[bench / 2 - 1] + t[bench / 2]) / 2;

		printf("latency_ms median=%.3f min=%.3f iters=%ld\n", med, t[0], bench);
		free(t);
	}
	if (profile_table && tcc_model_profile_write(m, TCC_PROFILE_TABLE, stderr) != TCC_OK) {
		fprintf(stderr, "tcc-run: profile: %s\n", tcc_last_error());
		goto out_outputs;
	}
	if ((profile_json && write_profile(m, TCC_PROFILE_JSON, profile_json)) ||
	    (profile_trace && write_profile(m, TCC_PROFILE_TRACE, profile_trace)))
		goto out_outputs;
	rc = 0;
out_outputs:
	for (int k = 0; k < no; k++)
		tcc_free(out[k].data);
out_inputs:
	for (int k = 0; k < ni; k++)
		free(in[k].data);
out_model:
	tcc_model_free(m);
	return rc;
}
