/* SPDX-License-Identifier: MIT */
/*
 * The queue command set (see <tcc/queue.h>): what one job asks an engine to
 * do.  A header of its own so that code which only interprets commands (CPU
 * executors, tests) needs nothing else.
 */
#ifndef TCC_QUEUE_CMD_H
#define TCC_QUEUE_CMD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Command opcodes; the same numbers as TCC_CMD_* in <uapi/drm/tcc_drm.h>. */
typedef enum tcc_cmd_op {
	TCC_CMD_NOP = 0,
	TCC_CMD_COPY = 1,	/* dst[0..size) = src0[0..size) */
	TCC_CMD_FILL = 2,	/* dst as u32 words = (u32)value; size % 4 == 0 */
	TCC_CMD_ADD = 3,	/* f32: dst = src0 + src1; size % 4 == 0 */
	TCC_CMD_MUL = 4,	/* f32: dst = src0 * src1 */
	TCC_CMD_RELU = 5,	/* f32: dst = max(src0, 0) */
	TCC_CMD_SIGNAL = 6,	/* u64 at dst + dst_off = value (size ignored) */
	TCC_CMD_OP_COUNT
} tcc_cmd_op;

/*
 * One command, 64 bytes, the same layout as struct drm_tcc_cmd.  dst, src0
 * and src1 index the job's buffer list; offsets are in bytes into those
 * buffers.  Every access is bounds-checked against the buffer sizes before
 * anything runs: a bad command fails the whole job with -EINVAL.
 */
typedef struct tcc_cmd {
	uint32_t op;
	uint32_t flags;		/* must be 0 */
	uint32_t dst, src0, src1;
	uint32_t pad;		/* must be 0 */
	uint64_t dst_off, src0_off, src1_off;
	uint64_t size;
	uint64_t value;
} tcc_cmd;

#ifdef __cplusplus
}
#endif
#endif /* TCC_QUEUE_CMD_H */
