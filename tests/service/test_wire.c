/*
 * test_wire.c - unit tests for attune_wire: request/response round trips,
 * and one precise INVALID_ARGUMENT message per documented limit, built from
 * raw protobuf bytes so the server-side checks are exercised directly.
 */
#include <stdlib.h>
#include <string.h>

#include "attune_wire.h"
#include "check.h"

#define SEEKER                                                                                     \
	"After pausing my career for several years to start a family, it is time to go back "      \
	"to work, but I feel rusty, unmotivated and anxious about re-entering the job market."
#define DRAFT_B                                                                                    \
	"I've struggled with the same problem. The best way to tackle it is to just jump right "   \
	"in and give it your best."

/* Raw protobuf writer for hostile inputs. */
typedef struct raw {
	uint8_t b[70000];
	size_t n;
} raw;

static void raw_varint(raw *r, uint64_t v)
{
	do {
		uint8_t c = v & 0x7F;
		v >>= 7;
		r->b[r->n++] = (uint8_t)(c | (v ? 0x80 : 0));
	} while (v);
}

static void raw_bytes(raw *r, unsigned field, const void *p, size_t len)
{
	raw_varint(r, (field << 3) | 2);
	raw_varint(r, len);
	memcpy(r->b + r->n, p, len);
	r->n += len;
}

static void raw_str(raw *r, unsigned field, const char *s)
{
	raw_bytes(r, field, s, strlen(s));
}

static void raw_uint(raw *r, unsigned field, uint64_t v)
{
	raw_varint(r, field << 3);
	raw_varint(r, v);
}

/* Decodes r and expects INVALID with exactly `msg`; also checks that the
 * secret marker never appears in the message. */
static void expect_invalid(check_ctx *c, const raw *r, const attune_scorer *sc, const char *msg)
{
	attune_wire_score_request *req = (attune_wire_score_request *)1;
	attune_wire_error err = {0};
	attune_wire_status st = attune_wire_decode_score_request(r->b, r->n, sc, &req, &err);
	CHECK(c, st == ATTUNE_WIRE_E_INVALID);
	CHECK(c, req == NULL);
	CHECK(c, attune_wire_status_code(st) == 3);
	CHECK_STR(c, err.message, msg);
	CHECK(c, strstr(err.message, "SECRET") == NULL);
}

static void test_request_round_trip(check_ctx *c, const attune_scorer *sc)
{
	attune_text turns[2] = {{"It sounds like a hard week.", 27}, {"How are you?", 12}};
	attune_wire_score_params p = {0};
	attune_wire_buf buf = {0};
	attune_wire_score_request *req = NULL;
	attune_wire_error err = {0};

	p.seeker.ptr = SEEKER;
	p.seeker.len = strlen(SEEKER);
	p.draft.ptr = DRAFT_B;
	p.draft.len = strlen(DRAFT_B);
	p.prior_turns = turns;
	p.n_prior_turns = 2;
	p.conversation_id = "conv-1";
	p.responder_id = "resp-7";
	p.team = "night.shift_2";
	p.locale = "en-US";
	p.channel = ATTUNE_CHANNEL_SMS;
	p.max_suggestions = 5;
	CHECK(c, attune_wire_encode_score_request(&p, &buf, &err) == ATTUNE_WIRE_OK);
	CHECK(c, buf.len > 0);
	CHECK(c, attune_wire_decode_score_request(buf.data, buf.len, sc, &req, &err) ==
	             ATTUNE_WIRE_OK);
	if (req) {
		CHECK(c, req->params.draft.len == strlen(DRAFT_B));
		CHECK(c, memcmp(req->params.draft.ptr, DRAFT_B, strlen(DRAFT_B)) == 0);
		CHECK(c, req->params.seeker.len == strlen(SEEKER));
		CHECK(c, req->params.n_prior_turns == 2);
		CHECK(c, req->params.prior_turns[1].len == 12);
		CHECK_STR(c, req->params.conversation_id, "conv-1");
		CHECK_STR(c, req->params.responder_id, "resp-7");
		CHECK_STR(c, req->params.team, "night.shift_2");
		CHECK_STR(c, req->params.locale, "en-US");
		CHECK(c, req->params.channel == ATTUNE_CHANNEL_SMS);
		CHECK(c, req->input.max_suggestions == 5);
		CHECK(c, req->input.channel == ATTUNE_CHANNEL_SMS);
		CHECK_STR(c, req->input.locale, "en-US");
		CHECK(c, req->input.variation_key != 0);
		CHECK(c, req->input.draft.ptr == req->params.draft.ptr);
	}
	attune_wire_score_request_free(req);
	attune_wire_buf_free(&buf);
	CHECK(c, buf.data == NULL);

	/* Defaults: locale "en", 3 suggestions; disabled gives 0. */
	memset(&p, 0, sizeof(p));
	p.draft.ptr = "That sounds exhausting.";
	p.draft.len = strlen(p.draft.ptr);
	CHECK(c, attune_wire_encode_score_request(&p, &buf, &err) == ATTUNE_WIRE_OK);
	CHECK(c, attune_wire_decode_score_request(buf.data, buf.len, sc, &req, &err) ==
	             ATTUNE_WIRE_OK);
	if (req) {
		CHECK_STR(c, req->input.locale, "en");
		CHECK(c, req->input.max_suggestions == ATTUNE_DEFAULT_SUGGESTIONS);
		CHECK(c, req->input.n_prior_turns == 0);
	}
	attune_wire_score_request_free(req);
	attune_wire_buf_free(&buf);
	p.suggestions_disabled = 1;
	CHECK(c, attune_wire_encode_score_request(&p, &buf, &err) == ATTUNE_WIRE_OK);
	CHECK(c, attune_wire_decode_score_request(buf.data, buf.len, sc, &req, &err) ==
	             ATTUNE_WIRE_OK);
	if (req)
		CHECK(c, req->input.max_suggestions == 0);
	attune_wire_score_request_free(req);
	attune_wire_buf_free(&buf);
}

static void test_request_limits(check_ctx *c, const attune_scorer *sc)
{
	static char big[ATTUNE_MAX_DRAFT_BYTES + 2];
	raw *r = calloc(1, sizeof(*r));

	/* An empty message is a valid encoding: every field absent. */
	expect_invalid(c, r, sc, "draft: required");
	raw_str(r, 1, "SECRET seeker");
	expect_invalid(c, r, sc, "draft: required");

	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "SECRET", 6);
	r->n = 0;
	raw_bytes(r, 2, big, ATTUNE_MAX_DRAFT_BYTES + 1);
	expect_invalid(c, r, sc, "draft: longer than 32768 bytes");
	r->n = 0;
	raw_bytes(r, 2, big, ATTUNE_MAX_DRAFT_BYTES); /* exactly at the limit: fine */
	{
		attune_wire_score_request *req = NULL;
		CHECK(c, attune_wire_decode_score_request(r->b, r->n, sc, &req, NULL) ==
		             ATTUNE_WIRE_OK);
		attune_wire_score_request_free(req);
	}
	r->n = 0;
	raw_str(r, 2, "ok draft");
	raw_bytes(r, 1, big, ATTUNE_MAX_SEEKER_BYTES + 1);
	expect_invalid(c, r, sc, "seeker_message: longer than 32768 bytes");

	r->n = 0;
	raw_bytes(r, 2, "SECRET\xff\xfe", 8);
	expect_invalid(c, r, sc, "draft: invalid UTF-8 or NUL byte");
	r->n = 0;
	raw_bytes(r, 2, "SECRET\0hidden", 13);
	expect_invalid(c, r, sc, "draft: invalid UTF-8 or NUL byte");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_bytes(r, 3, "\xc0\xaf", 2); /* overlong '/' */
	expect_invalid(c, r, sc, "prior_responder_turns: invalid UTF-8 or NUL byte");

	r->n = 0;
	raw_str(r, 2, "ok");
	for (int i = 0; i < 51; i++)
		raw_str(r, 3, "turn");
	expect_invalid(c, r, sc, "prior_responder_turns: more than 50 entries");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_str(r, 3, "turn");
	raw_bytes(r, 3, big, ATTUNE_MAX_PRIOR_TURN_BYTES + 1);
	expect_invalid(c, r, sc, "prior_responder_turns[1]: longer than 8192 bytes");

	r->n = 0;
	raw_str(r, 2, "ok");
	raw_bytes(r, 4, big, 129);
	expect_invalid(c, r, sc, "conversation_id: longer than 128 bytes");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_bytes(r, 5, big, 129);
	expect_invalid(c, r, sc, "responder_id: longer than 128 bytes");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_bytes(r, 6, big, 65);
	expect_invalid(c, r, sc, "team: longer than 64 bytes");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_str(r, 6, "SECRET team");
	expect_invalid(c, r, sc, "team: only [A-Za-z0-9._-] allowed");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_bytes(r, 8, big, 36);
	expect_invalid(c, r, sc, "locale: longer than 35 bytes");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_str(r, 8, "en_US");
	expect_invalid(c, r, sc, "locale: not a BCP 47 tag");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_str(r, 8, "zz-QQ");
	expect_invalid(c, r, sc, "locale: unsupported");
	r->n = 0;
	raw_str(r, 2, "ok");
	raw_uint(r, 7, 9);
	expect_invalid(c, r, sc, "channel: unknown value 9");
	r->n = 0;
	raw_str(r, 2, "ok");
	{
		uint8_t opts[2] = {2 << 3, 9}; /* max_count = 9 */
		raw_bytes(r, 9, opts, 2);
	}
	expect_invalid(c, r, sc, "suggestion_options.max_count: must be at most 8");

	/* Framing errors: truncated length, bad wire type. */
	{
		attune_wire_score_request *req = NULL;
		attune_wire_error err = {0};
		const uint8_t trunc[] = {0x12, 0x10, 'a'};
		const uint8_t group[] = {0x13};
		CHECK(c, attune_wire_decode_score_request(trunc, sizeof(trunc), sc, &req, &err) ==
		             ATTUNE_WIRE_E_MALFORMED);
		CHECK_STR(c, err.message, "request: not a valid ScoreDraftRequest message");
		CHECK(c, attune_wire_decode_score_request(group, sizeof(group), sc, &req, &err) ==
		             ATTUNE_WIRE_E_MALFORMED);
		CHECK(c, req == NULL);
	}
	free(r);
}

static void test_client_side_validation(check_ctx *c)
{
	attune_wire_score_params p = {0};
	attune_wire_buf buf = {0};
	attune_wire_error err = {0};

	CHECK(c, attune_wire_encode_score_request(&p, &buf, &err) == ATTUNE_WIRE_E_INVALID);
	CHECK_STR(c, err.message, "draft: required");
	CHECK(c, buf.data == NULL);
	p.draft.ptr = "a\0b";
	p.draft.len = 3;
	CHECK(c, attune_wire_encode_score_request(&p, &buf, &err) == ATTUNE_WIRE_E_INVALID);
	CHECK_STR(c, err.message, "draft: invalid UTF-8 or NUL byte");
}

static void test_response_round_trip(check_ctx *c, const attune_scorer *sc)
{
	attune_score_input in = {0};
	attune_score_result *res = NULL;
	attune_wire_buf buf = {0};
	attune_wire_score_reply *rep = NULL;
	attune_wire_error err = {0};

	in.seeker.ptr = SEEKER;
	in.seeker.len = strlen(SEEKER);
	in.draft.ptr = DRAFT_B;
	in.draft.len = strlen(DRAFT_B);
	in.max_suggestions = 3;
	CHECK(c, attune_score(sc, &in, &res) == ATTUNE_OK);
	if (!res)
		return;
	CHECK(c, attune_wire_encode_score_response(res, "00ff", ATTUNE_SCORER_VERSION, &buf) ==
	             ATTUNE_WIRE_OK);
	CHECK(c, attune_wire_decode_score_reply(buf.data, buf.len, &rep, &err) == ATTUNE_WIRE_OK);
	if (rep) {
		const attune_score_result *r = &rep->result;
		CHECK(c, rep->human_review_required == 1);
		CHECK_STR(c, rep->score_id, "00ff");
		CHECK_STR(c, rep->scorer_version, ATTUNE_SCORER_VERSION);
		CHECK(c, r->score == res->score);
		CHECK(c, r->acknowledge == res->acknowledge);
		CHECK(c, r->reflect == res->reflect);
		CHECK(c, r->explore == res->explore);
		CHECK(c, r->n_findings == res->n_findings);
		for (size_t i = 0; i < r->n_findings && i < res->n_findings; i++) {
			CHECK(c, r->findings[i].kind == res->findings[i].kind);
			CHECK(c, r->findings[i].severity == res->findings[i].severity);
			CHECK(c, r->findings[i].start == res->findings[i].start);
			CHECK(c, r->findings[i].end == res->findings[i].end);
			CHECK_STR(c, r->findings[i].explanation, res->findings[i].explanation);
		}
		CHECK(c, r->n_suggestions == res->n_suggestions);
		for (size_t i = 0; i < r->n_suggestions && i < res->n_suggestions; i++) {
			CHECK_STR(c, r->suggestions[i].text, res->suggestions[i].text);
			CHECK(c, r->suggestions[i].projected_score ==
			             res->suggestions[i].projected_score);
			CHECK(c, r->suggestions[i].placement == res->suggestions[i].placement);
		}
		CHECK(c, r->risk.level == res->risk.level);
		CHECK(c, r->risk.categories == res->risk.categories);
		CHECK(c, r->risk.n_spans == res->risk.n_spans);
	}
	attune_wire_score_reply_free(rep);
	attune_wire_buf_free(&buf);

	/* Synthetic result with risk spans and every field set. */
	{
		attune_risk_span spans[1] = {{ATTUNE_RISK_SUICIDE, ATTUNE_RISK_CUE_TIMING, 3, 10}};
		attune_finding f[1] = {
		    {ATTUNE_FINDING_MINIMIZING, ATTUNE_SEVERITY_MAJOR, 0, 8, "minimizes"}};
		attune_suggestion g[1] = {{ATTUNE_SUGGESTION_REPLACEMENT, (char *)"That is hard.",
		                           ATTUNE_PLACEMENT_REPLACE_SPAN, 0, 8,
		                           ATTUNE_FINDING_MINIMIZING, 61, "rep.hard"}};
		attune_score_result s = {0};
		s.score = 42;
		s.acknowledge = 2;
		s.findings = f;
		s.n_findings = 1;
		s.suggestions = g;
		s.n_suggestions = 1;
		s.risk.level = ATTUNE_RISK_HIGH;
		s.risk.categories = (1u << ATTUNE_RISK_SUICIDE) | (1u << ATTUNE_RISK_SELF_HARM);
		s.risk.guidance = "Follow your center's safety protocol.";
		s.risk.spans = spans;
		s.risk.n_spans = 1;
		CHECK(c, attune_wire_encode_score_response(&s, NULL, NULL, &buf) == ATTUNE_WIRE_OK);
		CHECK(c, attune_wire_decode_score_reply(buf.data, buf.len, &rep, &err) ==
		             ATTUNE_WIRE_OK);
		if (rep) {
			CHECK(c, rep->result.score == 42);
			CHECK(c, rep->result.acknowledge == 2);
			CHECK(c, rep->result.risk.level == ATTUNE_RISK_HIGH);
			CHECK(c, rep->result.risk.categories == s.risk.categories);
			CHECK(c, rep->result.risk.n_spans == 1 &&
			             rep->result.risk.spans[0].cue == ATTUNE_RISK_CUE_TIMING &&
			             rep->result.risk.spans[0].end == 10);
			CHECK_STR(c, rep->result.risk.guidance, s.risk.guidance);
			CHECK(c, rep->result.suggestions[0].addresses == ATTUNE_FINDING_MINIMIZING);
			CHECK_STR(c, rep->result.suggestions[0].stem_id, "rep.hard");
			CHECK(c, rep->result.suggestions[0].start == 0 &&
			             rep->result.suggestions[0].end == 8);
			CHECK_STR(c, rep->score_id, "");
		}
		attune_wire_score_reply_free(rep);
		attune_wire_buf_free(&buf);
	}
	attune_score_result_free(res);
}

static void test_health(check_ctx *c)
{
	attune_wire_buf buf = {0};
	attune_wire_health_status hs = ATTUNE_WIRE_HEALTH_UNKNOWN;
	attune_wire_error err = {0};
	char svc[64];

	CHECK(c, attune_wire_encode_health_request("attune.v1.Assist", &buf) == ATTUNE_WIRE_OK);
	CHECK(c, attune_wire_decode_health_request(buf.data, buf.len, svc, sizeof(svc), &err) ==
	             ATTUNE_WIRE_OK);
	CHECK_STR(c, svc, "attune.v1.Assist");
	attune_wire_buf_free(&buf);
	CHECK(c, attune_wire_decode_health_request((const uint8_t *)"", 0, svc, sizeof(svc),
	                                           &err) == ATTUNE_WIRE_OK);
	CHECK_STR(c, svc, "");
	CHECK(c, attune_wire_encode_health_response(ATTUNE_WIRE_HEALTH_NOT_SERVING, &buf) ==
	             ATTUNE_WIRE_OK);
	CHECK(c, attune_wire_decode_health_response(buf.data, buf.len, &hs) == ATTUNE_WIRE_OK);
	CHECK(c, hs == ATTUNE_WIRE_HEALTH_NOT_SERVING);
	attune_wire_buf_free(&buf);
}

static void test_coach(check_ctx *c, const attune_scorer *sc)
{
	attune_wire_score_params ctx = {0};
	attune_wire_buf buf = {0};
	attune_wire_coach_request *req = NULL;
	attune_wire_error err = {0};
	attune_text d = {"That sounds so hard.", 20};

	ctx.seeker.ptr = SEEKER;
	ctx.seeker.len = strlen(SEEKER);
	ctx.team = "a";
	CHECK(c, attune_wire_encode_coach_request(&ctx, d, 7, &buf, &err) == ATTUNE_WIRE_OK);
	CHECK(c, attune_wire_decode_coach_request(buf.data, buf.len, sc, &req, &err) ==
	             ATTUNE_WIRE_OK);
	if (req) {
		CHECK(c, req->has_context && req->context);
		CHECK(c, req->revision == 7);
		CHECK(c, req->draft.len == 20);
		if (req->context) {
			CHECK(c, req->context->input.draft.len == 20);
			CHECK(c, req->context->input.seeker.len == strlen(SEEKER));
			CHECK_STR(c, req->context->params.team, "a");
		}
	}
	attune_wire_coach_request_free(req);
	attune_wire_buf_free(&buf);
	d.len = 0;
	CHECK(c, attune_wire_encode_coach_request(NULL, d, 8, &buf, &err) == ATTUNE_WIRE_OK);
	CHECK(c, attune_wire_decode_coach_request(buf.data, buf.len, sc, &req, &err) ==
	             ATTUNE_WIRE_OK);
	if (req)
		CHECK(c, !req->has_context && req->revision == 8 && req->draft.len == 0);
	attune_wire_coach_request_free(req);
	attune_wire_buf_free(&buf);

	/* A bad string nested in the context names its full path. */
	{
		raw *r = calloc(1, sizeof(*r));
		raw inner = {{0}, 0};
		raw_bytes(&inner, 1, "SECRET\xff", 7);
		raw_bytes(r, 1, inner.b, inner.n);
		req = (attune_wire_coach_request *)1;
		CHECK(c, attune_wire_decode_coach_request(r->b, r->n, sc, &req, &err) ==
		             ATTUNE_WIRE_E_INVALID);
		CHECK(c, req == NULL);
		CHECK_STR(c, err.message, "context.seeker_message: invalid UTF-8 or NUL byte");
		r->n = 0;
		inner.n = 0;
		raw_str(&inner, 6, "bad team!");
		raw_bytes(r, 1, inner.b, inner.n);
		CHECK(c, attune_wire_decode_coach_request(r->b, r->n, sc, &req, &err) ==
		             ATTUNE_WIRE_E_INVALID);
		CHECK_STR(c, err.message, "context.team: only [A-Za-z0-9._-] allowed");
		free(r);
	}
}

int main(void)
{
	check_ctx c = {0, 0};
	attune_scorer *sc = NULL;

	if (attune_scorer_create(&sc) != ATTUNE_OK) {
		fprintf(stderr, "scorer create failed\n");
		return 1;
	}
	test_request_round_trip(&c, sc);
	test_request_limits(&c, sc);
	test_client_side_validation(&c);
	test_response_round_trip(&c, sc);
	test_health(&c);
	test_coach(&c, sc);
	attune_scorer_destroy(sc);
	return check_report(&c, "test_wire");
}
