// SPDX-License-Identifier: MIT
/* The queue command set on host memory: validation, then execution. */
#include "queue/cmd_exec.h"

#include <errno.h>
#include <string.h>

/* [off, off + len) inside a buffer of @size bytes, without overflow. */
static int in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int reject(uint32_t i, const char *msg, uint32_t *bad, const char **why)
{
	*bad = i;
	*why = msg;
	return -EINVAL;
}

int tcc_cmds_validate(const tcc_cmd *cmds, uint32_t ncmds, const uint64_t *buf_sizes,
		      uint32_t nbufs, uint32_t *bad, const char **why)
{
	for (uint32_t i = 0; i < ncmds; i++) {
		const tcc_cmd *c = &cmds[i];
		int nsrc = 0;

		if (c->flags || c->pad)
			return reject(i, "non-zero flags or padding", bad, why);
		switch (c->op) {
		case TCC_CMD_NOP:
			continue;
		case TCC_CMD_SIGNAL:
			if (c->dst >= nbufs)
				return reject(i, "dst buffer index out of range", bad, why);
			if (c->dst_off % 8 || !in_bounds(c->dst_off, 8, buf_sizes[c->dst]))
				return reject(i, "signal offset out of range or unaligned", bad, why);
			continue;
		case TCC_CMD_FILL:
			nsrc = 0;
			break;
		case TCC_CMD_COPY:
		case TCC_CMD_RELU:
			nsrc = 1;
			break;
		case TCC_CMD_ADD:
		case TCC_CMD_MUL:
			nsrc = 2;
			break;
		default:
			return reject(i, "unknown opcode", bad, why);
		}
		if (c->op != TCC_CMD_COPY && (c->size % 4 || c->dst_off % 4 ||
					      (nsrc > 0 && c->src0_off % 4) ||
					      (nsrc > 1 && c->src1_off % 4)))
			return reject(i, "f32/u32 operation not 4-byte aligned", bad, why);
		if (c->dst >= nbufs || (nsrc > 0 && c->src0 >= nbufs) || (nsrc > 1 && c->src1 >= nbufs))
			return reject(i, "buffer index out of range", bad, why);
		if (!in_bounds(c->dst_off, c->size, buf_sizes[c->dst]) ||
		    (nsrc > 0 && !in_bounds(c->src0_off, c->size, buf_sizes[c->src0])) ||
		    (nsrc > 1 && !in_bounds(c->src1_off, c->size, buf_sizes[c->src1])))
			return reject(i, "offset + size past the end of a buffer", bad, why);
	}
	return 0;
}

void tcc_cmds_execute(const tcc_cmd *cmds, uint32_t ncmds, void *const *buf_ptrs)
{
	for (uint32_t i = 0; i < ncmds; i++) {
		const tcc_cmd *c = &cmds[i];
		char *dst = c->op == TCC_CMD_NOP ? NULL : (char *)buf_ptrs[c->dst] + c->dst_off;
		const char *s0 = NULL, *s1 = NULL;
		size_t n = c->size / 4;

		if (c->op == TCC_CMD_COPY || c->op == TCC_CMD_RELU || c->op == TCC_CMD_ADD ||
		    c->op == TCC_CMD_MUL)
			s0 = (const char *)buf_ptrs[c->src0] + c->src0_off;
		if (c->op == TCC_CMD_ADD || c->op == TCC_CMD_MUL)
			s1 = (const char *)buf_ptrs[c->src1] + c->src1_off;

		/* memcpy per element: buffers carry no alignment promise for float. */
		switch (c->op) {
		case TCC_CMD_COPY:
			memmove(dst, s0, c->size);
			break;
		case TCC_CMD_FILL: {
			uint32_t v = (uint32_t)c->value;

			for (size_t k = 0; k < n; k++)
				memcpy(dst + 4 * k, &v, 4);
			break;
		}
		case TCC_CMD_ADD:
		case TCC_CMD_MUL:
		case TCC_CMD_RELU:
			for (size_t k = 0; k < n; k++) {
				float a, b = 0, r;

				memcpy(&a, s0 + 4 * k, 4);
				if (s1)
					memcpy(&b, s1 + 4 * k, 4);
				r = c->op == TCC_CMD_ADD ? a + b : c->op == TCC_CMD_MUL ? a * b
										: (a > 0 ? a : 0);
				memcpy(dst + 4 * k, &r, 4);
			}
			break;
		case TCC_CMD_SIGNAL:
			memcpy(dst, &c->value, 8);
			break;
		default:
			break;
		}
	}
}
