/*
 * attune_wire.h - the one module that touches generated protobuf-c code:
 * decodes and validates requests, encodes responses (server side) and the
 * reverse (client side) for attune.v1 and grpc.health.v1 messages.
 *
 * Byte buffers are plain malloc'd memory, so this module does not depend on
 * gRPC. Error messages name the offending field and never echo input text.
 * All functions are thread-safe (no shared state).
 */
#ifndef ATTUNE_WIRE_H
#define ATTUNE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "attune/scorer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Documented limits of the API beyond the scorer's ATTUNE_MAX_* (bytes). */
#define ATTUNE_WIRE_MAX_ID_BYTES       128u /* conversation_id, responder_id */
#define ATTUNE_WIRE_MAX_TEAM_BYTES     64u  /* team, [A-Za-z0-9._-] */
#define ATTUNE_WIRE_MAX_LOCALE_BYTES   35u  /* BCP 47 */
#define ATTUNE_WIRE_MAX_SCORE_ID_BYTES 64u
#define ATTUNE_WIRE_MAX_SERVICE_BYTES  256u /* grpc.health.v1 service name */

typedef enum attune_wire_status {
	ATTUNE_WIRE_OK = 0,
	ATTUNE_WIRE_E_NOMEM = 1,     /* allocation failed */
	ATTUNE_WIRE_E_MALFORMED = 2, /* bytes are not a parsable message of the expected type */
	ATTUNE_WIRE_E_INVALID = 3,   /* parsed, but a field is missing/over a limit/not UTF-8 */
	ATTUNE_WIRE_E_ARG = 4        /* a required argument of the call is NULL */
} attune_wire_status;

/* Static text for a status; never NULL. */
const char *attune_wire_strerror(attune_wire_status st);
/* Canonical gRPC status code (google.rpc.Code numbering) for a failed
 * decode: MALFORMED/INVALID -> 3 INVALID_ARGUMENT, NOMEM -> 8
 * RESOURCE_EXHAUSTED, ARG -> 13 INTERNAL, OK -> 0. */
int attune_wire_status_code(attune_wire_status st);

/* Why a request was refused, for metrics and callers that branch on it. */
typedef enum attune_wire_reason {
	ATTUNE_WIRE_REASON_NONE = 0,
	ATTUNE_WIRE_REASON_MISSING_FIELD = 1, /* a required field is absent or empty */
	ATTUNE_WIRE_REASON_TOO_LARGE = 2,     /* a field or count is over its documented limit */
	ATTUNE_WIRE_REASON_INVALID_UTF8 = 3,  /* invalid UTF-8 or a NUL byte in a text */
	ATTUNE_WIRE_REASON_INVALID_VALUE = 4, /* bad enum, option, locale or team syntax */
	ATTUNE_WIRE_REASON_MALFORMED = 5      /* the bytes are not a message of the expected type */
} attune_wire_reason;

/* Precise, human-readable reason ("draft: required"); always NUL-terminated,
 * names the field and the limit, never contains request text. */
#define ATTUNE_WIRE_ERRMSG_MAX 160
typedef struct attune_wire_error {
	attune_wire_reason reason;
	char message[ATTUNE_WIRE_ERRMSG_MAX];
} attune_wire_error;

/* A malloc'd byte buffer. Release with attune_wire_buf_free() (or free(data)). */
typedef struct attune_wire_buf {
	uint8_t *data;
	size_t len;
} attune_wire_buf;
/* Frees data and zeroes the struct; NULL is a no-op. */
void attune_wire_buf_free(attune_wire_buf *b);

/* ------------------------------------------------------------ ScoreDraft */

/* Everything a ScoreDraftRequest carries, as plain C. Used as the input of
 * attune_wire_encode_score_request() (client) and as the decoded view in
 * attune_wire_score_request (server). Strings are NUL-terminated; NULL and ""
 * both mean "absent". */
typedef struct attune_wire_score_params {
	attune_text seeker;             /* seeker_message */
	attune_text draft;              /* draft (required, non-empty) */
	const attune_text *prior_turns; /* prior_responder_turns, oldest first */
	size_t n_prior_turns;
	const char *conversation_id;
	const char *responder_id;
	const char *team;
	const char *locale; /* "" or NULL means "en" */
	attune_channel channel;
	int suggestions_disabled; /* suggestion_options.disabled */
	unsigned max_suggestions; /* suggestion_options.max_count; 0 = default (3) */
} attune_wire_score_params;

/* A decoded, validated ScoreDraftRequest. The texts (seeker, draft, prior
 * turns) may point into the bytes it was decoded from; every other pointer
 * points into storage owned by this struct. */
typedef struct attune_wire_score_request {
	attune_wire_score_params params; /* as sent (strings never NULL) */
	attune_score_input input;        /* ready for attune_score(): effective locale,
	                                    suggestion count, variation key, and
	                                    utf8_checked = 1 (the texts were checked) */
	void *priv_;                     /* internal: the unpacked message, if any */
	attune_text *priv_turns_;        /* internal: backing store of prior_turns */
} attune_wire_score_request;

/* Server: decodes `len` bytes of a ScoreDraftRequest and validates every field
 * against the documented limits (see attune.proto). `scorer` may be NULL;
 * when given, the locale must be one it supports. On OK *out owns a request
 * freed with attune_wire_score_request_free(), and its texts borrow `data`:
 * the caller keeps those bytes alive and unchanged until that free. On
 * failure *out is NULL and err (may be NULL) says which field is wrong. */
attune_wire_status attune_wire_decode_score_request(const uint8_t *data, size_t len,
                                                    const attune_scorer *scorer,
                                                    attune_wire_score_request **out,
                                                    attune_wire_error *err);
/* NULL is a harmless no-op. */
void attune_wire_score_request_free(attune_wire_score_request *req);

/* Validates params exactly as the server will (same limits, same messages);
 * scorer may be NULL (then the locale is only checked syntactically). */
attune_wire_status attune_wire_validate_score_params(const attune_wire_score_params *p,
                                                     const attune_scorer *scorer,
                                                     attune_wire_error *err);

/* Client: validates and encodes a ScoreDraftRequest into out (caller frees
 * with attune_wire_buf_free()). On failure out is zeroed. */
attune_wire_status attune_wire_encode_score_request(const attune_wire_score_params *p,
                                                    attune_wire_buf *out, attune_wire_error *err);

/* Server: encodes a ScoreDraftResponse from a scorer result, with
 * human_review_required = true. score_id and scorer_version may be NULL
 * (encoded as empty). out is caller-freed; zeroed on failure. */
attune_wire_status attune_wire_encode_score_response(const attune_score_result *r,
                                                     const char *score_id,
                                                     const char *scorer_version,
                                                     attune_wire_buf *out);

/* Client: a decoded ScoreDraftResponse. `result` is laid out like a scorer
 * result so one printer handles online and offline results, but its memory
 * belongs to the reply: NEVER pass &reply->result to attune_score_result_free();
 * free the whole reply with attune_wire_score_reply_free(). */
typedef struct attune_wire_score_reply {
	attune_score_result result;
	const char *score_id;       /* never NULL */
	const char *scorer_version; /* never NULL */
	int human_review_required;
	void *priv_; /* internal */
} attune_wire_score_reply;

/* Client: decodes a ScoreDraftResponse. On OK *out is caller-owned; on
 * failure *out is NULL. Enum values outside the known range are kept as
 * numbers; spans are not checked against any text. */
attune_wire_status attune_wire_decode_score_reply(const uint8_t *data, size_t len,
                                                  attune_wire_score_reply **out,
                                                  attune_wire_error *err);
/* NULL is a harmless no-op. */
void attune_wire_score_reply_free(attune_wire_score_reply *reply);

/* ---------------------------------------------------------- grpc.health */

/* Numbers match grpc.health.v1.HealthCheckResponse.ServingStatus. */
typedef enum attune_wire_health_status {
	ATTUNE_WIRE_HEALTH_UNKNOWN = 0,
	ATTUNE_WIRE_HEALTH_SERVING = 1,
	ATTUNE_WIRE_HEALTH_NOT_SERVING = 2,
	ATTUNE_WIRE_HEALTH_SERVICE_UNKNOWN = 3
} attune_wire_health_status;

/* Server: decodes a HealthCheckRequest; copies the service name (at most
 * ATTUNE_WIRE_MAX_SERVICE_BYTES, valid UTF-8) into `service` of size cap. */
attune_wire_status attune_wire_decode_health_request(const uint8_t *data, size_t len, char *service,
                                                     size_t cap, attune_wire_error *err);
/* Server: encodes a HealthCheckResponse. */
attune_wire_status attune_wire_encode_health_response(attune_wire_health_status st,
                                                      attune_wire_buf *out);
/* Client: encodes a HealthCheckRequest for `service` (NULL = ""). */
attune_wire_status attune_wire_encode_health_request(const char *service, attune_wire_buf *out);
/* Client: decodes a HealthCheckResponse into *st. */
attune_wire_status attune_wire_decode_health_response(const uint8_t *data, size_t len,
                                                      attune_wire_health_status *st);

/* ------------------------------------------------------------ CoachDraft */

/* Server: a decoded CoachDraftRequest. has_context says whether this message
 * carried a (validated) context; when it did, `context` owns it, with its
 * draft replaced by this message's draft. When it did not, only draft and
 * revision are set (draft validated for UTF-8 and size; may be empty). */
typedef struct attune_wire_coach_request {
	int has_context;
	attune_wire_score_request *context; /* NULL unless has_context */
	attune_text draft;                  /* points into priv_ storage */
	uint64_t revision;
	void *priv_;
} attune_wire_coach_request;

attune_wire_status attune_wire_decode_coach_request(const uint8_t *data, size_t len,
                                                    const attune_scorer *scorer,
                                                    attune_wire_coach_request **out,
                                                    attune_wire_error *err);
void attune_wire_coach_request_free(attune_wire_coach_request *req);

/* Server: encodes a CoachDraftResponse (revision + feedback). */
attune_wire_status attune_wire_encode_coach_response(uint64_t revision,
                                                     const attune_score_result *r,
                                                     const char *score_id,
                                                     const char *scorer_version,
                                                     attune_wire_buf *out);

/* Client: encodes a CoachDraftRequest; ctx may be NULL (no context sent; its
 * draft is ignored when given). */
attune_wire_status attune_wire_encode_coach_request(const attune_wire_score_params *ctx,
                                                    attune_text draft, uint64_t revision,
                                                    attune_wire_buf *out, attune_wire_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ATTUNE_WIRE_H */
