/*
 * e2e_common.c - shared helpers of the C end-to-end tests (see e2e_common.h).
 */
#include "e2e_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/v1/attune.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"

const char *e2e_attuned_path(void)
{
	const char *p = getenv("ATTUNED_BIN");
	return (p != NULL && p[0] != '\0') ? p : "attuned";
}

attune_harness *e2e_start(int with_unix, const char *const *extra_args)
{
	attune_harness *h = NULL;
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	o.listen_unix = with_unix;
	o.extra_args = extra_args;
	attune_harness_status st = attune_harness_spawn(e2e_attuned_path(), &o, &h);
	if (st != ATTUNE_HARNESS_OK) {
		fprintf(stderr, "e2e: cannot start %s: %s\n", e2e_attuned_path(),
			attune_harness_strerror(st));
		return NULL;
	}
	return h;
}

int e2e_pack_score_request(const e2e_req *r, uint8_t **out, size_t *len)
{
	Attune__V1__ScoreDraftRequest m = ATTUNE__V1__SCORE_DRAFT_REQUEST__INIT;
	Attune__V1__SuggestionOptions so = ATTUNE__V1__SUGGESTION_OPTIONS__INIT;
	if (r->seeker != NULL)
		m.seeker_message = (char *)r->seeker;
	if (r->draft != NULL)
		m.draft = (char *)r->draft;
	if (r->locale != NULL)
		m.locale = (char *)r->locale;
	if (r->team != NULL)
		m.team = (char *)r->team;
	if (r->conversation_id != NULL)
		m.conversation_id = (char *)r->conversation_id;
	m.n_prior_responder_turns = r->n_prior;
	m.prior_responder_turns = (char **)r->prior;
	if (r->has_max_count) {
		so.max_count = r->max_count;
		m.suggestion_options = &so;
	}
	*len = attune__v1__score_draft_request__get_packed_size(&m);
	*out = malloc(*len > 0 ? *len : 1);
	if (*out == NULL)
		return -1;
	attune__v1__score_draft_request__pack(&m, *out);
	return 0;
}

int e2e_pack_coach_request(const char *seeker, const char *draft, uint64_t rev, uint8_t **out,
			   size_t *len)
{
	Attune__V1__CoachDraftRequest m = ATTUNE__V1__COACH_DRAFT_REQUEST__INIT;
	Attune__V1__ScoreDraftRequest ctx = ATTUNE__V1__SCORE_DRAFT_REQUEST__INIT;
	if (seeker != NULL) {
		ctx.seeker_message = (char *)seeker;
		m.context = &ctx;
	}
	m.draft = (char *)draft;
	m.revision = rev;
	*len = attune__v1__coach_draft_request__get_packed_size(&m);
	*out = malloc(*len > 0 ? *len : 1);
	if (*out == NULL)
		return -1;
	attune__v1__coach_draft_request__pack(&m, *out);
	return 0;
}

int e2e_unpack_coach_response(const uint8_t *data, size_t len, uint64_t *rev, unsigned *score,
			      int *has_score_id)
{
	Attune__V1__CoachDraftResponse *m =
		attune__v1__coach_draft_response__unpack(NULL, len, data);
	if (m == NULL)
		return -1;
	*rev = m->revision;
	*score = m->feedback != NULL ? m->feedback->score : 0;
	*has_score_id = m->feedback != NULL && m->feedback->score_id != NULL &&
			m->feedback->score_id[0] != '\0';
	attune__v1__coach_draft_response__free_unpacked(m, NULL);
	return 0;
}

int e2e_pack_health_request(const char *service, uint8_t **out, size_t *len)
{
	Grpc__Health__V1__HealthCheckRequest m = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	if (service != NULL)
		m.service = (char *)service;
	*len = grpc__health__v1__health_check_request__get_packed_size(&m);
	*out = malloc(*len > 0 ? *len : 1);
	if (*out == NULL)
		return -1;
	grpc__health__v1__health_check_request__pack(&m, *out);
	return 0;
}

int e2e_unpack_health_status(const uint8_t *data, size_t len)
{
	Grpc__Health__V1__HealthCheckResponse *m =
		grpc__health__v1__health_check_response__unpack(NULL, len, data);
	if (m == NULL)
		return -1;
	int st = (int)m->status;
	grpc__health__v1__health_check_response__free_unpacked(m, NULL);
	return st;
}

int e2e_span_overlaps(const char *text, size_t start, size_t end, const char *phrase)
{
	const char *hit = strstr(text, phrase);
	if (hit == NULL)
		return 0;
	size_t ps = (size_t)(hit - text), pe = ps + strlen(phrase);
	return start < pe && ps < end;
}
