/*
 * test_projection.c - projected scores from sentence sums (at_project_summed)
 * against scoring the projected text itself (attune_score, no suggestions),
 * over seeded random drafts and insertions built from sentences chosen to
 * meet at the seams: advice before and after an acknowledgment, chained
 * advice after fillers, the responder's story going on across a seam,
 * "nobody" right before one, safety directives for an urgent seeker.
 * Placements: before the draft, after it, and replacing each sentence.
 */
#include "attune/scorer.h"
#include "internal.h"
#include "runner.h"

#include <stdlib.h>
#include <string.h>

static attune_scorer *S;

static const char *const pool[] = {
    "I've struggled with the same problem.",
    "I went through a breakup last year.",
    "I know exactly how you feel.",
    "I was so tired back then.",
    "You should update your resume tonight.",
    "You should go to bed early and drink more water.",
    "And also try to relax.",
    "So you just need to get some sleep.",
    "Would it help if you called a friend?",
    "At least you have a job, and it could be worse.",
    "Don't worry, everything happens for a reason.",
    "I promise I won't tell anyone.",
    "It sounds like you're exhausted and anxious about work.",
    "That sounds really hard.",
    "I hear how lonely this has been.",
    "You have been carrying this alone for weeks.",
    "What feels hardest about it right now?",
    "Do you have anyone to talk to?",
    "Did I get that right?",
    "Tell me more about what happened.",
    "Nobody.",
    "Who expects that? Nobody.",
    "Expects you to cheer up.",
    "Tells you to calm down.",
    "Please call 911 right now.",
    "Are you safe right now?",
    "Put the pills away and stay on the line with me.",
    "Replaying the fight over and over.",
    "Three days without sleep.",
    "Okay.",
    "So.",
    "And you need to stop.",
    "\"You should just leave,\" she said.",
    "Me too, I lost my job.",
    "It makes sense that you feel rusty after years away.",
};
#define POOL_N (sizeof(pool) / sizeof(pool[0]))

static const char *const seekers[] = {
    "I feel rusty, unmotivated and anxious about going back to work after years at home.",
    "I want to kill myself tonight. I have the pills right here.",
    "My husband hits me and I'm scared he'll come back. Nobody listens to me.",
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static unsigned next(unsigned n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* 1..max pool sentences joined by spaces */
static void random_text(char *out, size_t cap, unsigned max)
{
	unsigned n = 1 + next(max);
	out[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, pool[next(POOL_N)], cap - strlen(out) - 1);
	}
}

static unsigned plain_score(const char *seeker, const char *text)
{
	attune_score_input in = {{seeker, strlen(seeker)},
	                         {text, strlen(text)},
	                         NULL,
	                         0,
	                         "en",
	                         ATTUNE_CHANNEL_CHAT,
	                         0,
	                         0};
	attune_score_result *r;
	if (attune_score(S, &in, &r) != ATTUNE_OK)
		return 999;
	unsigned v = r->score;
	attune_score_result_free(r);
	return v;
}

/* The projected text, as suggest.c's project_text builds it. */
static void apply(const char *draft, const attune_suggestion *sg, char *out)
{
	size_t dl = strlen(draft), tl = strlen(sg->text);
	if (sg->placement == ATTUNE_PLACEMENT_BEFORE_DRAFT) {
		sprintf(out, "%s %s", sg->text, draft);
	} else if (sg->placement == ATTUNE_PLACEMENT_AFTER_DRAFT) {
		sprintf(out, "%s %s", draft, sg->text);
	} else {
		memcpy(out, draft, sg->start);
		memcpy(out + sg->start, sg->text, tl);
		memcpy(out + sg->start + tl, draft + sg->end, dl - sg->end);
		out[sg->start + tl + dl - sg->end] = 0;
	}
}

typedef struct counts {
	long tried, summed, wrong;
} counts;

/* Projects text into draft at every placement; compares where the sums decide. */
static void check_case(test_ctx *t, const char *seeker, const char *draft, char *text, counts *c)
{
	at_arena ar;
	at_doc sd, dd, xd;
	at_stemset sk;
	at_analysis da;
	attune_risk risk = {0};
	at_arena_init(&ar, 1 << 16);
	int ok = at_doc_init(S, &ar, &sd, seeker, strlen(seeker)) == ATTUNE_OK &&
	         at_doc_init(S, &ar, &dd, draft, strlen(draft)) == ATTUNE_OK &&
	         at_doc_init(S, &ar, &xd, text, strlen(text)) == ATTUNE_OK &&
	         at_doc_match(S, &sd, AT_ROLE_SEEKER) == ATTUNE_OK &&
	         at_doc_match(S, &dd, AT_ROLE_RESPONDER) == ATTUNE_OK &&
	         at_doc_match(S, &xd, AT_ROLE_RESPONDER) == ATTUNE_OK &&
	         at_stemset_build(&ar, &sd, &sk) == ATTUNE_OK &&
	         at_risk(S, &ar, &sd, &risk) == ATTUNE_OK;
	free(risk.spans);
	/* as attune_score decides it */
	sd.urgent = risk.level >= ATTUNE_RISK_MODERATE ||
	            (risk.categories & (1u << ATTUNE_RISK_MEDICAL_EMERGENCY)) != 0;
	ok = ok && at_analyze_sums(S, &ar, &sd, &sk, &dd, &da) == ATTUNE_OK;
	CHECK(ok);
	for (size_t p = 0; ok && p < dd.n_sents + 2; p++) {
		attune_suggestion sg = {0};
		sg.text = text;
		sg.placement = p == 0   ? ATTUNE_PLACEMENT_BEFORE_DRAFT
		               : p == 1 ? ATTUNE_PLACEMENT_AFTER_DRAFT
		                        : ATTUNE_PLACEMENT_REPLACE_SPAN;
		if (p >= 2)
			sg.start = dd.sents[p - 2].start, sg.end = dd.sents[p - 2].end;
		attune_status st = ATTUNE_OK;
		at_arena_mark m = at_arena_save(&ar);
		c->tried++;
		if (at_project_summed(S, &ar, &sd, &sk, &da, &dd, &xd, &sg, &st)) {
			char buf[2048];
			c->summed++;
			apply(draft, &sg, buf);
			unsigned want = plain_score(seeker, buf);
			if (st != ATTUNE_OK || sg.projected_score != want) {
				c->wrong++;
				if (c->wrong <= 5)
					fprintf(stderr, "projected %u, scored %u: \"%s\"\n",
					        sg.projected_score, want, buf);
			}
		}
		at_arena_release(&ar, m);
	}
	at_arena_free(&ar);
}

TEST(summed_equals_scored)
{
	counts c = {0};
	char draft[1024], text[1024];
	for (int i = 0; i < 6000; i++) {
		random_text(draft, sizeof(draft), 5);
		random_text(text, sizeof(text), 3);
		check_case(t, seekers[next(3)], draft, text, &c);
	}
	printf("tried=%ld summed=%ld wrong=%ld\n", c.tried, c.summed, c.wrong);
	CHECK(c.wrong == 0);
	CHECK(c.summed * 2 > c.tried); /* the sums decide most projections */
}

/* Seams the sums must refuse: the token before a piece is "nobody". */
TEST(nobody_seam_falls_back)
{
	counts c = {0};
	char text[] = "Expects you to cheer up.";
	check_case(t, seekers[0], "Who expects that? Nobody.", text, &c);
	CHECK(c.wrong == 0);
	CHECK(c.summed < c.tried);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {T(summed_equals_scored), T(nobody_seam_falls_back)};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
