/*
 * suggest.c - acknowledgment phrasing the responder may use, built from the
 * seeker's own words: the feelings (emotion lexicon, negation-aware), the
 * topic after a feeling ("anxious about X") and a first-person situation
 * clause, pronoun-shifted (I->you, my->your). Templates come from
 * data/en/suggestions.txt; the choice varies deterministically with
 * variation_key and never reuses a stem from the responder's recent turns.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define AT_PHRASE_MAX   240
#define AT_TOPIC_TOKENS 12

typedef struct phrase {
	char s[AT_PHRASE_MAX];
	size_t len;
} phrase;

typedef struct parts {
	phrase feelings, feeling, topic, situation;
	/* set once the phrases are (extract): len[k] is the length of
	 * placeholder k's phrase (at_template.uses order), bit k of have is set
	 * when it has words (see at_template.need) */
	size_t len[4];
	unsigned have;
} parts;

/* An empty phrase: every reader stops at len (the bytes after it need no zeroing). */
static void ph_clear(phrase *p)
{
	p->len = 0;
	p->s[0] = 0;
}

static void ph_add(phrase *p, const char *s, size_t n)
{
	if (p->len + n >= AT_PHRASE_MAX)
		return;
	memcpy(p->s + p->len, s, n);
	p->len += n;
	p->s[p->len] = 0;
}

/* Renders tokens [first, last) of the seeker message with pronouns shifted. */
static void render(const attune_scorer *s, const at_doc *d, uint32_t first, uint32_t last,
                   phrase *out)
{
	ph_clear(out);
	for (uint32_t i = first; i < last; i++) {
		const at_tok *t = &d->toks[i];
		const char *w = d->text + t->start;
		size_t n = t->end - t->start;
		char low[AT_MAX_WORD + 1];
		if (i > first && out->len + 1 < AT_PHRASE_MAX) { /* ph_add() of " " */
			out->s[out->len++] = ' ';
			out->s[out->len] = 0;
		}
		if (t->word >= 0 && s->words[t->word].shift) {
			w = s->words[t->word].shift;
			n = strlen(w);
		} else if (t->norm_len == 3 && memcmp(t->norm, "was", 3) == 0 && i > first &&
		           d->toks[i - 1].norm_len == 1 && d->toks[i - 1].norm[0] == 'i') {
			w = "were", n = 4;
		} else if (i == first && n <= AT_MAX_WORD && w[0] >= 'A' && w[0] <= 'Z') {
			memcpy(low, w, n);
			low[0] = (char)(low[0] - 'A' + 'a');
			w = low;
		}
		ph_add(out, w, n);
	}
}

static void measure_parts(parts *pt);

static void extract(const attune_scorer *s, const at_doc *d, parts *pt)
{
	ph_clear(&pt->feelings);
	ph_clear(&pt->feeling);
	ph_clear(&pt->topic);
	ph_clear(&pt->situation);
	int first = -1, strongest = -1;
	unsigned best = 0;
	const at_emotion *fe = NULL, *se = NULL;
	int fneg = 0, sneg = 0;
	for (size_t i = 0; i < d->n_toks; i++) {
		const at_tok *t = &d->toks[i];
		if (!at_tok_is_emotion(t) || (t->flags & (TK_FIGURATIVE | TK_QUOTED)))
			continue;
		const at_emotion *e = &s->emos[s->words[t->word].emo];
		int neg = (t->flags & TK_NEGATED) != 0;
		if ((neg && (e->polarity < 0 || !e->negated)) || (!neg && e->polarity > 0))
			continue;
		if (first < 0)
			first = (int)i, fe = e, fneg = neg;
		if (e->intensity > best)
			best = e->intensity, strongest = (int)i, se = e, sneg = neg;
		/* topic: "anxious about X" up to the end of the clause */
		if (!pt->topic.len && i + 2 < d->n_toks && d->toks[i + 1].clause == t->clause &&
		    (at_tok_is(&d->toks[i + 1], "about") || at_tok_is(&d->toks[i + 1], "with") ||
		     at_tok_is(&d->toks[i + 1], "over") || at_tok_is(&d->toks[i + 1], "of"))) {
			uint32_t a = (uint32_t)i + 2, b = a;
			while (b < d->n_toks && d->toks[b].clause == t->clause &&
			       b - a < AT_TOPIC_TOKENS)
				b++;
			if (b - a >= 2 || (b - a == 1 && at_tok_is_content(&d->toks[a]))) {
				render(s, d, a, b, &pt->topic);
			}
		}
	}
	if (first >= 0) {
		const char *a = fneg ? fe->negated : fe->canon;
		size_t an = fneg ? fe->negated_len : fe->canon_len;
		const char *b = sneg ? se->negated : se->canon;
		size_t bn = sneg ? se->negated_len : se->canon_len;
		ph_add(&pt->feeling, b, bn);
		ph_add(&pt->feelings, a, an);
		if (strongest != first && (an != bn || memcmp(a, b, an) != 0)) {
			ph_add(&pt->feelings, " and ", 5);
			ph_add(&pt->feelings, b, bn);
		}
	}
	/* situation: the first clause led by a first-person word, without feelings */
	for (size_t c = 0; c < d->n_clauses; c++) {
		const at_span *cl = &d->clauses[c];
		uint32_t lead = cl->first;
		while (lead < cl->last && !(d->toks[lead].flags & TK_CLAUSE_LEAD))
			lead++;
		if (lead >= cl->last || !at_tok_has_class(&d->toks[lead], C_FIRST_PERSON))
			continue;
		unsigned content = 0;
		int emo = 0;
		for (uint32_t i = lead; i < cl->last; i++) {
			content += at_tok_is_content(&d->toks[i]);
			emo |= at_tok_is_emotion(&d->toks[i]);
			emo |= (d->toks[i].flags & TK_QUOTED) != 0;
		}
		if (content < 2 || emo || cl->last - lead > AT_TOPIC_TOKENS + 2)
			continue;
		render(s, d, lead, cl->last, &pt->situation);
		break;
	}
	measure_parts(pt);
}

static const struct {
	const char *name;
	size_t len;
} placeholders[4] = {{"{feelings}", 10}, {"{feeling}", 9}, {"{topic}", 7}, {"{situation}", 11}};

/* Index of the placeholder starting at c, or -1 (a lone '{' is literal). It
 * goes by the name's first letter: a new placeholder needs a first letter of
 * its own below (or a place in the feelings/feeling run). */
static int placeholder_at(const char *c)
{
	if (*c != '{')
		return -1;
	/* the names differ in their first letter but for feelings/feeling (tried
	 * in that order, as a scan of all four would); c[1] is readable: c[0]
	 * is not the NUL */
	int k = c[1] == 'f' ? 0 : c[1] == 't' ? 2 : c[1] == 's' ? 3 : -1;
	for (int last = k == 0 ? 1 : k; k >= 0 && k <= last; k++)
		if (strncmp(c, placeholders[k].name, placeholders[k].len) == 0)
			return k;
	return -1;
}

static const phrase *part_of(const parts *pt, int k)
{
	return k == 0 ? &pt->feelings : k == 1 ? &pt->feeling : k == 2 ? &pt->topic : &pt->situation;
}

/* The finding kind K of a replacement template id "rep.<name of K>.<variant>",
 * else ATTUNE_FINDING_UNSPECIFIED: what pick() used to test per call by
 * comparing the id with that prefix. */
static attune_finding_kind replaced_kind(const char *id)
{
	char name[64];
	const char *dot;
	if (!id || strncmp(id, "rep.", 4) != 0 || !(dot = strchr(id + 4, '.')) ||
	    (size_t)(dot - (id + 4)) >= sizeof(name))
		return ATTUNE_FINDING_UNSPECIFIED;
	memcpy(name, id + 4, (size_t)(dot - (id + 4)));
	name[dot - (id + 4)] = 0;
	return attune_finding_kind_from_name(name);
}

/* Appends a piece to t->pieces; a text that needs too many, or too long a
 * literal run, gets none (n_pieces 0). */
static void add_piece(at_template *t, int *ok, size_t lit, int k)
{
	if (!*ok || t->n_pieces == AT_TPL_PIECES || lit > UINT16_MAX) {
		*ok = 0;
		return;
	}
	t->pieces[t->n_pieces++] = (at_tpl_piece){(uint16_t)lit, (int8_t)k};
}

void at_template_measure(at_template *t)
{
	size_t lit = 0;
	int ok = 1;
	t->addresses = replaced_kind(t->id);
	memset(t->uses, 0, sizeof(t->uses));
	t->rich = 0;
	t->need = 0;
	t->literal_len = 0;
	t->n_pieces = 0;
	for (const char *c = t->text; *c; c++) {
		int k = placeholder_at(c);
		t->rich += *c == '{';
		if (k < 0) {
			t->literal_len++;
			lit++;
			continue;
		}
		t->uses[k]++;
		t->need |= (uint8_t)(1u << k);
		add_piece(t, &ok, lit, k);
		lit = 0;
		c += placeholders[k].len - 1;
	}
	add_piece(t, &ok, lit, -1);
	if (!ok)
		t->n_pieces = 0;
}

/* The groups (see AT_TPL_GROUPS) template t belongs to; returns how many (0..2). */
static size_t groups_of(const at_template *t, size_t g[2])
{
	size_t n = 0;
	if ((unsigned)t->kind >= AT_SUGGESTION_KINDS)
		return 0; /* pick() is never asked for such a kind */
	g[n++] = t->kind;
	if (t->kind == ATTUNE_SUGGESTION_REPLACEMENT && t->addresses != ATTUNE_FINDING_UNSPECIFIED)
		g[n++] = AT_SUGGESTION_KINDS + (size_t)t->addresses;
	return n;
}

attune_status at_template_index(attune_scorer *s)
{
	uint32_t *at = s->tpl_group; /* a counting sort into tpl_index, stable */
	size_t g[2];
	memset(s->tpl_group, 0, sizeof(s->tpl_group));
	s->tpl_index = malloc((2 * s->n_tpls + 1) * sizeof(*s->tpl_index));
	if (!s->tpl_index)
		return ATTUNE_E_NOMEM;
	for (size_t i = 0; i < s->n_tpls; i++) /* at[k + 1]: size of group k */
		for (size_t k = groups_of(&s->tpls[i], g); k-- > 0;)
			at[g[k] + 1]++;
	for (size_t k = 0; k < AT_TPL_GROUPS; k++) /* at[k]: start of group k */
		at[k + 1] += at[k];
	for (size_t i = 0; i < s->n_tpls; i++) /* at[k] moves to the end of group k */
		for (size_t k = 0, n = groups_of(&s->tpls[i], g); k < n; k++)
			s->tpl_index[at[g[k]]++] = (uint32_t)i;
	/* the end of group k is the start of group k + 1 */
	memmove(at + 1, at, AT_TPL_GROUPS * sizeof(*at));
	at[0] = 0;
	/* each group richest first, ties in file order (a stable insertion
	 * sort): pick() stops at the first template poorer than its best */
	for (size_t k = 0; k < AT_TPL_GROUPS; k++)
		for (uint32_t i = at[k] + 1; i < at[k + 1]; i++) {
			uint32_t x = s->tpl_index[i], j = i;
			for (; j > at[k] && s->tpls[s->tpl_index[j - 1]].rich < s->tpls[x].rich;
			     j--)
				s->tpl_index[j] = s->tpl_index[j - 1];
			s->tpl_index[j] = x;
		}
	return ATTUNE_OK;
}

void at_template_index_free(attune_scorer *s)
{
	free(s->tpl_index);
	s->tpl_index = NULL;
}

/* Sets pt->len and pt->have from the phrases. */
static void measure_parts(parts *pt)
{
	pt->have = 0;
	for (int k = 0; k < 4; k++) {
		pt->len[k] = part_of(pt, k)->len;
		pt->have |= pt->len[k] ? 1u << k : 0;
	}
}

/* 1 if fill() would succeed: every placeholder has words and the text fits
 * (fill fails exactly when its final length would reach cap). */
static int fillable(const at_template *t, const parts *pt, size_t cap)
{
	if (t->need & ~pt->have)
		return 0;
	size_t n = t->literal_len + t->uses[0] * pt->len[0] + t->uses[1] * pt->len[1] +
	           t->uses[2] * pt->len[2] + t->uses[3] * pt->len[3];
	return n < cap;
}

/* Ends a filled text of n bytes: the NUL, and a capital first letter (a
 * template may start with a placeholder). Returns n. */
static size_t finish_text(char *out, size_t n)
{
	out[n] = 0;
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
	return n;
}

/* Fills a template; returns 0 if a placeholder it needs is missing or the
 * text would not fit in cap (with its NUL), else 1 with *len its length. */
static int fill(const char *tpl, const parts *pt, char *out, size_t cap, size_t *len)
{
	size_t n = 0;
	for (const char *c = tpl; *c;) {
		/* literal bytes up to the next '{' in one copy */
		const char *brace = strchr(c, '{');
		size_t lit = brace ? (size_t)(brace - c) : strlen(c);
		if (n + lit >= cap)
			return 0;
		memcpy(out + n, c, lit);
		n += lit, c += lit;
		if (!*c)
			break;
		int k = placeholder_at(c);
		if (k < 0) { /* a lone '{' is literal */
			if (n + 1 >= cap)
				return 0;
			out[n++] = *c++;
			continue;
		}
		const phrase *ph = part_of(pt, k);
		if (!ph->len || n + ph->len >= cap)
			return 0;
		memcpy(out + n, ph->s, ph->len);
		n += ph->len;
		c += placeholders[k].len;
	}
	*len = finish_text(out, n);
	return 1;
}

/* fill() of a fillable() template, from its pieces when it has them (the
 * same bytes without scanning the text); returns the length. */
static size_t fill_template(const at_template *t, const parts *pt, char *out, size_t cap)
{
	const char *c = t->text;
	size_t n = 0;
	if (!t->n_pieces) {
		fill(t->text, pt, out, cap, &n);
		return n;
	}
	for (size_t i = 0; i < t->n_pieces; i++) {
		const at_tpl_piece *pc = &t->pieces[i];
		memcpy(out + n, c, pc->lit);
		n += pc->lit, c += pc->lit;
		if (pc->k < 0)
			break;
		const phrase *ph = part_of(pt, pc->k);
		memcpy(out + n, ph->s, ph->len);
		n += ph->len;
		c += placeholders[pc->k].len;
	}
	return finish_text(out, n);
}

void at_hash_pair(const char *a, size_t na, const char *b, size_t nb, uint32_t out[2])
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	uint32_t h = AT_FNV_BASIS, g = AT_FNV_BASIS;
	size_t n = na < nb ? na : nb, i = 0;
	/* each chain waits on its own multiply: side by side they overlap; eight
	 * bytes of each a step keep the loop's own instructions to one in four */
	for (; i + 8 <= n; i += 8) {
		h = at_fnv_byte(h, p[i]);
		g = at_fnv_byte(g, q[i]);
		h = at_fnv_byte(h, p[i + 1]);
		g = at_fnv_byte(g, q[i + 1]);
		h = at_fnv_byte(h, p[i + 2]);
		g = at_fnv_byte(g, q[i + 2]);
		h = at_fnv_byte(h, p[i + 3]);
		g = at_fnv_byte(g, q[i + 3]);
		h = at_fnv_byte(h, p[i + 4]);
		g = at_fnv_byte(g, q[i + 4]);
		h = at_fnv_byte(h, p[i + 5]);
		g = at_fnv_byte(g, q[i + 5]);
		h = at_fnv_byte(h, p[i + 6]);
		g = at_fnv_byte(g, q[i + 6]);
		h = at_fnv_byte(h, p[i + 7]);
		g = at_fnv_byte(g, q[i + 7]);
	}
	for (; i < n; i++) {
		h = at_fnv_byte(h, p[i]);
		g = at_fnv_byte(g, q[i]);
	}
	for (size_t k = i; k < na; k++) /* the longer text's tail, alone */
		h = at_fnv_byte(h, p[k]);
	for (size_t k = i; k < nb; k++)
		g = at_fnv_byte(g, q[k]);
	out[0] = h ? h : 1;
	out[1] = g ? g : 1;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* 0 when no match of the doc can become a negative finding: at_analyze
 * (analyze.c) draws those only from self-focus, advice, minimizing, judgment
 * and secrecy matches, plus repetition, which needs prior turns. */
static int may_find_negative(const attune_scorer *s, const at_doc *d)
{
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_pattern *p = &s->pats[d->matches[m].pat];
		if (!p->exception && (p->file == F_SELF || p->file == F_ADVICE ||
		                      p->file == F_MINIMIZE || p->file == F_JUDGE ||
		                      p->file == F_SECRECY))
			return 1;
	}
	return 0;
}

/* 1 if the text, judged as a draft on its own, has no negative finding (a
 * seeker clause such as "I should just quit" must not come back as advice).
 * The document is made in *keep when keep is not NULL (no copy of it after):
 * when safe it is the text's matched document (the projection reuses it;
 * its arrays stay in ar), else its arrays are released and *keep is stale. */
static int is_safe(const attune_scorer *s, at_arena *ar, const char *text, size_t len, at_doc *keep)
{
	at_doc own, *d = keep ? keep : &own;
	at_analysis a;
	at_stemset none = {0};
	int safe = 0;
	at_arena_mark m = at_arena_save(ar);
	if (at_doc_init(s, ar, d, text, len) != ATTUNE_OK)
		goto out_release;
	if (at_doc_match(s, d, AT_ROLE_RESPONDER) != ATTUNE_OK)
		goto out_release;
	if (!may_find_negative(s, d)) {
		safe = 1; /* nothing a negative finding could come from: skip the analysis */
	} else if (at_analyze(s, ar, d, &none, d, NULL, &a) == ATTUNE_OK) {
		safe = 1;
		for (size_t i = 0; i < a.n_findings; i++)
			if (!at_kind_is_positive(a.findings[i].kind))
				safe = 0;
	}
	if (safe && keep)
		return safe;
out_release:
	at_arena_release(ar, m); /* a rejected template's document goes now */
	return safe;
}

/* Picks a template of `kind` deterministically; with addr (only for
 * ATTUNE_SUGGESTION_REPLACEMENT) only among those for finding kind addr.
 * Its filled text is in out, *len bytes. */
static const at_template *pick(const attune_scorer *s, at_arena *ar, attune_suggestion_kind kind,
                               attune_finding_kind addr, const parts *pt, const at_stemset *recent,
                               uint64_t seed, const at_template *avoid, char *out, size_t cap,
                               size_t *len, at_doc *keep)
{
	const at_template *elig[64];
	size_t n = 0;
	unsigned best = 0;
	size_t grp =
	    addr != ATTUNE_FINDING_UNSPECIFIED ? AT_SUGGESTION_KINDS + (size_t)addr : (size_t)kind;
	if (grp >= AT_TPL_GROUPS ||
	    (addr != ATTUNE_FINDING_UNSPECIFIED && kind != ATTUNE_SUGGESTION_REPLACEMENT))
		return NULL;
	for (uint32_t i = s->tpl_group[grp]; i < s->tpl_group[grp + 1] && n < 64; i++) {
		const at_template *t = &s->tpls[s->tpl_index[i]];
		if (t->rich < best)
			break; /* the group goes richest first: no later one ties best */
		if (t == avoid)
			continue;
		if (at_stemset_has(recent, t->lead_hash))
			continue;
		if (!fillable(t, pt, cap))
			continue;
		/* prefer templates that carry more of the seeker's own words */
		unsigned rich = t->rich;
		if (rich > best)
			best = rich, n = 0;
		if (rich == best)
			elig[n++] = t;
	}
	while (n) {
		size_t k = (size_t)(mix(seed) % n);
		const at_template *t = elig[k];
		*len = fill_template(t, pt, out, cap);
		if (is_safe(s, ar, out, *len, keep))
			return t;
		elig[k] = elig[--n]; /* the seeker's own words made it unsafe: try another */
	}
	return NULL;
}

/* Adds a suggestion whose text pick() filled in at *text (in the result's
 * text room, see at_suggest), and moves *text past it (n bytes and the NUL).
 * docs[index of the suggestion] is the text's matched document (pick() left
 * it there, pointed at the same bytes). */
static void push(attune_score_result *r, attune_suggestion_kind kind, char **text, size_t n,
                 attune_placement pl, size_t start, size_t end, attune_finding_kind addr,
                 const char *stem)
{
	r->suggestions[r->n_suggestions++] =
	    (attune_suggestion){kind, *text, pl, start, end, addr, 0, stem};
	*text += n + 1;
}

/* Projection fast path. Tokens, clauses, negation windows and pattern
 * matches never cross a sentence boundary, so a projected draft (suggestion
 * before/after the draft, or replacing whole sentences of it) tokenizes as
 * the pieces of the already matched documents one after the other, provided
 * every seam is a clean sentence end: only .!? and blanks after the last
 * token before it, no open quote, a word right after it. join() builds that
 * document; when a seam is not clean the caller tokenizes the text instead
 * (test_suggestions_corpus checks both give the same projected score). */
typedef struct seg {
	const at_doc *d;
	uint32_t t0, t1; /* tokens [t0, t1) of d: whole sentences */
	int64_t shift;   /* where d's byte 0 lands in the joined text */
} seg;

/* 1 if the bytes [toks[t].end, limit) are .!? and blanks with at least one
 * sentence terminator and token t is outside quotes. */
static int clean_end(const at_doc *d, uint32_t t, size_t limit)
{
	int term = 0;
	if (d->toks[t].flags & TK_QUOTED)
		return 0;
	for (size_t i = d->toks[t].end; i < limit; i++) {
		char c = d->text[i];
		if (c == '.' || c == '!' || c == '?')
			term = 1;
		else if (c != ' ' && c != '\t' && c != '\r')
			return 0;
	}
	return term;
}

/* at_doc_match's bound on matches per document (text.c). */
static size_t match_bound(size_t n_toks)
{
	return 16 * n_toks + 256;
}

/* 1 if matching the projected draft afresh would keep the same matches: no
 * piece reached the bound (it may have dropped some) and the whole stays
 * within its own. */
static int bounds_hold(const seg *g, size_t n)
{
	size_t toks = 0, most = 0, matches = 0;
	for (size_t i = 0; i < n; i++) {
		if (g[i].d->n_matches >= match_bound(g[i].d->n_toks))
			return 0;
		toks += g[i].t1 - g[i].t0;
		most += g[i].d->n_matches;
	}
	if (most <= match_bound(toks))
		return 1; /* the usual case: even every match of the pieces fits */
	for (size_t i = 0; i < n; i++)
		for (size_t m = 0; m < g[i].d->n_matches; m++)
			matches += g[i].d->matches[m].first >= g[i].t0 &&
			           g[i].d->matches[m].first < g[i].t1;
	return matches <= match_bound(toks);
}

static void append_seg(at_doc *out, const seg *g)
{
	const at_doc *d = g->d;
	uint32_t s0 = d->toks[g->t0].sent, s1 = d->toks[g->t1 - 1].sent + 1;
	uint32_t c0 = d->toks[g->t0].clause, c1 = d->toks[g->t1 - 1].clause + 1;
	int64_t dt = (int64_t)out->n_toks - g->t0;
	for (uint32_t i = g->t0; i < g->t1; i++) {
		at_tok t = d->toks[i];
		t.start = (uint32_t)(t.start + g->shift), t.end = (uint32_t)(t.end + g->shift);
		t.sent = (uint32_t)(t.sent - s0 + out->n_sents);
		t.clause = (uint32_t)(t.clause - c0 + out->n_clauses);
		out->toks[out->n_toks++] = t;
	}
	for (uint32_t i = s0; i < s1; i++) {
		at_span sp = d->sents[i];
		sp.first = (uint32_t)(sp.first + dt), sp.last = (uint32_t)(sp.last + dt);
		sp.start = (uint32_t)(sp.start + g->shift), sp.end = (uint32_t)(sp.end + g->shift);
		out->sents[out->n_sents++] = sp;
	}
	for (uint32_t i = c0; i < c1; i++) {
		at_span sp = d->clauses[i];
		sp.first = (uint32_t)(sp.first + dt), sp.last = (uint32_t)(sp.last + dt);
		sp.start = (uint32_t)(sp.start + g->shift), sp.end = (uint32_t)(sp.end + g->shift);
		out->clauses[out->n_clauses++] = sp;
	}
	for (size_t i = 0; i < d->n_matches; i++) {
		at_match m = d->matches[i];
		if (m.first < g->t0 || m.first >= g->t1)
			continue;
		m.first = (uint32_t)(m.first + dt), m.last = (uint32_t)(m.last + dt);
		out->matches[out->n_matches++] = m;
	}
}

/* Builds *out (text buf, len bytes) from segments whose seams were checked
 * clean; its arrays are in ar, and it borrows normalized forms from the
 * segments' documents. Returns ATTUNE_OK, ATTUNE_E_NOMEM, or
 * ATTUNE_E_INVALID when a match bound would differ (caller falls back). */
static attune_status join(at_arena *ar, const seg *g, size_t n, const char *buf, size_t len,
                          at_doc *out)
{
	size_t toks = 0, matches = 0;
	memset(out, 0, sizeof(*out));
	if (!bounds_hold(g, n))
		return ATTUNE_E_INVALID;
	for (size_t i = 0; i < n; i++) {
		toks += g[i].t1 - g[i].t0;
		matches += g[i].d->n_matches;
	}
	out->text = buf;
	out->len = len;
	out->ar = ar;
	out->toks = at_arena_alloc(ar, toks * sizeof(*out->toks));
	out->sents = at_arena_alloc(ar, toks * sizeof(*out->sents));
	out->clauses = at_arena_alloc(ar, toks * sizeof(*out->clauses));
	out->matches = at_arena_alloc(ar, (matches + 1) * sizeof(*out->matches));
	if (!out->toks || !out->sents || !out->clauses || !out->matches)
		return ATTUNE_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		append_seg(out, &g[i]);
	out->cap_matches = out->n_matches + 1;
	return ATTUNE_OK;
}

/* The first token at or after t that ends after byte x (d->n_toks if none).
 * Token ends grow along the text, so a sentence whose last token ends by x
 * is passed over whole. */
static uint32_t first_ending_after(const at_doc *d, uint32_t t, size_t x)
{
	while (t < d->n_toks) {
		uint32_t last = d->sents[d->toks[t].sent].last;
		if (d->toks[last - 1].end > x)
			break;
		t = last;
	}
	while (t < d->n_toks && d->toks[t].end <= x)
		t++;
	return t;
}

/* Plans the segments of the projected draft; returns how many (0: a seam
 * is not clean). sd is the suggestion's document, tl its length. */
static size_t plan(const at_doc *dr, const at_doc *sd, const attune_suggestion *sg, size_t tl,
                   seg g[3])
{
	uint32_t p, r;
	if (!dr->n_toks || !sd->n_toks || sd->toks[0].start != 0)
		return 0;
	if (sg->placement == ATTUNE_PLACEMENT_BEFORE_DRAFT) {
		if (!clean_end(sd, (uint32_t)sd->n_toks - 1, sd->len) || dr->toks[0].start != 0)
			return 0;
		g[0] = (seg){sd, 0, (uint32_t)sd->n_toks, 0};
		g[1] = (seg){dr, 0, (uint32_t)dr->n_toks, (int64_t)tl + 1};
		return 2;
	}
	if (sg->placement == ATTUNE_PLACEMENT_AFTER_DRAFT) {
		if (!clean_end(dr, (uint32_t)dr->n_toks - 1, dr->len))
			return 0;
		g[0] = (seg){dr, 0, (uint32_t)dr->n_toks, 0};
		g[1] = (seg){sd, 0, (uint32_t)sd->n_toks, (int64_t)dr->len + 1};
		return 2;
	}
	/* REPLACE_SPAN: [prefix sentences][suggestion][suffix sentences] */
	p = first_ending_after(dr, 0, sg->start);
	r = first_ending_after(dr, p, sg->end);
	if (r == p || dr->toks[p].start != sg->start)
		return 0; /* the span must start exactly at a token */
	if (!(dr->toks[p].flags & TK_SENT_START) || (dr->toks[p].flags & TK_QUOTED))
		return 0; /* ... that opens a sentence, outside quotes */
	if (!clean_end(dr, r - 1, sg->end) || !clean_end(sd, (uint32_t)sd->n_toks - 1, sd->len))
		return 0;
	if (r < dr->n_toks && (dr->toks[r].start < sg->end || !(dr->toks[r].flags & TK_SENT_START)))
		return 0; /* the suffix must start a sentence after the span */
	size_t n = 0;
	if (p)
		g[n++] = (seg){dr, 0, p, 0};
	g[n++] = (seg){sd, 0, (uint32_t)sd->n_toks, (int64_t)sg->start};
	if (r < dr->n_toks)
		g[n++] = (seg){dr, r, (uint32_t)dr->n_toks,
		               (int64_t)sg->start + (int64_t)tl - (int64_t)sg->end};
	return n;
}

/* Projected score through join(); returns 0 if the fast path does not
 * apply (nothing set), else 1 with *st set. sd: the suggestion's document. */
static int project_joined(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                          const at_stemset *sk, const at_prior *pr, const at_doc *draft,
                          const at_doc *sd, attune_suggestion *sg, const char *buf, size_t n,
                          attune_status *st)
{
	at_doc joined;
	at_analysis a;
	seg g[3];
	size_t tl = strlen(sg->text), ns;
	int done = 1;

	*st = ATTUNE_OK;
	ns = plan(draft, sd, sg, tl, g);
	*st = ns ? join(ar, g, ns, buf, n, &joined) : ATTUNE_E_INVALID;
	if (*st == ATTUNE_E_INVALID) {
		*st = ATTUNE_OK;
		done = 0;
	} else if (*st == ATTUNE_OK) {
		*st = at_analyze(s, ar, seeker, sk, &joined, pr, &a);
		if (*st == ATTUNE_OK)
			sg->projected_score = a.score;
	}
	return done;
}

/* Projection from sentence sums, without prior turns. The projected draft's
 * sentences are whole sentences of the draft and of the suggestion (plan()
 * checked the seams), and at_analyze judges a sentence by itself but for what
 * it takes from the sentences before it: whether an acknowledgment or
 * reflection came earlier (advice then weighs less), whether the sentence
 * before is self-focused (a first-person one then continues the story), and
 * the one token before it ("nobody" before "expects you to", chained advice
 * looking back over fillers). So the projected score adds up the pieces'
 * at_sent_sum in order, carrying the first two (the third is checked by
 * seams_plain and at_analysis.seam_walk); a sentence whose advice was judged
 * unheard and now follows an acknowledgment takes its penalty_heard, one
 * whose advice was judged heard and no longer is makes the caller score the
 * text instead. */

typedef struct proj_acc {
	unsigned ack, reflect, explore, check_in;
	int penalty;
	int heard, self; /* of the sentences added so far */
} proj_acc;

static void raise(unsigned *v, unsigned lvl)
{
	if (lvl > *v)
		*v = lvl;
}

/* Adds the sentences of g (sums: at_analyze_sums of g->d) to acc; 0 if
 * their sums do not apply there. */
static int add_sentences(proj_acc *acc, const seg *g, const at_sent_sum *sums)
{
	const at_doc *d = g->d;
	uint32_t s0 = d->toks[g->t0].sent, s1 = d->toks[g->t1 - 1].sent + 1;
	int heard = 0; /* heard before sentence k in d, as the sums were taken */
	for (uint32_t k = 0; k < s0; k++)
		heard |= sums[k].heard;
	for (uint32_t k = s0; k < s1; k++) {
		const at_sent_sum *u = &sums[k];
		int pen = u->penalty;
		if (acc->heard != heard &&
		    (u->heard_test & (acc->heard ? AT_HEARD_UNHEARD : AT_HEARD_TESTED))) {
			if (!acc->heard)
				return 0; /* no sums judge this advice as unheard */
			pen = u->penalty_heard;
		}
		int story = !u->self_own && acc->self && u->story;
		acc->penalty += pen + (story ? at_penalty(ATTUNE_SEVERITY_MINOR) : 0);
		acc->self = u->self_own || story;
		acc->heard |= u->heard;
		heard |= u->heard;
		raise(&acc->ack, u->ack);
		raise(&acc->reflect, u->reflect);
		raise(&acc->explore, u->explore);
		acc->check_in |= u->check_in;
	}
	return 1;
}

/* 0 if the token before a piece, in the projection or in its own document,
 * is "nobody": disowned() (analyze.c) reads it. */
static int seams_plain(const seg *g, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (at_tok_is(&g[i - 1].d->toks[g[i - 1].t1 - 1], "nobody") ||
		    (g[i].t0 > 0 && at_tok_is(&g[i].d->toks[g[i].t0 - 1], "nobody")))
			return 0;
	return 1;
}

/* Projection early exit: 1 when the projected score is surely 0 without
 * analysing the suggestion, which would cost more than the rest of the
 * projection. The score is at_score_of(ack, reflect, explore, check_in,
 * penalties) clamped at 0, so it is 0 when the penalties reach the positive
 * part, which is at most 25 + 15 * 2 + 12 * 2 + 9 * 2 + 5 = 102.
 *
 * Why this is the score the full path gives (summed, or by scoring the
 * text when the sums do not apply), for g from plan() with bounds_hold()
 * and seams_plain() true and !da->seam_walk, as at_project_summed checks
 * first. On those conditions the projected text's tokens, sentences and
 * matches are the pieces' (the premise of join() and of the sums), and a
 * kept draft sentence's findings and levels depend on nothing outside it
 * but whether it was heard before (advice, pass 3) and whether the
 * sentence before is self-focused (the continuation finding). Then:
 *  - levels: the suggestion's sentences reach acknowledgment and explore
 *    levels only from F_ACK and F_QUESTION matches, a check-in only from
 *    F_CHECKIN ones, all of which are sd's own (sd->match_files); a
 *    reflection needs no match (an implicit one), so it counts 2. The kept
 *    draft sentences keep their own levels (at_sent_sum; being heard moves
 *    no level). So the levels are at most raise_to_bound()'s, and
 *    at_score_of() of them and the penalty floor bounds the score.
 *  - penalties: every finding's penalty is >= 0, so the suggestion's
 *    sentences and the story continuations (left out of at_sent_sum.penalty)
 *    only add. A kept draft sentence that was not heard before in the draft
 *    takes exactly penalty (still not heard) or penalty_heard (heard now:
 *    penalty_heard is pass 3 run again as heard, or penalty when no advice
 *    of it was judged unheard), so at least the smaller one. One that was
 *    heard before in the draft keeps that when a kept draft sentence before
 *    it in the projection is heard, and then takes penalty (= penalty_heard)
 *    exactly; else it may lose it (a REPLACE_SPAN dropping the
 *    acknowledgment, a suggestion that is none): the sums do not know its
 *    unheard penalty, so it counts 0 if its advice was judged at all, and
 *    penalty if not (no advice judged: being heard changes nothing).
 * This holds whether at_project_summed would go on to add the sums or fall
 * back (a.seam_walk, add_sentences() returning 0): both give the score of
 * the projected text, which is what is bounded here. */
static void raise_to_bound(const at_doc *sd, unsigned lv[4])
{
	if (sd->match_files & (1u << F_ACK))
		lv[0] = 2;
	lv[1] = 2; /* the suggestion may reflect at level 2 without a match */
	if (sd->match_files & (1u << F_QUESTION))
		lv[2] = 2;
	if (sd->match_files & (1u << F_CHECKIN))
		lv[3] = 1;
}

/* A lower bound on the penalties of the draft's sentences kept in the
 * projection g (see above), and in lv their levels (ack, reflect, explore,
 * check_in). */
static int kept_penalty_floor(const at_doc *draft, const at_sent_sum *sums, const seg *g, size_t n,
                              unsigned lv[4])
{
	int pen = 0;
	int kept_heard = 0; /* a kept draft sentence before, in the projection, is heard */
	for (size_t i = 0; i < n; i++) {
		if (g[i].d != draft)
			continue;
		uint32_t s0 = draft->toks[g[i].t0].sent, s1 = draft->toks[g[i].t1 - 1].sent + 1;
		int heard = 0; /* heard before sentence k in the draft */
		for (uint32_t k = 0; k < s0; k++)
			heard |= sums[k].heard;
		for (uint32_t k = s0; k < s1; k++) {
			const at_sent_sum *u = &sums[k];
			int least = u->penalty_heard < u->penalty ? u->penalty_heard : u->penalty;
			if (heard && !kept_heard) /* may be heard no more */
				least = u->heard_test & AT_HEARD_TESTED ? 0 : u->penalty;
			pen += least;
			heard |= u->heard;
			kept_heard |= u->heard;
			raise(&lv[0], u->ack);
			raise(&lv[1], u->reflect);
			raise(&lv[2], u->explore);
			raise(&lv[3], u->check_in);
		}
	}
	return pen;
}

/* 1 if the projection g scores 0 even with the highest levels it may reach
 * and the least penalty its kept draft sentences may carry. */
static int surely_zero(const at_doc *draft, const at_sent_sum *sums, const at_doc *sd, const seg *g,
                       size_t n)
{
	unsigned lv[4] = {0, 0, 0, 0};
	int pen = kept_penalty_floor(draft, sums, g, n, lv);
	raise_to_bound(sd, lv);
	return at_score_of(lv[0], lv[1], lv[2], lv[3], pen) == 0;
}

/* The pieces of the projection of sg (its text's document sd) in g, when
 * the draft's sentence sums may project it (see below); else 0. */
static size_t summed_plan(const at_analysis *da, const at_doc *draft, const at_doc *sd,
                          const attune_suggestion *sg, seg g[3])
{
	size_t ns;
	if (!da->sums || da->seam_walk)
		return 0;
	ns = plan(draft, sd, sg, sd->len, g);
	if (!ns || !bounds_hold(g, ns) || !seams_plain(g, ns))
		return 0;
	return ns;
}

int at_project_surely_zero(const at_analysis *da, const at_doc *draft, const at_doc *sd,
                           const attune_suggestion *sg)
{
	seg g[3];
	size_t ns = summed_plan(da, draft, sd, sg, g);
	return ns && surely_zero(draft, da->sums, sd, g, ns);
}

int at_project_summed(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                      const at_stemset *sk, const at_analysis *da, const at_doc *draft,
                      const at_doc *sd, attune_suggestion *sg, attune_status *st)
{
	seg g[3];
	at_analysis a;
	proj_acc acc = {0};
	size_t ns;

	ns = summed_plan(da, draft, sd, sg, g); /* sd is sg->text's document */
	if (!ns)
		return 0;
	/* the kept sentences' penalty floor is at most sums_pen_most, and the
	 * levels are at least a reflection's: most drafts cannot pin a
	 * projection at 0, and skip the walk */
	if (at_score_of(0, 2, 0, 0, da->sums_pen_most) == 0 &&
	    surely_zero(draft, da->sums, sd, g, ns)) {
		*st = ATTUNE_OK;
		sg->projected_score = 0;
		return 1;
	}
	*st = at_analyze_sums(s, ar, seeker, sk, sd, &a);
	if (*st != ATTUNE_OK)
		return 1;
	if (a.seam_walk)
		return 0;
	for (size_t i = 0; i < ns; i++)
		if (!add_sentences(&acc, &g[i], g[i].d == draft ? da->sums : a.sums))
			return 0;
	sg->projected_score =
	    at_score_of(acc.ack, acc.reflect, acc.explore, acc.check_in, acc.penalty);
	return 1;
}

/* Projected score of the draft text with the suggestion applied, through
 * join() or, failing that, scoring the text. */
static attune_status project_text(const attune_scorer *s, at_arena *ar,
                                  const attune_score_input *in, const at_doc *seeker,
                                  const at_stemset *sk, const at_prior *pr, const at_doc *draft,
                                  const at_doc *sd, attune_suggestion *sg)
{
	const attune_text *dr = &in->draft;
	size_t tl = strlen(sg->text), cap = dr->len + tl + 2, n = 0;
	char *buf = at_arena_alloc(ar, cap);
	if (!buf)
		return ATTUNE_E_NOMEM;
	if (sg->placement == ATTUNE_PLACEMENT_BEFORE_DRAFT) {
		memcpy(buf, sg->text, tl);
		buf[tl] = ' ';
		memcpy(buf + tl + 1, dr->ptr, dr->len);
		n = tl + 1 + dr->len;
	} else if (sg->placement == ATTUNE_PLACEMENT_AFTER_DRAFT) {
		memcpy(buf, dr->ptr, dr->len);
		buf[dr->len] = ' ';
		memcpy(buf + dr->len + 1, sg->text, tl);
		n = dr->len + 1 + tl;
	} else {
		memcpy(buf, dr->ptr, sg->start);
		memcpy(buf + sg->start, sg->text, tl);
		memcpy(buf + sg->start + tl, dr->ptr + sg->end, dr->len - sg->end);
		n = sg->start + tl + dr->len - sg->end;
	}
	attune_status st = ATTUNE_OK;
	if (!project_joined(s, ar, seeker, sk, pr, draft, sd, sg, buf, n, &st))
		st = at_score_plain(s, ar, seeker, sk, pr, buf, n, &sg->projected_score);
	return st;
}

static attune_status project(const attune_scorer *s, at_arena *ar, const attune_score_input *in,
                             const at_doc *seeker, const at_stemset *sk, const at_prior *pr,
                             const at_analysis *da, const at_doc *draft, const at_doc *kept,
                             attune_suggestion *sg)
{
	at_arena_mark m = at_arena_save(ar);
	at_doc own; /* at_doc_init sets it */
	const at_doc *sd = kept;
	attune_status st = ATTUNE_OK;
	if (!kept || !kept->toks) { /* no document from pick(): make one */
		st = at_doc_init(s, ar, &own, sg->text, strlen(sg->text));
		if (st == ATTUNE_OK)
			st = at_doc_match(s, &own, AT_ROLE_RESPONDER);
		sd = &own;
	}
	/* da->sums is there only without prior turns (attune_score) */
	if (st == ATTUNE_OK && !at_project_summed(s, ar, seeker, sk, da, draft, sd, sg, &st))
		st = project_text(s, ar, in, seeker, sk, pr, draft, sd, sg);
	/* only the score is kept: each projection reuses the same arena bytes */
	at_arena_release(ar, m);
	return st;
}

/* Best first by projected score; ties keep their generation order (stable
 * insertion sort: n <= ATTUNE_MAX_SUGGESTIONS), so the order is deterministic. */
static void order_best_first(attune_suggestion *g, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		attune_suggestion x = g[i];
		size_t j = i;
		for (; j > 0 && g[j - 1].projected_score < x.projected_score; j--)
			g[j] = g[j - 1];
		g[j] = x;
	}
}

/* 1 if one of the steps of at_suggest below would look for a template. */
static int wants_any(const at_analysis *a)
{
	if (a->reflect < 2 || a->acknowledge < 2 || a->explore < 2)
		return 1;
	for (size_t f = 0; f < a->n_findings; f++)
		if (!at_kind_is_positive(a->findings[f].kind))
			return 1;
	return 0;
}

attune_status at_suggest(const attune_scorer *s, at_arena *ar, const attune_score_input *in,
                         const at_doc *seeker, const at_stemset *sk, const at_doc *draft,
                         const at_prior *pr, const at_analysis *a, attune_score_result *r,
                         char *texts)
{
	unsigned max = at_max_suggestions(in);
	parts pt;
	const at_stemset none = {0};
	const at_stemset *recent = pr ? &pr->leads : &none;
	char *text = texts; /* where the next suggestion's text goes */
	size_t tl = 0;
	at_doc docs[ATTUNE_MAX_SUGGESTIONS + 1]; /* matched documents of the texts */
	attune_status st = ATTUNE_OK;

	/* docs[i] is written by the pick() of suggestion i (a picked template's
	 * document: see is_safe) before project() reads it */
	if (!wants_any(a))
		return ATTUNE_OK; /* spare extract() and the seed's hashes */
	extract(s, seeker, &pt);
	uint32_t h[2];
	at_hash_pair(seeker->text, seeker->len, draft->text, draft->len, h);
	uint64_t seed = mix(in->variation_key ^ ((uint64_t)h[0] << 32) ^ h[1]);

	const at_template *used_ack = NULL;
	/* 1: a reflection with a check-in, unless the draft already reflects specifically */
	if (r->n_suggestions < max && a->reflect < 2) {
		const at_template *t = pick(s, ar, ATTUNE_SUGGESTION_REFLECTION,
		                            ATTUNE_FINDING_UNSPECIFIED, &pt, recent, seed + 1, NULL,
		                            text, AT_SUGGESTION_MAX, &tl, &docs[r->n_suggestions]);
		if (t)
			push(r, t->kind, &text, tl, ATTUNE_PLACEMENT_BEFORE_DRAFT, 0, 0,
			     ATTUNE_FINDING_UNSPECIFIED, t->id);
	}
	/* 2: a replacement for each negative finding's sentence */
	for (size_t f = 0; f < a->n_findings && r->n_suggestions < max; f++) {
		const attune_finding *fd = &a->findings[f];
		if (at_kind_is_positive(fd->kind))
			continue;
		size_t start = fd->start, end = fd->end;
		for (size_t k = 0; k < draft->n_sents; k++) {
			const at_span *sp = &draft->sents[k];
			if (sp->start <= fd->start && fd->start < sp->end) {
				start = sp->start < start ? sp->start : start;
				end = sp->end > end ? sp->end : end;
				break;
			}
		}
		int dup = 0;
		for (size_t k = 0; k < r->n_suggestions; k++)
			if (r->suggestions[k].placement == ATTUNE_PLACEMENT_REPLACE_SPAN &&
			    start < r->suggestions[k].end && r->suggestions[k].start < end)
				dup = 1;
		if (dup)
			continue;
		const at_template *t =
		    pick(s, ar, ATTUNE_SUGGESTION_REPLACEMENT, fd->kind, &pt, recent, seed + 7 + f,
		         NULL, text, AT_SUGGESTION_MAX, &tl, &docs[r->n_suggestions]);
		if (t)
			push(r, t->kind, &text, tl, ATTUNE_PLACEMENT_REPLACE_SPAN, start, end,
			     fd->kind, t->id);
	}
	/* 3: an acknowledgment, 4: an open question */
	if (r->n_suggestions < max && a->acknowledge < 2) {
		used_ack = pick(s, ar, ATTUNE_SUGGESTION_ACKNOWLEDGMENT, ATTUNE_FINDING_UNSPECIFIED,
		                &pt, recent, seed + 3, NULL, text, AT_SUGGESTION_MAX, &tl,
		                &docs[r->n_suggestions]);
		if (used_ack)
			push(r, used_ack->kind, &text, tl, ATTUNE_PLACEMENT_BEFORE_DRAFT, 0, 0,
			     ATTUNE_FINDING_UNSPECIFIED, used_ack->id);
	}
	if (r->n_suggestions < max && a->explore < 2) {
		const at_template *t = pick(s, ar, ATTUNE_SUGGESTION_OPEN_QUESTION,
		                            ATTUNE_FINDING_UNSPECIFIED, &pt, recent, seed + 5, NULL,
		                            text, AT_SUGGESTION_MAX, &tl, &docs[r->n_suggestions]);
		if (t)
			push(r, t->kind, &text, tl, ATTUNE_PLACEMENT_AFTER_DRAFT, 0, 0,
			     ATTUNE_FINDING_UNSPECIFIED, t->id);
	}
	for (size_t i = 0; st == ATTUNE_OK && i < r->n_suggestions; i++)
		st = project(s, ar, in, seeker, sk, pr, a, draft, &docs[i], &r->suggestions[i]);
	if (st == ATTUNE_OK)
		order_best_first(r->suggestions, r->n_suggestions);
	return st;
}
