// SPDX-License-Identifier: MIT
/*
 * The wire form of a model job: one NOP command tagged with
 * TCC_MODEL_JOB_MAGIC.  tcc.ko (and libtccml's command validator) check only
 * a NOP's flags and padding, so the other fields travel to the executor
 * untouched; that is the whole "protocol", no uapi change needed.
 *
 *	op = NOP, flags = pad = 0, value = TCC_MODEL_JOB_MAGIC,
 *	size = TCC_MODEL_JOB_VERSION, dst = model id,
 *	src0 = number of inputs, src1 = number of outputs, offsets = 0
 */
#include "exec/exec_internal.h"

#include <errno.h>
#include <string.h>

tcc_cmd tcc_model_desc_encode(const struct tcc_model_desc *d)
{
	tcc_cmd c;

	memset(&c, 0, sizeof(c));
	c.op = TCC_CMD_NOP;
	c.value = TCC_MODEL_JOB_MAGIC;
	c.size = TCC_MODEL_JOB_VERSION;
	c.dst = d->model_id;
	c.src0 = d->ninputs;
	c.src1 = d->noutputs;
	return c;
}

static int is_tagged(const tcc_cmd *c)
{
	return c->op == TCC_CMD_NOP && c->value == TCC_MODEL_JOB_MAGIC;
}

int tcc_model_desc_decode(const tcc_cmd *cmds, uint32_t ncmds, struct tcc_model_desc *d)
{
	uint32_t tagged = 0;

	for (uint32_t i = 0; i < ncmds; i++)
		tagged += is_tagged(&cmds[i]);
	if (!tagged)
		return 0;
	if (ncmds != 1 || cmds[0].size != TCC_MODEL_JOB_VERSION || cmds[0].dst_off ||
	    cmds[0].src0_off || cmds[0].src1_off)
		return -EINVAL;
	d->model_id = cmds[0].dst;
	d->ninputs = cmds[0].src0;
	d->noutputs = cmds[0].src1;
	return 1;
}
