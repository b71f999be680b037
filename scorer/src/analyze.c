/*
 * analyze.c - judges one draft: acknowledge/reflect/explore levels, the
 * positive and negative findings with spans and static explanations,
 * formulaic repetition against the responder's prior turns, and the score.
 *
 * Score (0..100), also documented in scorer/data/README.md:
 *   score = clamp(25 + 15*acknowledge + 12*reflect + 9*explore + 5*[check_in]
 *                 - sum over negative findings of penalty(severity), 0, 100)
 *   penalty: minor 7, moderate 15, major 25.
 * Levels only rise when positive evidence is added and penalties only add,
 * so adding a real acknowledgment never lowers the score and adding a
 * minimizing phrase never raises it (a sentence that minimizes or judges
 * does not count as acknowledgment, reflection or exploration).
 *
 * Without prior turns, suggest.c scores projections from at_sent_sum: a rule
 * that looks across sentences must be one at_project_summed knows (heard
 * before, the story going on, the token before a sentence); the random seams
 * of tests/scorer/test_projection.c catch one it does not.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const explain[ATTUNE_FINDING_KIND_MAX] = {
    [ATTUNE_FINDING_ACKNOWLEDGMENT] = "Names or validates what the person is feeling.",
    [ATTUNE_FINDING_REFLECTION] = "Reflects the person's situation back in the responder's words.",
    [ATTUNE_FINDING_CHECK_IN] = "Checks whether the responder understood correctly.",
    [ATTUNE_FINDING_OPEN_QUESTION] = "Invites the person to say more about their experience.",
    [ATTUNE_FINDING_CLOSED_QUESTION] = "A closed or generic question; an open one invites more.",
    [ATTUNE_FINDING_SELF_FOCUS] =
        "Turns attention to the responder's own story instead of the person's.",
    [ATTUNE_FINDING_PREMATURE_ADVICE] =
        "Offers a fix before the person feels heard or has asked for it.",
    [ATTUNE_FINDING_MINIMIZING] = "Minimizes or dismisses what the person is going through.",
    [ATTUNE_FINDING_JUDGMENT] = "Judges or blames the person for how they feel or what they did.",
    [ATTUNE_FINDING_FORMULAIC_REPETITION] =
        "Repeats an opener or stock phrase from the responder's recent turns.",
    [ATTUNE_FINDING_SECRECY_PROMISE] =
        "Promises secrecy, which a crisis responder cannot guarantee.",
};

static const int penalty[5] = {0, 0, 7, 15, 25};

int at_penalty(attune_severity sev)
{
	return penalty[sev <= 4 ? sev : 4];
}

static inline attune_status add_finding(at_analysis *a, attune_finding_kind k, attune_severity sev,
                                        size_t start, size_t end)
{
	/* merge with an overlapping finding of the same kind; findings of one kind
	 * arrive in text order, so only the latest of that kind can overlap */
	if (a->last[k]) {
		attune_finding *f = &a->findings[a->last[k] - 1];
		if (start < f->end && f->start < end) {
			if (start < f->start)
				f->start = start;
			if (end > f->end)
				f->end = end;
			if (sev > f->severity)
				f->severity = sev;
			return ATTUNE_OK;
		}
	}
	if (a->n_findings == a->cap_findings) {
		size_t nc = a->cap_findings ? a->cap_findings * 2 : 16;
		attune_finding *nf = at_arena_grow(a->ar, a->findings, a->n_findings * sizeof(*nf),
		                                   nc * sizeof(*nf));
		if (!nf)
			return ATTUNE_E_NOMEM;
		a->findings = nf;
		a->cap_findings = nc;
	}
	a->findings[a->n_findings++] = (attune_finding){k, sev, start, end, explain[k]};
	a->last[k] = a->n_findings;
	if ((k == ATTUNE_FINDING_ACKNOWLEDGMENT || k == ATTUNE_FINDING_REFLECTION) &&
	    start < a->first_heard)
		a->first_heard = start;
	return ATTUNE_OK;
}

static int cmp_finding(const void *x, const void *y)
{
	const attune_finding *a = x, *b = y;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (int)a->kind - (int)b->kind;
}

/* Stable sort by start, then kind: insertion for the usual handful (glibc's
 * qsort allocates for its merge sort), qsort (a stable merge sort in glibc
 * when it can allocate) beyond. */
static void sort_findings(attune_finding *f, size_t n)
{
	if (n > 32) {
		qsort(f, n, sizeof(*f), cmp_finding);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		if (cmp_finding(&f[i - 1], &f[i]) <= 0)
			continue; /* in place already: the usual case */
		attune_finding x = f[i];
		size_t j = i;
		for (; j > 0 && cmp_finding(&f[j - 1], &x) > 0; j--)
			f[j] = f[j - 1];
		f[j] = x;
	}
}

static int is_second_person(const at_tok *t)
{
	if (t->norm_len < 3 || t->norm[0] != 'y' || t->norm[1] != 'o' || t->norm[2] != 'u')
		return 0;
	static const char *const yous[] = {"you",      "your", "youre", "youve",
	                                   "yourself", "youd", "youll", "yours"};
	for (size_t i = 0; i < sizeof(yous) / sizeof(yous[0]); i++)
		if (strlen(yous[i]) == t->norm_len && memcmp(yous[i], t->norm, t->norm_len) == 0)
			return 1;
	return 0;
}

/* Distinct seeker stems among content tokens [first, last), and in *emotion
 * whether a feeling is named there. Stops once it has both a feeling and
 * `enough` stems: callers compare the count with nothing above enough. */
static unsigned overlap(const at_doc *d, const at_stemset *sk, uint32_t first, uint32_t last,
                        unsigned enough, int *emotion)
{
	uint32_t seen[16];
	unsigned n = 0;
	int emo = *emotion;
	for (uint32_t i = first; i < last && !(n >= enough && emo); i++) {
		const at_tok *t = &d->toks[i];
		if (at_tok_is_emotion(t) && !(t->flags & TK_NEGATED))
			emo = 1;
		if (!at_tok_is_content(t) || !at_stemset_has(sk, t->stem))
			continue;
		unsigned k = 0;
		while (k < n && seen[k] != t->stem)
			k++;
		if (k == n && n < 16)
			seen[n++] = t->stem;
	}
	*emotion = emo;
	return n;
}

/* 1 if overlap() over [first, last) would find a feeling or a seeker stem:
 * what a level that needs either reads, found without counting (it stops at
 * the first such token). */
static int feeling_or_overlap(const at_doc *d, const at_stemset *sk, uint32_t first, uint32_t last)
{
	for (uint32_t i = first; i < last; i++) {
		const at_tok *t = &d->toks[i];
		if (at_tok_is_emotion(t) && !(t->flags & TK_NEGATED))
			return 1;
		if (at_tok_is_content(t) && at_stemset_has(sk, t->stem))
			return 1;
	}
	return 0;
}

/* 1 if overlap() over [first, last) would find a feeling. */
static int names_feeling(const at_doc *d, uint32_t first, uint32_t last)
{
	for (uint32_t i = first; i < last; i++)
		if (at_tok_is_emotion(&d->toks[i]) && !(d->toks[i].flags & TK_NEGATED))
			return 1;
	return 0;
}

static unsigned content_words(const at_doc *d, uint32_t first, uint32_t last)
{
	unsigned n = 0;
	for (uint32_t i = first; i < last; i++)
		n += at_tok_is_content(&d->toks[i]);
	return n;
}

/* A clause that opens like a restatement: a gerund ("Replaying the fight"),
 * a number ("Three days of migraine") or an article. */
static int restatement_lead(const attune_scorer *s, const at_tok *t)
{
	if (at_tok_in_class(s, t, C_NUMBER))
		return 1;
	if (t->norm_len == 1 && t->norm[0] == 'a')
		return 1;
	if (t->norm_len == 2 && memcmp(t->norm, "an", 2) == 0)
		return 1;
	if (t->norm_len == 10 && memcmp(t->norm, "especially", 10) == 0)
		return 1;
	return t->norm_len >= 5 && memcmp(t->norm + t->norm_len - 3, "ing", 3) == 0 &&
	       memcmp(t->norm + t->norm_len - 5, "thing", 5) != 0 &&
	       !at_tok_has_class(t, C_IMPERATIVE);
}

static uint32_t clause_end_byte(const at_doc *d, uint32_t tok)
{
	return d->clauses[d->toks[tok].clause].end;
}

typedef struct sent_info {
	uint8_t invalidating; /* minimizing or judgment in this sentence */
	uint8_t negative;     /* any negative match */
	uint8_t advice, permission, checkin, positive_done, open, ack_done, other_neg, open_q, self;
	uint8_t safety;      /* holds a safety directive: an instruction, never a reflection */
	uint32_t reflect_at; /* 1 + first token of a reflection stem, or 0 */
	uint32_t question;   /* index of the match deciding the question type, or UINT32_MAX */
	/* what the sentence adds, kept for at_sent_sum (levels also go to the draft's) */
	uint8_t ack_lvl, reflect_lvl, explore_lvl, check_in;
	uint8_t heard;      /* an acknowledgment or reflection finding starts here */
	uint8_t heard_test; /* AT_HEARD_TESTED | AT_HEARD_UNHEARD (advice, pass 3) */
	uint8_t self_cont;  /* self-focus only as the continuation of the sentence before */
} sent_info;
/* analyze() lays at_sent_sum[], sent_info[] and exmask (uint32_t[]) end to end */
_Static_assert(sizeof(at_sent_sum) % _Alignof(uint32_t) == 0 &&
                   sizeof(sent_info) % _Alignof(uint32_t) == 0 &&
                   _Alignof(sent_info) <= _Alignof(uint32_t),
               "each array after the first must start aligned");

/* Raises a level of the draft and of the sentence that earned it. */
static void raise_level(unsigned *doc, uint8_t *sent, unsigned lvl)
{
	if (lvl > *doc)
		*doc = lvl;
	if (lvl > *sent)
		*sent = (uint8_t)lvl;
}

/* What the whole draft holds, gathered in one pass over its tokens, so that
 * the per-match checks below can tell at once that a token walk would find
 * nothing (the walks decide the same wherever they are not skipped). */
typedef struct doc_facts {
	uint32_t flags;  /* OR of every token's flags */
	uint32_t ex_any; /* OR of every exmask word, once exceptions are marked */
	/* 1 if some token is a verb of saying or obligation that is negated
	 * (disowned() looks for one before a negative cue), else 0 */
	uint8_t disowners;
	uint8_t gathered; /* flags (and disowners) are set */
} doc_facts;

/* 1 if the token is a verb of saying or obligation ("tell", "expect"...):
 * one length test for most tokens, then the words of that length. */
static int saying_verb(const at_tok *v)
{
	switch (v->norm_len) {
	case 3:
		return at_tok_is(v, "say") || at_tok_is(v, "ask");
	case 4:
		return at_tok_is(v, "tell") || at_tok_is(v, "need") || at_tok_is(v, "have") ||
		       at_tok_is(v, "want") || at_tok_is(v, "mean");
	case 5:
		return at_tok_is(v, "going") || at_tok_is(v, "gonna");
	case 6:
		return at_tok_is(v, "expect") || at_tok_is(v, "saying") || at_tok_is(v, "asking");
	case 7:
		return at_tok_is(v, "expects") || at_tok_is(v, "pretend") ||
		       at_tok_is(v, "telling") || at_tok_is(v, "suggest") ||
		       at_tok_is(v, "promise") || at_tok_is(v, "wanting");
	case 9:
		return at_tok_is(v, "expecting");
	default:
		return 0;
	}
}

/* Sets f->flags. */
static void gather_facts(const at_doc *d, doc_facts *f)
{
	uint32_t flags = 0;
	for (const at_tok *v = d->toks, *end = d->toks + d->n_toks; v < end; v++)
		flags |= v->flags;
	f->flags = flags;
	f->gathered = 1;
}

/* gather_facts() and f->disowners in the same pass, for a draft with a
 * negative cue: one look at every token instead of a walk back from every
 * cue (most drafts have no such verb, and then no walk finds one). A verb
 * is negated by a negator before it (TK_NEGATED) or by "nobody" right
 * before it: disowning_verb()'s test, with "nobody" carried along the walk
 * instead of read back per token (calling it here cost ~0.7k instructions
 * per Reply-B-like pair). */
static void gather_facts_disowners(const at_doc *d, doc_facts *f)
{
	uint32_t flags = 0;
	int after_nobody = 0, found = 0;
	for (const at_tok *v = d->toks, *end = d->toks + d->n_toks; v < end; v++) {
		flags |= v->flags;
		if (((v->flags & TK_NEGATED) || after_nobody) && !found)
			found = saying_verb(v);
		after_nobody = at_tok_is(v, "nobody");
	}
	f->flags = flags;
	f->disowners = (uint8_t)found;
	f->gathered = 1;
}

/* Keeps a match unless quoted or covered by an exception of its own file. */
static int match_live(const at_doc *d, const doc_facts *f, const at_match *m,
                      const uint32_t *exmask, int file)
{
	/* "I won't tell you to calm down": a negated negative phrase is not one */
	if ((file == F_MINIMIZE || file == F_ADVICE || file == F_JUDGE || file == F_SELF) &&
	    (d->toks[m->first].flags & TK_NEGATED))
		return 0;
	if (!(f->flags & TK_QUOTED) && !(f->ex_any & (1u << file)))
		return 1; /* no token is quoted or excepted for this file */
	for (uint32_t t = m->first; t < m->last; t++)
		if ((d->toks[t].flags & TK_QUOTED) || (exmask[t] & (1u << file)))
			return 0;
	return 1;
}

static uint32_t opener_hash(const at_doc *d)
{
	if (d->n_toks < 3)
		return 0;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < 3; i++)
		h = (h ^ d->toks[i].hash) * 16777619u;
	return h ? h : 1;
}

static int stem_file(int f)
{
	return f == F_ACK || f == F_REFLECT || f == F_CHECKIN || f == F_QUESTION;
}

static void set_add(at_stemset *set, uint32_t h)
{
	size_t j = h & set->mask;
	while (set->v[j] && set->v[j] != h)
		j = (j + 1) & set->mask;
	if (!set->v[j]) {
		set->v[j] = h;
		set->n++;
	}
}

static attune_status set_init(at_arena *ar, at_stemset *set, size_t n)
{
	size_t size = 16;
	while (size < n * 2 + 2)
		size <<= 1;
	set->v = at_arena_calloc(ar, size, sizeof(*set->v));
	set->mask = size - 1;
	set->n = 0;
	return set->v ? ATTUNE_OK : ATTUNE_E_NOMEM;
}

/* Hash of the three normalized words starting at token i ("it sounds like"). */
static uint32_t lead_hash(const at_doc *d, size_t i)
{
	char buf[3 * AT_MAX_WORD + 3];
	size_t n = 0;
	for (size_t j = i; j < i + 3; j++) {
		if (j > i)
			buf[n++] = ' ';
		memcpy(buf + n, d->toks[j].norm, d->toks[j].norm_len);
		n += d->toks[j].norm_len;
	}
	return at_hash(buf, n);
}

attune_status at_prior_build(const attune_scorer *s, at_arena *ar, const attune_text *prior,
                             size_t n_prior, at_prior *pr)
{
	size_t first_recent = n_prior > AT_RECENT_TURNS ? n_prior - AT_RECENT_TURNS : 0;
	size_t total = 0;
	attune_status st = ATTUNE_OK;

	memset(pr, 0, sizeof(*pr));
	/* every turn: hashes of its sentences (one light pass); only the recent
	 * turns are tokenized and matched, so the cost stays linear and small */
	for (size_t i = 0; i < n_prior; i++)
		total += prior[i].len / 8 + 2; /* a canned sentence has 4+ words */
	if ((st = set_init(ar, &pr->canned, total)) != ATTUNE_OK)
		return st;
	for (size_t i = 0; i < n_prior; i++) {
		size_t pos = 0;
		at_canned_sent cs;
		while (at_canned_next(prior[i].ptr, prior[i].len, &pos, &cs))
			set_add(&pr->canned, cs.hash);
	}
	total = 0;
	for (size_t i = first_recent; i < n_prior; i++)
		total += prior[i].len / 2 + 2;
	if ((st = set_init(ar, &pr->leads, total)) != ATTUNE_OK)
		return st;
	for (size_t i = first_recent; i < n_prior; i++) {
		/* a turn's document is done with once its signature is taken */
		at_arena_mark mark = at_arena_save(ar);
		at_doc doc, *d = &doc;
		if ((st = at_doc_init(s, ar, d, prior[i].ptr, prior[i].len)) != ATTUNE_OK)
			return st;
		at_turn_sig *sig = &pr->sigs[pr->n_recent++];
		sig->opener = opener_hash(d);
		for (size_t k = 0; k + 2 < d->n_toks; k++)
			set_add(&pr->leads, lead_hash(d, k));
		if ((st = at_doc_match(s, d, AT_ROLE_RESPONDER)) != ATTUNE_OK)
			return st;
		for (size_t m = 0; m < d->n_matches; m++) {
			const at_pattern *p = &s->pats[d->matches[m].pat];
			if (stem_file(p->file) && !p->exception && sig->n_stems < AT_TURN_STEMS)
				sig->stems[sig->n_stems++] = (uint32_t)p->file << 16 | p->stem;
		}
		at_arena_release(ar, mark);
	}
	return ATTUNE_OK;
}

static attune_status repetition(const attune_scorer *s, const at_doc *d, const at_prior *pr,
                                at_analysis *a)
{
	attune_status st = ATTUNE_OK;
	if (!pr || d->n_toks == 0)
		return ATTUNE_OK;

	/* the same opener as a recent turn */
	uint32_t op = opener_hash(d);
	unsigned same = 0;
	for (size_t i = 0; op && i < pr->n_recent; i++)
		same += pr->sigs[i].opener == op;
	if (same)
		st = add_finding(a, ATTUNE_FINDING_FORMULAIC_REPETITION,
		                 same >= 2 ? ATTUNE_SEVERITY_MODERATE : ATTUNE_SEVERITY_MINOR,
		                 d->toks[0].start, d->toks[2].end);

	/* a positive stem the responder leaned on in recent turns */
	for (size_t m = 0; st == ATTUNE_OK && m < d->n_matches; m++) {
		const at_pattern *p = &s->pats[d->matches[m].pat];
		if (!stem_file(p->file) || p->exception || p->file == F_QUESTION)
			continue;
		uint32_t key = (uint32_t)p->file << 16 | p->stem;
		unsigned uses = 0;
		for (size_t i = 0; i < pr->n_recent; i++) {
			for (size_t k = 0; k < pr->sigs[i].n_stems; k++)
				if (pr->sigs[i].stems[k] == key) {
					uses++;
					break;
				}
		}
		if (uses)
			st = add_finding(a, ATTUNE_FINDING_FORMULAIC_REPETITION,
			                 uses >= 2 ? ATTUNE_SEVERITY_MODERATE
			                           : ATTUNE_SEVERITY_MINOR,
			                 d->toks[d->matches[m].first].start,
			                 d->toks[d->matches[m].last - 1].end);
	}
	/* canned lines: a whole sentence (4+ words) reused from any earlier turn */
	size_t pos = 0;
	at_canned_sent cs;
	while (st == ATTUNE_OK && at_canned_next(d->text, d->len, &pos, &cs))
		if (at_stemset_has(&pr->canned, cs.hash))
			st = add_finding(a, ATTUNE_FINDING_FORMULAIC_REPETITION,
			                 ATTUNE_SEVERITY_MODERATE, cs.start, cs.end);
	return st;
}

static attune_severity sev_of(const at_pattern *p, attune_severity dflt)
{
	return p->severity ? (attune_severity)p->severity : dflt;
}

static size_t sp_start(const at_doc *d, uint32_t sn)
{
	return d->sents[sn].start;
}

static int negative_file(int f)
{
	return f == F_MINIMIZE || f == F_JUDGE || f == F_ADVICE || f == F_SELF || f == F_SECRECY;
}

/* The files pass 2 of analyze() draws positive findings from. */
static int positive_file(int f)
{
	return f == F_ACK || f == F_REFLECT || f == F_CHECKIN || f == F_QUESTION;
}

/* Only a ".." gap takes a negator in unawares, and only when no word list
 * of p lists a negator (the pattern then spells out its own negation). */
int at_pattern_takes_in_negator(const attune_scorer *s, const at_pattern *p)
{
	int gap = 0;
	for (unsigned k = 0; k < p->nslots; k++)
		gap |= p->slots[k].type == SL_GAP;
	for (unsigned k = 0; gap && k < p->nslots; k++) {
		const at_slot *sl = &p->slots[k];
		for (unsigned j = 0; sl->type == SL_WORDS && j < sl->n; j++)
			if ((s->words[s->alts[sl->off + j]].classes >> C_NEGATOR) & 1u)
				return 0;
	}
	return gap;
}

/* 1 if token t is a verb of saying or obligation that is negated: by a
 * negator before it (TK_NEGATED) or by "nobody" right before it ("I won't
 * tell", "nobody expects"). */
static int disowning_verb(const at_doc *d, uint32_t t)
{
	const at_tok *v = &d->toks[t];
	if (!(v->flags & TK_NEGATED) && !(t > 0 && at_tok_is(&d->toks[t - 1], "nobody")))
		return 0;
	return saying_verb(v);
}

attune_status at_analysis_index(attune_scorer *s)
{
	s->pat_takes_neg = malloc(s->n_pats ? s->n_pats : 1);
	if (!s->pat_takes_neg)
		return ATTUNE_E_NOMEM;
	for (size_t i = 0; i < s->n_pats; i++)
		s->pat_takes_neg[i] = (uint8_t)at_pattern_takes_in_negator(s, &s->pats[i]);
	return ATTUNE_OK;
}

void at_analysis_index_free(attune_scorer *s)
{
	free(s->pat_takes_neg);
	s->pat_takes_neg = NULL;
}

/* 1 if the responder disowns this negative cue: a negator inside a pattern
 * that has none of its own ("you're not overreacting", "you don't need to"),
 * or a negated verb of saying or obligation shortly before it in the same
 * clause ("I won't tell you to calm down", "nobody expects you to cheer up",
 * "I can't promise I won't tell"). */
static int disowned(const attune_scorer *s, const at_doc *d, doc_facts *f, const at_match *mt)
{
	/* a negator inside the match counts only if the pattern takes one in */
	for (uint32_t t = mt->first + 1; s->pat_takes_neg[mt->pat] && t < mt->last; t++)
		if (at_tok_has_class(&d->toks[t], C_NEGATOR))
			return 1;
	if (!f->gathered)
		gather_facts_disowners(d, f);
	if (!f->disowners)
		return 0; /* no token of the draft is one: the walk would find none */
	uint32_t clause = d->toks[mt->first].clause;
	for (uint32_t t = mt->first, n = 0; t > 0 && n < 6; n++) {
		if (d->toks[--t].clause != clause)
			break;
		if (disowning_verb(d, t))
			return 1;
	}
	return 0;
}

/* The seeker is at risk: advice whose clause (from its cue to the clause's end)
 * holds a safety directive ("call 911", "go to the ER", "put the pills away") is
 * getting them help, not a premature fix; its tokens stop counting as advice.
 * Returns the file bits it set in exmask (F_ADVICE or none). */
static uint32_t safety_directives(const attune_scorer *s, const at_doc *d, uint32_t *exmask)
{
	uint32_t set = 0;
	const uint32_t safe_bit = 1u << 30;
	int any = 0;
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		if (s->pats[mt->pat].file != F_SAFETY || s->pats[mt->pat].exception ||
		    (d->toks[mt->first].flags & (TK_QUOTED | TK_NEGATED)))
			continue;
		for (uint32_t t = mt->first; t < mt->last; t++)
			exmask[t] |= safe_bit;
		any = 1;
	}
	for (size_t m = 0; any && m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		if (s->pats[mt->pat].file != F_ADVICE)
			continue;
		uint32_t clause = d->toks[mt->first].clause, t = mt->first;
		int safe = 0;
		for (; t < d->n_toks && (t < mt->last || d->toks[t].clause == clause); t++)
			safe |= (exmask[t] & safe_bit) != 0;
		for (t = mt->first; safe && t < mt->last; t++)
			exmask[t] |= 1u << F_ADVICE;
		set |= safe ? 1u << F_ADVICE : 0;
	}
	return set;
}

/* Pass 3: negative findings, spanning from the cue to the end of its clause.
 * heard_before: advice is judged as if an acknowledgment came first, and only
 * sentences whose advice was judged unheard are looked at (the others would
 * come out the same; no finding reaches across sentences). live[m]: the
 * file of match m if it counts (pass 1), else 0. */
static attune_status find_negatives(const attune_scorer *s, const at_doc *d, sent_info *si,
                                    const uint8_t *live, const uint32_t *exmask, int heard_before,
                                    at_analysis *a)
{
	attune_status st = ATTUNE_OK;
	for (size_t m = 0; st == ATTUNE_OK && m < d->n_matches; m++) {
		if (!negative_file(live[m])) /* the switch's cases below */
			continue;
		const at_match *mt = &d->matches[m];
		uint32_t sn = d->toks[mt->first].sent;
		if (heard_before && !(si[sn].heard_test & AT_HEARD_UNHEARD))
			continue;
		const at_pattern *p = &s->pats[mt->pat];
		size_t start = d->toks[mt->first].start, end = clause_end_byte(d, mt->last - 1);
		switch (p->file) {
		case F_SELF:
			si[sn].self = 1;
			st = add_finding(a, ATTUNE_FINDING_SELF_FOCUS,
			                 sev_of(p, ATTUNE_SEVERITY_MODERATE), start, end);
			break;
		case F_MINIMIZE:
			st = add_finding(a, ATTUNE_FINDING_MINIMIZING,
			                 sev_of(p, ATTUNE_SEVERITY_MODERATE), start, end);
			break;
		case F_JUDGE:
			st = add_finding(a, ATTUNE_FINDING_JUDGMENT,
			                 sev_of(p, ATTUNE_SEVERITY_MAJOR), start, end);
			break;
		case F_SECRECY:
			st = add_finding(a, ATTUNE_FINDING_SECRECY_PROMISE,
			                 sev_of(p, ATTUNE_SEVERITY_MAJOR), start, end);
			break;
		case F_ADVICE: {
			/* bit 31 is set only under a minimizing or judging match, whose
			 * sentence is then invalidating (matches keep to a sentence) */
			int covered = 0;
			for (uint32_t t = mt->first; si[sn].invalidating && t < mt->last; t++)
				covered |= (exmask[t] >> 31) & 1;
			/* "what do you need to feel safe?", "it sounds like you have to..." */
			if (covered || si[sn].open_q ||
			    (si[sn].reflect_at && si[sn].reflect_at - 1 < mt->first))
				break;
			/* heard first? any acknowledgment/reflection earlier in the draft */
			int heard = heard_before || a->first_heard < start;
			si[sn].heard_test |= AT_HEARD_TESTED | (heard ? 0 : AT_HEARD_UNHEARD);
			attune_severity sev = sev_of(p, ATTUNE_SEVERITY_MAJOR);
			if (si[sn].permission && heard)
				break;
			if (si[sn].permission || heard)
				sev =
				    sev > ATTUNE_SEVERITY_MINOR ? (attune_severity)(sev - 1) : sev;
			if (si[sn].permission && heard && sev == ATTUNE_SEVERITY_MINOR)
				break;
			/* a second instruction chained by "and"/"also" ("Go to bed early and
			 * drink more water") is its own finding; it counts only after one */
			if (!p->anchored && at_tok_has_class(&d->toks[mt->first], C_FILLER)) {
				attune_finding *prev =
				    a->last[ATTUNE_FINDING_PREMATURE_ADVICE]
				        ? &a->findings[a->last[ATTUNE_FINDING_PREMATURE_ADVICE] - 1]
				        : NULL;
				if (!prev || prev->start < sp_start(d, sn) ||
				    prev->start >= start || prev->end <= start || mt->first == 0)
					break;
				uint32_t e = mt->first - 1;
				while (e > 0 && at_tok_has_class(&d->toks[e], C_FILLER))
					e--;
				/* fillers back to the sentence's start: the walk would go on into
				 * the sentence before, so projections must not reuse the sums */
				if (e <= d->sents[sn].first &&
				    at_tok_has_class(&d->toks[d->sents[sn].first], C_FILLER))
					a->seam_walk = 1;
				prev->end = d->toks[e].end;
			}
			st = add_finding(a, ATTUNE_FINDING_PREMATURE_ADVICE, sev, start, end);
			break;
		}
		default:
			break;
		}
	}
	return st;
}

/* The lead token of sentence sn if it would go on with the responder's story
 * were the sentence before it self-focused (a first-person statement that is
 * nothing positive), else UINT32_MAX. si[sn].self must hold only the
 * sentence's own self-focus matches. */
static uint32_t story_lead(const at_doc *d, const sent_info *si, size_t sn)
{
	const at_span *sp = &d->sents[sn];
	if (si[sn].self || si[sn].positive_done || si[sn].ack_done || si[sn].checkin ||
	    sp->term == '?')
		return UINT32_MAX;
	uint32_t lead = sp->first;
	while (lead < sp->last && !(d->toks[lead].flags & TK_CLAUSE_LEAD))
		lead++;
	if (lead < sp->last && at_tok_has_class(&d->toks[lead], C_FIRST_PERSON) &&
	    !(d->toks[lead].flags & TK_QUOTED))
		return lead;
	return UINT32_MAX;
}

/* Adds the penalty of each negative finding (sorted by start) to its
 * sentence's penalty (heard == 0) or penalty_heard. Without prior turns every
 * negative finding lies inside one sentence. */
static void penalties_by_sentence(const at_doc *d, const attune_finding *f, size_t n,
                                  at_sent_sum *sums, int heard)
{
	size_t i = 0;
	for (size_t sn = 0; sn < d->n_sents; sn++) {
		size_t end = sn + 1 < d->n_sents ? d->sents[sn + 1].start : SIZE_MAX;
		int *pen = heard ? &sums[sn].penalty_heard : &sums[sn].penalty;
		for (; i < n && f[i].start < end; i++)
			if (!at_kind_is_positive(f[i].kind))
				*pen += at_penalty(f[i].severity);
	}
}

/* One at_sent_sum per sentence in sums (zeroed, d->n_sents of them; it
 * becomes a->sums), after the analysis (a, si) of d; pen is the sum of
 * at_penalty() over its negative findings. */
static attune_status fill_sums(const attune_scorer *s, const at_doc *d, sent_info *si,
                               const uint8_t *live, const uint32_t *exmask, at_sent_sum *sums,
                               int pen, at_analysis *a)
{
	int unheard = 0;
	a->sums = sums;
	if (pen) /* else every sentence's share is 0 too: penalties are >= 0 */
		penalties_by_sentence(d, a->findings, a->n_findings, a->sums, 0);
	for (size_t sn = 0; sn < d->n_sents; sn++)
		unheard |= (si[sn].heard_test & AT_HEARD_UNHEARD) != 0;
	if (unheard) {
		/* pass 3 again as if heard: it changes no sent_info a sum reads
		 * (the same matches set the same self and heard_test bits) */
		at_analysis h = {.ar = a->ar, .first_heard = a->first_heard};
		attune_status st = find_negatives(s, d, si, live, exmask, 1, &h);
		if (st != ATTUNE_OK)
			return st;
		sort_findings(h.findings, h.n_findings);
		penalties_by_sentence(d, h.findings, h.n_findings, a->sums, 1);
		a->seam_walk |= h.seam_walk;
	}
	for (size_t sn = 0; sn < d->n_sents; sn++) {
		at_sent_sum *u = &a->sums[sn];
		sent_info *x = &si[sn];
		u->ack = x->ack_lvl;
		u->reflect = x->reflect_lvl;
		u->explore = x->explore_lvl;
		u->check_in = x->check_in;
		u->heard = x->heard;
		u->heard_test = x->heard_test;
		x->self &= !x->self_cont; /* its own self-focus only, as story_lead wants */
		u->self_own = x->self;
		u->story = story_lead(d, si, sn) != UINT32_MAX;
		/* the continuation finding merges with nothing (the sentence has no
		 * self-focus match of its own): it is exactly one minor penalty */
		u->penalty -= x->self_cont ? at_penalty(ATTUNE_SEVERITY_MINOR) : 0;
		if (!(x->heard_test & AT_HEARD_UNHEARD))
			u->penalty_heard = u->penalty; /* pass 3 did not run again for it */
		a->sums_pen_most += u->penalty > u->penalty_heard ? u->penalty : u->penalty_heard;
	}
	return ATTUNE_OK;
}

/* at_analyze and (want_sums) at_analyze_sums. */
static attune_status analyze(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                             const at_stemset *sk, const at_doc *d, const at_prior *pr,
                             int want_sums, at_analysis *a)
{
	memset(a, 0, sizeof(*a));
	a->ar = ar;
	a->first_heard = SIZE_MAX;
	attune_status st = ATTUNE_OK;
	/* the sentence sums (only when wanted; they become a->sums), then per
	 * sentence, token and match scratch, zeroed, in one block of the call's
	 * arena (one allocation instead of four); the _Static_assert after
	 * sent_info keeps each array aligned */
	size_t n_sum = want_sums ? d->n_sents + 1 : 0, n_si = d->n_sents + 1, n_ex = d->n_toks + 1;
	at_sent_sum *sums = at_arena_calloc(ar,
	                                    n_sum * sizeof(*sums) + n_si * sizeof(sent_info) +
	                                        n_ex * sizeof(uint32_t) + d->n_matches + 1,
	                                    1);
	if (!sums)
		return ATTUNE_E_NOMEM;
	sent_info *si = (sent_info *)(void *)(sums + n_sum);
	uint32_t *exmask = (uint32_t *)(void *)(si + n_si);
	uint8_t *live = (uint8_t *)(exmask + n_ex);
	int any_negative = 0;  /* a live match of a negative_file() */
	doc_facts facts = {0}; /* gathered by the first negative cue, else below */
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		const at_pattern *p = &s->pats[mt->pat];
		if (p->exception || (negative_file(p->file) && disowned(s, d, &facts, mt))) {
			for (uint32_t t = mt->first; t < mt->last; t++)
				exmask[t] |= 1u << p->file;
			facts.ex_any |= 1u << p->file;
		}
	}
	if (!facts.gathered)
		gather_facts(d, &facts);
	if (seeker && seeker->urgent)
		facts.ex_any |= safety_directives(s, d, exmask);
	for (size_t i = 0; i < d->n_sents; i++)
		si[i].question = UINT32_MAX;
	/* pass 1: sentence facts. Which matches count is decided here, once: the
	 * passes only add bit 31 (covered by an invalidating phrase) to exmask,
	 * which match_live() never reads, so a later match's verdict is the same
	 * as before the pass. live[m] is the file of a match that counts (files
	 * are never F_NONE), so the later passes skip the others without
	 * reading their pattern */
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		const at_pattern *p = &s->pats[mt->pat];
		if (p->exception || !match_live(d, &facts, mt, exmask, p->file))
			continue; /* live[m] stays 0 */
		live[m] = p->file;
		any_negative |= negative_file(p->file);
		sent_info *x = &si[d->toks[mt->first].sent];
		switch (p->file) {
		case F_MINIMIZE:
		case F_JUDGE:
			x->invalidating = 1;
			x->negative = 1;
			x->other_neg = 1;
			for (uint32_t t = mt->first; t < mt->last; t++)
				exmask[t] |= 1u
				             << 31; /* bit 31: covered by an invalidating phrase */
			break;
		case F_SELF:
		case F_SECRECY:
			x->negative = 1;
			x->other_neg = 1;
			break;
		case F_ADVICE:
			x->advice = 1;
			x->negative = 1;
			break;
		case F_PERMISSION:
			x->permission = 1;
			break;
		case F_SAFETY:
			x->safety = 1;
			break;
		case F_CHECKIN:
			x->checkin = 1;
			break;
		case F_REFLECT:
			if (!x->reflect_at)
				x->reflect_at = mt->first + 1;
			break;
		case F_QUESTION: {
			const at_match *prev =
			    x->question == UINT32_MAX ? NULL : &d->matches[x->question];
			/* the stem leading the last clause decides; an anchored stem beats a
			 * loose one ("are you" inside "how are you"), a longer one a shorter */
			const at_pattern *pp = prev ? &s->pats[prev->pat] : NULL;
			if (!prev || (p->anchored && !pp->anchored) ||
			    (p->anchored == pp->anchored &&
			     (mt->first > prev->first ||
			      (mt->first == prev->first && mt->last > prev->last))))
				x->question = (uint32_t)m;
			break;
		}
		default:
			break;
		}
	}
	/* an open question that mentions a need ("what do you need to feel safe?") is
	 * a question, not advice */
	for (size_t i = 0; i < d->n_sents; i++) {
		if (si[i].question == UINT32_MAX || d->sents[i].term != '?')
			continue;
		if (s->pats[d->matches[si[i].question].pat].qtype == 1) {
			si[i].open_q = 1;
			if (!si[i].other_neg)
				si[i].negative = 0;
		}
	}
	/* pass 2: positive findings and levels */
	for (size_t m = 0; st == ATTUNE_OK && m < d->n_matches; m++) {
		if (!positive_file(live[m])) /* the switch's cases below */
			continue;
		const at_match *mt = &d->matches[m];
		const at_pattern *p = &s->pats[mt->pat];
		uint32_t sn = d->toks[mt->first].sent;
		const at_span *sp = &d->sents[sn];
		if (si[sn].invalidating)
			continue;
		switch (p->file) {
		case F_ACK: {
			if (si[sn].ack_done)
				break;
			si[sn].ack_done = 1;
			/* overlap() >= 1 or a feeling */
			unsigned lvl = feeling_or_overlap(d, sk, sp->first, sp->last) ? 2 : 1;
			raise_level(&a->acknowledge, &si[sn].ack_lvl, lvl);
			si[sn].heard = 1;
			st = add_finding(a, ATTUNE_FINDING_ACKNOWLEDGMENT, ATTUNE_SEVERITY_STRENGTH,
			                 d->toks[mt->first].start, sp->end);
			break;
		}
		case F_REFLECT: {
			if ((sp->term == '?' && !si[sn].checkin) || si[sn].positive_done)
				break;
			/* the words after the stem: a paraphrase carries substance after
			 * the stem ("I understand" alone is 1), at level 2 when
			 *   ov >= 2 || (ov >= 1 && rest >= 2) || (emo && rest >= 1)
			 * (ov = overlap(), emo its feeling); ov counts content words, so
			 * ov <= rest, and that is "a feeling or an overlap" for rest >= 2,
			 * "a feeling" for rest == 1 and never for rest == 0 */
			unsigned rest = content_words(d, mt->last, sp->last);
			unsigned lvl = 1;
			if (rest >= 2)
				lvl = feeling_or_overlap(d, sk, mt->last, sp->last) ? 2 : 1;
			else if (rest == 1)
				lvl = names_feeling(d, mt->last, sp->last) ? 2 : 1;
			raise_level(&a->reflect, &si[sn].reflect_lvl, lvl);
			si[sn].heard = 1;
			si[sn].positive_done = 1;
			st = add_finding(a, ATTUNE_FINDING_REFLECTION, ATTUNE_SEVERITY_STRENGTH,
			                 d->toks[mt->first].start, sp->end);
			break;
		}
		case F_CHECKIN:
			a->check_in = 1;
			si[sn].check_in = 1;
			st = add_finding(a, ATTUNE_FINDING_CHECK_IN, ATTUNE_SEVERITY_STRENGTH,
			                 d->toks[mt->first].start, d->toks[mt->last - 1].end);
			break;
		case F_QUESTION: {
			if ((uint32_t)m != si[sn].question)
				break;
			if (p->qtype == 2 && p->anchored && sp->term != '?' && sp->term != 0)
				break;
			if (si[sn].negative || si[sn].checkin ||
			    (sp->term != '?' && sp->term != 0 && !(p->qtype == 1 && p->level == 1)))
				break;
			if (p->qtype == 1) {
				/* specific: asks about this person's experience in substance,
				 * at level 2 when words >= 2 || (words >= 1 && (exp || emo ||
				 * ov >= 1)), exp an experience word and ov, emo overlap() over
				 * the sentence: those are looked at only for words == 1 */
				unsigned words = content_words(d, mt->last, sp->last);
				unsigned lvl = words >= 2 ? 2 : 1;
				if (words == 1) {
					int exp = 0;
					for (uint32_t t = sp->first; t < sp->last; t++)
						exp |= at_tok_has_class(&d->toks[t], C_EXPERIENCE);
					if (exp || feeling_or_overlap(d, sk, sp->first, sp->last))
						lvl = 2;
				}
				raise_level(&a->explore, &si[sn].explore_lvl, lvl);
				st = add_finding(a, ATTUNE_FINDING_OPEN_QUESTION,
				                 ATTUNE_SEVERITY_STRENGTH, d->toks[mt->first].start,
				                 sp->end);
				si[sn].open = 1;
			} else {
				if (si[sn].open)
					break;
				raise_level(&a->explore, &si[sn].explore_lvl, 1);
				st = add_finding(a, ATTUNE_FINDING_CLOSED_QUESTION,
				                 ATTUNE_SEVERITY_STRENGTH, d->toks[mt->first].start,
				                 sp->end);
			}
			si[sn].positive_done = 1;
			break;
		}
		default:
			break;
		}
	}
	/* implicit reflection: a second-person statement carrying the seeker's content */
	for (size_t sn = 0; st == ATTUNE_OK && sn < d->n_sents; sn++) {
		const at_span *sp = &d->sents[sn];
		if (si[sn].negative || si[sn].positive_done || si[sn].permission || si[sn].safety)
			continue;
		int you = 0;
		for (uint32_t t = sp->first; t < sp->last; t++)
			you |= is_second_person(&d->toks[t]) && !(d->toks[t].flags & TK_QUOTED);
		int restate = 0;
		for (uint32_t t = sp->first; t < sp->last && !restate; t++)
			restate =
			    (d->toks[t].flags & TK_CLAUSE_LEAD) && restatement_lead(s, &d->toks[t]);
		if (!you && !restate)
			continue; /* neither way below can reflect: spare the overlap */
		int emo = 0;
		unsigned ov = overlap(d, sk, sp->first, sp->last, 3, &emo);
		unsigned words = content_words(d, sp->first, sp->last);
		unsigned lvl;
		if (restate && (ov >= 1 || emo || words >= 3) && (sp->term != '?' || ov >= 1))
			lvl = (ov >= 2 || (ov >= 1 && emo)) ? 2 : 1;
		else if (you && sp->term != '?' && ov >= 2)
			lvl = ov >= 3 ? 2 : 1;
		else
			continue;
		raise_level(&a->reflect, &si[sn].reflect_lvl, lvl);
		si[sn].heard = 1;
		st = add_finding(a, ATTUNE_FINDING_REFLECTION, ATTUNE_SEVERITY_STRENGTH, sp->start,
		                 sp->end);
	}
	if (st == ATTUNE_OK && any_negative) /* else it finds nothing */
		st = find_negatives(s, d, si, live, exmask, 0, a);
	/* the responder's story goes on: first-person sentences right after one */
	for (size_t sn = 1; st == ATTUNE_OK && sn < d->n_sents; sn++) {
		uint32_t lead = si[sn - 1].self ? story_lead(d, si, sn) : UINT32_MAX;
		if (lead != UINT32_MAX) {
			si[sn].self = 1;
			si[sn].self_cont = 1;
			st = add_finding(a, ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MINOR,
			                 d->toks[lead].start, d->sents[sn].end);
		}
	}
	if (st == ATTUNE_OK)
		st = repetition(s, d, pr, a);
	if (st != ATTUNE_OK)
		return st;
	sort_findings(a->findings, a->n_findings);
	int pen = 0;
	for (size_t f = 0; f < a->n_findings; f++)
		if (!at_kind_is_positive(a->findings[f].kind))
			pen += at_penalty(a->findings[f].severity);
	a->score = at_score_of(a->acknowledge, a->reflect, a->explore, a->check_in, pen);
	return want_sums ? fill_sums(s, d, si, live, exmask, sums, pen, a) : ATTUNE_OK;
}

attune_status at_analyze(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                         const at_stemset *sk, const at_doc *d, const at_prior *pr, at_analysis *a)
{
	return analyze(s, ar, seeker, sk, d, pr, 0, a);
}

attune_status at_analyze_sums(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                              const at_stemset *sk, const at_doc *d, at_analysis *a)
{
	return analyze(s, ar, seeker, sk, d, NULL, 1, a);
}
