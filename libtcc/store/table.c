// SPDX-License-Identifier: MIT
/*
 * A chained hash table written here rather than taken from a library: libuv
 * has none, glibc's hsearch cannot delete, and pulling GLib into libtccml for
 * one map is not worth it.  It is small: keyed FNV-1a, doubling on load 1.
 */
#include "store/table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MIN_BUCKETS 1024

static uint64_t hash_key(uint64_t seed, const uint8_t *p, size_t n)
{
	/* Seeded so a client cannot pick keys that all collide. */
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

bool store_table_init(struct store_table *t)
{
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(MIN_BUCKETS, sizeof(*t->buckets));
	if (!t->buckets)
		return false;
	t->nbuckets = MIN_BUCKETS;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	return true;
}

static void entry_free(struct store_entry *e)
{
	struct store_qitem *q;

	while ((q = STAILQ_FIRST(&e->queue))) {
		STAILQ_REMOVE_HEAD(&e->queue, next);
		free(q);
	}
	free(e->val);
	free(e);
}

void store_table_free(struct store_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct store_entry *e = t->buckets[i], *n;

		for (; e; e = n) {
			n = e->chain;
			entry_free(e);
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

struct store_entry *store_table_find(struct store_table *t, const void *key, size_t klen)
{
	uint64_t h = hash_key(t->seed, key, klen);

	for (struct store_entry *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->chain)
		if (e->hash == h && e->klen == klen && !memcmp(e->key, key, klen))
			return e;
	return NULL;
}

static void grow(struct store_table *t)
{
	size_t n = t->nbuckets * 2;
	struct store_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return;	/* keep working with longer chains */
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct store_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->chain;
			e->chain = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

struct store_entry *store_table_get(struct store_table *t, const void *key, size_t klen)
{
	struct store_entry *e = store_table_find(t, key, klen);

	if (e)
		return e;
	e = calloc(1, sizeof(*e) + klen);
	if (!e)
		return NULL;
	memcpy(e->key, key, klen);
	e->klen = klen;
	e->hash = hash_key(t->seed, key, klen);
	STAILQ_INIT(&e->queue);
	TAILQ_INIT(&e->waiters);
	if (t->nentries >= t->nbuckets)
		grow(t);
	struct store_entry **b = &t->buckets[e->hash & (t->nbuckets - 1)];
	e->chain = *b;
	*b = e;
	t->nentries++;
	t->bytes += klen;
	return e;
}

void store_table_release(struct store_table *t, struct store_entry *e)
{
	if (!e || e->has_value || e->qlen || !TAILQ_EMPTY(&e->waiters))
		return;
	struct store_entry **pp = &t->buckets[e->hash & (t->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	t->nentries--;
	t->bytes -= e->klen;
	entry_free(e);
}

bool store_entry_set(struct store_table *t, struct store_entry *e, const void *v, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy)
		return false;
	memcpy(copy, v, n);
	if (e->has_value)
		t->bytes -= e->vlen;
	else
		t->nkeys++;
	free(e->val);
	e->val = copy;
	e->vlen = n;
	e->has_value = true;
	t->bytes += n;
	return true;
}

bool store_entry_append(struct store_table *t, struct store_entry *e, const void *v, size_t n)
{
	if (!e->has_value)
		return store_entry_set(t, e, v, n);
	uint8_t *grown = realloc(e->val, e->vlen + n + 1);

	if (!grown)
		return false;
	memcpy(grown + e->vlen, v, n);
	e->val = grown;
	e->vlen += n;
	t->bytes += n;
	return true;
}

bool store_entry_clear(struct store_table *t, struct store_entry *e)
{
	if (!e->has_value)
		return false;
	free(e->val);
	e->val = NULL;
	t->bytes -= e->vlen;
	e->vlen = 0;
	e->has_value = false;
	t->nkeys--;
	return true;
}

bool store_entry_push(struct store_table *t, struct store_entry *e, const void *v, size_t n)
{
	struct store_qitem *q = malloc(sizeof(*q) + n);

	if (!q)
		return false;
	q->len = n;
	memcpy(q->data, v, n);
	STAILQ_INSERT_TAIL(&e->queue, q, next);
	if (e->qlen++ == 0)
		t->nqueues++;
	t->bytes += n;
	return true;
}

struct store_qitem *store_entry_pop(struct store_table *t, struct store_entry *e)
{
	struct store_qitem *q = STAILQ_FIRST(&e->queue);

	if (!q)
		return NULL;
	STAILQ_REMOVE_HEAD(&e->queue, next);
	if (--e->qlen == 0)
		t->nqueues--;
	t->bytes -= q->len;
	return q;
}
