/* SPDX-License-Identifier: MIT */
/*
 * Internal: the keeper, a small process forked at seal time that owns a
 * sealed embedded weight buffer and hands its fd out by name.
 *
 * Names live in the abstract unix-socket namespace as
 * "tcc-weights/<uid>/<name>": bind() is an atomic reservation (EADDRINUSE on a
 * collision) and the kernel drops the name the moment its last socket closes,
 * so a creator that dies before seal leaves nothing behind, not even a stale
 * socket file.  Abstract sockets have no file permissions: the keeper checks
 * every peer's SO_PEERCRED, and clients check that the keeper runs as the
 * expected uid (someone else squatting a name is refused, not trusted).
 */
#ifndef TCC_WEIGHTS_KEEPER_H
#define TCC_WEIGHTS_KEEPER_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#define TCC_KEEPER_MAGIC 0x4b574354u /* "TCWK" */
#define TCC_KEEPER_PREFIX "tcc-weights/"

enum tcc_keeper_op {
	TCC_KEEPER_OPEN = 1,	/* reply + fd; the connection then counts as a holder */
	TCC_KEEPER_INFO = 2,	/* reply, then closed */
	TCC_KEEPER_UNLOAD = 3,	/* reply, then the keeper drops the name and exits */
};

struct tcc_keeper_request {
	uint32_t magic;
	uint32_t op;
};

struct tcc_keeper_reply {
	uint32_t magic;
	int32_t error;		/* 0 or a positive errno */
	uint64_t size;
	uint64_t alloc_size;
	uint32_t backing;
	uint32_t resident;
	uint32_t holders;
	uint32_t uid;
	uint32_t gid;
	uint32_t mode;
};

/* What the keeper serves. */
struct tcc_keeper_state {
	int memfd;		/* O_RDONLY sealed memfd handed to openers */
	int listen_fd;		/* bound + listening abstract socket */
	int holder_fd;		/* the creator's connection (first holder) */
	struct tcc_keeper_reply info;
};

/* Fill @addr with the abstract address of @name for @uid; returns its length. */
socklen_t tcc_keeper_addr(struct sockaddr_un *addr, uid_t uid, const char *name);

/*
 * Fork the keeper (double fork, new session, every other fd closed).
 * Returns 0 or a positive errno; the caller keeps its own copies of the fds.
 */
int tcc_keeper_spawn(const struct tcc_keeper_state *st);

#endif
