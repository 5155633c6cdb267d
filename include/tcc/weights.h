/* SPDX-License-Identifier: MIT */
/*
 * tcc weight buffers: load a model's weights once, seal them read-only and
 * map them in any number of processes (huge pages where the system allows).
 *
 *	// loader (e.g. `tccctl weights load resnet50 w.bin`)
 *	tcc_weights *w;
 *	void *dst;
 *	tcc_weights_create(&w, "resnet50", size, NULL);
 *	tcc_weights_map_writable(w, &dst);	// or tcc_weights_write()
 *	memcpy(dst, bytes, size);
 *	tcc_weights_seal(w);			// immutable from here on
 *	tcc_weights_close(w);			// freed when the last holder goes
 *
 *	// every worker
 *	const void *p;
 *	tcc_weights_open(&w, "resnet50", NULL);
 *	tcc_weights_map(w, &p);			// read-only, shared, no copy
 *
 * Two backends behind one API: tcc.ko (TCC_WEIGHTS_CREATE/SEAL/OPEN ioctls,
 * 2 MiB physically contiguous chunks, names global with uid/gid/mode checks)
 * and the embedded default without the module (a sealed memfd, MFD_HUGETLB
 * when huge pages are reserved, otherwise MADV_HUGEPAGE; names are per user
 * and a small keeper process hands the fd out).  See Documentation/weights.md.
 *
 * A mapping belongs to its handle: tcc_weights_close() unmaps it.
 */
#ifndef TCC_WEIGHTS_H
#define TCC_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tcc/status.h>
#include <tcc/model.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Names: 1..TCC_WEIGHTS_NAME_MAX of [A-Za-z0-9._-], not starting with '.' or '-'. */
#define TCC_WEIGHTS_NAME_MAX 63

typedef struct tcc_weights tcc_weights;

typedef enum tcc_weights_backend {
	TCC_WEIGHTS_AUTO = 0,	/* tcc.ko when its render node is present, else embedded */
	TCC_WEIGHTS_EMBEDDED,	/* memfd, no module */
	TCC_WEIGHTS_MODULE,	/* tcc.ko only (TCC_ERR_NO_DEVICE without it) */
} tcc_weights_backend;

/* What backs the memory, as far as the backend can tell. */
typedef enum tcc_weights_backing {
	TCC_WEIGHTS_SMALL_PAGES = 0,	/* 4 KiB pages only */
	TCC_WEIGHTS_HUGETLB,		/* memfd MFD_HUGETLB (reserved 2 MiB pages) */
	TCC_WEIGHTS_THP,		/* memfd + MADV_HUGEPAGE, shmem THP enabled */
	TCC_WEIGHTS_CHUNKS,		/* tcc.ko physically contiguous chunks */
} tcc_weights_backing;

typedef struct tcc_weights_options {
	tcc_weights_backend backend;
	unsigned int mode;	/* who else may open (0640-style; 0: 0600). Module only: embedded names are per user */
	int resident;		/* keep after the last holder goes, until tcc_weights_unload() */
	/*
	 * tcc_weights_load_onnx(): 0 (default) stores each MatMul/Gemm/Conv
	 * weight pre-packed for this CPU and oneDNN, in place of its plain
	 * copy when that op is the weight's only reader and the model's shapes
	 * are static (one copy of the weights in all).  1: the initializers
	 * only, in the file's layout (for models and options whose layouts
	 * differ per process).
	 */
	int plain_only;
	/*
	 * 1: keep the plain copy of pre-packed weights too (about twice the
	 * memory): a worker whose layouts differ (other oneDNN, CPU limits,
	 * options) then reads the plain copy instead of loading privately.
	 */
	int keep_plain;
	/*
	 * tcc_weights_load_onnx(): 1 packs for workers running with
	 * tcc_options.bf16 (on a CPU with native bf16): records in bf16, half
	 * the size of float32 ones.  Workers must then set bf16 too (others
	 * read the plain copies, or load privately without them).
	 */
	int bf16;
} tcc_weights_options;

typedef struct tcc_weights_info {
	char name[TCC_WEIGHTS_NAME_MAX + 1];
	size_t size;		/* bytes requested at create */
	size_t alloc_size;	/* bytes actually backing it (rounded to the page/chunk size) */
	tcc_weights_backend backend;
	tcc_weights_backing backing;
	size_t huge_chunks;	/* module: 2 MiB chunks; embedded hugetlb: 2 MiB pages */
	size_t small_chunks;	/* module: fallback chunks smaller than 2 MiB */
	int sealed;
	int resident;
	unsigned int holders;	/* handles open on it (embedded: keeper connections) */
	unsigned int mappers;	/* processes mapping it (module only; embedded: 0) */
	uid_t uid;
	gid_t gid;
	unsigned int mode;
} tcc_weights_info;

/* TCC_OK or TCC_ERR_INVALID_ARG with the reason in tcc_last_error(). */
tcc_status tcc_weights_check_name(const char *name);

/*
 * Create an unsealed buffer of @size bytes (zero-filled) and reserve @name.
 * TCC_ERR_EXISTS if the name is taken, TCC_ERR_NO_MEMORY if @size cannot be
 * backed.  Nobody else can open it until tcc_weights_seal(); if the creator
 * closes it or dies first, the buffer and the name are released.
 */
tcc_status tcc_weights_create(tcc_weights **out, const char *name, size_t size,
			      const tcc_weights_options *opts);
/* Creator only, before sealing: a writable mapping of the whole buffer. */
tcc_status tcc_weights_map_writable(tcc_weights *w, void **ptr);
/* Creator only, before sealing: copy @len bytes to @offset. */
tcc_status tcc_weights_write(tcc_weights *w, size_t offset, const void *data, size_t len);
/*
 * Make the buffer immutable and openable by name.  Drops the creator's
 * writable mapping (its pointer becomes invalid); map again with
 * tcc_weights_map().
 */
tcc_status tcc_weights_seal(tcc_weights *w);

/* Open a sealed buffer by name.  TCC_ERR_NOT_FOUND, TCC_ERR_PERMISSION. */
tcc_status tcc_weights_open(tcc_weights **out, const char *name, const tcc_weights_options *opts);
/* Read-only mapping of a sealed buffer, 2 MiB aligned; valid until close. */
tcc_status tcc_weights_map(tcc_weights *w, const void **ptr);
tcc_status tcc_weights_info_get(const tcc_weights *w, tcc_weights_info *info);
/* Unmaps and releases the handle (NULL is fine). */
void tcc_weights_close(tcc_weights *w);

/*
 * Every buffer this user can see (embedded: the caller's own; module: all),
 * as a tcc_free()-able array.
 */
tcc_status tcc_weights_list(tcc_weights_backend backend, tcc_weights_info **list, size_t *count);
/*
 * Drop the name and the resident pin: no new opens; the memory goes when the
 * last holder unmaps.
 */
tcc_status tcc_weights_unload(tcc_weights_backend backend, const char *name);

/*
 * Bytes of [ptr, ptr + len) in this process mapped with 2 MiB (PMD) entries,
 * read from /proc/self/smaps (hugetlb, ShmemPmdMapped, FilePmdMapped).
 */
tcc_status tcc_weights_pmd_mapped_bytes(const void *ptr, size_t *bytes);

/*
 * Model initializers in one buffer: a packed image with an index, each
 * tensor 64-byte aligned, so that a mapped buffer is used in place.
 */
typedef struct tcc_weights_record {
	const char *name;	/* initializer name (any bytes but NUL) */
	tcc_dtype dtype;
	int rank;
	int64_t dims[TCC_MAX_RANK];
	const void *data;
	size_t nbytes;
} tcc_weights_record;

/* Size of the packed image of @n records. */
tcc_status tcc_weights_pack_size(const tcc_weights_record *recs, size_t n, size_t *size);
/* Write the packed image into @dst (of @dst_size bytes, zero-filled by the caller or not). */
tcc_status tcc_weights_pack(void *dst, size_t dst_size, const tcc_weights_record *recs, size_t n);
/* create + pack + seal in one call: the usual loader. */
tcc_status tcc_weights_load_records(tcc_weights **out, const char *name,
				    const tcc_weights_record *recs, size_t n,
				    const tcc_weights_options *opts);
/*
 * Every initializer (and Constant) of an ONNX model, packed into a new
 * sealed buffer @name: what a server loads once for its workers.  The model
 * is also compiled once (tcc_options defaults) and, unless @opts->plain_only,
 * each MatMul/Gemm/Conv weight is added as oneDNN prepacked it on this CPU
 * ("NAME@packed", 64-byte aligned, with a fingerprint of its layout): a model
 * run from the buffer on the same CPU and oneDNN reads those in place at the
 * speed of a private load (tcc_weights_packed_usage_get()).
 */
tcc_status tcc_weights_load_onnx(tcc_weights **out, const char *name, const char *onnx_path,
				 const tcc_weights_options *opts);
/* Number of records in a packed image (validated). */
tcc_status tcc_weights_image_count(const void *image, size_t size, size_t *count);
/*
 * Look a record up in a packed image (e.g. a tcc_weights_map() pointer):
 * @rec->data points into the image, no copy.  TCC_ERR_NOT_FOUND, or
 * TCC_ERR_PARSE if the image is malformed (every offset is checked).
 */
tcc_status tcc_weights_image_find(const void *image, size_t size, const char *name,
				  tcc_weights_record *rec);
/* The @index-th record, same rules. */
tcc_status tcc_weights_image_at(const void *image, size_t size, size_t index,
				tcc_weights_record *rec);

const char *tcc_weights_backing_str(tcc_weights_backing backing);

/*
 * A model loaded with tcc_options.weights: what it reads in place from the
 * buffer's shared mapping and what it still copied privately.
 */
typedef struct tcc_model_weights_stats {
	size_t borrowed_tensors;	/* initializers pointing into the mapping */
	size_t borrowed_bytes;		/* their bytes */
	size_t in_place_weights;	/* MatMul/Gemm/Conv weights oneDNN reads from the mapping */
	size_t private_packed_bytes;	/* buffer bytes oneDNN prepacked into a private copy
					 * (weights_prepack; Conv without a matching record) */
	size_t packed_weights;		/* of in_place_weights: from pre-packed records */
	size_t packed_mismatches;	/* records refused: fingerprint of another CPU/oneDNN */
	/*
	 * 1: the buffer holds weights only pre-packed (no plain copy) in layouts
	 * this process could not use (other options, oneDNN, CPU limits or
	 * shapes), so the model was loaded privately from the file instead;
	 * the other fields are then 0.
	 */
	int private_fallback;
	/*
	 * Of the buffer, bytes this process maps with 2 MiB (PMD or hugetlb)
	 * entries now (/proc/self/smaps; pages are mapped as the model first
	 * touches them, so ask after a run).  0 with 4 KiB pages.
	 */
	size_t huge_mapped_bytes;
} tcc_model_weights_stats;

/* All zero for a model loaded without a weight buffer. */
tcc_status tcc_model_weights_stats_get(const tcc_model *m, tcc_model_weights_stats *stats);

/*
 * Pre-packed MatMul/Gemm/Conv weights (records "NAME@packed" that
 * tcc_weights_load_onnx() adds, in oneDNN's blocked layout for this CPU and
 * oneDNN version): how many models of this process, since it started, used
 * one from buffer @name in place (@used), and how many found one whose
 * fingerprint (oneDNN version, CPU ISA, shapes, layout) differs from what
 * this process would create and fell back to the plain initializer
 * (@mismatched).  Zero for a buffer never used.
 */
typedef struct tcc_weights_packed_usage {
	size_t used;
	size_t mismatched;
} tcc_weights_packed_usage;

tcc_status tcc_weights_packed_usage_get(const char *name, tcc_weights_packed_usage *usage);

#ifdef __cplusplus
}
#endif
#endif /* TCC_WEIGHTS_H */
