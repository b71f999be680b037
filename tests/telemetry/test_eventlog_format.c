/*
 * test_eventlog_format.c - the JSON Lines form of events: every field
 * round-trips through format and parse, only [A-Za-z0-9._-] reaches label
 * values, a too-small buffer gives no partial line, garbage lines are
 * refused, and the score table keeps the newest `capacity` entries.
 */
#include "event.h"
#include "score_table.h"
#include "test_eventlog_check.h"

int main(void)
{
	attune_event ev, back;
	char line[ATTUNE_EVENT_LINE_MAX];
	size_t n;

	memset(&ev, 0, sizeof(ev));
	ev.type = ATTUNE_EVENT_DRAFT_SCORED;
	ev.ts_ms = 1795523400123LL;
	strcpy(ev.id, "0a0b0c0d-1f");
	strcpy(ev.score_id, "s-123");
	strcpy(ev.conversation, "00112233445566778899aabbccddeeff");
	strcpy(ev.responder, "ffeeddccbbaa99887766554433221100");
	strcpy(ev.team, "north.team-1");
	ev.channel = ATTUNE_CHANNEL_SMS;
	ev.score = 73;
	ev.acknowledge = 2;
	ev.reflect = 1;
	ev.explore = 2;
	ev.findings[ATTUNE_FINDING_SELF_FOCUS] = 2;
	ev.findings[ATTUNE_FINDING_OPEN_QUESTION] = 1;
	ev.risk_level = ATTUNE_RISK_MODERATE;
	ev.risk_categories = (1u << ATTUNE_RISK_SUICIDE) | (1u << ATTUNE_RISK_ABUSE);
	ev.suggestions_offered = 3;
	ev.latency_us = 42;
	n = attune_event_format(&ev, line, sizeof(line));
	CHECK(n > 0 && n == strlen(line));
	CHECK(strchr(line, '\n') == NULL);
	CHECK(strstr(line, "\"type\":\"draft_scored\"") != NULL);
	CHECK(strstr(line, "\"self_focus\":2") != NULL);
	CHECK(strstr(line, "\"channel\":\"sms\"") != NULL);
	CHECK(attune_event_parse(line, n, &back) == ATTUNE_EV_OK);
	CHECK(back.type == ev.type && back.ts_ms == ev.ts_ms);
	CHECK(strcmp(back.id, ev.id) == 0 && strcmp(back.score_id, ev.score_id) == 0);
	CHECK(strcmp(back.conversation, ev.conversation) == 0);
	CHECK(strcmp(back.responder, ev.responder) == 0 && strcmp(back.team, ev.team) == 0);
	CHECK(back.channel == ev.channel && back.score == 73);
	CHECK(back.acknowledge == 2 && back.reflect == 1 && back.explore == 2);
	CHECK(memcmp(back.findings, ev.findings, sizeof(ev.findings)) == 0);
	CHECK(back.risk_level == ev.risk_level && back.risk_categories == ev.risk_categories);
	CHECK(back.suggestions_offered == 3 && back.latency_us == 42);

	/* Outcome events. */
	memset(&ev, 0, sizeof(ev));
	ev.type = ATTUNE_EVENT_OUTCOME_RECORDED;
	ev.ts_ms = 5;
	strcpy(ev.id, "x-1");
	ev.action = ATTUNE_OUTCOME_USED_SUGGESTION_EDITED;
	ev.suggestion_index = 2;
	ev.has_final_score = 1;
	ev.final_score = 61;
	ev.has_score_change = 1;
	ev.score_change = -12;
	n = attune_event_format(&ev, line, sizeof(line));
	CHECK(n > 0);
	CHECK(attune_event_parse(line, n, &back) == ATTUNE_EV_OK);
	CHECK(back.action == ev.action && back.suggestion_index == 2);
	CHECK(back.has_final_score && back.final_score == 61);
	CHECK(back.has_score_change && back.score_change == -12);
	ev.has_score_change = 0;
	n = attune_event_format(&ev, line, sizeof(line));
	CHECK(strstr(line, "score_change") == NULL);
	CHECK(attune_event_parse(line, n, &back) == ATTUNE_EV_OK && !back.has_score_change);

	/* Labels: nothing but [A-Za-z0-9._-] is written. */
	strcpy(ev.team, "a\"b\\c d");
	n = attune_event_format(&ev, line, sizeof(line));
	CHECK(strstr(line, "\"team\":\"a_b_c_d\"") != NULL);

	/* Too small: no partial line. */
	CHECK(attune_event_format(&ev, line, 20) == 0 && line[0] == '\0');

	/* Refused lines. */
	CHECK(attune_event_parse("", 0, &back) == ATTUNE_EV_E_PARSE);
	CHECK(attune_event_parse("{\"ts\":1,\"type\":\"draft_sc", 24, &back) == ATTUNE_EV_E_PARSE);
	CHECK(attune_event_parse("{\"ts\":1,\"type\":\"nope\",\"id\":\"a\"}", 31, &back) ==
	      ATTUNE_EV_E_PARSE);
	CHECK(attune_event_parse("{\"type\":\"draft_scored\",\"id\":\"a\"}", 32, &back) ==
	      ATTUNE_EV_E_PARSE);
	CHECK(attune_event_parse("[1,2]", 5, &back) == ATTUNE_EV_E_PARSE);

	/* Score table: bounded, oldest evicted, replace in place. */
	{
		attune_score_table *t = NULL;
		unsigned sc = 0, ns = 0;
		char id[32];
		CHECK(attune_score_table_create(100, &t) == ATTUNE_EV_OK);
		for (int i = 0; i < 250; i++) {
			snprintf(id, sizeof(id), "score-%d", i);
			attune_score_table_put(t, id, strlen(id), (unsigned)(i % 101), 3);
		}
		CHECK(!attune_score_table_get(t, "score-0", 7, &sc, &ns));
		CHECK(!attune_score_table_get(t, "score-149", 9, &sc, &ns));
		CHECK(attune_score_table_get(t, "score-150", 9, &sc, &ns) && sc == 150 % 101 &&
		      ns == 3);
		CHECK(attune_score_table_get(t, "score-249", 9, &sc, &ns) && sc == 249 % 101);
		attune_score_table_put(t, "score-249", 9, 7, 1);
		CHECK(attune_score_table_get(t, "score-249", 9, &sc, &ns) && sc == 7 && ns == 1);
		CHECK(attune_score_table_get(t, "score-200", 9, &sc, &ns) && sc == 200 % 101);
		attune_score_table_destroy(t);
		attune_score_table_destroy(NULL);
	}
	return test_finish("test_eventlog_format");
}
