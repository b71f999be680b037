/*
 * rpc_record_outcome.c - /attune.v1.Assist/RecordOutcome: validate, check
 * the suggestion index against the remembered draft, score final_text (the
 * text is then dropped, never stored or logged), hand the event to the
 * event log's group commit and answer OK only once it is fsync'ed. The
 * worker thread does not wait: the log's writer thread sends the reply.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "observe.h"
#include "rpc_methods.h"
#include "rpc_reject.h"
#include "server.h"
#include "attune_wire_events.h"

/* What the reply needs once the event is durable. */
typedef struct outcome_pending {
	attuned_call *call; /* holds a reference */
	attune_metrics *metrics;
	unsigned action;
	int has_final_score;
	unsigned final_score;
} outcome_pending;

static int64_t outcome_elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* Runs on the event log's writer thread once the event is on disk (or
 * cannot be). */
static void outcome_durable(void *arg, attune_ev_status st, const attune_events_outcome_result *res)
{
	outcome_pending *p = arg;
	attuned_call *call = p->call;
	attune_wire_buf buf = {0};

	attuned_call_lock(call);
	if (st != ATTUNE_EV_OK) {
		attuned_call_finish(call, GRPC_STATUS_UNAVAILABLE,
		                    "event log write failed: outcome not recorded");
	} else if (attune_wire_encode_outcome_response(res->event_id, p->has_final_score,
	                                               p->final_score, res->has_score_change,
	                                               res->score_change, &buf) != ATTUNE_WIRE_OK) {
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
	} else {
		attune_metrics_observe_outcome(p->metrics, (attune_metrics_outcome)p->action,
		                               res->has_score_change, res->score_change);
		attuned_call_reply(call, &buf);
	}
	attuned_call_unlock(call);
	attuned_call_unref(call);
	free(p);
}

static int is_used_suggestion(unsigned action)
{
	return action == ATTUNE_OUTCOME_USED_SUGGESTION_VERBATIM ||
	       action == ATTUNE_OUTCOME_USED_SUGGESTION_EDITED;
}

/* Scores final_text against the seeker message; the result keeps numbers
 * only. Returns 0, or -1 after finishing the call with an error. */
static int outcome_score_final(attuned_call *call, const attune_scorer *scorer,
                               const attune_wire_outcome_request *req, unsigned *score)
{
	attune_score_input in;
	attune_score_result *res = NULL;
	attune_status st;

	memset(&in, 0, sizeof(in));
	in.seeker = req->seeker;
	in.draft = req->final_text;
	in.locale = req->locale;
	in.channel = req->channel;
	in.max_suggestions = 0;
	st = attune_score(scorer, &in, &res);
	if (st != ATTUNE_OK) {
		/* attune_strerror is static text: it never contains input. */
		attuned_call_finish(call,
		                    st == ATTUNE_E_NOMEM ? GRPC_STATUS_RESOURCE_EXHAUSTED
		                                         : GRPC_STATUS_INVALID_ARGUMENT,
		                    attune_strerror(st));
		return -1;
	}
	*score = res->score;
	attune_score_result_free(res);
	return 0;
}

static void outcome_start(attuned_call *call, const uint8_t *data, size_t len)
{
	attuned_server *srv = attuned_call_server(call);
	const attune_scorer *scorer = attuned_server_scorer(srv);
	attune_events *events = attuned_server_events(srv);
	attune_wire_outcome_request *req = NULL;
	attune_events_outcome o;
	outcome_pending *p = NULL;
	attune_wire_error err = {0};
	attune_wire_status ws;
	attune_ev_status es;
	unsigned draft_score = 0, n_sugg = 0;
	struct timespec t0;
	char details[128];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ws = attune_wire_decode_outcome_request(data, len, scorer, &req, &err);
	if (ws != ATTUNE_WIRE_OK) {
		attuned_rpc_reject(call, ws, &err);
		return;
	}
	if (!events) {
		attuned_call_finish(call, GRPC_STATUS_FAILED_PRECONDITION,
		                    "event log not configured: start attuned with --state-dir");
		goto out_free;
	}
	if (is_used_suggestion(req->action) &&
	    attune_events_lookup_draft(events, req->score_id, strlen(req->score_id), &draft_score,
	                               &n_sugg) &&
	    req->suggestion_index >= n_sugg) {
		snprintf(
		    details, sizeof(details),
		    "suggestion_index: %u is out of range (the draft was offered %u suggestions)",
		    req->suggestion_index, n_sugg);
		attuned_observe_request_rejected(srv, ATTUNE_METRICS_REJECT_INVALID_VALUE);
		attuned_call_finish(call, GRPC_STATUS_INVALID_ARGUMENT, details);
		goto out_free;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto out_free;
	}
	if (req->final_text.len) {
		if (outcome_score_final(call, scorer, req, &p->final_score) != 0)
			goto out_free;
		p->has_final_score = 1;
	}
	memset(&o, 0, sizeof(o));
	o.score_id = req->score_id;
	o.conversation_id = req->conversation_id;
	o.conversation_len = strlen(req->conversation_id);
	o.responder_id = req->responder_id;
	o.responder_len = strlen(req->responder_id);
	o.team = req->team;
	o.channel = req->channel;
	o.action = (attune_outcome_action)req->action;
	o.suggestion_index = is_used_suggestion(req->action) ? req->suggestion_index : 0;
	o.has_final_score = p->has_final_score;
	o.final_score = p->final_score;
	o.latency_us = (uint64_t)outcome_elapsed_us(&t0);
	p->call = call;
	p->metrics = attuned_server_metrics(srv);
	p->action = req->action;
	attuned_call_ref(call);
	es = attune_events_record_outcome_async(events, &o, outcome_durable, p);
	if (es != ATTUNE_EV_OK) {
		attuned_call_unref(call); /* the CLOSE batch still holds one */
		if (es == ATTUNE_EV_E_NOLOG)
			attuned_call_finish(
			    call, GRPC_STATUS_FAILED_PRECONDITION,
			    "event log not configured: start attuned with --state-dir");
		else if (es == ATTUNE_EV_E_UNAVAILABLE)
			/* Fail fast while the log retries: the client may retry later. */
			attuned_call_finish(call, GRPC_STATUS_UNAVAILABLE,
			                    "event log failing, retrying: outcome not recorded");
		else
			attuned_call_finish(call, GRPC_STATUS_UNAVAILABLE,
			                    "event log unavailable: outcome not recorded");
		ATTUNE_LOG(ATTUNE_LOG_WARN, "outcome_not_recorded", "status=%s",
		           attune_ev_strerror(es));
		goto out_free;
	}
	p = NULL; /* outcome_durable frees it */
out_free:
	free(p);
	attune_wire_outcome_request_free(req);
}

const attuned_method attuned_rpc_record_outcome = {
    .path = "/attune.v1.Assist/RecordOutcome",
    .name = "RecordOutcome",
    .kind = ATTUNED_RPC_UNARY,
    .on_start = outcome_start,
};
