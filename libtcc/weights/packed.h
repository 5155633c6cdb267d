/* SPDX-License-Identifier: MIT */
/*
 * Internal: pre-packed weight records.  For an initializer NAME, a packed
 * image may hold "NAME@packed": the bytes oneDNN's matmul or conv reads for
 * that weight, in its blocked layout, after a 128-byte header carrying the
 * layout's fingerprint (libtcc/dnnl/dnnl_packed.c) and, when the image has
 * no plain record NAME (PLAIN_OMITTED), the plain initializer's description.
 * A model run from the buffer uses those bytes in place when the fingerprint
 * matches what this process would create, so a shared buffer runs at full
 * speed with no private copy.
 */
#ifndef TCC_WEIGHTS_PACKED_H
#define TCC_WEIGHTS_PACKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tcc/model.h>
#include <tcc/weights.h>

#define TCC_WEIGHTS_PACKED_SUFFIX "@packed"
/* 03: plain_digest is the XXH3-64 of all the values (02 sampled 17 windows). */
#define TCC_WEIGHTS_PACKED_MAGIC "TCCPKW03"

/* Header flag: the buffer holds no plain record of the initializer, only this one. */
#define TCC_WEIGHTS_PACKED_PLAIN_OMITTED 1u

/*
 * The record's header; the packed bytes follow at offset 128 (alignment
 * kept).  With PLAIN_OMITTED it also describes the plain initializer it
 * stands for, so a loader can check it against the model file: dtype, dims,
 * byte size, a digest of its values (tcc_weights_content_digest()), and the
 * one node that reads it (op type, input 1).
 */
struct tcc_weights_packed_header {
	char magic[8];
	uint64_t fingerprint;
	uint64_t nbytes;	/* of the packed bytes that follow */
	uint32_t flags;
	int32_t plain_dtype;	/* tcc_dtype */
	int32_t plain_rank;
	char consumer[12];	/* "MatMul", "Gemm" or "Conv", NUL-padded */
	uint64_t plain_nbytes;
	uint64_t plain_digest;
	int64_t plain_dims[8];
};

_Static_assert(sizeof(struct tcc_weights_packed_header) == 128, "packed header is 128 bytes");
_Static_assert(TCC_MAX_RANK == 8, "plain_dims holds TCC_MAX_RANK dims");

/*
 * The bytes of @n bytes of values a buffer is compared with the model file
 * on: window @k (0 to TCC_WEIGHTS_SAMPLE_WINDOWS - 1) is [*off, *off + *len).
 * Window 0 is all of them and the others are empty: 17 windows of 64 bytes
 * let a buffer of another model with the same shapes through (one differing
 * value between two windows), and a wrong model must never run silently.
 * *len may be 0.
 */
#define TCC_WEIGHTS_SAMPLE_WINDOWS 17
void tcc_weights_sample_window(size_t n, size_t k, size_t *off, size_t *len);

/* XXH3-64 of all @n bytes: what the loader compares when the plain copy was left out. */
uint64_t tcc_weights_content_digest(const void *p, size_t n);

/*
 * The digest an image entry records: XXH3-64 over the name (with its NUL),
 * dtype and rank (uint32 each), the @rank dims (int64) and all the bytes.
 */
uint64_t tcc_weights_record_digest(const char *name, tcc_dtype dtype, int rank, const int64_t *dims,
				   const void *data, size_t nbytes);

/*
 * Does the image's record @name hold exactly @data (@nbytes)?  Compared by
 * the digest recorded when the image was packed, so only @data is read.
 * TCC_ERR_INVALID_ARG naming the initializer when not; TCC_ERR_NOT_FOUND
 * when there is no such record.
 */
tcc_status tcc_weights_image_verify(const void *image, size_t size, const char *name, const void *data,
				    size_t nbytes);

/* The whole image's digest: of every record's, in index order. */
tcc_status tcc_weights_image_model_digest(const void *image, size_t size, uint64_t *digest);

/*
 * The packed record "NAME@packed" of @image, header checked: its header and
 * packed bytes.  TCC_ERR_NOT_FOUND when there is none, TCC_ERR_PARSE when it
 * is malformed.
 */
tcc_status tcc_weights_packed_record(const void *image, size_t size, const char *name,
				     struct tcc_weights_packed_header *h, const void **data);

/* Mapped buffers of this process, so a pass can find the buffer a borrowed constant lies in. */
void tcc_weights_registry_add(tcc_weights *w);
void tcc_weights_registry_remove(tcc_weights *w);

/*
 * The packed record of initializer @name, for a constant whose data
 * @borrowed points into a mapped weight buffer: its packed bytes (in the
 * mapping), their size and fingerprint.  TCC_ERR_NOT_FOUND when @borrowed is
 * in no mapped buffer or the buffer has no such record; TCC_ERR_PARSE for a
 * malformed record.
 */
tcc_status tcc_weights_packed_find(const void *borrowed, const char *name, const void **data,
				   size_t *nbytes, uint64_t *fingerprint);

/* Count a packed record used in place (@used) or refused (fingerprint mismatch). */
void tcc_weights_packed_note(const void *borrowed, bool used);

/*
 * Packing (tcc_weights_load_onnx): while a model is compiled on this thread
 * with a packing callback set, the extern-kernel pass offers every MatMul/
 * Gemm/Conv op it keeps (convs in their final layouts) that prepacked a
 * named constant weight.
 */
struct tcc_dnnl_op;
typedef void (*tcc_weights_packing_fn)(void *ctx, const char *initializer, const struct tcc_dnnl_op *op);
void tcc_weights_packing_set(tcc_weights_packing_fn fn, void *ctx);
void tcc_weights_packing_offer(const char *initializer, const struct tcc_dnnl_op *op);

#endif
