// SPDX-License-Identifier: MIT
/*
 * Packed weight images: a model's initializers laid out once, with an index,
 * so that a sealed, shared mapping is used in place by every process.
 *
 *   header | index[count] | names (NUL-terminated) | pad | tensor 0 | pad | tensor 1 ...
 *
 * Tensors start on 64-byte boundaries (a cache line, and enough for AVX-512
 * loads).  The image may come from another process: every offset and length
 * is checked before use.  Little-endian, as every host tcc runs on.
 */
#include "weights/internal.h"
#include "weights/packed.h"
#include "common/error.h"

#include <string.h>
#include <xxhash.h>

/*
 * 02: each entry carries the XXH3-64 of its name, dtype, dims and bytes,
 * and the header the digest of those digests (the whole model's), so a
 * loader can tell a buffer of another model with the same shapes.
 */
#define PACK_MAGIC "TCCWPK02"
#define PACK_MAGIC_01 "TCCWPK01"
#define PACK_ALIGN 64

struct pack_header {
	char magic[8];
	uint32_t version;
	uint32_t count;
	uint64_t index_off;
	uint64_t names_off;
	uint64_t names_size;
	uint64_t data_off;
	uint64_t total_size;
	uint64_t model_digest;	/* XXH3-64 of the entries' digests, in index order */
};

struct pack_entry {
	uint64_t name_off;	/* from the start of the image */
	uint32_t name_len;	/* without the NUL */
	uint32_t dtype;
	uint32_t rank;
	uint32_t reserved;
	int64_t dims[TCC_MAX_RANK];
	uint64_t data_off;
	uint64_t nbytes;
	uint64_t digest;	/* tcc_weights_record_digest() */
};

uint64_t tcc_weights_record_digest(const char *name, tcc_dtype dtype, int rank, const int64_t *dims,
				   const void *data, size_t nbytes)
{
	XXH3_state_t *s = XXH3_createState();
	uint32_t meta[2] = { (uint32_t)dtype, (uint32_t)rank };
	uint64_t h;

	if (!s)	/* out of memory: a digest that matches nothing real */
		return 0;
	XXH3_64bits_reset(s);
	XXH3_64bits_update(s, name, strlen(name) + 1);
	XXH3_64bits_update(s, meta, sizeof(meta));
	XXH3_64bits_update(s, dims, (size_t)(rank > 0 ? rank : 0) * sizeof(int64_t));
	if (nbytes)
		XXH3_64bits_update(s, data, nbytes);
	h = XXH3_64bits_digest(s);
	XXH3_freeState(s);
	return h;
}

static uint64_t align_up(uint64_t v)
{
	return (v + PACK_ALIGN - 1) & ~(uint64_t)(PACK_ALIGN - 1);
}

static tcc_status check_record(const tcc_weights_record *r, size_t i)
{
	if (!r->name || (!r->data && r->nbytes))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "weights record %zu: NULL name or data", i);
	if (r->rank < 0 || r->rank > TCC_MAX_RANK)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "weights record '%s': rank %d", r->name,
				     r->rank);
	return TCC_OK;
}

tcc_status tcc_weights_pack_size(const tcc_weights_record *recs, size_t n, size_t *size)
{
	uint64_t names = 0, data, total;
	tcc_status st;
	size_t i;

	if ((!recs && n) || !size || n > UINT32_MAX)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_pack_size: bad arguments");
	for (i = 0; i < n; i++) {
		st = check_record(&recs[i], i);
		if (st)
			return st;
		names += strlen(recs[i].name) + 1;
	}
	data = align_up(sizeof(struct pack_header) + n * sizeof(struct pack_entry) + names);
	total = data;
	for (i = 0; i < n; i++) {
		if (recs[i].nbytes > SIZE_MAX / 2 - total)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "weights image too large");
		total = align_up(total + recs[i].nbytes);
	}
	*size = (size_t)total;
	return TCC_OK;
}

tcc_status tcc_weights_pack(void *dst, size_t dst_size, const tcc_weights_record *recs, size_t n)
{
	struct pack_header h = { .version = 2 };
	XXH3_state_t *model = NULL;
	struct pack_entry e;
	size_t need, i, len;
	char *base = dst;
	uint64_t name_at, data_at;
	tcc_status st;

	st = tcc_weights_pack_size(recs, n, &need);
	if (st)
		return st;
	if (!dst || dst_size < need)
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "weights image needs %zu bytes, buffer has %zu", need, dst_size);
	memcpy(h.magic, PACK_MAGIC, 8);
	h.count = (uint32_t)n;
	h.index_off = sizeof(h);
	h.names_off = h.index_off + n * sizeof(e);
	name_at = h.names_off;
	for (i = 0; i < n; i++)
		name_at += strlen(recs[i].name) + 1;
	h.names_size = name_at - h.names_off;
	h.data_off = align_up(name_at);
	h.total_size = need;
	if (!(model = XXH3_createState()))
		return tcc_set_error(TCC_ERR_NO_MEMORY, "weights image: digest state");
	XXH3_64bits_reset(model);
	name_at = h.names_off;
	data_at = h.data_off;
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		len = strlen(recs[i].name);
		e.name_off = name_at;
		e.name_len = (uint32_t)len;
		e.dtype = (uint32_t)recs[i].dtype;
		e.rank = (uint32_t)recs[i].rank;
		memcpy(e.dims, recs[i].dims, sizeof(e.dims));
		e.data_off = data_at;
		e.nbytes = recs[i].nbytes;
		e.digest = tcc_weights_record_digest(recs[i].name, recs[i].dtype, recs[i].rank, recs[i].dims,
						     recs[i].data, recs[i].nbytes);
		XXH3_64bits_update(model, &e.digest, sizeof(e.digest));
		memcpy(base + h.index_off + i * sizeof(e), &e, sizeof(e));
		memcpy(base + name_at, recs[i].name, len + 1);
		name_at += len + 1;
		if (recs[i].nbytes)
			memcpy(base + data_at, recs[i].data, recs[i].nbytes);
		data_at = align_up(data_at + recs[i].nbytes);
	}
	h.model_digest = XXH3_64bits_digest(model);
	XXH3_freeState(model);
	memcpy(base, &h, sizeof(h));
	return TCC_OK;
}

tcc_status tcc_weights_load_records(tcc_weights **out, const char *name,
				    const tcc_weights_record *recs, size_t n,
				    const tcc_weights_options *opts)
{
	tcc_weights *w;
	size_t size;
	void *p;
	tcc_status st;

	if (!out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_load_records: out is NULL");
	*out = NULL;
	st = tcc_weights_pack_size(recs, n, &size);
	if (st)
		return st;
	st = tcc_weights_create(&w, name, size, opts);
	if (st)
		return st;
	st = tcc_weights_map_writable(w, &p);
	if (!st)
		st = tcc_weights_pack(p, size, recs, n);
	if (!st)
		st = tcc_weights_seal(w);
	if (st) {
		tcc_weights_close(w);
		return st;
	}
	*out = w;
	return TCC_OK;
}

static tcc_status read_header(const void *image, size_t size, struct pack_header *h)
{
	if (!image || size < sizeof(*h))
		return tcc_set_error(TCC_ERR_PARSE, "weights image: %zu bytes is too short", size);
	memcpy(h, image, sizeof(*h));
	if (!memcmp(h->magic, PACK_MAGIC_01, 8))
		return tcc_set_error(TCC_ERR_PARSE, "weights image: made by an older tcc (format %s, without content "
				     "digests): unload the buffer and load it again with this version", PACK_MAGIC_01);
	if (memcmp(h->magic, PACK_MAGIC, 8) || h->version != 2)
		return tcc_set_error(TCC_ERR_PARSE, "weights image: bad magic or version");
	if (h->total_size > size || h->index_off != sizeof(*h) ||
	    h->count > (size - sizeof(*h)) / sizeof(struct pack_entry) ||
	    h->names_off != h->index_off + (uint64_t)h->count * sizeof(struct pack_entry) ||
	    h->names_size > size - h->names_off || h->data_off < h->names_off + h->names_size ||
	    h->data_off > h->total_size)
		return tcc_set_error(TCC_ERR_PARSE, "weights image: inconsistent header");
	return TCC_OK;
}

static tcc_status read_entry_digest(const void *image, const struct pack_header *h, size_t i,
				    tcc_weights_record *rec, uint64_t *digest)
{
	const char *base = image;
	struct pack_entry e;

	memcpy(&e, base + h->index_off + i * sizeof(e), sizeof(e));
	if (e.name_off < h->names_off || e.name_len >= h->names_size ||
	    e.name_off - h->names_off > h->names_size - e.name_len - 1 ||
	    base[e.name_off + e.name_len] != '\0' || e.rank > TCC_MAX_RANK ||
	    e.data_off < h->data_off || e.data_off > h->total_size ||
	    e.nbytes > h->total_size - e.data_off || e.data_off % PACK_ALIGN)
		return tcc_set_error(TCC_ERR_PARSE, "weights image: entry %zu is out of bounds", i);
	memset(rec, 0, sizeof(*rec));
	rec->name = base + e.name_off;
	rec->dtype = (tcc_dtype)e.dtype;
	rec->rank = (int)e.rank;
	memcpy(rec->dims, e.dims, sizeof(rec->dims));
	rec->data = base + e.data_off;
	rec->nbytes = (size_t)e.nbytes;
	if (digest)
		*digest = e.digest;
	return TCC_OK;
}

static tcc_status read_entry(const void *image, const struct pack_header *h, size_t i,
			     tcc_weights_record *rec)
{
	return read_entry_digest(image, h, i, rec, NULL);
}

tcc_status tcc_weights_image_count(const void *image, size_t size, size_t *count)
{
	struct pack_header h;
	tcc_status st;

	if (!count)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_image_count: count is NULL");
	st = read_header(image, size, &h);
	if (st)
		return st;
	*count = h.count;
	return TCC_OK;
}

tcc_status tcc_weights_image_at(const void *image, size_t size, size_t index,
				tcc_weights_record *rec)
{
	struct pack_header h;
	tcc_status st;

	if (!rec)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_image_at: rec is NULL");
	st = read_header(image, size, &h);
	if (st)
		return st;
	if (index >= h.count)
		return tcc_set_error(TCC_ERR_NOT_FOUND, "weights image: no record %zu of %u", index,
				     h.count);
	return read_entry(image, &h, index, rec);
}

tcc_status tcc_weights_image_find(const void *image, size_t size, const char *name,
				  tcc_weights_record *rec)
{
	struct pack_header h;
	tcc_status st;
	size_t i;

	if (!name || !rec)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_image_find: NULL argument");
	st = read_header(image, size, &h);
	if (st)
		return st;
	/* Linear: a model has hundreds of initializers, looked up once at load. */
	for (i = 0; i < h.count; i++) {
		st = read_entry(image, &h, i, rec);
		if (st)
			return st;
		if (!strcmp(rec->name, name))
			return TCC_OK;
	}
	return tcc_set_error(TCC_ERR_NOT_FOUND, "weights image: no initializer '%s'", name);
}

tcc_status tcc_weights_image_verify(const void *image, size_t size, const char *name, const void *data,
				    size_t nbytes)
{
	struct pack_header h;
	tcc_weights_record rec;
	uint64_t digest;
	tcc_status st;

	if (!name || (!data && nbytes))
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_image_verify: NULL argument");
	st = read_header(image, size, &h);
	if (st)
		return st;
	for (size_t i = 0; i < h.count; i++) {
		st = read_entry_digest(image, &h, i, &rec, &digest);
		if (st)
			return st;
		if (strcmp(rec.name, name))
			continue;
		if (rec.nbytes == nbytes &&
		    tcc_weights_record_digest(name, rec.dtype, rec.rank, rec.dims, data, nbytes) == digest)
			return TCC_OK;
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "initializer '%s': the weight buffer holds other values than the model file "
				     "(content digest differs: a buffer of another model or a stale one)", name);
	}
	return tcc_set_error(TCC_ERR_NOT_FOUND, "weights image: no initializer '%s'", name);
}

tcc_status tcc_weights_image_model_digest(const void *image, size_t size, uint64_t *digest)
{
	struct pack_header h;
	tcc_status st;

	if (!digest)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_image_model_digest: NULL argument");
	st = read_header(image, size, &h);
	if (st)
		return st;
	*digest = h.model_digest;
	return TCC_OK;
}
