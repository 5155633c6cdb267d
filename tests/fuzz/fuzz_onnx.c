// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: bytes -> tcc_model_load_buffer() -> one run on
 * zero-filled inputs.  Symbolic input dims are taken as 1.  Ceilings are
 * small so that a mutated dim cannot make the harness itself the problem:
 * a model that needs more is refused with an error, which is a pass.
 * Errors are the expected outcome for most inputs; only crashes, hangs
 * and sanitizer reports are findings.
 */
#include <tcc/tcc.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_BYTES ((size_t)1 << 20)

static void run_once(tcc_model *m)
{
	int ni = tcc_model_num_inputs(m), no = tcc_model_num_outputs(m);
	tcc_tensor in[16], out[16];
	size_t total = 0;

	if (ni < 0 || no < 0 || ni > 16 || no > 16)
		return;
	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	for (int i = 0; i < ni; i++) {
		tcc_tensor_info info;
		size_t n = 1;

		if (tcc_model_input_info(m, i, &info) != TCC_OK)
			goto out;
		in[i].dtype = info.dtype;
		in[i].rank = info.rank;
		for (int d = 0; d < info.rank; d++) {
			in[i].dims[d] = info.dims[d] < 0 ? 1 : info.dims[d];
			if (__builtin_mul_overflow(n, (size_t)in[i].dims[d], &n))
				goto out;
		}
		if (__builtin_mul_overflow(n, tcc_dtype_size(info.dtype), &n) || n > FUZZ_MAX_BYTES ||
		    (total += n) > FUZZ_MAX_BYTES)
			goto out;
		in[i].nbytes = n;
		in[i].data = calloc(1, n ? n : 1);
		if (!in[i].data)
			goto out;
	}
	if (tcc_model_run(m, in, ni, out, no) == TCC_OK) {
		for (int k = 0; k < no; k++)
			tcc_free(out[k].data);
	} else if (getenv("TCC_FUZZ_VERBOSE")) {
		fprintf(stderr, "run: %s\n", tcc_last_error());
	}
out:
	for (int i = 0; i < ni; i++)
		free(in[i].data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tcc_options o = {
		.threads = 1,
		.opt_level = 0,		/* reference kernels: no code generation per input */
		.max_tensor_bytes = FUZZ_MAX_BYTES,
		.max_fold_bytes = FUZZ_MAX_BYTES,
	};
	tcc_model *m;

	if (tcc_model_load_buffer(&m, data, size, &o) != TCC_OK) {
		if (getenv("TCC_FUZZ_VERBOSE"))	/* why a seed does not load */
			fprintf(stderr, "load: %s\n", tcc_last_error());
		return 0;
	}
	run_once(m);
	tcc_model_free(m);
	return 0;
}
