/*
 * attune/client.h - libattune: a small synchronous C client for attuned
 * (gRPC C core underneath). Create a client for a target, score drafts,
 * check health, free what you got back, destroy the client.
 *
 * Conventions:
 * - Every call returns an attune_client_code (the gRPC status code numbers;
 *   ATTUNE_CLIENT_OK == 0). When `err` is non-NULL it is always filled: code
 *   plus a NUL-terminated message. Messages come from the server's status or
 *   from this library and never contain the texts you sent.
 * - Strings passed in are borrowed for the duration of the call only.
 * - Everything returned through an out-parameter is owned by the caller and
 *   freed with the matching *_free / *_destroy function; on failure the
 *   out-parameter is set to NULL and nothing needs freeing.
 * - Thread safety: one attune_client may be used by many threads at once
 *   (each call has its own completion queue). Results are plain data.
 * - The human is always the sender: nothing here sends anything to a
 *   help-seeker; suggestions are text for the responder to consider.
 */
#ifndef ATTUNE_CLIENT_H
#define ATTUNE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "attune/scorer.h" /* result types shared with the offline scorer */

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the exported functions of the shared libattune. */
#if defined(__GNUC__)
#define ATTUNE_CLIENT_API __attribute__((visibility("default")))
#else
#define ATTUNE_CLIENT_API
#endif

/* gRPC status codes (same numbers as grpc_status_code). */
typedef enum attune_client_code {
	ATTUNE_CLIENT_OK = 0,
	ATTUNE_CLIENT_CANCELLED = 1,
	ATTUNE_CLIENT_UNKNOWN = 2,
	ATTUNE_CLIENT_INVALID_ARGUMENT = 3,
	ATTUNE_CLIENT_DEADLINE_EXCEEDED = 4,
	ATTUNE_CLIENT_NOT_FOUND = 5,
	ATTUNE_CLIENT_ALREADY_EXISTS = 6,
	ATTUNE_CLIENT_PERMISSION_DENIED = 7,
	ATTUNE_CLIENT_RESOURCE_EXHAUSTED = 8,
	ATTUNE_CLIENT_FAILED_PRECONDITION = 9,
	ATTUNE_CLIENT_ABORTED = 10,
	ATTUNE_CLIENT_OUT_OF_RANGE = 11,
	ATTUNE_CLIENT_UNIMPLEMENTED = 12,
	ATTUNE_CLIENT_INTERNAL = 13,
	ATTUNE_CLIENT_UNAVAILABLE = 14,
	ATTUNE_CLIENT_DATA_LOSS = 15,
	ATTUNE_CLIENT_UNAUTHENTICATED = 16
} attune_client_code;

/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN" for numbers outside 0..16. Static. */
ATTUNE_CLIENT_API const char *attune_client_code_name(attune_client_code code);

#define ATTUNE_CLIENT_ERROR_MESSAGE_MAX 256
/* Filled by every call that takes one. Longer server messages are cut at a
 * UTF-8 boundary and end with "...". */
typedef struct attune_client_error {
	attune_client_code code;
	char message[ATTUNE_CLIENT_ERROR_MESSAGE_MAX];
} attune_client_error;

/* Hard limits this library enforces on what it reads. */
#define ATTUNE_CLIENT_MAX_RESPONSE_BYTES  (4u * 1024u * 1024u) /* one response message */
#define ATTUNE_CLIENT_MAX_PEM_BYTES       (1024u * 1024u)      /* one TLS file */
#define ATTUNE_CLIENT_MAX_TOKEN_BYTES     4096u
#define ATTUNE_CLIENT_DEFAULT_DEADLINE_MS 10000u
#define ATTUNE_CLIENT_DEFAULT_TARGET      "127.0.0.1:50051"

typedef struct attune_client_options {
	/* Deadline of every call in milliseconds; 0 means the default (10 s). */
	unsigned deadline_ms;
	/* TLS: any of the tls_* fields set (non-NULL) turns TLS on. The CA file
	 * is PEM; NULL means the system roots. Client certificate and key (mTLS)
	 * go together: both or neither. tls_server_name overrides the name the
	 * server certificate is checked against (for test certificates). */
	const char *tls_ca_file;
	const char *tls_cert_file;
	const char *tls_key_file;
	const char *tls_server_name;
	/* Sent as `authorization: Bearer <token>` on every call; NULL = none.
	 * At most ATTUNE_CLIENT_MAX_TOKEN_BYTES, printable ASCII only. */
	const char *bearer_token;
	/* 0 (default): ignore http_proxy/https_proxy for this channel. */
	int enable_http_proxy;
} attune_client_options;

/* Fills *opts with the defaults above (all zero / NULL). */
ATTUNE_CLIENT_API void attune_client_options_init(attune_client_options *opts);

typedef struct attune_client attune_client;

/* Creates a client for `target` ("127.0.0.1:50051", "dns:host:port",
 * "unix:/path"); NULL means ATTUNE_CLIENT_DEFAULT_TARGET. `opts` may be NULL
 * (defaults). Connects lazily: a server that is down shows up as
 * UNAVAILABLE on the first call, not here. Files named in opts are read
 * here. On OK *out owns a client freed with attune_client_destroy(). */
ATTUNE_CLIENT_API attune_client_code attune_client_create(const char *target,
                                                          const attune_client_options *opts,
                                                          attune_client **out,
                                                          attune_client_error *err);
/* Creates an OFFLINE client: no server, no network. attune_client_score()
 * then validates the request exactly as attuned does (same limits, same
 * error messages, same variation key derived from conversation_id), scores
 * it with the scorer linked into this library and hands the result through
 * the same encode/decode path as an online reply, so online and offline
 * results are identical for the same input. attune_client_health() answers
 * SERVING. `opts` is not used (there is nothing to connect to) and may be NULL. */
ATTUNE_CLIENT_API attune_client_code attune_client_create_offline(const attune_client_options *opts,
                                                                  attune_client **out,
                                                                  attune_client_error *err);
/* 1 if c was made by attune_client_create_offline(). */
ATTUNE_CLIENT_API int attune_client_is_offline(const attune_client *c);

/* Waits for nothing: calls in flight on other threads must have returned.
 * NULL is a harmless no-op. */
ATTUNE_CLIENT_API void attune_client_destroy(attune_client *c);

/* One ScoreDraft request (see proto/attune/v1/attune.proto for meaning and
 * limits of every field). All pointers are borrowed for the call; NULL
 * strings mean "not set". */
typedef struct attune_client_score_request {
	attune_text seeker;             /* may be empty */
	attune_text draft;              /* required, non-empty */
	const attune_text *prior_turns; /* responder's earlier turns, oldest first */
	size_t n_prior_turns;
	const char *conversation_id;
	const char *responder_id;
	const char *team;
	const char *locale; /* NULL or "" = "en" */
	attune_channel channel;
	int suggestions_disabled; /* 1 = no suggestions */
	unsigned max_suggestions; /* 0 = server default (3) */
} attune_client_score_request;

/* Zeroes *req (no texts, suggestions on, defaults). */
ATTUNE_CLIENT_API void attune_client_score_request_init(attune_client_score_request *req);

/* Owned response of ScoreDraft; opaque, read through the accessors. */
typedef struct attune_client_score_response attune_client_score_response;

/* Scores one draft on the server. On OK *out owns a response freed with
 * attune_client_score_response_free(). Bad input is reported with the
 * server's status (INVALID_ARGUMENT naming the field, ...). */
ATTUNE_CLIENT_API attune_client_code attune_client_score(attune_client *c,
                                                         const attune_client_score_request *req,
                                                         attune_client_score_response **out,
                                                         attune_client_error *err);
/* NULL is a harmless no-op. */
ATTUNE_CLIENT_API void attune_client_score_response_free(attune_client_score_response *r);

/* The result, in the same types the offline scorer returns. Valid until the
 * response is freed; never NULL for a response returned by
 * attune_client_score(). */
ATTUNE_CLIENT_API const attune_score_result *
attune_client_score_response_result(const attune_client_score_response *r);
/* Server-generated id for RecordOutcome; "" if the server sent none. */
ATTUNE_CLIENT_API const char *
attune_client_score_response_score_id(const attune_client_score_response *r);
/* e.g. "attune-scorer/1.0.0"; "" if the server sent none. */
ATTUNE_CLIENT_API const char *
attune_client_score_response_scorer_version(const attune_client_score_response *r);
/* Always 1 from a conforming server. */
ATTUNE_CLIENT_API int
attune_client_score_response_human_review_required(const attune_client_score_response *r);

/* grpc.health.v1 serving status. */
typedef enum attune_client_serving_status {
	ATTUNE_CLIENT_SERVING_UNKNOWN = 0,
	ATTUNE_CLIENT_SERVING = 1,
	ATTUNE_CLIENT_NOT_SERVING = 2,
	ATTUNE_CLIENT_SERVICE_UNKNOWN = 3
} attune_client_serving_status;
/* "UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN". Static. */
ATTUNE_CLIENT_API const char *attune_client_serving_status_name(attune_client_serving_status st);

/* grpc.health.v1.Health/Check for `service` (NULL or "" = the server as a
 * whole; e.g. "attune.v1.Assist"). On OK *status holds the answer. */
ATTUNE_CLIENT_API attune_client_code attune_client_health(attune_client *c, const char *service,
                                                          attune_client_serving_status *status,
                                                          attune_client_error *err);

/* ------------------------------------------------------------ Supervision */

/* Numbers match attune.v1.StatsWindow (0 is treated as HOUR by the server). */
typedef enum attune_client_stats_window {
	ATTUNE_CLIENT_WINDOW_UNSPECIFIED = 0,
	ATTUNE_CLIENT_WINDOW_HOUR = 1,
	ATTUNE_CLIENT_WINDOW_DAY = 2,
	ATTUNE_CLIENT_WINDOW_WEEK = 3
} attune_client_stats_window;
/* "unspecified", "hour", "day", "week". Static. */
ATTUNE_CLIENT_API const char *attune_client_stats_window_name(attune_client_stats_window w);

/* attune.v1.TeamStats (and the MetricsSnapshot around it) as plain data.
 * Aggregates only: never text, never raw identifiers. Strings are owned by
 * the struct and freed with it. */
typedef struct attune_client_team_stats {
	const char *team; /* as requested ("" = all teams); never NULL */
	attune_client_stats_window window;
	int64_t window_start_unix_ms, window_end_unix_ms;
	const char *responder_pseudonym; /* set when filtered by responder; never NULL */
	uint64_t drafts_scored;
	double mean_score;
	uint64_t levels[3][3]; /* [acknowledge|reflect|explore][none|weak|strong] */
	uint64_t finding_count[ATTUNE_FINDING_KIND_MAX]; /* by attune_finding_kind */
	double finding_per_draft[ATTUNE_FINDING_KIND_MAX];
	uint64_t suggestions_offered, outcomes, suggestions_used, suggestions_used_verbatim;
	double mean_score_change;
	uint64_t risk_flags[4]; /* drafts per attune_risk_level ([0] unused) */
	uint64_t sequence;      /* WatchMetrics snapshots only: 1, 2, 3... */
	int64_t time_unix_ms;   /* WatchMetrics snapshots only */
	void *priv_;            /* internal */
} attune_client_team_stats;

/* Supervision.GetTeamStats. team NULL/"" = all teams; responder_id NULL/""
 * = all responders (the server pseudonymizes it before lookup). On OK *out
 * is owned by the caller: attune_client_team_stats_free(). Offline clients
 * get UNIMPLEMENTED (there is no event history offline). */
ATTUNE_CLIENT_API attune_client_code attune_client_team_stats_get(
    attune_client *c, const char *team, attune_client_stats_window window, const char *responder_id,
    attune_client_team_stats **out, attune_client_error *err);
/* NULL is a harmless no-op. */
ATTUNE_CLIENT_API void attune_client_team_stats_free(attune_client_team_stats *s);

/* Called for each WatchMetrics snapshot; `s` is valid only during the call
 * (borrowed). Return 0 to keep watching, non-zero to stop (the call is then
 * cancelled and attune_client_watch_metrics returns OK). */
typedef int (*attune_client_watch_fn)(const attune_client_team_stats *s, void *user);

/* Supervision.WatchMetrics: blocks, calling on_snapshot for every snapshot
 * (every interval_s seconds, 0 = server default 5) until on_snapshot
 * returns non-zero, max_snapshots have arrived (0 = no limit), duration_ms
 * has passed (0 = no limit; ends with OK if at least one snapshot came,
 * else DEADLINE_EXCEEDED), or the server ends the stream (its status is
 * returned). Offline clients get UNIMPLEMENTED. */
ATTUNE_CLIENT_API attune_client_code attune_client_watch_metrics(
    attune_client *c, const char *team, attune_client_stats_window window, unsigned interval_s,
    unsigned max_snapshots, unsigned duration_ms, attune_client_watch_fn on_snapshot, void *user,
    attune_client_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ATTUNE_CLIENT_H */
