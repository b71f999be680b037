/*
 * arena.c - chained chunks with a bump pointer: one malloc for most
 * attune_score() calls instead of dozens of malloc/free pairs, several of
 * them large enough to make glibc consolidate its free lists every call.
 */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

struct at_chunk {
	at_chunk *next;
	size_t cap; /* bytes after the header */
	/* keeps the data after the header AT_ARENA_ALIGN-aligned */
	_Alignas(AT_ARENA_ALIGN) char data[];
};

#define AT_ARENA_MIN (16u * 1024)

static size_t round_up(size_t n)
{
	return (n + (AT_ARENA_ALIGN - 1)) & ~(size_t)(AT_ARENA_ALIGN - 1);
}

void at_arena_init(at_arena *a, size_t first)
{
	a->cur = a->end = NULL;
	a->chunks = NULL;
	a->next = first < AT_ARENA_MIN ? AT_ARENA_MIN : round_up(first);
	a->last = NULL;
}

/* Chains a chunk holding at least n bytes; 0 on malloc failure. Later chunks
 * double so that a long input needs few of them. */
static int add_chunk(at_arena *a, size_t n)
{
	size_t cap = a->next > n ? a->next : n;
	at_chunk *c = malloc(sizeof(*c) + cap);
	if (!c)
		return 0;
	c->next = a->chunks;
	c->cap = cap;
	a->chunks = c;
	a->cur = c->data;
	a->end = c->data + cap;
	a->next = cap <= AT_ARENA_LARGE / 2 ? 2 * cap : cap;
	return 1;
}

void *at_arena_alloc(at_arena *a, size_t n)
{
	if (n > AT_ARENA_LARGE)
		return NULL;
	n = round_up(n ? n : 1);
	if ((size_t)(a->end - a->cur) < n && !add_chunk(a, n))
		return NULL;
	void *p = a->cur;
	a->cur += n;
	a->last = p;
	return p;
}

void *at_arena_calloc(at_arena *a, size_t count, size_t size)
{
	if (size && count > AT_ARENA_LARGE / size)
		return NULL;
	void *p = at_arena_alloc(a, count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *at_arena_grow(at_arena *a, void *p, size_t old, size_t n)
{
	if (n > AT_ARENA_LARGE)
		return NULL;
	if (p && p == a->last) {
		/* the latest allocation ends at cur (rounded): extend it if room */
		size_t have = (size_t)(a->end - (char *)p);
		if (round_up(n ? n : 1) <= have) {
			a->cur = (char *)p + round_up(n ? n : 1);
			return p;
		}
	}
	void *q = at_arena_alloc(a, n);
	if (q && p && old)
		memcpy(q, p, old);
	return q;
}

at_arena_mark at_arena_save(const at_arena *a)
{
	return (at_arena_mark){a->chunks, a->cur, a->end};
}

void at_arena_release(at_arena *a, at_arena_mark m)
{
	while (a->chunks != m.chunk) {
		at_chunk *next = a->chunks->next;
		/* the next chunk is the size this one had: a step that is released
		 * and repeated (a rejected suggestion, a prior turn) must not double
		 * the chunk size every time */
		a->next = a->chunks->cap;
		free(a->chunks);
		a->chunks = next;
	}
	a->cur = m.cur;
	a->end = m.end;
	a->last = NULL;
}

void at_arena_free(at_arena *a)
{
	at_chunk *c = a->chunks;
	while (c) {
		at_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->cur = a->end = NULL;
	a->chunks = NULL;
	a->last = NULL;
}
