/*
 * test_e2e_api.c - end-to-end tests of attuned's public API: the real binary
 * on an ephemeral loopback port and a unix socket, called through libattune
 * (the integrator's path) and through raw gRPC calls (to reach the server's
 * own checks with bytes the client library would refuse to send).
 */
#define _GNU_SOURCE
#include <grpc/status.h>
#include <stdlib.h>
#include <string.h>

#include "attune/client.h"
#include "attune_test.h"
#include "e2e_common.h"
#include "e2e_raw.h"

#define E2E_MAX_ID_BYTES 128 /* conversation_id limit documented in attune.proto */

/* Words of the BRIEF example that must never reach the server's log. */
static const char *const sensitive_words[] = {"rusty",     "unmotivated", "struggled",
					      "jump right", "courage",     "financially"};

static void check_log_has_no_text(attune_test_state *t_, const attune_harness *h)
{
	char *log = attune_harness_read_log(h);
	CHECK(log != NULL);
	for (size_t i = 0; log != NULL && i < sizeof(sensitive_words) / sizeof(*sensitive_words);
	     i++)
		CHECK_NOT_CONTAINS(log, sensitive_words[i]);
	free(log);
}

static int has_finding(const attune_score_result *r, attune_finding_kind kind, const char *draft,
		       const char *phrase)
{
	for (size_t i = 0; i < r->n_findings; i++) {
		const attune_finding *f = &r->findings[i];
		if (f->kind == kind && f->start < f->end && f->end <= strlen(draft) &&
		    (phrase == NULL || e2e_span_overlaps(draft, f->start, f->end, phrase)))
			return 1;
	}
	return 0;
}

static attune_client_code score_text(attune_client *c, const char *seeker, const char *draft,
				     attune_client_score_response **out, attune_client_error *err)
{
	attune_client_score_request req;
	attune_client_score_request_init(&req);
	req.seeker.ptr = seeker;
	req.seeker.len = strlen(seeker);
	req.draft.ptr = draft;
	req.draft.len = strlen(draft);
	req.conversation_id = "conv-e2e-1";
	req.responder_id = "responder-e2e-1";
	req.team = "e2e";
	req.channel = ATTUNE_CHANNEL_CHAT;
	return attune_client_score(c, &req, out, err);
}

/* The BRIEF example through one target; returns A's score or -1. */
static void check_brief_example(attune_test_state *t_, const char *target, unsigned *score_a,
				unsigned *score_b)
{
	attune_client *c = NULL;
	attune_client_score_response *ra = NULL, *rb = NULL;
	attune_client_error err;
	fprintf(stderr, "  target %s\n", target);
	REQUIRE_OR(attune_client_create(target, NULL, &c, &err) == ATTUNE_CLIENT_OK, out);
	CHECK_EQ_INT(score_text(c, E2E_SEEKER, E2E_REPLY_A, &ra, &err), ATTUNE_CLIENT_OK);
	CHECK_EQ_INT(score_text(c, E2E_SEEKER, E2E_REPLY_B, &rb, &err), ATTUNE_CLIENT_OK);
	REQUIRE_OR(ra != NULL && rb != NULL, out);

	const attune_score_result *a = attune_client_score_response_result(ra);
	const attune_score_result *b = attune_client_score_response_result(rb);
	*score_a = a->score;
	*score_b = b->score;
	fprintf(stderr, "  A=%u B=%u\n", a->score, b->score);
	CHECK(a->score <= 100 && b->score <= 100);
	CHECK_GE_INT(a->score, b->score + 20); /* "far more compassionate" */
	CHECK(has_finding(b, ATTUNE_FINDING_SELF_FOCUS, E2E_REPLY_B,
			  "I've struggled with the same problem"));
	CHECK(has_finding(b, ATTUNE_FINDING_PREMATURE_ADVICE, E2E_REPLY_B, "just jump right in"));
	CHECK(!has_finding(a, ATTUNE_FINDING_SELF_FOCUS, E2E_REPLY_A, NULL));
	CHECK_EQ_INT(attune_client_score_response_human_review_required(ra), 1);
	CHECK_EQ_INT(attune_client_score_response_human_review_required(rb), 1);
	CHECK(attune_client_score_response_score_id(ra)[0] != '\0');
	CHECK(attune_client_score_response_score_id(rb)[0] != '\0');
	CHECK(strcmp(attune_client_score_response_score_id(ra),
		     attune_client_score_response_score_id(rb)) != 0);
	CHECK(attune_client_score_response_scorer_version(rb)[0] != '\0');
	CHECK_EQ_INT(b->risk.level, ATTUNE_RISK_NONE);

	/* B's author is offered an acknowledgment that would raise the score. */
	int offered = 0;
	for (size_t i = 0; i < b->n_suggestions; i++) {
		const attune_suggestion *s = &b->suggestions[i];
		CHECK(s->text != NULL && s->text[0] != '\0');
		if ((s->kind == ATTUNE_SUGGESTION_ACKNOWLEDGMENT ||
		     s->kind == ATTUNE_SUGGESTION_REFLECTION) &&
		    s->projected_score > b->score)
			offered = 1;
	}
	CHECK_MSG(offered, "no acknowledgment/reflection suggestion raising B's score (%zu given)",
		  b->n_suggestions);
	CHECK(b->n_suggestions <= ATTUNE_DEFAULT_SUGGESTIONS);
out:
	attune_client_score_response_free(ra);
	attune_client_score_response_free(rb);
	attune_client_destroy(c);
}

TEST(brief_example_over_tcp_and_unix)
{
	unsigned a_tcp = 0, b_tcp = 0, a_unix = 1, b_unix = 1;
	attune_harness *h = e2e_start(1, NULL);
	REQUIRE(h != NULL);
	REQUIRE_OR(attune_harness_grpc_tcp_target(h) != NULL, out);
	REQUIRE_OR(attune_harness_grpc_unix_target(h) != NULL, out);
	check_brief_example(t_, attune_harness_grpc_tcp_target(h), &a_tcp, &b_tcp);
	check_brief_example(t_, attune_harness_grpc_unix_target(h), &a_unix, &b_unix);
	CHECK_EQ_INT(a_tcp, a_unix); /* same function of the text on both listeners */
	CHECK_EQ_INT(b_tcp, b_unix);
	check_log_has_no_text(t_, h);
out:
	if (t_->failures > 0)
		attune_harness_dump_log(h, stderr);
	attune_harness_destroy(h);
}

TEST(health_serving)
{
	attune_client *c = NULL;
	attune_client_error err;
	attune_client_serving_status st = ATTUNE_CLIENT_SERVING_UNKNOWN;
	attune_harness *h = e2e_start(1, NULL);
	REQUIRE(h != NULL);
	const char *targets[] = {attune_harness_grpc_tcp_target(h),
				 attune_harness_grpc_unix_target(h)};
	for (size_t i = 0; i < 2; i++) {
		REQUIRE_OR(attune_client_create(targets[i], NULL, &c, &err) == ATTUNE_CLIENT_OK,
			   out);
		CHECK_EQ_INT(attune_client_health(c, "", &st, &err), ATTUNE_CLIENT_OK);
		CHECK_EQ_INT(st, ATTUNE_CLIENT_SERVING);
		st = ATTUNE_CLIENT_SERVING_UNKNOWN;
		CHECK_EQ_INT(attune_client_health(c, "attune.v1.Assist", &st, &err),
			     ATTUNE_CLIENT_OK);
		CHECK_EQ_INT(st, ATTUNE_CLIENT_SERVING);
		/* The health protocol answers NOT_FOUND for a service it does not know. */
		CHECK_EQ_INT(attune_client_health(c, "no.such.Service", &st, &err),
			     ATTUNE_CLIENT_NOT_FOUND);
		attune_client_destroy(c);
		c = NULL;
	}
out:
	attune_client_destroy(c);
	attune_harness_destroy(h);
}

/* One raw ScoreDraft with `r`; checks the status and that the message names
 * `field` and does not echo the draft. */
static void expect_rejected(attune_test_state *t_, const char *target, const e2e_req *r,
			    int code, const char *field)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	e2e_raw_reply rep;
	REQUIRE(e2e_pack_score_request(r, &buf, &len) == 0);
	int rc = e2e_raw_unary(target, E2E_METHOD_SCORE, buf, len, E2E_DEADLINE_MS, &rep);
	free(buf);
	REQUIRE(rc == 0);
	fprintf(stderr, "  [%s] -> %d \"%s\"\n", field, rep.code, rep.details);
	CHECK_EQ_INT(rep.code, code);
	CHECK_CONTAINS(rep.details, field);
	CHECK(!rep.has_body || rep.code == GRPC_STATUS_OK);
	if (r->draft != NULL && strlen(r->draft) > 8)
		CHECK_NOT_CONTAINS(rep.details, r->draft);
	e2e_raw_reply_free(&rep);
}

TEST(bad_input_gets_precise_status)
{
	attune_harness *h = e2e_start(0, NULL);
	REQUIRE(h != NULL);
	const char *t = attune_harness_grpc_tcp_target(h);
	char *big = NULL, *turn = NULL;
	const char **turns = NULL;

	e2e_req missing = {E2E_SEEKER, NULL, NULL, 0, NULL, NULL, NULL, 0, 0};
	expect_rejected(t_, t, &missing, GRPC_STATUS_INVALID_ARGUMENT, "draft");

	e2e_req bad_utf8 = {E2E_SEEKER, "that sounds \xff\xfe hard", NULL, 0, NULL, NULL, NULL, 0, 0};
	expect_rejected(t_, t, &bad_utf8, GRPC_STATUS_INVALID_ARGUMENT, "draft");
	e2e_req overlong = {E2E_SEEKER, "caf\xc0\xa9", NULL, 0, NULL, NULL, NULL, 0, 0};
	expect_rejected(t_, t, &overlong, GRPC_STATUS_INVALID_ARGUMENT, "draft");
	e2e_req bad_seeker = {"I feel \xed\xa0\x80 alone", E2E_REPLY_A, NULL, 0, NULL, NULL, NULL,
			      0, 0};
	expect_rejected(t_, t, &bad_seeker, GRPC_STATUS_INVALID_ARGUMENT, "seeker_message");

	big = malloc(ATTUNE_MAX_DRAFT_BYTES + 2);
	REQUIRE_OR(big != NULL, out);
	memset(big, 'a', ATTUNE_MAX_DRAFT_BYTES + 1);
	big[ATTUNE_MAX_DRAFT_BYTES + 1] = '\0';
	e2e_req over = {E2E_SEEKER, big, NULL, 0, NULL, NULL, NULL, 0, 0};
	expect_rejected(t_, t, &over, GRPC_STATUS_INVALID_ARGUMENT, "draft");
	big[ATTUNE_MAX_DRAFT_BYTES] = '\0'; /* exactly at the limit is fine */
	{
		uint8_t *buf = NULL;
		size_t len = 0;
		e2e_raw_reply rep;
		e2e_req at = {E2E_SEEKER, big, NULL, 0, NULL, NULL, NULL, 0, 0};
		REQUIRE_OR(e2e_pack_score_request(&at, &buf, &len) == 0, out);
		int rc = e2e_raw_unary(t, E2E_METHOD_SCORE, buf, len, E2E_DEADLINE_MS, &rep);
		free(buf);
		CHECK(rc == 0);
		CHECK_EQ_INT(rep.code, GRPC_STATUS_OK);
		e2e_raw_reply_free(&rep);
	}

	turns = calloc(ATTUNE_MAX_PRIOR_TURNS + 1, sizeof(*turns));
	REQUIRE_OR(turns != NULL, out);
	for (size_t i = 0; i <= ATTUNE_MAX_PRIOR_TURNS; i++)
		turns[i] = "It sounds like that was hard.";
	e2e_req many = {E2E_SEEKER, E2E_REPLY_A, turns, ATTUNE_MAX_PRIOR_TURNS + 1,
			NULL,       NULL,        NULL,  0,
			0};
	expect_rejected(t_, t, &many, GRPC_STATUS_INVALID_ARGUMENT, "prior_responder_turns");

	turn = malloc(ATTUNE_MAX_PRIOR_TURN_BYTES + 2);
	REQUIRE_OR(turn != NULL, out);
	memset(turn, 'b', ATTUNE_MAX_PRIOR_TURN_BYTES + 1);
	turn[ATTUNE_MAX_PRIOR_TURN_BYTES + 1] = '\0';
	const char *one_long[] = {turn};
	e2e_req long_turn = {E2E_SEEKER, E2E_REPLY_A, one_long, 1, NULL, NULL, NULL, 0, 0};
	expect_rejected(t_, t, &long_turn, GRPC_STATUS_INVALID_ARGUMENT, "prior_responder_turns");

	e2e_req locale = {E2E_SEEKER, E2E_REPLY_A, NULL, 0, "tlh", NULL, NULL, 0, 0};
	expect_rejected(t_, t, &locale, GRPC_STATUS_INVALID_ARGUMENT, "locale");

	e2e_req max9 = {E2E_SEEKER, E2E_REPLY_A, NULL, 0, NULL, NULL, NULL, 1, 9};
	expect_rejected(t_, t, &max9, GRPC_STATUS_INVALID_ARGUMENT, "max_count");

	e2e_req team = {E2E_SEEKER, E2E_REPLY_A, NULL, 0, NULL, "night shift!", NULL, 0, 0};
	expect_rejected(t_, t, &team, GRPC_STATUS_INVALID_ARGUMENT, "team");

	char long_id[E2E_MAX_ID_BYTES + 2]; /* one byte over the limit */
	memset(long_id, 'c', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	e2e_req conv = {E2E_SEEKER, E2E_REPLY_A, NULL, 0, NULL, NULL, long_id, 0, 0};
	expect_rejected(t_, t, &conv, GRPC_STATUS_INVALID_ARGUMENT, "conversation_id");

	/* Bytes that are not a ScoreDraftRequest at all. */
	{
		static const uint8_t junk[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
		e2e_raw_reply rep;
		CHECK(e2e_raw_unary(t, E2E_METHOD_SCORE, junk, sizeof(junk), E2E_DEADLINE_MS,
				    &rep) == 0);
		CHECK_EQ_INT(rep.code, GRPC_STATUS_INVALID_ARGUMENT);
		e2e_raw_reply_free(&rep);
	}
	/* A draft with a NUL byte (hand-encoded: field 2, length 5). */
	{
		static const uint8_t nul[] = {0x12, 0x05, 'h', 'i', 0x00, 'y', 'o'};
		e2e_raw_reply rep;
		CHECK(e2e_raw_unary(t, E2E_METHOD_SCORE, nul, sizeof(nul), E2E_DEADLINE_MS,
				    &rep) == 0);
		CHECK_EQ_INT(rep.code, GRPC_STATUS_INVALID_ARGUMENT);
		CHECK_CONTAINS(rep.details, "draft");
		e2e_raw_reply_free(&rep);
	}

	/* The client library refuses the same input before sending, naming the field. */
	{
		attune_client *c = NULL;
		attune_client_error err;
		attune_client_score_response *r = NULL;
		attune_client_score_request req;
		REQUIRE_OR(attune_client_create(t, NULL, &c, &err) == ATTUNE_CLIENT_OK, out);
		attune_client_score_request_init(&req);
		req.seeker.ptr = E2E_SEEKER;
		req.seeker.len = strlen(E2E_SEEKER);
		CHECK_EQ_INT(attune_client_score(c, &req, &r, &err),
			     ATTUNE_CLIENT_INVALID_ARGUMENT);
		CHECK_CONTAINS(err.message, "draft");
		CHECK(r == NULL);
		req.draft.ptr = E2E_REPLY_A;
		req.draft.len = strlen(E2E_REPLY_A);
		req.max_suggestions = 9;
		CHECK_EQ_INT(attune_client_score(c, &req, &r, &err),
			     ATTUNE_CLIENT_INVALID_ARGUMENT);
		CHECK_CONTAINS(err.message, "max_count");
		req.max_suggestions = 0;
		CHECK_EQ_INT(attune_client_score(c, &req, &r, &err), ATTUNE_CLIENT_OK);
		attune_client_score_response_free(r);
		attune_client_destroy(c);
	}
	check_log_has_no_text(t_, h);
out:
	free(big);
	free(turn);
	free(turns);
	if (t_->failures > 0)
		attune_harness_dump_log(h, stderr);
	attune_harness_destroy(h);
}

TEST(unknown_method_is_unimplemented)
{
	static const char *const methods[] = {"/attune.v1.Assist/NoSuchMethod",
					      "/no.such.Service/Call", "/grpc.health.v1.Health/Nope"};
	attune_harness *h = e2e_start(1, NULL);
	REQUIRE(h != NULL);
	const char *targets[] = {attune_harness_grpc_tcp_target(h),
				 attune_harness_grpc_unix_target(h)};
	for (size_t ti = 0; ti < 2; ti++) {
		for (size_t i = 0; i < sizeof(methods) / sizeof(*methods); i++) {
			e2e_raw_reply rep;
			REQUIRE_OR(e2e_raw_unary(targets[ti], methods[i], "", 0, E2E_DEADLINE_MS,
						 &rep) == 0,
				   out);
			CHECK_MSG(rep.code == GRPC_STATUS_UNIMPLEMENTED, "%s -> %d \"%s\"",
				  methods[i], rep.code, rep.details);
			e2e_raw_reply_free(&rep);
		}
	}
out:
	attune_harness_destroy(h);
}

TEST(oversized_request_then_keeps_serving)
{
	const size_t huge = 20u << 20; /* 20 MiB */
	char *draft = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	attune_client *c = NULL;
	attune_client_error err;
	attune_client_score_response *r = NULL;
	attune_harness *h = e2e_start(0, NULL);
	REQUIRE(h != NULL);
	const char *t = attune_harness_grpc_tcp_target(h);

	draft = malloc(huge + 1);
	REQUIRE_OR(draft != NULL, out);
	memset(draft, 'x', huge);
	draft[huge] = '\0';
	e2e_req req = {E2E_SEEKER, draft, NULL, 0, NULL, NULL, NULL, 0, 0};
	REQUIRE_OR(e2e_pack_score_request(&req, &buf, &len) == 0, out);
	for (int round = 0; round < 2; round++) {
		e2e_raw_reply rep;
		REQUIRE_OR(e2e_raw_unary(t, E2E_METHOD_SCORE, buf, len, 30000, &rep) == 0, out);
		fprintf(stderr, "  20 MiB -> %d \"%s\"\n", rep.code, rep.details);
		CHECK_EQ_INT(rep.code, GRPC_STATUS_RESOURCE_EXHAUSTED);
		e2e_raw_reply_free(&rep);
		/* ... and the very next call is served normally. */
		REQUIRE_OR(attune_client_create(t, NULL, &c, &err) == ATTUNE_CLIENT_OK, out);
		CHECK_EQ_INT(score_text(c, E2E_SEEKER, E2E_REPLY_B, &r, &err), ATTUNE_CLIENT_OK);
		attune_client_score_response_free(r);
		r = NULL;
		attune_client_destroy(c);
		c = NULL;
	}
	CHECK(attune_harness_poll_exit(h, NULL) == ATTUNE_HARNESS_E_TIMEOUT); /* still up */
out:
	free(draft);
	free(buf);
	attune_client_destroy(c);
	attune_harness_destroy(h);
}

static const attune_test_case cases[] = {
	TEST_CASE(brief_example_over_tcp_and_unix),
	TEST_CASE(health_serving),
	TEST_CASE(bad_input_gets_precise_status),
	TEST_CASE(unknown_method_is_unimplemented),
	TEST_CASE(oversized_request_then_keeps_serving),
};

int main(int argc, char **argv)
{
	return ATTUNE_TEST_MAIN(argc, argv, cases);
}
