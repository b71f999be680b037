/*
 * test_scorer.c - unit tests for the scorer library: the BRIEF example,
 * every context rule from issue 3, spans on UTF-8 boundaries, monotonicity,
 * determinism, limits and invalid input, risk, repetition and suggestion safety.
 */
#include "attune/scorer.h"
#include "runner.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static attune_scorer *S;

static const char *SEEKER_BRIEF =
    "After pausing my career for several years to start a family, it's time to go back to "
    "work, but I feel rusty, unmotivated and anxious about re-entering the job market.";
static const char *REPLY_A =
    "I'm sorry to hear that you're struggling with finding the motivation to get back to "
    "work. I can understand how anxiety and insecurity can make it hard to take that step. "
    "You have a lot of courage to share your situation and seek help. I hope you know that "
    "you have valuable skills and experience that can benefit any employer. You deserve to "
    "feel financially secure and fulfilled in your career.";
static const char *REPLY_B = "I've struggled with the same problem. The best way to tackle it is "
                             "to just jump right in and give it your best.";

static attune_score_result *score_full(const char *seeker, const char *draft, const char **prior,
                                       size_t n_prior, unsigned max_sugg, uint64_t key)
{
	attune_text pt[16];
	for (size_t i = 0; i < n_prior && i < 16; i++)
		pt[i] = (attune_text){prior[i], strlen(prior[i])};
	attune_score_input in = {{seeker, strlen(seeker)},
	                         {draft, strlen(draft)},
	                         pt,
	                         n_prior,
	                         "en",
	                         ATTUNE_CHANNEL_CHAT,
	                         max_sugg,
	                         key};
	attune_score_result *r = NULL;
	attune_status st = attune_score(S, &in, &r);
	if (st != ATTUNE_OK) {
		fprintf(stderr, "attune_score: %s\n", attune_strerror(st));
		return NULL;
	}
	return r;
}

static attune_score_result *score(const char *seeker, const char *draft)
{
	return score_full(seeker, draft, NULL, 0, 0, 0);
}

static unsigned score_of(const char *seeker, const char *draft)
{
	attune_score_result *r = score(seeker, draft);
	unsigned v = r ? r->score : 999;
	attune_score_result_free(r);
	return v;
}

/* The finding of `kind` whose span covers `phrase` in `draft`, or NULL. */
static const attune_finding *find_cover(const attune_score_result *r, const char *draft,
                                        attune_finding_kind kind, const char *phrase)
{
	const char *p = phrase ? strstr(draft, phrase) : NULL;
	for (size_t i = 0; r && i < r->n_findings; i++) {
		const attune_finding *f = &r->findings[i];
		if (f->kind != kind)
			continue;
		if (!phrase)
			return f;
		if (p && f->start <= (size_t)(p - draft) &&
		    f->end >= (size_t)(p - draft) + strlen(phrase))
			return f;
	}
	return NULL;
}

static int has_kind(const attune_score_result *r, attune_finding_kind kind)
{
	return find_cover(r, "", kind, NULL) != NULL;
}

static int n_negative(const attune_score_result *r, int ignore_repetition)
{
	int n = 0;
	for (size_t i = 0; r && i < r->n_findings; i++) {
		attune_finding_kind k = r->findings[i].kind;
		if (!attune_finding_kind_is_positive(k) &&
		    !(ignore_repetition && k == ATTUNE_FINDING_FORMULAIC_REPETITION))
			n++;
	}
	return n;
}

static int on_boundary(const char *s, size_t len, size_t off)
{
	return off == 0 || off == len || (off < len && ((unsigned char)s[off] & 0xC0) != 0x80);
}

static int spans_ok(const attune_score_result *r, const char *seeker, const char *draft)
{
	size_t dl = strlen(draft), sl = strlen(seeker);
	for (size_t i = 0; i < r->n_findings; i++) {
		const attune_finding *f = &r->findings[i];
		if (f->start >= f->end || f->end > dl || !on_boundary(draft, dl, f->start) ||
		    !on_boundary(draft, dl, f->end) || !f->explanation)
			return 0;
	}
	for (size_t i = 0; i < r->risk.n_spans; i++) {
		const attune_risk_span *sp = &r->risk.spans[i];
		if (sp->start >= sp->end || sp->end > sl || !on_boundary(seeker, sl, sp->start) ||
		    !on_boundary(seeker, sl, sp->end))
			return 0;
	}
	for (size_t i = 0; i < r->n_suggestions; i++) {
		const attune_suggestion *g = &r->suggestions[i];
		if (g->placement == ATTUNE_PLACEMENT_REPLACE_SPAN &&
		    (g->start > g->end || g->end > dl || !on_boundary(draft, dl, g->start) ||
		     !on_boundary(draft, dl, g->end)))
			return 0;
		if (!g->text || !attune_utf8_valid(g->text, strlen(g->text)) || !g->stem_id)
			return 0;
	}
	return 1;
}

/* Applies a suggestion to the draft as the API documents; caller frees. */
static char *apply(const char *draft, const attune_suggestion *g)
{
	size_t dl = strlen(draft), tl = strlen(g->text);
	char *out = malloc(dl + tl + 2);
	if (!out)
		return NULL;
	if (g->placement == ATTUNE_PLACEMENT_BEFORE_DRAFT)
		sprintf(out, "%s %s", g->text, draft);
	else if (g->placement == ATTUNE_PLACEMENT_AFTER_DRAFT)
		sprintf(out, "%s %s", draft, g->text);
	else
		sprintf(out, "%.*s%s%s", (int)g->start, draft, g->text, draft + g->end);
	return out;
}

TEST(brief_example)
{
	attune_score_result *a = score(SEEKER_BRIEF, REPLY_A);
	attune_score_result *b = score_full(SEEKER_BRIEF, REPLY_B, NULL, 0, 3, 7);
	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK(a->score >= 60);
	CHECK(b->score <= 35);
	CHECK(a->score >= b->score + 30);
	CHECK(a->acknowledge == 2);
	CHECK(find_cover(b, REPLY_B, ATTUNE_FINDING_SELF_FOCUS,
	                 "I've struggled with the same problem"));
	CHECK(find_cover(b, REPLY_B, ATTUNE_FINDING_PREMATURE_ADVICE, "just jump right in"));
	CHECK(n_negative(a, 0) == 0);
	/* B's author is offered a reflection built from the seeker's words */
	int reflection = 0;
	for (size_t i = 0; i < b->n_suggestions; i++) {
		const attune_suggestion *g = &b->suggestions[i];
		CHECK(g->projected_score > b->score);
		if (g->kind == ATTUNE_SUGGESTION_REFLECTION &&
		    strstr(g->text, "rusty and anxious") && strstr(g->text, "you"))
			reflection = 1;
	}
	CHECK(reflection);
	CHECK(b->n_suggestions == 3);
out:
	attune_score_result_free(a);
	attune_score_result_free(b);
}

TEST(brief_reflection_wording)
{
	attune_score_result *b = score_full(SEEKER_BRIEF, REPLY_B, NULL, 0, 8, 0);
	CHECK(b != NULL);
	int found = 0;
	for (size_t i = 0; b && i < b->n_suggestions; i++)
		if (b->suggestions[i].kind == ATTUNE_SUGGESTION_REFLECTION)
			found =
			    strstr(b->suggestions[i].text, "feeling rusty and anxious about") !=
			        NULL ||
			    strstr(b->suggestions[i].text, "feel rusty and anxious about") != NULL;
	CHECK(found);
	attune_score_result_free(b);
}

TEST(context_rules)
{
	const char *sk = "My dad died last month and I feel so alone and guilty.";
	attune_score_result *r;

	r = score(sk, "You shouldn't have to carry this alone.");
	CHECK(r && !has_kind(r, ATTUNE_FINDING_JUDGMENT) &&
	      !has_kind(r, ATTUNE_FINDING_PREMATURE_ADVICE));
	CHECK(r && r->acknowledge >= 1);
	attune_score_result_free(r);

	r = score(sk, "It's not your fault.");
	CHECK(r && !has_kind(r, ATTUNE_FINDING_MINIMIZING) && n_negative(r, 0) == 0);
	attune_score_result_free(r);

	r = score(sk, "You shouldn't feel that way.");
	CHECK(r && has_kind(r, ATTUNE_FINDING_JUDGMENT));
	attune_score_result_free(r);

	r = score(sk, "I know exactly how you feel.");
	CHECK(r && has_kind(r, ATTUNE_FINDING_SELF_FOCUS));
	attune_score_result_free(r);

	r = score(sk, "When I was your age my grandmother passed too.");
	CHECK(r && has_kind(r, ATTUNE_FINDING_SELF_FOCUS));
	attune_score_result_free(r);

	r = score(sk, "At least he isn't suffering anymore.");
	CHECK(r && has_kind(r, ATTUNE_FINDING_MINIMIZING));
	attune_score_result_free(r);

	r = score(sk, "Everything happens for a reason, stay positive!");
	CHECK(r && has_kind(r, ATTUNE_FINDING_MINIMIZING));
	attune_score_result_free(r);

	r = score(sk, "Your aunt told me 'just get over it' is what she said to you, and that "
	              "sounds so painful.");
	CHECK(r && !has_kind(r, ATTUNE_FINDING_MINIMIZING));
	attune_score_result_free(r);

	r = score(sk, "I won't tell anyone about this.");
	CHECK(r && has_kind(r, ATTUNE_FINDING_SECRECY_PROMISE));
	attune_score_result_free(r);
}

TEST(advice_needs_ack_and_permission)
{
	const char *sk = "I can't sleep since I lost my job and I'm so stressed.";
	attune_score_result *r;

	r = score(sk, "You should try melatonin.");
	CHECK(r && find_cover(r, "You should try melatonin.", ATTUNE_FINDING_PREMATURE_ADVICE,
	                      "You should"));
	CHECK(r && r->findings[0].severity == ATTUNE_SEVERITY_MAJOR);
	attune_score_result_free(r);

	r = score(sk, "Have you tried going for a walk?");
	CHECK(r && has_kind(r, ATTUNE_FINDING_PREMATURE_ADVICE));
	CHECK(r && !has_kind(r, ATTUNE_FINDING_CLOSED_QUESTION));
	attune_score_result_free(r);

	const char *ok =
	    "Losing your job and not sleeping sounds exhausting, and it makes sense you're "
	    "stressed. Would it help if I shared one thing that has helped others sleep?";
	r = score(sk, ok);
	CHECK(r && !has_kind(r, ATTUNE_FINDING_PREMATURE_ADVICE));
	CHECK(r && r->acknowledge == 2);
	attune_score_result_free(r);

	const char *ok2 =
	    "That sounds so stressful. If you want, one thing that you could try is a "
	    "wind-down routine.";
	r = score(sk, ok2);
	CHECK(r && !has_kind(r, ATTUNE_FINDING_PREMATURE_ADVICE));
	attune_score_result_free(r);

	/* acknowledgment without permission: still advice, but less severe */
	r = score(sk, "That sounds so stressful. You should try melatonin.");
	const attune_finding *f =
	    r ? find_cover(r, "That sounds so stressful. You should try melatonin.",
	                   ATTUNE_FINDING_PREMATURE_ADVICE, "You should")
	      : NULL;
	CHECK(f && f->severity == ATTUNE_SEVERITY_MODERATE);
	attune_score_result_free(r);
}

TEST(levels)
{
	const char *sk = "I'm terrified about going back to work after years away.";
	attune_score_result *r;

	r = score(sk, "Sorry to hear that.");
	CHECK(r && r->acknowledge == 1);
	attune_score_result_free(r);

	r = score(sk, "That sounds exhausting.");
	CHECK(r && r->acknowledge == 2);
	attune_score_result_free(r);

	r = score(sk, "I understand.");
	CHECK(r && r->reflect == 1);
	attune_score_result_free(r);

	r = score(sk, "It sounds like going back to work after years away feels terrifying.");
	CHECK(r && r->reflect == 2);
	attune_score_result_free(r);

	r = score(sk, "Are you ok?");
	CHECK(r && r->explore == 1 && has_kind(r, ATTUNE_FINDING_CLOSED_QUESTION));
	attune_score_result_free(r);

	r = score(sk, "What feels hardest about going back?");
	CHECK(r && r->explore == 2 && has_kind(r, ATTUNE_FINDING_OPEN_QUESTION));
	attune_score_result_free(r);

	r = score(sk, "It sounds like you're scared about work — do I have that right?");
	CHECK(r && has_kind(r, ATTUNE_FINDING_CHECK_IN) && has_kind(r, ATTUNE_FINDING_REFLECTION));
	attune_score_result_free(r);
}

TEST(texting_style)
{
	const char *sk = "my bf dumped me and i cant stop crying";
	attune_score_result *r = score(sk, "omg that sucks r u ok");
	CHECK(r && r->acknowledge >= 1 && r->explore >= 1);
	CHECK(r && n_negative(r, 0) == 0);
	attune_score_result_free(r);

	r = score(sk, "im so sorry youre going through this\nwhat feels hardest right now");
	CHECK(r && r->acknowledge >= 1 && r->explore == 2);
	attune_score_result_free(r);

	r = score(sk, "u should just move on tbh");
	CHECK(r && (has_kind(r, ATTUNE_FINDING_PREMATURE_ADVICE) ||
	            has_kind(r, ATTUNE_FINDING_MINIMIZING)));
	attune_score_result_free(r);

	/* curly apostrophes and apostrophe-less contractions are the same words */
	const char *curly = "I\xE2\x80\x99ve struggled with the same problem.";
	r = score(sk, curly);
	CHECK(r && find_cover(r, curly, ATTUNE_FINDING_SELF_FOCUS, "struggled"));
	attune_score_result_free(r);
	r = score(sk, "dont worry ull be fine");
	CHECK(r && has_kind(r, ATTUNE_FINDING_MINIMIZING));
	attune_score_result_free(r);
}

TEST(utf8_spans)
{
	const char *sk = "Mi mamá está enferma \xF0\x9F\x98\xA2 and I'm scared about the surgery.";
	const char *drafts[] = {
	    "\xF0\x9F\x92\x94 That sounds so scary \xE2\x80\x94 at least the doctors are good "
	    "\xF0\x9F\x99\x8F",
	    "Caf\xC3\xA9 talk: \xE2\x80\x9CI know exactly how you feel\xE2\x80\x9D isn't what you "
	    "need. What feels hardest?",
	    "\xE2\x80\x9C"
	    "Don\xE2\x80\x99t worry\xE2\x80\x9D \xE2\x80\x94 you should relax \xF0\x9F\x98\x8A.",
	    "I\xE2\x80\x99m so sorry. \xE4\xBD\xA0\xE5\xA5\xBD. Have you tried yoga?",
	};
	for (size_t i = 0; i < sizeof(drafts) / sizeof(drafts[0]); i++) {
		attune_score_result *r = score_full(sk, drafts[i], NULL, 0, 8, i);
		CHECK(r != NULL);
		if (r)
			CHECK(spans_ok(r, sk, drafts[i]));
		attune_score_result_free(r);
	}
}

static const char *MONO_SEEKERS[] = {
    "I lost my job last week and I feel worthless and scared about rent.",
    "my anxiety is so bad i cant leave the house",
    "I've been caring for my mom with dementia and I'm exhausted and resentful.",
};
static const char *MONO_DRAFTS[] = {
    "You should update your resume.",
    "I've been there too.",
    "Ok.",
    "Have you tried breathing exercises? They work for me.",
    "That sounds really hard. What has been the hardest part?",
    "It sounds like you're scared about rent.",
};

TEST(monotone_acknowledgment)
{
	const char *acks[] = {"That sounds really hard.", "I'm so sorry you're going through this.",
	                      "It makes sense that you'd feel scared."};
	char buf[1024];
	for (size_t s = 0; s < 3; s++)
		for (size_t d = 0; d < sizeof(MONO_DRAFTS) / sizeof(MONO_DRAFTS[0]); d++)
			for (size_t a = 0; a < 3; a++) {
				unsigned base = score_of(MONO_SEEKERS[s], MONO_DRAFTS[d]);
				snprintf(buf, sizeof(buf), "%s %s", acks[a], MONO_DRAFTS[d]);
				CHECK(score_of(MONO_SEEKERS[s], buf) >= base);
				snprintf(buf, sizeof(buf), "%s %s", MONO_DRAFTS[d], acks[a]);
				CHECK(score_of(MONO_SEEKERS[s], buf) >= base);
			}
}

TEST(monotone_minimizing)
{
	const char *mins[] = {"At least you have your health.", "Don't worry, it could be worse.",
	                      "Everything happens for a reason."};
	char buf[1024];
	for (size_t s = 0; s < 3; s++)
		for (size_t d = 0; d < sizeof(MONO_DRAFTS) / sizeof(MONO_DRAFTS[0]); d++)
			for (size_t m = 0; m < 3; m++) {
				unsigned base = score_of(MONO_SEEKERS[s], MONO_DRAFTS[d]);
				snprintf(buf, sizeof(buf), "%s %s", MONO_DRAFTS[d], mins[m]);
				CHECK(score_of(MONO_SEEKERS[s], buf) <= base);
				snprintf(buf, sizeof(buf), "%s %s", mins[m], MONO_DRAFTS[d]);
				CHECK(score_of(MONO_SEEKERS[s], buf) <= base);
			}
}

static int same_result(const attune_score_result *a, const attune_score_result *b)
{
	if (a->score != b->score || a->n_findings != b->n_findings ||
	    a->n_suggestions != b->n_suggestions || a->risk.level != b->risk.level ||
	    a->risk.n_spans != b->risk.n_spans)
		return 0;
	for (size_t i = 0; i < a->n_findings; i++)
		if (memcmp(&a->findings[i], &b->findings[i], sizeof(a->findings[i])) != 0)
			return 0;
	for (size_t i = 0; i < a->n_suggestions; i++)
		if (strcmp(a->suggestions[i].text, b->suggestions[i].text) != 0 ||
		    a->suggestions[i].projected_score != b->suggestions[i].projected_score)
			return 0;
	return 1;
}

TEST(determinism)
{
	for (uint64_t key = 0; key < 20; key++) {
		attune_score_result *a = score_full(SEEKER_BRIEF, REPLY_B, NULL, 0, 8, key);
		attune_score_result *b = score_full(SEEKER_BRIEF, REPLY_B, NULL, 0, 8, key);
		CHECK(a && b && same_result(a, b));
		attune_score_result_free(a);
		attune_score_result_free(b);
	}
}

TEST(invalid_input)
{
	attune_score_result *r = (attune_score_result *)&r;
	attune_score_input in = {{"hi", 2}, {"ok", 2}, NULL, 0, NULL, 0, 0, 0};
	CHECK(attune_score(S, &in, &r) == ATTUNE_OK && r);
	attune_score_result_free(r);

	in.draft = (attune_text){"bad \xC3\x28", 6};
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_INVALID_UTF8 && r == NULL);
	in.draft = (attune_text){"nul\0byte", 8};
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_INVALID_UTF8 && r == NULL);
	in.draft = (attune_text){"ok", 2};
	in.seeker = (attune_text){"\xED\xA0\x80", 3}; /* surrogate */
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_INVALID_UTF8);
	in.seeker = (attune_text){"", 0};
	in.draft = (attune_text){"", 0};
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_INVALID);
	in.draft = (attune_text){NULL, 3};
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_INVALID);

	char *big = malloc(ATTUNE_MAX_DRAFT_BYTES + 2);
	memset(big, 'a', ATTUNE_MAX_DRAFT_BYTES + 1);
	in.draft = (attune_text){big, ATTUNE_MAX_DRAFT_BYTES + 1};
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_TOO_LARGE);
	in.draft = (attune_text){big, ATTUNE_MAX_DRAFT_BYTES};
	CHECK(attune_score(S, &in, &r) == ATTUNE_OK);
	attune_score_result_free(r);
	in.draft = (attune_text){"ok", 2};
	in.seeker = (attune_text){big, ATTUNE_MAX_SEEKER_BYTES + 1};
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_TOO_LARGE);
	in.seeker = (attune_text){"", 0};

	attune_text turns[ATTUNE_MAX_PRIOR_TURNS + 1];
	for (size_t i = 0; i <= ATTUNE_MAX_PRIOR_TURNS; i++)
		turns[i] = (attune_text){"It sounds like that's hard.", 27};
	in.prior_turns = turns;
	in.n_prior_turns = ATTUNE_MAX_PRIOR_TURNS + 1;
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_TOO_LARGE);
	in.n_prior_turns = ATTUNE_MAX_PRIOR_TURNS;
	CHECK(attune_score(S, &in, &r) == ATTUNE_OK);
	attune_score_result_free(r);
	turns[0] = (attune_text){big, ATTUNE_MAX_PRIOR_TURN_BYTES + 1};
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_TOO_LARGE);
	in.n_prior_turns = 0;
	in.prior_turns = NULL;
	free(big);

	in.locale = "fr";
	CHECK(attune_score(S, &in, &r) == ATTUNE_E_LOCALE);
	in.locale = "en-GB";
	CHECK(attune_score(S, &in, &r) == ATTUNE_OK);
	attune_score_result_free(r);
	in.max_suggestions = 1000;
	CHECK(attune_score(S, &in, &r) == ATTUNE_OK && r->n_suggestions <= ATTUNE_MAX_SUGGESTIONS);
	attune_score_result_free(r);
	CHECK(attune_score(NULL, &in, &r) == ATTUNE_E_INVALID);
	CHECK(attune_score(S, NULL, &r) == ATTUNE_E_INVALID);
	CHECK(attune_score(S, &in, NULL) == ATTUNE_E_INVALID);
	attune_score_result_free(NULL);
	attune_scorer_destroy(NULL);
	CHECK(attune_scorer_create(NULL) == ATTUNE_E_INVALID);
}

TEST(utf8_validation)
{
	CHECK(attune_utf8_valid("", 0));
	CHECK(attune_utf8_valid("h\xC3\xA9llo \xF0\x9F\x98\x80", 11));
	CHECK(!attune_utf8_valid("\xC0\xAF", 2));         /* overlong */
	CHECK(!attune_utf8_valid("\xE0\x80\xAF", 3));     /* overlong */
	CHECK(!attune_utf8_valid("\xED\xB0\x80", 3));     /* surrogate */
	CHECK(!attune_utf8_valid("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
	CHECK(!attune_utf8_valid("\xE2\x82", 2));         /* truncated */
	CHECK(!attune_utf8_valid("\x80", 1));
	CHECK(!attune_utf8_valid("a\0b", 3));
	CHECK(!attune_utf8_valid(NULL, 1));
}

TEST(names)
{
	for (int k = 0; k < ATTUNE_FINDING_KIND_MAX; k++) {
		const char *n = attune_finding_kind_name((attune_finding_kind)k);
		CHECK(n != NULL);
		if (strcmp(n, "unspecified") != 0)
			CHECK(attune_finding_kind_from_name(n) == (attune_finding_kind)k);
	}
	CHECK(attune_finding_kind_from_name("nope") == ATTUNE_FINDING_UNSPECIFIED);
	CHECK(attune_channel_from_name("sms") == ATTUNE_CHANNEL_SMS);
	CHECK(strcmp(attune_risk_level_name(ATTUNE_RISK_HIGH), "high") == 0);
	CHECK(strcmp(attune_risk_category_name(ATTUNE_RISK_SELF_HARM), "self_harm") == 0);
	CHECK(attune_scorer_supports_locale(S, "EN-us") && !attune_scorer_supports_locale(S, "de"));
	CHECK(attune_scorer_supports_locale(S, NULL) && !attune_scorer_supports_locale(S, "eng"));
}

/* The language test against strncasecmp (what it stands for), for every two
 * leading bytes and each ending it may accept or refuse. */
TEST(locale_language_is_en_in_any_case)
{
	static const char *const ends[] = {"", "-US", "_gb", "g", "x-", "."};
	size_t accepted = 0;
	for (int a = 1; a < 256; a++)
		for (int b = 0; b < 256; b++)
			for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
				char loc[8] = {(char)a, (char)b, 0};
				if (b)
					strcpy(loc + 2, ends[e]);
				int want = strncasecmp(loc, "en", 2) == 0 &&
				           (loc[2] == 0 || loc[2] == '-' || loc[2] == '_');
				CHECK(attune_scorer_supports_locale(S, loc) == want);
				accepted += want;
			}
	CHECK(accepted == 4 * 3); /* en En eN EN, each with "", "-US", "_gb" */
}

static attune_risk_level risk_of(const char *seeker)
{
	attune_score_result *r = score(seeker, "I'm here.");
	attune_risk_level l = r ? r->risk.level : ATTUNE_RISK_HIGH + 1;
	if (r && ((l == ATTUNE_RISK_NONE) != (r->risk.guidance[0] == 0)))
		l = ATTUNE_RISK_HIGH + 2; /* guidance must accompany any risk */
	attune_score_result_free(r);
	return l;
}

TEST(risk)
{
	CHECK(risk_of("I have the pills saved up and I'm going to take them tonight.") ==
	      ATTUNE_RISK_HIGH);
	CHECK(risk_of("I want to kill myself tonight.") == ATTUNE_RISK_HIGH);
	CHECK(risk_of("I keep thinking about suicide.") == ATTUNE_RISK_MODERATE);
	CHECK(risk_of("i wanna die") >= ATTUNE_RISK_MODERATE);
	CHECK(risk_of("I'm not suicidal, I'm just tired of my job.") == ATTUNE_RISK_NONE);
	CHECK(risk_of("I would never kill myself.") == ATTUNE_RISK_NONE);
	CHECK(risk_of("Years ago I tried to kill myself, but I'm doing better.") ==
	      ATTUNE_RISK_LOW);
	CHECK(risk_of("I have a killer headache today.") == ATTUNE_RISK_NONE);
	CHECK(risk_of("I could die of embarrassment tonight.") == ATTUNE_RISK_NONE);
	CHECK(risk_of("This commute is killing me.") == ATTUNE_RISK_NONE);
	CHECK(risk_of("I've been cutting myself again.") >= ATTUNE_RISK_MODERATE);
	CHECK(risk_of("My husband hits me when he drinks.") >= ATTUNE_RISK_MODERATE);
	CHECK(risk_of("I took a whole bottle of pills an hour ago.") == ATTUNE_RISK_HIGH);
	CHECK(risk_of("I lost my job and feel sad.") == ATTUNE_RISK_NONE);

	const char *sk = "I have the pills saved up. Tonight is the night.";
	attune_score_result *r = score(sk, "ok");
	int means = 0, timing = 0;
	for (size_t i = 0; r && i < r->risk.n_spans; i++) {
		means |= r->risk.spans[i].cue == ATTUNE_RISK_CUE_MEANS;
		timing |= r->risk.spans[i].cue == ATTUNE_RISK_CUE_TIMING;
	}
	CHECK(r && means && timing && (r->risk.categories & (1u << ATTUNE_RISK_SUICIDE)));
	CHECK(r && spans_ok(r, sk, "ok"));
	/* risk never changes the draft's judgement */
	attune_score_result *plain = score("I lost my job.", "ok");
	CHECK(r && plain && r->score == plain->score);
	attune_score_result_free(r);
	attune_score_result_free(plain);
}

TEST(formulaic_repetition)
{
	const char *prior[] = {"It sounds like work has been really hard lately.",
	                       "It sounds like you're exhausted. Do I have that right?"};
	const char *draft = "It sounds like your boss is adding to it.";
	attune_score_result *r = score_full("My boss keeps piling on work.", draft, prior, 2, 8, 1);
	CHECK(r && find_cover(r, draft, ATTUNE_FINDING_FORMULAIC_REPETITION, "It sounds"));
	/* no suggestion reuses a stem the responder leaned on */
	for (size_t i = 0; r && i < r->n_suggestions; i++)
		CHECK(strncmp(r->suggestions[i].text, "It sounds like", 14) != 0);
	attune_score_result_free(r);

	r = score_full("My boss keeps piling on work.", draft, NULL, 0, 0, 0);
	CHECK(r && !has_kind(r, ATTUNE_FINDING_FORMULAIC_REPETITION));
	attune_score_result_free(r);

	const char *canned[] = {"Thank you for reaching out to us tonight.", "How are you?"};
	r = score_full("I'm struggling.", "Thank you for reaching out to us tonight.", canned, 2, 0,
	               0);
	CHECK(r && has_kind(r, ATTUNE_FINDING_FORMULAIC_REPETITION));
	attune_score_result_free(r);
}

static const char *SAFE_SEEKERS[] = {
    ("After pausing my career for several years to start a family, it's time to go back to work, "
     "but I feel rusty, unmotivated and anxious about re-entering the job market."),
    "My wife left me and I'm not motivated to do anything. I feel hopeless about the future.",
    "i relapsed last night after 90 days sober and im so ashamed",
    "My mom has dementia and I'm exhausted and guilty about wanting a break.",
    "I got diagnosed with diabetes and I'm scared of what comes next.",
    "Nobody talks to me at school. I'm lonely all the time.",
    "I want to kill myself. I have the pills saved up.",
    "",
    "My landlord is evicting us and I don't know where we will go.",
    "I'm not sad, just angry at my brother for lying about the money.",
};
static const char *SAFE_DRAFTS[] = {
    "I've struggled with the same problem. The best way is to just jump right in.",
    "At least you have your kids. Don't worry!",
    "You shouldn't feel that way. Why did you do that?",
    "I won't tell anyone, I promise.",
    "ok",
    "That sounds so hard. What feels hardest right now?",
};

TEST(suggestion_safety)
{
	for (size_t s = 0; s < sizeof(SAFE_SEEKERS) / sizeof(SAFE_SEEKERS[0]); s++)
		for (size_t d = 0; d < sizeof(SAFE_DRAFTS) / sizeof(SAFE_DRAFTS[0]); d++)
			for (uint64_t key = 0; key < 4; key++) {
				attune_score_result *r =
				    score_full(SAFE_SEEKERS[s], SAFE_DRAFTS[d], NULL, 0, 8, key);
				CHECK(r != NULL);
				if (!r)
					continue;
				CHECK(spans_ok(r, SAFE_SEEKERS[s], SAFE_DRAFTS[d]));
				for (size_t i = 0; i < r->n_suggestions; i++) {
					const attune_suggestion *g = &r->suggestions[i];
					attune_score_result *alone =
					    score(SAFE_SEEKERS[s], g->text);
					CHECK(alone && n_negative(alone, 1) == 0);
					if (alone && n_negative(alone, 1))
						fprintf(stderr, "  unsafe suggestion stem %s\n",
						        g->stem_id);
					attune_score_result_free(alone);
					/* projected_score is the score of the draft with it applied
					 */
					char *applied = apply(SAFE_DRAFTS[d], g);
					CHECK(applied && score_of(SAFE_SEEKERS[s], applied) ==
					                     g->projected_score);
					free(applied);
					if (g->placement == ATTUNE_PLACEMENT_REPLACE_SPAN)
						CHECK(g->addresses != ATTUNE_FINDING_UNSPECIFIED);
				}
				attune_score_result_free(r);
			}
}

TEST(suggestions_vary)
{
	/* different variation keys eventually pick different phrasings */
	const char *first = NULL;
	int varied = 0;
	char keep[600] = "";
	for (uint64_t key = 0; key < 32 && !varied; key++) {
		attune_score_result *r = score_full(SAFE_SEEKERS[1], "ok", NULL, 0, 3, key);
		for (size_t i = 0; r && i < r->n_suggestions; i++) {
			if (r->suggestions[i].kind != ATTUNE_SUGGESTION_ACKNOWLEDGMENT)
				continue;
			if (!first) {
				snprintf(keep, sizeof(keep), "%s", r->suggestions[i].text);
				first = keep;
			} else if (strcmp(first, r->suggestions[i].text) != 0) {
				varied = 1;
			}
		}
		attune_score_result_free(r);
	}
	CHECK(varied);
}

/* Older turns are only hashed by sentence: a canned line from turn 1 of 12 is
 * still found (apostrophes and case aside); the largest request still scores. */
TEST(canned_lines_in_old_turns)
{
	const char *prior[12];
	for (size_t i = 0; i < 12; i++)
		prior[i] = "Okay. How was your day?";
	prior[1] = "I hear you. You\u2019re NOT alone in this, we are here for you!";
	attune_score_result *r = score_full(
	    "I can't sleep.", "You're not alone in this, we are here for you.", prior, 12, 0, 0);
	CHECK(r && has_kind(r, ATTUNE_FINDING_FORMULAIC_REPETITION));
	attune_score_result_free(r);
	r = score_full("I can't sleep.", "You're not alone tonight, we are with you.", prior, 12, 0,
	               0);
	CHECK(r && !has_kind(r, ATTUNE_FINDING_FORMULAIC_REPETITION));
	attune_score_result_free(r);

	static char turn[ATTUNE_MAX_PRIOR_TURN_BYTES];
	const char *line = "That sounds so hard, I'm here with you. ";
	size_t n = 0;
	while (n + strlen(line) <= sizeof(turn)) {
		memcpy(turn + n, line, strlen(line));
		n += strlen(line);
	}
	attune_text pt[ATTUNE_MAX_PRIOR_TURNS];
	for (size_t i = 0; i < ATTUNE_MAX_PRIOR_TURNS; i++)
		pt[i] = (attune_text){turn, n};
	const char *draft = "That sounds so hard, I'm here with you. What happened tonight?";
	attune_score_input in = {{"I can't sleep.", 14},
	                         {draft, strlen(draft)},
	                         pt,
	                         ATTUNE_MAX_PRIOR_TURNS,
	                         "en",
	                         ATTUNE_CHANNEL_CHAT,
	                         3,
	                         0};
	r = NULL;
	CHECK(attune_score(S, &in, &r) == ATTUNE_OK && r);
	CHECK(r && has_kind(r, ATTUNE_FINDING_FORMULAIC_REPETITION) &&
	      spans_ok(r, "I can't sleep.", draft));
	attune_score_result_free(r);
}

/* Suggestions come best first by projected score, deterministically; the
 * BRIEF's reply B still gets a reflection or acknowledgment among them. */
TEST(suggestions_best_first)
{
	const char *drafts[] = {REPLY_B, "Have you tried updating your resume?",
	                        "At least you have a family. Just apply everywhere.", "I'm sorry.",
	                        "ok"};
	for (size_t d = 0; d < sizeof(drafts) / sizeof(drafts[0]); d++) {
		for (unsigned max = 1; max <= 8; max++) {
			attune_score_result *r =
			    score_full(SEEKER_BRIEF, drafts[d], NULL, 0, max, 3);
			attune_score_result *r2 =
			    score_full(SEEKER_BRIEF, drafts[d], NULL, 0, max, 3);
			CHECK(r && r2 && r->n_suggestions == r2->n_suggestions);
			for (size_t i = 0; r && r2 && i < r->n_suggestions; i++) {
				if (i > 0)
					CHECK(r->suggestions[i - 1].projected_score >=
					      r->suggestions[i].projected_score);
				CHECK(strcmp(r->suggestions[i].text, r2->suggestions[i].text) == 0);
			}
			attune_score_result_free(r);
			attune_score_result_free(r2);
		}
	}
	for (unsigned max = 2; max <= 8; max++) {
		attune_score_result *b = score_full(SEEKER_BRIEF, REPLY_B, NULL, 0, max, 0);
		int heard = 0;
		for (size_t i = 0; b && i < b->n_suggestions; i++)
			heard |= b->suggestions[i].kind == ATTUNE_SUGGESTION_REFLECTION ||
			         b->suggestions[i].kind == ATTUNE_SUGGESTION_ACKNOWLEDGMENT;
		CHECK(heard);
		attune_score_result_free(b);
	}
}

/* Getting an at-risk person emergency help is not premature advice. */
TEST(safety_directives)
{
	static const char *risky[] = {
	    "I took a whole bottle of my sleeping pills an hour ago.",
	    "I want to kill myself tonight. I have the pills saved up.",
	    "my chest hurts really bad and my left arm is numb",
	};
	static const char *directives[] = {
	    "Please call 911 right now.",
	    "You need to call emergency services now.",
	    "You should go to the ER right away.",
	    "Call poison control now, and stay on the line with me.",
	    "Are you safe right now? Please put the pills away.",
	    "Unlock the door for the paramedics.",
	};
	for (size_t i = 0; i < sizeof(risky) / sizeof(risky[0]); i++) {
		for (size_t j = 0; j < sizeof(directives) / sizeof(directives[0]); j++) {
			attune_score_result *r = score(risky[i], directives[j]);
			CHECK(r && r->risk.level >= ATTUNE_RISK_MODERATE);
			CHECK(r && !has_kind(r, ATTUNE_FINDING_PREMATURE_ADVICE));
			attune_score_result_free(r);
		}
		CHECK(score_of(risky[i], "I'm so glad you told me. Please call 911 right now.") >
		      score_of(risky[i], "Don't worry, it'll pass. Just get some sleep."));
		CHECK(score_of(risky[i], "Please call 911 right now.") >
		      score_of(risky[i], "Calm down, it's not a big deal."));
	}
	/* without risk the same words are still advice, and other advice stays advice */
	attune_score_result *r = score("I'm stressed about my exams.", "You should go to the ER.");
	CHECK(r && has_kind(r, ATTUNE_FINDING_PREMATURE_ADVICE));
	attune_score_result_free(r);
	r = score(risky[1], "You should just think positive. Call 911.");
	CHECK(r && has_kind(r, ATTUNE_FINDING_PREMATURE_ADVICE));
	attune_score_result_free(r);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(brief_example),
	    T(brief_reflection_wording),
	    T(context_rules),
	    T(advice_needs_ack_and_permission),
	    T(levels),
	    T(texting_style),
	    T(utf8_spans),
	    T(monotone_acknowledgment),
	    T(monotone_minimizing),
	    T(determinism),
	    T(invalid_input),
	    T(utf8_validation),
	    T(names),
	    T(locale_language_is_en_in_any_case),
	    T(risk),
	    T(formulaic_repetition),
	    T(suggestion_safety),
	    T(suggestions_vary),
	    T(safety_directives),
	    T(suggestions_best_first),
	    T(canned_lines_in_old_turns),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
