/*
 * scorer.c - the public entry points: scorer lifetime, input validation and
 * the pipeline (tokenize -> match -> analyze draft -> risk -> suggestions).
 * Pure: no I/O, no clocks, no mutable globals.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

attune_status attune_scorer_create(attune_scorer **out)
{
	if (!out)
		return ATTUNE_E_INVALID;
	*out = NULL;
	attune_scorer *s = calloc(1, sizeof(*s));
	if (!s)
		return ATTUNE_E_NOMEM;
	attune_status st = at_lexicon_build(s);
	if (st != ATTUNE_OK) {
		attune_scorer_destroy(s);
		return st;
	}
	*out = s;
	return ATTUNE_OK;
}

void attune_scorer_destroy(attune_scorer *s)
{
	if (!s)
		return;
	at_lexicon_free(s);
	free(s);
}

int attune_scorer_supports_locale(const attune_scorer *s, const char *locale)
{
	(void)s;
	if (!locale || !*locale)
		return 1;
	if (strncasecmp(locale, "en", 2) != 0)
		return 0;
	return locale[2] == 0 || locale[2] == '-' || locale[2] == '_';
}

static attune_status check_text(const attune_text *t, size_t limit)
{
	if (t->len && !t->ptr)
		return ATTUNE_E_INVALID;
	if (t->len > limit)
		return ATTUNE_E_TOO_LARGE;
	if (!attune_utf8_valid(t->ptr, t->len))
		return ATTUNE_E_INVALID_UTF8;
	return ATTUNE_OK;
}

static attune_status validate(const attune_scorer *s, const attune_score_input *in)
{
	attune_status st;
	if (!s || !in || in->draft.len == 0 || (in->n_prior_turns && !in->prior_turns))
		return ATTUNE_E_INVALID;
	if (in->n_prior_turns > ATTUNE_MAX_PRIOR_TURNS)
		return ATTUNE_E_TOO_LARGE;
	if ((st = check_text(&in->seeker, ATTUNE_MAX_SEEKER_BYTES)) != ATTUNE_OK)
		return st;
	if ((st = check_text(&in->draft, ATTUNE_MAX_DRAFT_BYTES)) != ATTUNE_OK)
		return st;
	for (size_t i = 0; i < in->n_prior_turns; i++)
		if ((st = check_text(&in->prior_turns[i], ATTUNE_MAX_PRIOR_TURN_BYTES)) !=
		    ATTUNE_OK)
			return st;
	if (!attune_scorer_supports_locale(s, in->locale))
		return ATTUNE_E_LOCALE;
	return ATTUNE_OK;
}

attune_status at_score_plain(const attune_scorer *s, const at_doc *seeker, const at_stemset *sk,
                             const at_prior *pr, const char *draft, size_t len, unsigned *score)
{
	at_doc d;
	at_analysis a;
	attune_status st = at_doc_init(s, &d, draft, len);
	if (st != ATTUNE_OK)
		return st;
	st = at_doc_match(s, &d, AT_ROLE_RESPONDER);
	if (st == ATTUNE_OK)
		st = at_analyze(s, seeker, sk, &d, pr, &a);
	if (st == ATTUNE_OK) {
		*score = a.score;
		at_analysis_free(&a);
	}
	at_doc_free(&d);
	return st;
}

attune_status attune_score(const attune_scorer *s, const attune_score_input *in,
                           attune_score_result **out)
{
	if (!out)
		return ATTUNE_E_INVALID;
	*out = NULL;
	attune_status st = validate(s, in);
	if (st != ATTUNE_OK)
		return st;

	at_doc seeker, draft;
	at_stemset sk = {0};
	at_prior pr = {0};
	at_analysis a = {0};
	attune_score_result *r = calloc(1, sizeof(*r));
	if (!r)
		return ATTUNE_E_NOMEM;
	r->risk.guidance = "";
	st = at_doc_init(s, &seeker, in->seeker.ptr, in->seeker.len);
	if (st != ATTUNE_OK)
		goto out_free_result;
	st = at_doc_init(s, &draft, in->draft.ptr, in->draft.len);
	if (st != ATTUNE_OK)
		goto out_free_seeker;
	if ((st = at_doc_match(s, &seeker, AT_ROLE_SEEKER)) != ATTUNE_OK ||
	    (st = at_doc_match(s, &draft, AT_ROLE_RESPONDER)) != ATTUNE_OK)
		goto out_free_draft;
	if ((st = at_stemset_build(s, &seeker, &sk)) != ATTUNE_OK)
		goto out_free_draft;
	if (in->n_prior_turns &&
	    (st = at_prior_build(s, in->prior_turns, in->n_prior_turns, &pr)) != ATTUNE_OK)
		goto out_free_stems;
	/* risk first: safety directives in the draft depend on it (never the reverse) */
	if ((st = at_risk(s, &seeker, &r->risk)) != ATTUNE_OK)
		goto out_free_stems;
	seeker.urgent = r->risk.level >= ATTUNE_RISK_MODERATE ||
	                (r->risk.categories & (1u << ATTUNE_RISK_MEDICAL_EMERGENCY)) != 0;
	st = at_analyze(s, &seeker, &sk, &draft, in->n_prior_turns ? &pr : NULL, &a);
	if (st != ATTUNE_OK)
		goto out_free_stems;
	r->score = a.score;
	r->acknowledge = a.acknowledge;
	r->reflect = a.reflect;
	r->explore = a.explore;
	r->findings = a.findings;
	r->n_findings = a.n_findings;
	a.findings = NULL;
	if (in->max_suggestions > 0)
		st = at_suggest(s, in, &seeker, &sk, &draft, in->n_prior_turns ? &pr : NULL,
		                &(at_analysis){.acknowledge = r->acknowledge,
		                               .reflect = r->reflect,
		                               .explore = r->explore,
		                               .findings = r->findings,
		                               .n_findings = r->n_findings,
		                               .score = r->score},
		                r);
out_free_stems:
	at_prior_free(&pr);
	at_stemset_free(&sk);
out_free_draft:
	at_doc_free(&draft);
out_free_seeker:
	at_doc_free(&seeker);
out_free_result:
	if (st != ATTUNE_OK) {
		attune_score_result_free(r);
		return st;
	}
	*out = r;
	return ATTUNE_OK;
}

void attune_score_result_free(attune_score_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_suggestions; i++)
		free(r->suggestions[i].text);
	free(r->suggestions);
	free(r->findings);
	free(r->risk.spans);
	free(r);
}
