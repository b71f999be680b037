/*
 * test_suggest_index.c - what attune_scorer_create() precomputes for the
 * suggestion and analysis paths against the per-call tests they replace:
 * a template's replaced finding kind against the "rep.<kind name>." id
 * prefix, pick()'s template groups against a scan of every template, a
 * template's pieces (what fill() copies) against its text,
 * at_tok_is_emotion() against the token's emotion entry, the inline
 * token, stem-set and finding-kind tests against the calls they stand for,
 * the seed's paired hash against at_hash, and which patterns take a negator
 * in unawares against at_pattern_takes_in_negator (scorer internals).
 */
#include "attune/scorer.h"
#include "internal.h"
#include "runner.h"

#include <stdio.h>
#include <string.h>

static attune_scorer *S;

/* The id test pick() made per call before at_template.addresses. */
static int has_rep_prefix(const at_template *tp, attune_finding_kind k)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "rep.%s.", attune_finding_kind_name(k));
	return strncmp(tp->id, prefix, strlen(prefix)) == 0;
}

TEST(addresses_match_id_prefix)
{
	size_t reps = 0;
	for (size_t i = 0; i < S->n_tpls; i++) {
		const at_template *tp = &S->tpls[i];
		attune_finding_kind want = ATTUNE_FINDING_UNSPECIFIED;
		for (int k = 1; k < ATTUNE_FINDING_KIND_MAX; k++)
			if (strcmp(attune_finding_kind_name((attune_finding_kind)k),
			           "unspecified") &&
			    has_rep_prefix(tp, (attune_finding_kind)k))
				want = (attune_finding_kind)k;
		CHECK(tp->addresses == want);
		reps += want != ATTUNE_FINDING_UNSPECIFIED;
	}
	CHECK(reps > 0); /* the data has replacement templates */
}

TEST(measure_reads_the_id)
{
	at_template tp = {.id = "rep.minimizing.x", .text = "{feeling} is {topic}"};
	at_template_measure(&tp);
	CHECK(tp.addresses == ATTUNE_FINDING_MINIMIZING);
	CHECK(tp.uses[1] == 1 && tp.uses[2] == 1 && tp.rich == 2);
	tp.id = "rep.minimizing"; /* no variant: not the prefix */
	at_template_measure(&tp);
	CHECK(tp.addresses == ATTUNE_FINDING_UNSPECIFIED);
	tp.id = "rep.no_such_kind.x";
	at_template_measure(&tp);
	CHECK(tp.addresses == ATTUNE_FINDING_UNSPECIFIED);
	tp.id = "ack.minimizing.x";
	at_template_measure(&tp);
	CHECK(tp.addresses == ATTUNE_FINDING_UNSPECIFIED);
}

/* The text at_template_measure's pieces spell, placeholder names put back. */
static void rebuild(const at_template *tp, char *out)
{
	static const char *const names[4] = {"{feelings}", "{feeling}", "{topic}", "{situation}"};
	const char *c = tp->text;
	out[0] = 0;
	for (size_t i = 0; i < tp->n_pieces; i++) {
		strncat(out, c, tp->pieces[i].lit);
		c += tp->pieces[i].lit;
		if (tp->pieces[i].k < 0)
			break;
		strcat(out, names[tp->pieces[i].k]);
		c += strlen(names[tp->pieces[i].k]);
	}
}

/* fill() copies a template's pieces instead of scanning its text: they
 * must spell the text exactly, end with the end mark, and be left out
 * (n_pieces 0: fill() scans) when the text needs too many. */
TEST(pieces_spell_the_text)
{
	char buf[1024];
	for (size_t i = 0; i < S->n_tpls; i++) {
		const at_template *tp = &S->tpls[i];
		CHECK(tp->n_pieces > 0 && tp->pieces[tp->n_pieces - 1].k == -1);
		rebuild(tp, buf);
		CHECK(strcmp(buf, tp->text) == 0);
		CHECK(tp->need == ((tp->uses[0] ? 1 : 0) | (tp->uses[1] ? 2 : 0) |
		                   (tp->uses[2] ? 4 : 0) | (tp->uses[3] ? 8 : 0)));
	}
	at_template tp = {.id = "x", .text = "{ {feeling}{topic} {x} {situation}."};
	at_template_measure(&tp);
	CHECK(tp.n_pieces == 4 && tp.need == 14 && tp.rich == 5);
	rebuild(&tp, buf);
	CHECK(strcmp(buf, tp.text) == 0);
	tp.text = "{feeling}{feeling}{feeling}{feeling}{feeling}{feeling}";
	at_template_measure(&tp);
	CHECK(tp.n_pieces == 0 && tp.uses[1] == 6);
	tp.text = "{feeling}{feeling}{feeling}{feeling}{feeling}.";
	at_template_measure(&tp);
	CHECK(tp.n_pieces == AT_TPL_PIECES);
	rebuild(&tp, buf);
	CHECK(strcmp(buf, tp.text) == 0);
}

/* Group g equals the templates a full scan keeps, richest first and ties
 * in file order: pick() stops at the first template poorer than its best,
 * and picks among the richest in file order. */
static void check_group(test_ctx *t, size_t g, int kind, int addr)
{
	uint32_t at = S->tpl_group[g], end = S->tpl_group[g + 1];
	CHECK(at <= end);
	for (int rich = UINT8_MAX; rich >= 0; rich--) /* at_template.rich */
		for (size_t i = 0; i < S->n_tpls; i++) {
			const at_template *tp = &S->tpls[i];
			if ((int)tp->kind != kind || (addr && (int)tp->addresses != addr) ||
			    (int)tp->rich != rich)
				continue;
			CHECK(at < end && S->tpl_index[at] == i);
			at++;
		}
	CHECK(at == end);
}

TEST(groups_equal_a_scan)
{
	CHECK(S->tpl_group[0] == 0);
	for (int k = 0; k < AT_SUGGESTION_KINDS; k++)
		check_group(t, (size_t)k, k, 0);
	for (int f = 1; f < ATTUNE_FINDING_KIND_MAX; f++)
		check_group(t, AT_SUGGESTION_KINDS + (size_t)f, ATTUNE_SUGGESTION_REPLACEMENT, f);
	CHECK(S->tpl_group[AT_SUGGESTION_KINDS] > S->tpl_group[ATTUNE_SUGGESTION_ACKNOWLEDGMENT]);
}

TEST(emotion_bit_is_the_emotion_entry)
{
	static const char *const texts[] = {
	    "I feel rusty, unmotivated and anxious about re-entering the job market.",
	    "I'm not happy, just sad and SCARED and overwhelmed... lonely?",
	    "Grief, anger, shame: I'm exhausted, heartbroken and hopeless 😢 xyzzy.",
	};
	size_t emotions = 0;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		at_arena ar;
		at_doc d;
		at_arena_init(&ar, 4096);
		CHECK(at_doc_init(S, &ar, &d, texts[i], strlen(texts[i])) == ATTUNE_OK);
		for (size_t k = 0; k < d.n_toks; k++) {
			const at_tok *tk = &d.toks[k];
			int want = tk->word >= 0 && S->words[tk->word].emo >= 0;
			CHECK(at_tok_is_emotion(tk) == want);
			emotions += (size_t)want;
		}
		at_arena_free(&ar);
	}
	CHECK(emotions >= 8);
}

/* at_tok_has_class against at_tok_in_class for every class but C_NUMBER,
 * and at_tok_is_content counting some but not all tokens, on every token of
 * texts with stop words, negators, fillers, first-person words,
 * clause breaks, numbers, emoji and short words. */
TEST(token_class_tests_agree)
{
	static const char *const texts[] = {
	    "I feel rusty, unmotivated and anxious about re-entering the job market.",
	    "Well, I just can't, but you should never worry about it; nobody expects 42 of you.",
	    "Honestly my partner says I'm overthinking it 😢 although I don't know where to start.",
	    "You've been through so much: a, an, the, of, to... really? Yes! I was scared.",
	};
	size_t toks = 0, content = 0;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		at_arena ar;
		at_doc d;
		at_arena_init(&ar, 4096);
		CHECK(at_doc_init(S, &ar, &d, texts[i], strlen(texts[i])) == ATTUNE_OK);
		for (size_t k = 0; k < d.n_toks; k++) {
			const at_tok *tk = &d.toks[k];
			for (int c = 0; c < C_COUNT; c++)
				if (c != C_NUMBER)
					CHECK(at_tok_has_class(tk, (at_class)c) ==
					      at_tok_in_class(S, tk, (at_class)c));
			content += (size_t)at_tok_is_content(tk);
		}
		toks += d.n_toks;
		at_arena_free(&ar);
	}
	CHECK(toks >= 50 && content >= 15 && content < toks);
}

/* at_stemset_has's probe against a scan of every slot: an empty set, and a
 * seeker's set asked for its own stems, the stems of other words and random
 * values. */
static int stemset_scan(const at_stemset *set, uint32_t h)
{
	if (!set->v)
		return 0;
	for (size_t j = 0; j <= set->mask; j++)
		if (set->v[j] == h)
			return 1;
	return 0;
}

TEST(stemset_probe_finds_every_stored_stem)
{
	static const char seeker[] = "I feel rusty, unmotivated and anxious about re-entering "
	                             "the job market after years at home with my kids.";
	static const char other[] = "Every time I open a job listing I close it again, tired.";
	at_arena ar;
	at_doc d, o;
	at_stemset set = {0};
	size_t hits = 0;
	CHECK(stemset_scan(&set, 12345) == at_stemset_has(&set, 12345));
	at_arena_init(&ar, 4096);
	CHECK(at_doc_init(S, &ar, &d, seeker, strlen(seeker)) == ATTUNE_OK);
	CHECK(at_doc_init(S, &ar, &o, other, strlen(other)) == ATTUNE_OK);
	CHECK(at_stemset_build(&ar, &d, &set) == ATTUNE_OK);
	for (size_t k = 0; k < d.n_toks + o.n_toks; k++) {
		uint32_t h = k < d.n_toks ? d.toks[k].stem : o.toks[k - d.n_toks].stem;
		CHECK(stemset_scan(&set, h) == at_stemset_has(&set, h));
		hits += (size_t)at_stemset_has(&set, h);
	}
	for (uint32_t x = 1; x < 4000; x++) {
		uint32_t h = x * 2654435761u;
		CHECK(stemset_scan(&set, h) == at_stemset_has(&set, h));
	}
	CHECK(hits >= 8 && hits < d.n_toks + o.n_toks);
	at_arena_free(&ar);
}

/* at_kind_is_positive (and the public attune_finding_kind_is_positive over
 * it): exactly the five positive kinds, nothing past either end. */
TEST(positive_kinds)
{
	static const attune_finding_kind pos[] = {
	    ATTUNE_FINDING_ACKNOWLEDGMENT, ATTUNE_FINDING_REFLECTION, ATTUNE_FINDING_CHECK_IN,
	    ATTUNE_FINDING_OPEN_QUESTION, ATTUNE_FINDING_CLOSED_QUESTION};
	for (int k = -2; k <= ATTUNE_FINDING_KIND_MAX + 2; k++) {
		int want = 0;
		for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++)
			want |= (int)pos[i] == k;
		CHECK(at_kind_is_positive((attune_finding_kind)k) == want);
		CHECK(attune_finding_kind_is_positive((attune_finding_kind)k) == want);
	}
}

/* 32-bit FNV-1a of s[0, n), byte by byte, 0 made 1: the reference for
 * at_hash_pair's two unrolled chains. */
static uint32_t ref_fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ? h : 1;
}

/* at_hash_pair is FNV-1a of each text, for every pair of lengths 0..2000
 * in a random sample (either text the longer, all byte values). */
TEST(hash_pair_is_fnv)
{
	static char a[2001], b[2001];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(a); i++) {
		x = x * 1103515245u + 12345u;
		a[i] = (char)(x >> 16);
		x = x * 1103515245u + 12345u;
		b[i] = (char)(x >> 16);
	}
	for (int round = 0; round < 3000; round++) {
		x = x * 1103515245u + 12345u;
		size_t na = (x >> 8) % 2001;
		x = x * 1103515245u + 12345u;
		size_t nb = round < 64 ? (size_t)round : (x >> 8) % 2001;
		uint32_t h[2];
		at_hash_pair(a, na, b + 2001 - nb, nb, h);
		CHECK(h[0] == ref_fnv(a, na));
		CHECK(h[1] == ref_fnv(b + 2001 - nb, nb));
	}
}

/* attune_scorer_create() keeps at_pattern_takes_in_negator() per pattern
 * (disowned() in analyze.c reads it): the same answer for every pattern, and
 * both answers occur in the data. */
TEST(pattern_takes_negator_precomputed)
{
	size_t yes = 0;
	CHECK(S->pat_takes_neg != NULL);
	for (size_t i = 0; i < S->n_pats; i++) {
		int want = at_pattern_takes_in_negator(S, &S->pats[i]);
		if (S->pat_takes_neg[i] != want)
			fprintf(stderr, "  pattern %zu: %d, computed %d\n", i, S->pat_takes_neg[i],
			        want);
		CHECK(S->pat_takes_neg[i] == want);
		yes += want != 0;
	}
	CHECK(yes > 0 && yes < S->n_pats);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(addresses_match_id_prefix),
	    T(measure_reads_the_id),
	    T(groups_equal_a_scan),
	    T(pieces_spell_the_text),
	    T(emotion_bit_is_the_emotion_entry),
	    T(token_class_tests_agree),
	    T(stemset_probe_finds_every_stored_stem),
	    T(positive_kinds),
	    T(hash_pair_is_fnv),
	    T(pattern_takes_negator_precomputed),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
