// SPDX-License-Identifier: MIT
/*
 * tcc-store: a PyTorch-compatible TCPStore server (see Documentation/tcpstore.md).
 * Logs to stderr; SIGTERM/SIGINT stop it cleanly; SIGUSR1 prints the stats.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include <tcc/store.h>

static tcc_store_server *server;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcc-store --port P [options]\n"
		"PyTorch-compatible TCPStore server (PyTorch 1.13, 2.0 and 2.1+ clients on one port).\n"
		"No authentication, as in PyTorch: anyone who reaches the port can read and\n"
		"change every key.  Bind to a private interface (--host) or firewall the port.\n\n"
		"  -p, --port P              TCP port (0: any free port, see --port-file)\n"
		"  -H, --host H              address to bind (default :: with fallback to 0.0.0.0)\n"
		"  -c, --max-clients N       open connections at most (default 65536)\n"
		"      --max-key-len B       bytes per key (default 65536)\n"
		"      --max-value-len B     bytes per value (default 16777216)\n"
		"      --max-keys-per-request N   keys in one CHECK/WAIT/MULTI_* (default 131072)\n"
		"      --max-conn-buffer B   unparsed bytes of one request (default 33554432)\n"
		"      --max-write-queue B   unsent reply bytes of one client; a reply counts as it is\n"
		"                            produced: one bigger than this is refused, one that does not\n"
		"                            fit yet waits for the client to read (default 16777216,\n"
		"                            raised to fit the largest value)\n"
		"      --max-memory B        unparsed requests + unsent replies of all clients together;\n"
		"                            past it the clients holding the most are closed, logged\n"
		"                            (default 268435456, raised to twice one client's two limits)\n"
		"      --max-waits N         pending key waits per connection (default 131072)\n"
		"      --max-store-bytes B   keys + values + queued items in total (default 2147483648)\n"
		"      --protocol P          numbering of clients that send no handshake (PyTorch 2.1+\n"
		"                            always sends one and is always recognised):\n"
		"                              auto  (default) serve what 1.13 and 2.0 agree on; APPEND,\n"
		"                                    MULTI_GET/SET or CANCEL_WAIT mark a client 2.0;\n"
		"                                    opcodes 7 and 8 from an unmarked client are refused\n"
		"                                    (closed and logged), never guessed\n"
		"                              1.13  no handshake = PyTorch 1.13 (DELETE_KEY 8)\n"
		"                              2.0   no handshake = PyTorch 2.0 series (DELETE_KEY 7, APPEND 8)\n"
		"      --backlog N           listen backlog (default: the kernel's somaxconn)\n"
		"      --port-file F         write the bound port to F once listening\n"
		"  -v, --verbose             log connections (twice: every request)\n"
		"  -h, --help                this text\n\n"
		"Signals: SIGTERM/SIGINT stop, SIGUSR1 prints stats to stderr.\n"
		"Stats over the wire: tccctl store stats --host H --port P [--json]\n");
}

static void print_stats(FILE *f)
{
	struct tcc_store_stats st;

	tcc_store_server_get_stats(server, &st);
	fprintf(f,
		"tcc-store: stats: clients %" PRIu64 " (1.13 %" PRIu64 ", 2.x %" PRIu64 ", waiting %" PRIu64
		"), keys %" PRIu64 ", queues %" PRIu64 ", store bytes %" PRIu64 ", ops %" PRIu64
		", bytes in %" PRIu64 " out %" PRIu64 ", accepted %" PRIu64 ", rejected %" PRIu64
		", dropped %" PRIu64 " (memory ceiling %" PRIu64 ", ambiguous opcode %" PRIu64
		"), connection buffers %" PRIu64 " bytes\n",
		st.clients, st.clients_v1, st.clients_v2, st.waiting_clients, st.keys, st.queues,
		st.store_bytes, st.ops, st.bytes_in, st.bytes_out, st.accepted, st.rejected, st.dropped,
		st.mem_closed, st.ambiguous, st.conn_bytes);
}

static void close_signal(uv_handle_t *h, void *arg)
{
	if (h->type == UV_SIGNAL && !uv_is_closing(h))
		uv_close(h, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	if (signum == SIGUSR1) {
		print_stats(stderr);
		return;
	}
	fprintf(stderr, "tcc-store: %s, stopping\n", strsignal(signum));
	print_stats(stderr);
	tcc_store_server_stop(server);
	uv_walk(h->loop, close_signal, NULL);
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v == 0 || v > SIZE_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_KEY = 256, O_VAL, O_KEYS, O_BUF, O_WQ, O_WAITS, O_STORE, O_BACKLOG, O_PORTFILE,
	       O_MEM, O_PROTO };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "max-clients", required_argument, NULL, 'c' },
		{ "max-key-len", required_argument, NULL, O_KEY },
		{ "max-value-len", required_argument, NULL, O_VAL },
		{ "max-keys-per-request", required_argument, NULL, O_KEYS },
		{ "max-conn-buffer", required_argument, NULL, O_BUF },
		{ "max-write-queue", required_argument, NULL, O_WQ },
		{ "max-waits", required_argument, NULL, O_WAITS },
		{ "max-store-bytes", required_argument, NULL, O_STORE },
		{ "max-memory", required_argument, NULL, O_MEM },
		{ "protocol", required_argument, NULL, O_PROTO },
		{ "backlog", required_argument, NULL, O_BACKLOG },
		{ "port-file", required_argument, NULL, O_PORTFILE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct tcc_store_server_opts o;
	const char *port_file = NULL;
	bool have_port = false;
	size_t v;
	int c;

	tcc_store_server_opts_init(&o);
	while ((c = getopt_long(argc, argv, "p:H:c:vh", longopts, NULL)) != -1) {
		size_t *field = NULL;

		switch (c) {
		case 'p': {
			char *end;
			long p = strtol(optarg, &end, 10);
			if (*end || end == optarg || p < 0 || p > 65535) {
				fprintf(stderr, "tcc-store: bad port '%s'\n", optarg);
				return 2;
			}
			o.port = (uint16_t)p;
			have_port = true;
			continue;
		}
		case 'H':
			o.host = optarg;
			continue;
		case 'v':
			o.verbose++;
			continue;
		case 'h':
			usage(stdout);
			return 0;
		case O_PORTFILE:
			port_file = optarg;
			continue;
		case O_PROTO:
			if (!strcmp(optarg, "auto")) {
				o.protocol = TCC_STORE_SERVE_AUTO;
			} else if (!strcmp(optarg, "1.13")) {
				o.protocol = TCC_STORE_SERVE_1_13;
			} else if (!strcmp(optarg, "2.0")) {
				o.protocol = TCC_STORE_SERVE_2_0;
			} else {
				fprintf(stderr, "tcc-store: bad --protocol '%s' (want auto, 1.13 or 2.0)\n", optarg);
				return 2;
			}
			continue;
		case O_BACKLOG:
			if (parse_size(optarg, &v) || v > INT_MAX)
				goto bad;
			o.backlog = (int)v;
			continue;
		case 'c': field = &o.limits.max_clients; break;
		case O_KEY: field = &o.limits.max_key_len; break;
		case O_VAL: field = &o.limits.max_value_len; break;
		case O_KEYS: field = &o.limits.max_keys_per_request; break;
		case O_BUF: field = &o.limits.max_conn_buffer; break;
		case O_WQ: field = &o.limits.max_conn_write_queue; break;
		case O_WAITS: field = &o.limits.max_waits_per_conn; break;
		case O_STORE: field = &o.limits.max_store_bytes; break;
		case O_MEM: field = &o.limits.max_memory; break;
		default:
			usage(stderr);
			return 2;
		}
		if (parse_size(optarg, field))
			goto bad;
	}
	if (!have_port || optind != argc) {
		usage(stderr);
		return 2;
	}

	/*
	 * Request and reply buffers of hundreds of KiB and more come and go with
	 * clients.  A fixed mmap threshold gives them their own mappings, returned
	 * to the kernel when freed and grown with mremap; glibc's default raises
	 * the threshold after the first such free and serves them from the heap,
	 * where freed pieces stay resident and the peak drifts above --max-memory.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 << 10);

	/* Every client is a file descriptor: take the hard limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	uv_loop_t *loop = uv_default_loop();
	if (tcc_store_server_start(loop, &o, &server)) {
		fprintf(stderr, "tcc-store: %s\n", tcc_last_error());
		return 1;
	}
	if (port_file) {
		char tmp[PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%u\n", tcc_store_server_port(server)) < 0 || fclose(f) ||
		    rename(tmp, port_file)) {
			fprintf(stderr, "tcc-store: cannot write %s: %s\n", port_file, strerror(errno));
			return 1;
		}
	}
	uv_signal_t sigs[3];
	int signums[3] = { SIGTERM, SIGINT, SIGUSR1 };
	for (int i = 0; i < 3; i++) {
		uv_signal_init(loop, &sigs[i]);
		uv_signal_start(&sigs[i], on_signal, signums[i]);
	}
	uv_run(loop, UV_RUN_DEFAULT);	/* returns once a signal closed everything */
	int rc = uv_loop_close(loop);
	fprintf(stderr, "tcc-store: stopped%s\n", rc ? " (handles left open)" : "");
	return 0;
bad:
	fprintf(stderr, "tcc-store: bad value '%s' (want a positive number)\n", optarg);
	return 2;
}
