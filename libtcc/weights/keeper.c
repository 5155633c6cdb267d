// SPDX-License-Identifier: MIT
/*
 * The keeper process.  It runs in the child of fork() in a process that may
 * have other threads, so it only uses async-signal-safe calls (no malloc, no
 * stdio): fixed arrays, poll, accept, sendmsg.
 */
#include "weights/keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEPER_MAX_HOLDERS 1000

socklen_t tcc_keeper_addr(struct sockaddr_un *addr, uid_t uid, const char *name)
{
	int n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': abstract namespace; the name is not NUL-terminated. */
	n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, TCC_KEEPER_PREFIX "%u/%s",
		     (unsigned int)uid, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void close_all_but(int a, int b, int c)
{
	int keep[3] = { a, b, c }, lo = 3, i, j, t;

	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i < 3; i++) {
		if (keep[i] > lo)
			close_range(lo, keep[i] - 1, 0);
		if (keep[i] + 1 > lo)
			lo = keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

static int peer_allowed(int fd, const struct tcc_keeper_reply *info, int op)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return 0;
	if (cr.uid == 0 || cr.uid == info->uid)
		return 1;
	if (op == TCC_KEEPER_UNLOAD)
		return 0;
	if (cr.gid == info->gid && (info->mode & 040))
		return 1;
	return (info->mode & 004) != 0;
}

static int send_reply(int fd, const struct tcc_keeper_reply *r, int pass_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)r, .iov_len = sizeof(*r) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (pass_fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(*r) ? 0 : -1;
}

/* One request on a fresh connection; returns 1 if it becomes a holder. */
static int serve(struct tcc_keeper_state *st, int fd, unsigned int holders, int *unload)
{
	struct tcc_keeper_request req;
	struct tcc_keeper_reply r = st->info;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	/* A silent peer must not stall everyone else: one second to speak. */
	if (poll(&p, 1, 1000) != 1)
		return 0;
	n = recv(fd, &req, sizeof(req), MSG_DONTWAIT);
	if (n != (ssize_t)sizeof(req) || req.magic != TCC_KEEPER_MAGIC)
		return 0;
	r.holders = holders;
	if (!peer_allowed(fd, &st->info, (int)req.op)) {
		r.error = EACCES;
		send_reply(fd, &r, -1);
		return 0;
	}
	switch (req.op) {
	case TCC_KEEPER_OPEN:
		if (holders >= KEEPER_MAX_HOLDERS) {
			r.error = EMFILE;
			send_reply(fd, &r, -1);
			return 0;
		}
		r.holders = holders + 1;
		return send_reply(fd, &r, st->memfd) == 0;
	case TCC_KEEPER_INFO:
		send_reply(fd, &r, -1);
		return 0;
	case TCC_KEEPER_UNLOAD:
		send_reply(fd, &r, -1);
		*unload = 1;
		return 0;
	default:
		r.error = EINVAL;
		send_reply(fd, &r, -1);
		return 0;
	}
}

static void keeper_main(struct tcc_keeper_state *st)
{
	static struct pollfd pfd[KEEPER_MAX_HOLDERS + 1];
	unsigned int nh = 0, i;
	char junk[64];
	int unload = 0, c;

	pfd[0].fd = st->listen_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = st->holder_fd;
	pfd[1].events = POLLIN;
	nh = 1;
	for (;;) {
		if (poll(pfd, nh + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* Holders never speak: readable means gone (EOF or error). */
		for (i = 1; i <= nh; i++) {
			if (!pfd[i].revents)
				continue;
			if ((pfd[i].revents & POLLIN) && recv(pfd[i].fd, junk, sizeof(junk),
							      MSG_DONTWAIT) > 0)
				continue;
			close(pfd[i].fd);
			pfd[i] = pfd[nh];
			pfd[nh].revents = 0;
			nh--;
			i--;
		}
		if (pfd[0].revents & POLLIN) {
			c = accept4(st->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				if (serve(st, c, nh, &unload) && nh < KEEPER_MAX_HOLDERS) {
					nh++;
					pfd[nh].fd = c;
					pfd[nh].events = POLLIN;
					pfd[nh].revents = 0;
				} else {
					/* On unload the name goes before the caller sees EOF. */
					if (unload) {
						close(st->listen_fd);
						st->listen_fd = -1;
					}
					close(c);
				}
			}
		}
		if (unload || (!st->info.resident && nh == 0))
			break;
	}
	/* Closing the listening socket drops the name; the memfd goes with the last mapping. */
	if (st->listen_fd >= 0)
		close(st->listen_fd);
}

int tcc_keeper_spawn(const struct tcc_keeper_state *st)
{
	struct tcc_keeper_state copy = *st;
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t none;
	pid_t pid, w;
	int status, nul;

	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		/* Intermediate child: detach so the keeper is reparented, never a zombie of ours. */
		setsid();
		if (fork() != 0)
			_exit(0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGTERM, &sa, NULL);
		nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			if (nul > 2)
				close(nul);
		}
		/* Inherited pipes (a test harness's stdout) must not be held open by us. */
		close_all_but(copy.memfd, copy.listen_fd, copy.holder_fd);
		if (chdir("/") < 0)
			_exit(1);
		prctl(PR_SET_NAME, "tcc-weights", 0, 0, 0);
		keeper_main(&copy);
		_exit(0);
	}
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	/* ECHILD: the application ignores SIGCHLD; the child was reaped for us. */
	return 0;
}
