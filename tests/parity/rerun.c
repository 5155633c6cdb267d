// SPDX-License-Identifier: MIT
/*
 * rerun: runs one model several times in one process through the public API
 * and checks that every run gives bitwise the same outputs.  tcc-run runs a
 * model once per process, so this is the parity suite's check for state kept
 * between runs (a fused kernel writing into an initializer, an arena assumed
 * zeroed, a cached buffer reused too early) and for the no-copy output
 * contract: run 1 lets tcc allocate the outputs, runs 2 and 3 write into
 * caller-owned buffers pre-filled with different garbage.
 *
 * usage: rerun MODEL.onnx THREADS NAME=FILE.npy...
 * exit 0: identical; 1: outputs differ or a buffer was replaced; 2: error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tcc/model.h>

#include "../conformance/npy.h"

#define MAX_IO 64

static int die(const char *what, tcc_status st)
{
	fprintf(stderr, "rerun: %s: %s: %s\n", what, tcc_status_str(st), tcc_last_error());
	return 2;
}

static size_t elems(const tcc_tensor *t)
{
	size_t n = 1;
	for (int d = 0; d < t->rank; d++)
		n *= (size_t)t->dims[d];
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rerun MODEL.onnx THREADS NAME=FILE.npy...\n");
		return 2;
	}
	tcc_options opts = { .threads = atoi(argv[2]), .opt_level = 1 };
	tcc_model *m;
	tcc_status st = tcc_model_load(&m, argv[1], &opts);
	if (st != TCC_OK)
		return die("tcc_model_load", st);
	int ni = tcc_model_num_inputs(m), no = tcc_model_num_outputs(m);
	if (ni > MAX_IO || no > MAX_IO || ni < 0 || no < 0) {
		fprintf(stderr, "rerun: %d inputs, %d outputs: too many\n", ni, no);
		return 2;
	}
	static struct npy_array arrays[MAX_IO];
	static tcc_tensor in[MAX_IO], first[MAX_IO], again[MAX_IO];
	char err[512];
	for (int i = 0; i < ni; i++) {
		tcc_tensor_info info;
		const char *file = NULL;
		if ((st = tcc_model_input_info(m, i, &info)) != TCC_OK)
			return die("tcc_model_input_info", st);
		size_t len = strlen(info.name);
		for (int a = 3; a < argc && !file; a++)
			if (!strncmp(argv[a], info.name, len) && argv[a][len] == '=')
				file = argv[a] + len + 1;
		if (!file) {
			fprintf(stderr, "rerun: no NAME=FILE.npy for input '%s'\n", info.name);
			return 2;
		}
		if (npy_read(file, &arrays[i], err, sizeof(err)) || arrays[i].rank > TCC_MAX_RANK) {
			fprintf(stderr, "rerun: %s\n", arrays[i].rank > TCC_MAX_RANK ? "rank too large" : err);
			return 2;
		}
		in[i] = (tcc_tensor){ .dtype = info.dtype, .rank = arrays[i].rank, .data = arrays[i].data,
				      .nbytes = arrays[i].nbytes };
		memcpy(in[i].dims, arrays[i].dims, sizeof(int64_t) * (size_t)arrays[i].rank);
	}
	if ((st = tcc_model_run(m, in, ni, first, no)) != TCC_OK)
		return die("run 1 (tcc-allocated outputs)", st);
	int rc = 0;
	for (int run = 2; run <= 3 && !rc; run++) {
		for (int k = 0; k < no; k++) {
			again[k] = first[k];
			again[k].nbytes = elems(&first[k]) * tcc_dtype_size(first[k].dtype);
			again[k].data = malloc(again[k].nbytes ? again[k].nbytes : 1);
			if (!again[k].data)
				return 2;
			memset(again[k].data, run == 2 ? 0xa5 : 0x00, again[k].nbytes);
		}
		void *mine[MAX_IO];
		for (int k = 0; k < no; k++)
			mine[k] = again[k].data;
		if ((st = tcc_model_run(m, in, ni, again, no)) != TCC_OK) {
			char what[64];
			snprintf(what, sizeof(what), "run %d (caller-owned outputs)", run);
			return die(what, st);
		}
		for (int k = 0; k < no && !rc; k++) {
			tcc_tensor_info info;
			tcc_model_output_info(m, k, &info);
			if (again[k].data != mine[k]) {
				printf("run %d replaced the caller-owned buffer of output '%s'\n", run, info.name);
				rc = 1;
			} else if (again[k].rank != first[k].rank ||
				   memcmp(again[k].dims, first[k].dims, sizeof(int64_t) * (size_t)first[k].rank) ||
				   memcmp(again[k].data, first[k].data, again[k].nbytes)) {
				printf("run %d: output '%s' differs from run 1\n", run, info.name);
				rc = 1;
			}
		}
		for (int k = 0; k < no; k++)
			free(mine[k]);
	}
	if (!rc)
		printf("3 runs in one process, bitwise identical\n");
	for (int k = 0; k < no; k++)
		tcc_free(first[k].data);
	for (int i = 0; i < ni; i++)
		npy_free(&arrays[i]);
	tcc_model_free(m);
	return rc;
}
