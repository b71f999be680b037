/*
 * test_arena.c - the scorer's per-call scratch arena (scorer/src/arena.c):
 * alignment, growth in place, save/release, and that a step released and
 * repeated many times (a rejected suggestion, a prior turn) does not make
 * each new chunk twice the last one.
 */
#include <stdint.h>

#include "arena.h"
#include "runner.h"

static attune_scorer *S;

TEST(aligned_and_zeroed)
{
	at_arena ar;
	at_arena_init(&ar, 0);
	for (size_t n = 1; n < 100; n += 7) {
		char *p = at_arena_alloc(&ar, n);
		CHECK(p != NULL && (uintptr_t)p % AT_ARENA_ALIGN == 0);
	}
	unsigned char *z = at_arena_calloc(&ar, 100, 3);
	int zero = z != NULL;
	for (size_t i = 0; zero && i < 300; i++)
		zero = z[i] == 0;
	CHECK(zero);
	CHECK(at_arena_calloc(&ar, SIZE_MAX / 2, 4) == NULL); /* overflow, not a wrap */
	at_arena_free(&ar);
}

TEST(grow_keeps_contents)
{
	at_arena ar;
	at_arena_init(&ar, 0);
	size_t n = 16;
	char *p = at_arena_alloc(&ar, n);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)i;
	for (int round = 0; p && round < 12; round++) { /* past several chunks */
		p = at_arena_grow(&ar, p, n, n * 2);
		if (!p)
			break;
		for (size_t i = n; i < n * 2; i++)
			p[i] = (char)i;
		n *= 2;
	}
	int same = p != NULL;
	for (size_t i = 0; same && i < n; i++)
		same = p[i] == (char)i;
	CHECK(same);
	at_arena_free(&ar);
}

/* 10,000 rounds of "save, fill past the chunk, release": every allocation
 * succeeds and the memory in use stays at one round's worth. */
TEST(release_does_not_double_chunks)
{
	at_arena ar;
	at_arena_init(&ar, 0);
	int ok = 1;
	for (int round = 0; ok && round < 10000; round++) {
		at_arena_mark m = at_arena_save(&ar);
		for (int k = 0; ok && k < 4; k++)
			ok = at_arena_alloc(&ar, 12 * 1024) != NULL;
		at_arena_release(&ar, m);
	}
	CHECK(ok);
	/* what the next chunk would be: still small */
	at_arena_mark m = at_arena_save(&ar);
	char *a = at_arena_alloc(&ar, 1);
	CHECK(a != NULL);
	at_arena_release(&ar, m);
	at_arena_free(&ar);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(aligned_and_zeroed),
	    T(grow_keeps_contents),
	    T(release_does_not_double_chunks),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
