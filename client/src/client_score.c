/*
 * client_score.c - ScoreDraft through libattune: online (encode, unary call,
 * decode) and offline (the same validation and variation key as attuned via
 * attune_wire's server-side decode, the linked scorer, and the same
 * encode/decode of the reply), so both give identical results.
 */
#include <stdlib.h>
#include <string.h>

#include "attune_wire.h"
#include "client_internal.h"

#define SCORE_DRAFT_METHOD "/attune.v1.Assist/ScoreDraft"

struct attune_client_score_response {
	attune_wire_score_reply *reply; /* owned */
};

static void to_params(const attune_client_score_request *req, attune_wire_score_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seeker = req->seeker;
	p->draft = req->draft;
	p->prior_turns = req->prior_turns;
	p->n_prior_turns = req->n_prior_turns;
	p->conversation_id = req->conversation_id;
	p->responder_id = req->responder_id;
	p->team = req->team;
	p->locale = req->locale;
	p->channel = req->channel;
	p->suggestions_disabled = req->suggestions_disabled;
	p->max_suggestions = req->max_suggestions;
}

/* Maps a failed attune_wire call to our code + its message. */
static attune_client_code wire_fail(attune_client_error *err, attune_wire_status st,
                                    const attune_wire_error *werr)
{
	attune_client_code code = (attune_client_code)attune_wire_status_code(st);
	if (st == ATTUNE_WIRE_E_INVALID && werr != NULL && werr->message[0] != '\0')
		return attune_client__fail(err, code, "%s", werr->message);
	return attune_client__fail(err, code, "%s", attune_wire_strerror(st));
}

/* Maps a scorer failure the way the server reports it. */
static attune_client_code scorer_fail(attune_client_error *err, attune_status st)
{
	attune_client_code code = ATTUNE_CLIENT_INVALID_ARGUMENT;
	if (st == ATTUNE_E_NOMEM)
		code = ATTUNE_CLIENT_RESOURCE_EXHAUSTED;
	return attune_client__fail(err, code, "%s", attune_strerror(st));
}

static attune_client_code wrap_reply(const attune_wire_buf *bytes,
                                     attune_client_score_response **out, attune_client_error *err)
{
	attune_wire_error werr;
	attune_wire_status st;
	attune_client_score_response *r;

	memset(&werr, 0, sizeof(werr));
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "out of memory");
	st = attune_wire_decode_score_reply(bytes->data, bytes->len, &r->reply, &werr);
	if (st != ATTUNE_WIRE_OK) {
		free(r);
		/* a reply we cannot read is the server's fault, not the caller's */
		return attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                           "cannot decode the ScoreDraft response: %s",
		                           attune_wire_strerror(st));
	}
	*out = r;
	return attune_client__ok(err);
}

static attune_client_code score_offline(attune_client *c, const attune_wire_buf *req_bytes,
                                        attune_wire_buf *reply_bytes, attune_client_error *err)
{
	attune_client_code rc = ATTUNE_CLIENT_OK;
	attune_wire_score_request *decoded = NULL;
	attune_score_result *result = NULL;
	attune_wire_error werr;
	attune_wire_status wst;
	attune_status st;

	memset(&werr, 0, sizeof(werr));
	wst = attune_wire_decode_score_request(req_bytes->data, req_bytes->len, c->scorer, &decoded,
	                                       &werr);
	if (wst != ATTUNE_WIRE_OK)
		return wire_fail(err, wst, &werr);
	st = attune_score(c->scorer, &decoded->input, &result);
	if (st != ATTUNE_OK) {
		rc = scorer_fail(err, st);
		goto out_free_request;
	}
	wst = attune_wire_encode_score_response(result, "", ATTUNE_SCORER_VERSION, reply_bytes);
	if (wst != ATTUNE_WIRE_OK)
		rc = attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "%s",
		                         attune_wire_strerror(wst));
	attune_score_result_free(result);
out_free_request:
	attune_wire_score_request_free(decoded);
	return rc;
}

attune_client_code attune_client_score(attune_client *c, const attune_client_score_request *req,
                                       attune_client_score_response **out, attune_client_error *err)
{
	attune_client_code rc;
	attune_wire_score_params params;
	attune_wire_buf req_bytes = {NULL, 0}, reply_bytes = {NULL, 0};
	attune_wire_error werr;
	attune_wire_status wst;

	if (out == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT, "out is NULL");
	*out = NULL;
	if (c == NULL || req == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                           "client or request is NULL");
	to_params(req, &params);
	memset(&werr, 0, sizeof(werr));
	/* validates exactly as the server does, so bad input fails before any I/O */
	wst = attune_wire_encode_score_request(&params, &req_bytes, &werr);
	if (wst != ATTUNE_WIRE_OK)
		return wire_fail(err, wst, &werr);

	if (c->scorer != NULL)
		rc = score_offline(c, &req_bytes, &reply_bytes, err);
	else
		rc = attune_client__unary(c, SCORE_DRAFT_METHOD, req_bytes.data, req_bytes.len,
		                          &reply_bytes.data, &reply_bytes.len, err);
	if (rc == ATTUNE_CLIENT_OK)
		rc = wrap_reply(&reply_bytes, out, err);
	attune_wire_buf_free(&reply_bytes);
	attune_wire_buf_free(&req_bytes);
	return rc;
}

void attune_client_score_response_free(attune_client_score_response *r)
{
	if (r == NULL)
		return;
	attune_wire_score_reply_free(r->reply);
	free(r);
}

const attune_score_result *
attune_client_score_response_result(const attune_client_score_response *r)
{
	return r != NULL ? &r->reply->result : NULL;
}

const char *attune_client_score_response_score_id(const attune_client_score_response *r)
{
	return r != NULL ? r->reply->score_id : "";
}

const char *attune_client_score_response_scorer_version(const attune_client_score_response *r)
{
	return r != NULL ? r->reply->scorer_version : "";
}

int attune_client_score_response_human_review_required(const attune_client_score_response *r)
{
	return r != NULL && r->reply->human_review_required;
}
