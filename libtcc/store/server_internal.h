/* SPDX-License-Identifier: MIT */
/* Internal to the store server: connections, waits and the command layer. */
#ifndef TCC_STORE_SERVER_INTERNAL_H
#define TCC_STORE_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

#include <tcc/store.h>

#include "store/table.h"
#include "store/wire.h"

enum conn_proto {
	PROTO_UNKNOWN,	/* nothing decisive received yet */
	PROTO_LEGACY,	/* no handshake, generation not known yet (--protocol auto) */
	PROTO_V1,	/* no handshake, PyTorch 1.13 numbering */
	PROTO_V20,	/* no handshake, PyTorch 2.0-series numbering */
	PROTO_V2,	/* PyTorch 2.1+: sent VALIDATE with the magic */
};

/* One pending WAIT: parked on every key that was missing when it arrived. */
struct store_wait {
	TAILQ_ENTRY(store_wait) by_conn;
	struct store_conn *conn;
	size_t remaining;	/* links still attached to a key */
	size_t nlinks;
	struct store_wait_link links[];
};

struct store_conn {
	uv_tcp_t tcp;
	struct tcc_store_server *srv;
	TAILQ_ENTRY(store_conn) all;
	TAILQ_ENTRY(store_conn) dirty;	/* has replies not yet handed to the socket */
	bool is_dirty, closing, paused, pause_logged;
	bool blocked;		/* a request waits for room in the write queue */
	enum conn_proto proto;
	uint64_t id;
	struct store_buf in;	/* unparsed bytes of a partly received request */
	size_t need;		/* bytes the partial request needs at least */
	struct store_buf out;	/* replies of this round, flushed at its end */
	size_t wq_bytes;	/* bytes of handed-over writes not yet completed */
	size_t accounted;	/* this connection's share of srv->held */
	TAILQ_HEAD(, store_wait) waits;
	size_t wait_links;
	char peer[64];
};

struct tcc_store_server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	bool listening, stopping;
	uint16_t port;
	int verbose;
	struct tcc_store_limits lim;
	enum tcc_store_server_protocol protocol;
	struct store_table table;
	TAILQ_HEAD(, store_conn) conns;
	TAILQ_HEAD(, store_conn) dirty;
	size_t open_handles;	/* listener + connections not yet closed */
	size_t held;		/* request and reply buffers of all connections */
	uint64_t last_mem_log;
	uint64_t next_id;
	uint64_t last_reject_log;
	struct tcc_store_stats st;
	char rbuf[64 * 1024];	/* read buffer shared by all connections (one loop thread) */
};

enum req_result { REQ_DONE, REQ_MORE, REQ_ERROR, REQ_BLOCKED };

/*
 * Parse one request at @p (@len bytes available) and execute it if it is
 * complete.  REQ_DONE: *used bytes consumed; REQ_MORE: incomplete, nothing
 * done, conn->need updated; REQ_BLOCKED: complete but its reply does not fit
 * in the write queue yet, nothing done; REQ_ERROR: *err says why the
 * connection must go.
 */
enum req_result store_handle_request(struct store_conn *c, const uint8_t *p, size_t len,
				     size_t *used, char *err, size_t errlen);

/* Queue reply bytes on @c (flushed at the end of the loop round). */
void store_conn_reply(struct store_conn *c, const void *p, size_t n);
struct store_buf *store_conn_out(struct store_conn *c);
void store_conn_mark_dirty(struct store_conn *c);
void store_conn_drop_waits(struct store_conn *c);

/* Reply bytes of @c not yet on the wire (this round's + the write queue). */
size_t store_conn_pending(struct store_conn *c);
/*
 * Make room for @n more bytes under the server's memory ceiling, closing the
 * connections that hold the most if they hold more than @c would.  False
 * when @c itself is the one to refuse.
 */
bool store_mem_reserve(struct store_conn *c, size_t n);

const char *store_conn_peer(struct store_conn *c, int level);

void store_log(struct tcc_store_server *srv, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
