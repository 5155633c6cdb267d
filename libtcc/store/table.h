/* SPDX-License-Identifier: MIT */
/*
 * The store's key table: key -> value, FIFO queue and the waits parked on
 * the key.  One entry per key that has a value, a non-empty queue or a
 * waiter; an entry with none of them is freed at once, so a WAIT on a key
 * that never appears costs nothing once its client has gone.
 */
#ifndef TCC_STORE_TABLE_H
#define TCC_STORE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct store_wait;	/* owned by the server: one pending WAIT of a connection */

/* Links a wait to one key it is waiting for. */
struct store_wait_link {
	TAILQ_ENTRY(store_wait_link) by_key;
	struct store_entry *entry;
	struct store_wait *wait;
};

struct store_qitem {
	STAILQ_ENTRY(store_qitem) next;
	size_t len;
	uint8_t data[];
};

struct store_entry {
	struct store_entry *chain;
	uint64_t hash;
	size_t klen;
	uint8_t *val;		/* valid when has_value */
	size_t vlen;
	bool has_value;
	size_t qlen;
	STAILQ_HEAD(, store_qitem) queue;
	TAILQ_HEAD(, store_wait_link) waiters;
	uint8_t key[];		/* inline: one cache miss less per lookup */
};

struct store_table {
	struct store_entry **buckets;
	size_t nbuckets;	/* power of two */
	size_t nentries;
	size_t nkeys;		/* entries with a value */
	size_t nqueues;		/* entries with a non-empty queue */
	size_t bytes;		/* keys + values + queue items */
	uint64_t seed;
};

bool store_table_init(struct store_table *t);
void store_table_free(struct store_table *t);

struct store_entry *store_table_find(struct store_table *t, const void *key, size_t klen);
/* NULL when out of memory. */
struct store_entry *store_table_get(struct store_table *t, const void *key, size_t klen);
/* Free @e if it holds nothing and nobody waits on it. */
void store_table_release(struct store_table *t, struct store_entry *e);

/* Replace the value (copies); false on no memory, the entry unchanged. */
bool store_entry_set(struct store_table *t, struct store_entry *e, const void *v, size_t n);
bool store_entry_append(struct store_table *t, struct store_entry *e, const void *v, size_t n);
/* Drop the value; returns whether there was one. */
bool store_entry_clear(struct store_table *t, struct store_entry *e);
bool store_entry_push(struct store_table *t, struct store_entry *e, const void *v, size_t n);
/* Remove the queue head; the caller frees it with free(). NULL if empty. */
struct store_qitem *store_entry_pop(struct store_table *t, struct store_entry *e);

/* A wait on this key is satisfied by a value or a queued item (PyTorch libuv rule). */
static inline bool store_entry_ready(const struct store_entry *e)
{
	return e && (e->has_value || e->qlen > 0);
}

#endif
