/*
 * test_findings_general.c - unit tests that the draft findings generalize
 * beyond the labelled corpus: platitudes, slang self-focus, evaluative
 * judgment, chained advice, and negated or double-sided uses that must not fire.
 */
#include "attune/scorer.h"
#include "runner.h"

#include <stdio.h>
#include <string.h>

static attune_scorer *S;

static const char *SEEKER = "My dog died last week and I can't stop crying. I feel so alone.";

/* The draft scored against SEEKER without suggestions, or NULL. */
static attune_score_result *score(const char *draft)
{
	attune_score_input in = {{SEEKER, strlen(SEEKER)},
	                         {draft, strlen(draft)},
	                         NULL,
	                         0,
	                         "en",
	                         ATTUNE_CHANNEL_CHAT,
	                         0,
	                         0};
	attune_score_result *r = NULL;
	return attune_score(S, &in, &r) == ATTUNE_OK ? r : NULL;
}

/* Number of findings of `kind` in the scored draft, or -1 if scoring failed. */
static int count_kind(const char *draft, attune_finding_kind kind)
{
	attune_score_result *r = score(draft);
	if (!r)
		return -1;
	int n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += r->findings[i].kind == kind;
	attune_score_result_free(r);
	return n;
}

static int has(const char *draft, attune_finding_kind kind)
{
	return count_kind(draft, kind) > 0;
}

/* The draft's levels as acknowledge * 100 + reflect * 10 + explore, or -1. */
static int levels(const char *draft)
{
	attune_score_result *r = score(draft);
	if (!r)
		return -1;
	int v = (int)(r->acknowledge * 100 + r->reflect * 10 + r->explore);
	attune_score_result_free(r);
	return v;
}

#define MIN    ATTUNE_FINDING_MINIMIZING
#define SELF   ATTUNE_FINDING_SELF_FOCUS
#define JUDGE  ATTUNE_FINDING_JUDGMENT
#define ADVICE ATTUNE_FINDING_PREMATURE_ADVICE
#define SECRET ATTUNE_FINDING_SECRECY_PROMISE
#define OPENQ  ATTUNE_FINDING_OPEN_QUESTION

TEST(platitudes_minimize)
{
	static const char *const drafts[] = {
	    "Look on the bright side, others have it way worse.",
	    "Kids grow out of it.",
	    "You'll be fine.",
	    "Nobody will remember this in a week.",
	    "God has a plan for you.",
	    "It is what it is.",
	    "Time heals all wounds.",
	    "It was just a dog, you can get another one.",
	    "Meh, it's not that deep.",
	    "Try not to dwell on it.",
	    "You get used to it.",
	    "Think of all the people who have it harder.",
	};
	for (size_t i = 0; i < sizeof(drafts) / sizeof(drafts[0]); i++) {
		int ok = has(drafts[i], MIN);
		if (!ok)
			fprintf(stderr, "  not minimizing: case %zu\n", i);
		CHECK(ok);
	}
}

TEST(negated_or_double_sided_is_not_minimizing)
{
	CHECK(!has("I won't tell you to calm down.", MIN));
	CHECK(!has("I'm not going to tell you to look on the bright side.", MIN));
	CHECK(!has("You don't need to look on the bright side right now.", MIN));
	CHECK(!has("You don't need to look on the bright side right now.", ADVICE));
	CHECK(!has("Nobody expects you to cheer up.", MIN));
	CHECK(!has("At least part of you wants to stay.", MIN));
	/* the positive controls still fire */
	CHECK(has("Calm down.", MIN));
	CHECK(has("At least you had him for twelve years.", MIN));
}

/* Quoted words are never findings, and a quote elsewhere in the draft does
 * not hide the responder's own words (analyze.c skips the per-token quote
 * test only for drafts without any quoted token). */
/* Each verb of saying or obligation disowns a cue shortly after it once it
 * is negated, by a negator or by "nobody" right before it; another verb does
 * not, nor does a negated verb in an earlier sentence (analyze.c looks for
 * such verbs once per draft, then walks back from a cue only if it has one). */
TEST(each_negated_saying_verb_disowns)
{
	static const char *const verbs[] = {"tell",    "say",     "ask",     "need",     "have",
	                                    "going",   "gonna",   "want",    "expect",   "expects",
	                                    "pretend", "mean",    "saying",  "telling",  "asking",
	                                    "suggest", "promise", "wanting", "expecting"};
	char draft[96];
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		snprintf(draft, sizeof(draft), "I won't %s you to calm down.", verbs[i]);
		int negated = !has(draft, MIN);
		snprintf(draft, sizeof(draft), "Nobody %s you to calm down.", verbs[i]);
		int nobody = !has(draft, MIN);
		if (!negated || !nobody)
			fprintf(stderr, "  not disowned by: %s\n", verbs[i]);
		CHECK(negated && nobody);
	}
	CHECK(has("I won't wish you to calm down.", MIN));
	CHECK(has("Nobody wishes you to calm down.", MIN));
	CHECK(has("I won't tell anyone. Calm down.", MIN));
	CHECK(count_kind("I won't tell you to calm down. Calm down.", MIN) == 1);
}

/* Advice words inside a minimizing phrase ("stay positive") are that phrase,
 * not advice; the cover keeps to the phrase's sentence (analyze.c looks at
 * the covered marks only in a sentence with a minimizing or judging match). */
TEST(minimizing_covers_advice_in_its_sentence_only)
{
	CHECK(has("Stay positive.", MIN));
	CHECK(!has("Stay positive.", ADVICE));
	CHECK(count_kind("Stay positive. You should call your sister.", ADVICE) == 1);
	CHECK(count_kind("You should call your sister. Stay positive.", ADVICE) == 1);
}

/* The level rules of analyze.c at their edges: what follows a reflection
 * stem (no content word: 1; one: 2 only if it names a feeling; more: 2 if
 * one names a feeling or is the seeker's), an acknowledgment (2 with a
 * feeling or the seeker's words) and an open question (one content word
 * after its stem: 2 only with an experience word, a feeling or the
 * seeker's words). */
TEST(level_edges)
{
	CHECK(levels("I understand.") == 10);
	CHECK(levels("It sounds like your dog.") == 10);                /* one word, the seeker's */
	CHECK(levels("It sounds like a lot.") == 10);                   /* one word, neither */
	CHECK(levels("It sounds like you feel alone.") == 220);         /* a feeling */
	CHECK(levels("It sounds like your dog died last week.") == 20); /* the seeker's */
	CHECK(levels("I'm so sorry.") == 100);
	CHECK(levels("I'm so sorry about your dog.") == 200);
	CHECK(levels("That sounds so lonely.") == 200);
	CHECK(levels("What is the plan?") == 1);
	CHECK(levels("What happened?") == 2);
	CHECK(levels("What happened to your dog?") == 2);
}

TEST(quoted_words_only_are_not_findings)
{
	CHECK(!has("My mom always said \"calm down\" to me.", MIN));
	CHECK(count_kind("My mom always said \"calm down\". Calm down.", MIN) == 1);
	CHECK(!has("\"Calm down\" is what I heard. You should take a walk.", MIN));
	CHECK(has("\"Calm down\" is what I heard. You should take a walk.", ADVICE));
	CHECK(!has("He told me to just calm down.", MIN));
}

TEST(self_focus_slang_and_relatives)
{
	CHECK(has("Been there.", SELF));
	CHECK(has("Same here lol", SELF));
	CHECK(has("Story of my life.", SELF));
	CHECK(has("My sister went through the same thing last year.", SELF));
	CHECK(has("That's what I do when I'm stressed.", SELF));
	CHECK(!has("I'm so sorry, that sounds lonely.", SELF));
}

TEST(judgment_labels_and_blame_questions)
{
	CHECK(has("That was a bad decision.", JUDGE));
	CHECK(has("That's on you.", JUDGE));
	CHECK(has("What did you expect?", JUDGE));
	CHECK(!has("What did you expect?", OPENQ));
	CHECK(has("Why on earth would you text him again?", JUDGE));
	CHECK(has("You shouldn't still be upset about this.", JUDGE));
	/* negated or validating uses */
	CHECK(!has("You're not overreacting.", JUDGE));
	CHECK(!has("It wasn't a bad decision.", JUDGE));
	CHECK(!has("You didn't deserve that.", JUDGE));
	CHECK(!has("Go for it, you deserve that trip.", JUDGE));
	CHECK(!has("You shouldn't have to carry this alone.", JUDGE));
	CHECK(!has("You shouldn't have to carry this alone.", ADVICE));
}

TEST(secrecy_not_promised)
{
	CHECK(has("I won't tell anyone.", SECRET));
	CHECK(!has("I can't promise I won't tell anyone, but I'm here to listen.", SECRET));
	CHECK(!has("I won't tell you to calm down.", SECRET));
}

TEST(chained_advice_counts_twice)
{
	CHECK(count_kind("Try journaling and also go for a walk.", ADVICE) == 2);
	CHECK(count_kind("Try journaling, then go for a walk.", ADVICE) == 2);
	CHECK(count_kind("It sounds like you want to quit and also start over.", ADVICE) == 0);
	CHECK(!has("You need not stay positive for me.", ADVICE));
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(platitudes_minimize),
	    T(negated_or_double_sided_is_not_minimizing),
	    T(each_negated_saying_verb_disowns),
	    T(minimizing_covers_advice_in_its_sentence_only),
	    T(level_edges),
	    T(quoted_words_only_are_not_findings),
	    T(self_focus_slang_and_relatives),
	    T(judgment_labels_and_blame_questions),
	    T(secrecy_not_promised),
	    T(chained_advice_counts_twice),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
