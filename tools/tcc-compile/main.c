// SPDX-License-Identifier: MIT
/*
 * tcc-compile: compile an ONNX model for this CPU without running it, so the
 * generated code lands in the on-disk cache (the next load is a cache hit),
 * and print what the compiler decided.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcc/model.h>

#include "codegen/jit.h"
#include "runtime/runtime.h"
#include "../tcc-run/signature.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcc-compile MODEL.onnx [options]\n"
		"\n"
		"Compile an ONNX model ahead of time: generated kernels are stored in the code cache\n"
		"so that loading the model later (tcc-run, the C API) skips the C compiler.\n"
		"\n"
		"  --cache-dir DIR  code cache to fill (default: $TCC_CACHE_DIR, $XDG_CACHE_HOME/tcc,\n"
		"                   ~/.cache/tcc)\n"
		"  --opt-level L    0: no fusion/codegen, 1: all passes (default 1)\n"
		"  --plan           print the model's inputs and outputs (name, dtype, shape; symbolic\n"
		"                   dims by name), then one line per node: op, output shape, arena\n"
		"                   slot, kernel\n"
		"  --quiet          print nothing on success\n"
		"  --help           show this help\n"
		"\n"
		"Exit status: 0 on success, 1 on any error (with a message on stderr), 2 on bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cache-dir", required_argument, NULL, 'c' },
		{ "opt-level", required_argument, NULL, 'O' },
		{ "plan", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	tcc_options opts = { .opt_level = 1 };
	bool plan = false, quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:O:pqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opts.cache_dir = optarg; break;
		case 'O': {
			char *end;

			errno = 0;
			opts.opt_level = (int)strtol(optarg, &end, 10);
			if (errno || *end || opts.opt_level < 0) {
				fprintf(stderr, "tcc-compile: --opt-level expects 0 or 1\n");
				return 2;
			}
			break;
		}
		case 'p': plan = true; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tcc-compile: expected exactly one model file\n");
		usage(stderr);
		return 2;
	}
	tcc_jit_stats before, after;
	tcc_model *m;

	tcc_jit_get_stats(&before);
	if (tcc_model_load(&m, argv[optind], &opts) != TCC_OK) {
		/* The loader's message names the file when it could not read it. */
		if (strstr(tcc_last_error(), argv[optind]))
			fprintf(stderr, "tcc-compile: %s\n", tcc_last_error());
		else
			fprintf(stderr, "tcc-compile: %s: %s\n", argv[optind], tcc_last_error());
		return 1;
	}
	tcc_jit_get_stats(&after);
	if (!quiet) {
		const pass_stats *s = &m->stats;

		printf("%s: compiled in %.1f ms: %d folded, %d removed, %d BatchNorm folded, %d on oneDNN "
		       "(%d epilogue ops), %d ops fused into %d kernels, %d nodes with run-time shapes, "
		       "arena %zu bytes; C compiler runs %lu, cache hits %lu (cache %s)\n",
		       argv[optind], m->compile_ms, s->folded, s->dead, s->bn_folded, s->extern_kernels,
		       s->epilogues, s->fused_nodes, s->fused_kernels, s->dynamic_nodes, m->arena_bytes,
		       after.compiles - before.compiles, after.cache_hits - before.cache_hits,
		       tcc_jit_cache_dir(&(tcc_jit_options){ .cache_dir = opts.cache_dir }));
		if (plan) {
			signature_print(stdout, m, "  ");
			model_print_plan(m, stdout);
		}
	}
	tcc_model_free(m);
	return 0;
}
