// SPDX-License-Identifier: MIT
/* tccctl bo list: every live buffer object, from the module's sysfs "bos". */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tccctl.h"

struct bo_line {
	uint64_t id, size;
	unsigned int flags;
	int pinned, imported, pid;
};

static int list(void)
{
	struct tccctl_device dev;
	static char buf[65536];
	char *save = NULL, *line;
	bool first = true, truncated = false;
	int rc;

	rc = tccctl_find_device(&dev);
	if (rc) {
		if (tccctl_json)
			printf("{\"loaded\": false, \"bos\": []}\n");
		return rc;
	}
	rc = tccctl_sysfs_read(&dev, "bos", buf, sizeof(buf));
	if (rc) {
		fprintf(stderr, "tccctl: reading %s/bos: %s\n", dev.sysfs, strerror(-rc));
		return TCCCTL_EXIT_ERROR;
	}

	if (tccctl_json)
		printf("{\"loaded\": true, \"bos\": [");
	else
		printf("%-8s %12s  %-7s %-6s %-8s %s\n", "ID", "SIZE", "FLAGS", "PINNED", "IMPORTED", "PID");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct bo_line b;
		char size[32];

		if (!strcmp(line, "...")) {
			truncated = true;
			continue;
		}
		if (sscanf(line, "%" SCNu64 " %" SCNu64 " %x %d %d %d", &b.id, &b.size, &b.flags,
			   &b.pinned, &b.imported, &b.pid) != 6) {
			fprintf(stderr, "tccctl: unexpected line in %s/bos: '%s'\n", dev.sysfs, line);
			return TCCCTL_EXIT_ERROR;
		}
		if (tccctl_json) {
			printf("%s{\"id\": %" PRIu64 ", \"size\": %" PRIu64 ", \"flags\": %u, "
			       "\"pinned\": %s, \"imported\": %s, \"pid\": %d}",
			       first ? "" : ", ", b.id, b.size, b.flags, b.pinned ? "true" : "false",
			       b.imported ? "true" : "false", b.pid);
		} else {
			printf("%-8" PRIu64 " %12s  %-7s %-6s %-8s %d\n", b.id,
			       tccctl_human_bytes(b.size, size, sizeof(size)),
			       b.flags & 1 ? "PINNED" : "-", b.pinned ? "yes" : "no",
			       b.imported ? "yes" : "no", b.pid);
		}
		first = false;
	}
	if (tccctl_json)
		printf("], \"truncated\": %s}\n", truncated ? "true" : "false");
	else if (truncated)
		printf("(list cut short by the one-page sysfs limit; see 'tccctl status' for the count)\n");
	return TCCCTL_EXIT_OK;
}

int tccctl_cmd_bo(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return list();
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: tccctl [--json] bo list\n");
		return TCCCTL_EXIT_OK;
	}
	fprintf(stderr, "usage: tccctl [--json] bo list\n");
	return TCCCTL_EXIT_USAGE;
}
