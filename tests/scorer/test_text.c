/*
 * test_text.c - the tokenizer (at_doc_init): folded and joined words, the
 * AT_MAX_WORD cut, sentence and clause spans, the flags set while scanning
 * (clause lead, negation, quotes) against a plain two-pass reference, light
 * stems of unknown words, and the short-word compare of the vocabulary probe.
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
		/* a known spelling carries its word (the padded probe finds it) */
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
 * byte that ends it is known to follow: fold_fenced_run) and as the text's
 * last bytes (fold_tail_run), for every length around AT_MAX_WORD, joined
 * by an apostrophe or not. */
TEST(fenced_and_tail_runs)
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

/* The text's last word, which the scan folds after its main loop (the loop
 * runs to the fence, past which every byte is an ASCII letter or digit), is
 * the token it is when something follows it: after a space, punctuation, an
 * emoji, a joining apostrophe or hyphen, a non-ASCII letter, or alone. */
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
	CHECK(doc_of(&ar, &d, "he said 'go' now"));
	CHECK(d.n_toks == 4 && (d.toks[2].flags & TK_QUOTED) && !(d.toks[3].flags & TK_QUOTED));
	CHECK(!(d.toks[1].flags & TK_QUOTED));
	CHECK(doc_of(&ar, &d, "he said  'go' now")); /* two spaces: the loop takes the second */
	CHECK(d.n_toks == 4 && (d.toks[2].flags & TK_QUOTED) && !(d.toks[3].flags & TK_QUOTED));
	at_arena_free(&ar);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(same_bytes),      T(folded_and_joined),    T(long_words), T(unknown_stems),
	    T(spans_and_flags), T(fenced_and_tail_runs), T(last_word),  T(space_after_word),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
