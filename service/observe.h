/*
 * observe.h - the one place every finished RPC and every scored draft is
 * observed (logs today; metrics and the event log plug in here). Never
 * receives message text: only method names, codes, latencies and the
 * scorer's numeric results.
 */
#ifndef ATTUNED_OBSERVE_H
#define ATTUNED_OBSERVE_H

#include <grpc/status.h>

#include "attune/scorer.h"
#include "attune_wire.h"
#include "metrics.h"
#include "security.h"

typedef struct attuned_server attuned_server;

/* Called once per call when it starts (before authorization and dispatch);
 * pairs with attuned_observe_rpc_done (in-flight gauge). */
void attuned_observe_rpc_start(attuned_server *srv, const char *method);

/* A request refused by decoding/validation (ws: the wire status, why: the
 * wire layer's reason), counted by reason in attune_requests_rejected_total. */
void attuned_observe_rejected(attuned_server *srv, attune_wire_status ws, attune_wire_reason why);

/* A request refused for a reason of its own (unknown service or method,
 * receive time limits, stream limits, draining): the same counter,
 * attune_requests_rejected_total{reason}. */
void attuned_observe_request_rejected(attuned_server *srv, attune_metrics_reject_reason reason);

/* A call refused by authorization (reason other than OK): counted in
 * attune_auth_failures_total{reason} or attune_rate_limited_total. */
void attuned_observe_refused(attuned_server *srv, attune_authz_reason reason);

/* Called exactly once per call that started, when its last batch is done.
 * method: the table name ("ScoreDraft") or "unknown"; code: the status the
 * client got (CANCELLED/DEADLINE_EXCEEDED when it went away). */
void attuned_observe_rpc_done(attuned_server *srv, const char *method, grpc_status_code code,
                              double seconds);

/* Called after each successful ScoreDraft/CoachDraft scoring. `req` holds
 * ids and team for pseudonymized events: its texts must NOT be recorded. */
void attuned_observe_score(attuned_server *srv, const char *method,
                           const attune_wire_score_params *req, const attune_score_result *res,
                           const char *score_id, double seconds);

#endif
