// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for tcc-store's request parser and command layer
 * (store_handle_request), the code every byte from the network reaches.
 *
 * Build and run from the repository root (Debian: clang-14 libfuzzer-14-dev libuv1-dev):
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ilibtcc tests/fuzz/fuzz_store_request.c libtcc/store/server_cmds.c libtcc/store/server.c libtcc/store/table.c libtcc/store/wire.c libtcc/common/error.c $(pkg-config --cflags --libs libuv) -o build/fuzz_store_request && build/fuzz_store_request -max_total_time=60 tests/fuzz/corpus/store_request
 *
 * Input: byte 0 picks the server's --protocol (bits 0-1) and the size of the
 * pieces the bytes arrive in (bits 2-7, as 1.13 clients split requests);
 * byte 1 splits the rest between two connections, which share one key
 * table, so one's writes wake the other's waits.  Each connection is driven
 * the way server.c drives it: parse what has arrived, keep an incomplete
 * tail, retry a blocked reply once the client has "read", start afresh
 * after an error.  Checked besides the sanitizers: the parser never claims
 * more bytes than it was given, never asks for bytes it already has, never
 * blocks a reply twice in a row, and the table's byte count matches what it
 * holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/server_internal.h"

#define VALUE_MAX 4096

static void die(const char *what)
{
	fprintf(stderr, "fuzz_store_request: %s\n", what);
	abort();
}

struct feed {
	struct store_conn *c;
	struct store_buf in;
};

static void conn_reset(struct feed *f)
{
	store_conn_drop_waits(f->c);
	store_buf_reset(&f->in);
	store_buf_reset(&f->c->out);
	f->c->proto = PROTO_UNKNOWN;
	f->c->need = 0;
}

/* Deliver @n bytes to @f's connection and run every complete request. */
static void deliver(struct feed *f, const uint8_t *p, size_t n)
{
	char err[256];

	store_buf_put(&f->in, p, n);
	if (f->in.oom)
		die("out of memory in the harness");
	size_t pos = 0;
	bool blocked_before = false;
	while (pos < f->in.len) {
		size_t used = 0, avail = f->in.len - pos;

		f->c->need = 0;
		enum req_result r = store_handle_request(f->c, f->in.data + pos, avail, &used, err,
							 sizeof(err));
		if (r == REQ_DONE) {
			if (used == 0 || used > avail)
				die("REQ_DONE with an impossible byte count");
			pos += used;
			blocked_before = false;
		} else if (r == REQ_MORE) {
			if (f->c->need <= avail)
				die("REQ_MORE although the bytes it needs are there");
			break;
		} else if (r == REQ_BLOCKED) {
			if (blocked_before)
				die("a reply blocked again with an empty write queue");
			store_buf_reset(&f->c->out);	/* the client reads */
			blocked_before = true;
		} else {
			if (!err[0])
				die("REQ_ERROR without a reason");
			conn_reset(f);	/* closed; the peer reconnects */
			return;
		}
	}
	memmove(f->in.data, f->in.data + pos, f->in.len - pos);
	f->in.len -= pos;
}

static size_t table_bytes(const struct store_table *t)
{
	size_t sum = 0;

	for (size_t b = 0; b < t->nbuckets; b++)
		for (const struct store_entry *e = t->buckets[b]; e; e = e->chain) {
			const struct store_qitem *it;

			sum += e->klen + (e->has_value ? e->vlen : 0);
			STAILQ_FOREACH(it, &e->queue, next)
				sum += it->len;
		}
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;

	struct tcc_store_server *srv = calloc(1, sizeof(*srv));
	struct store_conn *conns = calloc(2, sizeof(*conns));
	struct feed feeds[2];

	if (!srv || !conns || !store_table_init(&srv->table))
		die("out of memory in the harness");
	srv->verbose = -1;	/* silent */
	srv->protocol = (enum tcc_store_server_protocol)(data[0] & 3) % 3;
	srv->lim = (struct tcc_store_limits){
		.max_key_len = 256, .max_value_len = VALUE_MAX, .max_keys_per_request = 64,
		.max_conn_buffer = 1 << 16, .max_conn_write_queue = VALUE_MAX + 64,
		.max_waits_per_conn = 64, .max_clients = 2, .max_store_bytes = 1 << 16,
		.max_memory = 1 << 24,
	};
	TAILQ_INIT(&srv->conns);
	TAILQ_INIT(&srv->dirty);
	for (int i = 0; i < 2; i++) {
		conns[i].srv = srv;
		conns[i].id = (uint64_t)i + 1;
		TAILQ_INIT(&conns[i].waits);
		TAILQ_INSERT_TAIL(&srv->conns, &conns[i], all);
		feeds[i] = (struct feed){ .c = &conns[i] };
	}

	size_t piece = (size_t)(data[0] >> 2) + 1;
	const uint8_t *body = data + 2;
	size_t n = size - 2, split = n * data[1] / 255;
	size_t at[2] = { 0, split }, end[2] = { split, n };

	/* Interleave the two connections' pieces. */
	for (unsigned step = 0; at[0] < end[0] || at[1] < end[1]; step++) {
		for (int i = 0; i < 2; i++) {
			size_t k = end[i] - at[i] < piece ? end[i] - at[i] : piece;

			if (k) {
				deliver(&feeds[i], body + at[i], k);
				at[i] += k;
			}
		}
		/* A walk of the whole table: every 64 pieces, and at the end. */
		if ((step % 64 == 63 || (at[0] == end[0] && at[1] == end[1])) &&
		    table_bytes(&srv->table) != srv->table.bytes)
			die("the table's byte count does not match its contents");
		/* Keys parked for waits are the only bytes not checked against the limit. */
		if (srv->table.bytes > srv->lim.max_store_bytes + 2 * 64 * 256)
			die("the store grew past max_store_bytes");
	}

	for (int i = 0; i < 2; i++) {
		store_conn_drop_waits(&conns[i]);
		store_buf_free(&feeds[i].in);
		store_buf_free(&conns[i].out);
	}
	/* With every wait gone, an entry must hold a value or a queued item. */
	for (size_t b = 0; b < srv->table.nbuckets; b++)
		for (const struct store_entry *e = srv->table.buckets[b]; e; e = e->chain)
			if (!e->has_value && !e->qlen)
				die("an entry with no value, queue or waiter was left behind");
	store_table_free(&srv->table);
	free(conns);
	free(srv);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
/*
 * Without libFuzzer (make check): run every input file named on the command
 * line through the harness once.  A failed check aborts with its reason.
 */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		struct store_buf b = { 0 };
		uint8_t chunk[4096];
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			store_buf_put(&b, chunk, n);
		fclose(f);
		if (b.oom)
			die("out of memory reading an input");
		LLVMFuzzerTestOneInput(b.data, b.len);
		store_buf_free(&b);
	}
	printf("fuzz_store_request: %d inputs replayed\n", argc - 1);
	return 0;
}
#endif
