// SPDX-License-Identifier: MIT
/*
 * Pre-packed weight records at run time: which mapped buffer a borrowed
 * constant lies in, its "NAME@packed" record, and the process-wide counts of
 * records used or refused (tcc_weights_packed_usage_get()).
 */
#include "weights/packed.h"
#include "weights/internal.h"
#include "common/error.h"

#include <pthread.h>
#include <xxhash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per buffer name: counts outlive the mappings, so a caller can read them after tcc_model_free(). */
struct usage {
	char name[TCC_WEIGHTS_NAME_MAX + 1];
	size_t used, mismatched;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static tcc_weights **mapped;
static size_t n_mapped, cap_mapped;
static struct usage *usages;
static size_t n_usages;

void tcc_weights_registry_add(tcc_weights *w)
{
	pthread_mutex_lock(&lock);
	if (n_mapped == cap_mapped) {
		size_t cap = cap_mapped ? cap_mapped * 2 : 8;
		tcc_weights **p = realloc(mapped, cap * sizeof(*p));

		if (!p) {	/* not fatal: this buffer's packed records are just not found */
			pthread_mutex_unlock(&lock);
			return;
		}
		mapped = p;
		cap_mapped = cap;
	}
	mapped[n_mapped++] = w;
	pthread_mutex_unlock(&lock);
}

void tcc_weights_registry_remove(tcc_weights *w)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_mapped; i++)
		if (mapped[i] == w) {
			mapped[i] = mapped[--n_mapped];
			break;
		}
	pthread_mutex_unlock(&lock);
}

/* The mapped buffer holding @p; call with the lock held. */
static tcc_weights *holder_of(const void *p)
{
	for (size_t i = 0; i < n_mapped; i++) {
		const char *lo = mapped[i]->ro_ptr;

		if (lo && (const char *)p >= lo && (const char *)p < lo + mapped[i]->size)
			return mapped[i];
	}
	return NULL;
}

void tcc_weights_sample_window(size_t n, size_t k, size_t *off, size_t *len)
{
	/* All of it in window 0: see packed.h for why nothing is sampled any more. */
	*off = k ? n : 0;
	*len = k ? 0 : n;
}

uint64_t tcc_weights_content_digest(const void *p, size_t n)
{
	return n ? XXH3_64bits(p, n) : XXH3_64bits("", 0);
}

tcc_status tcc_weights_packed_record(const void *image, size_t size, const char *name,
				     struct tcc_weights_packed_header *h, const void **data)
{
	tcc_weights_record rec;
	char rname[512];
	tcc_status st;

	if ((size_t)snprintf(rname, sizeof(rname), "%s%s", name, TCC_WEIGHTS_PACKED_SUFFIX) >= sizeof(rname))
		return tcc_set_error(TCC_ERR_NOT_FOUND, "initializer name too long for a packed record");
	st = tcc_weights_image_find(image, size, rname, &rec);
	if (st)
		return st;
	if (rec.nbytes < sizeof(*h))
		return tcc_set_error(TCC_ERR_PARSE, "packed record '%s': %zu bytes, no header", rname, rec.nbytes);
	memcpy(h, rec.data, sizeof(*h));
	if (memcmp(h->magic, TCC_WEIGHTS_PACKED_MAGIC, sizeof(h->magic)) || h->nbytes != rec.nbytes - sizeof(*h) ||
	    h->plain_rank < 0 || h->plain_rank > TCC_MAX_RANK || memchr(h->consumer, 0, sizeof(h->consumer)) == NULL)
		return tcc_set_error(TCC_ERR_PARSE, "packed record '%s': bad header (made by another tcc version?)",
				     rname);
	*data = (const char *)rec.data + sizeof(*h);
	return TCC_OK;
}

tcc_status tcc_weights_packed_find(const void *borrowed, const char *name, const void **data,
				   size_t *nbytes, uint64_t *fingerprint)
{
	struct tcc_weights_packed_header h;
	const void *image;
	size_t size;
	tcc_status st;

	if (!borrowed || !name || !data || !nbytes || !fingerprint)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_packed_find: NULL argument");
	pthread_mutex_lock(&lock);
	tcc_weights *w = holder_of(borrowed);

	image = w ? w->ro_ptr : NULL;
	size = w ? w->size : 0;
	pthread_mutex_unlock(&lock);
	if (!image)
		return tcc_set_error(TCC_ERR_NOT_FOUND, "'%s' is in no mapped weight buffer", name);
	/* The mapping stays while the model that borrowed @borrowed holds it. */
	st = tcc_weights_packed_record(image, size, name, &h, data);
	if (st)
		return st;
	*nbytes = (size_t)h.nbytes;
	*fingerprint = h.fingerprint;
	return TCC_OK;
}

void tcc_weights_packed_note(const void *borrowed, bool used)
{
	pthread_mutex_lock(&lock);
	tcc_weights *w = holder_of(borrowed);
	struct usage *u = NULL;

	for (size_t i = 0; w && i < n_usages && !u; i++)
		if (!strcmp(usages[i].name, w->name))
			u = &usages[i];
	if (w && !u) {
		struct usage *p = realloc(usages, (n_usages + 1) * sizeof(*p));

		if (p) {
			usages = p;
			u = &usages[n_usages++];
			memset(u, 0, sizeof(*u));
			snprintf(u->name, sizeof(u->name), "%s", w->name);
		}
	}
	if (u) {
		if (used)
			u->used++;
		else
			u->mismatched++;
	}
	pthread_mutex_unlock(&lock);
}

tcc_status tcc_weights_packed_usage_get(const char *name, tcc_weights_packed_usage *out)
{
	if (!name || !out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_packed_usage_get: NULL argument");
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n_usages; i++)
		if (!strcmp(usages[i].name, name)) {
			out->used = usages[i].used;
			out->mismatched = usages[i].mismatched;
		}
	pthread_mutex_unlock(&lock);
	return TCC_OK;
}

static _Thread_local tcc_weights_packing_fn packing_fn;
static _Thread_local void *packing_ctx;

void tcc_weights_packing_set(tcc_weights_packing_fn fn, void *ctx)
{
	packing_fn = fn;
	packing_ctx = ctx;
}

void tcc_weights_packing_offer(const char *initializer, const struct tcc_dnnl_op *op)
{
	if (packing_fn && initializer && op)
		packing_fn(packing_ctx, initializer, op);
}
