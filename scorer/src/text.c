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

/* Bytes that may carry a word on after a run of ASCII letters and digits:
 * an apostrophe, a hyphen, or any byte of a non-ASCII code point. */
#define JOIN16(b)                                                                                  \
	[(b) + 0] = 1, [(b) + 1] = 1, [(b) + 2] = 1, [(b) + 3] = 1, [(b) + 4] = 1, [(b) + 5] = 1,  \
	       [(b) + 6] = 1, [(b) + 7] = 1, [(b) + 8] = 1, [(b) + 9] = 1, [(b) + 10] = 1,         \
	       [(b) + 11] = 1, [(b) + 12] = 1, [(b) + 13] = 1, [(b) + 14] = 1, [(b) + 15] = 1
static const unsigned char may_join[256] = {
    ['\''] = 1,   ['-'] = 1,    JOIN16(0x80), JOIN16(0x90), JOIN16(0xA0),
    JOIN16(0xB0), JOIN16(0xC0), JOIN16(0xD0), JOIN16(0xE0), JOIN16(0xF0),
};
#undef JOIN16

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

/* A suffix stem_word() strips; n == 0 ends a list. */
typedef struct suffix {
	char s[7];
	uint8_t n;
} suffix;

/* stem_word()'s suffixes ("ingly", "ations", "ation", "ments", "ment", "ness",
 * "ings", "ing", "edly", "ied", "ies", "ed", "es", "ly", "ity", "ous", "s", "y",
 * "e", tried in that order) that end in byte c, in that order; NULL if none. */
static const suffix *suffixes_ending_in(char c)
{
	static const suffix end_s[] = {{"ations", 6}, {"ments", 5}, {"ness", 4},
	                               {"ings", 4},   {"ies", 3},   {"es", 2},
	                               {"ous", 3},    {"s", 1},     {"", 0}};
	static const suffix end_y[] = {{"ingly", 5}, {"edly", 4}, {"ly", 2},
	                               {"ity", 3},   {"y", 1},    {"", 0}};
	static const suffix end_n[] = {{"ation", 5}, {"", 0}}, end_t[] = {{"ment", 4}, {"", 0}};
	static const suffix end_g[] = {{"ing", 3}, {"", 0}}, end_e[] = {{"e", 1}, {"", 0}};
	static const suffix end_d[] = {{"ied", 3}, {"ed", 2}, {"", 0}};
	switch (c) {
	case 's':
		return end_s;
	case 'y':
		return end_y;
	case 'n':
		return end_n;
	case 't':
		return end_t;
	case 'g':
		return end_g;
	case 'd':
		return end_d;
	case 'e':
		return end_e;
	default:
		return NULL;
	}
}

/* The length of the first suffix that ends buf[0, k) (k >= 1) and leaves at
 * least 3 bytes, or 0. Only the suffixes with buf's last byte are compared. */
static size_t suffix_len(const char *buf, size_t k)
{
	const suffix *x = suffixes_ending_in(buf[k - 1]);
	for (; x && x->n; x++) {
		size_t sl = x->n, b = 1; /* the last byte is known to match */
		if (k < sl + 3)
			continue;
		while (b < sl && buf[k - 1 - b] == x->s[sl - 1 - b])
			b++;
		if (b == sl)
			return sl;
	}
	return 0;
}

/* The light stem of a normalized word w[0, n) whose at_hash() is h: hyphens
 * dropped, one common suffix and an "un"/"re" prefix cut, hashed with
 * at_hash() (h itself when nothing is cut). */
static void stem_word(const char *w, size_t n, uint32_t h, uint32_t *out)
{
	char copy[AT_MAX_WORD];
	const char *buf = w; /* the first AT_MAX_WORD bytes that are not '-' */
	size_t k = n < AT_MAX_WORD ? n : AT_MAX_WORD;
	if (memchr(w, '-', k)) { /* rare: most words are used as they are */
		k = 0;
		for (size_t i = 0; i < n && k < AT_MAX_WORD; i++)
			if (w[i] != '-')
				copy[k++] = w[i];
		buf = copy;
	}
	if (k >= 4)
		k -= suffix_len(buf, k);
	size_t off = 0;
	if (k >= 7 && ((buf[0] == 'u' && buf[1] == 'n') || (buf[0] == 'r' && buf[1] == 'e')))
		off = 2;
	*out = buf == w && k == n && off == 0 ? h : at_hash(buf + off, k - off);
}

/* Folds the word text[start, end) into dst: ASCII case folded, apostrophes
 * dropped, at most AT_MAX_WORD bytes (never half a code point). Returns the
 * bytes written. For the words that are not one run of ASCII letters and
 * digits. */
static size_t fold_word(const char *text, size_t start, size_t end, char *dst)
{
	size_t k = 0, i = start;
	while (i < end && k < AT_MAX_WORD) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x80) {
			i++;
			if (c == '\'')
				continue;
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			dst[k++] = (char)c;
			continue;
		}
		size_t adv;
		uint32_t cp = attune__utf8_decode(text + i, end - i, &adv);
		if (is_apostrophe(cp)) {
			i += adv;
			continue;
		}
		if (k + adv > AT_MAX_WORD)
			break;
		for (size_t b = 0; b < adv; b++)
			dst[k++] = text[i + b];
		i += adv;
	}
	return k;
}

/* Fills what token t takes from the vocabulary: its normalized form is
 * w[0, n) (already t->norm[0, t->norm_len)), h its at_hash() and v its
 * vocabulary slot (NULL: not a word). The slot holds what the token needs;
 * only a normalized spelling (an SMS form, a rare case) reads its target
 * word. */
static inline void tok_word(const attune_scorer *s, at_tok *t, const char *w, size_t n, uint32_t h,
                            const at_vslot *v)
{
	t->hash = h;
	if (!v) {
		t->word = -1;
		t->classes = 0;
		stem_word(w, n, h, &t->stem);
		return;
	}
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
			stem_word(w->s, w->len, w->hash, &w->stem);
		}
	}
}

/* The top bits of the bytes of x, eight bytes of the attune__ascii_fold()
 * copy, that are 0 or >= 0x80, i.e. that end a run of letters and digits
 * (0 is the padding after the text), exact up to the first of them (a
 * borrow can only mark bytes above a zero byte): (b - 1) & ~b has its top
 * bit set only for b == 0, b itself only for b >= 0x80. */
static inline uint64_t run_stops(uint64_t x)
{
	return (((x - AT_BYTES_LOW) & ~x) | x) & AT_BYTES_TOP;
}

/* The index of the first byte that z = run_stops(x) marks (z != 0). */
static inline size_t run_stop(uint64_t z)
{
	return (size_t)__builtin_ctzll(z) >> 3;
}

/* The bytes of x before the first one that z = run_stops(x) marks, the
 * rest zero (all of x when z is 0). */
static inline uint64_t run_bytes(uint64_t x, uint64_t z)
{
	return x & (((z & -z) >> 7) - 1);
}

/* The length of the run of ASCII letters and digits at low, in the
 * attune__ascii_fold() copy (zero-padded after the text, so it ends). */
static inline size_t run_len(const char *low)
{
	for (size_t n = 0;; n += 8) {
		uint64_t z = run_stops(at_load_le64(low + n));
		if (z)
			return n + run_stop(z);
	}
}

/* at_doc_init()'s state between code points. The counts live here, not in
 * the doc, while the scan runs: the normalized bytes are written through a
 * char pointer, which may alias anything the compiler cannot see is local. */
enum { OPEN_NONE = 0, OPEN_CLAUSE = 1, OPEN_SENT = 3 /* a sentence opens a clause too */ };
typedef struct scan {
	at_tok *toks;
	at_span *sents, *clauses;
	at_span *sent, *clause; /* the open ones: sents[n_sents - 1], clauses[n_clauses - 1] */
	at_tok *tok;            /* the next token: toks[n] after n tokens */
	size_t n_sents, n_clauses;
	uint32_t sent_no, clause_no; /* n_sents - 1, n_clauses - 1 once a token is in */
	char *nend;                  /* the end of the normalized bytes written */
	unsigned open;               /* what the next token starts (OPEN_*) */
	int dq, sq;                  /* inside double / single quotes */
	uint32_t quoted;             /* TK_QUOTED if dq or sq, else 0 */
	uint32_t since_neg;          /* tokens since the clause's latest negator, capped at 4 */
	int want_lead;               /* the clause has no TK_CLAUSE_LEAD token yet */
} scan;

/* The end of a word of text[0, len) whose bytes before `from` are known to
 * be in it: letters, digits and non-ASCII letters, joined by an apostrophe or
 * hyphen that has a word character after it; a pictograph (emoji) takes its
 * modifiers instead. */
static size_t word_end(const char *text, size_t len, size_t from, int emoji)
{
	size_t end = from;
	while (emoji && end < len) {
		size_t a2;
		uint32_t c2 = decode(text + end, len - end, &a2);
		if (!is_emoji_mod(c2))
			break;
		end += a2;
	}
	while (!emoji && end < len) {
		unsigned char b = (unsigned char)text[end];
		if (ascii_fold[b]) {
			end++; /* ASCII letter or digit */
			continue;
		}
		size_t a2, a3;
		uint32_t c2 = decode(text + end, len - end, &a2);
		if (is_word_cp(c2)) {
			end += a2;
			continue;
		}
		if ((is_apostrophe(c2) || c2 == '-') && end + a2 < len &&
		    is_word_cp(decode(text + end + a2, len - end - a2, &a3))) {
			end += a2;
			continue;
		}
		break;
	}
	return end;
}

/* Copies w[0, k) to dst eight bytes at a time: up to 7 bytes past k in
 * both are read and written. */
static inline void copy_run(char *dst, const char *w, size_t k)
{
	for (size_t j = 0; j < k; j += 8)
		memcpy(dst + j, w + j, 8);
}

/* The ASCII run text[start, end) folded into dst[0, *k) is followed by an
 * apostrophe, a hyphen or a non-ASCII byte: extends the word to its end and
 * its fold to match, and returns the end. ASCII runs joined by an ASCII
 * apostrophe or hyphen (the common "don't", "re-entering") are folded on
 * from where the scan stopped, as fold_word() would fold them; anything
 * else is found by word_end() and folded again from the start. */
static size_t fold_joined(const char *text, size_t len, size_t start, size_t end, char *dst,
                          size_t *k)
{
	const unsigned char *txt = (const unsigned char *)text;
	size_t kk = *k;
	while (end + 1 < len && (txt[end] == '\'' || txt[end] == '-') && ascii_fold[txt[end + 1]]) {
		if (txt[end] == '-' && kk < AT_MAX_WORD)
			dst[kk++] = '-';
		for (end++; end < len && ascii_fold[txt[end]]; end++)
			if (kk < AT_MAX_WORD)
				dst[kk++] = (char)ascii_fold[txt[end]];
	}
	if (end < len && may_join[txt[end]]) {
		end = word_end(text, len, end, 0);
		kk = fold_word(text, start, end, dst);
	}
	*k = kk;
	return end;
}

/* The open sentence ends before token sc->tok: its end is its last token's,
 * unless a terminator has set it (a span's end is 0 until set: a sentence's
 * first token ends after byte 0). */
static inline void close_sent(scan *sc)
{
	sc->sent->last = (uint32_t)(sc->tok - sc->toks);
	if (!sc->sent->end)
		sc->sent->end = sc->tok[-1].end;
}

/* The open clause ends before token sc->tok, with its last token. */
static inline void close_clause(scan *sc)
{
	sc->clause->last = (uint32_t)(sc->tok - sc->toks);
	sc->clause->end = sc->tok[-1].end;
}

/* Appends the token text[start, end), whose normalized form is w[0, k),
 * with its at_hash() h and vocabulary slot v (as in tok_word); opens the
 * sentence and clause it starts and sets its flags, clause lead and
 * negation included (a negator among the up to 3 tokens before it in its
 * clause). */
static inline void add_token(const attune_scorer *s, scan *sc, size_t start, size_t end,
                             const char *w, size_t k, uint32_t h, const at_vslot *v, int emoji)
{
	at_tok *t = sc->tok;
	t->start = (uint32_t)start;
	t->end = (uint32_t)end;
	t->norm = w;
	t->norm_len = (uint16_t)k;
	tok_word(s, t, w, k, h, v);
	unsigned cls = t->classes;
	uint32_t flags = (emoji ? TK_EMOJI : 0) | sc->quoted;
	if (sc->open == OPEN_SENT) {
		if (sc->n_sents)
			close_sent(sc);
		sc->sent_no = (uint32_t)sc->n_sents;
		sc->sent = &sc->sents[sc->n_sents++];
		*sc->sent = (at_span){(uint32_t)(t - sc->toks), 0, (uint32_t)start, 0, 0};
		flags |= TK_SENT_START;
	}
	if (sc->open || (cls & (1u << C_BREAK))) {
		if (sc->n_clauses)
			close_clause(sc);
		sc->clause_no = (uint32_t)sc->n_clauses;
		sc->clause = &sc->clauses[sc->n_clauses++];
		*sc->clause = (at_span){(uint32_t)(t - sc->toks), 0, (uint32_t)start, 0, 0};
		flags |= TK_CLAUSE_START;
		sc->since_neg = 4;
		sc->want_lead = 1;
	}
	if (sc->want_lead && !(cls & ((1u << C_FILLER) | (1u << C_BREAK))) && !emoji) {
		flags |= TK_CLAUSE_LEAD;
		sc->want_lead = 0;
	}
	if (sc->since_neg <= 3)
		flags |= TK_NEGATED;
	if (cls & (1u << C_NEGATOR))
		sc->since_neg = 1;
	else if (sc->since_neg < 4)
		sc->since_neg++;
	t->flags = flags;
	t->sent = sc->sent_no;
	t->clause = sc->clause_no;
	sc->tok = t + 1;
	sc->open = OPEN_NONE;
}

/* 1 if a token ends at byte i (what comes before i is a word). */
static inline int after_word(const scan *sc, size_t i)
{
	return sc->tok > sc->toks && sc->tok[-1].end == i;
}

/* 1 if text[i] is at the start or after white space. */
static inline int after_space(const unsigned char *txt, size_t i)
{
	return i == 0 || txt[i - 1] == ' ' || txt[i - 1] == '\t' || txt[i - 1] == '\r' ||
	       txt[i - 1] == '\n';
}

/* Code point cp (adv bytes at text[i]) is not part of a word: sentence ends,
 * clause breaks and quotes. What comes before it is looked at only when it
 * matters (a hyphen after white space opens a clause, a single quote after
 * a word closes), not tracked per token. */
static void punctuation(scan *sc, const unsigned char *txt, uint32_t cp, size_t i, size_t adv)
{
	if (cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == '\n' || cp == 0x203D) {
		if (sc->n_sents && sc->open != OPEN_SENT) {
			at_span *st = sc->sent;
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
		if (cp == '\n' || sc->n_sents)
			sc->open = OPEN_SENT;
		if (cp == '\n')
			sc->dq = sc->sq = 0;
	} else if (cp == ',' || cp == ';' || cp == ':' || cp == '(' || cp == ')' || cp == 0x2014 ||
	           cp == 0x2013 || cp == '/' || (cp == '-' && after_space(txt, i))) {
		sc->open |= OPEN_CLAUSE;
	} else if (cp == '"' || cp == 0x201C || cp == 0x201D || cp == 0xAB || cp == 0xBB) {
		if (cp == 0x201C || cp == 0xAB)
			sc->dq = 1;
		else if (cp == 0x201D || cp == 0xBB)
			sc->dq = 0;
		else
			sc->dq = !sc->dq;
		sc->open |= OPEN_CLAUSE;
	} else if (is_apostrophe(cp)) {
		/* a single quote that opens (after a non-word) or closes (after a word) */
		int word = after_word(sc, i);
		if (!word && !sc->sq)
			sc->sq = 1;
		else if (word && sc->sq)
			sc->sq = 0;
		sc->open |= OPEN_CLAUSE;
	}
	sc->quoted = sc->dq || sc->sq ? TK_QUOTED : 0;
}

/* The short word of ASCII runs joined by apostrophes and hyphens ("don't",
 * "i'm", "co-op") that starts at text[start], whose first run, of n (1..7)
 * bytes, is x (bytes past n zero) and is followed by an apostrophe or
 * hyphen: appends it as fold_joined() would fold it (apostrophes dropped,
 * hyphens kept), built in a register, and returns its end. Returns 0 (and
 * appends nothing) when its normalized form would take more than 7 bytes or
 * a non-ASCII byte joins on: the caller folds it the general way. low is
 * the text's attune__ascii_fold() copy. Not inlined: in at_doc_init() its
 * registers would crowd the scan's common path. */
__attribute__((noinline)) static size_t add_joined(const attune_scorer *s, scan *sc,
                                                   const char *text, size_t len, const char *low,
                                                   size_t start, size_t n, uint64_t x)
{
	const unsigned char *txt = (const unsigned char *)text;
	size_t k = n, end = start + n;
	for (;;) {
		/* txt[end] (end < len) ends a run and is no letter or digit */
		unsigned char c = txt[end];
		if (c != '\'' && c != '-')
			return 0;
		if (end + 1 == len || (signed char)low[end + 1] <= 0) {
			/* no letter or digit after the joiner: the word ends
			 * before it, unless a non-ASCII letter may follow */
			if (end + 1 < len && txt[end + 1] >= 0x80)
				return 0;
			break;
		}
		uint64_t y = at_load_le64(low + end + 1), z = run_stops(y);
		size_t m = z ? run_stop(z) : 8;
		if (k + (c == '-') + m > 7)
			return 0;
		if (c == '-')
			x |= (uint64_t)'-' << (8 * k++);
		x |= run_bytes(y, z) << (8 * k);
		k += m;
		end += 1 + m;
		if (end == len || !may_join[txt[end]])
			break;
	}
	uint32_t h = at_hash_end(at_hash_step(0, x));
	char *w = sc->nend;
	at_store_le64(w, x); /* the bytes and their zero padding */
	sc->nend += k;
	add_token(s, sc, start, end, w, k, h, at_vocab_probe7(s, x, h), 0);
	return end;
}

/* Appends the token text[start, end) whose normalized form w[0, k) is not
 * a short ASCII run (at_doc_init has those), with 8 readable bytes after
 * it: hashes and looks it up. */
static void add_folded(const attune_scorer *s, scan *sc, size_t start, size_t end, const char *w,
                       size_t k, int emoji)
{
	uint32_t h = at_hash_padded(w, k);
	add_token(s, sc, start, end, w, k, h, k ? at_vocab_probe(s, w, k, h) : NULL, emoji);
}

/* add_folded() of the normalized form just folded into the scan's
 * normalized bytes, nend[0, k), which it then keeps. */
static void add_normalized(const attune_scorer *s, scan *sc, size_t start, size_t end, size_t k,
                           int emoji)
{
	memset(sc->nend + k, 0, 8); /* read (masked) by the hash */
	add_folded(s, sc, start, end, sc->nend, k, emoji);
	sc->nend += k;
}

/*
 * Two passes over the text. attune__ascii_fold() first writes a copy of it
 * in which each ASCII letter or digit is folded to lower case, a space is
 * 0xC0 and any other byte 0x80 (SSE2, 16 bytes a step). The scan takes a
 * word that starts with an ASCII letter or digit from the copy eight bytes
 * at a time (run_stops finds the byte that ends its run): a run of up to 7
 * bytes that nothing joins on (the common word) is masked to its length,
 * hashed (one at_hash_step) and compared with the vocabulary in a
 * register, its norm points into the copy, and a space after it is taken
 * with it. Short runs joined by apostrophes and hyphens ("don't") are
 * built in a register too (add_joined). Other words are folded into the
 * normalized bytes at nend: fold_joined() carries an ASCII run on past an
 * apostrophe, hyphen or non-ASCII byte, fold_word() folds a word that
 * starts with a non-ASCII letter. Clause leads and negation are set as the
 * tokens are appended (add_token), not in a third pass.
 */
attune_status at_doc_init(const attune_scorer *s, at_arena *ar, at_doc *d, const char *text,
                          size_t len)
{
	memset(d, 0, sizeof(*d));
	d->ar = ar;
	d->text = text ? text : "";
	d->len = text ? len : 0;
	size_t cap = d->len / 2 + 2; /* words need a separator; pictographs take >= 3 bytes */
	/* one block: tokens, sentences, clauses, the folded copy with 16 zero
	 * bytes after it (a run's end, and room for 8-byte loads from any
	 * byte of the text), then the normalized bytes, with room for 8-byte
	 * stores and loads past them (copy_run, add_joined, at_hash_padded) */
	size_t spans = 2 * cap * sizeof(at_span);
	d->toks = at_arena_alloc(ar, cap * sizeof(at_tok) + spans + 2 * (d->len + 16));
	if (!d->toks)
		return ATTUNE_E_NOMEM;
	d->sents = (at_span *)(d->toks + cap);
	d->clauses = d->sents + cap;
	char *low = (char *)(d->clauses + cap);
	d->norm = low + d->len + 16;
	text = d->text;
	len = d->len;
	attune__ascii_fold(text, len, low);
	memset(low + len, 0, 16);
	scan sc = {.toks = d->toks,
	           .tok = d->toks,
	           .sents = d->sents,
	           .clauses = d->clauses,
	           .nend = d->norm,
	           .open = OPEN_SENT,
	           .since_neg = 4};
	const unsigned char *txt = (const unsigned char *)text;
	size_t i = 0;
	for (;;) {
		/* i <= len: low[len] is 0, so a word start is inside the text */
		if ((signed char)low[i] > 0) {
			/* an ASCII letter or digit: the run of them is w[0, n),
			 * ended by the byte w[n] (0xC0: a space, 0x80: another
			 * byte, 0: the text's end) */
			const char *w = low + i;
			uint64_t x = at_load_le64(w);
			uint64_t z = run_stops(x);
			size_t n, end;
			if (z) {
				n = run_stop(z);
				end = i + n;
				unsigned char b = (unsigned char)w[n];
				if (b != 0x80 || !may_join[txt[end]]) {
					/* up to 7 bytes and nothing joins on:
					 * hashed and looked up in a register */
					x = run_bytes(x, z); /* bytes 0 .. n - 1 */
					uint32_t h = at_hash_end(at_hash_step(0, x));
					add_token(s, &sc, i, end, w, n, h, at_vocab_probe7(s, x, h),
					          0);
					i = end + (b >> 6 & 1); /* and the space after it */
					continue;
				}
				size_t jend = add_joined(s, &sc, text, len, low, i, n,
				                         run_bytes(x, z));
				if (jend) {
					i = jend;
					continue;
				}
			} else {
				n = run_len(w);
				end = i + n;
			}
			size_t k = n < AT_MAX_WORD ? n : AT_MAX_WORD;
			if (end < len && may_join[txt[end]]) {
				/* an apostrophe, hyphen or non-ASCII byte
				 * follows: folded again into nend, joined on */
				copy_run(sc.nend, w, k);
				end = fold_joined(text, len, i, end, sc.nend, &k);
				add_normalized(s, &sc, i, end, k, 0);
			} else {
				add_folded(s, &sc, i, end, w, k, 0);
			}
			i = end;
			continue;
		}
		if (i >= len)
			break;
		unsigned char c0 = txt[i];
		if (c0 == ' ') { /* the commonest byte between words: nothing to do */
			i++;
			continue;
		}
		size_t adv;
		uint32_t cp = decode(text + i, len - i, &adv);
		int emoji = is_emoji(cp) && !is_emoji_mod(cp);
		if (cp >= 0x80 && (emoji || is_word_cp(cp))) {
			size_t end = word_end(text, len, i + adv, emoji);
			size_t k = fold_word(text, i, end, sc.nend);
			add_normalized(s, &sc, i, end, k, emoji);
			i = end;
			continue;
		}
		punctuation(&sc, txt, cp, i, adv);
		i += adv;
	}
	if (sc.n_sents)
		close_sent(&sc);
	if (sc.n_clauses)
		close_clause(&sc);
	d->n_toks = (size_t)(sc.tok - sc.toks);
	d->n_sents = sc.n_sents;
	d->n_clauses = sc.n_clauses;
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
		/* a word whose bit is not in the slot's summary is none of its
		 * alternatives: most tokens that fail stop here, without the scan */
		if (t->word < 0 || !(sl->words & AT_WORD_BIT(t->word)))
			return 0;
		for (unsigned k = 0; k < sl->n; k++)
			if (s->alts[sl->off + k] == (uint32_t)t->word)
				return 1;
		return 0;
	}
	return 0;
}

/* Matches slots k.. of p up to its next ".." gap (or its end) with tokens
 * j.. of the sentence that ends at lim: advances *k and *j past them, or
 * returns 0 when one does not match. */
static inline int match_plain(const attune_scorer *s, const at_doc *d, const at_pattern *p,
                              unsigned *k, size_t *j, size_t lim)
{
	for (; *k < p->nslots && p->slots[*k].type != SL_GAP; ++*k, ++*j)
		if (*j >= lim || !slot_match(s, &p->slots[*k], &d->toks[*j]))
			return 0;
	return 1;
}

/* Returns the token index one past the match, or -1. Tokens [j, lim) are
 * the rest of the sentence (a sentence's tokens are contiguous); only ".."
 * gaps recurse, at most AT_GAP_MAX + 1 ways each. */
static long match_from(const attune_scorer *s, const at_doc *d, const at_pattern *p, unsigned k,
                       size_t j, size_t lim)
{
	if (!match_plain(s, d, p, &k, &j, lim))
		return -1;
	if (k == p->nslots)
		return (long)j;
	/* slot k is a gap */
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

/* Matches pattern pi at token i whose first `skip` slots are known to take
 * tokens i .. i + skip - 1, and appends the match. lim: end of i's sentence. */
static inline attune_status try_pattern(const attune_scorer *s, at_doc *d, uint32_t pi, size_t i,
                                        unsigned skip, size_t lim)
{
	/* the slots before the first ".." here, without a call: a pattern
	 * that has no gap never enters match_from() */
	const at_pattern *p = &s->pats[pi];
	size_t j = i + skip;
	if (!match_plain(s, d, p, &skip, &j, lim))
		return ATTUNE_OK;
	long end = skip == p->nslots ? (long)j : match_from(s, d, p, skip, j, lim);
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
	d->match_files |= 1u << p->file;
	return ATTUNE_OK;
}

/* The keyed candidates of word w whose second slot takes word nw: one run of
 * mkeyed (by pos), or none. */
static void keyed_run(const at_mindex *x, uint32_t w, uint32_t nw, const at_mcand **b,
                      const at_mcand **be)
{
	for (size_t k = at_pair_hash(w, nw) & x->mpairs_mask;; k = (k + 1) & x->mpairs_mask) {
		const at_mpair *e = &x->mpairs[k];
		if (e->w == w && e->nw == nw) {
			*b = x->mkeyed + e->first;
			*be = x->mkeyed + e->end;
			return;
		}
		if (e->w == AT_MPAIR_EMPTY)
			return;
	}
}

/* The word summaries the candidates' prefilters test (AT_FILT_*) for token i:
 * tokens past the sentence end (lim) add no bit. Only called for a token
 * with candidates. An unknown word (-1) sets bit 63 like the words whose id
 * is 63 mod 64: a prefilter may then let a pattern through that cannot
 * match (match_from() rejects it), never reject one that can, so the
 * sign test is left out. */
static inline void next_words(const at_doc *d, size_t i, size_t lim, uint64_t m[AT_FILT_COUNT])
{
	_Static_assert(AT_GAP_MAX == 3, "the gap summaries below cover AT_GAP_MAX + 1 tokens");
	const at_tok *t = d->toks + i;
	size_t left = lim - i; /* tokens i .. lim - 1 are in the sentence */
	/* b<o>: the bit of token i + o; the common case has all five */
	uint64_t b1, b2, b3, b4, b5;
	if (left > 5) {
		b1 = AT_WORD_BIT(t[1].word);
		b2 = AT_WORD_BIT(t[2].word);
		b3 = AT_WORD_BIT(t[3].word);
		b4 = AT_WORD_BIT(t[4].word);
		b5 = AT_WORD_BIT(t[5].word);
	} else {
		b1 = left > 1 ? AT_WORD_BIT(t[1].word) : 0;
		b2 = left > 2 ? AT_WORD_BIT(t[2].word) : 0;
		b3 = left > 3 ? AT_WORD_BIT(t[3].word) : 0;
		b4 = left > 4 ? AT_WORD_BIT(t[4].word) : 0;
		b5 = 0;
	}
	m[AT_FILT_TOK1] = b1;
	m[AT_FILT_TOK2] = b2;
	m[AT_FILT_GAP1] = b1 | b2 | b3 | b4;
	m[AT_FILT_GAP2] = b2 | b3 | b4 | b5;
	m[AT_FILT_NONE] = ~0ull;
}

/* The first of tokens [i, lim) (a sentence's) at which a pattern of the
 * index may start: an unknown word, or a known word w followed by word nw
 * (-1: unknown or past the sentence end) whose summary bit is in
 * mstart[w], i.e. w has fixed candidates or a keyed run whose key has nw's
 * bit; lim if none. About half the tokens of a reply have nothing to try:
 * they are passed over here, in a loop of their own. An nw of -1 has bit 63
 * and is let through when a key has it; the sign test is left to
 * match_known(), which then finds no keyed run. */
static inline size_t next_start(const uint64_t *mstart, const at_tok *toks, size_t i, size_t lim)
{
	for (; i < lim; i++) {
		int32_t w = toks[i].word, nw = i + 1 < lim ? toks[i + 1].word : -1;
		if (w < 0 || (mstart[w] & AT_WORD_BIT(nw)))
			break;
	}
	return i;
}

/* Token i has the known word w, followed by word nw (-1: unknown or past
 * the sentence end): merges w's fixed run with the keyed run of nw by pos,
 * which is the order of a plain bucket-then-wild scan. */
static attune_status match_known(const attune_scorer *s, const at_mindex *x, at_doc *d, size_t i,
                                 size_t lim, uint32_t w, int32_t nw)
{
	const at_mword *mw = &x->mword[w];
	const at_mcand *a = x->mfixed + mw->fixed, *ae = x->mfixed + mw->fixed_end;
	const at_mcand *b = NULL, *be = NULL;
	uint64_t m[AT_FILT_COUNT];
	if (nw >= 0 && (mw->key_bits & AT_WORD_BIT(nw)))
		keyed_run(x, w, (uint32_t)nw, &b, &be);
	if (a == ae && b == be)
		return ATTUNE_OK;
	int lead = (d->toks[i].flags & TK_CLAUSE_LEAD) != 0;
	next_words(d, i, lim, m);
	while (a < ae || b < be) {
		const at_mcand *c = b == be || (a < ae && a->pos < b->pos) ? a++ : b++;
		if (!(c->need & m[c->filt]) || (c->anchored && !lead))
			continue;
		attune_status st = try_pattern(s, d, c->pat, i, c->skip, lim);
		if (st != ATTUNE_OK)
			return st;
	}
	return ATTUNE_OK;
}

/* Token i has no known word: only wild patterns can start there. */
static attune_status match_unknown(const attune_scorer *s, const at_mindex *x, at_doc *d, size_t i,
                                   size_t lim)
{
	const at_tok *t = &d->toks[i];
	unsigned b = t->norm_len ? (unsigned char)t->norm[0] : 256;
	int lead = (t->flags & TK_CLAUSE_LEAD) != 0;
	for (uint32_t k = x->munk_off[b]; k < x->munk_off[b + 1]; k++) {
		const at_mcand *c = &x->munk[k];
		const at_pattern *p = &s->pats[c->pat];
		if ((c->anchored && !lead) || !slot_match(s, &p->slots[0], t))
			continue;
		attune_status st = try_pattern(s, d, c->pat, i, 1, lim);
		if (st != ATTUNE_OK)
			return st;
	}
	return ATTUNE_OK;
}

/*
 * Runs the role's patterns over the doc (those of the files at_role_skips()
 * leaves to the role). The reference order of tries at a token is: the
 * patterns whose first slot lists the token's word (s->bucket, by id), then
 * the wild patterns (first slot @class, prefix* or _; s->wild, by id);
 * matches are appended in that order, and later code depends on it.
 *
 * The role's index (lexicon.c build_match_index) holds only the role's
 * patterns, in that order, and skips the patterns that cannot start at the
 * token: a known word has its own list of wild patterns whose first slot
 * takes it (decided once per word), and its bucket is split into a fixed run
 * (second slot is not a word list: always tried) and a keyed run per next
 * word (second slot lists that word: found in a hash table of word pairs,
 * tried from the third slot). The two runs are merged back by pos. Before a
 * try, a 64-bit summary of the next words must share a bit with the words
 * the pattern's next word-list slot takes (at_mcand need/filt), which rejects
 * most tries without touching the pattern. An unknown word can only start
 * prefix, @number and _ patterns, listed by the token's first byte.
 *
 * Relies on: a token whose word is w has w's spelling as its normalized form
 * (prefix and @number first slots are decided per word at build time), and a
 * sentence's tokens are contiguous. tests/scorer/test_matcher.c compares this
 * with a plain scan.
 */
attune_status at_doc_match(const attune_scorer *s, at_doc *d, at_role role)
{
	const at_tok *toks = d->toks; /* matching adds matches, never tokens */
	const at_mindex *x = &s->midx[role];
	size_t n = d->n_toks;
	for (size_t i = 0; i < n;) {
		size_t lim = d->sents[toks[i].sent].last; /* sentences are contiguous */
		while ((i = next_start(x->mstart, toks, i, lim)) < lim) {
			int32_t w = toks[i].word, nw = i + 1 < lim ? toks[i + 1].word : -1;
			attune_status st = w < 0 ? match_unknown(s, x, d, i, lim)
			                         : match_known(s, x, d, i, lim, (uint32_t)w, nw);
			if (st != ATTUNE_OK)
				return st;
			i++;
		}
	}
	/* Figurative speech and reported speech mark the tokens they cover/introduce. */
	if (!(d->match_files & ((1u << F_FIGURATIVE) | (1u << F_REPORTED))))
		return ATTUNE_OK;
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

attune_status at_stemset_build(at_arena *ar, const at_doc *d, at_stemset *set)
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
		if (!at_tok_is_content(t))
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
