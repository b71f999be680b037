/*
 * rpc_coach_draft.c - /attune.v1.Assist/CoachDraft (bidi): each draft
 * revision gets feedback; while a response is being sent, newer revisions
 * replace older unscored ones (latest wins). Ends OK after the client
 * half-closes and the last feedback is out; stops on cancel.
 */
#include <stdlib.h>
#include <time.h>

#include "call.h"
#include "observe.h"
#include "rpc_methods.h"
#include "rpc_reject.h"
#include "score_id.h"
#include "server.h"

typedef struct coach_state {
	attune_wire_coach_request *ctx;     /* latest message that carried a context */
	attune_wire_coach_request *pending; /* latest revision not yet scored */
} coach_state;

static void drop(coach_state *cs, attune_wire_coach_request *m)
{
	if (m && m != cs->ctx && m != cs->pending)
		attune_wire_coach_request_free(m);
}

/* Scores the pending revision and starts sending it. Lock held, no send busy. */
static void score_pending(attuned_call *call, coach_state *cs)
{
	attuned_server *srv = attuned_call_server(call);
	attune_wire_coach_request *p = cs->pending;
	attune_score_input in = cs->ctx->context->input;
	attune_score_result empty = {0}, *res = NULL;
	attune_wire_buf buf = {0};
	char score_id[ATTUNED_SCORE_ID_LEN + 1];
	struct timespec t0, t1;
	attune_status st = ATTUNE_OK;

	cs->pending = NULL;
	in.draft = p->draft;
	empty.risk.guidance = "";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (in.draft.len) /* an empty draft (all text deleted) scores 0 with no findings */
		st = attune_score(attuned_server_scorer(srv), &in, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (st != ATTUNE_OK) {
		attuned_call_finish(call,
		                    st == ATTUNE_E_NOMEM ? GRPC_STATUS_RESOURCE_EXHAUSTED
		                                         : GRPC_STATUS_INVALID_ARGUMENT,
		                    attune_strerror(st));
		goto out;
	}
	if (attuned_score_id(score_id) != 0) {
		attuned_call_finish(call, GRPC_STATUS_INTERNAL, "random number generator failed");
		goto out;
	}
	if (attune_wire_encode_coach_response(p->revision, res ? res : &empty, score_id,
	                                      ATTUNE_SCORER_VERSION, &buf) != ATTUNE_WIRE_OK) {
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	if (res)
		attuned_observe_score(srv, "CoachDraft", &cs->ctx->context->params, res, score_id,
		                      (double)(t1.tv_sec - t0.tv_sec) +
		                          (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	attuned_call_send_message(call, &buf);
out:
	attune_score_result_free(res);
	drop(cs, p);
}

static void coach_start(attuned_call *call, const uint8_t *data, size_t len)
{
	coach_state *cs = calloc(1, sizeof(*cs));

	(void)data;
	(void)len;
	if (!cs) {
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	attuned_call_set_state(call, cs);
}

static void coach_message(attuned_call *call, const uint8_t *data, size_t len)
{
	coach_state *cs = attuned_call_state(call);
	attune_wire_coach_request *m = NULL, *old;
	attune_wire_error err;
	attune_wire_status st;

	if (!cs || attuned_call_is_finished(call))
		return;
	st = attune_wire_decode_coach_request(
	    data, len, attuned_server_scorer(attuned_call_server(call)), &m, &err);
	if (st != ATTUNE_WIRE_OK) {
		attuned_rpc_reject(call, st, &err);
		return;
	}
	if (!m->has_context && !cs->ctx) {
		attune_wire_coach_request_free(m);
		attuned_observe_request_rejected(attuned_call_server(call),
		                                 ATTUNE_METRICS_REJECT_MISSING_FIELD);
		attuned_call_finish(call, GRPC_STATUS_INVALID_ARGUMENT,
		                    "context: required on the first message");
		return;
	}
	if (m->has_context) {
		old = cs->ctx;
		cs->ctx = m;
		drop(cs, old);
	}
	old = cs->pending;
	cs->pending = m;
	drop(cs, old);
	if (!attuned_call_send_busy(call))
		score_pending(call, cs);
}

static void coach_send_done(attuned_call *call, int ok)
{
	coach_state *cs = attuned_call_state(call);

	if (!ok || !cs)
		return;
	if (cs->pending)
		score_pending(call, cs);
	else if (attuned_call_is_half_closed(call))
		attuned_call_finish(call, GRPC_STATUS_OK, "");
}

static void coach_half_close(attuned_call *call)
{
	coach_state *cs = attuned_call_state(call);

	if (!attuned_call_send_busy(call) && (!cs || !cs->pending))
		attuned_call_finish(call, GRPC_STATUS_OK, "");
}

static void coach_done(attuned_call *call)
{
	coach_state *cs = attuned_call_state(call);

	if (!cs)
		return;
	if (cs->pending != cs->ctx)
		attune_wire_coach_request_free(cs->pending);
	attune_wire_coach_request_free(cs->ctx);
	free(cs);
	attuned_call_set_state(call, NULL);
}

const attuned_method attuned_rpc_coach_draft = {
    .path = "/attune.v1.Assist/CoachDraft",
    .name = "CoachDraft",
    .kind = ATTUNED_RPC_BIDI,
    .on_start = coach_start,
    .on_message = coach_message,
    .on_half_close = coach_half_close,
    .on_send_done = coach_send_done,
    .on_done = coach_done,
};
