/*
 * score_table.h - what the service remembers about each scored draft so a
 * later RecordOutcome can compute the score change and check the
 * suggestion index: numbers only (draft score, suggestions offered), keyed
 * by a 64-bit hash of the score_id. Bounded: at most `capacity` entries,
 * the oldest inserted is evicted first (16 bytes per entry plus an index
 * of 16-32 bytes per entry).
 * Thread-safe: one mutex.
 */
#ifndef ATTUNE_SCORE_TABLE_H
#define ATTUNE_SCORE_TABLE_H

#include <stddef.h>

#include "ev_status.h"

#define ATTUNE_SCORE_TABLE_DEFAULT_CAPACITY 65536u

typedef struct attune_score_table attune_score_table;

/* capacity 0 = default. On success *out is owned by the caller. */
attune_ev_status attune_score_table_create(size_t capacity, attune_score_table **out);
/* NULL is a no-op. */
void attune_score_table_destroy(attune_score_table *t);

/* Remembers score_id[0..len) -> (score, n_suggestions); replaces an entry
 * with the same id. */
void attune_score_table_put(attune_score_table *t, const char *score_id, size_t len, unsigned score,
                            unsigned n_suggestions);
/* 1 and the numbers if score_id is known (not evicted), else 0. */
int attune_score_table_get(attune_score_table *t, const char *score_id, size_t len, unsigned *score,
                           unsigned *n_suggestions);

#endif
