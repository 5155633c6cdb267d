// SPDX-License-Identifier: MIT
/*
 * The C store clients against a live server.  run.sh starts the server and
 * sets TCC_STORE_PORT and TCC_STORE_MODE:
 *   tcc-v2    our server, 2.x protocol: every call, including the 2.x-only ones
 *   tcc-v1    our server, PyTorch 1.13 protocol
 *   torch-v1  PyTorch 1.13's own server (is_master=True), 1.13 protocol
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <tcc/store.h>

static uint16_t port;
static bool v1, ours;
static char prefix[32];	/* keys unique to this run */

static const char *k(const char *name)
{
	static char buf[8][128];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", prefix, name);
	return buf[i];
}

static tcc_store *open_store(void)
{
	struct tcc_store_client_opts o;
	tcc_store *s = NULL;

	tcc_store_client_opts_init(&o);
	o.protocol = v1 ? TCC_STORE_PROTO_V1 : TCC_STORE_PROTO_V2;
	o.timeout_ms = 10000;
	assert_int_equal(tcc_store_connect("127.0.0.1", port, &o, &s), TCC_OK);
	return s;
}

static int setup(void **state)
{
	*state = open_store();
	return 0;
}

static int teardown(void **state)
{
	tcc_store_disconnect(*state);
	return 0;
}

static void assert_stored(tcc_store *s, const char *key, const void *want, size_t wlen)
{
	void *v = NULL;
	size_t n = 0;

	assert_int_equal(tcc_store_get(s, key, &v, &n), TCC_OK);
	assert_int_equal(n, wlen);
	assert_memory_equal(v, want, wlen ? wlen : 1);
	free(v);
}

static void set_then_get_returns_the_bytes(void **state)
{
	tcc_store *s = *state;
	const char bin[] = { 'a', 0, 'b', (char)0xff };

	assert_int_equal(tcc_store_set(s, k("bin"), bin, sizeof(bin)), TCC_OK);
	assert_stored(s, k("bin"), bin, sizeof(bin));
	assert_int_equal(tcc_store_set(s, k("bin"), "", 0), TCC_OK);
	assert_stored(s, k("bin"), "", 0);
}

static void get_of_a_missing_key_times_out_and_the_client_stays_usable(void **state)
{
	tcc_store *s = *state;
	void *v;
	size_t n;

	assert_int_equal(tcc_store_set_timeout(s, 200), TCC_OK);
	assert_int_equal(tcc_store_get(s, k("never"), &v, &n), TCC_ERR_TIMEOUT);
	assert_int_equal(tcc_store_set(s, k("after-timeout"), "ok", 2), TCC_OK);
	assert_stored(s, k("after-timeout"), "ok", 2);
	/* The abandoned wait must not leak a stray reply once the key appears. */
	tcc_store *other = open_store();
	assert_int_equal(tcc_store_set(other, k("never"), "late", 4), TCC_OK);
	tcc_store_disconnect(other);
	int64_t sum;
	assert_int_equal(tcc_store_add(s, k("after-timeout-counter"), 7, &sum), TCC_OK);
	assert_int_equal(sum, 7);
	assert_stored(s, k("never"), "late", 4);
}

static void add_keeps_a_decimal_counter(void **state)
{
	tcc_store *s = *state;
	int64_t r;

	assert_int_equal(tcc_store_add(s, k("ctr"), 5, &r), TCC_OK);
	assert_int_equal(r, 5);
	assert_int_equal(tcc_store_add(s, k("ctr"), -12, &r), TCC_OK);
	assert_int_equal(r, -7);
	assert_stored(s, k("ctr"), "-7", 2);
	assert_int_equal(tcc_store_set(s, k("ctr2"), "40", 2), TCC_OK);
	assert_int_equal(tcc_store_add(s, k("ctr2"), 2, &r), TCC_OK);
	assert_int_equal(r, 42);
}

static void compare_set_follows_pytorch_rules(void **state)
{
	tcc_store *s = *state;
	void *v;
	size_t n;

	/* missing + empty expected: created */
	assert_int_equal(tcc_store_compare_set(s, k("cas"), "", 0, "one", 3, &v, &n), TCC_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "one", 3);
	free(v);
	/* present + match: swapped */
	assert_int_equal(tcc_store_compare_set(s, k("cas"), "one", 3, "two", 3, &v, &n), TCC_OK);
	assert_memory_equal(v, "two", 3);
	free(v);
	/* present + mismatch: unchanged, current value returned */
	assert_int_equal(tcc_store_compare_set(s, k("cas"), "zzz", 3, "three", 5, &v, &n), TCC_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "two", 3);
	free(v);
	/* missing + non-empty expected: nothing written, expected echoed */
	assert_int_equal(tcc_store_compare_set(s, k("cas-missing"), "exp", 3, "des", 3, &v, &n), TCC_OK);
	assert_memory_equal(v, "exp", 3);
	free(v);
	bool ready = true;
	const char *key = k("cas-missing");
	assert_int_equal(tcc_store_check(s, &key, 1, &ready), TCC_OK);
	assert_false(ready);
}

static void check_and_wait_cover_several_keys(void **state)
{
	tcc_store *s = *state;
	const char *keys[2] = { k("w-a"), k("w-b") };
	bool ready;

	assert_int_equal(tcc_store_set(s, keys[0], "1", 1), TCC_OK);
	assert_int_equal(tcc_store_check(s, keys, 2, &ready), TCC_OK);
	assert_false(ready);
	assert_int_equal(tcc_store_wait(s, keys, 2, 150), TCC_ERR_TIMEOUT);
	assert_int_equal(tcc_store_set(s, keys[1], "2", 1), TCC_OK);
	assert_int_equal(tcc_store_check(s, keys, 2, &ready), TCC_OK);
	assert_true(ready);
	assert_int_equal(tcc_store_wait(s, keys, 2, 1000), TCC_OK);
	assert_int_equal(tcc_store_wait(s, NULL, 0, 1000), TCC_OK);
}

struct delayed_set {
	const char *key;
	int delay_ms;
};

static void *set_later(void *arg)
{
	struct delayed_set *d = arg;
	tcc_store *s = open_store();

	usleep((useconds_t)d->delay_ms * 1000);
	tcc_store_set(s, d->key, "woken", 5);
	tcc_store_disconnect(s);
	return NULL;
}

static void a_write_from_another_client_wakes_the_waiter(void **state)
{
	tcc_store *s = *state;
	struct delayed_set d = { .key = k("wake"), .delay_ms = 100 };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, set_later, &d), 0);
	assert_stored(s, d.key, "woken", 5);	/* get = wait + get */
	pthread_join(t, NULL);
}

static void delete_and_num_keys(void **state)
{
	tcc_store *s = *state;
	int64_t before, after;
	bool deleted;

	assert_int_equal(tcc_store_num_keys(s, &before), TCC_OK);
	assert_int_equal(tcc_store_set(s, k("del"), "x", 1), TCC_OK);
	assert_int_equal(tcc_store_num_keys(s, &after), TCC_OK);
	assert_int_equal(after, before + 1);
	assert_int_equal(tcc_store_delete(s, k("del"), &deleted), TCC_OK);
	assert_true(deleted);
	assert_int_equal(tcc_store_delete(s, k("del"), &deleted), TCC_OK);
	assert_false(deleted);
	assert_int_equal(tcc_store_num_keys(s, &after), TCC_OK);
	assert_int_equal(after, before);
}

static void world_size_registers_on_the_raw_init_key(void **state)
{
	struct tcc_store_client_opts o;
	tcc_store *raw, *w;
	int64_t before, after;

	tcc_store_client_opts_init(&o);
	o.protocol = v1 ? TCC_STORE_PROTO_V1 : TCC_STORE_PROTO_V2;
	o.raw_keys = true;
	assert_int_equal(tcc_store_connect("127.0.0.1", port, &o, &raw), TCC_OK);
	assert_int_equal(tcc_store_add(raw, "init/", 0, &before), TCC_OK);
	o.raw_keys = false;
	o.world_size = 4;
	assert_int_equal(tcc_store_connect("127.0.0.1", port, &o, &w), TCC_OK);
	assert_int_equal(tcc_store_add(raw, "init/", 0, &after), TCC_OK);
	assert_int_equal(after, before + 1);
	tcc_store_disconnect(w);
	tcc_store_disconnect(raw);
}

static void v2_only_calls_are_refused_in_1_13_mode(void **state)
{
	tcc_store *s = *state;
	void *v;
	size_t n;
	int64_t len;
	const char *key = k("x");
	const void *val = "v";
	size_t vl = 1;

	assert_int_equal(tcc_store_append(s, key, "a", 1), TCC_ERR_UNSUPPORTED);
	assert_int_equal(tcc_store_ping(s), TCC_ERR_UNSUPPORTED);
	assert_int_equal(tcc_store_multi_set(s, &key, 1, &val, &vl), TCC_ERR_UNSUPPORTED);
	assert_int_equal(tcc_store_multi_get(s, &key, 1, &v, &n), TCC_ERR_UNSUPPORTED);
	assert_int_equal(tcc_store_queue_push(s, key, "a", 1), TCC_ERR_UNSUPPORTED);
	assert_int_equal(tcc_store_queue_pop(s, key, false, &v, &n), TCC_ERR_UNSUPPORTED);
	assert_int_equal(tcc_store_queue_len(s, key, &len), TCC_ERR_UNSUPPORTED);
	/* the connection is still in sync */
	assert_int_equal(tcc_store_set(s, key, "ok", 2), TCC_OK);
	assert_stored(s, key, "ok", 2);
}

/* ---- 2.x only, against tcc-store ---- */

static void append_creates_then_extends(void **state)
{
	tcc_store *s = *state;

	assert_int_equal(tcc_store_append(s, k("app"), "ab", 2), TCC_OK);
	assert_int_equal(tcc_store_append(s, k("app"), "cd", 2), TCC_OK);
	assert_stored(s, k("app"), "abcd", 4);
}

static void multi_set_then_multi_get(void **state)
{
	tcc_store *s = *state;
	const char *keys[3] = { k("m0"), k("m1"), k("m2") };
	const void *vals[3] = { "zero", "", "two" };
	size_t lens[3] = { 4, 0, 3 }, got_len[3];
	void *got[3];

	assert_int_equal(tcc_store_multi_set(s, keys, 3, vals, lens), TCC_OK);
	assert_int_equal(tcc_store_multi_get(s, keys, 3, got, got_len), TCC_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(got_len[i], lens[i]);
		assert_memory_equal(got[i], vals[i], lens[i] ? lens[i] : 0);
		free(got[i]);
	}
}

static void *push_later(void *arg)
{
	struct delayed_set *d = arg;
	tcc_store *s = open_store();

	usleep((useconds_t)d->delay_ms * 1000);
	tcc_store_queue_push(s, d->key, "item", 4);
	tcc_store_disconnect(s);
	return NULL;
}

static void queues_are_fifo_and_a_blocking_pop_waits(void **state)
{
	tcc_store *s = *state;
	void *v;
	size_t n;
	int64_t len;

	assert_int_equal(tcc_store_queue_pop(s, k("q"), false, &v, &n), TCC_ERR_NOT_FOUND);
	assert_int_equal(tcc_store_queue_push(s, k("q"), "first", 5), TCC_OK);
	assert_int_equal(tcc_store_queue_push(s, k("q"), "second", 6), TCC_OK);
	assert_int_equal(tcc_store_queue_len(s, k("q"), &len), TCC_OK);
	assert_int_equal(len, 2);
	assert_int_equal(tcc_store_queue_pop(s, k("q"), false, &v, &n), TCC_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(v, "first", 5);
	free(v);
	assert_int_equal(tcc_store_queue_pop(s, k("q"), true, &v, &n), TCC_OK);
	assert_memory_equal(v, "second", 6);
	free(v);
	assert_int_equal(tcc_store_queue_len(s, k("q"), &len), TCC_OK);
	assert_int_equal(len, 0);

	struct delayed_set d = { .key = k("q2"), .delay_ms = 100 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, push_later, &d), 0);
	assert_int_equal(tcc_store_queue_pop(s, d.key, true, &v, &n), TCC_OK);
	assert_memory_equal(v, "item", 4);
	free(v);
	pthread_join(t, NULL);
}

static void ping_and_cancelled_waits_keep_the_stream_in_sync(void **state)
{
	tcc_store *s = *state;
	const char *key = k("cancel");

	assert_int_equal(tcc_store_ping(s), TCC_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(tcc_store_wait(s, &key, 1, 20), TCC_ERR_TIMEOUT);
	assert_int_equal(tcc_store_ping(s), TCC_OK);
	assert_int_equal(tcc_store_set(s, key, "now", 3), TCC_OK);
	assert_int_equal(tcc_store_wait(s, &key, 1, 1000), TCC_OK);
	assert_int_equal(tcc_store_ping(s), TCC_OK);
}

static void stats_are_served_as_json(void **state)
{
	tcc_store *s = *state;
	char *json = NULL;

	assert_int_equal(tcc_store_query_stats(s, &json), TCC_OK);
	assert_non_null(strstr(json, "\"keys\":"));
	assert_non_null(strstr(json, "\"clients\":"));
	assert_non_null(strstr(json, "\"ops\":"));
	free(json);
}

/* ---- async client ---- */

struct async_run {
	int step;
	int64_t added;
	char got[16];
	size_t got_len;
	tcc_status wait_status, pop_status, late_get;
	bool pinged, done;
	tcc_store_async *a;
};

static void on_done(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	struct async_run *ar = user;

	ar->done = true;
	tcc_store_async_close(a);
}

static void on_late_get(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	struct async_run *ar = user;

	ar->late_get = r->status;
	tcc_store_async_ping(a, on_done, ar);
}

static void on_wait(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	struct async_run *ar = user;

	ar->wait_status = r->status;
	/* After the cancelled wait: a get of a key set meanwhile by us. */
	tcc_store_async_set(a, k("async-late"), "L", 1, NULL, NULL);
	tcc_store_async_get(a, k("async-late"), on_late_get, ar);
}

static void on_pop(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	((struct async_run *)user)->pop_status = r->status;
}

static void on_ping(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	((struct async_run *)user)->pinged = r->status == TCC_OK;
}

static void on_get(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	struct async_run *ar = user;

	if (r->status == TCC_OK && r->len < sizeof(ar->got)) {
		memcpy(ar->got, r->value, r->len);
		ar->got_len = r->len;
	}
}

static void on_add(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	((struct async_run *)user)->added = r->integer;
}

static void on_connected(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	struct async_run *ar = user;
	const char *missing = k("async-missing");

	if (r->status != TCC_OK) {
		ar->done = true;
		tcc_store_async_close(a);
		return;
	}
	tcc_store_async_set(a, k("async-k"), "val", 3, NULL, NULL);
	tcc_store_async_get(a, k("async-k"), on_get, ar);
	tcc_store_async_add(a, k("async-ctr"), 9, on_add, ar);
	tcc_store_async_ping(a, on_ping, ar);
	tcc_store_async_queue_pop(a, k("async-q"), on_pop, ar);
	tcc_store_async_wait(a, &missing, 1, 50, on_wait, ar);
}

static void async_client_runs_on_the_callers_loop(void **state)
{
	uv_loop_t loop;
	struct async_run ar = { .wait_status = -1, .pop_status = -1, .late_get = -1 };
	struct tcc_store_client_opts o;

	tcc_store_client_opts_init(&o);
	o.timeout_ms = 5000;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(tcc_store_async_connect(&loop, "127.0.0.1", port, &o, on_connected, &ar, &ar.a), TCC_OK);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_true(ar.done);
	assert_int_equal(ar.got_len, 3);
	assert_memory_equal(ar.got, "val", 3);
	assert_int_equal(ar.added, 9);
	assert_true(ar.pinged);
	assert_int_equal(ar.pop_status, TCC_ERR_NOT_FOUND);
	assert_int_equal(ar.wait_status, TCC_ERR_TIMEOUT);
	assert_int_equal(ar.late_get, TCC_OK);
}

/* ---- async client connecting before the server exists; server on the same loop ---- */

struct late_server {
	uv_loop_t *loop;
	uint16_t port;
	tcc_store_server *srv;
	uv_timer_t timer;
	tcc_status connected, got;
	char value[8];
};

static void start_server_now(uv_timer_t *t)
{
	struct late_server *ls = t->data;
	struct tcc_store_server_opts o;

	tcc_store_server_opts_init(&o);
	o.host = "127.0.0.1";
	o.port = ls->port;
	assert_int_equal(tcc_store_server_start(ls->loop, &o, &ls->srv), TCC_OK);
	uv_close((uv_handle_t *)t, NULL);
}

static void late_got(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	struct late_server *ls = user;

	ls->got = r->status;
	if (r->status == TCC_OK && r->len < sizeof(ls->value))
		memcpy(ls->value, r->value, r->len);
	tcc_store_async_close(a);
	tcc_store_server_stop(ls->srv);
}

static void late_connected(tcc_store_async *a, const struct tcc_store_reply *r, void *user)
{
	struct late_server *ls = user;

	ls->connected = r->status;
	if (r->status != TCC_OK) {
		tcc_store_async_close(a);
		return;
	}
	tcc_store_async_set(a, "late", "up", 2, NULL, NULL);
	tcc_store_async_get(a, "late", late_got, ls);
}

static uint16_t free_port(void)
{
	/* Bind port 0 with libuv and close: the port is free for a moment. */
	uv_loop_t loop;
	uv_tcp_t t;
	struct sockaddr_in sa;
	struct sockaddr_storage got;
	int len = sizeof(got);

	uv_loop_init(&loop);
	uv_tcp_init(&loop, &t);
	uv_ip4_addr("127.0.0.1", 0, &sa);
	assert_int_equal(uv_tcp_bind(&t, (struct sockaddr *)&sa, 0), 0);
	uv_tcp_getsockname(&t, (struct sockaddr *)&got, &len);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return ntohs(((struct sockaddr_in *)&got)->sin_port);
}

static void async_client_retries_until_the_server_is_up(void **state)
{
	uv_loop_t loop;
	struct late_server ls = { .loop = &loop, .connected = -1, .got = -1 };
	struct tcc_store_client_opts o;
	tcc_store_async *a;

	assert_int_equal(uv_loop_init(&loop), 0);
	ls.port = free_port();
	uv_timer_init(&loop, &ls.timer);
	ls.timer.data = &ls;
	uv_timer_start(&ls.timer, start_server_now, 300, 0);
	tcc_store_client_opts_init(&o);
	o.timeout_ms = 10000;
	assert_int_equal(tcc_store_async_connect(&loop, "127.0.0.1", ls.port, &o, late_connected, &ls, &a), TCC_OK);
	uv_run(&loop, UV_RUN_DEFAULT);	/* ends when client and server have closed everything */
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(ls.connected, TCC_OK);
	assert_int_equal(ls.got, TCC_OK);
	assert_string_equal(ls.value, "up");
}

int main(void)
{
	const char *p = getenv("TCC_STORE_PORT"), *mode = getenv("TCC_STORE_MODE");

	if (!p || !mode) {
		fprintf(stderr, "set TCC_STORE_PORT and TCC_STORE_MODE (tcc-v2, tcc-v1, torch-v1)\n");
		return 2;
	}
	port = (uint16_t)atoi(p);
	v1 = strstr(mode, "v1") != NULL;
	ours = strncmp(mode, "tcc", 3) == 0;
	snprintf(prefix, sizeof(prefix), "%s-%d", mode, (int)getpid());

	const struct CMUnitTest common[] = {
		cmocka_unit_test_setup_teardown(set_then_get_returns_the_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(get_of_a_missing_key_times_out_and_the_client_stays_usable, setup, teardown),
		cmocka_unit_test_setup_teardown(add_keeps_a_decimal_counter, setup, teardown),
		cmocka_unit_test_setup_teardown(compare_set_follows_pytorch_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(check_and_wait_cover_several_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(a_write_from_another_client_wakes_the_waiter, setup, teardown),
		cmocka_unit_test_setup_teardown(delete_and_num_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(world_size_registers_on_the_raw_init_key, setup, teardown),
	};
	const struct CMUnitTest v1_only[] = {
		cmocka_unit_test_setup_teardown(v2_only_calls_are_refused_in_1_13_mode, setup, teardown),
	};
	const struct CMUnitTest v2_only[] = {
		cmocka_unit_test_setup_teardown(append_creates_then_extends, setup, teardown),
		cmocka_unit_test_setup_teardown(multi_set_then_multi_get, setup, teardown),
		cmocka_unit_test_setup_teardown(queues_are_fifo_and_a_blocking_pop_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(ping_and_cancelled_waits_keep_the_stream_in_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(stats_are_served_as_json, setup, teardown),
		cmocka_unit_test(async_client_runs_on_the_callers_loop),
		cmocka_unit_test(async_client_retries_until_the_server_is_up),
	};
	int failed = _cmocka_run_group_tests(mode, common, sizeof(common) / sizeof(common[0]), NULL, NULL);
	if (v1)
		failed += _cmocka_run_group_tests("v1", v1_only, 1, NULL, NULL);
	else if (ours)
		failed += cmocka_run_group_tests_name("v2", v2_only, NULL, NULL);
	return failed ? 1 : 0;
}
