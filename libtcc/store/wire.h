/* SPDX-License-Identifier: MIT */
/*
 * PyTorch c10d TCPStore wire protocol: opcodes of both generations and the
 * little byte-buffer helpers the server and the clients share.
 * Reference: /work/shared/notes/tcpstore.md, Documentation/tcpstore.md.
 *
 * Every integer is raw host order (little-endian on every platform PyTorch
 * ships for); strings and values are a u64 length + bytes; requests are an
 * opcode byte + arguments, with no framing.
 */
#ifndef TCC_STORE_WIRE_H
#define TCC_STORE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tcc/status.h>

/* Protocol-independent command ids (the server and clients work in these). */
enum store_cmd {
	CMD_VALIDATE,
	CMD_SET,
	CMD_COMPARE_SET,
	CMD_GET,
	CMD_ADD,
	CMD_CHECK,
	CMD_WAIT,
	CMD_GETNUMKEYS,
	CMD_WATCH_KEY,
	CMD_DELETE_KEY,
	CMD_APPEND,
	CMD_MULTI_GET,
	CMD_MULTI_SET,
	CMD_CANCEL_WAIT,
	CMD_PING,
	CMD_QUEUE_PUSH,
	CMD_QUEUE_POP,
	CMD_QUEUE_LEN,
	CMD_TCC_STATS,
	CMD_COUNT,
	CMD_INVALID = -1,
};

/* 2.x opcodes are 0..16; tcc's own extension sits far above PyTorch's range. */
#define STORE_OP_TCC_STATS 0xF0

#define STORE_VALIDATE_MAGIC 0x3C85F7CEu

enum { STORE_CHECK_READY = 0, STORE_CHECK_NOT_READY = 1 };
enum { STORE_WAIT_STOP_WAITING = 0, STORE_WAIT_CANCELED = 1 };
enum { STORE_WATCH_CALLBACK_REGISTERED = 3 };

/*
 * PyTorch's query numbering has three generations.  Only the newest one
 * announces itself (VALIDATE + magic first); the two older ones send no
 * handshake and disagree on opcodes 7 and 8.
 */
enum store_gen {
	GEN_1_13,	/* SET 0 .. GETNUMKEYS 6, WATCH_KEY 7, DELETE_KEY 8 */
	GEN_2_0,	/* no WATCH_KEY: DELETE_KEY 7, APPEND 8, MULTI_GET 9, MULTI_SET 10, CANCEL_WAIT 11 */
	GEN_2_1,	/* VALIDATE 0 first, then SET 1 .. CANCEL_WAIT 12, PING 13, queues 14..16 */
	GEN_COUNT,
};

/* Wire opcode of @cmd in generation @gen, -1 if it has none. */
int store_gen_opcode(enum store_cmd cmd, enum store_gen gen);
/* Command of wire @opcode in generation @gen, CMD_INVALID if unknown there. */
enum store_cmd store_gen_cmd_of(uint8_t opcode, enum store_gen gen);
const char *store_gen_name(enum store_gen gen);

/* The clients' two modes: v1 = PyTorch 1.13, else the handshake generation. */
int store_opcode(enum store_cmd cmd, bool v1);
enum store_cmd store_cmd_of(uint8_t opcode, bool v1);
const char *store_cmd_name(enum store_cmd cmd);

/* Growable output buffer. */
struct store_buf {
	uint8_t *data;
	size_t len, cap;
	bool oom;	/* an append failed; the content is incomplete */
};

void store_buf_free(struct store_buf *b);
void store_buf_reset(struct store_buf *b);
bool store_buf_reserve(struct store_buf *b, size_t extra);
/* Room for @extra more bytes, allocated to fit rather than doubled (a known request size). */
bool store_buf_reserve_exact(struct store_buf *b, size_t extra);
void store_buf_put(struct store_buf *b, const void *p, size_t n);
void store_buf_u8(struct store_buf *b, uint8_t v);
void store_buf_u32(struct store_buf *b, uint32_t v);
void store_buf_u64(struct store_buf *b, uint64_t v);
/* u64 length + bytes */
void store_buf_bytes(struct store_buf *b, const void *p, size_t n);

/*
 * Bounded reader over received bytes.  Reads past the end set @short_read
 * (the request is not complete yet); callers check it once at the end.
 */
struct store_reader {
	const uint8_t *p;
	size_t len, pos;
	bool short_read;
	size_t need;	/* on short_read: total bytes from the start needed so far */
};

void store_reader_init(struct store_reader *r, const void *p, size_t len);
uint8_t store_read_u8(struct store_reader *r);
uint32_t store_read_u32(struct store_reader *r);
uint64_t store_read_u64(struct store_reader *r);
/* Borrow @n bytes (NULL on short read). */
const uint8_t *store_read_raw(struct store_reader *r, size_t n);

/* Parse a stored ADD counter like std::stoll; false if not a number. */
bool store_parse_i64(const uint8_t *p, size_t n, int64_t *out);

#endif
