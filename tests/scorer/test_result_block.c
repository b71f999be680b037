/*
 * test_result_block.c - attune_score() returns its result as one block
 * (scorer.c: result_alloc): the result, the findings, room for the capped
 * max_suggestions and AT_SUGGESTION_MAX bytes of text room per suggestion,
 * which at_suggest fills one text after another. Every text must lie whole
 * in that room, apart from the others, and the findings and suggestions in
 * their places, for every max_suggestions up to and past the cap (scorer
 * internals).
 */
#include "attune/scorer.h"
#include "internal.h"
#include "runner.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static attune_scorer *S;

/* Seekers whose words fill the {feelings}, {topic} and {situation} phrases
 * (the longest texts come from long topics and situations), and drafts with
 * many negative findings (one replacement each). */
static const char *const SEEKERS[] = {
    "After pausing my career for several years to start a family, it's time to go back to "
    "work, but I feel rusty, unmotivated and anxious about re-entering the job market.",
    "I'm so anxious about the extraordinarily complicated reorganisation of the "
    "interdepartmental responsibilities, accountabilities and compensation arrangements "
    "everyone keeps mentioning. I lost my job and I cannot stop thinking about the mortgage "
    "payments piling up.",
    "I feel hopeless and exhausted and lonely and scared about everything with my family.",
    "",
};

static const char *const DRAFTS[] = {
    "I've struggled with the same problem. The best way to tackle it is to just jump right in "
    "and give it your best.",
    "I've been there too. At least you have a family. You shouldn't feel that way. Calm down. "
    "Don't worry about it. Everything happens for a reason. You should just try harder. Have "
    "you tried meditation? When I was in your shoes I just got over it.",
    "Okay.",
};

/* Checks r against the layout result_alloc makes for max suggestions. */
static void check_block(test_ctx *t, const attune_score_result *r, unsigned max)
{
	const char *p = (const char *)(r + 1);
	const char *room = p + r->n_findings * sizeof(attune_finding) +
	                   (size_t)max * sizeof(attune_suggestion);
	const char *room_end = room + (size_t)max * AT_SUGGESTION_MAX;

	CHECK(r->n_suggestions <= max);
	if (r->n_findings)
		CHECK((const char *)r->findings == p);
	else
		CHECK(r->findings == NULL);
	if (max)
		CHECK((const char *)r->suggestions == p + r->n_findings * sizeof(attune_finding));
	else
		CHECK(r->suggestions == NULL && r->n_suggestions == 0);
	for (size_t i = 0; i < r->n_suggestions; i++) {
		const char *a = r->suggestions[i].text;
		size_t na = strlen(a);
		CHECK(na > 0 && na < AT_SUGGESTION_MAX);
		CHECK(a >= room && a + na < room_end); /* its NUL too */
		for (size_t j = 0; j < r->n_suggestions; j++) {
			const char *b = r->suggestions[j].text;
			if (j != i) /* [a, a + na] and [b, b + nb] are apart */
				CHECK(a + na < b || b + strlen(b) < a);
		}
	}
}

TEST(texts_lie_apart_in_their_room)
{
	size_t with_texts = 0, most = 0;
	for (size_t si = 0; si < sizeof(SEEKERS) / sizeof(SEEKERS[0]); si++)
		for (size_t di = 0; di < sizeof(DRAFTS) / sizeof(DRAFTS[0]); di++)
			for (unsigned max = 0; max <= ATTUNE_MAX_SUGGESTIONS + 2; max++)
				for (uint64_t key = 0; key < 4; key++) {
					attune_score_input in = {
					    .seeker = {SEEKERS[si], strlen(SEEKERS[si])},
					    .draft = {DRAFTS[di], strlen(DRAFTS[di])},
					    .max_suggestions = max,
					    .variation_key = key};
					attune_score_result *r = NULL;
					CHECK(attune_score(S, &in, &r) == ATTUNE_OK);
					if (!r)
						continue;
					check_block(t, r,
					            max > ATTUNE_MAX_SUGGESTIONS ? ATTUNE_MAX_SUGGESTIONS
					                                         : max);
					with_texts += r->n_suggestions > 1;
					if (r->n_suggestions > most)
						most = r->n_suggestions;
					attune_score_result_free(r);
				}
	/* the inputs reach several texts per result, up to five or more */
	CHECK(with_texts > 0);
	CHECK(most >= 5);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {T(texts_lie_apart_in_their_room)};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
