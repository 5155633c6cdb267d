// SPDX-License-Identifier: MIT
/*
 * Connection storm against a TCPStore server, as a job's rendezvous does it:
 * N clients connect at once; each sets its own key, ADDs 1 to a shared
 * counter (ROUNDS times: set + add per round), then WAITs on a barrier key.
 * The client whose ADD brings the counter to N*ROUNDS sets the barrier key.
 *
 * One process, one epoll loop, non-blocking sockets: the driver must not be
 * what limits the server.  Prints one JSON line:
 *   {"clients":N,"startup_s":..,"release_s":..,"ops":..,"ops_per_s":..,"errors":..}
 * startup_s: until every client's first ADD was answered (all registered);
 * release_s: until every client's WAIT was answered (all released).
 *
 * usage: storm PORT N [--v1] [--rounds R] [--timeout S]
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

enum state { CONNECTING, AWAIT_ADD, AWAIT_GO, RELEASED, FAILED };

struct client {
	int fd;
	enum state st;
	int round;
	int connect_tries;
	bool want_out;	/* EPOLLOUT registered: only change it when needed (a syscall each) */
	uint8_t in[16];
	size_t got;
	struct { uint8_t *p; size_t len, off; } out;
};

static int port, nclients, rounds = 1, timeout_s = 120;
static bool v1;
static char counter_key[64], go_key[64], tag[32];	/* per run: reruns on one server do not meet */
static struct sockaddr_in addr;
static int ep;
static long ops, errors, registered, released;
static double t0, t_registered, t_released;

/* 2.x opcodes; 1.13 ones are one less (no VALIDATE) */
enum { OP_VALIDATE = 0, OP_SET = 1, OP_ADD = 4, OP_WAIT = 6 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t op(int code)
{
	return (uint8_t)(v1 ? code - 1 : code);
}

static void put(struct client *c, const void *p, size_t n)
{
	c->out.p = realloc(c->out.p, c->out.len + n);
	if (!c->out.p) {
		perror("realloc");
		exit(1);
	}
	memcpy(c->out.p + c->out.len, p, n);
	c->out.len += n;
}

static void put_u64(struct client *c, uint64_t v)
{
	put(c, &v, 8);
}

static void put_str(struct client *c, const char *s)
{
	put_u64(c, strlen(s));
	put(c, s, strlen(s));
}

static void req_set_add(struct client *c, int idx)
{
	char key[64], val[64];
	uint8_t o;

	snprintf(key, sizeof(key), "/%s/rank/%d/%d", tag, idx, c->round);
	snprintf(val, sizeof(val), "10.0.%d.%d:%d", idx / 250, idx % 250, 30000 + idx);
	o = op(OP_SET);
	put(c, &o, 1);
	put_str(c, key);
	put_str(c, val);
	o = op(OP_ADD);
	put(c, &o, 1);
	put_str(c, counter_key);
	put_u64(c, 1);
	ops += 2;
}

static void flush(struct client *c)
{
	while (c->out.off < c->out.len) {
		ssize_t w = send(c->fd, c->out.p + c->out.off, c->out.len - c->out.off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN)
				break;
			c->st = FAILED;
			errors++;
			return;
		}
		c->out.off += (size_t)w;
	}
	if (c->out.off == c->out.len)
		c->out.off = c->out.len = 0;
	bool want = c->out.len != 0;
	if (want != c->want_out) {
		struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c };
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		c->want_out = want;
	}
}

static void start_connect(struct client *c)
{
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		perror("socket (raise the fd limit)");
		exit(1);
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->connect_tries++;
	c->st = CONNECTING;
	c->want_out = true;
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 && errno != EINPROGRESS) {
		perror("connect");
		exit(1);
	}
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void on_connected(struct client *c, int idx)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		/* A full backlog resets or refuses: retry as PyTorch's clients do. */
		close(c->fd);
		if (c->connect_tries >= 20) {
			c->st = FAILED;
			errors++;
			return;
		}
		usleep(1000);
		start_connect(c);
		return;
	}
	if (!v1) {
		uint8_t v[5] = { OP_VALIDATE, 0xCE, 0xF7, 0x85, 0x3C };
		put(c, v, 5);
	}
	req_set_add(c, idx);
	c->st = AWAIT_ADD;
	flush(c);
}

static void on_readable(struct client *c, struct client *all, int idx)
{
	size_t want = c->st == AWAIT_ADD ? 8 : 1;
	ssize_t r = recv(c->fd, c->in + c->got, want - c->got, 0);

	if (r <= 0) {
		if (r < 0 && errno == EAGAIN)
			return;
		c->st = FAILED;
		errors++;
		return;
	}
	c->got += (size_t)r;
	if (c->got < want)
		return;
	c->got = 0;
	if (c->st == AWAIT_ADD) {
		int64_t v;

		memcpy(&v, c->in, 8);
		if (c->round == 0 && ++registered == nclients)
			t_registered = now();
		if (++c->round < rounds) {
			req_set_add(c, idx);
			flush(c);
			return;
		}
		uint8_t o;
		if (v == (int64_t)nclients * rounds) {
			o = op(OP_SET);	/* the last one in opens the barrier */
			put(c, &o, 1);
			put_str(c, go_key);
			put_str(c, "1");
			ops++;
		}
		o = op(OP_WAIT);
		put(c, &o, 1);
		put_u64(c, 1);
		put_str(c, go_key);
		ops++;
		c->st = AWAIT_GO;
		flush(c);
	} else if (c->st == AWAIT_GO) {
		c->st = RELEASED;
		if (++released == nclients)
			t_released = now();
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: storm PORT N [--v1] [--rounds R] [--timeout S]\n");
		return 2;
	}
	port = atoi(argv[1]);
	nclients = atoi(argv[2]);
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--v1"))
			v1 = true;
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout_s = atoi(argv[++i]);
	}
	if (nclients <= 0 || rounds <= 0)
		return 2;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if ((rlim_t)nclients + 16 > rl.rlim_cur) {
		fprintf(stderr, "storm: fd limit %llu too low for %d clients\n",
			(unsigned long long)rl.rlim_cur, nclients);
		return 1;
	}
	snprintf(tag, sizeof(tag), "storm%d.%ld", (int)getpid(), (long)time(NULL));
	snprintf(counter_key, sizeof(counter_key), "/%s/counter", tag);
	snprintf(go_key, sizeof(go_key), "/%s/go", tag);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ep = epoll_create1(0);
	struct client *cl = calloc((size_t)nclients, sizeof(*cl));
	struct epoll_event evs[512];

	t0 = now();
	for (int i = 0; i < nclients; i++)
		start_connect(&cl[i]);
	while (released + errors < nclients) {
		if (now() - t0 > timeout_s) {
			fprintf(stderr, "storm: timeout with %ld/%d released\n", released, nclients);
			break;
		}
		int n = epoll_wait(ep, evs, 512, 100);
		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			int idx = (int)(c - cl);

			if (c->st == CONNECTING) {
				on_connected(c, idx);
				continue;
			}
			if (c->st == FAILED || c->st == RELEASED)
				continue;
			if (evs[i].events & EPOLLOUT)
				flush(c);
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(c, cl, idx);
			if (c->st == FAILED)
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		}
	}
	long retries = 0;
	for (int i = 0; i < nclients; i++) {
		retries += cl[i].connect_tries - 1;
		close(cl[i].fd);
		free(cl[i].out.p);
	}
	double rel = released == nclients ? t_released - t0 : -1;
	printf("{\"clients\":%d,\"rounds\":%d,\"protocol\":\"%s\",\"startup_s\":%.4f,\"release_s\":%.4f,"
	       "\"ops\":%ld,\"ops_per_s\":%.0f,\"errors\":%ld,\"released\":%ld,\"connect_retries\":%ld}\n",
	       nclients, rounds, v1 ? "1.13" : "2.x", registered == nclients ? t_registered - t0 : -1.0, rel,
	       ops, rel > 0 ? ops / rel : 0.0, errors, released, retries);
	free(cl);
	return released == nclients ? 0 : 1;
}
