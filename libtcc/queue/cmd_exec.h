/* SPDX-License-Identifier: MIT */
/*
 * Internal: the queue command set in userspace.  The embedded SIM and CPU
 * engines and the CPU executor loop run commands with it; tcc.ko's
 * simulated XPU (firmware-stubs/tcc_sim_fw.c) implements the same rules.
 */
#ifndef TCC_QUEUE_CMD_EXEC_H
#define TCC_QUEUE_CMD_EXEC_H

#include <stdint.h>
#include <tcc/queue_cmd.h>

/*
 * Checks every command against the buffer sizes (indexes, offsets, lengths,
 * overflow, alignment, flags, padding).  0 or -EINVAL; on -EINVAL, *bad is
 * the index of the first bad command and *why a static reason.
 */
int tcc_cmds_validate(const tcc_cmd *cmds, uint32_t ncmds, const uint64_t *buf_sizes,
		      uint32_t nbufs, uint32_t *bad, const char **why);

/* Runs validated commands on the mapped buffers. */
void tcc_cmds_execute(const tcc_cmd *cmds, uint32_t ncmds, void *const *buf_ptrs);

#endif
