/*
 * word_hash.h - a fast, unkeyed 64-bit hash of bytes for in-memory tables
 * (team stats chains, the score-id table, the per-thread pseudonym cache):
 * eight bytes a step, each step's multiply and shift carrying every input
 * bit into the low bits, which pick the slot; the tail goes in with its
 * length. Not keyed and never output. Team stats and the pseudonym cache
 * compare the keys themselves, so a collision costs a longer chain; the
 * score table keys its entries by the hash of the server's random score
 * ids alone (score_table.h).
 */
#ifndef ATTUNE_WORD_HASH_H
#define ATTUNE_WORD_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ATTUNE_WORD_HASH_SEED 1469598103934665603ull

static inline uint64_t attune_word_hash(uint64_t h, const void *data, size_t len)
{
	const uint64_t mul = 0x9E3779B97F4A7C15ull;
	const unsigned char *p = data;
	uint64_t w;

	for (; len >= sizeof(w); p += sizeof(w), len -= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		h = (h ^ w) * mul;
		h ^= h >> 29;
	}
	w = (uint64_t)len << 61;
	for (size_t i = 0; i < len; i++)
		w ^= (uint64_t)p[i] << (8 * i);
	h = (h ^ w) * mul;
	return h ^ (h >> 29);
}

#endif
