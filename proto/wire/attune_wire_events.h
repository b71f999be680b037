/*
 * attune_wire_events.h - the wire side of outcomes and supervision:
 * RecordOutcome, GetTeamStats and WatchMetrics requests decoded and
 * validated (reusing the ScoreDraft field checks, so limits and messages
 * are the same), their responses encoded, and the client-side reverse for
 * the CLI. Part of attune_wire; same conventions as attune_wire.h.
 */
#ifndef ATTUNE_WIRE_EVENTS_H
#define ATTUNE_WIRE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "attune_wire.h"

#define ATTUNE_WIRE_WATCH_DEFAULT_INTERVAL 5u
#define ATTUNE_WIRE_WATCH_MAX_INTERVAL     3600u

/* ---------------------------------------------------------- RecordOutcome */

/* A decoded, validated RecordOutcomeRequest; strings never NULL, owned by
 * the struct until attune_wire_outcome_request_free(). */
typedef struct attune_wire_outcome_request {
	const char *score_id;      /* 1..64 bytes */
	unsigned action;           /* attune.v1.OutcomeAction, 1..5 */
	unsigned suggestion_index; /* checked against the draft by the handler */
	attune_text final_text;    /* may be empty */
	attune_text seeker;        /* may be empty */
	const char *conversation_id;
	const char *responder_id;
	const char *team;
	const char *locale; /* effective: "en" when empty */
	attune_channel channel;
	void *priv_;
} attune_wire_outcome_request;

/* Server: decodes and validates (score_id required <= 64 bytes, action
 * required and known, final_text and seeker_message like ScoreDraft's
 * texts, ids/team/locale/channel exactly as in ScoreDraft). */
attune_wire_status attune_wire_decode_outcome_request(const uint8_t *data, size_t len,
                                                      const attune_scorer *scorer,
                                                      attune_wire_outcome_request **out,
                                                      attune_wire_error *err);
void attune_wire_outcome_request_free(attune_wire_outcome_request *req);

attune_wire_status attune_wire_encode_outcome_response(const char *event_id, int has_final_score,
                                                       unsigned final_score, int has_score_change,
                                                       int score_change, attune_wire_buf *out);

/* --------------------------------------------------------- Supervision */

/* Numbers match attune.v1.StatsWindow. */
#define ATTUNE_WIRE_WINDOW_MAX 3u

/* Server: GetTeamStatsRequest. team (<= 64 bytes, [A-Za-z0-9._-]) and
 * responder_id (<= 128 bytes, UTF-8) are copied into the caller's buffers. */
attune_wire_status attune_wire_decode_stats_request(const uint8_t *data, size_t len,
                                                    char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1],
                                                    unsigned *window,
                                                    char responder[ATTUNE_WIRE_MAX_ID_BYTES + 1],
                                                    attune_wire_error *err);

/* Server: WatchMetricsRequest; *interval is the effective one (0 -> 5;
 * over 3600 is INVALID_ARGUMENT). */
attune_wire_status attune_wire_decode_watch_request(const uint8_t *data, size_t len,
                                                    char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1],
                                                    unsigned *window, unsigned *interval,
                                                    attune_wire_error *err);

/* TeamStats as plain numbers (both directions). */
typedef struct attune_wire_team_stats {
	const char *team; /* never NULL when decoded */
	unsigned window;
	int64_t window_start_ms, window_end_ms;
	const char *responder_pseudonym; /* never NULL when decoded */
	uint64_t drafts;
	double mean_score;
	uint64_t levels[3][3]; /* [acknowledge|reflect|explore][none|weak|strong] */
	uint64_t finding_count[ATTUNE_FINDING_KIND_MAX];
	double finding_per_draft[ATTUNE_FINDING_KIND_MAX];
	uint64_t offered, outcomes, used, used_verbatim;
	double mean_score_change;
	uint64_t risk[4]; /* index = attune_risk_level; [0] unused on the wire */
} attune_wire_team_stats;

/* Server: encodes TeamStats. Findings: every known kind, in enum order,
 * with its count and drafts-with-it / drafts; risk_flags: LOW, MODERATE,
 * HIGH with their counts. */
attune_wire_status attune_wire_encode_team_stats(const attune_wire_team_stats *s,
                                                 attune_wire_buf *out);
/* Server: encodes a MetricsSnapshot around the same stats. */
attune_wire_status attune_wire_encode_snapshot(uint64_t sequence, int64_t time_ms,
                                               const attune_wire_team_stats *s,
                                               attune_wire_buf *out);

/* Client: requests. */
attune_wire_status attune_wire_encode_stats_request(const char *team, unsigned window,
                                                    const char *responder_id, attune_wire_buf *out);
attune_wire_status attune_wire_encode_watch_request(const char *team, unsigned window,
                                                    unsigned interval, attune_wire_buf *out);

/* Client: a decoded TeamStats / MetricsSnapshot (strings owned by it). */
typedef struct attune_wire_stats_reply {
	uint64_t sequence; /* snapshots only */
	int64_t time_ms;   /* snapshots only */
	attune_wire_team_stats stats;
	void *priv_;
} attune_wire_stats_reply;

attune_wire_status attune_wire_decode_team_stats(const uint8_t *data, size_t len,
                                                 attune_wire_stats_reply **out,
                                                 attune_wire_error *err);
attune_wire_status attune_wire_decode_snapshot(const uint8_t *data, size_t len,
                                               attune_wire_stats_reply **out,
                                               attune_wire_error *err);
void attune_wire_stats_reply_free(attune_wire_stats_reply *r);

#endif
