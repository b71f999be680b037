/*
 * test_wire_hotpath.c - invariants the ScoreDraft hot path relies on:
 *  - the response encoder writes backwards into a stack buffer of
 *    ATTUNE_PBW_SCRATCH bytes and starts again in a bigger heap buffer when
 *    a response does not fit: responses of every size around that limit
 *    (and around the first heap size) must still be protobuf-c's bytes;
 *  - attune_wire's ScoreDraftRequest decoders check the UTF-8 of every
 *    text and say so in input.utf8_checked, which lets attune_score skip
 *    its own scan; attune_score still scans when the flag is 0 (the
 *    default) and checks pointers and limits either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/v1/attune.pb-c.h"
#include "attune_wire.h"
#include "check.h"
#include "wire_internal.h"
#include "wire_pb.h"

/* ---- encoder: sizes around the scratch buffer and the first regrowth ---- */

/* protobuf-c's bytes of a response with one suggestion of text t. */
static uint8_t *ref_response(const char *t, const char *id, const char *version, size_t *len)
{
	Attune__V1__ScoreDraftResponse resp = ATTUNE__V1__SCORE_DRAFT_RESPONSE__INIT;
	Attune__V1__DimensionLevels levels = ATTUNE__V1__DIMENSION_LEVELS__INIT;
	Attune__V1__RiskAssessment risk = ATTUNE__V1__RISK_ASSESSMENT__INIT;
	Attune__V1__Suggestion g = ATTUNE__V1__SUGGESTION__INIT;
	Attune__V1__Suggestion *gp = &g;
	size_t n;
	uint8_t *b;

	resp.score = 42;
	levels.reflect = ATTUNE__V1__DIMENSION_LEVEL__DIMENSION_LEVEL_STRONG;
	resp.levels = &levels;
	g.kind = ATTUNE__V1__SUGGESTION_KIND__SUGGESTION_KIND_REFLECTION;
	g.text = (char *)t;
	g.placement = ATTUNE__V1__PLACEMENT__PLACEMENT_BEFORE_DRAFT;
	g.projected_score = 70;
	g.stem_id = (char *)"ref.hearing";
	resp.n_suggestions = 1;
	resp.suggestions = &gp;
	resp.risk = &risk;
	resp.human_review_required = 1;
	resp.scorer_version = (char *)version;
	resp.score_id = (char *)id;
	n = protobuf_c_message_get_packed_size(&resp.base);
	if (!(b = malloc(n ? n : 1)))
		abort();
	*len = protobuf_c_message_pack(&resp.base, b);
	return b;
}

/* Encodes the same response with a text of len bytes; 1 if the bytes are
 * protobuf-c's. */
static int encodes_at(char *text, size_t len)
{
	static const char id[] = "0123456789abcdef0123456789abcdef";
	attune_suggestion g = {ATTUNE_SUGGESTION_REFLECTION, text, ATTUNE_PLACEMENT_BEFORE_DRAFT,
	                       0, 0, ATTUNE_FINDING_UNSPECIFIED, 70, "ref.hearing"};
	attune_score_result r = {0};
	attune_wire_buf got = {0};
	uint8_t *want;
	size_t want_len;
	int ok;

	memset(text, 'a' + (int)(len % 26), len);
	text[len] = '\0';
	r.score = 42;
	r.reflect = 2;
	r.suggestions = &g;
	r.n_suggestions = 1;
	r.risk.guidance = "";
	want = ref_response(text, id, ATTUNE_SCORER_VERSION, &want_len);
	ok = attune_wire_encode_score_response(&r, id, ATTUNE_SCORER_VERSION, &got) ==
	         ATTUNE_WIRE_OK &&
	     got.len == want_len && memcmp(got.data, want, want_len) == 0;
	attune_wire_buf_free(&got);
	free(want);
	return ok;
}

static void test_encode_sizes(check_ctx *c)
{
	/* The fixed part of the message is under 100 bytes: these texts give
	 * every message size from well inside the scratch buffer to past it,
	 * and across the first heap buffer (twice the scratch) too. */
	static const size_t around[] = {ATTUNE_PBW_SCRATCH, 2 * ATTUNE_PBW_SCRATCH};
	char *text = malloc(2 * ATTUNE_PBW_SCRATCH + 256);
	int bad = 0;

	if (!text)
		abort();
	for (size_t a = 0; a < sizeof(around) / sizeof(around[0]); a++)
		for (size_t len = around[a] - 200; len <= around[a] + 64; len++)
			bad += !encodes_at(text, len);
	CHECK(c, bad == 0);
	free(text);
}

/* ---- the decoders vouch for the UTF-8 of what they decode ---- */

static const char SEEKER[] = "I feel rusty and anxious about going back to work.";
static const char DRAFT[] = "It sounds like going back feels daunting right now.";
static const char TURN[] = "That sounds hard.";

static void request_bytes(attune_wire_buf *out)
{
	attune_text turns[1] = {{TURN, sizeof(TURN) - 1}};
	attune_wire_score_params p = {0};

	p.seeker = (attune_text){SEEKER, sizeof(SEEKER) - 1};
	p.draft = (attune_text){DRAFT, sizeof(DRAFT) - 1};
	p.prior_turns = turns;
	p.n_prior_turns = 1;
	p.conversation_id = "conv-1";
	p.responder_id = "vol-1";
	p.team = "north";
	p.locale = "en";
	if (attune_wire_encode_score_request(&p, out, NULL) != ATTUNE_WIRE_OK)
		abort();
}

/* Where the bytes of s start in buf. */
static uint8_t *find(const attune_wire_buf *buf, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= buf->len; i++)
		if (memcmp(buf->data + i, s, n) == 0)
			return buf->data + i;
	abort();
}

static void test_decoders_vouch(check_ctx *c, const attune_scorer *sc)
{
	static const char *const texts[] = {SEEKER, DRAFT, TURN};
	/* Invalid UTF-8 (a lone continuation byte, a surrogate, an overlong)
	 * and a NUL: every one must be refused by both decoders. */
	static const char *const bad[] = {"\x80", "\xED\xA0\x80", "\xC0\xAF", "\0"};
	attune_wire_score_request *req = NULL;
	attune_wire_error err;
	attune_wire_buf buf = {0};

	request_bytes(&buf);
	CHECK(c, attune_wire__decode_score_plain(buf.data, buf.len, sc, &req) == 1);
	CHECK(c, req && req->input.utf8_checked == 1);
	attune_wire_score_request_free(req);
	req = NULL;
	CHECK(c, attune_wire__decode_score_unpacked(buf.data, buf.len, sc, &req, &err) ==
	             ATTUNE_WIRE_OK);
	CHECK(c, req && req->input.utf8_checked == 1);
	attune_wire_score_request_free(req);
	req = NULL;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			uint8_t *at = find(&buf, texts[t]) + 3;
			size_t n = b == 3 ? 1 : strlen(bad[b]);
			uint8_t saved[4];

			memcpy(saved, at, n);
			memcpy(at, bad[b], n);
			req = NULL;
			CHECK(c, attune_wire__decode_score_plain(buf.data, buf.len, sc, &req) == 0);
			CHECK(c, req == NULL);
			CHECK(c, attune_wire_decode_score_request(buf.data, buf.len, sc, &req,
			                                          &err) == ATTUNE_WIRE_E_INVALID);
			CHECK(c, req == NULL && err.reason == ATTUNE_WIRE_REASON_INVALID_UTF8);
			attune_wire_score_request_free(req);
			memcpy(at, saved, n);
		}
	}
	attune_wire_buf_free(&buf);
}

/* ---- attune_score: scans unless told, checks limits regardless ---- */

static attune_status score(const attune_scorer *sc, attune_score_input *in)
{
	attune_score_result *r = NULL;
	attune_status st = attune_score(sc, in, &r);

	attune_score_result_free(r);
	return st;
}

static void test_scorer_flag(check_ctx *c, const attune_scorer *sc)
{
	static const char bad[] = "I hear you \xFF friend";
	attune_text turn = {bad, sizeof(bad) - 1};
	attune_score_input in = {{SEEKER, sizeof(SEEKER) - 1}, {DRAFT, sizeof(DRAFT) - 1},
	                         NULL, 0, NULL, ATTUNE_CHANNEL_CHAT, 3, 0};
	attune_score_input x;
	char *big;

	/* The default, for every initializer that predates the flag: 0. */
	CHECK(c, in.utf8_checked == 0);
	CHECK(c, score(sc, &in) == ATTUNE_OK);
	x = in;
	x.draft = (attune_text){bad, sizeof(bad) - 1};
	CHECK(c, score(sc, &x) == ATTUNE_E_INVALID_UTF8);
	x = in;
	x.seeker = (attune_text){bad, sizeof(bad) - 1};
	CHECK(c, score(sc, &x) == ATTUNE_E_INVALID_UTF8);
	x = in;
	x.prior_turns = &turn;
	x.n_prior_turns = 1;
	CHECK(c, score(sc, &x) == ATTUNE_E_INVALID_UTF8);

	/* Vouched-for texts: scored alike; limits and pointers still checked. */
	x = in;
	x.utf8_checked = 1;
	CHECK(c, score(sc, &x) == ATTUNE_OK);
	if (!(big = malloc(ATTUNE_MAX_DRAFT_BYTES + 1)))
		abort();
	memset(big, 'a', ATTUNE_MAX_DRAFT_BYTES + 1);
	x.draft = (attune_text){big, ATTUNE_MAX_DRAFT_BYTES + 1};
	CHECK(c, score(sc, &x) == ATTUNE_E_TOO_LARGE);
	x = in;
	x.utf8_checked = 1;
	x.seeker = (attune_text){big, ATTUNE_MAX_SEEKER_BYTES + 1};
	CHECK(c, score(sc, &x) == ATTUNE_E_TOO_LARGE);
	x = in;
	x.utf8_checked = 1;
	x.seeker = (attune_text){NULL, 3};
	CHECK(c, score(sc, &x) == ATTUNE_E_INVALID);
	free(big);
}

int main(void)
{
	check_ctx c = {0, 0};
	attune_scorer *sc = NULL;

	if (attune_scorer_create(&sc) != ATTUNE_OK) {
		fprintf(stderr, "scorer create failed\n");
		return 1;
	}
	test_encode_sizes(&c);
	test_decoders_vouch(&c, sc);
	test_scorer_flag(&c, sc);
	attune_scorer_destroy(sc);
	return check_report(&c, "test_wire_hotpath");
}
