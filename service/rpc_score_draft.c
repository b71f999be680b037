/*
 * rpc_score_draft.c - /attune.v1.Assist/ScoreDraft: decode and validate the
 * request (attune_wire), score it with the server's scorer, answer with a
 * fresh score id. Errors name the field, never the text.
 */
#include <time.h>

#include "call.h"
#include "observe.h"
#include "rpc_reject.h"
#include "rpc_methods.h"
#include "score_id.h"
#include "server.h"

static grpc_status_code scorer_code(attune_status st)
{
	return st == ATTUNE_E_NOMEM ? GRPC_STATUS_RESOURCE_EXHAUSTED : GRPC_STATUS_INVALID_ARGUMENT;
}

static void score_start(attuned_call *call, const uint8_t *data, size_t len)
{
	attuned_server *srv = attuned_call_server(call);
	const attune_scorer *scorer = attuned_server_scorer(srv);
	attune_wire_score_request *req = NULL;
	attune_score_result *res = NULL;
	attune_wire_buf buf = {0};
	attune_wire_error err;
	attune_wire_status ws;
	attune_status st;
	char score_id[ATTUNED_SCORE_ID_LEN + 1];
	struct timespec t0, t1;

	/* req's texts borrow data, which lives until this returns: req is
	 * freed below, on every path. */
	ws = attune_wire_decode_score_request(data, len, scorer, &req, &err);
	if (ws != ATTUNE_WIRE_OK) {
		attuned_rpc_reject(call, ws, &err);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = attune_score(scorer, &req->input, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (st != ATTUNE_OK) {
		/* attune_strerror is static text: it never contains input. */
		attuned_call_finish(call, scorer_code(st), attune_strerror(st));
		goto out_free_req;
	}
	if (attuned_score_id(score_id) != 0) {
		attuned_call_finish(call, GRPC_STATUS_INTERNAL, "random number generator failed");
		goto out_free_res;
	}
	if (attune_wire_encode_score_response(res, score_id, ATTUNE_SCORER_VERSION, &buf) !=
	    ATTUNE_WIRE_OK) {
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto out_free_res;
	}
	attuned_observe_score(srv, "ScoreDraft", &req->params, res, score_id,
	                      (double)(t1.tv_sec - t0.tv_sec) +
	                          (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	attuned_call_reply(call, &buf);
out_free_res:
	attune_score_result_free(res);
out_free_req:
	attune_wire_score_request_free(req);
}

const attuned_method attuned_rpc_score_draft = {
    .path = "/attune.v1.Assist/ScoreDraft",
    .name = "ScoreDraft",
    .kind = ATTUNED_RPC_UNARY,
    .on_start = score_start,
};
