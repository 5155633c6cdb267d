// SPDX-License-Identifier: MIT
#include "store/wire.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The three QueryType enums, as PyTorch's TCPStore sources define them
 * (TCPStore.cpp for 1.13 and the 2.0 series, TCPStoreBackend.hpp since the
 * VALIDATE handshake).  TCC_STATS is tcc's own, far above every range.
 */
static const int gen_opcodes[GEN_COUNT][CMD_COUNT] = {
	[GEN_1_13] = {
		[CMD_VALIDATE] = -1, [CMD_SET] = 0, [CMD_COMPARE_SET] = 1, [CMD_GET] = 2,
		[CMD_ADD] = 3, [CMD_CHECK] = 4, [CMD_WAIT] = 5, [CMD_GETNUMKEYS] = 6,
		[CMD_WATCH_KEY] = 7, [CMD_DELETE_KEY] = 8, [CMD_APPEND] = -1, [CMD_MULTI_GET] = -1,
		[CMD_MULTI_SET] = -1, [CMD_CANCEL_WAIT] = -1, [CMD_PING] = -1, [CMD_QUEUE_PUSH] = -1,
		[CMD_QUEUE_POP] = -1, [CMD_QUEUE_LEN] = -1, [CMD_TCC_STATS] = STORE_OP_TCC_STATS,
	},
	[GEN_2_0] = {
		[CMD_VALIDATE] = -1, [CMD_SET] = 0, [CMD_COMPARE_SET] = 1, [CMD_GET] = 2,
		[CMD_ADD] = 3, [CMD_CHECK] = 4, [CMD_WAIT] = 5, [CMD_GETNUMKEYS] = 6,
		[CMD_WATCH_KEY] = -1, [CMD_DELETE_KEY] = 7, [CMD_APPEND] = 8, [CMD_MULTI_GET] = 9,
		[CMD_MULTI_SET] = 10, [CMD_CANCEL_WAIT] = 11, [CMD_PING] = -1, [CMD_QUEUE_PUSH] = -1,
		[CMD_QUEUE_POP] = -1, [CMD_QUEUE_LEN] = -1, [CMD_TCC_STATS] = STORE_OP_TCC_STATS,
	},
	[GEN_2_1] = {
		[CMD_VALIDATE] = 0, [CMD_SET] = 1, [CMD_COMPARE_SET] = 2, [CMD_GET] = 3,
		[CMD_ADD] = 4, [CMD_CHECK] = 5, [CMD_WAIT] = 6, [CMD_GETNUMKEYS] = 7,
		[CMD_WATCH_KEY] = -1, [CMD_DELETE_KEY] = 8, [CMD_APPEND] = 9, [CMD_MULTI_GET] = 10,
		[CMD_MULTI_SET] = 11, [CMD_CANCEL_WAIT] = 12, [CMD_PING] = 13, [CMD_QUEUE_PUSH] = 14,
		[CMD_QUEUE_POP] = 15, [CMD_QUEUE_LEN] = 16, [CMD_TCC_STATS] = STORE_OP_TCC_STATS,
	},
};

int store_gen_opcode(enum store_cmd cmd, enum store_gen gen)
{
	if (cmd < 0 || cmd >= CMD_COUNT || gen < 0 || gen >= GEN_COUNT)
		return -1;
	return gen_opcodes[gen][cmd];
}

enum store_cmd store_gen_cmd_of(uint8_t opcode, enum store_gen gen)
{
	if (gen < 0 || gen >= GEN_COUNT)
		return CMD_INVALID;
	for (int c = 0; c < CMD_COUNT; c++)
		if (gen_opcodes[gen][c] == opcode)
			return (enum store_cmd)c;
	return CMD_INVALID;
}

const char *store_gen_name(enum store_gen gen)
{
	static const char *const names[GEN_COUNT] = { "1.13", "2.0", "2.1+" };

	return gen >= 0 && gen < GEN_COUNT ? names[gen] : "?";
}

int store_opcode(enum store_cmd cmd, bool v1)
{
	return store_gen_opcode(cmd, v1 ? GEN_1_13 : GEN_2_1);
}

enum store_cmd store_cmd_of(uint8_t opcode, bool v1)
{
	return store_gen_cmd_of(opcode, v1 ? GEN_1_13 : GEN_2_1);
}

const char *store_cmd_name(enum store_cmd cmd)
{
	static const char *const names[CMD_COUNT] = {
		"VALIDATE", "SET", "COMPARE_SET", "GET", "ADD", "CHECK", "WAIT",
		"GETNUMKEYS", "WATCH_KEY", "DELETE_KEY", "APPEND", "MULTI_GET",
		"MULTI_SET", "CANCEL_WAIT", "PING", "QUEUE_PUSH", "QUEUE_POP",
		"QUEUE_LEN", "TCC_STATS",
	};
	return cmd >= 0 && cmd < CMD_COUNT ? names[cmd] : "INVALID";
}

void store_buf_free(struct store_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void store_buf_reset(struct store_buf *b)
{
	b->len = 0;
	b->oom = false;
}

bool store_buf_reserve(struct store_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (extra <= b->cap - b->len)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap - b->len < extra) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	uint8_t *d = realloc(b->data, cap);
	if (!d) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

bool store_buf_reserve_exact(struct store_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (extra <= b->cap - b->len)
		return true;
	if (extra > SIZE_MAX - b->len) {
		b->oom = true;
		return false;
	}
	uint8_t *d = realloc(b->data, b->len + extra);
	if (!d) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = b->len + extra;
	return true;
}

void store_buf_put(struct store_buf *b, const void *p, size_t n)
{
	if (!n || !store_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void store_buf_u8(struct store_buf *b, uint8_t v)
{
	store_buf_put(b, &v, 1);
}

/* Host order on purpose: that is what PyTorch puts on the wire. */
void store_buf_u32(struct store_buf *b, uint32_t v)
{
	store_buf_put(b, &v, 4);
}

void store_buf_u64(struct store_buf *b, uint64_t v)
{
	store_buf_put(b, &v, 8);
}

void store_buf_bytes(struct store_buf *b, const void *p, size_t n)
{
	store_buf_u64(b, n);
	store_buf_put(b, p, n);
}

void store_reader_init(struct store_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->short_read = false;
	r->need = 0;
}

const uint8_t *store_read_raw(struct store_reader *r, size_t n)
{
	if (r->short_read)
		return NULL;
	if (n > r->len - r->pos) {
		r->short_read = true;
		r->need = (n > SIZE_MAX - r->pos) ? SIZE_MAX : r->pos + n;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

uint8_t store_read_u8(struct store_reader *r)
{
	const uint8_t *p = store_read_raw(r, 1);
	return p ? *p : 0;
}

uint32_t store_read_u32(struct store_reader *r)
{
	uint32_t v = 0;
	const uint8_t *p = store_read_raw(r, 4);

	if (p)
		memcpy(&v, p, 4);
	return v;
}

uint64_t store_read_u64(struct store_reader *r)
{
	uint64_t v = 0;
	const uint8_t *p = store_read_raw(r, 8);

	if (p)
		memcpy(&v, p, 8);
	return v;
}

bool store_parse_i64(const uint8_t *p, size_t n, int64_t *out)
{
	char tmp[32];

	/* std::stoll skips leading blanks and stops at the first non-digit. */
	while (n && isspace(*p)) {
		p++;
		n--;
	}
	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;	/* longer than any int64: strtoll reports ERANGE */
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (end == tmp || errno == ERANGE)
		return false;
	*out = v;
	return true;
}
