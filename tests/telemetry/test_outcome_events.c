/*
 * test_outcome_events.c - the events facade: a scored draft and its
 * outcome give the right score change and a durable event id; the log
 * holds pseudonyms, never the raw ids; after a restart the team stats and
 * the remembered draft scores are rebuilt from the log.
 */
#define _POSIX_C_SOURCE 200809L
#include "events.h"
#include "test_eventlog_check.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(void)
{
	char dir[256], logpath[400];
	attune_events_config cfg = {0};
	attune_events *e = NULL;
	attune_finding findings[2] = {
	    {ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MAJOR, 0, 5, "x"},
	    {ATTUNE_FINDING_PREMATURE_ADVICE, ATTUNE_SEVERITY_MODERATE, 6, 9, "y"}};
	attune_score_result res;
	attune_events_draft d = {0};
	attune_events_outcome o = {0};
	attune_events_outcome_result out;
	attune_team_stats_result r;
	char pseud[ATTUNE_PSEUDONYM_HEX_LEN + 1], pseud2[ATTUNE_PSEUDONYM_HEX_LEN + 1];
	unsigned sc = 0, ns = 0;
	char *text;
	const char *resp = "raw-responder-ZQX";
	const char *conv = "raw-conversation-ZQX";

	test_mkdtemp(dir, sizeof(dir));
	snprintf(logpath, sizeof(logpath), "%s/events.jsonl", dir);
	cfg.state_dir = dir;
	cfg.max_bytes = 1 << 20;
	cfg.keep = 3;
	CHECK(attune_events_open(&cfg, &e) == ATTUNE_EV_OK);

	memset(&res, 0, sizeof(res));
	res.score = 40;
	res.acknowledge = 0;
	res.reflect = 1;
	res.explore = 0;
	res.findings = findings;
	res.n_findings = 2;
	res.n_suggestions = 3;
	res.risk.level = ATTUNE_RISK_MODERATE;
	res.risk.categories = 1u << ATTUNE_RISK_SUICIDE;
	d.score_id = "s1";
	d.conversation_id = conv;
	d.conversation_len = strlen(conv);
	d.responder_id = resp;
	d.responder_len = strlen(resp);
	d.team = "north";
	d.channel = ATTUNE_CHANNEL_CHAT;
	d.result = &res;
	d.latency_us = 17;
	CHECK(attune_events_draft_scored(e, &d) == ATTUNE_EV_OK);
	CHECK(attune_events_lookup_draft(e, "s1", 2, &sc, &ns) && sc == 40 && ns == 3);
	CHECK(!attune_events_lookup_draft(e, "s2", 2, &sc, &ns));

	o.score_id = "s1";
	o.responder_id = resp;
	o.responder_len = strlen(resp);
	o.team = "north";
	o.action = ATTUNE_OUTCOME_USED_SUGGESTION_VERBATIM;
	o.suggestion_index = 1;
	o.has_final_score = 1;
	o.final_score = 70;
	CHECK(attune_events_record_outcome(e, &o, &out) == ATTUNE_EV_OK);
	CHECK(out.event_id[0] != '\0');
	CHECK(out.has_score_change && out.score_change == 30);
	/* Durable when the call returned: the id is in the file already. */
	text = slurp(logpath);
	CHECK(text && strstr(text, out.event_id) != NULL);
	free(text);
	/* Unknown score id: no change computed. */
	o.score_id = "unknown";
	CHECK(attune_events_record_outcome(e, &o, &out) == ATTUNE_EV_OK);
	CHECK(!out.has_score_change);

	attune_events_team_stats(e, "north", resp, strlen(resp), ATTUNE_STATS_WINDOW_HOUR,
	                         attune_events_now_ms(), &r, pseud);
	CHECK_EQ_U(r.drafts, 1);
	CHECK_EQ_U(r.outcomes, 2);
	CHECK_EQ_U(r.used_verbatim, 2);
	CHECK_EQ_U(r.risk[ATTUNE_RISK_MODERATE], 1);
	CHECK(strlen(pseud) == ATTUNE_PSEUDONYM_HEX_LEN);
	attune_events_close(e);
	e = NULL;

	/* The file: 4 lines (draft, risk flag, 2 outcomes), pseudonyms only. */
	text = slurp(logpath);
	CHECK(text != NULL);
	if (text) {
		int lines = 0;
		for (char *p = text; *p; p++)
			lines += *p == '\n';
		CHECK_EQ_U(lines, 4);
		CHECK(strstr(text, "ZQX") == NULL);
		CHECK(strstr(text, pseud) != NULL);
		CHECK(strstr(text, "\"type\":\"risk_flagged\"") != NULL);
		free(text);
	}

	/* A draft from long ago (older than the week window + a day) is skipped
	 * by the replay without being parsed. */
	{
		FILE *f = fopen(logpath, "a");
		CHECK(f != NULL);
		if (f) {
			fputs("{\"ts\":1000,\"type\":\"draft_scored\",\"id\":\"old-1\","
			      "\"score_id\":\"ancient\",\"team\":\"north\",\"score\":5}\n",
			      f);
			fclose(f);
		}
	}

	/* Restart: stats and remembered draft scores come back from the log,
	 * and the pseudonym is the same. */
	CHECK(attune_events_open(&cfg, &e) == ATTUNE_EV_OK);
	attune_events_team_stats(e, "north", resp, strlen(resp), ATTUNE_STATS_WINDOW_DAY,
	                         attune_events_now_ms(), &r, pseud2);
	CHECK(strcmp(pseud, pseud2) == 0);
	CHECK_EQ_U(r.drafts, 1);
	CHECK_EQ_U(r.outcomes, 2);
	CHECK_EQ_U(r.score_changes, 1);
	CHECK(r.mean_score_change > 29.99 && r.mean_score_change < 30.01);
	CHECK(attune_events_lookup_draft(e, "s1", 2, &sc, &ns) && sc == 40);
	CHECK(!attune_events_lookup_draft(e, "ancient", 7, &sc, &ns));
	attune_events_close(e);
	attune_events_close(NULL);

	/* Memory-only mode: stats count, outcomes are refused (no durability). */
	memset(&cfg, 0, sizeof(cfg));
	CHECK(attune_events_open(&cfg, &e) == ATTUNE_EV_OK);
	CHECK(attune_events_draft_scored(e, &d) == ATTUNE_EV_OK);
	o.score_id = "s1";
	CHECK(attune_events_record_outcome(e, &o, &out) == ATTUNE_EV_E_NOLOG);
	attune_events_team_stats(e, "north", "", 0, ATTUNE_STATS_WINDOW_HOUR,
	                         attune_events_now_ms(), &r, pseud2);
	CHECK_EQ_U(r.drafts, 1);
	CHECK(attune_events_lookup_draft(e, "s1", 2, &sc, &ns) && sc == 40);
	attune_events_close(e);
	/* An event log without a key source is refused. */
	cfg.event_log_path = logpath;
	CHECK(attune_events_open(&cfg, &e) == ATTUNE_EV_E_INVALID);

	test_rmdir(dir);
	return test_finish("test_outcome_events");
}
