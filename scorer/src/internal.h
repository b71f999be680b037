/*
 * internal.h - the scorer's private structures: the compiled lexicon
 * (vocabulary, word classes, patterns), token streams and matches. Shared
 * by the scorer's modules only; never installed.
 */
#ifndef ATTUNE_INTERNAL_H
#define ATTUNE_INTERNAL_H

#include "arena.h"
#include "attune/scorer.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define AT_MAX_SLOTS    12
#define AT_MAX_ALTS     64
#define AT_MAX_WORD     48 /* longest normalized word kept (longer words are cut) */
#define AT_GAP_MAX      3  /* ".." skips 0..3 words */
#define AT_RECENT_TURNS 3  /* prior turns compared for repetition and stems */

/* Pattern files by role (file name without ".txt"). */
typedef enum at_file {
	F_NONE = 0,
	F_ACK,
	F_REFLECT,
	F_CHECKIN,
	F_QUESTION,
	F_SELF,
	F_ADVICE,
	F_MINIMIZE,
	F_JUDGE,
	F_SECRECY,
	F_PERMISSION,
	F_REPORTED,
	F_FIGURATIVE,
	F_RISK_MOD,
	F_RISK_SUICIDE,
	F_RISK_SELFHARM,
	F_RISK_OTHERS,
	F_RISK_ABUSE,
	F_RISK_MEDICAL,
	F_SAFETY, /* safety directives: not premature advice when the seeker is at risk */
	F_COUNT
} at_file;

/* Word classes usable as @name in patterns (one bit each). */
typedef enum at_class {
	C_EMOTION = 0,
	C_NEGATOR,
	C_FILLER,
	C_STOP,
	C_HARDSHIP,
	C_IMPERATIVE,
	C_BREAK,
	C_EXPERIENCE,
	C_FIRST_PERSON,
	C_HYPERBOLE,
	C_NUMBER, /* built in: a token of digits */
	C_COUNT
} at_class;

enum { SL_WORDS = 1, SL_ANY, SL_GAP, SL_PREFIX, SL_CLASS };

typedef struct at_slot {
	uint8_t type;
	uint8_t n;      /* number of alternatives (SL_WORDS) */
	uint16_t arg;   /* class id (SL_CLASS) */
	uint32_t off;   /* index into alts[] or prefix pool */
	uint64_t words; /* SL_WORDS: AT_WORD_BIT of every alternative (see slot_match) */
} at_slot;

typedef struct at_pattern {
	uint8_t file; /* at_file */
	uint8_t nslots;
	uint8_t anchored;  /* '^': first word must lead its clause */
	uint8_t exception; /* '!': suppresses overlapping matches of its file */
	uint8_t severity;  /* attune_severity, 0 = file default */
	uint8_t cue;       /* attune_risk_cue for risk files */
	uint8_t level;     /* risk level, 0 = file default */
	uint8_t qtype;     /* 1 open, 2 closed (question stems) */
	uint16_t stem;     /* index of this pattern within its file, for repetition */
	at_slot slots[AT_MAX_SLOTS];
} at_pattern;

typedef struct at_emotion {
	uint8_t intensity; /* 1..3 */
	int8_t polarity;   /* -1 negative, +1 positive */
	const char *canon; /* adjective used in suggestions ("anxious") */
	size_t canon_len;
	const char *negated; /* form when negated ("unmotivated"), or NULL */
	size_t negated_len;
} at_emotion;

typedef struct at_word {
	const char *s; /* points into the data tables or the scorer's pool */
	uint16_t len;
	uint32_t hash;
	uint32_t classes;          /* bit per at_class */
	int32_t norm_to;           /* word id this spelling normalizes to, or -1 */
	int32_t emo;               /* index into emotions, or -1 */
	const char *shift;         /* pronoun-shifted form ("your" for "my"), or NULL */
	uint32_t pat_first, pat_n; /* patterns whose first slot can be this word */
	uint32_t stem;             /* at_tok.stem of a token that is this word (text.c) */
} at_word;

/* A slot of the vocabulary hash table: what a token needs from its word, so
 * the usual lookup reads one cache line (slots are 32 bytes, the table is
 * 64-byte aligned) and never touches words[] or the pool. Spellings longer
 * than AT_VSLOT_INLINE are compared with words[id].s. */
#define AT_VSLOT_INLINE 13
typedef struct at_vslot {
	uint32_t hash;    /* at_hash() of the spelling; 0: empty slot */
	int32_t id;       /* the spelling's word id (what at_lookup returns) */
	int32_t to;       /* id after the normalization map (id if none) */
	uint32_t stem;    /* words[to].stem */
	uint16_t classes; /* words[to].classes */
	uint8_t len;
	char s[AT_VSLOT_INLINE]; /* the spelling if len <= AT_VSLOT_INLINE, 0-padded */
} at_vslot;

/* A pattern to try at a token, in the matcher index (lexicon.c build_match_index,
 * used by at_doc_match); 16 bytes (build_match_index checks that pattern ids
 * and ranks fit). */
typedef struct at_mcand {
	uint64_t need; /* AT_WORD_BIT of every word the next word-list slot takes */
	uint16_t pat;
	uint16_t pos;     /* rank in the reference order: the word's bucket, then wild */
	uint8_t skip;     /* leading slots already known to match (0..2) */
	uint8_t anchored; /* copy of at_pattern.anchored */
	uint8_t filt;     /* which tokens `need` is tested on (AT_FILT_*) */
} at_mcand;

/* A word's entry in the matcher index: its fixed run, and a summary of the
 * keys of its keyed runs (see at_mindex.mstart for the test per token). */
typedef struct at_mword {
	uint32_t fixed, fixed_end; /* at_mindex.mfixed[fixed .. fixed_end) */
	uint64_t key_bits;         /* AT_WORD_BIT of its keyed runs' keys, to skip mpairs */
} at_mword;

/* A run of at_mcand for a (first word, second word) pair, in a hash table;
 * 8 bytes a slot (build_pairs checks that word ids and runs fit). */
typedef struct at_mpair {
	uint16_t w, nw;      /* w == AT_MPAIR_EMPTY: empty slot */
	uint16_t first, end; /* at_mindex.mkeyed[first .. end) */
} at_mpair;
#define AT_MPAIR_EMPTY UINT16_MAX

static inline uint32_t at_pair_hash(uint32_t w, uint32_t nw)
{
	uint32_t h = w * 0x9E3779B1u ^ nw * 0x85EBCA77u;
	return h ^ (h >> 15);
}

/* Prefilter of at_mcand: a 64-bit summary of the words of a few tokens. */
#define AT_WORD_BIT(w) (1ull << ((uint32_t)(w)&63))
enum {
	AT_FILT_TOK1, /* token i + 1 */
	AT_FILT_TOK2, /* token i + 2 */
	AT_FILT_GAP1, /* tokens i + 1 .. i + 1 + AT_GAP_MAX */
	AT_FILT_GAP2, /* tokens i + 2 .. i + 2 + AT_GAP_MAX */
	AT_FILT_NONE, /* no test */
	AT_FILT_COUNT
};

/* Whose words a doc holds: the phrase files that can matter differ (risk
 * cues are looked for in the seeker's words only, response patterns in
 * responder text only), and at_doc_match() runs only the role's files
 * (at_role_skips), from an index of its own. */
typedef enum at_role { AT_ROLE_SEEKER = 0, AT_ROLE_RESPONDER, AT_ROLE_COUNT } at_role;

/* The matcher index of one role, over the patterns of the files it runs
 * (see at_doc_match): for word id w, mfixed[mword[w].fixed ..
 * mword[w].fixed_end) are the patterns to try whatever the next word is;
 * those whose second slot is a word list are in mkeyed once per listed word
 * nw, in a run per (w, nw) found through mpairs. munk lists the wild
 * patterns an unknown word may start, by the token's first byte (256: empty
 * token); their first slot is checked when the token is seen. */
typedef struct at_mindex {
	at_mcand *mfixed, *mkeyed, *munk;
	at_mword *mword; /* n_words */
	/* n_words: for word w, all ones if it has fixed candidates, else its
	 * mword key_bits; a token of w followed by word nw may start a pattern
	 * only if mstart[w] has AT_WORD_BIT(nw) (the one read per token) */
	uint64_t *mstart;
	at_mpair *mpairs; /* open addressing */
	size_t mpairs_mask;
	uint32_t munk_off[258];
} at_mindex;

/* A run of literal template text and the placeholder after it (see
 * at_template.pieces). */
#define AT_TPL_PIECES 6
typedef struct at_tpl_piece {
	uint16_t lit; /* bytes of literal text */
	int8_t k;     /* the placeholder after them (at_template.uses order), -1: the end */
} at_tpl_piece;

typedef struct at_template {
	const char *id;
	attune_suggestion_kind kind;
	const char *text;   /* with {feelings} {feeling} {topic} {situation} */
	uint32_t lead_hash; /* hash of the first three normalized words */
	/* at_template_measure(): how often each placeholder occurs (in the order
	 * above), the bytes outside placeholders and the number of '{' */
	uint8_t uses[4];
	uint8_t rich;
	uint8_t need; /* bit k set when uses[k] */
	size_t literal_len;
	/* the text cut at its placeholders, for fill() to copy without scanning
	 * it; n_pieces is 0 when it needs more than AT_TPL_PIECES (fill() then
	 * scans) */
	uint8_t n_pieces;
	at_tpl_piece pieces[AT_TPL_PIECES];
	/* the finding kind K whose replacements it is (id "rep.<name of K>.*"),
	 * else ATTUNE_FINDING_UNSPECIFIED; also set by at_template_measure() */
	attune_finding_kind addresses;
} at_template;

/* Groups of templates for pick() (suggest.c): one per suggestion kind (every
 * template of the kind), then one per finding kind (the replacement
 * templates for it, see at_template.addresses). */
#define AT_SUGGESTION_KINDS (ATTUNE_SUGGESTION_REPLACEMENT + 1)
#define AT_TPL_GROUPS       (AT_SUGGESTION_KINDS + ATTUNE_FINDING_KIND_MAX)

struct attune_scorer {
	at_word *words;
	size_t n_words, cap_words;
	at_vslot *table; /* open addressing, every word once, load <= 1/2 */
	size_t table_mask;
	at_pattern *pats;
	size_t n_pats, cap_pats;
	uint32_t *alts; /* word ids of SL_WORDS alternatives */
	size_t n_alts, cap_alts;
	char *pool; /* prefix strings and normalized copies, NUL separated */
	size_t n_pool, cap_pool;
	uint32_t *bucket; /* pattern ids grouped by first word (see at_word.pat_first) */
	uint32_t *wild;   /* patterns whose first slot is not a plain word */
	size_t n_wild;
	at_emotion *emos;
	size_t n_emos;
	at_template *tpls;
	size_t n_tpls;
	/* at_template_index(): group g is tpl_index[tpl_group[g] .. tpl_group[g + 1]),
	 * template numbers in file order (pick's tie-break order) */
	uint32_t *tpl_index;
	uint32_t tpl_group[AT_TPL_GROUPS + 1];
	int32_t (*person)[2]; /* third_person.txt: (first-person word, third-person form) */
	size_t n_person;
	const char *guidance[4];
	at_mindex midx[AT_ROLE_COUNT]; /* the matcher index of each role */
	/* at_analysis_index(): per pattern, at_pattern_takes_in_negator() */
	uint8_t *pat_takes_neg;
};

/* Token flags. */
enum {
	TK_SENT_START = 1u << 0,
	TK_CLAUSE_START = 1u << 1,
	TK_CLAUSE_LEAD = 1u << 2, /* first non-filler word of its clause */
	TK_QUOTED = 1u << 3,      /* inside quotation marks or reported speech */
	TK_FIGURATIVE = 1u << 4,
	TK_NEGATED = 1u << 5, /* a negator precedes within its clause window */
	TK_EMOJI = 1u << 6
};

typedef struct at_tok {
	uint32_t start, end; /* bytes in the original text */
	int32_t word;        /* vocabulary id after normalization, -1 if unknown */
	uint32_t hash;       /* hash of the normalized form */
	uint32_t stem;       /* hash of the light stem (emotions: of the canonical) */
	uint32_t sent, clause;
	uint32_t flags;
	const char *norm; /* normalized form (not NUL-terminated) */
	uint16_t norm_len;
	uint16_t classes; /* words[word].classes (0 if unknown), copied at lookup */
} at_tok;

typedef struct at_span {
	uint32_t first, last; /* token range [first, last) */
	uint32_t start, end;  /* bytes */
	char term;            /* sentences: '?', '.', '!' or 0 */
} at_span;

typedef struct at_match {
	uint32_t pat;
	uint32_t first, last; /* tokens [first, last) */
} at_match;

typedef struct at_doc {
	const char *text;
	size_t len;
	at_tok *toks;
	size_t n_toks;
	char *norm;
	at_span *sents;
	size_t n_sents;
	at_span *clauses;
	size_t n_clauses;
	at_match *matches;
	size_t n_matches, cap_matches;
	at_arena *ar;         /* holds every array above (at_doc_init); matches grow in it */
	uint32_t match_files; /* bit per at_file that has a match (at_doc_match) */
	uint8_t urgent; /* seeker docs: risk >= moderate or a medical emergency (set by attune_score) */
} at_doc;

/* lexicon.c */
/* 32-bit FNV-1a, one byte at a time: the suggestion seed (at_hash_pair). */
#define AT_FNV_BASIS 2166136261u
static inline uint32_t at_fnv_byte(uint32_t h, unsigned char c)
{
	return (h ^ c) * 16777619u;
}

/* The hash of words (at_hash): eight bytes a step, so the tokenizer hashes
 * a word of up to 8 bytes, already in a register, in a few instructions
 * instead of a multiply per byte. Bytes are read as little-endian words,
 * whatever the machine, and the last word of bytes is zero-padded. The
 * length is not hashed: the strings hashed hold no zero byte, so the
 * padding tells them apart. */
#define AT_HASH_MUL  0xD6E8FEB86659FD93ull
#define AT_BYTES_LOW 0x0101010101010101ull
#define AT_BYTES_TOP 0x8080808080808080ull
static inline uint64_t at_load_le64(const char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}
/* Stores x as at_load_le64() reads it back. */
static inline void at_store_le64(char *p, uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	memcpy(p, &x, 8);
}
static inline uint32_t at_load_le32(const void *p)
{
	uint32_t x;
	memcpy(&x, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap32(x);
#endif
	return x;
}
/* One step: the bits the multiply carries up are folded back down, since
 * the vocabulary and the stem sets index by the low bits. */
static inline uint64_t at_hash_step(uint64_t h, uint64_t w)
{
	h = (h ^ w) * AT_HASH_MUL;
	return h ^ (h >> 32);
}
static inline uint32_t at_hash_end(uint64_t h)
{
	return (uint32_t)h ? (uint32_t)h : 1;
}
/* The low r (1..8) bytes of a word read by at_load_le64(). */
static inline uint64_t at_low_bytes(uint64_t w, size_t r)
{
	return w & (~0ull >> (64 - 8 * r));
}
/* at_hash(s, n) when s[n, n + 8) may be read too (any bytes): no copy of
 * the last bytes. */
static inline uint32_t at_hash_padded(const char *s, size_t n)
{
	uint64_t h = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		h = at_hash_step(h, at_load_le64(s + i));
	if (i < n)
		h = at_hash_step(h, at_low_bytes(at_load_le64(s + i), n - i));
	return at_hash_end(h);
}
/* The hash of s[0, n): at_hash_step() over its little-endian words from 0;
 * never 0 (0 becomes 1: the vocabulary's empty-slot mark). */
uint32_t at_hash(const char *s, size_t n);
int32_t at_lookup(const attune_scorer *s, const char *w, size_t n);

/* 1 if a[0, n) and b[0, n) hold the same bytes. Reads no byte outside them:
 * for 4 <= n <= 16 two fixed-size loads (memcpy, so alignment does not
 * matter) that overlap in the middle cover all n bytes, which costs less
 * than a byte loop or a memcmp call for the short words of a vocabulary. */
static inline int at_same_bytes(const char *a, const char *b, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t a0, a1, b0, b1;
		memcpy(&a0, a, 8);
		memcpy(&b0, b, 8);
		memcpy(&a1, a + n - 8, 8);
		memcpy(&b1, b + n - 8, 8);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	if (n >= 4 && n < 8) {
		uint32_t a0, a1, b0, b1;
		memcpy(&a0, a, 4);
		memcpy(&b0, b, 4);
		memcpy(&a1, a + n - 4, 4);
		memcpy(&b1, b + n - 4, 4);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	if (n < 4) /* bytes 0, n / 2 and n - 1 cover n = 1, 2, 3 */
		return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
	return memcmp(a, b, n) == 0;
}

/* The slot of spelling w[0, n) (h == at_hash(w, n)), or NULL if it is not a
 * word. Hash and length are compared first: the bytes only on a likely hit. */
static inline const at_vslot *at_vocab_probe(const attune_scorer *s, const char *w, size_t n,
                                             uint32_t h)
{
	for (size_t i = h & s->table_mask;; i = (i + 1) & s->table_mask) {
		const at_vslot *v = &s->table[i];
		if (v->hash != h) { /* h is never 0, the hash of an empty slot */
			if (v->hash == 0)
				return NULL;
			continue;
		}
		if (v->len != n)
			continue;
		const char *ws = n <= AT_VSLOT_INLINE ? v->s : s->words[v->id].s;
		if (at_same_bytes(ws, w, n))
			return v;
	}
}

/* at_vocab_probe() of a spelling of up to 7 bytes read as w (at_load_le64,
 * the bytes past it zero): one compare with the slot's 0-padded copy,
 * which also tells the length, as no spelling holds a zero byte. */
static inline const at_vslot *at_vocab_probe7(const attune_scorer *s, uint64_t w, uint32_t h)
{
	for (size_t i = h & s->table_mask;; i = (i + 1) & s->table_mask) {
		const at_vslot *v = &s->table[i];
		if (v->hash != h) {
			if (v->hash == 0)
				return NULL;
			continue;
		}
		if (at_load_le64(v->s) == w)
			return v;
	}
}

attune_status at_lexicon_build(attune_scorer *s);
void at_lexicon_free(attune_scorer *s);
int at_file_is_risk(int file);
/* Bit per at_file whose patterns a role never needs (at_doc_match does not
 * run them): the seeker's words feed risk (risk files, their modifiers,
 * figurative and reported speech) and the suggestions' seeker words (tokens
 * only); responder text feeds the analysis (analyze.c), which reads no risk
 * or figurative matches. */
uint32_t at_role_skips(at_role role);

/* text.c: tokenizes and segments text (valid UTF-8); the doc's arrays live in
 * ar (the attune_score() call's arena) and go with it: there is no free. */
/* Fills at_word.stem for the whole vocabulary (once, when the lexicon is built). */
void at_vocab_stems(attune_scorer *s);
attune_status at_doc_init(const attune_scorer *s, at_arena *ar, at_doc *d, const char *text,
                          size_t len);
/* Runs the role's patterns over the doc; appends to d->matches. */
attune_status at_doc_match(const attune_scorer *s, at_doc *d, at_role role);
/* 1 if the token is in class c, for any class but C_NUMBER: t->classes
 * (set by at_doc_init). Inline, like at_tok_in_class, at_tok_is_content
 * and at_stemset_has: the analysis asks them per token, and a call costs
 * more than the test. */
static inline int at_tok_has_class(const at_tok *t, at_class c)
{
	return (t->classes >> c) & 1u;
}
/* at_tok_has_class() for every class but C_NUMBER, which it decides from
 * t->norm (all digits). */
static inline int at_tok_in_class(const attune_scorer *s, const at_tok *t, at_class c)
{
	if (c == C_NUMBER) {
		for (size_t i = 0; i < t->norm_len; i++)
			if (t->norm[i] < '0' || t->norm[i] > '9')
				return 0;
		return t->norm_len > 0;
	}
	(void)s;
	return at_tok_has_class(t, c);
}

/* Seeker content stems for overlap (open addressing set). */
typedef struct at_stemset {
	uint32_t *v;
	size_t mask;
	size_t n;
} at_stemset;
/* set->v lives in ar */
attune_status at_stemset_build(at_arena *ar, const at_doc *d, at_stemset *set);
/* 1 if stem hash h is in the set. */
static inline int at_stemset_has(const at_stemset *set, uint32_t h)
{
	if (!set->v)
		return 0;
	for (size_t j = h & set->mask; set->v[j]; j = (j + 1) & set->mask)
		if (set->v[j] == h)
			return 1;
	return 0;
}
/* Not a stopword, negator, filler, first-person word or clause break, nor
 * an emoji, and at least 3 bytes long: a word that carries the topic. */
static inline int at_tok_is_content(const at_tok *t)
{
	if (t->norm_len < 3 || (t->flags & TK_EMOJI))
		return 0;
	return !(t->classes & ((1u << C_STOP) | (1u << C_NEGATOR) | (1u << C_FILLER) |
	                       (1u << C_FIRST_PERSON) | (1u << C_BREAK)));
}
/* 1 if the token's word has an at_emotion (words[word].emo >= 0): the
 * lexicon gives a word C_EMOTION exactly when it gives it an emotion entry,
 * and t->classes is that word's classes (0 for an unknown word), so this
 * reads the token alone instead of words[]. */
static inline int at_tok_is_emotion(const at_tok *t)
{
	return at_tok_has_class(t, C_EMOTION);
}
/* 1 if the token's normalized form is w (inline, so a literal's length is
 * a constant). */
static inline int at_tok_is(const at_tok *t, const char *w)
{
	size_t n = strlen(w);
	return t->norm_len == n && memcmp(t->norm, w, n) == 0;
}
/* canned.c: sentences of 4+ words, hashed over their normalized words. */
typedef struct at_canned_sent {
	uint32_t hash;
	size_t start, end; /* bytes: first word's start, last word's end */
} at_canned_sent;
/* Finds the next such sentence at or after *pos; returns 0 when none is left. */
int at_canned_next(const char *text, size_t len, size_t *pos, at_canned_sent *out);

/* analyze.c: levels, findings and score for one draft. The findings array
 * lives in the arena given to at_analyze (attune_score copies it out). */

/* at_sent_sum.heard_test bits: an advice match of the sentence got as far as
 * asking whether the person was heard first, and with the answer "no". */
#define AT_HEARD_TESTED  1u
#define AT_HEARD_UNHEARD 2u
/* What one sentence adds to the score, and what it takes from the sentences
 * before it (at_analyze_sums; suggest.c scores projections from these). */
typedef struct at_sent_sum {
	uint8_t ack, reflect, explore, check_in; /* levels reached in the sentence */
	uint8_t heard;      /* an acknowledgment or reflection finding starts here */
	uint8_t heard_test; /* AT_HEARD_* */
	uint8_t self_own;   /* self-focus of its own */
	uint8_t story;      /* self-focus (minor) if the sentence before is self-focused */
	int penalty;        /* its negative findings, the continuation one left out */
	int penalty_heard;  /* the same were an acknowledgment before the sentence */
} at_sent_sum;

/* The five positive finding kinds (attune_finding_kind_is_positive() in
 * names.c is this), inline for the per-finding loops. */
static inline int at_kind_is_positive(attune_finding_kind k)
{
	return k >= ATTUNE_FINDING_ACKNOWLEDGMENT && k <= ATTUNE_FINDING_CLOSED_QUESTION;
}

typedef struct at_analysis {
	unsigned acknowledge, reflect, explore, check_in;
	attune_finding *findings; /* in ar */
	size_t n_findings, cap_findings;
	at_arena *ar;
	unsigned score;
	size_t last[ATTUNE_FINDING_KIND_MAX]; /* 1 + index of the latest finding per kind */
	size_t first_heard; /* start of the first acknowledgment/reflection, or SIZE_MAX */
	at_sent_sum *sums;  /* at_analyze_sums only: one per sentence, in ar; else NULL */
	int sums_pen_most;  /* with sums: the sum over them of max(penalty, penalty_heard) */
	uint8_t seam_walk;  /* chained advice looked back past its sentence's start */
} at_analysis;
/* The responder's prior turns, digested once per attune_score() call. */
#define AT_TURN_STEMS 64
typedef struct at_turn_sig {
	uint32_t opener;               /* hash of the first three words */
	uint32_t stems[AT_TURN_STEMS]; /* (file << 16 | stem) of positive stems used */
	size_t n_stems;
} at_turn_sig;
typedef struct at_prior {
	at_turn_sig sigs[AT_RECENT_TURNS];
	size_t n_recent;
	at_stemset canned; /* sentence hashes of every prior turn */
	at_stemset leads;  /* three-word windows of the recent turns */
} at_prior;
/* The sets live in ar. */
attune_status at_prior_build(const attune_scorer *s, at_arena *ar, const attune_text *prior,
                             size_t n, at_prior *out);

/* 1 if a negator word can sit inside a match of p without p naming it (a
 * ".." gap and no word list that lists a negator): disowned() (analyze.c)
 * then reads it as the responder disowning the cue. */
int at_pattern_takes_in_negator(const attune_scorer *s, const at_pattern *p);
/* Builds s->pat_takes_neg (after at_lexicon_build; at_analysis_index_free
 * releases it, and is a no-op when it was never built). */
attune_status at_analysis_index(attune_scorer *s);
void at_analysis_index_free(attune_scorer *s);
/* pr may be NULL (no prior turns). */
attune_status at_analyze(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                         const at_stemset *sk, const at_doc *draft, const at_prior *pr,
                         at_analysis *out);

/* The score formula (scorer/data/README.md): levels, check-in and the sum of
 * at_penalty() over the negative findings. */
int at_penalty(attune_severity sev);
/* The score itself, inline: the projection's early exit (suggest.c) asks it
 * per suggestion. */
static inline unsigned at_score_of(unsigned acknowledge, unsigned reflect, unsigned explore,
                                   unsigned check_in, int penalties)
{
	int score = 25 + 15 * (int)acknowledge + 12 * (int)reflect + 9 * (int)explore +
	            5 * (int)check_in - penalties;
	return (unsigned)(score < 0 ? 0 : score > 100 ? 100 : score);
}
/* at_analyze without prior turns, also filling out->sums. */
attune_status at_analyze_sums(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                              const at_stemset *sk, const at_doc *d, at_analysis *out);

/* risk.c */
/* out->spans is malloc'ed (the caller's result); ar holds the scratch. */
attune_status at_risk(const attune_scorer *s, at_arena *ar, const at_doc *seeker, attune_risk *out);

/* suggest.c */
/* out[0], out[1]: at_fnv_byte() over a[0, na) and b[0, nb) from
 * AT_FNV_BASIS (0 becomes 1), in one loop: FNV-1a is
 * a serial chain of multiplies, so two chains side by side take about the
 * time of one (the suggestion seed hashes the whole seeker text and draft). */
void at_hash_pair(const char *a, size_t na, const char *b, size_t nb, uint32_t out[2]);
void at_template_measure(at_template *t);
/* Builds s->tpl_index from s->tpls (after at_lexicon_build; at_template_index_free
 * releases it, and is a no-op when it was never built). */
attune_status at_template_index(attune_scorer *s);
void at_template_index_free(attune_scorer *s);
/* sk: the seeker's content stems (at_stemset_build of seeker) */
/* Room for one suggestion text with its NUL: a longer one is never made. */
#define AT_SUGGESTION_MAX 600
/* How many suggestions a call may make: in->max_suggestions, capped. */
static inline unsigned at_max_suggestions(const attune_score_input *in)
{
	return in->max_suggestions > ATTUNE_MAX_SUGGESTIONS ? ATTUNE_MAX_SUGGESTIONS
	                                                    : in->max_suggestions;
}
/* Fills r->suggestions (room for at_max_suggestions(in) of them, set by the
 * caller) and writes their texts one after another in texts
 * (AT_SUGGESTION_MAX bytes of room per suggestion); ar holds the temporaries. */
attune_status at_suggest(const attune_scorer *s, at_arena *ar, const attune_score_input *in,
                         const at_doc *seeker, const at_stemset *sk, const at_doc *draft,
                         const at_prior *pr, const at_analysis *a, attune_score_result *r,
                         char *texts);
/* The projected score of sg (its text matched as sd, so sd->len is the
 * text's length) applied to the draft, from at_analyze_sums of the draft
 * (da) and of sd, without prior turns. Returns 0 when the sums do not decide
 * it (nothing set; the caller scores the text), else 1 with *st set and, when
 * ATTUNE_OK, sg->projected_score.
 * tests/scorer/test_projection.c compares it with scoring the text. */
int at_project_summed(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                      const at_stemset *sk, const at_analysis *da, const at_doc *draft,
                      const at_doc *sd, attune_suggestion *sg, attune_status *st);
/* 1 if at_project_summed() would take its early exit (the projected score
 * is surely 0 from the draft's sums alone, see suggest.c surely_zero), for
 * tests/scorer/test_projection.c to check those cases against the text. */
int at_project_surely_zero(const at_analysis *da, const at_doc *draft, const at_doc *sd,
                           const attune_suggestion *sg);
/* scorer.c: scores a draft variant without suggestions (for projected_score). */
attune_status at_score_plain(const attune_scorer *s, at_arena *ar, const at_doc *seeker,
                             const at_stemset *sk, const at_prior *pr, const char *draft,
                             size_t len, unsigned *score);

#endif
