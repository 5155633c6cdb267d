// SPDX-License-Identifier: MIT
/* tccctl status: is the module there, and its buffer-object counters. */
#include <inttypes.h>
#include <string.h>

#include "tccctl.h"

static const char *const counters[] = {
	"bo_count", "bos_created", "pinned_bytes", "pinned_limit_bytes", "pinned_refusals",
};
#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))

static void not_loaded_json(void)
{
	printf("{\"loaded\": false, \"error\": \"tcc.ko is not loaded (no /dev/dri render node with driver 'tcc')\"}\n");
}

int tccctl_cmd_status(int argc, char **argv)
{
	struct tccctl_device dev;
	uint64_t v[NCOUNTERS];
	char a[32], b[32];
	int rc;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help")) {
			printf("usage: tccctl [--json] status\n");
			return TCCCTL_EXIT_OK;
		}
		fprintf(stderr, "tccctl status: unexpected argument '%s'\n", argv[1]);
		return TCCCTL_EXIT_USAGE;
	}
	rc = tccctl_find_device(&dev);
	if (rc) {
		if (tccctl_json)
			not_loaded_json();
		return rc;
	}
	for (size_t i = 0; i < NCOUNTERS; i++) {
		rc = tccctl_sysfs_u64(&dev, counters[i], &v[i]);
		if (rc) {
			fprintf(stderr, "tccctl: reading %s/%s: %s\n", dev.sysfs, counters[i], strerror(-rc));
			return TCCCTL_EXIT_ERROR;
		}
	}

	if (tccctl_json) {
		printf("{\"loaded\": true, \"node\": ");
		tccctl_json_str(stdout, dev.node);
		printf(", \"sysfs\": ");
		tccctl_json_str(stdout, dev.sysfs);
		for (size_t i = 0; i < NCOUNTERS; i++)
			printf(", \"%s\": %" PRIu64, counters[i], v[i]);
		printf("}\n");
		return TCCCTL_EXIT_OK;
	}
	printf("tcc.ko loaded: %s (%s)\n", dev.node, dev.sysfs);
	printf("buffer objects: %" PRIu64 " live, %" PRIu64 " created since load\n", v[0], v[1]);
	printf("pinned memory:  %s of %s limit, %" PRIu64 " refused creates\n",
	       tccctl_human_bytes(v[2], a, sizeof(a)), tccctl_human_bytes(v[3], b, sizeof(b)), v[4]);
	return TCCCTL_EXIT_OK;
}
