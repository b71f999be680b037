/*
 * test_suggest_index.c - what attune_scorer_create() precomputes for the
 * suggestion and analysis paths against the per-call tests they replace:
 * a template's replaced finding kind against the "rep.<kind name>." id
 * prefix, pick()'s template groups against a scan of every template, and
 * at_tok_is_emotion() against the token's emotion entry (scorer internals).
 */
#include "attune/scorer.h"
#include "internal.h"
#include "runner.h"

#include <stdio.h>
#include <string.h>

static attune_scorer *S;

/* The id test pick() made per call before at_template.addresses. */
static int has_rep_prefix(const at_template *tp, attune_finding_kind k)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "rep.%s.", attune_finding_kind_name(k));
	return strncmp(tp->id, prefix, strlen(prefix)) == 0;
}

TEST(addresses_match_id_prefix)
{
	size_t reps = 0;
	for (size_t i = 0; i < S->n_tpls; i++) {
		const at_template *tp = &S->tpls[i];
		attune_finding_kind want = ATTUNE_FINDING_UNSPECIFIED;
		for (int k = 1; k < ATTUNE_FINDING_KIND_MAX; k++)
			if (strcmp(attune_finding_kind_name((attune_finding_kind)k),
			           "unspecified") &&
			    has_rep_prefix(tp, (attune_finding_kind)k))
				want = (attune_finding_kind)k;
		CHECK(tp->addresses == want);
		reps += want != ATTUNE_FINDING_UNSPECIFIED;
	}
	CHECK(reps > 0); /* the data has replacement templates */
}

TEST(measure_reads_the_id)
{
	at_template tp = {.id = "rep.minimizing.x", .text = "{feeling} is {topic}"};
	at_template_measure(&tp);
	CHECK(tp.addresses == ATTUNE_FINDING_MINIMIZING);
	CHECK(tp.uses[1] == 1 && tp.uses[2] == 1 && tp.rich == 2);
	tp.id = "rep.minimizing"; /* no variant: not the prefix */
	at_template_measure(&tp);
	CHECK(tp.addresses == ATTUNE_FINDING_UNSPECIFIED);
	tp.id = "rep.no_such_kind.x";
	at_template_measure(&tp);
	CHECK(tp.addresses == ATTUNE_FINDING_UNSPECIFIED);
	tp.id = "ack.minimizing.x";
	at_template_measure(&tp);
	CHECK(tp.addresses == ATTUNE_FINDING_UNSPECIFIED);
}

/* Group g in file order equals the templates a full scan keeps. */
static void check_group(test_ctx *t, size_t g, int kind, int addr)
{
	uint32_t at = S->tpl_group[g], end = S->tpl_group[g + 1];
	CHECK(at <= end);
	for (size_t i = 0; i < S->n_tpls; i++) {
		const at_template *tp = &S->tpls[i];
		if ((int)tp->kind != kind || (addr && (int)tp->addresses != addr))
			continue;
		CHECK(at < end && S->tpl_index[at] == i);
		at++;
	}
	CHECK(at == end);
}

TEST(groups_equal_a_scan)
{
	CHECK(S->tpl_group[0] == 0);
	for (int k = 0; k < AT_SUGGESTION_KINDS; k++)
		check_group(t, (size_t)k, k, 0);
	for (int f = 1; f < ATTUNE_FINDING_KIND_MAX; f++)
		check_group(t, AT_SUGGESTION_KINDS + (size_t)f, ATTUNE_SUGGESTION_REPLACEMENT, f);
	CHECK(S->tpl_group[AT_SUGGESTION_KINDS] > S->tpl_group[ATTUNE_SUGGESTION_ACKNOWLEDGMENT]);
}

TEST(emotion_bit_is_the_emotion_entry)
{
	static const char *const texts[] = {
	    "I feel rusty, unmotivated and anxious about re-entering the job market.",
	    "I'm not happy, just sad and SCARED and overwhelmed... lonely?",
	    "Grief, anger, shame: I'm exhausted, heartbroken and hopeless 😢 xyzzy.",
	};
	size_t emotions = 0;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		at_arena ar;
		at_doc d;
		at_arena_init(&ar, 4096);
		CHECK(at_doc_init(S, &ar, &d, texts[i], strlen(texts[i])) == ATTUNE_OK);
		for (size_t k = 0; k < d.n_toks; k++) {
			const at_tok *tk = &d.toks[k];
			int want = tk->word >= 0 && S->words[tk->word].emo >= 0;
			CHECK(at_tok_is_emotion(tk) == want);
			emotions += (size_t)want;
		}
		at_arena_free(&ar);
	}
	CHECK(emotions >= 8);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(addresses_match_id_prefix),
	    T(measure_reads_the_id),
	    T(groups_equal_a_scan),
	    T(emotion_bit_is_the_emotion_entry),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
