/*
 * test_wire_decode.c - the two ScoreDraftRequest decoders behind
 * attune_wire_decode_score_request agree. The plain fast path (one walk,
 * texts as views into the bytes) and the protobuf-c path must give the same
 * status, the same error (reason and message) and the same decoded request
 * on every input here: the fuzz seed corpus, the load-test bodies, requests
 * built the way the other tests build them, the labelled corpus texts, edge
 * values of every field, and mutations of all of those (bit flips, byte
 * overwrites, truncations; dropped, duplicated, reordered and unknown
 * fields; other wire types; non-canonical varints). It also checks that the
 * fast path does take plain requests, or both would agree by never using it.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "attune_wire.h"
#include "check.h"
#include "corpus_pairs.h"
#include "wire_internal.h"

/* Room for the largest mutated input: the limit-sized bases (two 32 KiB
 * texts) with a few fields duplicated. */
#define BUF_MAX (512u * 1024u)

typedef struct buf {
	uint8_t *b;
	size_t n;
} buf;

static buf buf_new(void)
{
	buf o = {malloc(BUF_MAX), 0};
	if (!o.b)
		abort();
	return o;
}

static void put(buf *o, const void *p, size_t n)
{
	if (n > BUF_MAX - o->n)
		abort(); /* a test bug: mutations never grow this much */
	if (n)
		memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void put_varint(buf *o, uint64_t v)
{
	do {
		uint8_t c = (uint8_t)((v & 0x7F) | (v >= 0x80 ? 0x80 : 0));
		put(o, &c, 1);
		v >>= 7;
	} while (v);
}

static void put_bytes(buf *o, unsigned field, const void *p, size_t n)
{
	put_varint(o, (uint64_t)field << 3 | 2);
	put_varint(o, n);
	put(o, p, n);
}

static void put_str(buf *o, unsigned field, const char *s)
{
	put_bytes(o, field, s, strlen(s));
}

static void put_uint(buf *o, unsigned field, uint64_t v)
{
	put_varint(o, (uint64_t)field << 3);
	put_varint(o, v);
}

/* ---- running both decoders ---- */

typedef struct diff_ctx {
	check_ctx *c;
	const attune_scorer *sc;
	unsigned inputs, ok, plain, reported;
	buf scratch[2]; /* mutation outputs */
} diff_ctx;

/* t lies inside data[0, len): the request borrowed it instead of copying. */
static int points_into(attune_text t, const uint8_t *data, size_t len)
{
	uintptr_t p = (uintptr_t)t.ptr, d = (uintptr_t)data;
	return p >= d && p + t.len <= d + len;
}

/* Decodes data with each path against one scorer (or none); returns 1 when
 * they agree, and says whether the plain path took it. */
static int agree(diff_ctx *dc, const uint8_t *data, size_t len, const attune_scorer *sc,
                 int *took_out)
{
	attune_wire_score_request *slow = NULL, *pub = NULL, *fast = NULL;
	attune_wire_error es, ep;
	int ok;

	memset(&es, 0, sizeof(es));
	memset(&ep, 0, sizeof(ep));
	attune_wire_status ss = attune_wire__decode_score_unpacked(data, len, sc, &slow, &es);
	attune_wire_status sp = attune_wire_decode_score_request(data, len, sc, &pub, &ep);
	int took = attune_wire__decode_score_plain(data, len, sc, &fast);

	ok = ss == sp && took == (fast != NULL) && (!took || ss == ATTUNE_WIRE_OK);
	if (ok && ss != ATTUNE_WIRE_OK)
		ok = !slow && !pub && es.reason == ep.reason && strcmp(es.message, ep.message) == 0;
	if (ok && ss == ATTUNE_WIRE_OK)
		ok = slow && pub && attune_wire__same_score_request(slow, pub) &&
		     (!took || attune_wire__same_score_request(slow, fast));
	/* When the fast path can take a request, the public decoder does: its
	 * draft (never empty when accepted) is a view into data. */
	if (ok && took)
		ok = points_into(pub->params.draft, data, len);
	attune_wire_score_request_free(slow);
	attune_wire_score_request_free(pub);
	attune_wire_score_request_free(fast);
	if (ok && sc == dc->sc) {
		dc->ok += ss == ATTUNE_WIRE_OK;
		dc->plain += took != 0;
	}
	*took_out = took;
	return ok;
}

/* One input, with the server's scorer and without one (locale checked
 * only syntactically): both paths must agree. Returns 1 if the plain path
 * took it with the scorer. */
static int diff(diff_ctx *dc, const uint8_t *data, size_t len)
{
	int took = 0, took_null = 0;
	int ok = agree(dc, data, len, dc->sc, &took) && agree(dc, data, len, NULL, &took_null);

	dc->inputs++;
	CHECK(dc->c, ok);
	if (!ok && dc->reported++ < 10) {
		fprintf(stderr, "  decoders differ on %zu bytes:", len);
		for (size_t i = 0; i < len && i < 48; i++)
			fprintf(stderr, " %02x", data[i]);
		fprintf(stderr, "%s\n", len > 48 ? " ..." : "");
	}
	return took;
}

/* A request every decoder must take on the fast path. */
static void diff_plain(diff_ctx *dc, const uint8_t *data, size_t len)
{
	CHECK(dc->c, diff(dc, data, len));
}

/* ---- mutations ---- */

typedef struct span {
	size_t start, end; /* one whole field: tag to end of value */
} span;

#define MAX_FIELDS 256

static size_t read_varint(const uint8_t *p, size_t len, size_t off, uint64_t *v)
{
	uint64_t x = 0;

	*v = 0; /* 0 on a bad varint too */
	for (size_t i = 0; off + i < len && i < 10; i++) {
		x |= (uint64_t)(p[off + i] & 0x7F) << (7 * i);
		if (!(p[off + i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

/* Splits well-framed bytes into their top-level fields; -1 when they do
 * not frame (or have more fields than MAX_FIELDS). */
static int split_fields(const uint8_t *p, size_t len, span *out)
{
	size_t off = 0;
	int n = 0;

	while (off < len) {
		uint64_t tag, v;
		size_t start = off, used = read_varint(p, len, off, &tag);
		if (!used || n == MAX_FIELDS)
			return -1;
		off += used;
		switch (tag & 7) {
		case 0:
			if (!(used = read_varint(p, len, off, &v)))
				return -1;
			off += used;
			break;
		case 1:
		case 5:
			if (len - off < ((tag & 7) == 1 ? 8u : 4u))
				return -1;
			off += (tag & 7) == 1 ? 8u : 4u;
			break;
		case 2:
			if (!(used = read_varint(p, len, off, &v)) || v > len - off - used)
				return -1;
			off += used + (size_t)v;
			break;
		default:
			return -1;
		}
		out[n++] = (span){start, off};
	}
	return n;
}

/* A tiny deterministic PRNG (xorshift64): the same inputs every run. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t rng_below(uint64_t *s, size_t n)
{
	return n ? (size_t)(rng_next(s) % n) : 0;
}

/* Fields a plain request never has, or has in another shape. */
static const struct snippet {
	const char *bytes;
	size_t len;
} SNIPPETS[] = {
    {"\x50\x01", 2},                                  /* unknown field 10, varint */
    {"\x7a\x02hi", 4},                                /* unknown field 15, bytes */
    {"\x85\x01\x01\x02\x03\x04", 6},                  /* unknown field 16, fixed32 */
    {"\xa1\x06\x01\x02\x03\x04\x05\x06\x07\x08", 10}, /* unknown field 100, fixed64 */
    {"\xfa\xff\xff\xff\x0f\x00", 6},                  /* field 2^29-1, empty bytes */
    {"\x00\x00", 2},                                  /* field 0 */
    {"\x0b", 1},                                      /* group start */
    {"\x0c", 1},                                      /* group end */
    {"\x0e", 1},                                      /* wire type 6 */
    {"\x4a\x02\x18\x01", 4},                          /* options with an unknown field */
    {"\x4a\x04\x08\x01\x08\x00", 6},                  /* options: disabled twice */
    {"\x4a\x02\x10\x05", 4},                          /* options: max_count 5 */
    {"\x4a\x00", 2},                                  /* empty options */
    {"\x38\x02", 2},                                  /* channel 2 */
    {"\x38\x82\x80\x80\x80\x10", 6},                  /* channel 2 + 2^32 */
    {"\x12\x02ok", 4},                                /* draft "ok" */
    {"\x1a\x01t", 3},                                 /* one more turn */
    {"\x42\x02"
     "en",
     4},                     /* locale "en" */
    {"\x0a\x02\xc3\x28", 4}, /* seeker: bad UTF-8 */
};
#define N_SNIPPETS (sizeof(SNIPPETS) / sizeof(SNIPPETS[0]))

/* v as a varint one byte longer than needed (a last byte of 0x00): the
 * same value to protobuf-c, not canonical. */
static void put_varint_padded(buf *o, uint64_t v)
{
	uint8_t zero = 0;

	put_varint(o, v);
	o->b[o->n - 1] |= 0x80;
	put(o, &zero, 1);
}

/* Writes field f of p rewritten by `how`: 0 its tag padded, 1 its length
 * or varint value padded, 2 + w its tag with wire type w (w = 0..7). */
static void rewrite_field(buf *o, const uint8_t *p, span f, int how)
{
	uint64_t tag, v;
	size_t off = f.start + read_varint(p, f.end, f.start, &tag);

	if (how == 0) {
		put_varint_padded(o, tag);
	} else if (how == 1 && ((tag & 7) == 0 || (tag & 7) == 2)) {
		put(o, p + f.start, off - f.start);
		off += read_varint(p, f.end, off, &v);
		put_varint_padded(o, v);
	} else if (how == 1) {
		put(o, p + f.start, off - f.start);
	} else {
		put_varint(o, (tag & ~(uint64_t)7) | (uint64_t)(how - 2));
	}
	put(o, p + off, f.end - off);
}

/* One random edit of src into dst. */
static void random_edit(uint64_t *s, const buf *src, buf *dst)
{
	span f[MAX_FIELDS];
	int nf = split_fields(src->b, src->n, f);
	size_t at;

	dst->n = 0;
	switch (rng_below(s, nf > 0 ? 6 : 3)) {
	case 0: /* bit flip */
		put(dst, src->b, src->n);
		if (src->n)
			dst->b[rng_below(s, src->n)] ^= (uint8_t)(1u << rng_below(s, 8));
		break;
	case 1: /* truncation */
		put(dst, src->b, rng_below(s, src->n + 1));
		break;
	case 2: /* a snippet somewhere */
		at = rng_below(s, src->n + 1);
		put(dst, src->b, at);
		{
			const struct snippet *sn = &SNIPPETS[rng_below(s, N_SNIPPETS)];
			put(dst, sn->bytes, sn->len);
		}
		put(dst, src->b + at, src->n - at);
		break;
	case 3: { /* duplicate a field at the end */
		span x = f[rng_below(s, (size_t)nf)];
		put(dst, src->b, src->n);
		put(dst, src->b + x.start, x.end - x.start);
		break;
	}
	case 4: { /* drop a field */
		span x = f[rng_below(s, (size_t)nf)];
		put(dst, src->b, x.start);
		put(dst, src->b + x.end, src->n - x.end);
		break;
	}
	default: { /* swap two fields */
		size_t i = rng_below(s, (size_t)nf), j = rng_below(s, (size_t)nf);
		for (int k = 0; k < nf; k++) {
			span x = f[k == (int)i ? j : k == (int)j ? i : (size_t)k];
			put(dst, src->b + x.start, x.end - x.start);
		}
		break;
	}
	}
}

/* Every field-level mutation of base: each field dropped, duplicated (in
 * place and at the end), moved to the front and to the end, rewritten
 * (non-canonical tag, padded varint, every wire type); all fields reversed
 * and shuffled; every snippet at every field boundary. */
static void mutate_fields(diff_ctx *dc, const uint8_t *p, size_t len, uint64_t *s)
{
	span f[MAX_FIELDS];
	int nf = split_fields(p, len, f);
	buf *o = &dc->scratch[0];

	if (nf < 0)
		return;
	for (int i = 0; i < nf; i++) {
		size_t fl = f[i].end - f[i].start;
		for (int op = 0; op < 5; op++) {
			o->n = 0;
			if (op == 3) /* to the front */
				put(o, p + f[i].start, fl);
			for (int k = 0; k < nf; k++) {
				if (k == i && (op == 0 || op == 3 || op == 4))
					continue; /* dropped, or moved */
				put(o, p + f[k].start, f[k].end - f[k].start);
				if (k == i && op == 1)
					put(o, p + f[k].start, fl); /* twice in a row */
			}
			if (op == 2 || op == 4) /* duplicated at / moved to the end */
				put(o, p + f[i].start, fl);
			diff(dc, o->b, o->n);
		}
		for (int how = 0; how < 10; how++) {
			o->n = 0;
			put(o, p, f[i].start);
			rewrite_field(o, p, f[i], how);
			put(o, p + f[i].end, len - f[i].end);
			diff(dc, o->b, o->n);
		}
	}
	o->n = 0;
	for (int k = nf - 1; k >= 0; k--)
		put(o, p + f[k].start, f[k].end - f[k].start);
	diff(dc, o->b, o->n);
	for (int round = 0; round < 8 && nf > 1; round++) {
		int order[MAX_FIELDS];
		for (int k = 0; k < nf; k++)
			order[k] = k;
		for (int k = nf - 1; k > 0; k--) {
			int j = (int)rng_below(s, (size_t)k + 1), t = order[k];
			order[k] = order[j];
			order[j] = t;
		}
		o->n = 0;
		for (int k = 0; k < nf; k++)
			put(o, p + f[order[k]].start, f[order[k]].end - f[order[k]].start);
		diff(dc, o->b, o->n);
	}
	for (int k = 0; k <= nf; k++) {
		size_t at = k < nf ? f[k].start : len;
		for (size_t sn = 0; sn < N_SNIPPETS; sn++) {
			o->n = 0;
			put(o, p, at);
			put(o, SNIPPETS[sn].bytes, SNIPPETS[sn].len);
			put(o, p + at, len - at);
			diff(dc, o->b, o->n);
		}
	}
}

/* base as is, then mutated: byte-level edits everywhere for small inputs
 * (every truncation, every bit flip), a sample for large ones; field-level
 * edits; random stacks of two or three edits. */
static void diff_mutated(diff_ctx *dc, const uint8_t *p, size_t len, uint64_t seed)
{
	static const uint8_t values[] = {0x00, 0x01, 0x7F, 0x80, 0xFF, 0xC0, 0xED, 0xF4};
	const int small = len <= 1024;
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
	buf *o = &dc->scratch[0], *o2 = &dc->scratch[1];

	diff(dc, p, len);
	for (size_t n = 0; n < len; n += small ? 1 : len / 64 + 1)
		diff(dc, p, n);
	for (size_t i = 0; i < (small ? len * 8 : 512); i++) {
		size_t bit = small ? i : rng_below(&s, len * 8);
		o->n = 0;
		put(o, p, len);
		o->b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		diff(dc, o->b, o->n);
	}
	for (int i = 0; i < 128 && len; i++) {
		o->n = 0;
		put(o, p, len);
		o->b[rng_below(&s, len)] = values[rng_below(&s, sizeof(values))];
		diff(dc, o->b, o->n);
	}
	mutate_fields(dc, p, len, &s);
	for (int i = 0; i < (small ? 256 : 16); i++) {
		o2->n = 0;
		put(o2, p, len);
		for (size_t k = 0, edits = 2 + rng_below(&s, 2); k < edits; k++) {
			random_edit(&s, o2, o);
			o2->n = 0;
			put(o2, o->b, o->n);
		}
		diff(dc, o2->b, o2->n);
	}
}

/* ---- the inputs ---- */

/* Every file of the libFuzzer seed corpus of fuzz_decode (all message
 * types: the others are near misses for ScoreDraft). */
static void test_fuzz_corpus(diff_ctx *dc)
{
	DIR *d = opendir(ATTUNE_DECODE_CORPUS_DIR);
	struct dirent *e;
	unsigned files = 0;

	CHECK(dc->c, d != NULL);
	while (d && (e = readdir(d)) != NULL) {
		char path[1024];
		size_t len = 0;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", ATTUNE_DECODE_CORPUS_DIR, e->d_name);
		char *b = check_read_file(path, &len);
		CHECK(dc->c, b != NULL);
		if (b)
			diff_mutated(dc, (const uint8_t *)b, len, files);
		free(b);
		files++;
	}
	if (d)
		closedir(d);
	CHECK(dc->c, files >= 20); /* the corpus was really there */
}

/* Encodes p with the client encoder (protobuf-c's canonical bytes). */
static void encode(check_ctx *c, const attune_wire_score_params *p, attune_wire_buf *out)
{
	attune_wire_error err;
	CHECK(c, attune_wire_encode_score_request(p, out, &err) == ATTUNE_WIRE_OK);
}

static attune_text text(const char *s)
{
	return (attune_text){s, strlen(s)};
}

/* bench/load_bodies.py's texts: the bodies bench/load.sh sends. */
#define LOAD_SEEKER                                                                                \
	"After pausing my career for several years to start a family, it is time to go back "      \
	"to work, but I feel rusty, unmotivated and anxious about re-entering the job market. "    \
	"Every time I open a job listing I close it again. My partner says I'm overthinking "      \
	"it, but I honestly don't know where to start or whether anyone would hire me now."
#define LOAD_DRAFT_B                                                                               \
	"I've struggled with the same problem. The best way to tackle it is to just jump right "   \
	"in and give it your best. At least you have had time with your family, and it could "     \
	"be worse. You should update your resume tonight and apply to five jobs this week. "       \
	"Don't worry, everything happens for a reason and you will be fine, trust me."

/* The load-test bodies, and requests like test_wire.c's round trips: all
 * plain, so the fast path must take each one. */
static void test_built_requests(diff_ctx *dc)
{
	attune_text turns[3] = {text("It sounds like a hard week."), text("How are you?"),
	                        text("Je suis là. 💙")};
	attune_wire_score_params p = {0};
	attune_wire_buf b = {0};

	p.seeker = text(LOAD_SEEKER);
	p.draft = text(LOAD_DRAFT_B);
	p.conversation_id = "bench-conv-1";
	p.responder_id = "bench-vol-1";
	p.team = "bench";
	p.channel = ATTUNE_CHANNEL_CHAT;
	for (int variant = 0; variant < 3; variant++) {
		p.suggestions_disabled = variant == 1;
		if (variant == 2) { /* score_tiny */
			p.seeker = text("hi");
			p.draft = text("ok");
		}
		encode(dc->c, &p, &b);
		diff_plain(dc, b.data, b.len);
		diff_mutated(dc, b.data, b.len, 100u + (unsigned)variant);
		attune_wire_buf_free(&b);
	}

	memset(&p, 0, sizeof(p));
	p.seeker = text(LOAD_SEEKER);
	p.draft = text(LOAD_DRAFT_B);
	p.prior_turns = turns;
	p.n_prior_turns = 3;
	p.conversation_id = "conv-1";
	p.responder_id = "resp-7";
	p.team = "night.shift_2";
	p.locale = "en-US";
	p.channel = ATTUNE_CHANNEL_SMS;
	p.max_suggestions = 5;
	encode(dc->c, &p, &b);
	diff_plain(dc, b.data, b.len);
	diff_mutated(dc, b.data, b.len, 200);
	attune_wire_buf_free(&b);

	/* Each optional field alone, at the edge of its limit. */
	static char big[ATTUNE_MAX_DRAFT_BYTES + 1];
	memset(big, 'a', sizeof(big) - 1);
	static attune_text many[ATTUNE_MAX_PRIOR_TURNS];
	for (size_t i = 0; i < ATTUNE_MAX_PRIOR_TURNS; i++)
		many[i] = text("t");
	for (int edge = 0; edge < 9; edge++) {
		memset(&p, 0, sizeof(p));
		p.draft = text("ok");
		switch (edge) {
		case 0:
			p.draft = (attune_text){big, ATTUNE_MAX_DRAFT_BYTES};
			break;
		case 1:
			p.seeker = (attune_text){big, ATTUNE_MAX_SEEKER_BYTES};
			break;
		case 2:
			p.prior_turns = many;
			p.n_prior_turns = ATTUNE_MAX_PRIOR_TURNS;
			break;
		case 3:
			p.conversation_id = big + sizeof(big) - 1 - ATTUNE_WIRE_MAX_ID_BYTES;
			break;
		case 4:
			p.responder_id = big + sizeof(big) - 1 - ATTUNE_WIRE_MAX_ID_BYTES;
			break;
		case 5:
			p.team = big + sizeof(big) - 1 - ATTUNE_WIRE_MAX_TEAM_BYTES;
			break;
		case 6:
			p.locale = "en-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
			break; /* 35 bytes */
		case 7:
			p.channel = ATTUNE_CHANNEL_PATIENT_PORTAL;
			p.max_suggestions = 8;
			break;
		default:
			p.suggestions_disabled = 1;
			p.max_suggestions = 1;
			break;
		}
		encode(dc->c, &p, &b);
		diff_plain(dc, b.data, b.len);
		diff_mutated(dc, b.data, b.len, 300u + (unsigned)edge);
		attune_wire_buf_free(&b);
	}
}

/* Raw bodies at and past every limit, and values only raw bytes can carry:
 * bad UTF-8 and NUL in each text, 51 turns, ids one byte too long, bad
 * team and locale syntax, unsupported locales, out-of-range and multi-byte
 * enum and option values. */
static void test_edge_values(diff_ctx *dc)
{
	static const char *const bad_texts[] = {
	    "\xff",       "a\0b",        "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	    "ok\xe2\x82", "\xe2\x82\xac"};
	static const size_t bad_lens[] = {1, 3, 2, 3, 4, 4, 3};
	static const char *const locales[] = {"",    "en",    "EN",    "en-US", "en-gb",
	                                      "fr",  "zz-QQ", "en_US", "e",     "enx",
	                                      "en-", "-en",   "en US"};
	static const char *const teams[] = {"", "a", "night.shift_2", "a b", "ü", "x/y", "-"};
	static const uint64_t values[] = {
	    0, 1, 2, 4, 5, 8, 9, 127, 128, 300, 1ull << 32 | 2, UINT64_MAX};
	static char big[ATTUNE_MAX_DRAFT_BYTES + 2];
	buf own = buf_new(), *o = &own; /* diff_mutated writes the scratch buffers */
	uint64_t seed = 1000;

	memset(big, 'a', sizeof(big) - 1);
	for (unsigned field = 1; field <= 8; field++) {
		if (field == 7)
			continue;
		for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
			o->n = 0;
			if (field != 2)
				put_str(o, 2, "ok");
			put_bytes(o, field, bad_texts[i], bad_lens[i]);
			diff(dc, o->b, o->n);
		}
	}
	static const struct {
		unsigned field;
		size_t max;
	} limits[] = {{1, ATTUNE_MAX_SEEKER_BYTES},     {2, ATTUNE_MAX_DRAFT_BYTES},
	              {3, ATTUNE_MAX_PRIOR_TURN_BYTES}, {4, ATTUNE_WIRE_MAX_ID_BYTES},
	              {5, ATTUNE_WIRE_MAX_ID_BYTES},    {6, ATTUNE_WIRE_MAX_TEAM_BYTES},
	              {8, ATTUNE_WIRE_MAX_LOCALE_BYTES}};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		for (size_t n = limits[i].max - 1; n <= limits[i].max + 1; n++) {
			o->n = 0;
			if (limits[i].field != 2)
				put_str(o, 2, "ok");
			put_bytes(o, limits[i].field, big, n);
			diff(dc, o->b, o->n);
			if (n == limits[i].max && n < 1024)
				diff_mutated(dc, o->b, o->n, seed++);
		}
	}
	for (unsigned turns = 0; turns <= ATTUNE_MAX_PRIOR_TURNS + 1; turns++) {
		o->n = 0;
		put_str(o, 2, "ok");
		for (unsigned t = 0; t < turns; t++)
			put_str(o, 3, t % 7 ? "turn" : "");
		diff(dc, o->b, o->n);
	}
	for (size_t i = 0; i < sizeof(locales) / sizeof(locales[0]); i++) {
		o->n = 0;
		put_str(o, 2, "ok");
		put_str(o, 8, locales[i]);
		diff(dc, o->b, o->n);
	}
	for (size_t i = 0; i < sizeof(teams) / sizeof(teams[0]); i++) {
		o->n = 0;
		put_str(o, 2, "ok");
		put_str(o, 6, teams[i]);
		diff(dc, o->b, o->n);
	}
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		buf *opts = &dc->scratch[0];
		o->n = 0;
		put_str(o, 2, "ok");
		put_uint(o, 7, values[i]);
		diff(dc, o->b, o->n);
		for (unsigned field = 1; field <= 2; field++) {
			opts->n = 0;
			put_uint(opts, field, values[i]); /* disabled, max_count */
			o->n = 0;
			put_str(o, 2, "ok");
			put_bytes(o, 9, opts->b, opts->n);
			diff(dc, o->b, o->n);
		}
	}
	/* Empty input, and each text present but empty. */
	diff(dc, (const uint8_t *)"", 0);
	for (unsigned field = 1; field <= 8; field++) {
		if (field == 7)
			continue;
		o->n = 0;
		put_str(o, 2, "ok");
		put_bytes(o, field, "", 0);
		diff(dc, o->b, o->n);
	}
	free(own.b);
}

/* The labelled corpus texts as requests: plain, so all on the fast path;
 * each lightly mutated (a truncation and a bit flip per request). */
typedef struct corpus_ctx {
	diff_ctx *dc;
	unsigned n;
} corpus_ctx;

static void corpus_request(const char *seeker, const char *draft, void *arg)
{
	corpus_ctx *cc = arg;
	diff_ctx *dc = cc->dc;
	buf *o = &dc->scratch[0];
	attune_wire_score_params p = {0};
	attune_wire_buf b = {0};
	unsigned n = cc->n;

	p.seeker = text(seeker);
	p.draft = text(draft);
	p.conversation_id = "corpus";
	p.channel = (attune_channel)(n % ATTUNE_CHANNEL_MAX);
	p.max_suggestions = n % (ATTUNE_MAX_SUGGESTIONS + 1);
	if (attune_wire_encode_score_request(&p, &b, NULL) != ATTUNE_WIRE_OK)
		return; /* over a limit: not a request */
	diff_plain(dc, b.data, b.len);
	diff(dc, b.data, b.len - 1 - n % b.len);
	o->n = 0;
	put(o, b.data, b.len);
	o->b[n % b.len] ^= (uint8_t)(1u << n % 8);
	diff(dc, o->b, o->n);
	attune_wire_buf_free(&b);
	cc->n++;
}

static void test_corpus_texts(diff_ctx *dc)
{
	corpus_ctx cc = {dc, 0};

	CHECK(dc->c, corpus_for_each_pair(ATTUNE_CORPUS_DIR, corpus_request, &cc) == 0);
	CHECK(dc->c, cc.n > 500); /* the corpus was really read */
}

/* The public decoder takes the fast path: its texts borrow the input. */
static void test_views(check_ctx *c, const attune_scorer *sc)
{
	attune_wire_score_params p = {0};
	attune_wire_score_request *req = NULL;
	attune_wire_buf b = {0};

	p.seeker = text(LOAD_SEEKER);
	p.draft = text(LOAD_DRAFT_B);
	p.prior_turns = &p.seeker;
	p.n_prior_turns = 1;
	encode(c, &p, &b);
	CHECK(c, attune_wire_decode_score_request(b.data, b.len, sc, &req, NULL) == ATTUNE_WIRE_OK);
	if (req) {
		CHECK(c, points_into(req->params.seeker, b.data, b.len));
		CHECK(c, points_into(req->params.draft, b.data, b.len));
		CHECK(c, points_into(req->params.prior_turns[0], b.data, b.len));
		CHECK(c, req->input.draft.ptr == req->params.draft.ptr);
		CHECK_STR(c, req->params.team, "");
		CHECK_STR(c, req->input.locale, "en");
	}
	attune_wire_score_request_free(req);
	attune_wire_buf_free(&b);
}

int main(void)
{
	check_ctx c = {0, 0};
	attune_scorer *sc = NULL;
	diff_ctx dc = {&c, NULL, 0, 0, 0, 0, {buf_new(), buf_new()}};

	if (attune_scorer_create(&sc) != ATTUNE_OK) {
		fprintf(stderr, "test_wire_decode: cannot create the scorer\n");
		return 1;
	}
	dc.sc = sc;
	test_views(&c, sc);
	test_fuzz_corpus(&dc);
	test_built_requests(&dc);
	test_edge_values(&dc);
	test_corpus_texts(&dc);
	fprintf(stderr, "test_wire_decode: %u inputs, %u decoded, %u by the fast path\n", dc.inputs,
	        dc.ok, dc.plain);
	/* Every outcome is well represented: not a test of one branch. */
	CHECK(&c, dc.plain > 2000);
	CHECK(&c, dc.ok > dc.plain + 1000);
	CHECK(&c, dc.inputs > dc.ok + 10000);
	free(dc.scratch[0].b);
	free(dc.scratch[1].b);
	attune_scorer_destroy(sc);
	return check_report(&c, "test_wire_decode");
}
