/*
 * test_matcher.c - the indexed phrase matcher (at_doc_match) against a plain
 * reference scan: every pattern whose first slot lists the token's word, then
 * every wild pattern, in id order, of the files the role runs (each role has
 * an index of its own). Matches must be the same and in the same order (later
 * stages and the bound on matches per doc depend on the order).
 * Texts are fixed cases plus seeded random ones built from the vocabulary and
 * from instances of the patterns themselves.
 */
#include "attune/scorer.h"
#include "internal.h"
#include "runner.h"

#include <stdlib.h>
#include <string.h>

static attune_scorer *S;

static int ref_slot(const attune_scorer *s, const at_slot *sl, const at_tok *t)
{
	switch (sl->type) {
	case SL_ANY:
		return 1;
	case SL_CLASS:
		return at_tok_in_class(s, t, (at_class)sl->arg);
	case SL_PREFIX:
		return t->norm_len >= sl->n && memcmp(t->norm, s->pool + sl->off, sl->n) == 0;
	case SL_WORDS:
		for (unsigned k = 0; t->word >= 0 && k < sl->n; k++)
			if (s->alts[sl->off + k] == (uint32_t)t->word)
				return 1;
		return 0;
	}
	return 0;
}

/* Token index one past a match of slots k.. of p from token j, or -1; a
 * ".." tries every length 0..AT_GAP_MAX, shortest first. */
static long ref_from(const attune_scorer *s, const at_doc *d, const at_pattern *p, unsigned k,
                     size_t j, size_t lim)
{
	if (k == p->nslots)
		return (long)j;
	if (p->slots[k].type == SL_GAP) {
		for (size_t g = 0; g <= AT_GAP_MAX && j + g <= lim; g++) {
			long r = ref_from(s, d, p, k + 1, j + g, lim);
			if (r >= 0)
				return r;
		}
		return -1;
	}
	if (j >= lim || !ref_slot(s, &p->slots[k], &d->toks[j]))
		return -1;
	return ref_from(s, d, p, k + 1, j + 1, lim);
}

static void ref_try(const attune_scorer *s, const at_doc *d, uint32_t skips, uint32_t pi, size_t i,
                    at_match *out, size_t *n, size_t hard)
{
	const at_pattern *p = &s->pats[pi];
	if ((skips >> p->file) & 1u)
		return;
	if (p->anchored && !(d->toks[i].flags & TK_CLAUSE_LEAD))
		return;
	long end = ref_from(s, d, p, 0, i, d->sents[d->toks[i].sent].last);
	if (end >= 0 && *n < hard)
		out[(*n)++] = (at_match){pi, (uint32_t)i, (uint32_t)end};
}

/* The reference scan of the patterns whose file is not in skips; out holds
 * 16 * n_toks + 256 matches (at_doc_match's bound). */
static size_t ref_match(const attune_scorer *s, const at_doc *d, uint32_t skips, at_match *out)
{
	size_t n = 0, hard = 16 * d->n_toks + 256;
	for (size_t i = 0; i < d->n_toks; i++) {
		if (d->toks[i].word >= 0) {
			const at_word *aw = &s->words[d->toks[i].word];
			for (uint32_t k = 0; k < aw->pat_n; k++)
				ref_try(s, d, skips, s->bucket[aw->pat_first + k], i, out, &n,
				        hard);
		}
		for (size_t k = 0; k < s->n_wild; k++)
			ref_try(s, d, skips, s->wild[k], i, out, &n, hard);
	}
	return n;
}

/* 1 if the flags at_doc_match sets are those its matches call for: the
 * tokens of a figurative match are figurative, those after a reported-speech
 * match in its clause are quoted; b is the doc before matching. */
static int same_marks(const at_doc *a, const at_doc *b)
{
	uint32_t *want = calloc(b->n_toks + 1, sizeof(*want));
	int ok = want != NULL;
	for (size_t i = 0; ok && i < b->n_toks; i++)
		want[i] = b->toks[i].flags;
	for (size_t m = 0; ok && m < a->n_matches; m++) {
		const at_match *mt = &a->matches[m];
		int f = S->pats[mt->pat].file;
		for (uint32_t i = mt->first; f == F_FIGURATIVE && i < mt->last; i++)
			want[i] |= TK_FIGURATIVE;
		for (uint32_t i = mt->last; f == F_REPORTED && i < b->n_toks &&
		                            b->toks[i].clause == b->toks[mt->last - 1].clause;
		     i++)
			want[i] |= TK_QUOTED;
	}
	for (size_t i = 0; ok && i < a->n_toks; i++)
		ok = a->toks[i].flags == want[i];
	free(want);
	return ok;
}

/* 1 if at_doc_match and the reference agree on text for every role, matches
 * and the flags they set (the first mismatch is reported with the text's
 * length only, never the text). *matches counts the matches found, *marked
 * the docs where a figurative or reported-speech match set flags. */
static int same_matches(test_ctx *t, const char *text, size_t len, size_t *matches, size_t *marked)
{
	int ok = 1;
	for (int r = 0; ok && r < AT_ROLE_COUNT; r++) {
		at_doc a, b;
		at_arena ar;
		at_match *ref = NULL;
		ok = 0;
		at_arena_init(&ar, 0);
		if (at_doc_init(S, &ar, &a, text, len) != ATTUNE_OK ||
		    at_doc_init(S, &ar, &b, text, len) != ATTUNE_OK)
			goto out_free_arena;
		ref = malloc((16 * b.n_toks + 256) * sizeof(*ref));
		if (!ref || at_doc_match(S, &a, (at_role)r) != ATTUNE_OK)
			goto out_free_ref;
		size_t n = ref_match(S, &b, at_role_skips((at_role)r), ref);
		ok = n == a.n_matches;
		for (size_t m = 0; ok && m < n; m++)
			ok = ref[m].pat == a.matches[m].pat && ref[m].first == a.matches[m].first &&
			     ref[m].last == a.matches[m].last;
		if (!ok)
			fprintf(stderr, "[%s] role %d, %zu-byte text: %zu matches, reference %zu\n",
			        t->name, r, len, a.n_matches, n);
		if (ok && !(ok = same_marks(&a, &b)))
			fprintf(stderr, "[%s] role %d, %zu-byte text: token flags differ\n",
			        t->name, r, len);
		for (size_t i = 0; marked && i < a.n_toks; i++)
			if ((a.toks[i].flags ^ b.toks[i].flags) & (TK_FIGURATIVE | TK_QUOTED)) {
				++*marked;
				break;
			}
		if (matches)
			*matches += a.n_matches;
	out_free_ref:
		free(ref);
	out_free_arena:
		at_arena_free(&ar);
	}
	return ok;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

typedef struct buf {
	char s[4096];
	size_t n;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 < sizeof(b->s)) {
		memcpy(b->s + b->n, s, n);
		b->n += n;
	}
}

static void put_word(buf *b, const char *w, size_t n)
{
	size_t at = b->n;
	put(b, w, n);
	if (b->n > at && rnd(5) == 0 && b->s[at] >= 'a' && b->s[at] <= 'z')
		b->s[at] = (char)(b->s[at] - 'a' + 'A');
}

static void put_vocab(buf *b)
{
	const at_word *w = &S->words[rnd((uint32_t)S->n_words)];
	put_word(b, w->s, w->len);
}

/* A word of class c (digits for @number), or any vocabulary word. */
static void put_class(buf *b, unsigned c)
{
	char num[8];
	if (c == C_NUMBER) {
		int k = snprintf(num, sizeof(num), "%u", rnd(1000));
		put(b, num, (size_t)k);
		return;
	}
	for (int tries = 0; tries < 4000; tries++) {
		const at_word *w = &S->words[rnd((uint32_t)S->n_words)];
		if (w->classes & (1u << c)) {
			put_word(b, w->s, w->len);
			return;
		}
	}
	put_vocab(b);
}

/* Words that would match a random pattern (separated by spaces). */
static void put_instance(buf *b)
{
	const at_pattern *p = &S->pats[rnd((uint32_t)S->n_pats)];
	static const char *const suffix[] = {"", "ed", "ing", "s"};
	for (unsigned k = 0; k < p->nslots; k++) {
		const at_slot *sl = &p->slots[k];
		if (k)
			put(b, " ", 1);
		switch (sl->type) {
		case SL_WORDS: {
			const at_word *w = &S->words[S->alts[sl->off + rnd(sl->n)]];
			put_word(b, w->s, w->len);
			break;
		}
		case SL_PREFIX: {
			const char *sf = suffix[rnd(4)];
			put(b, S->pool + sl->off, sl->n);
			put(b, sf, strlen(sf));
			break;
		}
		case SL_CLASS:
			put_class(b, sl->arg);
			break;
		case SL_GAP: /* 0..AT_GAP_MAX words; the space before the next slot follows */
			for (unsigned g = rnd(AT_GAP_MAX + 1); g > 0; g--) {
				put_vocab(b);
				put(b, " ", 1);
			}
			if (b->n && b->s[b->n - 1] == ' ')
				b->n--;
			break;
		default:
			put_vocab(b);
		}
	}
}

static void random_text(buf *b)
{
	static const char *const sep[] = {" ",  " ",   " ",   " ",  " ",  ", ",  ". ", "? ",
	                                  "! ", " \"", "\" ", " '", "\n", " - ", "; ", " so "};
	static const char *const odd[] = {
	    "zorbly",           "123",         "neglectful", "x",
	    "\xF0\x9F\x98\xA2", "caf\xC3\xA9", "o'clock",    "re-entering"};
	b->n = 0;
	for (unsigned k = 1 + rnd(40); k > 0; k--) {
		unsigned r = rnd(10);
		if (r < 4)
			put_instance(b);
		else if (r < 9)
			put_vocab(b);
		else {
			const char *o = odd[rnd(sizeof(odd) / sizeof(odd[0]))];
			put(b, o, strlen(o));
		}
		const char *sp = sep[rnd(sizeof(sep) / sizeof(sep[0]))];
		put(b, sp, strlen(sp));
	}
	b->s[b->n] = 0;
}

TEST(fixed_texts)
{
	static const char *const texts[] = {
	    "I've struggled with the same problem. The best way to tackle it is to just jump "
	    "right in and give it your best.",
	    "It sounds like you're feeling rusty and anxious about going back to work after years "
	    "away. Do I have that right?",
	    "u r not alone, i'm so sorry. call 911 or go to the ER now",
	    "He told me I was neglected and that he'd been stockpiling pills for 2 weeks.",
	    "At least it could be worse. Don't worry, everything happens for a reason!",
	    "",
	    "why",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		CHECK(same_matches(t, texts[i], strlen(texts[i]), NULL, NULL));
}

TEST(random_texts)
{
	buf b;
	size_t bad = 0, matches = 0;
	size_t marked = 0;
	for (int i = 0; i < 3000; i++) {
		random_text(&b);
		bad += !same_matches(t, b.s, b.n, &matches, &marked);
	}
	CHECK(bad == 0);
	CHECK(matches > 3000); /* the texts do exercise the patterns */
	CHECK(marked > 100);   /* and figurative and reported speech */
}

/* The vocabulary table finds every word by its spelling (long spellings
 * are compared outside the slot), and a text that is one word gives a token
 * that carries its normalized word's id, spelling, hash, stem and classes. */
TEST(vocab_lookup)
{
	size_t alone = 0, long_words = 0, bad = 0;
	at_arena ar;
	at_arena_init(&ar, 0);
	for (size_t w = 0; w < S->n_words; w++) {
		const at_word *aw = &S->words[w];
		bad += at_lookup(S, aw->s, aw->len) != (int32_t)w;
		at_doc d;
		at_arena_mark mark = at_arena_save(&ar);
		if (at_doc_init(S, &ar, &d, aw->s, aw->len) != ATTUNE_OK)
			continue;
		if (d.n_toks == 1 && d.toks[0].start == 0 && d.toks[0].end == aw->len) {
			int32_t to = aw->norm_to >= 0 ? aw->norm_to : (int32_t)w;
			const at_word *tw = &S->words[to];
			const at_tok *tk = &d.toks[0];
			alone++;
			long_words += aw->len > AT_VSLOT_INLINE;
			bad += tk->word != to || tk->norm_len != tw->len ||
			       memcmp(tk->norm, tw->s, tw->len) != 0 ||
			       tk->hash != at_hash(tw->s, tw->len) || tk->stem != tw->stem ||
			       tk->classes != tw->classes;
		}
		at_arena_release(&ar, mark);
	}
	at_arena_free(&ar);
	CHECK(bad == 0);
	CHECK(alone > S->n_words * 9 / 10);
	CHECK(long_words > 0);
	CHECK(at_lookup(S, "zzqxvw", 6) == -1);
	CHECK(at_lookup(S, "overwhelmedzzqxvw", 17) == -1);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(fixed_texts),
	    T(random_texts),
	    T(vocab_lookup),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
