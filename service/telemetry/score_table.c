/*
 * score_table.c - bounded FIFO map score_id hash -> draft numbers (see
 * score_table.h): a ring of entries plus an open-addressing index.
 */
#define _POSIX_C_SOURCE 200809L
#include "score_table.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "word_hash.h"

typedef struct st_entry {
	uint64_t hash; /* 0 = empty */
	uint16_t score;
	uint16_t n_suggestions;
} st_entry;

/*
 * An index slot carries the low ST_TAG_BITS of its entry's hash beside the
 * ring position, so probing and re-seating never read the ring: a put at
 * 40k calls/s touches two random index lines (its own slot and the evicted
 * entry's) instead of a ring line per occupied slot passed. The tag holds
 * the home slot (index_cap <= 2^25), and a tag match is confirmed against
 * the full 64-bit hash in the ring entry, which a hit reads anyway.
 */
#define ST_TAG_BITS 39
#define ST_TAG_MASK ((UINT64_C(1) << ST_TAG_BITS) - 1)

struct attune_score_table {
	pthread_mutex_t mu;
	st_entry *ring; /* insertion order */
	size_t cap, next;
	/* (ring position + 1) << ST_TAG_BITS | tag; 0 = empty. index_cap = 2^k
	 * >= 2 * cap: cap <= 2^24 keeps position + 1 in the 25 bits above the
	 * tag and the home slot (< 2^25) inside the tag */
	uint64_t *index;
	size_t index_cap;
};

/* The entry's identity (never 0: that is the empty mark): word_hash.h,
 * eight bytes a step (a byte-wise FNV cost six instructions a byte of the
 * 32-byte ids). */
static uint64_t st_hash(const char *s, size_t len)
{
	uint64_t h = attune_word_hash(ATTUNE_WORD_HASH_SEED, s, len);

	return h ? h : 1;
}

attune_ev_status attune_score_table_create(size_t capacity, attune_score_table **out)
{
	attune_score_table *t;

	if (!out)
		return ATTUNE_EV_E_INVALID;
	*out = NULL;
	if (capacity == 0)
		capacity = ATTUNE_SCORE_TABLE_DEFAULT_CAPACITY;
	if (capacity > (1u << 24))
		return ATTUNE_EV_E_TOO_LARGE;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ATTUNE_EV_E_NOMEM;
	t->cap = capacity;
	t->index_cap = 16;
	while (t->index_cap < 2 * capacity)
		t->index_cap *= 2;
	t->ring = calloc(t->cap, sizeof(*t->ring));
	t->index = calloc(t->index_cap, sizeof(*t->index));
	if (!t->ring || !t->index) {
		free(t->ring);
		free(t->index);
		free(t);
		return ATTUNE_EV_E_NOMEM;
	}
	pthread_mutex_init(&t->mu, NULL);
	*out = t;
	return ATTUNE_EV_OK;
}

void attune_score_table_destroy(attune_score_table *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->ring);
	free(t->index);
	free(t);
}

/* Index slot holding hash h, or the empty slot where it would go. */
static size_t st_probe(const attune_score_table *t, uint64_t h)
{
	size_t mask = t->index_cap - 1;
	size_t i = (size_t)h & mask;
	uint64_t tag = h & ST_TAG_MASK, s;

	while ((s = t->index[i]) != 0) {
		if ((s & ST_TAG_MASK) == tag && t->ring[(s >> ST_TAG_BITS) - 1].hash == h)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* Removes index slot i and re-seats the cluster after it (linear probing):
 * each slot moves to the first empty slot from its home, read from its tag. */
static void st_index_delete(attune_score_table *t, size_t i)
{
	size_t mask = t->index_cap - 1;

	t->index[i] = 0;
	for (size_t j = (i + 1) & mask; t->index[j]; j = (j + 1) & mask) {
		uint64_t s = t->index[j];
		size_t k = (size_t)(s & ST_TAG_MASK) & mask;

		t->index[j] = 0;
		while (t->index[k])
			k = (k + 1) & mask;
		t->index[k] = s;
	}
}

void attune_score_table_put(attune_score_table *t, const char *score_id, size_t len, unsigned score,
                            unsigned n_suggestions)
{
	uint64_t h;
	size_t i;
	st_entry *e;

	if (!t || !score_id || !len)
		return;
	h = st_hash(score_id, len);
	pthread_mutex_lock(&t->mu);
	i = st_probe(t, h);
	if (t->index[i]) {
		e = &t->ring[(t->index[i] >> ST_TAG_BITS) - 1];
	} else {
		e = &t->ring[t->next];
		if (e->hash) /* evict the oldest entry */
			st_index_delete(t, st_probe(t, e->hash));
		e->hash = h;
		t->index[st_probe(t, h)] =
		    (uint64_t)(t->next + 1) << ST_TAG_BITS | (h & ST_TAG_MASK);
		t->next = (t->next + 1) % t->cap;
	}
	e->score = (uint16_t)(score > 100 ? 100 : score);
	e->n_suggestions = (uint16_t)(n_suggestions > 1000 ? 1000 : n_suggestions);
	pthread_mutex_unlock(&t->mu);
}

int attune_score_table_get(attune_score_table *t, const char *score_id, size_t len, unsigned *score,
                           unsigned *n_suggestions)
{
	uint64_t h;
	size_t i;
	int found = 0;

	if (!t || !score_id || !len)
		return 0;
	h = st_hash(score_id, len);
	pthread_mutex_lock(&t->mu);
	i = st_probe(t, h);
	if (t->index[i]) {
		const st_entry *e = &t->ring[(t->index[i] >> ST_TAG_BITS) - 1];
		if (score)
			*score = e->score;
		if (n_suggestions)
			*n_suggestions = e->n_suggestions;
		found = 1;
	}
	pthread_mutex_unlock(&t->mu);
	return found;
}
