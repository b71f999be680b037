/*
 * scorer.c - the public entry points: scorer lifetime, input validation and
 * the pipeline (tokenize -> match -> analyze draft -> risk -> suggestions).
 * Pure: no I/O, no clocks, no mutable globals.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

attune_status attune_scorer_create(attune_scorer **out)
{
	if (!out)
		return ATTUNE_E_INVALID;
	*out = NULL;
	attune_scorer *s = calloc(1, sizeof(*s));
	if (!s)
		return ATTUNE_E_NOMEM;
	attune_status st = at_lexicon_build(s);
	if (st == ATTUNE_OK)
		st = at_template_index(s);
	if (st == ATTUNE_OK)
		st = at_analysis_index(s);
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
	at_analysis_index_free(s);
	at_template_index_free(s);
	at_lexicon_free(s);
	free(s);
}

int attune_scorer_supports_locale(const attune_scorer *s, const char *locale)
{
	(void)s;
	if (!locale || !*locale)
		return 1;
	/* "en" in any case, as strncasecmp would say, without the call: only
	 * 'E' and 'e' give 'e' with bit 5 set, only 'N' and 'n' give 'n' (and a
	 * NUL at locale[1] gives ' ', so locale[2] is read only after a letter) */
	if ((locale[0] | 0x20) != 'e' || (locale[1] | 0x20) != 'n')
		return 0;
	return locale[2] == 0 || locale[2] == '-' || locale[2] == '_';
}

/* utf8_checked: the caller already ran attune_utf8_valid on t (see
 * attune_score_input); everything else is checked again, it is cheap. */
static attune_status check_text(const attune_text *t, size_t limit, int utf8_checked)
{
	if (t->len && !t->ptr)
		return ATTUNE_E_INVALID;
	if (t->len > limit)
		return ATTUNE_E_TOO_LARGE;
	if (!utf8_checked && !attune_utf8_valid(t->ptr, t->len))
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
	if ((st = check_text(&in->seeker, ATTUNE_MAX_SEEKER_BYTES, in->utf8_checked)) !=
	    ATTUNE_OK)
		return st;
	if ((st = check_text(&in->draft, ATTUNE_MAX_DRAFT_BYTES, in->utf8_checked)) != ATTUNE_OK)
		return st;
	for (size_t i = 0; i < in->n_prior_turns; i++)
		if ((st = check_text(&in->prior_turns[i], ATTUNE_MAX_PRIOR_TURN_BYTES,
		                     in->utf8_checked)) != ATTUNE_OK)
			return st;
	if (!attune_scorer_supports_locale(s, in->locale))
		return ATTUNE_E_LOCALE;
	return ATTUNE_OK;
}

attune_status at_score_plain(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                             const at_stemset *sk, const at_prior *pr, const char *draft,
                             size_t len, unsigned *score)
{
	at_doc d;
	at_analysis a;
	attune_status st = at_doc_init(s, ar, &d, draft, len);
	if (st != ATTUNE_OK)
		return st;
	st = at_doc_match(s, &d, AT_ROLE_RESPONDER);
	if (st == ATTUNE_OK)
		st = at_analyze(s, ar, seeker, sk, &d, pr, &a);
	if (st == ATTUNE_OK)
		*score = a.score;
	return st;
}

/* Bytes at_doc_init takes for len bytes of text (text.c: tokens, two span
 * arrays, normalized bytes), plus room for its matches. */
static size_t doc_bytes(size_t len)
{
	size_t cap = len / 2 + 2;
	return cap * (sizeof(at_tok) + 2 * sizeof(at_span)) + len + 1 + 64 * sizeof(at_match);
}

/* First arena chunk: enough for the seeker, the draft, a recent prior turn
 * (one at a time: at_prior_build releases each), the suggestions' documents
 * and a projection (about two more drafts; each is released in turn), so
 * that most calls make one malloc. */
static size_t arena_first(const attune_score_input *in)
{
	size_t n = 16 * 1024 + doc_bytes(in->seeker.len) + 3 * doc_bytes(in->draft.len), prior = 0;
	size_t first_recent =
	    in->n_prior_turns > AT_RECENT_TURNS ? in->n_prior_turns - AT_RECENT_TURNS : 0;
	for (size_t i = first_recent; i < in->n_prior_turns; i++)
		if (doc_bytes(in->prior_turns[i].len) > prior)
			prior = doc_bytes(in->prior_turns[i].len);
	return n + prior;
}

/* The result, its findings (copied from the analysis), room for max
 * suggestions and for their texts (at_suggest writes them there) in one
 * malloc'ed block, so attune_score_result_free frees one block (and the
 * risk spans, which at_risk mallocs). *texts: the text room,
 * max * AT_SUGGESTION_MAX bytes. NULL on malloc failure. */
_Static_assert(sizeof(attune_score_result) % _Alignof(attune_finding) == 0 &&
                   sizeof(attune_finding) % _Alignof(attune_suggestion) == 0 &&
                   sizeof(attune_score_result) % _Alignof(attune_suggestion) == 0,
               "each part of a result block keeps the next one aligned");

static attune_score_result *result_alloc(const attune_score_result *t, const at_analysis *a,
                                         unsigned max, char **texts)
{
	/* each part's size keeps the next one aligned (the assert above) */
	size_t nf = a->n_findings * sizeof(*a->findings);
	size_t ns = (size_t)max * sizeof(attune_suggestion);
	attune_score_result *r = malloc(sizeof(*r) + nf + ns + (size_t)max * AT_SUGGESTION_MAX);
	if (!r)
		return NULL;
	char *p = (char *)(r + 1);
	*r = *t;
	r->findings = a->n_findings ? memcpy(p, a->findings, nf) : NULL;
	r->n_findings = a->n_findings;
	r->suggestions = max ? (attune_suggestion *)(void *)(p + nf) : NULL;
	*texts = p + nf + ns;
	return r;
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

	/* every temporary of the call lives in ar; r is one malloc'ed block
	 * (result_alloc) but for the risk spans (at_risk mallocs them) */
	at_arena ar;
	at_doc seeker, draft;
	at_stemset sk = {0};
	at_prior pr = {0};
	at_analysis a = {0};
	attune_score_result res = {0}, *r = NULL;
	unsigned max = at_max_suggestions(in);
	char *texts = NULL;
	res.risk.guidance = "";
	at_arena_init(&ar, arena_first(in));
	if ((st = at_doc_init(s, &ar, &seeker, in->seeker.ptr, in->seeker.len)) != ATTUNE_OK ||
	    (st = at_doc_init(s, &ar, &draft, in->draft.ptr, in->draft.len)) != ATTUNE_OK)
		goto out_free_arena;
	if ((st = at_doc_match(s, &seeker, AT_ROLE_SEEKER)) != ATTUNE_OK ||
	    (st = at_doc_match(s, &draft, AT_ROLE_RESPONDER)) != ATTUNE_OK)
		goto out_free_arena;
	if ((st = at_stemset_build(&ar, &seeker, &sk)) != ATTUNE_OK)
		goto out_free_arena;
	if (in->n_prior_turns &&
	    (st = at_prior_build(s, &ar, in->prior_turns, in->n_prior_turns, &pr)) != ATTUNE_OK)
		goto out_free_arena;
	/* risk first: safety directives in the draft depend on it (never the reverse) */
	if ((st = at_risk(s, &ar, &seeker, &res.risk)) != ATTUNE_OK)
		goto out_free_arena;
	seeker.urgent = res.risk.level >= ATTUNE_RISK_MODERATE ||
	                (res.risk.categories & (1u << ATTUNE_RISK_MEDICAL_EMERGENCY)) != 0;
	/* without prior turns, suggestions score their projections from the
	 * draft's sentence sums (suggest.c) */
	if (in->max_suggestions > 0 && !in->n_prior_turns)
		st = at_analyze_sums(s, &ar, &seeker, &sk, &draft, &a);
	else
		st = at_analyze(s, &ar, &seeker, &sk, &draft, in->n_prior_turns ? &pr : NULL, &a);
	if (st != ATTUNE_OK)
		goto out_free_arena;
	res.score = a.score;
	res.acknowledge = a.acknowledge;
	res.reflect = a.reflect;
	res.explore = a.explore;
	if (!(r = result_alloc(&res, &a, max, &texts))) {
		st = ATTUNE_E_NOMEM;
		goto out_free_arena;
	}
	if (max > 0)
		st = at_suggest(s, &ar, in, &seeker, &sk, &draft, in->n_prior_turns ? &pr : NULL,
		                &(at_analysis){.acknowledge = r->acknowledge,
		                               .reflect = r->reflect,
		                               .explore = r->explore,
		                               .findings = r->findings,
		                               .n_findings = r->n_findings,
		                               .score = r->score,
		                               .sums = a.sums,
		                               .sums_pen_most = a.sums_pen_most,
		                               .seam_walk = a.seam_walk},
		                r, texts);
out_free_arena:
	at_arena_free(&ar);
	if (st != ATTUNE_OK) {
		free(res.risk.spans); /* r, if there is one, holds the same pointer */
		free(r);
		return st;
	}
	*out = r;
	return ATTUNE_OK;
}

void attune_score_result_free(attune_score_result *r)
{
	if (!r)
		return;
	free(r->risk.spans); /* the rest is one block (result_alloc) */
	free(r);
}
