/* SPDX-License-Identifier: MIT */
/*
 * Pre-packed constant weights: the fingerprint that says which layout a
 * primitive reads its weights in, and using bytes packed by another process
 * (a shared weight buffer) in place when it matches.  Shared by matmul and
 * conv.
 */
#include <string.h>

#include "common/error.h"
#include "dnnl/dnnl_internal.h"

/* FNV-1a, 64-bit: a fingerprint, not a defence against forgery (the buffer is sealed and trusted). */
uint64_t tcc_dnnl_fp_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t tcc_dnnl_fp_begin(void)
{
	const dnnl_version_t *v = dnnl_version();
	uint64_t h = 0xcbf29ce484222325ull;
	dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();

	TCC_DNNL_FP_ADD(h, v->major);
	TCC_DNNL_FP_ADD(h, v->minor);
	TCC_DNNL_FP_ADD(h, v->patch);
	if (v->hash)
		h = tcc_dnnl_fp_add(h, v->hash, strlen(v->hash));
	TCC_DNNL_FP_ADD(h, isa);
	return h;
}

/*
 * Hash the fields of @md that define the bytes' layout, one by one: the
 * struct has padding and a union whose unused part need not be zero.
 */
uint64_t tcc_dnnl_fp_md(uint64_t h, const dnnl_memory_desc_t *md)
{
	int nd = md->ndims;

	TCC_DNNL_FP_ADD(h, md->ndims);
	h = tcc_dnnl_fp_add(h, md->dims, sizeof(md->dims[0]) * (size_t)nd);
	TCC_DNNL_FP_ADD(h, md->data_type);
	h = tcc_dnnl_fp_add(h, md->padded_dims, sizeof(md->padded_dims[0]) * (size_t)nd);
	h = tcc_dnnl_fp_add(h, md->padded_offsets, sizeof(md->padded_offsets[0]) * (size_t)nd);
	TCC_DNNL_FP_ADD(h, md->offset0);
	TCC_DNNL_FP_ADD(h, md->format_kind);
	if (md->format_kind == dnnl_blocked) {
		const dnnl_blocking_desc_t *b = &md->format_desc.blocking;

		h = tcc_dnnl_fp_add(h, b->strides, sizeof(b->strides[0]) * (size_t)nd);
		TCC_DNNL_FP_ADD(h, b->inner_nblks);
		h = tcc_dnnl_fp_add(h, b->inner_blks, sizeof(b->inner_blks[0]) * (size_t)b->inner_nblks);
		h = tcc_dnnl_fp_add(h, b->inner_idxs, sizeof(b->inner_idxs[0]) * (size_t)b->inner_nblks);
	}
	TCC_DNNL_FP_ADD(h, md->extra.flags);
	TCC_DNNL_FP_ADD(h, md->extra.compensation_mask);
	TCC_DNNL_FP_ADD(h, md->extra.scale_adjust);
	return h;
}

bool tcc_dnnl_use_packed(tcc_dnnl_op *op, const dnnl_memory_desc_t *wmd, uint64_t fp, const void *packed,
			 size_t packed_bytes, uint64_t packed_fp)
{
	dnnl_engine_t engine = NULL;

	/* Never read bytes whose layout differs from what this primitive reads. */
	if (!packed || fp != packed_fp || packed_bytes != dnnl_memory_desc_get_size(wmd) ||
	    tcc_dnnl_engine(&engine) != TCC_OK)
		return false;
	/* A memory object over the caller's (read-only, shared) bytes: no copy, never written. */
	if (dnnl_memory_create(&op->wei_mem, wmd, engine, (void *)packed) != dnnl_success) {
		op->wei_mem = NULL;
		return false;
	}
	op->packed = packed;
	op->packed_bytes = packed_bytes;
	op->packed_fingerprint = fp;
	op->weights_in_place = true;
	return true;
}

tcc_status tcc_dnnl_op_packed_weights(const tcc_dnnl_op *op, const void **data, size_t *bytes, uint64_t *fp)
{
	if (!op || !data || !bytes || !fp)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "dnnl packed weights: NULL argument");
	if (!op->packed)
		return tcc_set_error(TCC_ERR_NOT_FOUND, "dnnl %s: no constant weights", op->what);
	*data = op->packed;
	*bytes = op->packed_bytes;
	*fp = op->packed_fingerprint;
	return TCC_OK;
}

bool tcc_dnnl_op_weights_in_place(const tcc_dnnl_op *op)
{
	return op && op->weights_in_place;
}

void tcc_dnnl_op_take_weights(tcc_dnnl_op *to, tcc_dnnl_op *from)
{
	if (!to || !from || !to->weights_in_place || !from->wei_buf || to->packed != from->wei_buf)
		return;
	to->wei_buf = from->wei_buf;
	to->weights_in_place = false;
	from->wei_buf = NULL;
	from->packed = NULL;
}
