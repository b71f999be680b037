/*
 * e2e_common.h - shared pieces of the C end-to-end tests: the BRIEF's
 * example texts, starting attuned through the harness, and building raw
 * ScoreDraftRequest bytes (including ones the client library would refuse).
 */
#ifndef ATTUNE_E2E_COMMON_H
#define ATTUNE_E2E_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "attune_harness.h"

/* The example every demo shows (BRIEF.md). */
#define E2E_SEEKER                                                                                 \
	"After pausing my career for several years to start a family, it's time to go back to "   \
	"work, but I feel rusty, unmotivated and anxious about re-entering the job market."
#define E2E_REPLY_A                                                                                \
	"I'm sorry to hear that you're struggling with finding the motivation to get back to "    \
	"work. I can understand how anxiety and insecurity can make it hard to take that step. "  \
	"You have a lot of courage to share your situation and seek help. I hope you know that "  \
	"you have valuable skills and experience that can benefit any employer. You deserve to "  \
	"feel financially secure and fulfilled in your career."
#define E2E_REPLY_B                                                                                \
	"I've struggled with the same problem. The best way to tackle it is to just jump right "  \
	"in and give it your best."

#define E2E_METHOD_SCORE "/attune.v1.Assist/ScoreDraft"
#define E2E_METHOD_COACH "/attune.v1.Assist/CoachDraft"
#define E2E_METHOD_HEALTH_CHECK "/grpc.health.v1.Health/Check"
#define E2E_METHOD_HEALTH_WATCH "/grpc.health.v1.Health/Watch"
#define E2E_DEADLINE_MS 10000

/* Path of the attuned binary under test: $ATTUNED_BIN (set by ctest). */
const char *e2e_attuned_path(void);

/* Starts attuned on 127.0.0.1:0 and, if with_unix, a unix socket; extra
 * args NULL-terminated (may be NULL). Prints the log on failure. NULL on
 * failure; the caller destroys the harness. */
attune_harness *e2e_start(int with_unix, const char *const *extra_args);

/* Fields of a raw ScoreDraftRequest; NULL strings are left unset. */
typedef struct e2e_req {
	const char *seeker;
	const char *draft;
	const char *const *prior; /* n_prior entries */
	size_t n_prior;
	const char *locale;
	const char *team;
	const char *conversation_id;
	int has_max_count;
	unsigned max_count;
} e2e_req;

/* Packs `r` with protobuf-c (no validation at all). *out is malloc'd. */
int e2e_pack_score_request(const e2e_req *r, uint8_t **out, size_t *len);

/* Packs a CoachDraftRequest: revision `rev` of `draft`, with a context
 * (seeker message) when `seeker` is non-NULL. *out is malloc'd. */
int e2e_pack_coach_request(const char *seeker, const char *draft, uint64_t rev, uint8_t **out,
			   size_t *len);
/* Unpacks a CoachDraftResponse: its revision and the feedback's score and
 * score_id presence. Returns 0 or -1. */
int e2e_unpack_coach_response(const uint8_t *data, size_t len, uint64_t *rev, unsigned *score,
			      int *has_score_id);

/* Packs a HealthCheckRequest for `service`. *out is malloc'd. */
int e2e_pack_health_request(const char *service, uint8_t **out, size_t *len);
/* Unpacks a HealthCheckResponse; returns its status number or -1. */
int e2e_unpack_health_status(const uint8_t *data, size_t len);

/* 1 if [start, end) of `text` overlaps the first occurrence of `phrase`. */
int e2e_span_overlaps(const char *text, size_t start, size_t end, const char *phrase);

#endif
