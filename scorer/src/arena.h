/*
 * arena.h - a bump allocator for the temporaries of one attune_score() call
 * (documents, matches, stem sets, projections). Everything is released at
 * once by at_arena_free(); nothing returned to the caller lives here.
 */
#ifndef ATTUNE_ARENA_H
#define ATTUNE_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct at_chunk at_chunk;

typedef struct at_arena {
	char *cur, *end;  /* free bytes of the newest chunk */
	at_chunk *chunks; /* newest first */
	size_t next;      /* size of the next chunk to malloc */
	void *last;       /* the latest allocation (at_arena_grow extends it in place) */
} at_arena;

/* Starts an empty arena; its first chunk (malloc'ed on first use) holds at
 * least first bytes. Nothing to free until an allocation succeeds. */
void at_arena_init(at_arena *a, size_t first);
/* n bytes aligned to AT_ARENA_ALIGN, valid until at_arena_free; NULL when
 * malloc fails or n is absurd (callers return ATTUNE_E_NOMEM). n == 0 gives
 * a valid unique pointer. */
void *at_arena_alloc(at_arena *a, size_t n);
/* at_arena_alloc of count * size zeroed bytes; NULL on overflow too. */
void *at_arena_calloc(at_arena *a, size_t count, size_t size);
/* Resizes p (old bytes, from this arena; NULL: a fresh allocation) to n >=
 * old bytes: in place when p is the latest allocation and fits, else a copy
 * (the old block stays allocated until at_arena_free). NULL on failure, p
 * untouched. */
void *at_arena_grow(at_arena *a, void *p, size_t old, size_t n);
/* A point to return to: at_arena_release(a, m) drops every allocation made
 * after at_arena_save(a) returned m (stack order), so that a step whose
 * temporaries are done with (a projection) does not keep them to the end. */
typedef struct at_arena_mark {
	at_chunk *chunk;
	char *cur, *end;
} at_arena_mark;
at_arena_mark at_arena_save(const at_arena *a);
void at_arena_release(at_arena *a, at_arena_mark m);
/* Frees every chunk; a may then be reused after at_arena_init. */
void at_arena_free(at_arena *a);

#define AT_ARENA_ALIGN 16
/* no scorer request comes near this; keeps size arithmetic from overflowing */
#define AT_ARENA_LARGE (SIZE_MAX / 4)

#endif
