/*
 * team_stats.h - in-memory aggregates for the supervisor API: per team, per
 * (team, responder pseudonym) and for all teams together, over the last
 * hour (60 one-minute buckets) and the last day / week (168 one-hour
 * buckets, a day = the newest 24). Rebuilt from the event log at start.
 *
 * Memory is bounded: one key holds 228 buckets (about 50 KB) and is
 * allocated on first use; at most ATTUNE_TEAM_STATS_MAX_TEAMS team keys and
 * ATTUNE_TEAM_STATS_MAX_RESPONDERS responder keys exist (about 16 MB worst
 * case). Events of teams beyond the cap count only in the all-teams
 * totals; beyond the responder cap the least recently updated responder
 * key is reused (its per-responder numbers restart; team totals do not).
 *
 * Time is passed in by the caller (unix ms), so the module has no clock.
 * Thread-safe: one mutex.
 */
#ifndef ATTUNE_TEAM_STATS_H
#define ATTUNE_TEAM_STATS_H

#include <stdint.h>

#include "ev_status.h"
#include "event.h"

#define ATTUNE_TEAM_STATS_MAX_TEAMS      64
#define ATTUNE_TEAM_STATS_MAX_RESPONDERS 256

/* Numbers match attune.v1.StatsWindow; UNSPECIFIED is treated as HOUR. */
typedef enum attune_stats_window {
	ATTUNE_STATS_WINDOW_UNSPECIFIED = 0,
	ATTUNE_STATS_WINDOW_HOUR = 1,
	ATTUNE_STATS_WINDOW_DAY = 2,
	ATTUNE_STATS_WINDOW_WEEK = 3
} attune_stats_window;

typedef struct attune_team_stats_result {
	int64_t window_start_ms; /* start of the oldest bucket in the window */
	int64_t window_end_ms;   /* now */
	uint64_t drafts;
	double mean_score;     /* 0 when no drafts */
	uint64_t levels[3][3]; /* [acknowledge|reflect|explore][none|weak|strong] */
	uint64_t finding_count[ATTUNE_FINDING_KIND_MAX];  /* findings of each kind */
	uint64_t finding_drafts[ATTUNE_FINDING_KIND_MAX]; /* drafts with >= 1 of the kind */
	uint64_t risk[4]; /* drafts per risk level (index 0 = none) */
	uint64_t offered, outcomes, used, used_verbatim;
	uint64_t score_changes;   /* outcomes with a known score change */
	double mean_score_change; /* 0 when none */
} attune_team_stats_result;

typedef struct attune_team_stats attune_team_stats;

/* On success *out is owned by the caller (attune_team_stats_destroy). */
attune_ev_status attune_team_stats_create(attune_team_stats **out);
/* NULL is a no-op. */
void attune_team_stats_destroy(attune_team_stats *s);

/* Counts one event (risk_flagged events are ignored: the risk of a draft
 * is counted from its draft_scored event). Events older than a week before
 * the newest bucket they would share a slot with are dropped. */
void attune_team_stats_add(attune_team_stats *s, const attune_event *ev);

/* Fills *out for team ("" = all teams) and responder pseudonym ("" = all
 * responders; with team "" it sums that responder over every team) for the
 * window ending at now_ms. Unknown team/responder gives zeros. */
void attune_team_stats_query(attune_team_stats *s, const char *team, const char *responder,
                             attune_stats_window window, int64_t now_ms,
                             attune_team_stats_result *out);

#endif
