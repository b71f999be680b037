/*
 * sec_ratelimit.c - sharded token buckets keyed by principal, each shard a
 * fixed-size array with a chained hash index and an LRU list for eviction.
 */
#define _POSIX_C_SOURCE 200809L
#include "sec_ratelimit.h"

#include <math.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sec_tokens.h" /* ATTUNE_PRINCIPAL_MAX */

#define SHARDS 16u
#define NIL    (-1)

typedef struct rl_entry {
	char key[ATTUNE_PRINCIPAL_MAX];
	uint64_t hash;
	double tokens;
	uint64_t last_ns;
	int32_t hnext;      /* next in hash chain */
	int32_t prev, next; /* LRU list: head = most recent */
} rl_entry;

typedef struct rl_shard {
	pthread_mutex_t mu;
	rl_entry *entries;
	int32_t *buckets;
	uint32_t nbuckets; /* power of two */
	uint32_t cap, count;
	int32_t head, tail;
} rl_shard;

struct attune_ratelimit {
	double rps;
	double burst;
	uint64_t seed;
	rl_shard shards[SHARDS];
};

static uint64_t key_hash(uint64_t seed, const char *s, size_t n)
{
	/* FNV-1a with a random per-limiter seed, finished with a 64-bit mixer;
	 * chains are bounded by the shard capacity in any case. */
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

attune_sec_status attune_ratelimit_create(double rps, unsigned burst, size_t max_principals,
                                          attune_ratelimit **out)
{
	attune_ratelimit *rl;
	uint32_t per_shard;

	*out = NULL;
	if (!isfinite(rps) || rps < 0)
		return ATTUNE_SEC_E_INVALID;
	if (rps == 0)
		return ATTUNE_SEC_OK;
	if (max_principals == 0)
		max_principals = ATTUNE_RATELIMIT_DEFAULT_PRINCIPALS;
	if (max_principals > (1u << 24))
		return ATTUNE_SEC_E_INVALID;
	per_shard = (uint32_t)((max_principals + SHARDS - 1) / SHARDS);
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return ATTUNE_SEC_E_NOMEM;
	rl->rps = rps;
	rl->burst = burst ? (double)burst : ceil(rps);
	if (rl->burst < 1)
		rl->burst = 1;
	if (RAND_bytes((unsigned char *)&rl->seed, sizeof(rl->seed)) != 1)
		rl->seed = (uint64_t)(uintptr_t)rl;
	for (unsigned s = 0; s < SHARDS; s++) {
		rl_shard *sh = &rl->shards[s];
		uint32_t nb = 1;
		while (nb < per_shard * 2)
			nb <<= 1;
		pthread_mutex_init(&sh->mu, NULL);
		sh->cap = per_shard;
		sh->nbuckets = nb;
		sh->head = sh->tail = NIL;
		sh->entries = calloc(per_shard, sizeof(*sh->entries));
		sh->buckets = malloc(nb * sizeof(*sh->buckets));
		if (!sh->entries || !sh->buckets) {
			attune_ratelimit_destroy(rl);
			return ATTUNE_SEC_E_NOMEM;
		}
		for (uint32_t b = 0; b < nb; b++)
			sh->buckets[b] = NIL;
	}
	*out = rl;
	return ATTUNE_SEC_OK;
}

void attune_ratelimit_destroy(attune_ratelimit *rl)
{
	if (!rl)
		return;
	for (unsigned s = 0; s < SHARDS; s++) {
		rl_shard *sh = &rl->shards[s];
		if (sh->entries || sh->buckets)
			pthread_mutex_destroy(&sh->mu);
		free(sh->entries);
		free(sh->buckets);
	}
	free(rl);
}

static void lru_unlink(rl_shard *sh, int32_t i)
{
	rl_entry *e = &sh->entries[i];
	if (e->prev != NIL)
		sh->entries[e->prev].next = e->next;
	else
		sh->head = e->next;
	if (e->next != NIL)
		sh->entries[e->next].prev = e->prev;
	else
		sh->tail = e->prev;
	e->prev = e->next = NIL;
}

static void lru_push_front(rl_shard *sh, int32_t i)
{
	rl_entry *e = &sh->entries[i];
	e->prev = NIL;
	e->next = sh->head;
	if (sh->head != NIL)
		sh->entries[sh->head].prev = i;
	sh->head = i;
	if (sh->tail == NIL)
		sh->tail = i;
}

static void hash_unlink(rl_shard *sh, int32_t i)
{
	int32_t *link = &sh->buckets[sh->entries[i].hash & (sh->nbuckets - 1)];
	while (*link != NIL && *link != i)
		link = &sh->entries[*link].hnext;
	if (*link == i)
		*link = sh->entries[i].hnext;
}

int attune_ratelimit_allow(attune_ratelimit *rl, const char *principal, uint64_t now_ns)
{
	size_t n;
	uint64_t h;
	rl_shard *sh;
	int32_t i;
	int allowed;

	if (!rl)
		return 1;
	if (!principal)
		principal = "";
	n = strnlen(principal, ATTUNE_PRINCIPAL_MAX - 1);
	h = key_hash(rl->seed, principal, n);
	sh = &rl->shards[h >> 60];
	pthread_mutex_lock(&sh->mu);
	for (i = sh->buckets[h & (sh->nbuckets - 1)]; i != NIL; i = sh->entries[i].hnext) {
		rl_entry *e = &sh->entries[i];
		if (e->hash == h && strncmp(e->key, principal, n) == 0 && e->key[n] == '\0')
			break;
	}
	if (i == NIL) {
		if (sh->count < sh->cap) {
			i = (int32_t)sh->count++;
		} else {
			i = sh->tail; /* evict the least recently seen principal */
			hash_unlink(sh, i);
			lru_unlink(sh, i);
		}
		rl_entry *e = &sh->entries[i];
		memcpy(e->key, principal, n);
		e->key[n] = '\0';
		e->hash = h;
		e->tokens = rl->burst;
		e->last_ns = now_ns;
		int32_t *b = &sh->buckets[h & (sh->nbuckets - 1)];
		e->hnext = *b;
		*b = i;
		e->prev = e->next = NIL;
	} else {
		lru_unlink(sh, i);
	}
	lru_push_front(sh, i);
	rl_entry *e = &sh->entries[i];
	if (now_ns > e->last_ns) {
		e->tokens += (double)(now_ns - e->last_ns) * rl->rps / 1e9;
		if (e->tokens > rl->burst)
			e->tokens = rl->burst;
		e->last_ns = now_ns;
	}
	allowed = e->tokens >= 1.0;
	if (allowed)
		e->tokens -= 1.0;
	pthread_mutex_unlock(&sh->mu);
	return allowed;
}

size_t attune_ratelimit_tracked(attune_ratelimit *rl)
{
	size_t total = 0;
	if (!rl)
		return 0;
	for (unsigned s = 0; s < SHARDS; s++) {
		pthread_mutex_lock(&rl->shards[s].mu);
		total += rl->shards[s].count;
		pthread_mutex_unlock(&rl->shards[s].mu);
	}
	return total;
}
