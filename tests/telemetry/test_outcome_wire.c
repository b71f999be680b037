/*
 * test_outcome_wire.c - the wire side of outcomes and supervision
 * (proto/wire/attune_wire_events.h): RecordOutcome validation messages,
 * GetTeamStats/WatchMetrics request checks (window, interval 0 -> 5, over
 * 3600), and TeamStats / MetricsSnapshot encode -> decode round trips.
 */
#include "attune/v1/attune.pb-c.h"
#include "attune_wire_events.h"
#include "test_eventlog_check.h"

/* Packs a RecordOutcomeRequest built by the caller. */
static attune_wire_buf pack_outcome(const Attune__V1__RecordOutcomeRequest *m)
{
	attune_wire_buf b;
	b.len = protobuf_c_message_get_packed_size(&m->base);
	b.data = malloc(b.len ? b.len : 1);
	protobuf_c_message_pack(&m->base, b.data);
	return b;
}

static void expect_outcome_error(Attune__V1__RecordOutcomeRequest *m, const char *text)
{
	attune_wire_buf b = pack_outcome(m);
	attune_wire_outcome_request *req = NULL;
	attune_wire_error err = {0};

	CHECK(attune_wire_decode_outcome_request(b.data, b.len, NULL, &req, &err) ==
	      ATTUNE_WIRE_E_INVALID);
	CHECK(req == NULL);
	if (!strstr(err.message, text)) {
		fprintf(stderr, "want '%s' in '%s'\n", text, err.message);
		check_failures++;
	}
	attune_wire_buf_free(&b);
}

int main(void)
{
	Attune__V1__RecordOutcomeRequest m = ATTUNE__V1__RECORD_OUTCOME_REQUEST__INIT;
	char long_id[80], team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1], resp[ATTUNE_WIRE_MAX_ID_BYTES + 1];
	attune_wire_outcome_request *req = NULL;
	attune_wire_stats_reply *reply = NULL;
	attune_wire_team_stats st;
	attune_wire_error err = {0};
	attune_wire_buf b = {0};
	unsigned window = 9, interval = 0;

	/* RecordOutcome: precise messages naming the field. */
	expect_outcome_error(&m, "score_id: required");
	memset(long_id, 'x', 65);
	long_id[65] = '\0';
	m.score_id = long_id;
	expect_outcome_error(&m, "score_id: longer than 64 bytes");
	m.score_id = "s-1";
	expect_outcome_error(&m, "action: required");
	m.action = (Attune__V1__OutcomeAction)9;
	expect_outcome_error(&m, "action: unknown value 9");
	m.action = ATTUNE__V1__OUTCOME_ACTION__OUTCOME_ACTION_USED_SUGGESTION_EDITED;
	m.team = "a b";
	expect_outcome_error(&m, "team:");
	m.team = "north";
	m.channel = (Attune__V1__Channel)17;
	expect_outcome_error(&m, "channel:");
	m.channel = ATTUNE__V1__CHANNEL__CHANNEL_SMS;
	m.suggestion_index = 2;
	m.final_text = "That sounds hard.";
	b = pack_outcome(&m);
	CHECK(attune_wire_decode_outcome_request(b.data, b.len, NULL, &req, &err) ==
	      ATTUNE_WIRE_OK);
	CHECK(req && strcmp(req->score_id, "s-1") == 0 && req->action == 4);
	CHECK(req && req->suggestion_index == 2 && req->final_text.len == 17);
	CHECK(req && strcmp(req->locale, "en") == 0 && req->channel == ATTUNE_CHANNEL_SMS);
	attune_wire_outcome_request_free(req);
	attune_wire_outcome_request_free(NULL);
	attune_wire_buf_free(&b);

	/* GetTeamStats / WatchMetrics requests. */
	CHECK(attune_wire_encode_stats_request("north", 2, "resp-1", &b) == ATTUNE_WIRE_OK);
	CHECK(attune_wire_decode_stats_request(b.data, b.len, team, &window, resp, &err) ==
	      ATTUNE_WIRE_OK);
	CHECK(strcmp(team, "north") == 0 && window == 2 && strcmp(resp, "resp-1") == 0);
	attune_wire_buf_free(&b);
	CHECK(attune_wire_encode_stats_request("", 4, "", &b) == ATTUNE_WIRE_OK);
	CHECK(attune_wire_decode_stats_request(b.data, b.len, team, &window, resp, &err) ==
	      ATTUNE_WIRE_E_INVALID);
	CHECK(strstr(err.message, "window: unknown value 4") != NULL);
	attune_wire_buf_free(&b);
	CHECK(attune_wire_encode_watch_request("", 1, 0, &b) == ATTUNE_WIRE_OK);
	CHECK(attune_wire_decode_watch_request(b.data, b.len, team, &window, &interval, &err) ==
	      ATTUNE_WIRE_OK);
	CHECK_EQ_U(interval, 5);
	attune_wire_buf_free(&b);
	CHECK(attune_wire_encode_watch_request("", 1, 3600, &b) == ATTUNE_WIRE_OK);
	CHECK(attune_wire_decode_watch_request(b.data, b.len, team, &window, &interval, &err) ==
	      ATTUNE_WIRE_OK);
	CHECK_EQ_U(interval, 3600);
	attune_wire_buf_free(&b);
	CHECK(attune_wire_encode_watch_request("", 1, 3601, &b) == ATTUNE_WIRE_OK);
	CHECK(attune_wire_decode_watch_request(b.data, b.len, team, &window, &interval, &err) ==
	      ATTUNE_WIRE_E_INVALID);
	CHECK(strstr(err.message, "interval_seconds") != NULL);
	attune_wire_buf_free(&b);
	CHECK(attune_wire_decode_watch_request((const uint8_t *)"\xff\xff", 2, team, &window,
	                                       &interval, &err) == ATTUNE_WIRE_E_MALFORMED);

	/* TeamStats and MetricsSnapshot round trips. */
	memset(&st, 0, sizeof(st));
	st.team = "north";
	st.window = 3;
	st.window_start_ms = 1000;
	st.window_end_ms = 2000;
	st.responder_pseudonym = "00112233445566778899aabbccddeeff";
	st.drafts = 10;
	st.mean_score = 61.5;
	st.levels[0][2] = 7;
	st.levels[2][1] = 3;
	st.finding_count[ATTUNE_FINDING_SELF_FOCUS] = 4;
	st.finding_per_draft[ATTUNE_FINDING_SELF_FOCUS] = 0.3;
	st.offered = 30;
	st.outcomes = 6;
	st.used = 4;
	st.used_verbatim = 2;
	st.mean_score_change = 5.5;
	st.risk[ATTUNE_RISK_HIGH] = 1;
	CHECK(attune_wire_encode_team_stats(&st, &b) == ATTUNE_WIRE_OK);
	CHECK(attune_wire_decode_team_stats(b.data, b.len, &reply, &err) == ATTUNE_WIRE_OK);
	if (reply) {
		const attune_wire_team_stats *r = &reply->stats;
		CHECK(strcmp(r->team, "north") == 0 && r->window == 3);
		CHECK(r->window_start_ms == 1000 && r->window_end_ms == 2000);
		CHECK(strcmp(r->responder_pseudonym, st.responder_pseudonym) == 0);
		CHECK(r->drafts == 10 && r->mean_score == 61.5);
		CHECK(r->levels[0][2] == 7 && r->levels[2][1] == 3);
		CHECK(r->finding_count[ATTUNE_FINDING_SELF_FOCUS] == 4);
		CHECK(r->finding_per_draft[ATTUNE_FINDING_SELF_FOCUS] == 0.3);
		CHECK(r->offered == 30 && r->outcomes == 6 && r->used == 4 &&
		      r->used_verbatim == 2);
		CHECK(r->mean_score_change == 5.5 && r->risk[ATTUNE_RISK_HIGH] == 1);
	}
	attune_wire_stats_reply_free(reply);
	attune_wire_buf_free(&b);
	reply = NULL;
	CHECK(attune_wire_encode_snapshot(7, 123456, &st, &b) == ATTUNE_WIRE_OK);
	CHECK(attune_wire_decode_snapshot(b.data, b.len, &reply, &err) == ATTUNE_WIRE_OK);
	CHECK(reply && reply->sequence == 7 && reply->time_ms == 123456);
	CHECK(reply && reply->stats.drafts == 10);
	attune_wire_stats_reply_free(reply);
	attune_wire_buf_free(&b);
	return test_finish("test_outcome_wire");
}
