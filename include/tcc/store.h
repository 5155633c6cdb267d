/* SPDX-License-Identifier: MIT */
/*
 * tcc store: a TCPStore server and clients that speak PyTorch's c10d TCPStore
 * wire protocol, so torch.distributed jobs can use tcc-store as their
 * rendezvous store unchanged (Documentation/tcpstore.md).
 *
 * Two protocol generations exist: the current one (PyTorch 2.x: VALIDATE
 * handshake, PING, APPEND, MULTI_GET/SET, CANCEL_WAIT, queues) and the older
 * one of PyTorch 1.13 (no handshake, opcodes shifted by one).  The server
 * accepts both on the same port; a client speaks one, chosen at connect time.
 *
 * Keys are NUL-terminated strings.  Like PyTorch's TCPStore client, the
 * clients put "/" in front of every key on the wire (so tcc_store_get(s, "x")
 * reads what Python's store.set("x", ...) wrote) unless raw_keys is set.
 * Values are byte strings; values returned to the caller are malloc()ed and
 * the caller free()s them.
 */
#ifndef TCC_STORE_H
#define TCC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tcc/status.h>

#ifdef __cplusplus
extern "C" {
#endif

struct uv_loop_s; /* libuv's uv_loop_t, so this header does not need <uv.h> */

/* ------------------------------------------------------------------ server */

/*
 * Limits that keep one client from making the server grow without bound.
 * A request that breaks one closes that client's connection with a logged
 * reason; everyone else is served on.  0 in any field means "the default".
 */
struct tcc_store_limits {
	size_t max_key_len;		/* bytes per key (default 64 KiB) */
	size_t max_value_len;		/* bytes per value (default 16 MiB) */
	size_t max_keys_per_request;	/* CHECK/WAIT/MULTI_* counts (default 128 Ki) */
	size_t max_conn_buffer;		/* one unparsed request (default 32 MiB; raised to fit a value) */
	size_t max_conn_write_queue;	/* unsent replies before reading pauses (default 16 MiB) */
	size_t max_waits_per_conn;	/* pending key waits of one connection (default 128 Ki) */
	size_t max_clients;		/* open connections (default 65536) */
	size_t max_store_bytes;		/* keys + values + queued items, all clients (default 2 GiB) */
	/*
	 * Partly received requests + unsent replies of all connections together
	 * (default 256 MiB).  Past it the connections holding the most are
	 * closed, with a logged reason, so new clients are still served.
	 */
	size_t max_memory;
};

/*
 * How the server numbers the requests of a client that sent no VALIDATE
 * handshake.  PyTorch 2.1 and later are recognised by their handshake; 1.13
 * and the 2.0 series send none and disagree on opcodes 7 and 8.
 */
enum tcc_store_server_protocol {
	TCC_STORE_SERVE_AUTO = 0,	/* serve what means the same in both; a 2.0-only opcode marks
					 * the connection 2.0; 7 and 8 before that close it, logged */
	TCC_STORE_SERVE_1_13,		/* no handshake = PyTorch 1.13 (WATCH_KEY 7, DELETE_KEY 8) */
	TCC_STORE_SERVE_2_0,		/* no handshake = the 2.0 series (DELETE_KEY 7, APPEND 8) */
};

struct tcc_store_server_opts {
	const char *host;	/* address to bind (default "::", falls back to "0.0.0.0") */
	uint16_t port;		/* 0 picks a free port: see tcc_store_server_port() */
	int backlog;		/* listen backlog (default: the kernel's somaxconn) */
	int verbose;		/* 0: warnings only, 1: + connections, 2: + every request */
	struct tcc_store_limits limits;
	enum tcc_store_server_protocol protocol;	/* clients without handshake (default auto) */
};

/* Counters, as printed on SIGUSR1 and by `tccctl store stats`. */
struct tcc_store_stats {
	uint64_t clients;		/* open connections */
	uint64_t clients_v1;		/* ... of which speak the PyTorch 1.13 protocol */
	uint64_t clients_v2;		/* ... of which validated as PyTorch 2.x */
	uint64_t keys;			/* keys with a value */
	uint64_t queues;		/* non-empty queues */
	uint64_t waiting_clients;	/* connections with a pending WAIT */
	uint64_t store_bytes;		/* accounted bytes of keys, values, queue items */
	uint64_t ops;			/* requests served since start */
	uint64_t bytes_in, bytes_out;	/* socket payload since start */
	uint64_t accepted;		/* connections accepted since start */
	uint64_t rejected;		/* refused: over max_clients */
	uint64_t dropped;		/* closed for a protocol error or limit */
	uint64_t conn_bytes;		/* request + reply buffers now held (against max_memory) */
	uint64_t mem_closed;		/* ... of dropped: closed at the max_memory ceiling */
	uint64_t ambiguous;		/* ... of dropped: opcode 7/8 without handshake in auto mode */
};

typedef struct tcc_store_server tcc_store_server;

void tcc_store_server_opts_init(struct tcc_store_server_opts *opts);

/* Bind and listen on @loop; requests are served while the caller runs the loop. */
tcc_status tcc_store_server_start(struct uv_loop_s *loop, const struct tcc_store_server_opts *opts,
				  tcc_store_server **out);

/* The port actually bound (useful with port 0). */
uint16_t tcc_store_server_port(const tcc_store_server *srv);

void tcc_store_server_get_stats(const tcc_store_server *srv, struct tcc_store_stats *st);

/* Stats as a one-line JSON object (malloc()ed, caller frees); NULL on no memory. */
char *tcc_store_stats_json(const struct tcc_store_stats *st);

/*
 * Stop listening and close every connection.  The server frees itself once
 * libuv has closed all its handles, i.e. during the caller's next uv_run().
 */
void tcc_store_server_stop(tcc_store_server *srv);

/* ----------------------------------------------------------------- clients */

enum tcc_store_protocol {
	TCC_STORE_PROTO_V2 = 0,	/* PyTorch 2.x: VALIDATE + PING on connect */
	TCC_STORE_PROTO_V1 = 1,	/* PyTorch 1.13: talks to 1.13's own server */
};

struct tcc_store_client_opts {
	enum tcc_store_protocol protocol;
	int timeout_ms;		/* connect retries and default wait/get timeout (default 300000) */
	int64_t world_size;	/* > 0: register as a worker with ADD("init/", 1), like PyTorch */
	bool raw_keys;		/* true: send keys as given, without the "/" prefix */
};

void tcc_store_client_opts_init(struct tcc_store_client_opts *opts);

/* Blocking client: one TCP connection; not thread-safe (one thread at a time). */
typedef struct tcc_store tcc_store;

tcc_status tcc_store_connect(const char *host, uint16_t port, const struct tcc_store_client_opts *opts,
			     tcc_store **out);
void tcc_store_disconnect(tcc_store *s);

/* Default timeout of get/wait/multi_get/blocking queue_pop (ms, > 0). */
tcc_status tcc_store_set_timeout(tcc_store *s, int timeout_ms);

tcc_status tcc_store_set(tcc_store *s, const char *key, const void *val, size_t len);
/* Waits for the key up to the timeout (TCC_ERR_TIMEOUT), then reads it. */
tcc_status tcc_store_get(tcc_store *s, const char *key, void **val, size_t *len);
/* Adds @delta to the decimal integer stored at @key (missing = 0). */
tcc_status tcc_store_add(tcc_store *s, const char *key, int64_t delta, int64_t *result);
/*
 * PyTorch's compare_set: if the key holds @expected (or is missing and
 * @expected is empty) it becomes @desired.  *cur gets the value after the
 * call; for a missing key with non-empty @expected that is @expected itself
 * (PyTorch's rule).
 */
tcc_status tcc_store_compare_set(tcc_store *s, const char *key, const void *expected, size_t elen,
				 const void *desired, size_t dlen, void **cur, size_t *curlen);
tcc_status tcc_store_check(tcc_store *s, const char *const *keys, size_t n, bool *ready);
/* timeout_ms < 0: the store's default timeout. */
tcc_status tcc_store_wait(tcc_store *s, const char *const *keys, size_t n, int timeout_ms);
tcc_status tcc_store_delete(tcc_store *s, const char *key, bool *deleted);
tcc_status tcc_store_num_keys(tcc_store *s, int64_t *n);

/* 2.x only (TCC_ERR_UNSUPPORTED in V1 mode): */
tcc_status tcc_store_append(tcc_store *s, const char *key, const void *val, size_t len);
/* Waits for all keys, then fills vals[i]/lens[i] (each malloc()ed). */
tcc_status tcc_store_multi_get(tcc_store *s, const char *const *keys, size_t n, void **vals,
			       size_t *lens);
tcc_status tcc_store_multi_set(tcc_store *s, const char *const *keys, size_t n,
			       const void *const *vals, const size_t *lens);
tcc_status tcc_store_ping(tcc_store *s);
tcc_status tcc_store_queue_push(tcc_store *s, const char *key, const void *val, size_t len);
/* Empty queue: TCC_ERR_NOT_FOUND, or with @block wait for an item up to the timeout. */
tcc_status tcc_store_queue_pop(tcc_store *s, const char *key, bool block, void **val, size_t *len);
tcc_status tcc_store_queue_len(tcc_store *s, const char *key, int64_t *len);
/* tcc-store only: the server's counters as JSON (malloc()ed). */
tcc_status tcc_store_query_stats(tcc_store *s, char **json);

/*
 * Asynchronous client on the caller's libuv loop.  Requests are queued in
 * call order; each callback runs on the loop thread with the outcome.
 * Value pointers in a reply are valid only during the callback.  Requests
 * behind a pending WAIT are held back until it ends (the protocol answers a
 * WAIT out of order).  Closing fails every pending request with TCC_ERR_CLOSED.
 */
typedef struct tcc_store_async tcc_store_async;

struct tcc_store_reply {
	tcc_status status;	/* TCC_OK, TCC_ERR_TIMEOUT, TCC_ERR_CLOSED, ... */
	int64_t integer;	/* add, num_keys, queue_len; delete: 1/0; check: 1 ready */
	const void *value;	/* get, compare_set, queue_pop */
	size_t len;
};

typedef void (*tcc_store_cb)(tcc_store_async *a, const struct tcc_store_reply *r, void *user);

/* @on_connected runs once the connection is up and (V2) validated, or failed. */
tcc_status tcc_store_async_connect(struct uv_loop_s *loop, const char *host, uint16_t port,
				   const struct tcc_store_client_opts *opts, tcc_store_cb on_connected,
				   void *user, tcc_store_async **out);
/* Fails pending requests, closes; memory is released during the next uv_run(). */
void tcc_store_async_close(tcc_store_async *a);

/* set/append/queue_push have no reply: @cb (may be NULL) runs once written. */
tcc_status tcc_store_async_set(tcc_store_async *a, const char *key, const void *val, size_t len,
			       tcc_store_cb cb, void *user);
tcc_status tcc_store_async_append(tcc_store_async *a, const char *key, const void *val, size_t len,
				  tcc_store_cb cb, void *user);
/* Waits for the key (store timeout), then gets it. */
tcc_status tcc_store_async_get(tcc_store_async *a, const char *key, tcc_store_cb cb, void *user);
tcc_status tcc_store_async_add(tcc_store_async *a, const char *key, int64_t delta, tcc_store_cb cb,
			       void *user);
tcc_status tcc_store_async_compare_set(tcc_store_async *a, const char *key, const void *expected,
				       size_t elen, const void *desired, size_t dlen,
				       tcc_store_cb cb, void *user);
tcc_status tcc_store_async_check(tcc_store_async *a, const char *const *keys, size_t n,
				 tcc_store_cb cb, void *user);
tcc_status tcc_store_async_wait(tcc_store_async *a, const char *const *keys, size_t n,
				int timeout_ms, tcc_store_cb cb, void *user);
tcc_status tcc_store_async_delete(tcc_store_async *a, const char *key, tcc_store_cb cb, void *user);
tcc_status tcc_store_async_num_keys(tcc_store_async *a, tcc_store_cb cb, void *user);
tcc_status tcc_store_async_ping(tcc_store_async *a, tcc_store_cb cb, void *user);
tcc_status tcc_store_async_queue_push(tcc_store_async *a, const char *key, const void *val,
				      size_t len, tcc_store_cb cb, void *user);
/* Non-blocking pop: TCC_ERR_NOT_FOUND in the reply when the queue is empty. */
tcc_status tcc_store_async_queue_pop(tcc_store_async *a, const char *key, tcc_store_cb cb,
				     void *user);
tcc_status tcc_store_async_queue_len(tcc_store_async *a, const char *key, tcc_store_cb cb,
				     void *user);

#ifdef __cplusplus
}
#endif
#endif /* TCC_STORE_H */
