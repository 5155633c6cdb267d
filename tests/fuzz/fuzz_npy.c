// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for tcc-run's .npy reader (tools/tcc-run/npy.c): the
 * bytes are handed to npy_read() as a file (a memfd, so no disk I/O).
 */
#include "../../tools/tcc-run/npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[256];
	tcc_tensor t;
	int fd = memfd_create("npy", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (npy_read(path, &t, err, sizeof(err)) == 0)
			free(t.data);
	}
	close(fd);
	return 0;
}
