/*
 * test_alloc_failure.c - curl-style "torture": fails the 1st, 2nd, 3rd...
 * allocation of an attune_score() call (malloc/calloc/realloc are wrapped at
 * link time) until the call no longer fails. Every failed call must return
 * ATTUNE_E_NOMEM with no result, and (under ASan/valgrind) leak nothing.
 * attune_scorer_create() is tortured the same way: it must fail cleanly.
 */
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static attune_scorer *S;

/* --wrap=malloc,calloc,realloc: allocation number fail_at (1-based) fails */
static long fail_at = -1, counted;
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);

static int fail_now(void)
{
	return fail_at >= 0 && ++counted == fail_at;
}
void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t a, size_t b)
{
	return fail_now() ? NULL : __real_calloc(a, b);
}
void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

/* Fails each allocation of one call in turn; returns how many were tried. */
static long torture(test_ctx *t, const attune_score_input *in)
{
	for (long n = 1; n < 100000; n++) {
		attune_score_result *r = NULL;
		fail_at = n, counted = 0;
		attune_status st = attune_score(S, in, &r);
		fail_at = -1;
		if (st == ATTUNE_OK) {
			CHECK(r != NULL);
			attune_score_result_free(r);
			return n - 1;
		}
		CHECK(st == ATTUNE_E_NOMEM);
		CHECK(r == NULL);
		if (st != ATTUNE_E_NOMEM)
			return n;
	}
	CHECK(!"the call never succeeded");
	return 0;
}

static const char *SEEKER =
    "After pausing my career for several years to start a family, I feel rusty, unmotivated "
    "and anxious about re-entering the job market. Sometimes I think about ending it all, I "
    "have pills saved up.";

TEST(score_fails_cleanly_at_every_allocation)
{
	const char *drafts[] = {
	    "I've struggled with the same problem. The best way to tackle it is to just jump right "
	    "in and give it your best. At least you have had time with your family.",
	    "It sounds like you're feeling anxious. That makes sense. What feels hardest right now?",
	};
	attune_text prior[] = {
	    {"It sounds like you're feeling rusty. That makes sense.", 54},
	    {"It sounds like you are worried. What feels hardest?", 51},
	};
	size_t big_len = 20000;
	char *big = malloc(big_len + 1);
	CHECK(big != NULL);
	if (!big)
		return;
	for (size_t i = 0; i < big_len; i++)
		big[i] = "you should just calm down. "[i % 27];
	big[big_len] = 0;
	long tried = 0;
	for (int d = 0; d < 2; d++) {
		for (int variant = 0; variant < 3; variant++) {
			attune_score_input in = {{SEEKER, strlen(SEEKER)},
			                         {drafts[d], strlen(drafts[d])},
			                         prior,
			                         2,
			                         "en",
			                         ATTUNE_CHANNEL_CHAT,
			                         3,
			                         42};
			if (variant == 1)
				in.n_prior_turns = 0, in.prior_turns = NULL;
			if (variant == 2) /* many tokens: chained arena chunks */
				in.draft = (attune_text){big, big_len};
			tried += torture(t, &in);
		}
	}
	printf("score: %ld failing allocations tried over 6 calls\n", tried);
	/* each call allocates at least its arena's first chunk and its result
	 * (one block: findings, suggestions and their texts in it) */
	CHECK(tried >= 12);
	free(big);
}

TEST(create_fails_cleanly_at_every_allocation)
{
	long n;
	for (n = 1; n < 1000000; n++) {
		attune_scorer *s = NULL;
		fail_at = n, counted = 0;
		attune_status st = attune_scorer_create(&s);
		fail_at = -1;
		if (st == ATTUNE_OK) {
			attune_scorer_destroy(s);
			break;
		}
		/* a vocabulary table that cannot grow reads as a bad data line */
		CHECK(st == ATTUNE_E_NOMEM || st == ATTUNE_E_INVALID);
		CHECK(s == NULL);
	}
	printf("create: %ld failing allocations tried\n", n - 1);
	CHECK(n > 5 && n < 1000000);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(score_fails_cleanly_at_every_allocation),
	    T(create_fails_cleanly_at_every_allocation),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
