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

/* The documents and the draft's analysis a projection case needs, made
 * as attune_score makes them; the text's document is matched in full. */
typedef struct proj_case {
	at_arena ar;
	at_doc sd, dd, xd; /* seeker, draft, the suggestion's text */
	at_stemset sk;
	at_analysis da;
} proj_case;

static int case_open(proj_case *k, const char *seeker, const char *draft, const char *text)
{
	attune_risk risk = {0};
	at_arena_init(&k->ar, 1 << 16);
	int ok = at_doc_init(S, &k->ar, &k->sd, seeker, strlen(seeker)) == ATTUNE_OK &&
	         at_doc_init(S, &k->ar, &k->dd, draft, strlen(draft)) == ATTUNE_OK &&
	         at_doc_init(S, &k->ar, &k->xd, text, strlen(text)) == ATTUNE_OK &&
	         at_doc_match(S, &k->sd, AT_ROLE_SEEKER) == ATTUNE_OK &&
	         at_doc_match(S, &k->dd, AT_ROLE_RESPONDER) == ATTUNE_OK &&
	         at_doc_match(S, &k->xd, AT_ROLE_RESPONDER) == ATTUNE_OK &&
	         at_stemset_build(&k->ar, &k->sd, &k->sk) == ATTUNE_OK &&
	         at_risk(S, &k->ar, &k->sd, &risk) == ATTUNE_OK;
	free(risk.spans);
	/* as attune_score decides it */
	k->sd.urgent = risk.level >= ATTUNE_RISK_MODERATE ||
	               (risk.categories & (1u << ATTUNE_RISK_MEDICAL_EMERGENCY)) != 0;
	return ok && at_analyze_sums(S, &k->ar, &k->sd, &k->sk, &k->dd, &k->da) == ATTUNE_OK;
}

/* Placement p of text: before the draft, after it, or (p >= 2) in place of
 * the draft's sentence p - 2. */
static void placement(const at_doc *dd, size_t p, char *text, attune_suggestion *sg)
{
	memset(sg, 0, sizeof(*sg));
	sg->text = text;
	sg->placement = p == 0   ? ATTUNE_PLACEMENT_BEFORE_DRAFT
	                : p == 1 ? ATTUNE_PLACEMENT_AFTER_DRAFT
	                         : ATTUNE_PLACEMENT_REPLACE_SPAN;
	if (p >= 2)
		sg->start = dd->sents[p - 2].start, sg->end = dd->sents[p - 2].end;
}

typedef struct counts {
	long tried, summed, wrong;
	long fired, missed_zero; /* the early exit (at_project_surely_zero) */
	long scored_one;         /* projections that score 1: right at its bound */
} counts;

/* Projects text into draft at every placement. Where the sums decide
 * (at_project_summed returns 1) the projection must be the applied text's
 * score; where the early exit fires, the sums must decide and the text
 * score 0. */
static void check_case(test_ctx *t, const char *seeker, const char *draft, char *text, counts *c)
{
	proj_case k;
	int ok = case_open(&k, seeker, draft, text);
	at_arena *ar = &k.ar;
	CHECK(ok);
	for (size_t p = 0; ok && p < k.dd.n_sents + 2; p++) {
		attune_suggestion sg;
		char buf[2048];
		placement(&k.dd, p, text, &sg);
		attune_status st = ATTUNE_OK;
		at_arena_mark m = at_arena_save(ar);
		int fired = at_project_surely_zero(&k.da, &k.dd, &k.xd, &sg);
		int summed = at_project_summed(S, ar, &k.sd, &k.sk, &k.da, &k.dd, &k.xd, &sg, &st);
		c->tried++;
		c->summed += summed;
		c->fired += fired;
		if (fired || summed) {
			apply(draft, &sg, buf);
			unsigned want = plain_score(seeker, buf);
			c->missed_zero += !fired && want == 0;
			c->scored_one += want == 1;
			if (!summed || st != ATTUNE_OK || sg.projected_score != want ||
			    (fired && want != 0)) {
				c->wrong++;
				if (c->wrong <= 5)
					fprintf(stderr,
					        "fired %d, projected %u, scored %u: \"%s\"\n",
					        fired, sg.projected_score, want, buf);
			}
		}
		at_arena_release(ar, m);
	}
	at_arena_free(ar);
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

/* Drafts for the early exit (at_project_surely_zero): mostly negative
 * sentences of every severity (major 25, moderate 15, minor 7, advice that
 * weighs less once heard, chained advice), with some acknowledgments,
 * reflections, questions and check-ins, so that penalties land on and
 * around the positive part's bound, and a REPLACE_SPAN may drop the
 * acknowledgment that later advice was heard after. */
static const char *const neg_pool[] = {
    "I've struggled with the same problem.",
    "You should update your resume tonight.",
    "Just relax.",
    "At least you have a job.",
    "Don't worry, everything happens for a reason.",
    "You're overreacting.",
    "I promise I won't tell anyone.",
    "You need to calm down.",
    "Maybe you could try journaling.",
    "Stop complaining.",
    "When I was your age I did fine.",
    "Me too.",
    "My dad was the same.",
    "I was so tired back then.",
    "Go for a run.",
    "You should go to bed early and drink more water.",
    "And also try to relax.",
    "So you just need to get some sleep.",
    "If you want, you could take a walk.",
    "Have you tried meditation?",
    "Why don't you call a friend?",
    "Tells you to calm down.",
    "Nobody.",
};
#define NEG_N (sizeof(neg_pool) / sizeof(neg_pool[0]))

static const char *const pos_pool[] = {
    "It sounds like you're exhausted and anxious about work.",
    "That sounds really hard.",
    "Thank you for sharing this.",
    "I hear how lonely this has been.",
    "You have been carrying this alone for weeks.",
    "What feels hardest about it right now?",
    "Do you have anyone to talk to?",
    "Did I get that right?",
    "It makes sense that you feel rusty after years away.",
    "Okay.",
    "So.",
};
#define POS_N (sizeof(pos_pool) / sizeof(pos_pool[0]))

/* min..max sentences, each negative with probability neg_pct percent */
static void mixed_text(char *out, size_t cap, unsigned min, unsigned max, unsigned neg_pct)
{
	unsigned n = min + next(max - min + 1);
	out[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		const char *x = next(100) < neg_pct ? neg_pool[next(NEG_N)] : pos_pool[next(POS_N)];
		if (i)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, x, cap - strlen(out) - 1);
	}
}

TEST(early_exit_only_when_zero)
{
	counts c = {0};
	char draft[1024], text[1024];
	for (int i = 0; i < 8000; i++) {
		mixed_text(draft, sizeof(draft), 3, 9, 80);
		mixed_text(text, sizeof(text), 1, 3, 15);
		check_case(t, seekers[next(3)], draft, text, &c);
	}
	printf("tried=%ld fired=%ld missed_zero=%ld wrong=%ld\n", c.tried, c.fired, c.missed_zero,
	       c.wrong);
	CHECK(c.wrong == 0);
	CHECK(c.fired * 4 > c.tried); /* the bound decides many of these */
}

/* Drafts of c major, b moderate and a minor findings, one a sentence, whose
 * penalties do not depend on what comes before them (no advice, and the
 * minor self-focus last, so no story goes on in the draft): with a
 * suggestion that adds none, the projection's penalty is exactly the
 * bound's, so every total from 0 to 150 meets every positive part, and a
 * bound off by one fires on a projection that scores 1. */
TEST(early_exit_at_the_bound)
{
	static const char *const sev[3] = {"You're overreacting.", "Just relax.",
	                                   "My dad was the same."};
	counts c = {0};
	char draft[1024];
	for (unsigned maj = 0; maj <= 4; maj++)
		for (unsigned mod = 0; mod <= 4; mod++)
			for (unsigned min = 0; min <= 5; min++) {
				unsigned n[3] = {maj, mod, min};
				draft[0] = 0;
				for (int k = 0; k < 3; k++)
					for (unsigned i = 0; i < n[k]; i++) {
						if (draft[0])
							strcat(draft, " ");
						strcat(draft, sev[k]);
					}
				if (!draft[0])
					continue;
				for (size_t x = 0; x < POS_N; x++) {
					char text[256];
					strcpy(text, pos_pool[x]);
					check_case(t, seekers[0], draft, text, &c);
				}
			}
	printf("tried=%ld fired=%ld missed_zero=%ld scored_one=%ld wrong=%ld\n", c.tried, c.fired,
	       c.missed_zero, c.scored_one, c.wrong);
	CHECK(c.wrong == 0);
	CHECK(c.scored_one > 0); /* the bound is met exactly somewhere */
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {T(summed_equals_scored), T(nobody_seam_falls_back),
	                                  T(early_exit_only_when_zero), T(early_exit_at_the_bound)};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
