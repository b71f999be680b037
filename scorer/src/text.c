/*
 * text.c - turns valid UTF-8 into normalized word tokens with byte offsets
 * (case folding, curly apostrophes, SMS spellings via the normalize map),
 * sentence and clause segments, quoted/reported speech, negation scope, and
 * runs the indexed phrase patterns over the tokens.
 */
#include "internal.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

/* ASCII letters and digits folded to lower case; 0 for every other byte. */
static const unsigned char ascii_fold[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5', ['6'] = '6',
    ['7'] = '7', ['8'] = '8', ['9'] = '9', ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd',
    ['e'] = 'e', ['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k',
    ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r',
    ['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
    ['z'] = 'z', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
    ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm',
    ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
    ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y', ['Z'] = 'z',
};

/* Decodes one code point; ASCII (the common case) skips the general decoder. */
static inline uint32_t decode(const char *p, size_t len, size_t *adv)
{
	if ((unsigned char)*p < 0x80) {
		*adv = 1;
		return (unsigned char)*p;
	}
	return attune__utf8_decode(p, len, adv);
}

static int is_emoji(uint32_t cp)
{
	if (cp < 0x80)
		return 0;
	return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
	       (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0x200D || (cp >= 0x2190 && cp <= 0x21FF) ||
	       (cp >= 0x2B00 && cp <= 0x2BFF) || (cp >= 0xE0000 && cp <= 0xE007F);
}

/* Pictographs become one-code-point tokens (so data files can name them);
 * joiners, variation selectors and skin tones attach to the one before. */
static int is_emoji_mod(uint32_t cp)
{
	if (cp < 0x80)
		return 0;
	return (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0x200D || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
	       (cp >= 0xE0000 && cp <= 0xE007F);
}

static int is_apostrophe(uint32_t cp)
{
	return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC;
}

/* Letters, digits and non-ASCII letters (anything non-ASCII that is not
 * punctuation, a space or an emoji) form words. */
static inline int is_word_cp(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		       (cp >= '0' && cp <= '9');
	if (is_emoji(cp) || is_apostrophe(cp))
		return 0;
	if (cp >= 0x2000 && cp <= 0x206F) /* general punctuation, spaces, quotes */
		return 0;
	if (cp == 0xA0 || cp == 0xAB || cp == 0xBB || cp == 0xBF || cp == 0xA1 || cp == 0x3000)
		return 0;
	return 1;
}

static void stem_word(const char *w, size_t n, uint32_t *out)
{
	char buf[AT_MAX_WORD + 1];
	size_t k = 0;
	for (size_t i = 0; i < n && k < AT_MAX_WORD; i++)
		if (w[i] != '-')
			buf[k++] = w[i];
	static const struct {
		char s[7];
		uint8_t n;
	} suf[] = {{"ingly", 5}, {"ations", 6}, {"ation", 5}, {"ments", 5}, {"ment", 4},
	           {"ness", 4},  {"ings", 4},   {"ing", 3},   {"edly", 4},  {"ied", 3},
	           {"ies", 3},   {"ed", 2},     {"es", 2},    {"ly", 2},    {"ity", 3},
	           {"ous", 3},   {"s", 1},      {"y", 1},     {"e", 1}};
	char last = k ? buf[k - 1] : 0;
	/* every suffix ends in one of these letters */
	int maybe = last == 's' || last == 'y' || last == 'e' || last == 'g' || last == 'd' ||
	            last == 'n' || last == 't';
	for (size_t i = 0; maybe && k >= 4 && i < sizeof(suf) / sizeof(suf[0]); i++) {
		size_t sl = suf[i].n;
		if (suf[i].s[sl - 1] == last && k >= sl + 3 &&
		    memcmp(buf + k - sl, suf[i].s, sl) == 0) {
			k -= sl;
			break;
		}
	}
	size_t off = 0;
	if (k >= 7 && (memcmp(buf, "un", 2) == 0 || memcmp(buf, "re", 2) == 0))
		off = 2;
	*out = at_hash(buf + off, k - off);
}

int at_tok_in_class(const attune_scorer *s, const at_tok *t, at_class c)
{
	if (c == C_NUMBER) {
		for (size_t i = 0; i < t->norm_len; i++)
			if (t->norm[i] < '0' || t->norm[i] > '9')
				return 0;
		return t->norm_len > 0;
	}
	(void)s;
	return (t->classes >> c) & 1u;
}

int at_tok_is_content(const attune_scorer *s, const at_tok *t)
{
	if (t->norm_len < 3 || (t->flags & TK_EMOJI))
		return 0;
	(void)s;
	return !(t->classes & ((1u << C_STOP) | (1u << C_NEGATOR) | (1u << C_FILLER) |
	                       (1u << C_FIRST_PERSON) | (1u << C_BREAK)));
}

/* Appends the token text[start, end) whose normalized form is dst[0, k)
 * (k bytes already written at d->norm + *npos) with h its FNV-1a hash
 * before the final "0 becomes 1" of at_hash(). */
static void push_folded(const attune_scorer *s, at_doc *d, size_t start, size_t end, size_t k,
                        uint32_t h, size_t *npos)
{
	at_tok *t = &d->toks[d->n_toks++];
	char *dst = d->norm + *npos;
	h = h ? h : 1;
	*npos += k;
	*t = (at_tok){.start = (uint32_t)start, .end = (uint32_t)end, .norm = dst,
	              .norm_len = (uint16_t)k};
	t->hash = h;
	const at_vslot *v = k ? at_vocab_find(s, dst, k, h) : NULL;
	if (!v) {
		t->word = -1;
		stem_word(t->norm, t->norm_len, &t->stem);
		return;
	}
	/* the slot holds what the token needs; only a normalized spelling
	 * (an SMS form, a rare case) reads its target word */
	t->word = v->to;
	t->stem = v->stem;
	t->classes = v->classes;
	if (v->to != v->id) {
		const at_word *aw = &s->words[v->to];
		t->norm = aw->s;
		t->norm_len = aw->len;
		t->hash = aw->hash;
	}
}

/* Appends the token text[start, end): folds case, drops apostrophes, keeps
 * at most AT_MAX_WORD bytes (never half a code point). */
static void push_token(const attune_scorer *s, at_doc *d, size_t start, size_t end, size_t *npos)
{
	char *dst = d->norm + *npos;
	size_t k = 0, i = start;
	uint32_t h = 2166136261u; /* at_hash() of dst, computed while folding */
	while (i < end && k < AT_MAX_WORD) {
		unsigned char c = (unsigned char)d->text[i];
		if (c < 0x80) {
			i++;
			if (c == '\'')
				continue;
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			dst[k++] = (char)c;
			h = (h ^ c) * 16777619u;
			continue;
		}
		size_t adv;
		uint32_t cp = attune__utf8_decode(d->text + i, end - i, &adv);
		if (is_apostrophe(cp)) {
			i += adv;
			continue;
		}
		if (adv == 1) {
			dst[k++] = (char)c;
			h = (h ^ c) * 16777619u;
		} else {
			if (k + adv > AT_MAX_WORD)
				break;
			for (size_t b = 0; b < adv; b++) {
				dst[k++] = d->text[i + b];
				h = (h ^ (unsigned char)d->text[i + b]) * 16777619u;
			}
		}
		i += adv;
	}
	push_folded(s, d, start, end, k, h, npos);
}

/* A known word's stem is the same for every token of it: emotions stem to
 * their canonical adjective, other words through stem_word(). */
void at_vocab_stems(attune_scorer *s)
{
	for (size_t i = 0; i < s->n_words; i++) {
		at_word *w = &s->words[i];
		if (w->emo >= 0) {
			const at_emotion *e = &s->emos[w->emo];
			w->stem = at_hash(e->canon, e->canon_len);
		} else {
			stem_word(w->s, w->len, &w->stem);
		}
	}
}

/* Marks quoted speech, reported speech and negation; computes clause leads. */
static void annotate(at_doc *d)
{
	for (size_t c = 0; c < d->n_clauses; c++) {
		const at_span *cl = &d->clauses[c];
		for (uint32_t i = cl->first; i < cl->last; i++) {
			at_tok *t = &d->toks[i];
			if (!(t->classes & ((1u << C_FILLER) | (1u << C_BREAK))) &&
			    !(t->flags & TK_EMOJI)) {
				t->flags |= TK_CLAUSE_LEAD;
				break;
			}
		}
		/* negated: a negator among the (up to) 3 tokens before, same clause */
		uint32_t since = 4; /* tokens since the latest negator, capped */
		for (uint32_t i = cl->first; i < cl->last; i++) {
			if (since <= 3)
				d->toks[i].flags |= TK_NEGATED;
			if (d->toks[i].classes & (1u << C_NEGATOR))
				since = 1;
			else if (since < 4)
				since++;
		}
	}
}

attune_status at_doc_init(const attune_scorer *s, at_arena *ar, at_doc *d, const char *text,
                          size_t len)
{
	memset(d, 0, sizeof(*d));
	d->ar = ar;
	d->text = text ? text : "";
	d->len = text ? len : 0;
	size_t cap = d->len / 2 + 2; /* words need a separator; pictographs take >= 3 bytes */
	/* one block: tokens, sentences, clauses, then the normalized bytes */
	size_t spans = 2 * cap * sizeof(at_span);
	d->toks = at_arena_alloc(ar, cap * sizeof(at_tok) + spans + d->len + 1);
	if (!d->toks)
		return ATTUNE_E_NOMEM;
	d->sents = (at_span *)(d->toks + cap);
	d->clauses = d->sents + cap;
	d->norm = (char *)(d->clauses + cap);
	size_t npos = 0, i = 0;
	int new_sent = 1, new_clause = 1, dq = 0, sq = 0;
	uint32_t prev_cp = ' ';
	while (i < d->len) {
		if (d->text[i] == ' ') { /* the commonest byte between words: nothing to do */
			prev_cp = ' ';
			i++;
			continue;
		}
		size_t adv;
		uint32_t cp = decode(d->text + i, d->len - i, &adv);
		int emoji = is_emoji(cp) && !is_emoji_mod(cp);
		if (is_word_cp(cp) || emoji) {
			size_t start = i, end = i + adv;
			int folded = 0;
			size_t k = 0;
			uint32_t h = 2166136261u;
			if (cp < 0x80) {
				/* fast path: a run of ASCII letters and digits, folded and
				 * hashed as it is scanned; anything else (apostrophe,
				 * hyphen, non-ASCII) continues below and push_token()
				 * folds the whole word again */
				char *dst = d->norm + npos;
				const unsigned char *txt = (const unsigned char *)d->text;
				for (end = i; end < d->len && k < AT_MAX_WORD; end++) {
					unsigned char c = ascii_fold[txt[end]];
					if (!c)
						break;
					dst[k++] = (char)c;
					h = (h ^ c) * 16777619u;
				}
				while (end < d->len && ascii_fold[txt[end]])
					end++; /* past AT_MAX_WORD: scanned, not kept */
				unsigned char nb = end < d->len ? (unsigned char)d->text[end] : 0;
				folded = nb < 0x80 && nb != '\'' && nb != '-';
			}
			while (emoji && end < d->len) {
				size_t a2;
				uint32_t c2 = decode(d->text + end, d->len - end, &a2);
				if (!is_emoji_mod(c2))
					break;
				end += a2;
			}
			while (!emoji && !folded && end < d->len) {
				unsigned char b = (unsigned char)d->text[end];
				if ((unsigned)((b | 0x20) - 'a') < 26 || (unsigned)(b - '0') < 10) {
					end++; /* ASCII letter or digit */
					continue;
				}
				size_t a2, a3;
				uint32_t c2 = decode(d->text + end, d->len - end, &a2);
				if (is_word_cp(c2)) {
					end += a2;
					continue;
				}
				if ((is_apostrophe(c2) || c2 == '-') && end + a2 < d->len &&
				    is_word_cp(
				        decode(d->text + end + a2, d->len - end - a2, &a3))) {
					end += a2;
					continue;
				}
				break;
			}
			if (new_sent) {
				if (d->n_sents)
					d->sents[d->n_sents - 1].last = (uint32_t)d->n_toks;
				d->sents[d->n_sents++] =
				    (at_span){(uint32_t)d->n_toks, 0, (uint32_t)start, 0, 0};
			}
			int brk = 0;
			if (folded)
				push_folded(s, d, start, end, k, h, &npos);
			else
				push_token(s, d, start, end, &npos);
			at_tok *t = &d->toks[d->n_toks - 1];
			if (emoji)
				t->flags |= TK_EMOJI;
			if (!new_clause && (t->classes & (1u << C_BREAK)))
				brk = 1;
			if (new_clause || new_sent || brk) {
				if (d->n_clauses)
					d->clauses[d->n_clauses - 1].last = t - d->toks;
				d->clauses[d->n_clauses++] =
				    (at_span){(uint32_t)(t - d->toks), 0, t->start, 0, 0};
				t->flags |= TK_CLAUSE_START;
			}
			if (new_sent)
				t->flags |= TK_SENT_START;
			if (dq || sq)
				t->flags |= TK_QUOTED;
			t->sent = (uint32_t)d->n_sents - 1;
			t->clause = (uint32_t)d->n_clauses - 1;
			d->sents[d->n_sents - 1].end = t->end;
			d->clauses[d->n_clauses - 1].end = t->end;
			new_sent = new_clause = 0;
			prev_cp = 'a';
			i = end;
			continue;
		}
		if (cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == '\n' ||
		    cp == 0x203D) {
			if (d->n_sents && !new_sent) {
				at_span *st = &d->sents[d->n_sents - 1];
				if (cp == '?' || cp == 0x203D)
					st->term = '?';
				else if (cp == '!' && st->term != '?')
					st->term = '!';
				else if (cp != '\n' && !st->term)
					st->term = '.';
				if (cp != '\n')
					st->end = (uint32_t)(i + adv);
			}
			/* keep "?!" and "..." attached to the sentence they end */
			if (cp == '\n' || d->n_sents)
				new_sent = new_clause = 1;
			if (cp == '\n')
				dq = sq = 0;
		} else if (cp == ',' || cp == ';' || cp == ':' || cp == '(' || cp == ')' ||
		           cp == 0x2014 || cp == 0x2013 || cp == '/' ||
		           (cp == '-' && prev_cp == ' ')) {
			new_clause = 1;
		} else if (cp == '"' || cp == 0x201C || cp == 0x201D || cp == 0xAB || cp == 0xBB) {
			if (cp == 0x201C || cp == 0xAB)
				dq = 1;
			else if (cp == 0x201D || cp == 0xBB)
				dq = 0;
			else
				dq = !dq;
			new_clause = 1;
		} else if (is_apostrophe(cp)) {
			/* a single quote that opens (after a non-word) or closes (after a word) */
			if (prev_cp != 'a' && !sq)
				sq = 1;
			else if (prev_cp == 'a' && sq)
				sq = 0;
			new_clause = 1;
		}
		prev_cp = (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n') ? ' ' : cp;
		i += adv;
	}
	if (d->n_sents)
		d->sents[d->n_sents - 1].last = (uint32_t)d->n_toks;
	if (d->n_clauses)
		d->clauses[d->n_clauses - 1].last = (uint32_t)d->n_toks;
	annotate(d);
	return ATTUNE_OK;
}

static inline int slot_match(const attune_scorer *s, const at_slot *sl, const at_tok *t)
{
	switch (sl->type) {
	case SL_ANY:
		return 1;
	case SL_CLASS:
		return at_tok_in_class(s, t, (at_class)sl->arg);
	case SL_PREFIX:
		return t->norm_len >= sl->n && memcmp(t->norm, s->pool + sl->off, sl->n) == 0;
	case SL_WORDS:
		if (t->word < 0)
			return 0;
		for (unsigned k = 0; k < sl->n; k++)
			if (s->alts[sl->off + k] == (uint32_t)t->word)
				return 1;
		return 0;
	}
	return 0;
}

/* Returns the token index one past the match, or -1. Tokens [j, lim) are
 * the rest of the sentence (a sentence's tokens are contiguous); only ".."
 * gaps recurse, at most AT_GAP_MAX + 1 ways each. */
static long match_from(const attune_scorer *s, const at_doc *d, const at_pattern *p, unsigned k,
                       size_t j, size_t lim)
{
	for (; k < p->nslots; k++, j++) {
		const at_slot *sl = &p->slots[k];
		if (sl->type == SL_GAP) {
			const at_slot *nx = k + 1 < p->nslots ? &p->slots[k + 1] : NULL;
			for (size_t g = 0; g <= AT_GAP_MAX; g++) {
				if (g && j + g - 1 >= lim)
					break;
				/* the slot after the gap must take token j + g: test it here */
				if (nx && nx->type != SL_GAP &&
				    (j + g >= lim || !slot_match(s, nx, &d->toks[j + g])))
					continue;
				long r = match_from(s, d, p, k + 1, j + g, lim);
				if (r >= 0)
					return r;
			}
			return -1;
		}
		if (j >= lim || !slot_match(s, sl, &d->toks[j]))
			return -1;
	}
	return (long)j;
}

/* Matches pattern pi at token i whose first `skip` slots are known to take
 * tokens i .. i + skip - 1, and appends the match. lim: end of i's sentence. */
static attune_status try_pattern(const attune_scorer *s, at_doc *d, uint32_t pi, size_t i,
                                 unsigned skip, size_t lim)
{
	if (d->skip_files >> s->pats[pi].file & 1u)
		return ATTUNE_OK;
	long end = match_from(s, d, &s->pats[pi], skip, i + skip, lim);
	if (end < 0)
		return ATTUNE_OK;
	if (d->n_matches == d->cap_matches) {
		size_t hard = 16 * d->n_toks + 256;
		if (d->cap_matches >= hard)
			return ATTUNE_OK; /* bounded work; further matches at this density add
			                     nothing */
		size_t nc = d->cap_matches ? d->cap_matches * 2 : 64;
		if (nc > hard)
			nc = hard;
		/* in place while the matches are the arena's latest block; else a
		 * copy, the old array abandoned: all of them stay under twice the
		 * bound (64 + 128 + ... + hard) */
		at_match *m =
		    at_arena_grow(d->ar, d->matches, d->n_matches * sizeof(*m), nc * sizeof(*m));
		if (!m)
			return ATTUNE_E_NOMEM;
		d->matches = m;
		d->cap_matches = nc;
	}
	d->matches[d->n_matches++] = (at_match){pi, (uint32_t)i, (uint32_t)end};
	return ATTUNE_OK;
}

/* The keyed candidates of word w whose second slot takes word nw: one run of
 * mkeyed (by pos), or none. */
static void keyed_run(const attune_scorer *s, uint32_t w, uint32_t nw, const at_mcand **b,
                      const at_mcand **be)
{
	for (size_t k = at_pair_hash(w, nw) & s->mpairs_mask;; k = (k + 1) & s->mpairs_mask) {
		const at_mpair *e = &s->mpairs[k];
		if (e->w == w && e->nw == nw) {
			*b = s->mkeyed + e->first;
			*be = s->mkeyed + e->end;
			return;
		}
		if (e->w == UINT32_MAX)
			return;
	}
}

/* The word summaries the candidates' prefilters test (AT_FILT_*) for token i:
 * unknown words and tokens past the sentence end (lim) add no bit. */
static void next_words(const at_doc *d, size_t i, size_t lim, uint64_t m[AT_FILT_COUNT])
{
	uint64_t b[AT_GAP_MAX + 2] = {0}; /* tokens i + 1 .. i + AT_GAP_MAX + 2 */
	size_t n = lim - i - 1 < AT_GAP_MAX + 2 ? lim - i - 1 : AT_GAP_MAX + 2;
	for (size_t o = 0; o < n; o++) {
		int32_t w = d->toks[i + 1 + o].word;
		b[o] = w >= 0 ? AT_WORD_BIT(w) : 0;
	}
	m[AT_FILT_TOK1] = b[0];
	m[AT_FILT_TOK2] = b[1];
	m[AT_FILT_GAP1] = m[AT_FILT_GAP2] = 0;
	for (size_t o = 0; o <= AT_GAP_MAX; o++) {
		m[AT_FILT_GAP1] |= b[o];
		m[AT_FILT_GAP2] |= b[o + 1];
	}
	m[AT_FILT_NONE] = ~0ull;
}

/* Token i has a known word: merges its fixed run with the keyed run of the
 * next word by pos, which is the order of a plain bucket-then-wild scan. */
static attune_status match_known(const attune_scorer *s, at_doc *d, size_t i, size_t lim)
{
	const at_tok *t = &d->toks[i];
	uint32_t w = (uint32_t)t->word;
	int lead = (t->flags & TK_CLAUSE_LEAD) != 0;
	const at_mcand *a = s->mfixed + s->mfixed_off[w], *ae = s->mfixed + s->mfixed_off[w + 1];
	const at_mcand *b = NULL, *be = NULL;
	uint64_t m[AT_FILT_COUNT];
	int32_t nw = i + 1 < lim ? d->toks[i + 1].word : -1;
	if (nw >= 0 && (s->mkey_bits[w] & AT_WORD_BIT(nw)))
		keyed_run(s, w, (uint32_t)nw, &b, &be);
	if (a == ae && b == be)
		return ATTUNE_OK;
	next_words(d, i, lim, m);
	while (a < ae || b < be) {
		const at_mcand *c = b == be || (a < ae && a->pos < b->pos) ? a++ : b++;
		if ((c->anchored && !lead) || !(c->need & m[c->filt]))
			continue;
		attune_status st = try_pattern(s, d, c->pat, i, c->skip, lim);
		if (st != ATTUNE_OK)
			return st;
	}
	return ATTUNE_OK;
}

/* Token i has no known word: only wild patterns can start there. */
static attune_status match_unknown(const attune_scorer *s, at_doc *d, size_t i, size_t lim)
{
	const at_tok *t = &d->toks[i];
	unsigned b = t->norm_len ? (unsigned char)t->norm[0] : 256;
	int lead = (t->flags & TK_CLAUSE_LEAD) != 0;
	for (uint32_t k = s->munk_off[b]; k < s->munk_off[b + 1]; k++) {
		const at_mcand *c = &s->munk[k];
		const at_pattern *p = &s->pats[c->pat];
		if ((c->anchored && !lead) || !slot_match(s, &p->slots[0], t))
			continue;
		attune_status st = try_pattern(s, d, c->pat, i, 1, lim);
		if (st != ATTUNE_OK)
			return st;
	}
	return ATTUNE_OK;
}

/* Files a role never needs: the seeker's words feed risk (risk files, their
 * modifiers, figurative and reported speech) and the suggestions' seeker
 * words (tokens only); responder text feeds the analysis (analyze.c), which
 * reads no risk or figurative matches. */
#define FILE_BIT(f) (1u << (f))
static const uint32_t role_skips[] = {
    [AT_ROLE_ANY] = 0,
    [AT_ROLE_SEEKER] = FILE_BIT(F_ACK) | FILE_BIT(F_REFLECT) | FILE_BIT(F_CHECKIN) |
                       FILE_BIT(F_QUESTION) | FILE_BIT(F_SELF) | FILE_BIT(F_ADVICE) |
                       FILE_BIT(F_MINIMIZE) | FILE_BIT(F_JUDGE) | FILE_BIT(F_SECRECY) |
                       FILE_BIT(F_PERMISSION) | FILE_BIT(F_SAFETY),
    [AT_ROLE_RESPONDER] = FILE_BIT(F_FIGURATIVE) | FILE_BIT(F_RISK_MOD) |
                          FILE_BIT(F_RISK_SUICIDE) | FILE_BIT(F_RISK_SELFHARM) |
                          FILE_BIT(F_RISK_OTHERS) | FILE_BIT(F_RISK_ABUSE) |
                          FILE_BIT(F_RISK_MEDICAL),
};


/*
 * Runs every pattern over the doc. The reference order of tries at a token
 * is: the patterns whose first slot lists the token's word (s->bucket, by id),
 * then the wild patterns (first slot @class, prefix* or _; s->wild, by id);
 * matches are appended in that order, and later code depends on it.
 *
 * The index (lexicon.c build_match_index) keeps that order while skipping the
 * patterns that cannot start at the token: a known word has its own list of
 * wild patterns whose first slot takes it (decided once per word), and its
 * bucket is split into a fixed run (second slot is not a word list: always
 * tried) and a keyed run per next word (second slot lists that word: found in
 * a hash table of word pairs, tried from the third slot). The two runs are
 * merged back by pos. Before a try, a 64-bit summary of the next words must
 * share a bit with the words the pattern's next word-list slot takes (at_mcand
 * need/filt), which rejects most tries without touching the pattern. An
 * unknown word can only start prefix, @number and _ patterns, listed by the
 * token's first byte.
 *
 * Relies on: a token whose word is w has w's spelling as its normalized form
 * (prefix and @number first slots are decided per word at build time), and a
 * sentence's tokens are contiguous. tests/scorer/test_matcher.c compares this
 * with a plain scan.
 */
attune_status at_doc_match(const attune_scorer *s, at_doc *d, at_role role)
{
	size_t lim = 0; /* end of token i's sentence (sentences are contiguous) */
	d->skip_files = role_skips[role];
	for (size_t i = 0; i < d->n_toks; i++) {
		if (i >= lim)
			lim = d->sents[d->toks[i].sent].last;
		attune_status st =
		    d->toks[i].word >= 0 ? match_known(s, d, i, lim) : match_unknown(s, d, i, lim);
		if (st != ATTUNE_OK)
			return st;
	}
	/* Figurative speech and reported speech mark the tokens they cover/introduce. */
	for (size_t m = 0; m < d->n_matches; m++) {
		const at_match *mt = &d->matches[m];
		int f = s->pats[mt->pat].file;
		if (f == F_FIGURATIVE) {
			for (uint32_t t = mt->first; t < mt->last; t++)
				d->toks[t].flags |= TK_FIGURATIVE;
		} else if (f == F_REPORTED) {
			uint32_t clause = d->toks[mt->last - 1].clause;
			for (uint32_t t = mt->last; t < d->n_toks && d->toks[t].clause == clause;
			     t++)
				d->toks[t].flags |= TK_QUOTED;
		}
	}
	return ATTUNE_OK;
}

attune_status at_stemset_build(const attune_scorer *s, at_arena *ar, const at_doc *d,
                               at_stemset *set)
{
	size_t size = 16;
	while (size < d->n_toks * 2 + 2)
		size <<= 1;
	set->v = at_arena_calloc(ar, size, sizeof(*set->v));
	if (!set->v)
		return ATTUNE_E_NOMEM;
	set->mask = size - 1;
	set->n = 0;
	for (size_t i = 0; i < d->n_toks; i++) {
		const at_tok *t = &d->toks[i];
		if (!at_tok_is_content(s, t))
			continue;
		size_t j = t->stem & set->mask;
		while (set->v[j] && set->v[j] != t->stem)
			j = (j + 1) & set->mask;
		if (!set->v[j]) {
			set->v[j] = t->stem;
			set->n++;
		}
	}
	return ATTUNE_OK;
}

int at_stemset_has(const at_stemset *set, uint32_t h)
{
	if (!set->v)
		return 0;
	for (size_t j = h & set->mask; set->v[j]; j = (j + 1) & set->mask)
		if (set->v[j] == h)
			return 1;
	return 0;
}
