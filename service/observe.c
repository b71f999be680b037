/*
 * observe.c - RPC completion and scoring observation: one structured log
 * line per failed RPC (debug for successes), and every refusal (decoding,
 * validation, limits, authorization) counted by reason.
 */
#include "observe.h"

#include <string.h>

#include "events.h"
#include "log.h"
#include "metrics.h"
#include "security.h"
#include "server.h"

void attuned_observe_rpc_start(attuned_server *srv, const char *method)
{
	attune_metrics_rpc_begin(attuned_server_metrics(srv), attune_metrics_rpc_from_name(method));
}

void attuned_observe_rejected(attuned_server *srv, attune_wire_status ws, attune_wire_reason why)
{
	static const attune_metrics_reject_reason by_reason[] = {
		[ATTUNE_WIRE_REASON_NONE] = ATTUNE_METRICS_REJECT_INVALID_VALUE,
		[ATTUNE_WIRE_REASON_MISSING_FIELD] = ATTUNE_METRICS_REJECT_MISSING_FIELD,
		[ATTUNE_WIRE_REASON_TOO_LARGE] = ATTUNE_METRICS_REJECT_FIELD_TOO_LARGE,
		[ATTUNE_WIRE_REASON_INVALID_UTF8] = ATTUNE_METRICS_REJECT_INVALID_UTF8,
		[ATTUNE_WIRE_REASON_INVALID_VALUE] = ATTUNE_METRICS_REJECT_INVALID_VALUE,
		[ATTUNE_WIRE_REASON_MALFORMED] = ATTUNE_METRICS_REJECT_MALFORMED,
	};
	attune_metrics_reject_reason reason;

	if (ws == ATTUNE_WIRE_E_MALFORMED)
		reason = ATTUNE_METRICS_REJECT_MALFORMED;
	else if (ws != ATTUNE_WIRE_E_INVALID)
		reason = ATTUNE_METRICS_REJECT_OVERLOADED; /* NOMEM */
	else if ((unsigned)why < sizeof(by_reason) / sizeof(by_reason[0]))
		reason = by_reason[why];
	else
		reason = ATTUNE_METRICS_REJECT_INVALID_VALUE;
	attune_metrics_request_rejected(attuned_server_metrics(srv), reason);
}

void attuned_observe_request_rejected(attuned_server *srv, attune_metrics_reject_reason reason)
{
	attune_metrics_request_rejected(attuned_server_metrics(srv), reason);
}

void attuned_observe_refused(attuned_server *srv, attune_authz_reason reason)
{
	attune_metrics *m = attuned_server_metrics(srv);

	switch (reason) {
	case ATTUNE_AUTHZ_MISSING_TOKEN:
		attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_MISSING_TOKEN);
		break;
	case ATTUNE_AUTHZ_INVALID_TOKEN:
		attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_INVALID_TOKEN);
		break;
	case ATTUNE_AUTHZ_WRONG_ROLE:
		attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_WRONG_ROLE);
		break;
	case ATTUNE_AUTHZ_BAD_CLIENT_CERT:
		attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_BAD_CLIENT_CERT);
		break;
	case ATTUNE_AUTHZ_RATE_LIMITED:
		attune_metrics_rate_limited(m);
		break;
	case ATTUNE_AUTHZ_OK:
		break;
	}
}

void attuned_observe_rpc_done(attuned_server *srv, const char *method, grpc_status_code code,
                              double seconds)
{
	attune_metrics *m = attuned_server_metrics(srv);
	attune_metrics_rpc rpc = attune_metrics_rpc_from_name(method);

	attune_metrics_observe_rpc(m, rpc, (int)code, seconds > 0 ? (uint64_t)(seconds * 1e9) : 0);
	attune_metrics_rpc_end(m, rpc);
	if (code == GRPC_STATUS_OK)
		ATTUNE_LOG(ATTUNE_LOG_DEBUG, "rpc", "method=%s code=0 ms=%.3f", method,
			   seconds * 1e3);
	else
		ATTUNE_LOG(ATTUNE_LOG_INFO, "rpc_error", "method=%s code=%d ms=%.3f", method,
			   (int)code, seconds * 1e3);
}

void attuned_observe_score(attuned_server *srv, const char *method,
                           const attune_wire_score_params *req, const attune_score_result *res,
                           const char *score_id, double seconds)
{
	attune_events *events = srv ? attuned_server_events(srv) : NULL;
	int draft = strcmp(method, "ScoreDraft") == 0;

	if (draft)
		attune_metrics_observe_draft(attuned_server_metrics(srv), req->channel, req->team,
					     req->team ? strlen(req->team) : 0, res);
	if (events && draft) {
		/* Ids are pseudonymized inside; no text is passed on. */
		attune_events_draft d = {0};
		d.score_id = score_id;
		d.conversation_id = req->conversation_id;
		d.conversation_len = req->conversation_id ? strlen(req->conversation_id) : 0;
		d.responder_id = req->responder_id;
		d.responder_len = req->responder_id ? strlen(req->responder_id) : 0;
		d.team = req->team;
		d.channel = req->channel;
		d.result = res;
		d.latency_us = (uint64_t)(seconds * 1e6);
		attune_events_draft_scored(events, &d);
	} else if (events) {
		attune_events_remember_draft(events, score_id, res->score, (unsigned)res->n_suggestions);
	}
	ATTUNE_LOG(ATTUNE_LOG_DEBUG, "scored",
		   "method=%s score=%u findings=%zu suggestions=%zu risk=%s us=%.1f", method,
		   res->score, res->n_findings, res->n_suggestions,
		   attune_risk_level_name(res->risk.level), seconds * 1e6);
}
