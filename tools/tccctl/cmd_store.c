// SPDX-License-Identifier: MIT
/*
 * tccctl store: talk to a tcc-store (or any PyTorch 2.x TCPStore) server.
 *   tccctl store stats   [--host H] [--port P] [--json]
 *   tccctl store ping    [--host H] [--port P]
 *   tccctl store get KEY [--host H] [--port P] [--timeout MS]
 *   tccctl store set KEY VALUE [--host H] [--port P]
 *   tccctl store num-keys [--host H] [--port P]
 * Stats use tcc-store's own opcode (0xF0, after the usual VALIDATE): a plain
 * PyTorch server closes the connection on it, which is reported as such.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tcc/store.h>

#include "tccctl.h"

#define DEFAULT_PORT 29500	/* PyTorch's usual MASTER_PORT */

static void store_usage(FILE *f)
{
	fprintf(f,
		"usage: tccctl store stats    [--host H] [--port P] [--json]\n"
		"       tccctl store ping     [--host H] [--port P]\n"
		"       tccctl store get KEY  [--host H] [--port P] [--timeout MS]\n"
		"       tccctl store set KEY VALUE [--host H] [--port P]\n"
		"       tccctl store num-keys [--host H] [--port P]\n"
		"Keys are user keys as PyTorch's Python API sees them (\"/\" is prefixed on the wire).\n"
		"Defaults: --host 127.0.0.1 --port %d --timeout 5000.\n",
		DEFAULT_PORT);
}

/* The server's stats are a flat JSON object of integers: print "name: value" lines. */
static void print_stats_text(const char *json)
{
	const char *p = json;

	while ((p = strchr(p, '"'))) {
		const char *end = strchr(p + 1, '"');
		unsigned long long v;

		if (!end || sscanf(end + 1, ":%llu", &v) != 1)
			break;
		printf("%-16.*s %llu\n", (int)(end - p - 1), p + 1, v);
		p = strchr(end + 1, ',');
		if (!p)
			break;
	}
}

int tccctl_cmd_store(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *host = "127.0.0.1";
	long port = DEFAULT_PORT, timeout = 5000;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "H:p:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			host = optarg;
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 't':
			timeout = strtol(optarg, NULL, 10);
			break;
		case 'h':
			store_usage(stdout);
			return TCCCTL_EXIT_OK;
		default:
			store_usage(stderr);
			return TCCCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc || port <= 0 || port > 65535 || timeout <= 0) {
		store_usage(stderr);
		return TCCCTL_EXIT_USAGE;
	}
	const char *verb = argv[optind];
	char **args = argv + optind + 1;
	int nargs = argc - optind - 1;
	int want = !strcmp(verb, "get") ? 1 : !strcmp(verb, "set") ? 2 : 0;
	if (nargs != want || (!want && strcmp(verb, "stats") && strcmp(verb, "ping") &&
			      strcmp(verb, "num-keys"))) {
		store_usage(stderr);
		return TCCCTL_EXIT_USAGE;
	}

	struct tcc_store_client_opts o;
	tcc_store *s;
	tcc_store_client_opts_init(&o);
	o.timeout_ms = (int)timeout;
	if (tcc_store_connect(host, (uint16_t)port, &o, &s)) {
		fprintf(stderr, "tccctl store: %s\n", tcc_last_error());
		return TCCCTL_EXIT_ERROR;
	}
	tcc_status st = TCC_OK;
	if (!strcmp(verb, "stats")) {
		char *json = NULL;

		st = tcc_store_query_stats(s, &json);
		if (!st) {
			if (tccctl_json)
				printf("%s\n", json);
			else
				print_stats_text(json);
			free(json);
		}
	} else if (!strcmp(verb, "ping")) {
		st = tcc_store_ping(s);
		if (!st)
			printf("%s:%ld: alive\n", host, port);
	} else if (!strcmp(verb, "num-keys")) {
		int64_t n;

		st = tcc_store_num_keys(s, &n);
		if (!st)
			printf("%lld\n", (long long)n);
	} else if (!strcmp(verb, "get")) {
		void *v;
		size_t n;

		st = tcc_store_get(s, args[0], &v, &n);
		if (!st) {
			fwrite(v, 1, n, stdout);
			putchar('\n');
			free(v);
		}
	} else {
		st = tcc_store_set(s, args[0], args[1], strlen(args[1]));
		if (!st)
			st = tcc_store_ping(s);	/* SET has no reply: make sure it arrived */
	}
	if (st)
		fprintf(stderr, "tccctl store %s: %s\n", verb, tcc_last_error());
	tcc_store_disconnect(s);
	return st ? TCCCTL_EXIT_ERROR : TCCCTL_EXIT_OK;
}
