/*
 * metrics.h - attuned's Prometheus metrics registry: fixed families of
 * counters, gauges and histograms with bounded label sets, updated lock-free
 * (sharded relaxed atomics) from any thread and rendered as text format 0.0.4.
 *
 * No label ever carries message text or identifiers: every label value comes
 * from a fixed table here or from the team allow-list given at creation.
 * The HTTP listener serving the rendering is in metrics_http.h.
 */
#ifndef ATTUNE_METRICS_H
#define ATTUNE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "attune/scorer.h"

typedef enum attune_metrics_status {
	ATTUNE_METRICS_OK = 0,
	ATTUNE_METRICS_E_NOMEM = 1,     /* allocation failed */
	ATTUNE_METRICS_E_INVALID = 2,   /* bad argument (e.g. a team name not [A-Za-z0-9._-]) */
	ATTUNE_METRICS_E_TOO_LARGE = 3, /* over a documented limit */
	ATTUNE_METRICS_E_ADDRESS = 4,   /* listen address cannot be parsed */
	ATTUNE_METRICS_E_REMOTE = 5,    /* non-loopback listen address without allow_remote */
	ATTUNE_METRICS_E_BIND = 6,      /* socket/bind/listen failed (errno-based) */
	ATTUNE_METRICS_E_HTTP = 7,      /* the HTTP library failed to start */
	ATTUNE_METRICS_E_IO = 8         /* reading /proc failed */
} attune_metrics_status;

/* Static English text for a status; never NULL. */
const char *attune_metrics_strerror(attune_metrics_status st);

/* Limits of the team allow-list (team names follow the API: [A-Za-z0-9._-]). */
#define ATTUNE_METRICS_MAX_TEAMS    64
#define ATTUNE_METRICS_MAX_TEAM_LEN 64
/* Hard cap of one rendering; the fixed families stay far below it. */
#define ATTUNE_METRICS_MAX_RENDER_BYTES (4u * 1024u * 1024u)

/* RPC label values. Anything not listed is counted as "unknown" (never the
 * path the client sent). */
typedef enum attune_metrics_rpc {
	ATTUNE_METRICS_RPC_SCORE_DRAFT = 0,
	ATTUNE_METRICS_RPC_RECORD_OUTCOME,
	ATTUNE_METRICS_RPC_COACH_DRAFT,
	ATTUNE_METRICS_RPC_GET_TEAM_STATS,
	ATTUNE_METRICS_RPC_WATCH_METRICS,
	ATTUNE_METRICS_RPC_HEALTH_CHECK,
	ATTUNE_METRICS_RPC_HEALTH_WATCH,
	ATTUNE_METRICS_RPC_UNKNOWN,
	ATTUNE_METRICS_RPC_COUNT
} attune_metrics_rpc;

/* Maps a full method path ("/attune.v1.Assist/ScoreDraft") to its label;
 * NULL or anything else gives ATTUNE_METRICS_RPC_UNKNOWN. */
attune_metrics_rpc attune_metrics_rpc_from_method(const char *path);
/* Maps a label value ("ScoreDraft", "HealthCheck", ...) back to its enum;
 * NULL or anything else gives ATTUNE_METRICS_RPC_UNKNOWN. */
attune_metrics_rpc attune_metrics_rpc_from_name(const char *name);
/* Label value ("ScoreDraft", ..., "unknown"). */
const char *attune_metrics_rpc_name(attune_metrics_rpc rpc);

/* What the human did with a draft; numbers match attune.v1.OutcomeAction. */
typedef enum attune_metrics_outcome {
	ATTUNE_METRICS_OUTCOME_SENT_AS_DRAFTED = 1,
	ATTUNE_METRICS_OUTCOME_SENT_EDITED = 2,
	ATTUNE_METRICS_OUTCOME_USED_SUGGESTION_VERBATIM = 3,
	ATTUNE_METRICS_OUTCOME_USED_SUGGESTION_EDITED = 4,
	ATTUNE_METRICS_OUTCOME_DISCARDED = 5
} attune_metrics_outcome;

/* Why a call was refused authentication/authorization (issue 5). */
typedef enum attune_metrics_auth_reason {
	ATTUNE_METRICS_AUTH_MISSING_TOKEN = 0, /* no authorization metadata -> UNAUTHENTICATED */
	ATTUNE_METRICS_AUTH_INVALID_TOKEN,     /* token not in the tokens file -> UNAUTHENTICATED */
	ATTUNE_METRICS_AUTH_WRONG_ROLE, /* valid principal, role lacks the RPC -> PERMISSION_DENIED
	                                 */
	ATTUNE_METRICS_AUTH_BAD_CLIENT_CERT, /* mTLS identity unknown/unmapped */
	ATTUNE_METRICS_AUTH_COUNT
} attune_metrics_auth_reason;

/* Why a request was rejected before or instead of doing its work. A
 * message over --max-message-bytes is not among them: gRPC core refuses it
 * (RESOURCE_EXHAUSTED) before attuned sees the call's message. */
typedef enum attune_metrics_reject_reason {
	ATTUNE_METRICS_REJECT_MISSING_FIELD = 0, /* required field absent/empty */
	ATTUNE_METRICS_REJECT_FIELD_TOO_LARGE,   /* field/count over its documented limit */
	ATTUNE_METRICS_REJECT_INVALID_UTF8,      /* invalid UTF-8 or embedded NUL */
	ATTUNE_METRICS_REJECT_INVALID_VALUE,     /* bad enum/option/locale/team syntax */
	ATTUNE_METRICS_REJECT_MALFORMED,         /* payload not a decodable message / no payload */
	ATTUNE_METRICS_REJECT_OVERLOADED,        /* too many streams / server draining */
	ATTUNE_METRICS_REJECT_UNKNOWN_SERVICE,   /* health check of a service we do not serve */
	ATTUNE_METRICS_REJECT_UNKNOWN_METHOD,    /* no such RPC -> UNIMPLEMENTED */
	ATTUNE_METRICS_REJECT_REQUEST_TIMEOUT, /* request message not in within --request-timeout-ms
	                                        */
	ATTUNE_METRICS_REJECT_STREAM_IDLE, /* no stream message within --stream-idle-timeout-ms */
	ATTUNE_METRICS_REJECT_COUNT
} attune_metrics_reject_reason;

/* What failed when the event log stopped taking events (label `step`). */
typedef enum attune_metrics_eventlog_step {
	ATTUNE_METRICS_EVENTLOG_WRITE = 0,
	ATTUNE_METRICS_EVENTLOG_FSYNC,
	ATTUNE_METRICS_EVENTLOG_ROTATE,
	ATTUNE_METRICS_EVENTLOG_STEP_COUNT
} attune_metrics_eventlog_step;

/* Settings read once by attune_metrics_create(). */
typedef struct attune_metrics_config {
	/* Team allow-list for the team label: `teams[i]` (NUL-terminated,
	 * 1..ATTUNE_METRICS_MAX_TEAM_LEN bytes of [A-Za-z0-9._-], no duplicates),
	 * at most ATTUNE_METRICS_MAX_TEAMS. Copied; may be NULL when n_teams == 0. */
	const char *const *teams;
	size_t n_teams;
	/* Values for attune_build_info; static strings, may be NULL ("unknown"). */
	const char *version;
	const char *scorer_version;
} attune_metrics_config;

typedef struct attune_metrics attune_metrics;

/* Creates a registry with every series at zero. On ATTUNE_METRICS_OK *out
 * owns a registry freed with attune_metrics_destroy(); on failure *out is NULL. */
attune_metrics_status attune_metrics_create(const attune_metrics_config *cfg, attune_metrics **out);
/* NULL is a harmless no-op. No other thread may use `m` any more. */
void attune_metrics_destroy(attune_metrics *m);

/* Parses a comma-separated allow-list ("a,b,c"; empty items ignored) and
 * checks it like attune_metrics_create() would. On success *out is a
 * NULL-terminated array of strings freed with attune_metrics_teams_free(),
 * *n its length. */
attune_metrics_status attune_metrics_teams_parse(const char *csv, char ***out, size_t *n);
void attune_metrics_teams_free(char **teams);

/* Label value for a team as sent by a client (need not be NUL-terminated):
 * the allow-listed name, "none" for empty, "other" for anything else. */
const char *attune_metrics_team_label(const attune_metrics *m, const char *team, size_t len);

/*
 * Observation API. Every function is thread-safe, lock-free, never
 * allocates, never fails, and accepts m == NULL as a no-op (metrics off).
 */

/* One finished RPC: gRPC status code (0..16; others count as UNKNOWN) and
 * wall time from receipt to final status. */
void attune_metrics_observe_rpc(attune_metrics *m, attune_metrics_rpc rpc, int grpc_code,
                                uint64_t duration_ns);
/* In-flight gauge: begin when a call is accepted, end exactly once when it
 * is finished (always in pairs, or not at all). */
void attune_metrics_rpc_begin(attune_metrics *m, attune_metrics_rpc rpc);
void attune_metrics_rpc_end(attune_metrics *m, attune_metrics_rpc rpc);

/* One successfully scored draft: drafts, score histogram per channel,
 * findings per kind, suggestions offered, risk flag (level > none).
 * `team`/`team_len` as in the request (mapped by the allow-list). */
void attune_metrics_observe_draft(attune_metrics *m, attune_channel channel, const char *team,
                                  size_t team_len, const attune_score_result *r);

/* One recorded outcome (after it is durable): outcomes{action}, suggestions
 * used / used verbatim. `has_change`: whether `score_change` (final score
 * minus draft score, -100..100) is known; it feeds a histogram. */
void attune_metrics_observe_outcome(attune_metrics *m, attune_metrics_outcome action,
                                    int has_change, int score_change);

/* Rejections counted for issue 5's checks. */
void attune_metrics_auth_failure(attune_metrics *m, attune_metrics_auth_reason reason);
void attune_metrics_rate_limited(attune_metrics *m);
void attune_metrics_request_rejected(attune_metrics *m, attune_metrics_reject_reason reason);

/* Event log state changes, reported on transitions only (they alternate,
 * failed first): failed sets attune_eventlog_failed to 1 and counts one
 * attune_eventlog_failures_total{step}; recovered sets the gauge back to 0
 * and counts one attune_eventlog_recoveries_total. */
void attune_metrics_eventlog_failed(attune_metrics *m, attune_metrics_eventlog_step step);
void attune_metrics_eventlog_recovered(attune_metrics *m);

/*
 * Rendering. Writes the whole exposition (text format 0.0.4, HELP and TYPE
 * for every family, process_* metrics read from /proc now) into a new
 * buffer. On ATTUNE_METRICS_OK the caller owns *out (NUL-terminated,
 * *out_len bytes without the NUL) and frees it with free().
 */
attune_metrics_status attune_metrics_render(const attune_metrics *m, char **out, size_t *out_len);

#endif
