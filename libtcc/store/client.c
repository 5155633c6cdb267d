// SPDX-License-Identifier: MIT
/*
 * Blocking TCPStore client.  Speaks PyTorch 2.x (VALIDATE + PING on connect,
 * CANCEL_WAIT on a wait timeout) or PyTorch 1.13 (talks to 1.13's own
 * server).  One socket, plain blocking I/O with poll() for deadlines: the
 * caller's thread is the event loop here, so libuv would add nothing.
 */
#include <tcc/store.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "store/wire.h"

struct tcc_store {
	int fd;
	char *host;
	uint16_t port;
	struct tcc_store_client_opts opts;
	struct store_buf req;
};

void tcc_store_client_opts_init(struct tcc_store_client_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->protocol = TCC_STORE_PROTO_V2;
	o->timeout_ms = 300000;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_v1(const tcc_store *s)
{
	return s->opts.protocol == TCC_STORE_PROTO_V1;
}

static tcc_status io_fail(tcc_store *s, int err, const char *what)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (!err)
		return tcc_set_error(TCC_ERR_CLOSED, "store %s:%u: %s: connection closed by the server",
				     s->host, s->port, what);
	return tcc_set_errno(TCC_ERR_IO, err, "store %s:%u: %s", s->host, s->port, what);
}

static tcc_status send_all(tcc_store *s, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (s->fd < 0)
		return tcc_set_error(TCC_ERR_CLOSED, "store %s:%u: not connected", s->host, s->port);
	while (n) {
		ssize_t w = send(s->fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return io_fail(s, errno, "send");
		b += w;
		n -= (size_t)w;
	}
	return TCC_OK;
}

static tcc_status send_req(tcc_store *s)
{
	if (s->req.oom)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "store: request too large for memory");
	return send_all(s, s->req.data, s->req.len);
}

/* Receive exactly @n bytes by @deadline (monotonic ms; < 0: none). */
static tcc_status recv_exact(tcc_store *s, void *p, size_t n, int64_t deadline)
{
	uint8_t *b = p;

	if (s->fd < 0)
		return tcc_set_error(TCC_ERR_CLOSED, "store %s:%u: not connected", s->host, s->port);
	while (n) {
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

			if (left < 0)
				left = 0;
			int rc = poll(&pfd, 1, (int)(left > 1 << 30 ? 1 << 30 : left));
			if (rc < 0 && errno == EINTR)
				continue;
			if (rc == 0)
				return tcc_set_error(TCC_ERR_TIMEOUT, "store %s:%u: no reply in time",
						     s->host, s->port);
		}
		ssize_t r = recv(s->fd, b, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return io_fail(s, r < 0 ? errno : 0, "recv");
		b += r;
		n -= (size_t)r;
	}
	return TCC_OK;
}

static int64_t deadline_in(const tcc_store *s, int timeout_ms)
{
	return now_ms() + (timeout_ms < 0 ? s->opts.timeout_ms : timeout_ms);
}

static tcc_status recv_u8(tcc_store *s, uint8_t *v)
{
	return recv_exact(s, v, 1, deadline_in(s, -1));
}

static tcc_status recv_i64(tcc_store *s, int64_t *v)
{
	return recv_exact(s, v, 8, deadline_in(s, -1));
}

static tcc_status recv_bytes(tcc_store *s, void **val, size_t *len)
{
	uint64_t n;
	tcc_status st = recv_exact(s, &n, 8, deadline_in(s, -1));

	if (st)
		return st;
	if (n > SIZE_MAX - 1)
		return io_fail(s, EPROTO, "reply length");
	uint8_t *b = malloc((size_t)n + 1);
	if (!b)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "store: no memory for a %llu-byte value",
				     (unsigned long long)n);
	st = recv_exact(s, b, (size_t)n, deadline_in(s, -1));
	if (st) {
		free(b);
		return st;
	}
	b[n] = '\0';	/* convenient for text values; not counted in *len */
	*val = b;
	*len = (size_t)n;
	return TCC_OK;
}

static tcc_status begin(tcc_store *s, enum store_cmd cmd)
{
	if (!s)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: NULL handle");
	int op = store_opcode(cmd, is_v1(s));

	if (op < 0)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "store: %s does not exist in the PyTorch 1.13 protocol",
				     store_cmd_name(cmd));
	store_buf_reset(&s->req);
	store_buf_u8(&s->req, (uint8_t)op);
	return TCC_OK;
}

static void put_key(tcc_store *s, const char *key)
{
	size_t n = strlen(key);

	if (s->opts.raw_keys) {
		store_buf_bytes(&s->req, key, n);
		return;
	}
	/* PyTorch's TCPStore prefixes user keys with "/". */
	store_buf_u64(&s->req, n + 1);
	store_buf_u8(&s->req, '/');
	store_buf_put(&s->req, key, n);
}

static int open_socket(tcc_store *s, int64_t deadline, int *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai, *a;
	char port[8];
	int delay_ms = 10;

	snprintf(port, sizeof(port), "%u", s->port);
	for (;;) {
		int rc = getaddrinfo(s->host, port, &hints, &ai);
		if (rc) {
			*err = rc == EAI_SYSTEM ? errno : EHOSTUNREACH;
			return -1;
		}
		for (a = ai; a; a = a->ai_next) {
			int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);

			if (fd < 0) {
				*err = errno;
				continue;
			}
			if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
				int one = 1;

				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				freeaddrinfo(ai);
				return fd;
			}
			*err = errno;
			close(fd);
		}
		freeaddrinfo(ai);
		/* Like PyTorch: the server may not be up yet, retry until the timeout. */
		if ((*err != ECONNREFUSED && *err != ECONNRESET && *err != ETIMEDOUT) ||
		    now_ms() + delay_ms > deadline)
			return -1;
		usleep((useconds_t)delay_ms * 1000);
		if (delay_ms < 500)
			delay_ms = delay_ms * 3 / 2 + 1;
	}
}

static tcc_status handshake(tcc_store *s, bool register_worker)
{
	tcc_status st;

	if (!is_v1(s)) {
		uint32_t nonce = (uint32_t)getpid(), echo = 0;

		store_buf_reset(&s->req);
		store_buf_u8(&s->req, (uint8_t)store_opcode(CMD_VALIDATE, false));
		store_buf_u32(&s->req, STORE_VALIDATE_MAGIC);
		store_buf_u8(&s->req, (uint8_t)store_opcode(CMD_PING, false));
		store_buf_u32(&s->req, nonce);
		if ((st = send_req(s)) || (st = recv_exact(s, &echo, 4, deadline_in(s, -1))))
			return st;
		if (echo != nonce)
			return io_fail(s, EPROTO, "PING echo mismatch");
	}
	if (register_worker && s->opts.world_size > 0) {
		/* The raw key "init/", no "/" prefix, as PyTorch's waitForWorkers(). */
		int64_t n;

		begin(s, CMD_ADD);
		store_buf_bytes(&s->req, "init/", 5);
		store_buf_u64(&s->req, 1);
		if ((st = send_req(s)) || (st = recv_i64(s, &n)))
			return st;
	}
	return TCC_OK;
}

static tcc_status reconnect(tcc_store *s, bool register_worker)
{
	int err = 0;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = open_socket(s, now_ms() + s->opts.timeout_ms, &err);
	if (s->fd < 0)
		return tcc_set_errno(TCC_ERR_IO, err, "store: cannot connect to %s:%u", s->host, s->port);
	return handshake(s, register_worker);
}

tcc_status tcc_store_connect(const char *host, uint16_t port, const struct tcc_store_client_opts *opts,
			     tcc_store **out)
{
	if (!host || !out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: host and out are required");
	tcc_store *s = calloc(1, sizeof(*s));
	if (!s || !(s->host = strdup(host))) {
		free(s);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "store: out of memory");
	}
	s->fd = -1;
	s->port = port;
	if (opts)
		s->opts = *opts;
	else
		tcc_store_client_opts_init(&s->opts);
	if (s->opts.timeout_ms <= 0)
		s->opts.timeout_ms = 300000;
	tcc_status st = reconnect(s, true);
	if (st) {
		tcc_store_disconnect(s);
		return st;
	}
	*out = s;
	return TCC_OK;
}

void tcc_store_disconnect(tcc_store *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	store_buf_free(&s->req);
	free(s->host);
	free(s);
}

tcc_status tcc_store_set_timeout(tcc_store *s, int timeout_ms)
{
	if (!s || timeout_ms <= 0)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: timeout must be > 0 ms");
	s->opts.timeout_ms = timeout_ms;
	return TCC_OK;
}

static tcc_status key_value(tcc_store *s, enum store_cmd cmd, const char *key, const void *val, size_t len)
{
	tcc_status st;

	if (!key || (len && !val))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: %s needs a key and a value", store_cmd_name(cmd));
	if ((st = begin(s, cmd)))
		return st;
	put_key(s, key);
	store_buf_bytes(&s->req, val, len);
	return send_req(s);
}

tcc_status tcc_store_set(tcc_store *s, const char *key, const void *val, size_t len)
{
	return key_value(s, CMD_SET, key, val, len);
}

tcc_status tcc_store_append(tcc_store *s, const char *key, const void *val, size_t len)
{
	return key_value(s, CMD_APPEND, key, val, len);
}

tcc_status tcc_store_queue_push(tcc_store *s, const char *key, const void *val, size_t len)
{
	return key_value(s, CMD_QUEUE_PUSH, key, val, len);
}

static tcc_status put_keys(tcc_store *s, enum store_cmd cmd, const char *const *keys, size_t n)
{
	tcc_status st;

	if (n && !keys)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: NULL key list");
	for (size_t i = 0; i < n; i++)
		if (!keys[i])
			return tcc_set_error(TCC_ERR_INVALID_ARG, "store: key %zu is NULL", i);
	if ((st = begin(s, cmd)))
		return st;
	store_buf_u64(&s->req, n);
	for (size_t i = 0; i < n; i++)
		put_key(s, keys[i]);
	return TCC_OK;
}

tcc_status tcc_store_wait(tcc_store *s, const char *const *keys, size_t n, int timeout_ms)
{
	tcc_status st;
	uint8_t r;

	if ((st = put_keys(s, CMD_WAIT, keys, n)) || (st = send_req(s)))
		return st;
	st = recv_exact(s, &r, 1, deadline_in(s, timeout_ms));
	if (st == TCC_ERR_TIMEOUT) {
		int ms = timeout_ms < 0 ? s->opts.timeout_ms : timeout_ms;

		if (is_v1(s)) {
			/*
			 * 1.13 has no CANCEL_WAIT: its server would later send a
			 * stray STOP_WAITING on this socket.  A fresh connection
			 * is the only clean way out (the server drops the old wait).
			 */
			if ((st = reconnect(s, false)))
				return st;
		} else {
			/* The server may have answered just before the cancel. */
			if ((st = begin(s, CMD_CANCEL_WAIT)) || (st = send_req(s)) || (st = recv_u8(s, &r)))
				return st;
			if (r == STORE_WAIT_STOP_WAITING && (st = recv_u8(s, &r)))
				return st;
			if (r != STORE_WAIT_CANCELED)
				return io_fail(s, EPROTO, "CANCEL_WAIT reply");
		}
		return tcc_set_error(TCC_ERR_TIMEOUT, "store: wait timeout after %d ms, keys: %s%s", ms,
				     n ? keys[0] : "", n > 1 ? ", ..." : "");
	}
	if (st)
		return st;
	if (r != STORE_WAIT_STOP_WAITING)
		return io_fail(s, EPROTO, "WAIT reply");
	return TCC_OK;
}

tcc_status tcc_store_get(tcc_store *s, const char *key, void **val, size_t *len)
{
	tcc_status st;

	if (!key || !val || !len)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: get needs key, val and len");
	if ((st = tcc_store_wait(s, &key, 1, -1)) || (st = begin(s, CMD_GET)))
		return st;
	put_key(s, key);
	if ((st = send_req(s)))
		return st;
	return recv_bytes(s, val, len);
}

tcc_status tcc_store_add(tcc_store *s, const char *key, int64_t delta, int64_t *result)
{
	tcc_status st;
	int64_t v;

	if (!key)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: add needs a key");
	if ((st = begin(s, CMD_ADD)))
		return st;
	put_key(s, key);
	store_buf_u64(&s->req, (uint64_t)delta);
	if ((st = send_req(s)) || (st = recv_i64(s, &v)))
		return st;
	if (result)
		*result = v;
	return TCC_OK;
}

tcc_status tcc_store_compare_set(tcc_store *s, const char *key, const void *expected, size_t elen,
				 const void *desired, size_t dlen, void **cur, size_t *curlen)
{
	tcc_status st;

	if (!key || !cur || !curlen || (elen && !expected) || (dlen && !desired))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: compare_set: bad arguments");
	if ((st = begin(s, CMD_COMPARE_SET)))
		return st;
	put_key(s, key);
	store_buf_bytes(&s->req, expected, elen);
	store_buf_bytes(&s->req, desired, dlen);
	if ((st = send_req(s)))
		return st;
	return recv_bytes(s, cur, curlen);
}

tcc_status tcc_store_check(tcc_store *s, const char *const *keys, size_t n, bool *ready)
{
	tcc_status st;
	uint8_t r;

	if (!ready)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: check needs ready");
	if ((st = put_keys(s, CMD_CHECK, keys, n)) || (st = send_req(s)) || (st = recv_u8(s, &r)))
		return st;
	*ready = r == STORE_CHECK_READY;
	return TCC_OK;
}

tcc_status tcc_store_delete(tcc_store *s, const char *key, bool *deleted)
{
	tcc_status st;
	int64_t n;

	if (!key)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: delete needs a key");
	if ((st = begin(s, CMD_DELETE_KEY)))
		return st;
	put_key(s, key);
	if ((st = send_req(s)) || (st = recv_i64(s, &n)))
		return st;
	if (deleted)
		*deleted = n == 1;
	return TCC_OK;
}

tcc_status tcc_store_num_keys(tcc_store *s, int64_t *n)
{
	tcc_status st;

	if (!n)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: num_keys needs n");
	if ((st = begin(s, CMD_GETNUMKEYS)) || (st = send_req(s)))
		return st;
	return recv_i64(s, n);
}

tcc_status tcc_store_multi_get(tcc_store *s, const char *const *keys, size_t n, void **vals, size_t *lens)
{
	tcc_status st;

	if (n && (!vals || !lens))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: multi_get needs vals and lens");
	if (is_v1(s))
		return begin(s, CMD_MULTI_GET);
	if ((st = tcc_store_wait(s, keys, n, -1)) || (st = put_keys(s, CMD_MULTI_GET, keys, n)) ||
	    (st = send_req(s)))
		return st;
	for (size_t i = 0; i < n; i++) {
		if ((st = recv_bytes(s, &vals[i], &lens[i]))) {
			while (i--)
				free(vals[i]);
			return st;
		}
	}
	return TCC_OK;
}

tcc_status tcc_store_multi_set(tcc_store *s, const char *const *keys, size_t n,
			       const void *const *vals, const size_t *lens)
{
	tcc_status st;

	if (n && (!keys || !vals || !lens))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: multi_set needs keys, vals and lens");
	for (size_t i = 0; i < n; i++)
		if (!keys[i] || (lens[i] && !vals[i]))
			return tcc_set_error(TCC_ERR_INVALID_ARG, "store: multi_set entry %zu is NULL", i);
	if ((st = begin(s, CMD_MULTI_SET)))
		return st;
	store_buf_u64(&s->req, n);
	for (size_t i = 0; i < n; i++) {
		put_key(s, keys[i]);
		store_buf_bytes(&s->req, vals[i], lens[i]);
	}
	return send_req(s);
}

tcc_status tcc_store_ping(tcc_store *s)
{
	tcc_status st;
	uint32_t nonce = (uint32_t)now_ms(), echo;

	if ((st = begin(s, CMD_PING)))
		return st;
	store_buf_u32(&s->req, nonce);
	if ((st = send_req(s)) || (st = recv_exact(s, &echo, 4, deadline_in(s, -1))))
		return st;
	if (echo != nonce)
		return io_fail(s, EPROTO, "PING echo mismatch");
	return TCC_OK;
}

tcc_status tcc_store_queue_pop(tcc_store *s, const char *key, bool block, void **val, size_t *len)
{
	tcc_status st;
	int64_t n;

	if (!key || !val || !len)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: queue_pop needs key, val and len");
	if (store_opcode(CMD_QUEUE_POP, is_v1(s)) < 0)
		return begin(s, CMD_QUEUE_POP);
	/* A queued item makes its key "ready" for WAIT, as in PyTorch's client. */
	if (block && (st = tcc_store_wait(s, &key, 1, -1)))
		return st;
	if ((st = begin(s, CMD_QUEUE_POP)))
		return st;
	put_key(s, key);
	if ((st = send_req(s)) || (st = recv_i64(s, &n)))
		return st;
	if (n <= 0)
		return tcc_set_error(TCC_ERR_NOT_FOUND, "store: queue %s is empty", key);
	return recv_bytes(s, val, len);
}

tcc_status tcc_store_queue_len(tcc_store *s, const char *key, int64_t *len)
{
	tcc_status st;

	if (!key || !len)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: queue_len needs key and len");
	if ((st = begin(s, CMD_QUEUE_LEN)))
		return st;
	put_key(s, key);
	if ((st = send_req(s)))
		return st;
	return recv_i64(s, len);
}

tcc_status tcc_store_query_stats(tcc_store *s, char **json)
{
	tcc_status st;
	size_t len;

	if (!json)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store: query_stats needs json");
	if ((st = begin(s, CMD_TCC_STATS)) || (st = send_req(s)))
		return st;
	st = recv_bytes(s, (void **)json, &len);
	if (st == TCC_ERR_CLOSED)
		return tcc_set_error(TCC_ERR_UNSUPPORTED,
				     "store %s:%u closed the connection on the stats request: not a tcc-store server?",
				     s->host, s->port);
	return st;
}
