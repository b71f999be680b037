/*
 * test_team_stats.c - aggregates per team / responder over hour, day and
 * week windows: events inside and outside each window, finding rates,
 * level distribution, risk, suggestion use, mean score change, responder
 * filters, the team cap.
 */
#include "team_stats.h"
#include "test_eventlog_check.h"

#define MIN_MS  60000LL
#define HOUR_MS 3600000LL
/* A fixed "now": 2026-11-25 12:30:00 UTC. */
#define NOW 1795523400000LL

static attune_event draft(int64_t ts, const char *team, const char *resp, unsigned score)
{
	attune_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = ATTUNE_EVENT_DRAFT_SCORED;
	ev.ts_ms = ts;
	snprintf(ev.id, sizeof(ev.id), "t-%lld", (long long)ts);
	snprintf(ev.team, sizeof(ev.team), "%s", team);
	snprintf(ev.responder, sizeof(ev.responder), "%s", resp);
	ev.score = score;
	ev.acknowledge = 2;
	ev.reflect = 1;
	ev.explore = 0;
	ev.suggestions_offered = 3;
	return ev;
}

static attune_event outcome(int64_t ts, const char *team, const char *resp, attune_outcome_action a,
                            int has_change, int change)
{
	attune_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = ATTUNE_EVENT_OUTCOME_RECORDED;
	ev.ts_ms = ts;
	snprintf(ev.team, sizeof(ev.team), "%s", team);
	snprintf(ev.responder, sizeof(ev.responder), "%s", resp);
	ev.action = a;
	ev.has_score_change = has_change;
	ev.score_change = change;
	return ev;
}

int main(void)
{
	attune_team_stats *s = NULL;
	attune_team_stats_result r;
	attune_event ev;

	CHECK(attune_team_stats_create(&s) == ATTUNE_EV_OK);

	/* Team "north", responder "aa": 2 drafts now, 1 two hours ago, 1 two days ago. */
	ev = draft(NOW - 1 * MIN_MS, "north", "aa", 80);
	ev.findings[ATTUNE_FINDING_SELF_FOCUS] = 2;
	ev.risk_level = ATTUNE_RISK_HIGH;
	attune_team_stats_add(s, &ev);
	ev = draft(NOW - 5 * MIN_MS, "north", "aa", 40);
	ev.findings[ATTUNE_FINDING_PREMATURE_ADVICE] = 1;
	attune_team_stats_add(s, &ev);
	attune_team_stats_add(s, &(attune_event){0}); /* type 0: ignored */
	ev = draft(NOW - 2 * HOUR_MS, "north", "aa", 60);
	attune_team_stats_add(s, &ev);
	ev = draft(NOW - 48 * HOUR_MS, "north", "bb", 20);
	attune_team_stats_add(s, &ev);
	ev = draft(NOW - 30 * MIN_MS, "south", "cc", 100);
	attune_team_stats_add(s, &ev);
	ev = draft(NOW - 9 * 24 * HOUR_MS, "north", "aa", 0); /* older than a week */
	attune_team_stats_add(s, &ev);
	ev = draft(NOW - 2 * MIN_MS, "north", "aa", 90);
	ev.type = ATTUNE_EVENT_RISK_FLAGGED; /* not counted as a draft */
	attune_team_stats_add(s, &ev);
	attune_team_stats_add(s, &(attune_event){.type = ATTUNE_EVENT_OUTCOME_RECORDED});
	{
		attune_event o = outcome(NOW - 1 * MIN_MS, "north", "aa",
		                         ATTUNE_OUTCOME_USED_SUGGESTION_VERBATIM, 1, 20);
		attune_team_stats_add(s, &o);
		o = outcome(NOW - 2 * MIN_MS, "north", "aa", ATTUNE_OUTCOME_USED_SUGGESTION_EDITED,
		            1, -10);
		attune_team_stats_add(s, &o);
		o = outcome(NOW - 3 * MIN_MS, "north", "aa", ATTUNE_OUTCOME_DISCARDED, 0, 0);
		attune_team_stats_add(s, &o);
	}

	/* Hour, team north. */
	attune_team_stats_query(s, "north", "", ATTUNE_STATS_WINDOW_HOUR, NOW, &r);
	CHECK_EQ_U(r.drafts, 2);
	CHECK(r.mean_score > 59.99 && r.mean_score < 60.01);
	CHECK_EQ_U(r.levels[0][2], 2);
	CHECK_EQ_U(r.levels[1][1], 2);
	CHECK_EQ_U(r.levels[2][0], 2);
	CHECK_EQ_U(r.finding_count[ATTUNE_FINDING_SELF_FOCUS], 2);
	CHECK_EQ_U(r.finding_drafts[ATTUNE_FINDING_SELF_FOCUS], 1);
	CHECK_EQ_U(r.finding_drafts[ATTUNE_FINDING_PREMATURE_ADVICE], 1);
	CHECK_EQ_U(r.risk[ATTUNE_RISK_HIGH], 1);
	CHECK_EQ_U(r.risk[ATTUNE_RISK_NONE], 1);
	CHECK_EQ_U(r.offered, 6);
	CHECK_EQ_U(r.outcomes, 3);
	CHECK_EQ_U(r.used, 2);
	CHECK_EQ_U(r.used_verbatim, 1);
	CHECK_EQ_U(r.score_changes, 2);
	CHECK(r.mean_score_change > 4.99 && r.mean_score_change < 5.01);
	CHECK(r.window_end_ms == NOW);
	CHECK(r.window_start_ms <= NOW - 59 * MIN_MS && r.window_start_ms > NOW - 61 * MIN_MS);

	/* Day and week. */
	attune_team_stats_query(s, "north", "", ATTUNE_STATS_WINDOW_DAY, NOW, &r);
	CHECK_EQ_U(r.drafts, 3);
	CHECK(r.window_start_ms <= NOW - 23 * HOUR_MS && r.window_start_ms > NOW - 25 * HOUR_MS);
	attune_team_stats_query(s, "north", "", ATTUNE_STATS_WINDOW_WEEK, NOW, &r);
	CHECK_EQ_U(r.drafts, 4);
	/* Unspecified = hour. */
	attune_team_stats_query(s, "north", "", ATTUNE_STATS_WINDOW_UNSPECIFIED, NOW, &r);
	CHECK_EQ_U(r.drafts, 2);

	/* All teams; an unknown team; responders. */
	attune_team_stats_query(s, "", "", ATTUNE_STATS_WINDOW_WEEK, NOW, &r);
	CHECK_EQ_U(r.drafts, 5);
	attune_team_stats_query(s, "west", "", ATTUNE_STATS_WINDOW_WEEK, NOW, &r);
	CHECK_EQ_U(r.drafts, 0);
	CHECK(r.mean_score == 0);
	attune_team_stats_query(s, "north", "bb", ATTUNE_STATS_WINDOW_WEEK, NOW, &r);
	CHECK_EQ_U(r.drafts, 1);
	attune_team_stats_query(s, "", "aa", ATTUNE_STATS_WINDOW_DAY, NOW, &r);
	CHECK_EQ_U(r.drafts, 3);
	CHECK_EQ_U(r.outcomes, 3);
	attune_team_stats_query(s, "south", "aa", ATTUNE_STATS_WINDOW_DAY, NOW, &r);
	CHECK_EQ_U(r.drafts, 0);

	/* The window moves: an hour later the "now" drafts left the hour window. */
	attune_team_stats_query(s, "north", "", ATTUNE_STATS_WINDOW_HOUR, NOW + HOUR_MS, &r);
	CHECK_EQ_U(r.drafts, 0);

	/* Team cap: teams beyond it count only in the all-teams totals. */
	for (int i = 0; i < ATTUNE_TEAM_STATS_MAX_TEAMS + 5; i++) {
		char team[16];
		snprintf(team, sizeof(team), "t%d", i);
		ev = draft(NOW, team, "", 50);
		attune_team_stats_add(s, &ev);
	}
	attune_team_stats_query(s, "", "", ATTUNE_STATS_WINDOW_HOUR, NOW, &r);
	CHECK_EQ_U(r.drafts, 3 + ATTUNE_TEAM_STATS_MAX_TEAMS + 5);
	/* Responder cap: the oldest responder key is reused, nothing breaks. */
	for (int i = 0; i < ATTUNE_TEAM_STATS_MAX_RESPONDERS + 3; i++) {
		char resp[16];
		snprintf(resp, sizeof(resp), "r%d", i);
		ev = draft(NOW + i, "north", resp, 50);
		attune_team_stats_add(s, &ev);
	}
	attune_team_stats_query(s, "north", "r0", ATTUNE_STATS_WINDOW_HOUR, NOW + 10, &r);
	CHECK_EQ_U(r.drafts, 0);
	attune_team_stats_query(s, "north", "r258", ATTUNE_STATS_WINDOW_HOUR, NOW + 300, &r);
	CHECK_EQ_U(r.drafts, 1);

	attune_team_stats_destroy(s);
	attune_team_stats_destroy(NULL);
	return test_finish("test_team_stats");
}
