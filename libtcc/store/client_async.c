// SPDX-License-Identifier: MIT
/*
 * Asynchronous TCPStore client on the caller's libuv loop.  Requests go out
 * in call order and replies are matched FIFO; the one exception in the
 * protocol is WAIT, whose reply the server may defer while it answers later
 * requests, so nothing is sent behind a WAIT until it has ended.
 */
#include <tcc/store.h>

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>
#include <uv.h>

#include "common/error.h"
#include "store/wire.h"

enum reply_kind { RK_NONE, RK_U8, RK_I64, RK_U32, RK_BYTES, RK_QPOP, RK_WAIT };

struct areq {
	STAILQ_ENTRY(areq) next;
	enum store_cmd cmd;
	enum reply_kind kind;
	struct store_buf data;
	tcc_store_cb cb;
	void *user;
	int timeout_ms;
	struct areq *then;	/* get/queue_pop: the request to send once this WAIT ends */
};

STAILQ_HEAD(areq_list, areq);

struct tcc_store_async {
	uv_loop_t *loop;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect_req;
	uv_getaddrinfo_t gai;
	struct tcc_store_client_opts opts;
	uint16_t port;
	struct areq_list pending, inflight;
	struct store_buf in;
	bool connected, closing, tcp_open, wait_inflight, cancel_sent;
	struct sockaddr_storage addr;	/* resolved once, reused by connect retries */
	uint64_t connect_deadline;	/* uv_now() ms */
	unsigned retry_delay_ms;
	int open_handles;
	tcc_store_cb on_connected;
	void *user;
};

struct awrite {
	uv_write_t req;
	tcc_store_async *a;
	struct store_buf buf;
	struct areq *done;	/* no-reply request: completes when written */
};

static bool is_v1(const tcc_store_async *a)
{
	return a->opts.protocol == TCC_STORE_PROTO_V1;
}

static void deliver(tcc_store_async *a, struct areq *r, tcc_status st, int64_t integer, const void *v, size_t n)
{
	struct tcc_store_reply rep = { .status = st, .integer = integer, .value = v, .len = n };

	if (r->then) {
		/* The WAIT of a get: on success the GET goes out next, else it fails the same way. */
		struct areq *t = r->then;

		r->then = NULL;
		if (st == TCC_OK) {
			STAILQ_INSERT_HEAD(&a->pending, t, next);
		} else {
			deliver(a, t, st, 0, NULL, 0);
		}
	} else if (r->cb) {
		r->cb(a, &rep, r->user);
	}
	store_buf_free(&r->data);
	free(r);
}

static void fail_all(tcc_store_async *a, tcc_status st)
{
	struct areq *r;

	while ((r = STAILQ_FIRST(&a->inflight))) {
		STAILQ_REMOVE_HEAD(&a->inflight, next);
		deliver(a, r, st, 0, NULL, 0);
	}
	while ((r = STAILQ_FIRST(&a->pending))) {
		STAILQ_REMOVE_HEAD(&a->pending, next);
		deliver(a, r, st, 0, NULL, 0);
	}
}

/* Handles and the resolver request each hold a reference on the client. */
static void unref(tcc_store_async *a)
{
	if (--a->open_handles == 0) {
		store_buf_free(&a->in);
		free(a);
	}
}

static void on_handle_closed(uv_handle_t *h)
{
	unref(h->data);
}

void tcc_store_async_close(tcc_store_async *a)
{
	if (!a || a->closing)
		return;
	a->closing = true;
	tcc_set_error(TCC_ERR_CLOSED, "store: async client closed");
	fail_all(a, TCC_ERR_CLOSED);
	uv_close((uv_handle_t *)&a->timer, on_handle_closed);
	if (a->tcp_open)
		uv_close((uv_handle_t *)&a->tcp, on_handle_closed);
}

static void broken(tcc_store_async *a, tcc_status st)
{
	/* Report to every caller first, then close. */
	fail_all(a, st);
	tcc_store_async_close(a);
}

static void on_written(uv_write_t *req, int status)
{
	struct awrite *w = (struct awrite *)req;
	tcc_store_async *a = w->a;

	store_buf_free(&w->buf);
	if (w->done)
		deliver(a, w->done, status == 0 ? TCC_OK : TCC_ERR_IO, 0, NULL, 0);
	free(w);
	if (status < 0 && status != UV_ECANCELED && !a->closing)
		broken(a, TCC_ERR_IO);
}

static bool write_buf(tcc_store_async *a, struct store_buf *buf, struct areq *done)
{
	struct awrite *w = calloc(1, sizeof(*w));

	if (!w)
		return false;
	w->a = a;
	w->buf = *buf;
	memset(buf, 0, sizeof(*buf));
	w->done = done;
	uv_buf_t b = uv_buf_init((char *)w->buf.data, (unsigned)w->buf.len);
	if (uv_write(&w->req, (uv_stream_t *)&a->tcp, &b, 1, on_written) < 0) {
		store_buf_free(&w->buf);
		free(w);
		return false;
	}
	return true;
}

static void on_wait_timeout(uv_timer_t *t)
{
	tcc_store_async *a = t->data;

	if (!a->wait_inflight || a->closing)
		return;
	if (is_v1(a)) {
		/* 1.13 cannot cancel a wait: the connection is desynced, give it up. */
		tcc_set_error(TCC_ERR_TIMEOUT, "store: wait timed out (PyTorch 1.13 protocol: connection closed)");
		struct areq *r = STAILQ_FIRST(&a->inflight);
		STAILQ_REMOVE_HEAD(&a->inflight, next);
		deliver(a, r, TCC_ERR_TIMEOUT, 0, NULL, 0);
		broken(a, TCC_ERR_CLOSED);
		return;
	}
	struct store_buf b = { 0 };
	store_buf_u8(&b, (uint8_t)store_opcode(CMD_CANCEL_WAIT, false));
	if (b.oom || !write_buf(a, &b, NULL)) {
		store_buf_free(&b);
		broken(a, TCC_ERR_IO);
		return;
	}
	a->cancel_sent = true;
}

static void pump(tcc_store_async *a)
{
	struct areq *r;

	while (a->connected && !a->closing && !a->wait_inflight && (r = STAILQ_FIRST(&a->pending))) {
		STAILQ_REMOVE_HEAD(&a->pending, next);
		if (r->kind != RK_NONE)
			STAILQ_INSERT_TAIL(&a->inflight, r, next);
		struct store_buf data = r->data;
		memset(&r->data, 0, sizeof(r->data));
		if (data.oom) {
			store_buf_free(&data);
			if (r->kind != RK_NONE)
				STAILQ_REMOVE(&a->inflight, r, areq, next);
			tcc_set_error(TCC_ERR_NO_MEMORY, "store: out of memory for a request");
			deliver(a, r, TCC_ERR_NO_MEMORY, 0, NULL, 0);
			continue;
		}
		if (!write_buf(a, &data, r->kind == RK_NONE ? r : NULL)) {
			store_buf_free(&data);
			if (r->kind == RK_NONE)
				deliver(a, r, TCC_ERR_IO, 0, NULL, 0);
			broken(a, TCC_ERR_IO);
			return;
		}
		if (r->kind == RK_WAIT) {
			a->wait_inflight = true;
			a->cancel_sent = false;
			int ms = r->timeout_ms < 0 ? a->opts.timeout_ms : r->timeout_ms;
			uv_timer_start(&a->timer, on_wait_timeout, (uint64_t)ms, 0);
		}
	}
}

/* Try to take the head's reply off a->in; returns bytes used, 0 if incomplete. */
static size_t parse_reply(tcc_store_async *a, struct areq *r)
{
	const uint8_t *p = a->in.data;
	size_t n = a->in.len;
	int64_t i64;
	uint64_t len;

	switch (r->kind) {
	case RK_U8:
		if (n < 1)
			return 0;
		deliver(a, r, TCC_OK, p[0] == STORE_CHECK_READY, NULL, 0);
		return 1;
	case RK_U32:
		if (n < 4)
			return 0;
		uint32_t u;
		memcpy(&u, p, 4);
		deliver(a, r, TCC_OK, u, NULL, 0);
		return 4;
	case RK_I64:
		if (n < 8)
			return 0;
		memcpy(&i64, p, 8);
		deliver(a, r, TCC_OK, i64, NULL, 0);
		return 8;
	case RK_BYTES:
		if (n < 8)
			return 0;
		memcpy(&len, p, 8);
		if (len > n - 8)
			return 0;
		deliver(a, r, TCC_OK, 0, p + 8, (size_t)len);
		return 8 + (size_t)len;
	case RK_QPOP:
		if (n < 8)
			return 0;
		memcpy(&i64, p, 8);
		if (i64 <= 0) {
			tcc_set_error(TCC_ERR_NOT_FOUND, "store: queue is empty");
			deliver(a, r, TCC_ERR_NOT_FOUND, 0, NULL, 0);
			return 8;
		}
		if (n < 16)
			return 0;
		memcpy(&len, p + 8, 8);
		if (len > n - 16)
			return 0;
		deliver(a, r, TCC_OK, i64, p + 16, (size_t)len);
		return 16 + (size_t)len;
	case RK_WAIT: {
		size_t used = 1;
		tcc_status st = TCC_OK;

		if (n < 1)
			return 0;
		if (a->cancel_sent) {
			/* STOP_WAITING may have crossed our CANCEL_WAIT; WAIT_CANCELED follows. */
			if (p[0] == STORE_WAIT_STOP_WAITING) {
				if (n < 2)
					return 0;
				used = 2;
			}
			st = TCC_ERR_TIMEOUT;
			tcc_set_error(st, "store: wait timed out");
		}
		uv_timer_stop(&a->timer);
		a->wait_inflight = a->cancel_sent = false;
		deliver(a, r, st, 0, NULL, 0);
		return used;
	}
	case RK_NONE:
		break;
	}
	return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	tcc_store_async *a = h->data;

	if (!store_buf_reserve(&a->in, 64 * 1024)) {
		buf->base = NULL;
		buf->len = 0;
		return;
	}
	buf->base = (char *)a->in.data + a->in.len;
	buf->len = a->in.cap - a->in.len;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	tcc_store_async *a = s->data;

	if (nread < 0) {
		tcc_set_error(TCC_ERR_CLOSED, "store: server closed the connection (%s)", uv_strerror((int)nread));
		broken(a, nread == UV_ENOBUFS ? TCC_ERR_NO_MEMORY : TCC_ERR_CLOSED);
		return;
	}
	a->in.len += (size_t)nread;
	struct areq *r;
	size_t used;
	while (!a->closing && (r = STAILQ_FIRST(&a->inflight))) {
		STAILQ_REMOVE_HEAD(&a->inflight, next);
		used = parse_reply(a, r);
		if (!used) {
			STAILQ_INSERT_HEAD(&a->inflight, r, next);
			break;
		}
		if (a->closing)
			return;	/* a callback closed us; a->in is gone with the rest */
		memmove(a->in.data, a->in.data + used, a->in.len - used);
		a->in.len -= used;
	}
	if (!a->closing && !STAILQ_FIRST(&a->inflight) && a->in.len) {
		tcc_set_error(TCC_ERR_PARSE, "store: %zu unexpected bytes from the server", a->in.len);
		broken(a, TCC_ERR_PARSE);
		return;
	}
	pump(a);
}

static struct areq *new_req(tcc_store_async *a, enum store_cmd cmd, enum reply_kind kind, tcc_store_cb cb,
			    void *user)
{
	struct areq *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cmd = cmd;
	r->kind = kind;
	r->cb = cb;
	r->user = user;
	r->timeout_ms = -1;
	store_buf_u8(&r->data, (uint8_t)store_opcode(cmd, is_v1(a)));
	return r;
}

static void put_key(tcc_store_async *a, struct areq *r, const char *key)
{
	size_t n = strlen(key);

	if (a->opts.raw_keys) {
		store_buf_bytes(&r->data, key, n);
		return;
	}
	store_buf_u64(&r->data, n + 1);
	store_buf_u8(&r->data, '/');
	store_buf_put(&r->data, key, n);
}

static tcc_status submit(tcc_store_async *a, struct areq *r)
{
	if (r->data.oom) {
		store_buf_free(&r->data);
		free(r);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "store: out of memory for a request");
	}
	STAILQ_INSERT_TAIL(&a->pending, r, next);
	pump(a);
	return TCC_OK;
}

static tcc_status check(tcc_store_async *a, enum store_cmd cmd)
{
	if (!a || a->closing)
		return tcc_set_error(TCC_ERR_CLOSED, "store: async client is closed");
	if (store_opcode(cmd, is_v1(a)) < 0)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "store: %s does not exist in the PyTorch 1.13 protocol",
				     store_cmd_name(cmd));
	return TCC_OK;
}

#define NEW_OR_FAIL(r, expr)                                                              \
	do {                                                                              \
		if (!((r) = (expr)))                                                      \
			return tcc_set_error(TCC_ERR_NO_MEMORY, "store: out of memory"); \
	} while (0)

static void handshake_done(tcc_store_async *a, const struct tcc_store_reply *rep, void *user)
{
	if (a->on_connected)
		a->on_connected(a, rep, a->user);
}

static void on_connect(uv_connect_t *req, int status);

static void retry_connect(uv_timer_t *t)
{
	tcc_store_async *a = t->data;

	if (a->closing)
		return;
	a->connect_req.data = a;
	int rc = uv_tcp_connect(&a->connect_req, &a->tcp, (struct sockaddr *)&a->addr, on_connect);
	if (rc < 0)
		on_connect(&a->connect_req, rc);
}

static void on_closed_for_retry(uv_handle_t *h)
{
	tcc_store_async *a = h->data;

	if (a->closing) {	/* closed by the user meanwhile: this was the TCP handle's reference */
		unref(a);
		return;
	}
	uv_tcp_init(a->loop, &a->tcp);
	a->tcp.data = a;
	a->tcp_open = true;
	uv_timer_start(&a->timer, retry_connect, a->retry_delay_ms, 0);
	if (a->retry_delay_ms < 500)
		a->retry_delay_ms = a->retry_delay_ms * 3 / 2 + 1;
}

static void on_connect(uv_connect_t *req, int status)
{
	tcc_store_async *a = req->data;

	if (a->closing)
		return;
	if (status < 0) {
		struct tcc_store_reply rep = { .status = TCC_ERR_IO };

		/* Like PyTorch's clients: the server may not be up yet, retry until the timeout. */
		if ((status == UV_ECONNREFUSED || status == UV_ECONNRESET || status == UV_ETIMEDOUT) &&
		    uv_now(a->loop) + a->retry_delay_ms < a->connect_deadline) {
			a->tcp_open = false;
			uv_close((uv_handle_t *)&a->tcp, on_closed_for_retry);
			return;
		}
		tcc_set_error(TCC_ERR_IO, "store: connect: %s", uv_strerror(status));
		if (a->on_connected)
			a->on_connected(a, &rep, a->user);
		return;
	}
	uv_tcp_nodelay(&a->tcp, 1);
	uv_read_start((uv_stream_t *)&a->tcp, on_alloc, on_read);
	struct areq *last = NULL, *r;
	if (!is_v1(a)) {
		r = new_req(a, CMD_VALIDATE, RK_NONE, NULL, NULL);
		if (r) {
			store_buf_u32(&r->data, STORE_VALIDATE_MAGIC);
			STAILQ_INSERT_TAIL(&a->pending, r, next);
		}
		r = last = new_req(a, CMD_PING, RK_U32, NULL, NULL);
		if (r) {
			store_buf_u32(&r->data, (uint32_t)getpid());
			STAILQ_INSERT_TAIL(&a->pending, r, next);
		}
	}
	if (a->opts.world_size > 0) {
		r = last = new_req(a, CMD_ADD, RK_I64, NULL, NULL);
		if (r) {
			store_buf_bytes(&r->data, "init/", 5);
			store_buf_u64(&r->data, 1);
			STAILQ_INSERT_TAIL(&a->pending, r, next);
		}
	}
	a->connected = true;
	if (last) {
		last->cb = handshake_done;
		/* Requests made before the handshake ends queue behind it. */
		pump(a);
	} else {
		struct tcc_store_reply rep = { .status = TCC_OK };

		pump(a);
		if (a->on_connected)
			a->on_connected(a, &rep, a->user);
	}
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	tcc_store_async *a = req->data;

	if (a->closing) {
		if (res)
			uv_freeaddrinfo(res);
		unref(a);
		return;
	}
	a->open_handles--;	/* cannot reach 0: the handles are open */
	int rc = status;
	if (rc == 0) {
		if (res->ai_family == AF_INET)
			((struct sockaddr_in *)res->ai_addr)->sin_port = htons(a->port);
		else
			((struct sockaddr_in6 *)res->ai_addr)->sin6_port = htons(a->port);
		memcpy(&a->addr, res->ai_addr, res->ai_addrlen);
		a->connect_deadline = uv_now(a->loop) + (uint64_t)a->opts.timeout_ms;
		a->retry_delay_ms = 10;
	}
	if (res)
		uv_freeaddrinfo(res);
	if (rc == 0)
		retry_connect(&a->timer);
	else
		on_connect(&a->connect_req, rc);
}

tcc_status tcc_store_async_connect(struct uv_loop_s *loop, const char *host, uint16_t port,
				   const struct tcc_store_client_opts *opts, tcc_store_cb on_connected,
				   void *user, tcc_store_async **out)
{
	if (!loop || !host || !out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: loop, host and out are required");
	tcc_store_async *a = calloc(1, sizeof(*a));
	if (!a)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "store: out of memory");
	a->loop = loop;
	a->port = port;
	if (opts)
		a->opts = *opts;
	else
		tcc_store_client_opts_init(&a->opts);
	if (a->opts.timeout_ms <= 0)
		a->opts.timeout_ms = 300000;
	a->on_connected = on_connected;
	a->user = user;
	STAILQ_INIT(&a->pending);
	STAILQ_INIT(&a->inflight);
	uv_timer_init(loop, &a->timer);
	a->timer.data = a;
	uv_tcp_init(loop, &a->tcp);
	a->tcp.data = a;
	a->tcp_open = true;
	a->open_handles = 2;
	a->gai.data = a;
	a->connect_req.data = a;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int rc = uv_getaddrinfo(loop, &a->gai, on_resolved, host, NULL, &hints);
	if (rc == 0)
		a->open_handles++;
	if (rc < 0) {
		tcc_store_async_close(a);
		return tcc_set_error(TCC_ERR_IO, "store: resolve %s: %s", host, uv_strerror(rc));
	}
	*out = a;
	return TCC_OK;
}

static tcc_status kv(tcc_store_async *a, enum store_cmd cmd, const char *key, const void *val, size_t len,
		     tcc_store_cb cb, void *user)
{
	struct areq *r;
	tcc_status st = check(a, cmd);

	if (st)
		return st;
	if (!key || (len && !val))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: %s needs a key and a value", store_cmd_name(cmd));
	NEW_OR_FAIL(r, new_req(a, cmd, RK_NONE, cb, user));
	put_key(a, r, key);
	store_buf_bytes(&r->data, val, len);
	return submit(a, r);
}

tcc_status tcc_store_async_set(tcc_store_async *a, const char *key, const void *val, size_t len,
			       tcc_store_cb cb, void *user)
{
	return kv(a, CMD_SET, key, val, len, cb, user);
}

tcc_status tcc_store_async_append(tcc_store_async *a, const char *key, const void *val, size_t len,
				  tcc_store_cb cb, void *user)
{
	return kv(a, CMD_APPEND, key, val, len, cb, user);
}

tcc_status tcc_store_async_queue_push(tcc_store_async *a, const char *key, const void *val, size_t len,
				      tcc_store_cb cb, void *user)
{
	return kv(a, CMD_QUEUE_PUSH, key, val, len, cb, user);
}

static tcc_status key_only(tcc_store_async *a, enum store_cmd cmd, enum reply_kind kind, const char *key,
			   tcc_store_cb cb, void *user, struct areq **out)
{
	struct areq *r;
	tcc_status st = check(a, cmd);

	if (st)
		return st;
	if (!key)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: %s needs a key", store_cmd_name(cmd));
	NEW_OR_FAIL(r, new_req(a, cmd, kind, cb, user));
	put_key(a, r, key);
	if (out) {
		*out = r;
		return TCC_OK;
	}
	return submit(a, r);
}

static tcc_status keys_req(tcc_store_async *a, enum store_cmd cmd, enum reply_kind kind,
			   const char *const *keys, size_t n, tcc_store_cb cb, void *user, struct areq **out)
{
	struct areq *r;
	tcc_status st = check(a, cmd);

	if (st)
		return st;
	for (size_t i = 0; i < n; i++)
		if (!keys || !keys[i])
			return tcc_set_error(TCC_ERR_INVALID_ARG, "store: %s: key %zu is NULL", store_cmd_name(cmd), i);
	NEW_OR_FAIL(r, new_req(a, cmd, kind, cb, user));
	store_buf_u64(&r->data, n);
	for (size_t i = 0; i < n; i++)
		put_key(a, r, keys[i]);
	*out = r;
	return TCC_OK;
}

tcc_status tcc_store_async_get(tcc_store_async *a, const char *key, tcc_store_cb cb, void *user)
{
	struct areq *w, *g;
	tcc_status st = key_only(a, CMD_GET, RK_BYTES, key, cb, user, &g);

	if (st)
		return st;
	if ((st = keys_req(a, CMD_WAIT, RK_WAIT, &key, 1, NULL, NULL, &w))) {
		store_buf_free(&g->data);
		free(g);
		return st;
	}
	w->then = g;
	return submit(a, w);
}

tcc_status tcc_store_async_add(tcc_store_async *a, const char *key, int64_t delta, tcc_store_cb cb, void *user)
{
	struct areq *r;
	tcc_status st = key_only(a, CMD_ADD, RK_I64, key, cb, user, &r);

	if (st)
		return st;
	store_buf_u64(&r->data, (uint64_t)delta);
	return submit(a, r);
}

tcc_status tcc_store_async_compare_set(tcc_store_async *a, const char *key, const void *expected, size_t elen,
				       const void *desired, size_t dlen, tcc_store_cb cb, void *user)
{
	struct areq *r;
	tcc_status st;

	if ((elen && !expected) || (dlen && !desired))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: compare_set: NULL value");
	if ((st = key_only(a, CMD_COMPARE_SET, RK_BYTES, key, cb, user, &r)))
		return st;
	store_buf_bytes(&r->data, expected, elen);
	store_buf_bytes(&r->data, desired, dlen);
	return submit(a, r);
}

tcc_status tcc_store_async_check(tcc_store_async *a, const char *const *keys, size_t n, tcc_store_cb cb,
				 void *user)
{
	struct areq *r;
	tcc_status st = keys_req(a, CMD_CHECK, RK_U8, keys, n, cb, user, &r);

	return st ? st : submit(a, r);
}

tcc_status tcc_store_async_wait(tcc_store_async *a, const char *const *keys, size_t n, int timeout_ms,
				tcc_store_cb cb, void *user)
{
	struct areq *r;
	tcc_status st = keys_req(a, CMD_WAIT, RK_WAIT, keys, n, cb, user, &r);

	if (st)
		return st;
	r->timeout_ms = timeout_ms;
	return submit(a, r);
}

tcc_status tcc_store_async_delete(tcc_store_async *a, const char *key, tcc_store_cb cb, void *user)
{
	return key_only(a, CMD_DELETE_KEY, RK_I64, key, cb, user, NULL);
}

tcc_status tcc_store_async_num_keys(tcc_store_async *a, tcc_store_cb cb, void *user)
{
	struct areq *r;
	tcc_status st = check(a, CMD_GETNUMKEYS);

	if (st)
		return st;
	NEW_OR_FAIL(r, new_req(a, CMD_GETNUMKEYS, RK_I64, cb, user));
	return submit(a, r);
}

tcc_status tcc_store_async_ping(tcc_store_async *a, tcc_store_cb cb, void *user)
{
	struct areq *r;
	tcc_status st = check(a, CMD_PING);

	if (st)
		return st;
	NEW_OR_FAIL(r, new_req(a, CMD_PING, RK_U32, cb, user));
	store_buf_u32(&r->data, (uint32_t)getpid());
	return submit(a, r);
}

tcc_status tcc_store_async_queue_pop(tcc_store_async *a, const char *key, tcc_store_cb cb, void *user)
{
	return key_only(a, CMD_QUEUE_POP, RK_QPOP, key, cb, user, NULL);
}

tcc_status tcc_store_async_queue_len(tcc_store_async *a, const char *key, tcc_store_cb cb, void *user)
{
	return key_only(a, CMD_QUEUE_LEN, RK_I64, key, cb, user, NULL);
}
