// SPDX-License-Identifier: MIT
/*
 * Replays a libFuzzer harness over corpus files without libFuzzer (built
 * with the ordinary compiler for `make check`): one TAP line per file, in
 * the order given.  A crash ends the process, which run.sh reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int bad = 0;

	printf("1..%d\n", argc - 1);
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		long n = -1;

		if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
		    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			fflush(stdout);
			LLVMFuzzerTestOneInput(buf, (size_t)n);
			printf("ok %d - %s\n", i, argv[i]);
		} else {
			printf("not ok %d - %s: cannot read\n", i, argv[i]);
			bad = 1;
		}
		free(buf);
		if (f)
			fclose(f);
	}
	return bad;
}
