/*
 * risk.c - surfaces risk in the seeker's message: categories, level, the
 * spans and cues that raised it, and static protocol guidance. Negated
 * mentions and figures of speech are not risk; mentions long past stay low;
 * plan, means, timing or intent next to a current mention make it high.
 * Risk is only reported: nothing is suppressed or rewritten because of it.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define AT_MAX_RISK_SPANS 64

static const char *const guidance[4] = {
    "",
    "Possible risk cues: stay with the person, ask directly about their safety and follow "
    "your center's safety protocol.",
    "Risk cues present: follow your center's safety protocol; ask directly about suicide or "
    "harm and whether they are safe right now.",
    "Imminent-risk cues (plan, means, timing or intent): follow your center's emergency safety "
    "protocol now, involve a supervisor, and ask directly about suicide and immediate safety.",
};
static const char *const guidance_medical =
    "Possible medical emergency: follow your center's emergency protocol and make sure the "
    "person can reach emergency services now.";

static attune_risk_category category_of(int file)
{
	switch (file) {
	case F_RISK_SUICIDE:
		return ATTUNE_RISK_SUICIDE;
	case F_RISK_SELFHARM:
		return ATTUNE_RISK_SELF_HARM;
	case F_RISK_OTHERS:
		return ATTUNE_RISK_HARM_TO_OTHERS;
	case F_RISK_ABUSE:
		return ATTUNE_RISK_ABUSE;
	case F_RISK_MEDICAL:
		return ATTUNE_RISK_MEDICAL_EMERGENCY;
	}
	return ATTUNE_RISK_CATEGORY_UNSPECIFIED;
}

/* excl: per token, bit (file - F_RISK_MOD) when a '!' exception line of that
 * risk file covers it ("! set .. date for" keeps "set a date for the wedding"
 * from counting as a chosen date). Exception lines are never risk themselves. */
/* "her" ends a match whose last slot stands for "me" (third_person.txt) but a
 * content word follows in its clause: a possessive ("slams her door"), not an object. */
static int possessive_her(const attune_scorer *s, const at_doc *d, const at_match *m)
{
	const at_pattern *p = &s->pats[m->pat];
	const at_slot *sl = &p->slots[p->nslots - 1];
	const at_tok *t = &d->toks[m->last - 1];
	if (sl->type != SL_WORDS || t->norm_len != 3 || memcmp(t->norm, "her", 3) != 0 ||
	    m->last >= d->n_toks || d->toks[m->last].clause != t->clause ||
	    !at_tok_is_content(&d->toks[m->last]))
		return 0;
	int32_t me = at_lookup(s, "me", 2);
	for (unsigned k = 0; me >= 0 && k < sl->n; k++)
		if (s->alts[sl->off + k] == (uint32_t)me)
			return 1;
	return 0;
}

static int live(const attune_scorer *s, const at_doc *d, const uint8_t *excl, const at_match *m)
{
	const at_pattern *p = &s->pats[m->pat];
	if (p->exception || possessive_her(s, d, m))
		return 0;
	for (uint32_t t = m->first; t < m->last; t++)
		if ((d->toks[t].flags & TK_FIGURATIVE) || ((excl[t] >> (p->file - F_RISK_MOD)) & 1))
			return 0;
	return !(d->toks[m->first].flags & TK_NEGATED);
}

static void add_span(attune_risk *r, attune_risk_category c, attune_risk_cue cue, const at_doc *d,
                     const at_match *m)
{
	size_t start = d->toks[m->first].start, end = d->toks[m->last - 1].end;
	for (size_t i = 0; i < r->n_spans; i++)
		if (r->spans[i].category == c && r->spans[i].start == start &&
		    r->spans[i].end == end)
			return;
	if (r->n_spans < AT_MAX_RISK_SPANS)
		r->spans[r->n_spans++] = (attune_risk_span){c, cue, start, end};
}

/* A number a person reports for a vital sign ("sugar is 38", "fever of 105")
 * decides whether the mention is an emergency. Returns the level the number
 * supports: 0 = in a safe range (not risk), or ATTUNE_RISK_MODERATE/HIGH.
 * Returns -1 when the match carries no number or no known vital sign. */
static const struct {
	const char *word;
	unsigned lo_high, hi_mod, hi_high; /* at/below, at/above (units below) */
} vitals[] = {
    /* blood glucose in mg/dL (values under 20 are read as mmol/L below) */
    {"sugar", 54, 400, 400},
    {"glucose", 54, 400, 400},
    {"bg", 54, 400, 400},
    /* body temperature in Fahrenheit (values under 50 are read as Celsius) */
    {"fever", 0, 103, 106},
    {"temp", 0, 103, 106},
    {"temperature", 0, 103, 106},
};

static int vital_level(const at_doc *d, const at_match *m)
{
	int kind = -1;
	long v = -1;
	for (uint32_t t = m->first; t < m->last; t++) {
		const at_tok *k = &d->toks[t];
		if (k->norm_len > 0 && k->norm_len <= 4 && k->norm[0] >= '0' && k->norm[0] <= '9') {
			long x = 0;
			size_t i = 0;
			while (i < k->norm_len && k->norm[i] >= '0' && k->norm[i] <= '9')
				x = x * 10 + (k->norm[i++] - '0');
			if (i == k->norm_len && v < 0)
				v = x;
			continue;
		}
		for (size_t i = 0; kind < 0 && i < sizeof(vitals) / sizeof(vitals[0]); i++)
			if (strlen(vitals[i].word) == k->norm_len &&
			    memcmp(vitals[i].word, k->norm, k->norm_len) == 0)
				kind = (int)i;
	}
	if (kind < 0 || v < 0)
		return -1;
	if (vitals[kind].hi_high == 106) { /* temperature */
		if (v < 50)                /* Celsius */
			return v >= 42 ? ATTUNE_RISK_HIGH : v >= 40 ? ATTUNE_RISK_MODERATE : 0;
		return v >= 106 && v < 115   ? ATTUNE_RISK_HIGH
		       : v >= 103 && v < 115 ? ATTUNE_RISK_MODERATE
		                             : 0;
	}
	if (v < 3) /* mmol/L this low, or a reading of 0-2 */
		return ATTUNE_RISK_HIGH;
	if (v < 20) /* mmol/L: only a very low value is read as danger */
		return 0;
	if (v <= (long)vitals[kind].lo_high || v >= (long)vitals[kind].hi_high)
		return ATTUNE_RISK_HIGH;
	return v >= (long)vitals[kind].hi_mod ? ATTUNE_RISK_MODERATE : 0;
}

/* 1 if a match of d comes from a risk file or the risk modifiers: every
 * category, cue and span below is raised by one, so without any the result
 * is no risk (level none, no categories, no spans, empty guidance). */
static int any_risk_match(const attune_scorer *s, const at_doc *d)
{
	for (size_t m = 0; m < d->n_matches; m++) {
		int f = s->pats[d->matches[m].pat].file;
		if (f == F_RISK_MOD || at_file_is_risk(f))
			return 1;
	}
	return 0;
}

attune_status at_risk(const attune_scorer *s, at_arena *ar, const at_doc *d, attune_risk *r)
{
	memset(r, 0, sizeof(*r));
	r->guidance = "";
	if (!any_risk_match(s, d))
		return ATTUNE_OK; /* guidance[0] is "" too */
	unsigned level[ATTUNE_RISK_CATEGORY_MAX] = {0};
	unsigned cues[ATTUNE_RISK_CATEGORY_MAX] = {0}; /* bit per cue */
	int current[ATTUNE_RISK_CATEGORY_MAX] = {0};
	unsigned strong[ATTUNE_RISK_CATEGORY_MAX] = {0}; /* current matches at moderate+ */
	int mention2[ATTUNE_RISK_CATEGORY_MAX] = {0};    /* a current moderate+ mention */
	int in_progress[ATTUNE_RISK_CATEGORY_MAX] = {0}; /* "right now" timing attached */
	int own[ATTUNE_RISK_CATEGORY_MAX] = {0};         /* current evidence other than means */
	unsigned weak[ATTUNE_RISK_CATEGORY_MAX] = {0};   /* cues from low-level phrases */
	/* One scratch block in the call's arena:
	 * past_sent  per sentence: 1 = long past, 2 = hyperbole ("lol", "i swear", 💀)
	 * now_clause per clause: a current timing cue ("but I bought blades today")
	 *            keeps a long-past mark elsewhere in the sentence off this clause
	 * past_tok   per token: bit c when a past-attempt phrase of category c
	 *            covers it ("tried to kill myself" makes its "kill myself" past)
	 * excl       per token: see live() */
	size_t n_scratch = (d->n_sents + 1) + (d->n_clauses + 1) + 2 * (d->n_toks + 1);
	uint8_t *scratch = at_arena_calloc(ar, n_scratch, 1);
	if (!scratch)
		return ATTUNE_E_NOMEM;
	uint8_t *past_sent = scratch;
	uint8_t *now_clause = past_sent + d->n_sents + 1;
	uint8_t *past_tok = now_clause + d->n_clauses + 1;
	uint8_t *excl = past_tok + d->n_toks + 1;
	/* spans are gathered in the arena and copied out only when there are any;
	 * not zeroed: add_span writes every entry below n_spans whole */
	r->spans = at_arena_alloc(ar, AT_MAX_RISK_SPANS * sizeof(*r->spans));
	if (!r->spans)
		return ATTUNE_E_NOMEM;
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		const at_pattern *p = &s->pats[mt->pat];
		if (p->exception && (p->file == F_RISK_MOD || at_file_is_risk(p->file)))
			for (uint32_t t = mt->first; t < mt->last; t++)
				excl[t] |= (uint8_t)(1u << (p->file - F_RISK_MOD));
	}
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_pattern *p = &s->pats[d->matches[m].pat];
		if (p->file == F_RISK_MOD && p->cue == ATTUNE_RISK_CUE_PAST_ATTEMPT &&
		    live(s, d, excl, &d->matches[m]))
			past_sent[d->toks[d->matches[m].first].sent] |= 1;
		else if (p->file == F_RISK_MOD && p->cue == ATTUNE_RISK_CUE_TIMING &&
		         live(s, d, excl, &d->matches[m]))
			now_clause[d->toks[d->matches[m].first].clause] = 1;
	}
	for (size_t i = 0; i < d->n_toks; i++) {
		const at_tok *k = &d->toks[i];
		if (at_tok_has_class(k, C_HYPERBOLE))
			past_sent[k->sent] |= 2;
		/* a calendar year ("overdosed in 2012") dates the sentence: past */
		if (k->norm_len == 4 && at_tok_in_class(s, k, C_NUMBER) &&
		    (k->norm[0] == '1' ? k->norm[1] == '9'
		                       : k->norm[0] == '2' && k->norm[1] == '0') &&
		    !now_clause[k->clause])
			past_sent[k->sent] |= 1;
	}
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		const at_pattern *p = &s->pats[mt->pat];
		if (at_file_is_risk(p->file) && p->cue == ATTUNE_RISK_CUE_PAST_ATTEMPT &&
		    live(s, d, excl, mt))
			for (uint32_t t = mt->first; t < mt->last; t++)
				past_tok[t] |= (uint8_t)(1u << category_of(p->file));
	}
	/* category mentions and category-specific cues */
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		const at_pattern *p = &s->pats[mt->pat];
		if (!at_file_is_risk(p->file) || !live(s, d, excl, mt))
			continue;
		attune_risk_category c = category_of(p->file);
		attune_risk_cue cue = p->cue ? (attune_risk_cue)p->cue : ATTUNE_RISK_CUE_MENTION;
		unsigned lvl = p->level ? p->level : ATTUNE_RISK_MODERATE;
		uint8_t mark = past_sent[d->toks[mt->first].sent];
		if ((mark & 1) && now_clause[d->toks[mt->first].clause])
			mark &= (uint8_t)~1u;
		int covered = 1;
		for (uint32_t t = mt->first; t < mt->last && covered; t++)
			covered = (past_tok[t] >> c) & 1;
		if (covered)
			cue = ATTUNE_RISK_CUE_PAST_ATTEMPT;
		if (c == ATTUNE_RISK_MEDICAL_EMERGENCY) {
			int v = vital_level(d, mt);
			if (v == 0)
				continue; /* a reading in the safe range is not risk */
			if (v > 0)
				lvl = (unsigned)v;
			/* an emergency long past ("my brother overdosed years ago") is
			 * over: not risk (a past attempt of the seeker's own is surfaced
			 * by the suicide lines) */
			if ((mark & 1) || cue == ATTUNE_RISK_CUE_PAST_ATTEMPT)
				continue;
		}
		if (mark & 2) {
			lvl = ATTUNE_RISK_LOW; /* hyperbole: surfaced, never raised */
		} else if (mark || cue == ATTUNE_RISK_CUE_PAST_ATTEMPT) {
			cue = ATTUNE_RISK_CUE_PAST_ATTEMPT;
			lvl = ATTUNE_RISK_LOW;
		} else {
			current[c] = 1;
			if (cue != ATTUNE_RISK_CUE_MEANS)
				own[c] = 1;
			/* a low-level phrase ("made my will") is a sign, not a cue that
			 * combines into high; a plan phrase at moderate+ in the suicide
			 * list (goodbye letters, giving the pet away) is a plan: high */
			if (lvl >= ATTUNE_RISK_MODERATE)
				cues[c] |= 1u << cue;
			else
				weak[c] |= 1u << cue;
			if (c == ATTUNE_RISK_SUICIDE && cue == ATTUNE_RISK_CUE_PLAN &&
			    lvl >= ATTUNE_RISK_MODERATE)
				lvl = ATTUNE_RISK_HIGH;
			if (lvl >= ATTUNE_RISK_MODERATE) {
				strong[c]++;
				if (cue == ATTUNE_RISK_CUE_MENTION)
					mention2[c] = 1;
			}
		}
		if (lvl > level[c])
			level[c] = lvl;
		r->categories |= 1u << c;
		add_span(r, c, cue, d, mt);
	}
	/* Means alone ("a razor in my hand", "a knife") belong to the category the
	 * person talks about: with no evidence but means, a suicide, self-harm
	 * or harm-to-others category is dropped when another category has a
	 * mention, plan, timing or intent of its own (the generic means cues below attach to that
	 * other category). */
	int spoken = 0;
	for (int c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++)
		if (c != ATTUNE_RISK_MEDICAL_EMERGENCY && (mention2[c] || (current[c] && own[c])))
			spoken |= 1 << c;
	for (int c = ATTUNE_RISK_SUICIDE; c <= ATTUNE_RISK_HARM_TO_OTHERS; c++) {
		if (!current[c] || own[c] || !(spoken & ~(1 << c)))
			continue;
		current[c] = 0;
		level[c] = 0;
		cues[c] = 0;
		strong[c] = 0;
		r->categories &= ~(1u << c);
		size_t k = 0;
		for (size_t i = 0; i < r->n_spans; i++)
			if (r->spans[i].category != (attune_risk_category)c)
				r->spans[k++] = r->spans[i];
		r->n_spans = k;
	}
	/* A place or means that is a method in itself (modifier lines marked
	 * level=2: "the bridge", "the overpass") next to a time ("tonight"), with
	 * no other risk in the message, is surfaced as suicide at low: ambiguous
	 * ("over the bridge tonight to see my mom"), but the responder is prompted
	 * to ask about safety; it never becomes more on its own. */
	int any_current = 0;
	for (int c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++)
		any_current |= current[c];
	if (!any_current) {
		const at_match *place = NULL, *when = NULL;
		for (size_t m = 0; m < d->n_matches; m++) {
			const at_match *mt = &d->matches[m];
			const at_pattern *p = &s->pats[mt->pat];
			if (p->file != F_RISK_MOD || !live(s, d, excl, mt) ||
			    past_sent[d->toks[mt->first].sent])
				continue;
			if (p->cue == ATTUNE_RISK_CUE_MEANS && p->level >= ATTUNE_RISK_MODERATE)
				place = place ? place : mt;
			else if (p->cue == ATTUNE_RISK_CUE_TIMING)
				when = when ? when : mt;
		}
		if (place && when) {
			level[ATTUNE_RISK_SUICIDE] = ATTUNE_RISK_LOW;
			r->categories |= 1u << ATTUNE_RISK_SUICIDE;
			add_span(r, ATTUNE_RISK_SUICIDE, ATTUNE_RISK_CUE_MEANS, d, place);
			add_span(r, ATTUNE_RISK_SUICIDE, ATTUNE_RISK_CUE_TIMING, d, when);
		}
	}
	/* generic plan/means/timing/intent cues attach to categories with current evidence */
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		const at_pattern *p = &s->pats[mt->pat];
		if (p->file != F_RISK_MOD || p->cue == ATTUNE_RISK_CUE_PAST_ATTEMPT || !p->cue ||
		    !live(s, d, excl, mt) || past_sent[d->toks[mt->first].sent])
			continue;
		for (int c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++) {
			int now = p->cue == ATTUNE_RISK_CUE_TIMING && p->level == ATTUNE_RISK_HIGH;
			if (!current[c] || c == ATTUNE_RISK_MEDICAL_EMERGENCY ||
			    (c == ATTUNE_RISK_ABUSE && p->cue != ATTUNE_RISK_CUE_MEANS && !now))
				continue;
			if (now)
				in_progress[c] = 1;
			cues[c] |= 1u << p->cue;
			add_span(r, (attune_risk_category)c, (attune_risk_cue)p->cue, d, mt);
		}
	}
	unsigned top = 0;
	const unsigned acute = (1u << ATTUNE_RISK_CUE_PLAN) | (1u << ATTUNE_RISK_CUE_MEANS) |
	                       (1u << ATTUNE_RISK_CUE_TIMING) | (1u << ATTUNE_RISK_CUE_INTENT);
	for (int c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++) {
		unsigned a = cues[c] & acute;
		/* self-harm: a recent act alone is not imminence; means at hand now is */
		/* self-harm: means only count when at hand now or with intent ("razor
		 * in my hand right now"); having blades, or when it happened, is not
		 * imminence on its own */
		const unsigned now_or_intent =
		    (1u << ATTUNE_RISK_CUE_TIMING) | (1u << ATTUNE_RISK_CUE_INTENT);
		if (c == ATTUNE_RISK_SELF_HARM &&
		    !((a & (1u << ATTUNE_RISK_CUE_MEANS)) && (a & now_or_intent)))
			a &= ~((1u << ATTUNE_RISK_CUE_TIMING) | (1u << ATTUNE_RISK_CUE_MEANS));
		int n_acute = __builtin_popcount(a), n_weak = 0;
		int imminent_kind = c == ATTUNE_RISK_SUICIDE || c == ATTUNE_RISK_SELF_HARM ||
		                    c == ATTUNE_RISK_HARM_TO_OTHERS;
		/* a low-level cue phrase ("on the roof") still raises a clear mention */
		if (c != ATTUNE_RISK_SELF_HARM && (weak[c] & acute))
			n_weak = 1;
		if (imminent_kind && current[c] &&
		    ((mention2[c] && n_acute + n_weak >= 1) || n_acute >= 2))
			level[c] = ATTUNE_RISK_HIGH;
		if (c == ATTUNE_RISK_ABUSE && current[c] && mention2[c] &&
		    ((cues[c] & (1u << ATTUNE_RISK_CUE_MEANS)) || in_progress[c]))
			level[c] = ATTUNE_RISK_HIGH;
		if (c == ATTUNE_RISK_MEDICAL_EMERGENCY && strong[c] >= 2)
			level[c] = ATTUNE_RISK_HIGH;
		if (level[c] > top)
			top = level[c];
	}
	r->level = (attune_risk_level)top;
	r->guidance = guidance[top];
	if (top && level[ATTUNE_RISK_MEDICAL_EMERGENCY] == top && top >= ATTUNE_RISK_MODERATE)
		r->guidance = guidance_medical;
	attune_risk_span *gathered = r->spans;
	r->spans = NULL;
	if (r->n_spans) {
		r->spans = malloc(r->n_spans * sizeof(*r->spans));
		if (!r->spans) {
			r->n_spans = 0;
			return ATTUNE_E_NOMEM;
		}
		memcpy(r->spans, gathered, r->n_spans * sizeof(*r->spans));
	}
	return ATTUNE_OK;
}
