// SPDX-License-Identifier: MIT
/* tccctl: inspect and manage tcc.ko.  Dispatches to the subcommand files. */
#include <stdio.h>
#include <string.h>

#include "tccctl.h"

bool tccctl_json;

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tccctl [--json] <command> [args]\n"
		"\n"
		"commands:\n"
		"  status                 device, buffer-object counters and limits\n"
		"  bo list                every live buffer object\n"
		"  queues                 device queues and executors\n"
		"  queue N [--watch]      one queue, optionally refreshed live\n"
		"  weights ...            huge-page weight buffers (weights --help)\n"
		"  store ...              TCPStore (store --help)\n"
		"\n"
		"--json prints machine-readable output.  Exit status: 0 ok, 1 error,\n"
		"2 usage or command not in this build, 3 tcc.ko not loaded.\n");
}

int main(int argc, char **argv)
{
	/* The weak entry points are NULL when their file is not linked in. */
	const struct command commands[] = {
		{ "status", tccctl_cmd_status },
		{ "bo", tccctl_cmd_bo },
		{ "queues", tccctl_cmd_queues },
		{ "queue", tccctl_cmd_queues },
		{ "weights", tccctl_cmd_weights },
		{ "store", tccctl_cmd_store },
	};
	int n = 0;

	/* Drop --json wherever it is, so every subcommand sees it the same way. */
	for (int i = 0; i < argc; i++) {
		if (i > 0 && !strcmp(argv[i], "--json"))
			tccctl_json = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	argc = n;

	if (argc < 2) {
		usage(stderr);
		return TCCCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return TCCCTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (!commands[i].fn) {
			fprintf(stderr, "tccctl: '%s' is not available in this build\n", argv[1]);
			return TCCCTL_EXIT_USAGE;
		}
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "tccctl: unknown command '%s' (tccctl --help)\n", argv[1]);
	return TCCCTL_EXIT_USAGE;
}
