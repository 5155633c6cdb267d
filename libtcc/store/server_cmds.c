// SPDX-License-Identifier: MIT
/*
 * The store's commands, with PyTorch TCPStore semantics (both protocol
 * generations map onto the same handlers).  Each handler first reads its
 * whole request; only a complete and valid request changes anything, so an
 * incomplete one can be re-parsed from its opcode when more bytes arrive.
 */
#include "store/server_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct req {
	struct store_conn *c;
	struct tcc_store_server *srv;
	struct store_reader r;
	char *err;
	size_t errlen;
	bool failed;
	bool blocked;	/* the reply does not fit in the write queue yet */
};

static bool fail(struct req *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(struct req *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, q->errlen, fmt, ap);
	va_end(ap);
	q->failed = true;
	return false;
}

/* A length-prefixed string, checked against @max before waiting for its bytes. */
static bool rd_str(struct req *q, size_t max, const char *what, const uint8_t **p, size_t *n)
{
	uint64_t len = store_read_u64(&q->r);

	if (q->r.short_read)
		return false;
	if (len > max)
		return fail(q, "%s of %" PRIu64 " bytes exceeds the limit of %zu", what, len, max);
	*p = store_read_raw(&q->r, len);
	*n = len;
	return *p != NULL;
}

static bool rd_key(struct req *q, const uint8_t **p, size_t *n)
{
	return rd_str(q, q->srv->lim.max_key_len, "key", p, n);
}

static bool rd_val(struct req *q, const uint8_t **p, size_t *n)
{
	return rd_str(q, q->srv->lim.max_value_len, "value", p, n);
}

static bool rd_count(struct req *q, uint64_t *n)
{
	*n = store_read_u64(&q->r);
	if (q->r.short_read)
		return false;
	if (*n > q->srv->lim.max_keys_per_request)
		return fail(q, "request with %" PRIu64 " keys exceeds the limit of %zu", *n,
			    q->srv->lim.max_keys_per_request);
	return true;
}

static bool room_for(struct req *q, size_t n)
{
	struct store_table *t = &q->srv->table;

	if (n > q->srv->lim.max_store_bytes || t->bytes > q->srv->lim.max_store_bytes - n)
		return fail(q, "store is full (%zu of %zu bytes used)", t->bytes,
			    q->srv->lim.max_store_bytes);
	return true;
}

/*
 * Replies count against the connection's write-queue limit as they are
 * produced, before anything is changed: a reply that can never fit refuses
 * the request; one that does not fit behind what is queued blocks it (it is
 * parsed again once the client has read); the server-wide ceiling may close
 * a bigger holder, or this client.
 */
static bool reply_room(struct req *q, size_t n)
{
	struct store_conn *c = q->c;
	size_t lim = q->srv->lim.max_conn_write_queue;

	if (n > lim)
		return fail(q, "reply of %zu bytes exceeds the write queue limit of %zu", n, lim);
	if (store_conn_pending(c) > lim - n) {
		q->blocked = true;
		return false;
	}
	if (!store_mem_reserve(c, n))
		return fail(q, "server memory ceiling (--max-memory %zu) reached", q->srv->lim.max_memory);
	/* A large reply gets a buffer of its size, not the next power of two. */
	if (n > (64u << 10) && !store_buf_reserve_exact(&c->out, n))
		return fail(q, "out of memory for a reply of %zu bytes", n);
	return true;
}

static struct store_entry *entry_for(struct req *q, const uint8_t *k, size_t kn)
{
	struct store_entry *e = store_table_get(&q->srv->table, k, kn);

	if (!e)
		fail(q, "out of memory");
	return e;
}

static void reply_u8(struct store_conn *c, uint8_t v)
{
	store_conn_reply(c, &v, 1);
}

static void reply_i64(struct store_conn *c, int64_t v)
{
	store_conn_reply(c, &v, 8);
}

static void reply_bytes(struct store_conn *c, const void *p, size_t n)
{
	uint64_t len = n;

	store_conn_reply(c, &len, 8);
	store_conn_reply(c, p, n);
}

static void wait_satisfied_link(struct store_wait_link *l)
{
	struct store_wait *w = l->wait;
	struct store_conn *c = w->conn;

	TAILQ_REMOVE(&l->entry->waiters, l, by_key);
	l->entry = NULL;
	c->wait_links--;
	if (--w->remaining)
		return;
	TAILQ_REMOVE(&c->waits, w, by_conn);
	free(w);
	reply_u8(c, STORE_WAIT_STOP_WAITING);
}

/* A write made @e ready: every wait parked on it loses one missing key. */
static void wake_all(struct store_entry *e)
{
	struct store_wait_link *l;

	while ((l = TAILQ_FIRST(&e->waiters)))
		wait_satisfied_link(l);
}

/* A queue push: one waiter gets the item (PyTorch's wakeupOneWaitingClient). */
static void wake_one(struct store_entry *e)
{
	struct store_wait_link *l = TAILQ_FIRST(&e->waiters);

	if (l)
		wait_satisfied_link(l);
}

void store_conn_drop_waits(struct store_conn *c)
{
	struct store_wait *w;

	while ((w = TAILQ_FIRST(&c->waits))) {
		for (size_t i = 0; i < w->nlinks; i++) {
			struct store_wait_link *l = &w->links[i];

			if (!l->entry)
				continue;
			struct store_entry *e = l->entry;
			TAILQ_REMOVE(&e->waiters, l, by_key);
			c->wait_links--;
			store_table_release(&c->srv->table, e);
		}
		TAILQ_REMOVE(&c->waits, w, by_conn);
		free(w);
	}
}

static bool cmd_set(struct req *q, bool append)
{
	const uint8_t *k, *v;
	size_t kn, vn;

	if (!rd_key(q, &k, &kn) || !rd_val(q, &v, &vn))
		return false;
	if (!room_for(q, kn + vn))
		return false;
	struct store_entry *e = store_table_find(&q->srv->table, k, kn);
	/* Every value must stay readable: a GET reply has to fit the write queue. */
	if (append && e && e->has_value && e->vlen + vn > q->srv->lim.max_value_len)
		return fail(q, "APPEND would grow the value to %zu bytes, over the limit of %zu",
			    e->vlen + vn, q->srv->lim.max_value_len);
	e = entry_for(q, k, kn);
	if (!e)
		return false;
	if (!(append ? store_entry_append : store_entry_set)(&q->srv->table, e, v, vn))
		return fail(q, "out of memory");
	wake_all(e);
	return true;
}

static bool cmd_compare_set(struct req *q)
{
	const uint8_t *k, *exp, *des;
	size_t kn, en, dn;

	if (!rd_key(q, &k, &kn) || !rd_val(q, &exp, &en) || !rd_val(q, &des, &dn))
		return false;
	struct store_table *t = &q->srv->table;
	struct store_entry *e = store_table_find(t, k, kn);
	if (!e || !e->has_value) {
		if (en) {
			/* PyTorch replies with @expected and writes nothing. */
			if (!reply_room(q, 8 + en))
				return false;
			reply_bytes(q->c, exp, en);
			return true;
		}
	} else if (e->vlen != en || memcmp(e->val, exp, en)) {
		if (!reply_room(q, 8 + e->vlen))
			return false;
		reply_bytes(q->c, e->val, e->vlen);
		return true;
	}
	if (!reply_room(q, 8 + dn) || !room_for(q, kn + dn) || !(e = entry_for(q, k, kn)))
		return false;
	if (!store_entry_set(t, e, des, dn))
		return fail(q, "out of memory");
	/* Only a real write wakes waiters (libuv's wake on every CAS is a quirk). */
	wake_all(e);
	reply_bytes(q->c, e->val, e->vlen);
	return true;
}

static bool cmd_get(struct req *q)
{
	const uint8_t *k;
	size_t kn;

	if (!rd_key(q, &k, &kn))
		return false;
	struct store_entry *e = store_table_find(&q->srv->table, k, kn);
	if (!reply_room(q, 8 + (e && e->has_value ? e->vlen : 0)))
		return false;
	/* Missing (deleted after the client's WAIT): empty, as PyTorch's libuv server. */
	if (e && e->has_value)
		reply_bytes(q->c, e->val, e->vlen);
	else
		reply_bytes(q->c, NULL, 0);
	return true;
}

static bool cmd_add(struct req *q)
{
	const uint8_t *k;
	size_t kn;

	if (!rd_key(q, &k, &kn))
		return false;
	int64_t delta = (int64_t)store_read_u64(&q->r), cur = 0, sum;
	if (q->r.short_read || !reply_room(q, 8) || !room_for(q, kn + 24))
		return false;
	struct store_entry *e = entry_for(q, k, kn);
	if (!e)
		return false;
	if (e->has_value && !store_parse_i64(e->val, e->vlen, &cur)) {
		store_table_release(&q->srv->table, e);
		return fail(q, "ADD on a key whose value is not a decimal integer");
	}
	if (__builtin_add_overflow(cur, delta, &sum)) {
		store_table_release(&q->srv->table, e);
		return fail(q, "ADD overflows int64");
	}
	char text[24];
	int n = snprintf(text, sizeof(text), "%" PRId64, sum);
	if (!store_entry_set(&q->srv->table, e, text, (size_t)n)) {
		store_table_release(&q->srv->table, e);
		return fail(q, "out of memory");
	}
	wake_all(e);
	reply_i64(q->c, sum);
	return true;
}

/* Reads n keys twice: first to check the request is whole, then to act. */
static bool read_keys_complete(struct req *q, uint64_t *n, size_t *keys_at)
{
	if (!rd_count(q, n))
		return false;
	*keys_at = q->r.pos;
	for (uint64_t i = 0; i < *n; i++) {
		const uint8_t *k;
		size_t kn;

		if (!rd_key(q, &k, &kn))
			return false;
	}
	return true;
}

static const uint8_t *next_key(struct req *q, size_t *kn)
{
	size_t len = (size_t)store_read_u64(&q->r);

	*kn = len;
	return store_read_raw(&q->r, len);
}

static bool cmd_check(struct req *q)
{
	uint64_t n;
	size_t at, end;

	if (!read_keys_complete(q, &n, &at))
		return false;
	if (!reply_room(q, 1))
		return false;
	end = q->r.pos;
	q->r.pos = at;
	bool ready = true;
	for (uint64_t i = 0; i < n; i++) {
		size_t kn;
		const uint8_t *k = next_key(q, &kn);

		if (!store_entry_ready(store_table_find(&q->srv->table, k, kn)))
			ready = false;
	}
	q->r.pos = end;
	reply_u8(q->c, ready ? STORE_CHECK_READY : STORE_CHECK_NOT_READY);
	return true;
}

static bool cmd_wait(struct req *q)
{
	uint64_t n;
	size_t at, end, missing = 0;
	struct store_table *t = &q->srv->table;

	if (!read_keys_complete(q, &n, &at) || !reply_room(q, 1))
		return false;
	end = q->r.pos;
	q->r.pos = at;
	for (uint64_t i = 0; i < n; i++) {
		size_t kn;
		const uint8_t *k = next_key(q, &kn);

		if (!store_entry_ready(store_table_find(t, k, kn)))
			missing++;
	}
	if (!missing) {
		q->r.pos = end;
		reply_u8(q->c, STORE_WAIT_STOP_WAITING);
		return true;
	}
	if (q->c->wait_links + missing > q->srv->lim.max_waits_per_conn)
		return fail(q, "more than %zu pending key waits", q->srv->lim.max_waits_per_conn);
	struct store_wait *w = calloc(1, sizeof(*w) + missing * sizeof(w->links[0]));
	if (!w)
		return fail(q, "out of memory");
	w->conn = q->c;
	q->r.pos = at;
	for (uint64_t i = 0; i < n; i++) {
		size_t kn;
		const uint8_t *k = next_key(q, &kn);
		struct store_entry *e = store_table_find(t, k, kn);

		if (store_entry_ready(e))
			continue;
		if (!e && !(e = store_table_get(t, k, kn)))
			break;	/* out of memory: undone below */
		struct store_wait_link *l = &w->links[w->nlinks++];
		l->entry = e;
		l->wait = w;
		TAILQ_INSERT_TAIL(&e->waiters, l, by_key);
		q->c->wait_links++;
	}
	w->remaining = w->nlinks;
	TAILQ_INSERT_TAIL(&q->c->waits, w, by_conn);
	q->r.pos = end;
	if (w->nlinks != missing) {
		store_conn_drop_waits(q->c);
		return fail(q, "out of memory");
	}
	return true;
}

static bool cmd_delete(struct req *q)
{
	const uint8_t *k;
	size_t kn;

	if (!rd_key(q, &k, &kn) || !reply_room(q, 8))
		return false;
	struct store_entry *e = store_table_find(&q->srv->table, k, kn);
	bool deleted = e && store_entry_clear(&q->srv->table, e);
	store_table_release(&q->srv->table, e);
	reply_i64(q->c, deleted);
	return true;
}

static bool cmd_multi_get(struct req *q)
{
	uint64_t n;
	size_t at, end, total = 0;

	if (!read_keys_complete(q, &n, &at))
		return false;
	end = q->r.pos;
	/*
	 * The whole reply is sized first: a few KiB of keys can name the same
	 * large value thousands of times, and it must count against the write
	 * queue limit before a byte of it is built.
	 */
	q->r.pos = at;
	for (uint64_t i = 0; i < n; i++) {
		size_t kn;
		const uint8_t *k = next_key(q, &kn);
		struct store_entry *e = store_table_find(&q->srv->table, k, kn);
		size_t one = 8 + (e && e->has_value ? e->vlen : 0);

		if (__builtin_add_overflow(total, one, &total))
			total = SIZE_MAX;
	}
	if (!reply_room(q, total))
		return false;
	q->r.pos = at;
	for (uint64_t i = 0; i < n; i++) {
		size_t kn;
		const uint8_t *k = next_key(q, &kn);
		struct store_entry *e = store_table_find(&q->srv->table, k, kn);

		if (e && e->has_value)
			reply_bytes(q->c, e->val, e->vlen);
		else
			reply_bytes(q->c, NULL, 0);
	}
	q->r.pos = end;
	return true;
}

static bool cmd_multi_set(struct req *q)
{
	uint64_t n;
	size_t at, end, total = 0;

	if (!rd_count(q, &n))
		return false;
	at = q->r.pos;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *k, *v;
		size_t kn, vn;

		if (!rd_key(q, &k, &kn) || !rd_val(q, &v, &vn))
			return false;
		total += kn + vn;
	}
	if (!room_for(q, total))
		return false;
	end = q->r.pos;
	q->r.pos = at;
	for (uint64_t i = 0; i < n; i++) {
		size_t kn, vn;
		const uint8_t *k = next_key(q, &kn);
		const uint8_t *v = next_key(q, &vn);
		struct store_entry *e = entry_for(q, k, kn);

		if (!e || !store_entry_set(&q->srv->table, e, v, vn)) {
			store_table_release(&q->srv->table, e);
			return fail(q, "out of memory");
		}
		wake_all(e);
	}
	q->r.pos = end;
	return true;
}

static bool cmd_queue_push(struct req *q)
{
	const uint8_t *k, *v;
	size_t kn, vn;

	if (!rd_key(q, &k, &kn) || !rd_val(q, &v, &vn))
		return false;
	if (!room_for(q, kn + vn))
		return false;
	struct store_entry *e = entry_for(q, k, kn);
	if (!e)
		return false;
	if (!store_entry_push(&q->srv->table, e, v, vn)) {
		store_table_release(&q->srv->table, e);
		return fail(q, "out of memory");
	}
	wake_one(e);
	return true;
}

static bool cmd_queue_pop(struct req *q)
{
	const uint8_t *k;
	size_t kn;

	if (!rd_key(q, &k, &kn))
		return false;
	struct store_entry *e = store_table_find(&q->srv->table, k, kn);
	int64_t len = e ? (int64_t)e->qlen : 0;
	if (!reply_room(q, 8 + (len > 0 ? 8 + STAILQ_FIRST(&e->queue)->len : 0)))
		return false;
	reply_i64(q->c, len);
	if (len > 0) {
		struct store_qitem *it = store_entry_pop(&q->srv->table, e);

		reply_bytes(q->c, it->data, it->len);
		free(it);
		store_table_release(&q->srv->table, e);
	}
	return true;
}

static bool cmd_queue_len(struct req *q)
{
	const uint8_t *k;
	size_t kn;

	if (!rd_key(q, &k, &kn) || !reply_room(q, 8))
		return false;
	struct store_entry *e = store_table_find(&q->srv->table, k, kn);
	reply_i64(q->c, e ? (int64_t)e->qlen : 0);
	return true;
}

static bool cmd_stats(struct req *q)
{
	struct tcc_store_stats st;

	tcc_store_server_get_stats(q->srv, &st);
	char *json = tcc_store_stats_json(&st);
	if (!json)
		return fail(q, "out of memory");
	if (!reply_room(q, 8 + strlen(json))) {
		free(json);
		return false;
	}
	reply_bytes(q->c, json, strlen(json));
	free(json);
	return true;
}

static bool dispatch(struct req *q, enum store_cmd cmd)
{
	struct store_conn *c = q->c;

	switch (cmd) {
	case CMD_VALIDATE: {
		uint32_t magic = store_read_u32(&q->r);

		if (q->r.short_read)
			return false;
		if (magic != STORE_VALIDATE_MAGIC)
			return fail(q, "VALIDATE with wrong magic 0x%08x", magic);
		return true;
	}
	case CMD_PING: {
		uint32_t nonce = store_read_u32(&q->r);

		if (q->r.short_read || !reply_room(q, 4))
			return false;
		store_conn_reply(c, &nonce, 4);
		return true;
	}
	case CMD_SET:
		return cmd_set(q, false);
	case CMD_APPEND:
		return cmd_set(q, true);
	case CMD_COMPARE_SET:
		return cmd_compare_set(q);
	case CMD_GET:
		return cmd_get(q);
	case CMD_ADD:
		return cmd_add(q);
	case CMD_CHECK:
		return cmd_check(q);
	case CMD_WAIT:
		return cmd_wait(q);
	case CMD_GETNUMKEYS:
		if (!reply_room(q, 8))
			return false;
		reply_i64(c, (int64_t)q->srv->table.nkeys);
		return true;
	case CMD_DELETE_KEY:
		return cmd_delete(q);
	case CMD_MULTI_GET:
		return cmd_multi_get(q);
	case CMD_MULTI_SET:
		return cmd_multi_set(q);
	case CMD_CANCEL_WAIT:
		if (!reply_room(q, 2))
			return false;
		store_conn_drop_waits(c);
		reply_u8(c, STORE_WAIT_CANCELED);
		return true;
	case CMD_QUEUE_PUSH:
		return cmd_queue_push(q);
	case CMD_QUEUE_POP:
		return cmd_queue_pop(q);
	case CMD_QUEUE_LEN:
		return cmd_queue_len(q);
	case CMD_TCC_STATS:
		return cmd_stats(q);
	case CMD_WATCH_KEY:
		return fail(q, "WATCH_KEY is not supported (PyTorch 1.13's Python API never sends it)");
	default:
		return fail(q, "unknown command");
	}
}

/* The connection's numbering for requests without a handshake (--protocol). */
static enum conn_proto legacy_proto(struct tcc_store_server *srv)
{
	switch (srv->protocol) {
	case TCC_STORE_SERVE_1_13:
		return PROTO_V1;
	case TCC_STORE_SERVE_2_0:
		return PROTO_V20;
	default:
		return PROTO_LEGACY;
	}
}

/*
 * The command @op stands for on @c.  Without a handshake 1.13 and the 2.0
 * series agree on 0..6; 9..11 exist only in 2.0, so they settle the
 * question; 7 and 8 mean different things (WATCH_KEY/DELETE_KEY against
 * DELETE_KEY/APPEND) and are refused until it is settled: executing a
 * guess could delete the key a 2.0 client meant to append to.
 */
static enum store_cmd resolve_cmd(struct store_conn *c, uint8_t op, char *err, size_t errlen)
{
	enum store_cmd a, b;

	switch (c->proto) {
	case PROTO_V2:
		a = store_gen_cmd_of(op, GEN_2_1);
		if (a == CMD_INVALID)
			snprintf(err, errlen, "unknown 2.1+ opcode %u", op);
		return a;
	case PROTO_V1:
		a = store_gen_cmd_of(op, GEN_1_13);
		if (a == CMD_INVALID)
			snprintf(err, errlen, "unknown 1.13 opcode %u", op);
		return a;
	case PROTO_V20:
		a = store_gen_cmd_of(op, GEN_2_0);
		if (a == CMD_INVALID)
			snprintf(err, errlen, "unknown 2.0 opcode %u", op);
		return a;
	default:
		break;
	}
	a = store_gen_cmd_of(op, GEN_1_13);
	b = store_gen_cmd_of(op, GEN_2_0);
	if (a == b) {
		if (a == CMD_INVALID)
			snprintf(err, errlen, "unknown opcode %u (no handshake: neither 1.13 nor 2.0)", op);
		return a;
	}
	if (a == CMD_INVALID || b == CMD_INVALID) {
		c->proto = a == CMD_INVALID ? PROTO_V20 : PROTO_V1;
		store_log(c->srv, 1, "client %" PRIu64 " %s: opcode %u (%s) exists only in PyTorch %s: numbering settled",
			  c->id, store_conn_peer(c, 1), op, store_cmd_name(a == CMD_INVALID ? b : a),
			  a == CMD_INVALID ? "2.0" : "1.13");
		return a == CMD_INVALID ? b : a;
	}
	c->srv->st.ambiguous++;
	snprintf(err, errlen,
		 "opcode %u is %s in PyTorch 1.13 but %s in PyTorch 2.0 and the client sent no handshake: "
		 "refused, not guessed (run tcc-store with --protocol 1.13 or --protocol 2.0)",
		 op, store_cmd_name(a), store_cmd_name(b));
	return CMD_INVALID;
}

enum req_result store_handle_request(struct store_conn *c, const uint8_t *p, size_t len,
				     size_t *used, char *err, size_t errlen)
{
	struct req q = { .c = c, .srv = c->srv, .err = err, .errlen = errlen };

	store_reader_init(&q.r, p, len);
	if (c->proto == PROTO_UNKNOWN) {
		/*
		 * A 2.1+ client opens with 00 CE F7 85 3C (VALIDATE + magic).  A
		 * first byte other than 0 is an older client's request; their SET
		 * (opcode 0) always sends at least 9 bytes, so waiting for 5
		 * cannot hang.
		 */
		if (p[0] == 0) {
			if (len < 5) {
				c->need = 5;
				return REQ_MORE;
			}
			uint32_t magic;
			memcpy(&magic, p + 1, 4);
			if (magic == STORE_VALIDATE_MAGIC) {
				c->proto = PROTO_V2;
				c->srv->st.clients_v2++;
				store_log(c->srv, 1, "client %" PRIu64 " %s: PyTorch 2.1+ protocol",
					  c->id, store_conn_peer(c, 1));
				*used = 5;
				return REQ_DONE;
			}
		}
		c->proto = legacy_proto(c->srv);
		c->srv->st.clients_v1++;
		store_log(c->srv, 1, "client %" PRIu64 " %s: no handshake (PyTorch %s)", c->id,
			  store_conn_peer(c, 1),
			  c->proto == PROTO_V1 ? "1.13" : c->proto == PROTO_V20 ? "2.0" : "1.13 or 2.0");
	}
	uint8_t op = store_read_u8(&q.r);
	enum store_cmd cmd = resolve_cmd(c, op, err, errlen);
	if (cmd == CMD_INVALID)
		return REQ_ERROR;
	/*
	 * A client without handshake never sends a request behind an unanswered
	 * WAIT other than CANCEL_WAIT (2.0); a new request means it gave up on
	 * the wait (1.13's Socket Timeout).  Drop it so a later write does not
	 * send it a stray STOP_WAITING.
	 */
	if (c->proto != PROTO_V2 && cmd != CMD_CANCEL_WAIT && !TAILQ_EMPTY(&c->waits))
		store_conn_drop_waits(c);
	if (dispatch(&q, cmd)) {
		*used = q.r.pos;
		c->srv->st.ops++;
		if (c->srv->verbose >= 2)
			store_log(c->srv, 2, "client %" PRIu64 ": %s (%zu bytes)", c->id,
				  store_cmd_name(cmd), q.r.pos);
		return REQ_DONE;
	}
	if (q.failed) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, " (in %s)", store_cmd_name(cmd));
		return REQ_ERROR;
	}
	if (q.blocked)
		return REQ_BLOCKED;
	c->need = q.r.need;
	return REQ_MORE;
}
