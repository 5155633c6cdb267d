// SPDX-License-Identifier: MIT
/*
 * tcc store server: a single-threaded libuv event loop.  Each connection
 * parses incrementally (a request may arrive split at any byte, as PyTorch
 * 1.13 sends with MSG_MORE), replies are collected per loop round and written
 * with uv_try_write, falling back to a queued uv_write.  Nothing blocks the
 * loop: a client that stops reading only stops its own reads once its write
 * queue passes the limit.
 */
#include "store/server_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

#define KEEPALIVE_S 60

void store_log(struct tcc_store_server *srv, int level, const char *fmt, ...)
{
	if (level > srv->verbose)
		return;
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	flockfile(stderr);
	fprintf(stderr, "%s.%03ld tcc-store: ", ts, now.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void tcc_store_server_opts_init(struct tcc_store_server_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->host = "::";
}

/* Limits come from the command line: a sum past SIZE_MAX means "no limit". */
static size_t sat_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

static void fill_limits(struct tcc_store_limits *l)
{
	if (!l->max_key_len)
		l->max_key_len = 64 << 10;
	if (!l->max_value_len)
		l->max_value_len = 16 << 20;
	if (!l->max_keys_per_request)
		l->max_keys_per_request = 128 << 10;
	if (!l->max_conn_buffer)
		l->max_conn_buffer = 32 << 20;
	/* A single SET of the largest key and value must fit. */
	if (l->max_conn_buffer < sat_add(sat_add(l->max_key_len, l->max_value_len), 64))
		l->max_conn_buffer = sat_add(sat_add(l->max_key_len, l->max_value_len), 64);
	if (!l->max_conn_write_queue)
		l->max_conn_write_queue = 16 << 20;
	/* A GET of the largest value must fit: replies count against this limit. */
	size_t get_reply = sat_add(l->max_value_len, 64);
	if (l->max_conn_write_queue < get_reply)
		l->max_conn_write_queue = get_reply;
	if (!l->max_waits_per_conn)
		l->max_waits_per_conn = 128 << 10;
	if (!l->max_clients)
		l->max_clients = 65536;
	if (!l->max_store_bytes)
		l->max_store_bytes = (size_t)2 << 30;
	if (!l->max_memory)
		l->max_memory = (size_t)256 << 20;
	/* One client's largest request and reply must fit at the same time, twice. */
	size_t one = sat_add(l->max_conn_buffer, l->max_conn_write_queue);
	if (l->max_memory < sat_add(one, one))
		l->max_memory = sat_add(one, one);
}

static struct store_conn *conn_of(uv_handle_t *h)
{
	return h->data;
}

static void maybe_free_server(struct tcc_store_server *srv)
{
	if (srv->stopping && srv->open_handles == 0) {
		store_table_free(&srv->table);
		free(srv);
	}
}

static void on_conn_closed(uv_handle_t *h)
{
	struct store_conn *c = conn_of(h);
	struct tcc_store_server *srv = c->srv;

	store_buf_free(&c->in);
	store_buf_free(&c->out);
	srv->held -= c->accounted;
	free(c);
	srv->open_handles--;
	maybe_free_server(srv);
}

/*
 * Bring srv->held up to date with what @c holds now: its partial request,
 * this round's replies and the writes libuv still owns.  Capacities, not
 * lengths: that is what the allocator gave out.
 */
static void conn_account(struct store_conn *c)
{
	size_t now = c->in.cap + c->out.cap + c->wq_bytes;
	c->srv->held = c->srv->held - c->accounted + now;
	c->accounted = now;
}

static void conn_close(struct store_conn *c, int level, const char *why)
{
	struct tcc_store_server *srv = c->srv;

	if (c->closing)
		return;
	c->closing = true;
	/*
	 * Its own buffers go now; the writes libuv holds are cancelled and freed
	 * when the loop closes the handle, and count against the ceiling until
	 * then (many clients closed in one loop round must not overshoot it).
	 */
	store_buf_free(&c->in);
	store_buf_free(&c->out);
	conn_account(c);
	if (why)
		store_log(srv, level, "client %" PRIu64 " %s: closing: %s", c->id, store_conn_peer(c, level), why);
	/* A waiter that goes away leaves nothing behind. */
	store_conn_drop_waits(c);
	if (c->is_dirty) {
		TAILQ_REMOVE(&srv->dirty, c, dirty);
		c->is_dirty = false;
	}
	TAILQ_REMOVE(&srv->conns, c, all);
	srv->st.clients--;
	if (c->proto == PROTO_V2)
		srv->st.clients_v2--;
	else if (c->proto != PROTO_UNKNOWN)
		srv->st.clients_v1--;
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

struct write_req {
	uv_write_t req;
	struct store_conn *conn;
	struct store_buf buf;
};

static void process_input(struct store_conn *c);

static void resume_reading(struct store_conn *c);

static void on_written(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct store_conn *c = w->conn;

	if (status == 0)
		c->srv->st.bytes_out += w->buf.len;
	c->wq_bytes -= w->buf.cap;
	store_buf_free(&w->buf);
	free(w);
	conn_account(c);
	if (status < 0) {
		if (status != UV_ECANCELED)
			conn_close(c, 1, uv_strerror(status));
		return;
	}
	/* A blocked request retries at every completed write; a plain pause waits for half. */
	if (c->paused && !c->closing &&
	    (c->blocked ||
	     uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <= c->srv->lim.max_conn_write_queue / 2))
		resume_reading(c);
}

static void conn_pause(struct store_conn *c)
{
	int level = c->pause_logged ? 1 : 0;

	c->paused = true;
	uv_read_stop((uv_stream_t *)&c->tcp);
	/* Once per connection at the default level: a slow client is news, its every stall is not. */
	store_log(c->srv, level, "client %" PRIu64 " %s: not reading its replies, pausing it", c->id,
		  store_conn_peer(c, level));
	c->pause_logged = true;
}

static void conn_flush(struct store_conn *c)
{
	struct tcc_store_server *srv = c->srv;
	uv_stream_t *s = (uv_stream_t *)&c->tcp;

	if (c->closing || !c->out.len)
		return;
	if (c->out.oom) {
		conn_close(c, 0, "out of memory for a reply");
		return;
	}
	uv_buf_t b = uv_buf_init((char *)c->out.data, (unsigned)c->out.len);
	int n = uv_try_write(s, &b, 1);
	if (n < 0 && n != UV_EAGAIN) {
		conn_close(c, 1, uv_strerror(n));
		return;
	}
	size_t done = n > 0 ? (size_t)n : 0;
	srv->st.bytes_out += done;
	if (done == c->out.len) {
		store_buf_reset(&c->out);
		if (c->out.cap > (64u << 10))	/* do not keep a big reply's buffer */
			store_buf_free(&c->out);
		conn_account(c);
		return;
	}
	struct write_req *w = calloc(1, sizeof(*w));
	if (!w) {
		conn_close(c, 0, "out of memory for a write");
		return;
	}
	w->conn = c;
	if (done == 0) {
		w->buf = c->out;	/* hand the buffer over, no copy */
		memset(&c->out, 0, sizeof(c->out));
	} else {
		store_buf_put(&w->buf, c->out.data + done, c->out.len - done);
		store_buf_reset(&c->out);
		if (w->buf.oom) {
			free(w);
			conn_close(c, 0, "out of memory for a write");
			return;
		}
	}
	b = uv_buf_init((char *)w->buf.data, (unsigned)w->buf.len);
	int rc = uv_write(&w->req, s, &b, 1, on_written);
	if (rc < 0) {
		store_buf_free(&w->buf);
		free(w);
		conn_close(c, 1, uv_strerror(rc));
		return;
	}
	c->wq_bytes += w->buf.cap;
	conn_account(c);
	/* Backpressure: a client that does not read stops being read. */
	if (!c->paused && uv_stream_get_write_queue_size(s) > srv->lim.max_conn_write_queue)
		conn_pause(c);
}

static void flush_dirty(struct tcc_store_server *srv)
{
	struct store_conn *c;

	while ((c = TAILQ_FIRST(&srv->dirty))) {
		TAILQ_REMOVE(&srv->dirty, c, dirty);
		c->is_dirty = false;
		conn_flush(c);
	}
}

void store_conn_mark_dirty(struct store_conn *c)
{
	if (!c->is_dirty && !c->closing) {
		c->is_dirty = true;
		TAILQ_INSERT_TAIL(&c->srv->dirty, c, dirty);
	}
}

void store_conn_reply(struct store_conn *c, const void *p, size_t n)
{
	store_buf_put(&c->out, p, n);
	store_conn_mark_dirty(c);
}

size_t store_conn_pending(struct store_conn *c)
{
	return c->out.len + uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
}

static void log_mem_close(struct store_conn *v, size_t held)
{
	struct tcc_store_server *srv = v->srv;
	char why[200];

	snprintf(why, sizeof(why),
		 "holds %zu bytes of unsent replies and unparsed requests, the most of any client, "
		 "and the server is at --max-memory %zu",
		 held, srv->lim.max_memory);
	srv->st.dropped++;
	srv->st.mem_closed++;
	conn_close(v, 0, why);
}

bool store_mem_reserve(struct store_conn *c, size_t n)
{
	struct tcc_store_server *srv = c->srv;

	if (n > srv->lim.max_memory)
		return false;
	while (srv->held > srv->lim.max_memory - n) {
		struct store_conn *v = NULL, *it;
		size_t mine = c->accounted + n;	/* <= held + n: no overflow */

		/* The biggest holder goes: a hostile client, not the fresh one. */
		TAILQ_FOREACH(it, &srv->conns, all)
			if (it != c && !it->closing && (!v || it->accounted > v->accounted))
				v = it;
		if (!v || v->accounted <= mine || !v->accounted)
			return false;
		log_mem_close(v, v->accounted);
	}
	return true;
}

/* After @c's buffers grew: over the ceiling, someone has to go. */
static void mem_check(struct store_conn *c)
{
	conn_account(c);
	if (c->closing || c->srv->held <= c->srv->lim.max_memory)
		return;
	if (!store_mem_reserve(c, 0))
		log_mem_close(c, c->accounted);
}

/*
 * Handle every complete request in @p.  Returns the bytes consumed; stops at
 * an incomplete request, a closed connection or a pause for backpressure.
 */
static size_t handle_requests(struct store_conn *c, const uint8_t *p, size_t len)
{
	size_t pos = 0;
	char err[256];

	while (pos < len && !c->closing && !c->paused) {
		size_t used = 0;

		if (c->need > len - pos)
			break;	/* still short of what the partial request needs */
		c->need = 0;
		enum req_result r = store_handle_request(c, p + pos, len - pos, &used, err, sizeof(err));
		if (r == REQ_MORE)
			break;
		if (r == REQ_BLOCKED) {
			/* Its reply does not fit behind what is queued: send, then retry or wait. */
			size_t before = store_conn_pending(c);

			conn_flush(c);
			if (c->closing)
				break;
			if (store_conn_pending(c) < before)
				continue;
			c->blocked = true;
			if (!c->paused)
				conn_pause(c);
			break;
		}
		if (r == REQ_ERROR) {
			c->srv->st.dropped++;
			conn_close(c, 0, err);
			break;
		}
		pos += used;
		c->blocked = false;
		conn_account(c);
		if (store_conn_pending(c) > c->srv->lim.max_conn_write_queue)
			conn_flush(c);
	}
	return pos;
}

/*
 * Grow the partial-request buffer for @n more bytes: doubling, but never
 * past the size the request is known to need, and never ahead of what has
 * arrived by more than that doubling (a header that announces 16 MiB does
 * not get 16 MiB until the bytes come).
 */
static void in_reserve(struct store_conn *c, size_t n)
{
	size_t want = c->in.len + n, target = 2 * c->in.cap;

	if (want <= c->in.cap)
		return;
	if (target < want)
		target = want;
	if (c->need >= want && target > c->need)
		target = c->need;
	store_buf_reserve_exact(&c->in, target - c->in.len);
}

static void keep_rest(struct store_conn *c, const uint8_t *p, size_t len)
{
	if (len > c->srv->lim.max_conn_buffer) {
		char why[128];

		snprintf(why, sizeof(why), "request larger than the %zu-byte buffer limit",
			 c->srv->lim.max_conn_buffer);
		c->srv->st.dropped++;
		conn_close(c, 0, why);
		return;
	}
	in_reserve(c, len);
	store_buf_put(&c->in, p, len);
	if (c->in.oom)
		conn_close(c, 0, "out of memory for input");
	else
		mem_check(c);
}

/* Parse what is buffered in c->in (after new bytes or a resume). */
static void process_input(struct store_conn *c)
{
	size_t used = handle_requests(c, c->in.data, c->in.len);

	if (c->closing)
		return;
	if (used) {
		memmove(c->in.data, c->in.data + used, c->in.len - used);
		c->in.len -= used;
	}
	if (c->in.len > c->srv->lim.max_conn_buffer) {
		c->srv->st.dropped++;
		conn_close(c, 0, "request larger than the buffer limit");
	} else if (!c->in.len && c->in.cap > (256u << 10)) {
		store_buf_free(&c->in);
	}
	conn_account(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct tcc_store_server *srv = conn_of(h)->srv;

	/* One shared buffer: libuv hands it to on_read before the next alloc. */
	buf->base = srv->rbuf;
	buf->len = sizeof(srv->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct store_conn *c = conn_of((uv_handle_t *)s);
	struct tcc_store_server *srv = c->srv;

	if (n < 0) {
		conn_close(c, 1, n == UV_EOF ? "disconnected" : uv_strerror((int)n));
		flush_dirty(srv);
		return;
	}
	if (n == 0 || c->closing)
		return;
	srv->st.bytes_in += (uint64_t)n;
	const uint8_t *p = (const uint8_t *)buf->base;
	if (c->in.len == 0) {
		/* Common case: parse straight from the read buffer, keep only a tail. */
		size_t used = handle_requests(c, p, (size_t)n);
		if (!c->closing && used < (size_t)n)
			keep_rest(c, p + used, (size_t)n - used);
	} else {
		if (c->in.len + (size_t)n > srv->lim.max_conn_buffer + sizeof(srv->rbuf)) {
			srv->st.dropped++;
			conn_close(c, 0, "request larger than the buffer limit");
		} else {
			in_reserve(c, (size_t)n);
			store_buf_put(&c->in, p, (size_t)n);
			if (c->in.oom)
				conn_close(c, 0, "out of memory for input");
			else
				mem_check(c);
			if (!c->closing)
				process_input(c);
		}
	}
	flush_dirty(srv);
}

static void resume_reading(struct store_conn *c)
{
	c->paused = false;
	c->blocked = false;
	store_log(c->srv, 1, "client %" PRIu64 ": reading again", c->id);
	if (c->in.len)
		process_input(c);
	if (!c->closing && !c->paused)
		uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	flush_dirty(c->srv);
}

/* The peer's address for a log line at @level; looked up only when logged. */
const char *store_conn_peer(struct store_conn *c, int level)
{
	if (level > c->srv->verbose)
		return "";
	if (c->peer[0])
		return c->peer;

	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
	}
	snprintf(c->peer, sizeof(c->peer), "%s:%d", ip, port);
	return c->peer;
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct tcc_store_server *srv = listener->data;

	if (status < 0) {
		store_log(srv, 0, "accept: %s", uv_strerror(status));
		return;
	}
	struct store_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		store_log(srv, 0, "accept: out of memory");
		return;
	}
	c->srv = srv;
	c->id = ++srv->next_id;
	TAILQ_INIT(&c->waits);
	uv_tcp_init(srv->loop, &c->tcp);
	c->tcp.data = c;
	srv->open_handles++;
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
		return;
	}
	TAILQ_INSERT_TAIL(&srv->conns, c, all);
	srv->st.clients++;
	srv->st.accepted++;
	if (srv->st.clients > srv->lim.max_clients) {
		srv->st.rejected++;
		/* One line per second at most: a storm of rejects must not flood the log. */
		uint64_t now = uv_now(srv->loop);
		if (now - srv->last_reject_log >= 1000) {
			srv->last_reject_log = now;
			store_log(srv, 0, "over --max-clients %zu: refusing connections (%" PRIu64 " so far)",
				  srv->lim.max_clients, srv->st.rejected);
		}
		conn_close(c, 2, NULL);
		return;
	}
	/* TCP_NODELAY and keepalive come from the listener: Linux copies them on accept. */
	store_log(srv, 1, "client %" PRIu64 " %s: connected", c->id, store_conn_peer(c, 1));
	int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (rc < 0)
		conn_close(c, 0, uv_strerror(rc));
}

static void on_listener_closed(uv_handle_t *h)
{
	struct tcc_store_server *srv = h->data;

	srv->open_handles--;
	maybe_free_server(srv);
}

static int resolve(uv_loop_t *loop, const char *host, uint16_t port, struct sockaddr_storage *ss)
{
	if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
		return 0;
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
		return 0;
	/* A host name: synchronous resolution is fine at start-up. */
	uv_getaddrinfo_t req;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int rc = uv_getaddrinfo(loop, &req, NULL, host, NULL, &hints);
	if (rc < 0)
		return rc;
	memcpy(ss, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
	uv_freeaddrinfo(req.addrinfo);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return 0;
}

static int bind_listen(struct tcc_store_server *srv, const char *host, uint16_t port, int backlog)
{
	struct sockaddr_storage ss;
	int rc = resolve(srv->loop, host, port, &ss);

	if (rc < 0)
		return rc;
	rc = uv_tcp_init(srv->loop, &srv->listener);
	if (rc < 0)
		return rc;
	srv->listener.data = srv;
	srv->open_handles++;
	rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
	/*
	 * Set on the listener, inherited by every accepted socket: saves five
	 * setsockopt() calls per connection in a storm.  Keepalive reaps
	 * half-open peers; no Nagle delay on small replies.
	 */
	if (rc == 0)
		rc = uv_tcp_nodelay(&srv->listener, 1);
	if (rc == 0)
		rc = uv_tcp_keepalive(&srv->listener, 1, KEEPALIVE_S);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&srv->listener, backlog, on_connection);
	if (rc < 0) {
		uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
		return rc;
	}
	struct sockaddr_storage bound;
	int len = sizeof(bound);
	uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
	srv->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
						       : ((struct sockaddr_in6 *)&bound)->sin6_port);
	srv->listening = true;
	return 0;
}

tcc_status tcc_store_server_start(struct uv_loop_s *loop, const struct tcc_store_server_opts *opts,
				  tcc_store_server **out)
{
	struct tcc_store_server_opts defaults;

	if (!loop || !out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "store server: loop and out are required");
	if (!opts) {
		tcc_store_server_opts_init(&defaults);
		opts = &defaults;
	}
	struct tcc_store_server *srv = calloc(1, sizeof(*srv));
	if (!srv || !store_table_init(&srv->table)) {
		free(srv);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "store server: out of memory");
	}
	srv->loop = loop;
	srv->verbose = opts->verbose;
	srv->lim = opts->limits;
	fill_limits(&srv->lim);
	srv->protocol = opts->protocol;
	TAILQ_INIT(&srv->conns);
	TAILQ_INIT(&srv->dirty);
	const char *host = opts->host && *opts->host ? opts->host : "::";
	int backlog = opts->backlog > 0 ? opts->backlog : 65535;	/* the kernel caps it at somaxconn */
	if (!strcmp(host, "::")) {
		/* No IPv6 on this host: fall back to IPv4, as PyTorch's libuv server does. */
		int probe = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe < 0)
			host = "0.0.0.0";
		else
			close(probe);
	}
	int rc = bind_listen(srv, host, opts->port, backlog);
	if (rc < 0) {
		srv->stopping = true;
		tcc_status st = tcc_set_error(TCC_ERR_IO, "store server: cannot listen on %s port %u: %s",
					      host, opts->port, uv_strerror(rc));
		if (srv->open_handles == 0)
			maybe_free_server(srv);
		/* else freed when the loop runs the listener's close callback */
		return st;
	}
	store_log(srv, 0, "listening on %s port %u", host, srv->port);
	*out = srv;
	return TCC_OK;
}

uint16_t tcc_store_server_port(const tcc_store_server *srv)
{
	return srv->port;
}

void tcc_store_server_get_stats(const tcc_store_server *srv, struct tcc_store_stats *st)
{
	size_t waiting = 0;
	const struct store_conn *c;

	*st = srv->st;
	TAILQ_FOREACH(c, &srv->conns, all)
		waiting += !TAILQ_EMPTY(&c->waits);
	st->waiting_clients = waiting;
	st->keys = srv->table.nkeys;
	st->queues = srv->table.nqueues;
	st->store_bytes = srv->table.bytes;
	st->conn_bytes = srv->held;
}

char *tcc_store_stats_json(const struct tcc_store_stats *st)
{
	char *s = NULL;

	if (asprintf(&s,
		     "{\"clients\":%" PRIu64 ",\"clients_v1\":%" PRIu64 ",\"clients_v2\":%" PRIu64
		     ",\"keys\":%" PRIu64 ",\"queues\":%" PRIu64 ",\"waiting_clients\":%" PRIu64
		     ",\"store_bytes\":%" PRIu64 ",\"ops\":%" PRIu64 ",\"bytes_in\":%" PRIu64
		     ",\"bytes_out\":%" PRIu64 ",\"accepted\":%" PRIu64 ",\"rejected\":%" PRIu64
		     ",\"dropped\":%" PRIu64 ",\"conn_bytes\":%" PRIu64 ",\"mem_closed\":%" PRIu64
		     ",\"ambiguous\":%" PRIu64 "}",
		     st->clients, st->clients_v1, st->clients_v2, st->keys, st->queues,
		     st->waiting_clients, st->store_bytes, st->ops, st->bytes_in, st->bytes_out,
		     st->accepted, st->rejected, st->dropped, st->conn_bytes, st->mem_closed,
		     st->ambiguous) < 0)
		return NULL;
	return s;
}

void tcc_store_server_stop(tcc_store_server *srv)
{
	struct store_conn *c;

	if (!srv || srv->stopping)
		return;
	srv->stopping = true;
	while ((c = TAILQ_FIRST(&srv->conns)))
		conn_close(c, 2, "server stopping");
	if (srv->listening) {
		srv->listening = false;
		uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
	}
	maybe_free_server(srv);
}
