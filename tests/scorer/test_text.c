/*
 * test_text.c - the tokenizer (at_doc_init): folded and joined words, the
 * AT_MAX_WORD cut, sentence and clause spans, the flags set while scanning
 * (clause lead, negation, quotes) against a plain two-pass reference, light
 * stems of unknown words, the short-word compare of the vocabulary probe,
 * words at every position against a byte-at-a-time reference tokenizer
 * (the scan reads a folded copy 8 bytes at a time), and the word hash.
 */
#include "attune/scorer.h"
#include "internal.h"
#include "runner.h"

#include <stdlib.h>
#include <string.h>

static attune_scorer *S;

/* The doc of a NUL-terminated text, in ar. */
static int doc_of(at_arena *ar, at_doc *d, const char *text)
{
	return at_doc_init(S, ar, d, text, strlen(text)) == ATTUNE_OK;
}

static int norm_is(const at_tok *tk, const char *want)
{
	return tk->norm_len == strlen(want) && memcmp(tk->norm, want, tk->norm_len) == 0;
}

/* at_same_bytes() reads w[0, n) only and tells every one-byte difference. */
TEST(same_bytes)
{
	char a[32], b[32];
	size_t bad = 0;
	for (size_t n = 0; n <= 24; n++) {
		for (size_t i = 0; i < n; i++)
			a[i] = b[i] = (char)('a' + (i * 7) % 26);
		a[n] = 'x'; /* bytes past n differ: they must not be read */
		b[n] = 'y';
		bad += !at_same_bytes(a, b, n);
		for (size_t i = 0; i < n; i++) {
			b[i] ^= 0x20;
			bad += at_same_bytes(a, b, n);
			b[i] ^= 0x20;
		}
	}
	CHECK(bad == 0);
}

/* ASCII words are folded as scanned; an apostrophe or hyphen between ASCII
 * runs joins them; curly apostrophes and non-ASCII letters take the general
 * path; a trailing hyphen ends the word. */
TEST(folded_and_joined)
{
	static const char text[] =
	    "Don't re-enter the ROOM!! I\xe2\x80\x99m l'\xc3\xa9t\xc3\xa9 fine-";
	static const char *const want[] = {"dont", "re-enter",           "the", "room",
	                                   "im",   "l\xc3\xa9t\xc3\xa9", "fine"};
	at_arena ar;
	at_doc d;
	at_arena_init(&ar, 0);
	CHECK(doc_of(&ar, &d, text));
	CHECK(d.n_toks == sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < d.n_toks && i < sizeof(want) / sizeof(want[0]); i++) {
		const at_tok *tk = &d.toks[i];
		CHECK(norm_is(tk, want[i]));
		CHECK(tk->hash == at_hash(tk->norm, tk->norm_len));
		/* a known spelling carries its word (the probe finds it) */
		int32_t id = at_lookup(S, tk->norm, tk->norm_len);
		CHECK(tk->word ==
		      (id >= 0 ? (S->words[id].norm_to >= 0 ? S->words[id].norm_to : id) : -1));
	}
	if (d.n_toks == 7) {
		CHECK(d.toks[0].start == 0 && d.toks[0].end == 5);
		CHECK(d.toks[1].start == 6 && d.toks[1].end == 14);
		CHECK(d.toks[6].end == strlen(text) - 1); /* the hyphen is not part of it */
		CHECK(d.n_sents == 2);
		CHECK(d.sents[0].last == 4 && d.sents[0].term == '!');
		CHECK(d.sents[0].end == 24); /* just past the first '!' */
		CHECK(d.sents[1].first == 4 && d.sents[1].end == d.toks[6].end);
	}
	at_arena_free(&ar);
}

/* Words longer than AT_MAX_WORD keep their first AT_MAX_WORD bytes and
 * span all their bytes, joined parts included. */
TEST(long_words)
{
	char text[200], want[AT_MAX_WORD];
	size_t n = 0;
	for (; n < 60; n++)
		text[n] = (char)('A' + n % 26);
	memcpy(text + n, "'s-end x", 9);
	for (size_t i = 0; i < AT_MAX_WORD; i++)
		want[i] = (char)('a' + i % 26);
	at_arena ar;
	at_doc d;
	at_arena_init(&ar, 0);
	CHECK(doc_of(&ar, &d, text));
	CHECK(d.n_toks == 2);
	CHECK(d.toks[0].norm_len == AT_MAX_WORD);
	CHECK(memcmp(d.toks[0].norm, want, AT_MAX_WORD) == 0);
	CHECK(d.toks[0].end == 66); /* "...'s-end" */
	CHECK(d.toks[0].hash == at_hash(want, AT_MAX_WORD));
	CHECK(norm_is(&d.toks[1], "x"));
	/* a hyphen right at the cut is not kept either */
	memcpy(text, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv-wx", 52);
	CHECK(at_doc_init(S, &ar, &d, text, 51) == ATTUNE_OK);
	CHECK(d.n_toks == 1 && d.toks[0].norm_len == AT_MAX_WORD && d.toks[0].end == 51);
	CHECK(d.toks[0].norm[AT_MAX_WORD - 1] == 'v');
	at_arena_free(&ar);
}

/* Light stems of words the vocabulary does not know. */
TEST(unknown_stems)
{
	static const struct {
		const char *word, *stem;
	} cases[] = {
	    {"blorpings", "blorp"},    {"zzqations", "zzq"}, {"unblorpness", "blorp"},
	    {"fl-urbs", "flurb"},      {"qwzly", "qwz"},     {"reqwzzing", "reqwzz"},
	    {"zzqs", "zzq"},           {"qxy", "qxy"},       {"vexqied", "vexq"},
	    {"rebloopingly", "bloop"},
	};
	at_arena ar;
	at_arena_init(&ar, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		at_doc d;
		CHECK(doc_of(&ar, &d, cases[i].word));
		CHECK(d.n_toks == 1);
		if (d.n_toks != 1)
			continue;
		CHECK(d.toks[0].word == -1);
		if (d.toks[0].stem != at_hash(cases[i].stem, strlen(cases[i].stem)))
			fprintf(stderr, "stem of %s is not %s\n", cases[i].word, cases[i].stem);
		CHECK(d.toks[0].stem == at_hash(cases[i].stem, strlen(cases[i].stem)));
	}
	at_arena_free(&ar);
}

/* The flags of the two-pass definition: a clause's lead is its first token
 * that is not a filler, a clause break or an emoji; a token is negated when
 * a negator is among the up to 3 tokens before it in its clause. */
static uint32_t ref_flags(const at_doc *d, size_t i)
{
	const at_tok *tk = &d->toks[i];
	const at_span *cl = &d->clauses[tk->clause];
	uint32_t f = 0;
	for (uint32_t j = cl->first; j < cl->last; j++) {
		const at_tok *u = &d->toks[j];
		if (!(u->classes & ((1u << C_FILLER) | (1u << C_BREAK))) &&
		    !(u->flags & TK_EMOJI)) {
			if (j == i)
				f |= TK_CLAUSE_LEAD;
			break;
		}
	}
	for (size_t j = i > cl->first + 3 ? i - 3 : cl->first; j < i; j++)
		if (d->toks[j].classes & (1u << C_NEGATOR))
			f |= TK_NEGATED;
	return f;
}

/* Spans cover the tokens in order; flags match the reference. */
static int doc_consistent(const at_doc *d)
{
	int ok = 1;
	uint32_t next_s = 0, next_c = 0;
	for (size_t k = 0; k < d->n_sents; k++) {
		const at_span *sp = &d->sents[k];
		ok &= sp->first == next_s && sp->last > sp->first;
		ok &= sp->start == d->toks[sp->first].start && sp->end >= d->toks[sp->last - 1].end;
		next_s = sp->last;
	}
	for (size_t k = 0; k < d->n_clauses; k++) {
		const at_span *sp = &d->clauses[k];
		ok &= sp->first == next_c && sp->last > sp->first;
		ok &= sp->start == d->toks[sp->first].start && sp->end == d->toks[sp->last - 1].end;
		next_c = sp->last;
	}
	ok &= next_s == d->n_toks && next_c == d->n_toks;
	for (size_t i = 0; ok && i < d->n_toks; i++) {
		const at_tok *tk = &d->toks[i];
		const uint32_t mask = TK_CLAUSE_LEAD | TK_NEGATED;
		ok &= (tk->flags & mask) == ref_flags(d, i);
		ok &= !(tk->flags & TK_SENT_START) == (d->sents[tk->sent].first != i);
		ok &= !(tk->flags & TK_CLAUSE_START) == (d->clauses[tk->clause].first != i);
	}
	return ok;
}

TEST(spans_and_flags)
{
	CHECK(at_lookup(S, "not", 3) >= 0 &&
	      (S->words[at_lookup(S, "not", 3)].classes & (1u << C_NEGATOR)));
	at_arena ar;
	at_doc d;
	at_arena_init(&ar, 0);
	CHECK(doc_of(&ar, &d, "Well, I am not very happy at all. He said \"go\" now?\nok"));
	CHECK(doc_consistent(&d));
	CHECK(d.n_sents == 3 && d.sents[0].term == '.' && d.sents[1].term == '?');
	CHECK(d.sents[2].term == 0);
	/* "not" negates "very happy at" (3 tokens), not "all" */
	for (size_t i = 0; i < d.n_toks; i++) {
		int negated = i >= 4 && i <= 6;
		CHECK(!(d.toks[i].flags & TK_NEGATED) == !negated);
	}
	CHECK(d.toks[1].flags & TK_CLAUSE_LEAD); /* "I": "well" ends its own clause */
	CHECK(norm_is(&d.toks[10], "go") && (d.toks[10].flags & TK_QUOTED));
	CHECK(!(d.toks[11].flags & TK_QUOTED));

	/* random texts of vocabulary words and separators */
	static const char *const sep[] = {" ",
	                                  " ",
	                                  " ",
	                                  ", ",
	                                  ". ",
	                                  "? ",
	                                  "! ",
	                                  " \"",
	                                  "\" ",
	                                  " '",
	                                  "' ",
	                                  "\n",
	                                  " - ",
	                                  "; ",
	                                  "...",
	                                  " \xe2\x80\x94 ",
	                                  " \xf0\x9f\x98\xa2 ",
	                                  "-",
	                                  "'"};
	char text[2048];
	size_t bad = 0;
	srand(7);
	for (int n = 0; n < 2000; n++) {
		size_t len = 0;
		int words = 1 + rand() % 40;
		for (int w = 0; w < words; w++) {
			const at_word *aw = &S->words[(size_t)rand() % S->n_words];
			const char *sp = sep[(size_t)rand() % (sizeof(sep) / sizeof(sep[0]))];
			if (len + aw->len + strlen(sp) + 1 >= sizeof(text))
				break;
			memcpy(text + len, aw->s, aw->len);
			len += aw->len;
			memcpy(text + len, sp, strlen(sp));
			len += strlen(sp);
		}
		at_arena_mark m = at_arena_save(&ar);
		if (at_doc_init(S, &ar, &d, text, len) != ATTUNE_OK || !doc_consistent(&d))
			bad++;
		at_arena_release(&ar, m);
	}
	CHECK(bad == 0);
	at_arena_free(&ar);
}

/* A word folds the same wherever it stands: in the middle of the text (a
 * byte of the text ends its run) and as the text's last bytes (the folded
 * copy's zero padding ends it), for every length around AT_MAX_WORD and
 * across 8-byte loads, joined by an apostrophe or not. */
TEST(mid_and_tail_runs)
{
	char word[80], text[128];
	size_t bad = 0;
	at_arena ar;
	at_arena_init(&ar, 0);
	for (size_t n = 1; n <= 70; n++) {
		for (size_t i = 0; i < n; i++) /* mixed case, digits now and then */
			word[i] = i % 7 == 6 ? (char)('0' + i % 10)
			                     : (char)((i % 3 ? 'a' : 'A') + (i * 5) % 26);
		for (int joined = 0; joined < 2; joined++) {
			size_t wn = n;
			if (joined) { /* "<word>'s": joined on from the run */
				memcpy(word + n, "'s", 2);
				wn = n + 2;
			}
			at_doc mid, tail, alone;
			/* "x <word> y", "x <word>" and "<word>" */
			memcpy(text, "x ", 2);
			memcpy(text + 2, word, wn);
			memcpy(text + 2 + wn, " y", 2);
			at_arena_mark m = at_arena_save(&ar);
			if (at_doc_init(S, &ar, &mid, text, wn + 4) != ATTUNE_OK ||
			    at_doc_init(S, &ar, &tail, text, wn + 2) != ATTUNE_OK ||
			    at_doc_init(S, &ar, &alone, text + 2, wn) != ATTUNE_OK ||
			    mid.n_toks != 3 || tail.n_toks != 2 || alone.n_toks != 1) {
				bad++;
				at_arena_release(&ar, m);
				continue;
			}
			const at_tok *a = &mid.toks[1], *b = &tail.toks[1], *c = &alone.toks[0];
			size_t keep = joined ? n + 1 : n; /* the apostrophe is dropped */
			if (keep > AT_MAX_WORD)
				keep = AT_MAX_WORD;
			bad += a->norm_len != keep || a->end - a->start != wn;
			bad += b->norm_len != a->norm_len || c->norm_len != a->norm_len;
			bad += memcmp(a->norm, b->norm, a->norm_len) != 0 ||
			       memcmp(a->norm, c->norm, a->norm_len) != 0;
			bad += a->hash != b->hash || a->hash != c->hash || a->stem != b->stem ||
			       a->stem != c->stem || b->end != a->end || c->end != wn;
			if (a->word < 0) /* an unknown word keeps its folded bytes */
				bad += a->hash != at_hash(a->norm, a->norm_len);
			at_arena_release(&ar, m);
		}
	}
	CHECK(bad == 0);
	at_arena_free(&ar);
}

/* 1 if tokens a and b are the same token (of texts that share its bytes). */
static int same_tok(const at_tok *a, const at_tok *b)
{
	return a->start == b->start && a->end == b->end && a->norm_len == b->norm_len &&
	       memcmp(a->norm, b->norm, a->norm_len) == 0 && a->hash == b->hash &&
	       a->stem == b->stem && a->word == b->word && a->classes == b->classes &&
	       a->flags == b->flags && a->sent == b->sent && a->clause == b->clause;
}

/* The text's last word, whose run the folded copy's zero padding ends (no
 * byte of the text), is the token it is when something follows it: after a
 * space, punctuation, an emoji, a joining apostrophe or hyphen, a non-ASCII
 * letter, or alone. */
TEST(last_word)
{
	static const char *const before[] = {"",
	                                     "ok ",
	                                     "ok,",
	                                     "ok.",
	                                     "ok\n",
	                                     "ok \"",
	                                     "ok '",
	                                     "l'",
	                                     "ok-",
	                                     "ok - ",
	                                     "caf\xc3\xa9",
	                                     "ok \xe2\x80\x94",
	                                     "ok\xf0\x9f\x98\xa2",
	                                     "ok \xe2\x80\x99",
	                                     "not ",
	                                     "I"};
	static const char *const words[] = {
	    "a",  "abc",     "Feel",
	    "x9", "anxious", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"};
	char text[160];
	size_t bad = 0;
	at_arena ar;
	at_arena_init(&ar, 0);
	for (size_t b = 0; b < sizeof(before) / sizeof(before[0]); b++) {
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			size_t n = strlen(before[b]), wn = strlen(words[w]);
			memcpy(text, before[b], n);
			memcpy(text + n, words[w], wn);
			memcpy(text + n + wn, " z.", 3);
			at_doc last, more;
			at_arena_mark m = at_arena_save(&ar);
			if (at_doc_init(S, &ar, &last, text, n + wn) != ATTUNE_OK ||
			    at_doc_init(S, &ar, &more, text, n + wn + 3) != ATTUNE_OK ||
			    last.n_toks == 0 || more.n_toks != last.n_toks + 1) {
				bad++;
				at_arena_release(&ar, m);
				continue;
			}
			for (size_t i = 0; i < last.n_toks; i++)
				bad += !same_tok(&last.toks[i], &more.toks[i]);
			bad += last.toks[last.n_toks - 1].end != n + wn;
			at_arena_release(&ar, m);
		}
	}
	CHECK(bad == 0);
	at_arena_free(&ar);
}

/* The space after a word is taken with the word (the scan's common case):
 * what follows still sees it, as a hyphen that opens a clause only after
 * white space, and a single quote that opens only after a non-word. */
TEST(space_after_word)
{
	at_arena ar;
	at_doc d;
	at_arena_init(&ar, 0);
	CHECK(doc_of(&ar, &d, "fine - ok"));
	CHECK(d.n_toks == 2 && d.n_clauses == 2);
	CHECK(doc_of(&ar, &d, "fine -ok"));
	CHECK(d.n_toks == 2 && d.n_clauses == 2);
	CHECK(doc_of(&ar, &d, "fine- ok"));
	CHECK(d.n_toks == 2 && d.n_clauses == 1);
	/* white space is told by the byte before the hyphen, not tracked */
	CHECK(doc_of(&ar, &d, "fine\t-ok"));
	CHECK(d.n_toks == 2 && d.n_clauses == 2);
	CHECK(doc_of(&ar, &d, "fine\r\n-ok"));
	CHECK(d.n_toks == 2 && d.n_clauses == 2);
	CHECK(doc_of(&ar, &d, "-ok fine"));
	CHECK(d.n_toks == 2 && d.n_clauses == 1 && d.toks[0].start == 1);
	CHECK(doc_of(&ar, &d, "fine, -ok"));
	CHECK(d.n_toks == 2 && d.n_clauses == 2);
	/* a single quote right after a word (an emoji is one) closes */
	CHECK(doc_of(&ar, &d, "he said 'go \xf0\x9f\x98\xa2' now"));
	CHECK(d.n_toks == 5 && (d.toks[3].flags & TK_QUOTED) && !(d.toks[4].flags & TK_QUOTED));
	CHECK(doc_of(&ar, &d, "he said 'go \xf0\x9f\x98\xa2 ' now"));
	CHECK(d.n_toks == 5 && (d.toks[4].flags & TK_QUOTED));
	CHECK(doc_of(&ar, &d, "he said 'go' now"));
	CHECK(d.n_toks == 4 && (d.toks[2].flags & TK_QUOTED) && !(d.toks[3].flags & TK_QUOTED));
	CHECK(!(d.toks[1].flags & TK_QUOTED));
	CHECK(doc_of(&ar, &d, "he said  'go' now")); /* two spaces: the loop takes the second */
	CHECK(d.n_toks == 4 && (d.toks[2].flags & TK_QUOTED) && !(d.toks[3].flags & TK_QUOTED));
	at_arena_free(&ar);
}

/* A word of the plain reference tokenizer below. */
typedef struct ref_word {
	size_t start, end;
	char norm[AT_MAX_WORD];
	size_t n;
} ref_word;

static int ref_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Bytes of a joiner at t[i] (an ASCII apostrophe or hyphen, or U+2019),
 * or 0. */
static size_t ref_joiner(const unsigned char *t, size_t len, size_t i)
{
	if (t[i] == '\'' || t[i] == '-')
		return 1;
	if (i + 2 < len && t[i] == 0xE2 && t[i + 1] == 0x80 && t[i + 2] == 0x99)
		return 3;
	return 0;
}

/* The words of text[0, len) made of ASCII letters, digits, apostrophes
 * (' and U+2019), hyphens and separators, one byte at a time: runs of
 * letters and digits joined by an apostrophe or hyphen that has one after
 * it, lower-cased, apostrophes dropped, the first AT_MAX_WORD bytes kept. */
static size_t ref_words(const char *text, size_t len, ref_word *out)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t nw = 0;
	for (size_t i = 0; i < len;) {
		if (!ref_alnum(t[i])) {
			i++;
			continue;
		}
		ref_word *w = &out[nw++];
		w->start = i;
		w->n = 0;
		for (;;) {
			while (i < len && ref_alnum(t[i])) {
				unsigned char c = t[i++];
				if (w->n < AT_MAX_WORD)
					w->norm[w->n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
			size_t j = i < len ? ref_joiner(t, len, i) : 0;
			if (!j || i + j >= len || !ref_alnum(t[i + j]))
				break;
			if (t[i] == '-' && w->n < AT_MAX_WORD)
				w->norm[w->n++] = '-';
			i += j;
		}
		w->end = i;
	}
	return nw;
}

/* The doc of text[0, len) agrees with ref_words(): spans, and the norm,
 * hash and word of each token (a spelling the vocabulary normalizes takes
 * its target word's). The text is copied to an exact-size buffer, so a
 * sanitizer build sees any read past it. */
static int agrees_with_ref(at_arena *ar, const char *text, size_t len)
{
	static ref_word want[300];
	char *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, text, len);
	size_t nw = ref_words(copy, len, want);
	at_doc d;
	at_arena_mark m = at_arena_save(ar);
	int ok = at_doc_init(S, ar, &d, copy, len) == ATTUNE_OK && d.n_toks == nw;
	for (size_t i = 0; ok && i < nw; i++) {
		const at_tok *tk = &d.toks[i];
		const ref_word *w = &want[i];
		int32_t id = at_lookup(S, w->norm, w->n);
		const char *norm = w->norm;
		size_t n = w->n;
		if (id >= 0 && S->words[id].norm_to >= 0) {
			id = S->words[id].norm_to;
			norm = S->words[id].s;
			n = S->words[id].len;
		}
		ok &= tk->start == w->start && tk->end == w->end && tk->word == id;
		ok &= tk->norm_len == n && memcmp(tk->norm, norm, n) == 0;
		ok &= tk->hash == at_hash(norm, n);
	}
	ok = ok && doc_consistent(&d);
	at_arena_release(ar, m);
	free(copy);
	return ok;
}

/* The tokenizer reads the text through a folded copy made 16 bytes at a
 * time (the last block overlapping the one before) and takes words from it
 * 8 bytes at a time: words of every length 1..60 at every offset 0..70,
 * before a space, punctuation, a joiner or the text's end, and every
 * prefix (length 0..200) of random texts of vocabulary words, long runs,
 * joiners and separators, match the byte-at-a-time reference. */
TEST(words_at_every_position)
{
	static const char *const sep[] = {
	    " ", " ",   "  ", ", ", ". ",  "!", "\n",           "\t",           "-",
	    "'", " - ", " '", "' ", "...", ":", "\xe2\x80\x94", "\xe2\x80\x99", "\"",
	    "(", ")"};
	char text[400], word[64];
	size_t bad = 0;
	at_arena ar;
	at_arena_init(&ar, 0);
	for (size_t n = 1; n <= 60; n++) {
		for (size_t i = 0; i < n; i++)
			word[i] = (char)((i % 4 == 3 ? 'A' : 'a') + (i * 7 + n) % 26);
		for (size_t off = 0; off <= 70; off++) {
			for (size_t after = 0; after < 5; after++) {
				static const char *const tail[] = {"", " x", ".", "'s", "-ok"};
				size_t len = 0;
				for (size_t k = 0; k < off; k++)
					text[len++] = k + 1 == off ? ' ' : (char)('a' + k % 3);
				memcpy(text + len, word, n);
				len += n;
				memcpy(text + len, tail[after], strlen(tail[after]));
				len += strlen(tail[after]);
				bad += !agrees_with_ref(&ar, text, len);
			}
		}
	}
	srand(11);
	for (int round = 0; round < 300; round++) {
		size_t len = 0;
		while (len < 200) {
			int kind = rand() % 3;
			if (kind == 0) { /* a vocabulary word, its case mixed now and then */
				const at_word *aw = &S->words[(size_t)rand() % S->n_words];
				for (size_t i = 0; i < aw->len && len < sizeof(text) - 40; i++) {
					char c = aw->s[i];
					text[len++] =
					    rand() % 5 == 0 && c >= 'a' && c <= 'z' ? c - 32 : c;
				}
			} else if (kind == 1) { /* a run of letters and digits */
				size_t n = 1 + (size_t)rand() % (rand() % 4 ? 9 : 55);
				for (size_t i = 0; i < n; i++)
					text[len++] =
					    "abcdefghijklmnopqrstuvwxyzQZ0189"[rand() % 32];
			}
			const char *sp = sep[(size_t)rand() % (sizeof(sep) / sizeof(sep[0]))];
			memcpy(text + len, sp, strlen(sp));
			len += strlen(sp);
		}
		/* ASCII only but for the separators' whole code points: a
		 * vocabulary spelling with other bytes is left out */
		size_t ascii = 1;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)text[i] >= 0x80 && (unsigned char)text[i] != 0xE2 &&
			    (unsigned char)text[i] != 0x80 && (unsigned char)text[i] != 0x94 &&
			    (unsigned char)text[i] != 0x99)
				ascii = 0;
		if (!ascii)
			continue;
		for (size_t cut = 0; cut <= 200; cut++) {
			/* a prefix must not end inside a separator's code point */
			if (cut < len && ((unsigned char)text[cut] & 0xC0) == 0x80)
				continue;
			bad += !agrees_with_ref(&ar, text, cut);
		}
	}
	CHECK(bad == 0);
	at_arena_free(&ar);
}

/* at_hash() is at_hash_step() over the bytes taken eight at a time as
 * little-endian words, the last one zero-padded, from 0 (written out byte by
 * byte here); at_hash_padded() is the same when bytes after the string may
 * be read, whatever they hold; the hash of words of up to 16 bytes differs
 * for every one-byte change and every length. */
TEST(word_hash)
{
	char s[64] = {0}, pad[80];
	size_t bad = 0;
	for (size_t n = 0; n <= 40; n++) {
		for (size_t i = 0; i < n; i++)
			s[i] = (char)(0x21 + (i * 37 + n) % 0x5E);
		uint64_t h = 0;
		for (size_t i = 0; i < n; i += 8) {
			uint64_t w = 0;
			for (size_t j = i; j < n && j < i + 8; j++)
				w |= (uint64_t)(unsigned char)s[j] << (8 * (j - i));
			h = at_hash_step(h, w);
		}
		uint32_t want = (uint32_t)h ? (uint32_t)h : 1;
		bad += at_hash(s, n) != want;
		memcpy(pad, s, n);
		memset(pad + n, 0xA5, 8);
		bad += at_hash_padded(pad, n) != want;
		if (n >= 1 && n <= 16) {
			for (size_t i = 0; i < n; i++) {
				s[i] ^= 1;
				bad += at_hash(s, n) == want;
				s[i] ^= 1;
			}
			bad += at_hash(s, n - 1) == want;
		}
	}
	CHECK(bad == 0);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(same_bytes),    T(folded_and_joined), T(long_words),
	    T(unknown_stems), T(spans_and_flags),   T(mid_and_tail_runs),
	    T(last_word),     T(space_after_word),  T(words_at_every_position),
	    T(word_hash),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
