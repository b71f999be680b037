/*
 * wire_score.c - ScoreDraft on the wire: request validation (the one place
 * the documented field limits are enforced), request decode/encode and
 * response encode/decode between protobuf-c structs and scorer types.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/v1/attune.pb-c.h"
#include "wire_internal.h"

/* Which checks validate_params() still has to make. */
enum {
	CHECK_ALL = 0,
	/* Decoded from the wire: attune_wire__unpack already checked the bytes
	 * of every string field (UTF-8, no NUL), with the same messages. */
	CHECK_UTF8_DONE = 1
};

static attune_wire_status check_text_opt(const char *field, attune_text t, size_t max, int how,
                                         attune_wire_error *err)
{
	if (t.len > max)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "%s: longer than %zu bytes", field, max);
	if (how != CHECK_UTF8_DONE && !attune_utf8_valid(t.ptr, t.len))
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_UTF8,
		                         "%s: invalid UTF-8 or NUL byte", field);
	return ATTUNE_WIRE_OK;
}

static attune_wire_status check_text(const char *field, attune_text t, size_t max,
                                     attune_wire_error *err)
{
	return check_text_opt(field, t, max, CHECK_ALL, err);
}

static attune_wire_status check_str(const char *field, const char *s, size_t max, int how,
                                    attune_wire_error *err)
{
	return check_text_opt(field, attune_wire__text(s), max, how, err);
}

static int team_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int locale_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

static attune_wire_status validate_params(const attune_wire_score_params *p,
                                          const attune_scorer *scorer, int how,
                                          attune_wire_error *err)
{
	attune_wire_status st;
	const char *s;

	if (!p)
		return ATTUNE_WIRE_E_ARG;
	if (p->draft.len == 0)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_MISSING_FIELD, "draft: required");
	if ((st = check_text_opt("draft", p->draft, ATTUNE_MAX_DRAFT_BYTES, how, err)) !=
	    ATTUNE_WIRE_OK)
		return st;
	if ((st = check_text_opt("seeker_message", p->seeker, ATTUNE_MAX_SEEKER_BYTES, how, err)) !=
	    ATTUNE_WIRE_OK)
		return st;
	if (p->n_prior_turns > ATTUNE_MAX_PRIOR_TURNS)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "prior_responder_turns: more than %u entries",
		                         ATTUNE_MAX_PRIOR_TURNS);
	if (p->n_prior_turns && !p->prior_turns)
		return ATTUNE_WIRE_E_ARG;
	for (size_t i = 0; i < p->n_prior_turns; i++) {
		char name[48];
		snprintf(name, sizeof(name), "prior_responder_turns[%zu]", i);
		if ((st = check_text_opt(name, p->prior_turns[i], ATTUNE_MAX_PRIOR_TURN_BYTES, how,
		                         err)) != ATTUNE_WIRE_OK)
			return st;
	}
	if ((st = check_str("conversation_id", p->conversation_id, ATTUNE_WIRE_MAX_ID_BYTES, how,
	                    err)) != ATTUNE_WIRE_OK)
		return st;
	if ((st = check_str("responder_id", p->responder_id, ATTUNE_WIRE_MAX_ID_BYTES, how, err)) !=
	    ATTUNE_WIRE_OK)
		return st;
	s = p->team ? p->team : "";
	if (strlen(s) > ATTUNE_WIRE_MAX_TEAM_BYTES)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "team: longer than %u bytes", ATTUNE_WIRE_MAX_TEAM_BYTES);
	for (; *s; s++)
		if (!team_char_ok((unsigned char)*s))
			return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
			                         "team: only [A-Za-z0-9._-] allowed");
	s = p->locale ? p->locale : "";
	if (strlen(s) > ATTUNE_WIRE_MAX_LOCALE_BYTES)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "locale: longer than %u bytes",
		                         ATTUNE_WIRE_MAX_LOCALE_BYTES);
	for (const char *c = s; *c; c++)
		if (!locale_char_ok((unsigned char)*c))
			return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
			                         "locale: not a BCP 47 tag");
	if (*s && scorer && !attune_scorer_supports_locale(scorer, s))
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
		                         "locale: unsupported");
	if ((unsigned)p->channel >= ATTUNE_CHANNEL_MAX)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
		                         "channel: unknown value %u", (unsigned)p->channel);
	if (p->max_suggestions > ATTUNE_MAX_SUGGESTIONS)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "suggestion_options.max_count: must be at most %u",
		                         ATTUNE_MAX_SUGGESTIONS);
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire_validate_score_params(const attune_wire_score_params *p,
                                                     const attune_scorer *scorer,
                                                     attune_wire_error *err)
{
	return validate_params(p, scorer, CHECK_ALL, err);
}

/* FNV-1a: a stable, seedless hash so the same conversation id always varies
 * suggestion wording the same way. */
static uint64_t variation_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static attune_wire_status fill_score_request(attune_wire_score_request *req,
                                             const Attune__V1__ScoreDraftRequest *m,
                                             const char *draft, const attune_scorer *scorer,
                                             attune_wire_error *err)
{
	attune_wire_score_params *p = &req->params;
	attune_wire_status st;

	if (m->n_prior_responder_turns) {
		if (m->n_prior_responder_turns > ATTUNE_MAX_PRIOR_TURNS)
			return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
			                         "prior_responder_turns: more than %u entries",
			                         ATTUNE_MAX_PRIOR_TURNS);
		req->priv_turns_ = calloc(m->n_prior_responder_turns, sizeof(attune_text));
		if (!req->priv_turns_)
			return ATTUNE_WIRE_E_NOMEM;
		for (size_t i = 0; i < m->n_prior_responder_turns; i++)
			req->priv_turns_[i] = attune_wire__text(m->prior_responder_turns[i]);
	}
	p->seeker = attune_wire__text(m->seeker_message);
	p->draft = attune_wire__text(draft);
	p->prior_turns = req->priv_turns_;
	p->n_prior_turns = m->n_prior_responder_turns;
	p->conversation_id = m->conversation_id ? m->conversation_id : "";
	p->responder_id = m->responder_id ? m->responder_id : "";
	p->team = m->team ? m->team : "";
	p->locale = m->locale ? m->locale : "";
	p->channel = (attune_channel)m->channel;
	p->suggestions_disabled = m->suggestion_options && m->suggestion_options->disabled;
	p->max_suggestions = m->suggestion_options ? m->suggestion_options->max_count : 0;
	/* m came from attune_wire__unpack: its strings' bytes are checked. */
	if ((st = validate_params(p, scorer, CHECK_UTF8_DONE, err)) != ATTUNE_WIRE_OK)
		return st;

	req->input.seeker = p->seeker;
	req->input.draft = p->draft;
	req->input.prior_turns = p->prior_turns;
	req->input.n_prior_turns = p->n_prior_turns;
	req->input.locale = p->locale[0] ? p->locale : "en";
	req->input.channel = p->channel;
	req->input.max_suggestions = p->suggestions_disabled ? 0
	                             : p->max_suggestions    ? p->max_suggestions
	                                                     : ATTUNE_DEFAULT_SUGGESTIONS;
	req->input.variation_key = variation_key(p->conversation_id);
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire_decode_score_request(const uint8_t *data, size_t len,
                                                    const attune_scorer *scorer,
                                                    attune_wire_score_request **out,
                                                    attune_wire_error *err)
{
	attune_wire_score_request *req;
	ProtobufCMessage *msg = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st = attune_wire__unpack_owned(&attune__v1__score_draft_request__descriptor, data, len,
	                               "ScoreDraftRequest", sizeof(*req), (void **)&req, &msg, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	req->priv_ = msg;
	const Attune__V1__ScoreDraftRequest *m = (const Attune__V1__ScoreDraftRequest *)msg;
	st = fill_score_request(req, m, m->draft, scorer, err);
	if (st != ATTUNE_WIRE_OK) {
		attune_wire_score_request_free(req);
		return st;
	}
	*out = req;
	return ATTUNE_WIRE_OK;
}

void attune_wire_score_request_free(attune_wire_score_request *req)
{
	if (!req)
		return;
	if (req->priv_)
		protobuf_c_message_free_unpacked(req->priv_, NULL);
	free(req->priv_turns_);
	free(req);
}

/* Fills m from p (pointers borrowed from p; turns array malloc'd into *turns). */
static attune_wire_status params_to_msg(const attune_wire_score_params *p,
                                        Attune__V1__ScoreDraftRequest *m,
                                        Attune__V1__SuggestionOptions *opts, char **draft_copy,
                                        char ***turns)
{
	*turns = NULL;
	*draft_copy = NULL;
	if (p->n_prior_turns) {
		*turns = calloc(p->n_prior_turns, sizeof(char *));
		if (!*turns)
			return ATTUNE_WIRE_E_NOMEM;
	}
	/* Texts are not NUL-terminated in general: protobuf-c needs C strings. */
	for (size_t i = 0; i < p->n_prior_turns; i++)
		if (!((*turns)[i] = attune_wire__strdup_text(p->prior_turns[i])))
			return ATTUNE_WIRE_E_NOMEM;
	if (!(*draft_copy = attune_wire__strdup_text(p->draft)))
		return ATTUNE_WIRE_E_NOMEM;
	m->draft = *draft_copy;
	m->n_prior_responder_turns = p->n_prior_turns;
	m->prior_responder_turns = *turns;
	m->conversation_id = (char *)(p->conversation_id ? p->conversation_id : "");
	m->responder_id = (char *)(p->responder_id ? p->responder_id : "");
	m->team = (char *)(p->team ? p->team : "");
	m->locale = (char *)(p->locale ? p->locale : "");
	m->channel = (Attune__V1__Channel)p->channel;
	if (p->suggestions_disabled || p->max_suggestions) {
		opts->disabled = p->suggestions_disabled ? 1 : 0;
		opts->max_count = p->max_suggestions;
		m->suggestion_options = opts;
	}
	return ATTUNE_WIRE_OK;
}

static void free_turns(char **turns, size_t n)
{
	for (size_t i = 0; turns && i < n; i++)
		free(turns[i]);
	free(turns);
}

attune_wire_status attune_wire_encode_score_request(const attune_wire_score_params *p,
                                                    attune_wire_buf *out, attune_wire_error *err)
{
	Attune__V1__ScoreDraftRequest m = ATTUNE__V1__SCORE_DRAFT_REQUEST__INIT;
	Attune__V1__SuggestionOptions opts = ATTUNE__V1__SUGGESTION_OPTIONS__INIT;
	char **turns = NULL, *draft = NULL, *seeker = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	out->data = NULL;
	out->len = 0;
	if ((st = attune_wire_validate_score_params(p, NULL, err)) != ATTUNE_WIRE_OK)
		return st;
	if ((st = params_to_msg(p, &m, &opts, &draft, &turns)) != ATTUNE_WIRE_OK)
		goto out_free;
	if (!(seeker = attune_wire__strdup_text(p->seeker))) {
		st = ATTUNE_WIRE_E_NOMEM;
		goto out_free;
	}
	m.seeker_message = seeker;
	st = attune_wire__pack(&m.base, out);
out_free:
	free(seeker);
	free(draft);
	free_turns(turns, p->n_prior_turns);
	return st;
}

/* ---------------------------------------------------------- response */

/* Heap storage behind one ScoreDraftResponse being encoded. */
typedef struct response_store {
	Attune__V1__ScoreDraftResponse resp;
	Attune__V1__DimensionLevels levels;
	Attune__V1__RiskAssessment risk;
	Attune__V1__Finding *findings;
	Attune__V1__Finding **finding_ptrs;
	Attune__V1__Suggestion *suggestions;
	Attune__V1__Suggestion **suggestion_ptrs;
	Attune__V1__RiskSpan *spans;
	Attune__V1__RiskSpan **span_ptrs;
	Attune__V1__RiskCategory categories[ATTUNE_RISK_CATEGORY_MAX];
} response_store;

static void response_store_release(response_store *s)
{
	free(s->findings);
	free(s->finding_ptrs);
	free(s->suggestions);
	free(s->suggestion_ptrs);
	free(s->spans);
	free(s->span_ptrs);
}

static attune_wire_status response_store_fill(response_store *s, const attune_score_result *r,
                                              const char *score_id, const char *version)
{
	static const Attune__V1__ScoreDraftResponse resp_init =
	    ATTUNE__V1__SCORE_DRAFT_RESPONSE__INIT;
	static const Attune__V1__DimensionLevels levels_init = ATTUNE__V1__DIMENSION_LEVELS__INIT;
	static const Attune__V1__RiskAssessment risk_init = ATTUNE__V1__RISK_ASSESSMENT__INIT;
	static const Attune__V1__Finding finding_init = ATTUNE__V1__FINDING__INIT;
	static const Attune__V1__Suggestion sugg_init = ATTUNE__V1__SUGGESTION__INIT;
	static const Attune__V1__RiskSpan span_init = ATTUNE__V1__RISK_SPAN__INIT;

	memset(s, 0, sizeof(*s));
	s->resp = resp_init;
	s->levels = levels_init;
	s->risk = risk_init;
	if (r->n_findings) {
		s->findings = calloc(r->n_findings, sizeof(*s->findings));
		s->finding_ptrs = calloc(r->n_findings, sizeof(*s->finding_ptrs));
		if (!s->findings || !s->finding_ptrs)
			return ATTUNE_WIRE_E_NOMEM;
	}
	if (r->n_suggestions) {
		s->suggestions = calloc(r->n_suggestions, sizeof(*s->suggestions));
		s->suggestion_ptrs = calloc(r->n_suggestions, sizeof(*s->suggestion_ptrs));
		if (!s->suggestions || !s->suggestion_ptrs)
			return ATTUNE_WIRE_E_NOMEM;
	}
	if (r->risk.n_spans) {
		s->spans = calloc(r->risk.n_spans, sizeof(*s->spans));
		s->span_ptrs = calloc(r->risk.n_spans, sizeof(*s->span_ptrs));
		if (!s->spans || !s->span_ptrs)
			return ATTUNE_WIRE_E_NOMEM;
	}
	s->resp.score = r->score;
	s->levels.acknowledge = (Attune__V1__DimensionLevel)r->acknowledge;
	s->levels.reflect = (Attune__V1__DimensionLevel)r->reflect;
	s->levels.explore = (Attune__V1__DimensionLevel)r->explore;
	s->resp.levels = &s->levels;
	for (size_t i = 0; i < r->n_findings; i++) {
		const attune_finding *f = &r->findings[i];
		s->findings[i] = finding_init;
		s->findings[i].kind = (Attune__V1__FindingKind)f->kind;
		s->findings[i].severity = (Attune__V1__Severity)f->severity;
		s->findings[i].start = (uint32_t)f->start;
		s->findings[i].end = (uint32_t)f->end;
		s->findings[i].explanation = (char *)(f->explanation ? f->explanation : "");
		s->finding_ptrs[i] = &s->findings[i];
	}
	s->resp.n_findings = r->n_findings;
	s->resp.findings = s->finding_ptrs;
	for (size_t i = 0; i < r->n_suggestions; i++) {
		const attune_suggestion *g = &r->suggestions[i];
		Attune__V1__Suggestion *o = &s->suggestions[i];
		*o = sugg_init;
		o->kind = (Attune__V1__SuggestionKind)g->kind;
		o->text = g->text ? g->text : (char *)"";
		o->placement = (Attune__V1__Placement)g->placement;
		o->start = (uint32_t)g->start;
		o->end = (uint32_t)g->end;
		o->projected_score = g->projected_score;
		o->addresses = (Attune__V1__FindingKind)g->addresses;
		o->stem_id = (char *)(g->stem_id ? g->stem_id : "");
		s->suggestion_ptrs[i] = o;
	}
	s->resp.n_suggestions = r->n_suggestions;
	s->resp.suggestions = s->suggestion_ptrs;
	s->risk.level = (Attune__V1__RiskLevel)r->risk.level;
	for (unsigned c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++)
		if (r->risk.categories & (1u << c))
			s->categories[s->risk.n_categories++] = (Attune__V1__RiskCategory)c;
	s->risk.categories = s->categories;
	s->risk.guidance = (char *)(r->risk.guidance ? r->risk.guidance : "");
	for (size_t i = 0; i < r->risk.n_spans; i++) {
		const attune_risk_span *sp = &r->risk.spans[i];
		s->spans[i] = span_init;
		s->spans[i].category = (Attune__V1__RiskCategory)sp->category;
		s->spans[i].cue = (Attune__V1__RiskCue)sp->cue;
		s->spans[i].start = (uint32_t)sp->start;
		s->spans[i].end = (uint32_t)sp->end;
		s->span_ptrs[i] = &s->spans[i];
	}
	s->risk.n_spans = r->risk.n_spans;
	s->risk.spans = s->span_ptrs;
	s->resp.risk = &s->risk;
	s->resp.human_review_required = 1;
	s->resp.scorer_version = (char *)(version ? version : "");
	s->resp.score_id = (char *)(score_id ? score_id : "");
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire_encode_score_response(const attune_score_result *r,
                                                     const char *score_id,
                                                     const char *scorer_version,
                                                     attune_wire_buf *out)
{
	response_store s;
	attune_wire_status st;

	if (!r || !out)
		return ATTUNE_WIRE_E_ARG;
	out->data = NULL;
	out->len = 0;
	st = response_store_fill(&s, r, score_id, scorer_version);
	if (st == ATTUNE_WIRE_OK)
		st = attune_wire__pack(&s.resp.base, out);
	response_store_release(&s);
	return st;
}

attune_wire_status attune_wire_encode_coach_response(uint64_t revision,
                                                     const attune_score_result *r,
                                                     const char *score_id,
                                                     const char *scorer_version,
                                                     attune_wire_buf *out)
{
	Attune__V1__CoachDraftResponse m = ATTUNE__V1__COACH_DRAFT_RESPONSE__INIT;
	response_store s;
	attune_wire_status st;

	if (!r || !out)
		return ATTUNE_WIRE_E_ARG;
	out->data = NULL;
	out->len = 0;
	st = response_store_fill(&s, r, score_id, scorer_version);
	if (st == ATTUNE_WIRE_OK) {
		m.revision = revision;
		m.feedback = &s.resp;
		st = attune_wire__pack(&m.base, out);
	}
	response_store_release(&s);
	return st;
}

/* ------------------------------------------------------------- reply */

attune_wire_status attune_wire_decode_score_reply(const uint8_t *data, size_t len,
                                                  attune_wire_score_reply **out,
                                                  attune_wire_error *err)
{
	attune_wire_score_reply *rep;
	ProtobufCMessage *msg = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st =
	    attune_wire__unpack_owned(&attune__v1__score_draft_response__descriptor, data, len,
	                              "ScoreDraftResponse", sizeof(*rep), (void **)&rep, &msg, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	rep->priv_ = msg;
	const Attune__V1__ScoreDraftResponse *m = (const Attune__V1__ScoreDraftResponse *)msg;
	attune_score_result *r = &rep->result;
	r->score = m->score;
	if (m->levels) {
		r->acknowledge = (unsigned)m->levels->acknowledge;
		r->reflect = (unsigned)m->levels->reflect;
		r->explore = (unsigned)m->levels->explore;
	}
	if (m->n_findings && !(r->findings = calloc(m->n_findings, sizeof(*r->findings))))
		goto out_nomem;
	r->n_findings = m->n_findings;
	for (size_t i = 0; i < m->n_findings; i++) {
		const Attune__V1__Finding *f = m->findings[i];
		r->findings[i].kind = (attune_finding_kind)f->kind;
		r->findings[i].severity = (attune_severity)f->severity;
		r->findings[i].start = f->start;
		r->findings[i].end = f->end;
		r->findings[i].explanation = f->explanation ? f->explanation : "";
	}
	if (m->n_suggestions &&
	    !(r->suggestions = calloc(m->n_suggestions, sizeof(*r->suggestions))))
		goto out_nomem;
	r->n_suggestions = m->n_suggestions;
	for (size_t i = 0; i < m->n_suggestions; i++) {
		const Attune__V1__Suggestion *g = m->suggestions[i];
		attune_suggestion *o = &r->suggestions[i];
		o->kind = (attune_suggestion_kind)g->kind;
		o->text = g->text ? g->text : (char *)"";
		o->placement = (attune_placement)g->placement;
		o->start = g->start;
		o->end = g->end;
		o->addresses = (attune_finding_kind)g->addresses;
		o->projected_score = g->projected_score;
		o->stem_id = g->stem_id ? g->stem_id : "";
	}
	r->risk.guidance = "";
	if (m->risk) {
		r->risk.level = (attune_risk_level)m->risk->level;
		for (size_t i = 0; i < m->risk->n_categories; i++)
			if ((unsigned)m->risk->categories[i] < 32)
				r->risk.categories |= 1u << (unsigned)m->risk->categories[i];
		r->risk.guidance = m->risk->guidance ? m->risk->guidance : "";
		if (m->risk->n_spans &&
		    !(r->risk.spans = calloc(m->risk->n_spans, sizeof(*r->risk.spans))))
			goto out_nomem;
		r->risk.n_spans = m->risk->n_spans;
		for (size_t i = 0; i < m->risk->n_spans; i++) {
			const Attune__V1__RiskSpan *sp = m->risk->spans[i];
			r->risk.spans[i].category = (attune_risk_category)sp->category;
			r->risk.spans[i].cue = (attune_risk_cue)sp->cue;
			r->risk.spans[i].start = sp->start;
			r->risk.spans[i].end = sp->end;
		}
	}
	rep->score_id = m->score_id ? m->score_id : "";
	rep->scorer_version = m->scorer_version ? m->scorer_version : "";
	rep->human_review_required = m->human_review_required ? 1 : 0;
	*out = rep;
	return ATTUNE_WIRE_OK;
out_nomem:
	attune_wire_score_reply_free(rep);
	return ATTUNE_WIRE_E_NOMEM;
}

void attune_wire_score_reply_free(attune_wire_score_reply *reply)
{
	if (!reply)
		return;
	free(reply->result.findings);
	free(reply->result.suggestions);
	free(reply->result.risk.spans);
	if (reply->priv_)
		protobuf_c_message_free_unpacked(reply->priv_, NULL);
	free(reply);
}

/* ------------------------------------------------------------ coach */

attune_wire_status attune_wire_decode_coach_request(const uint8_t *data, size_t len,
                                                    const attune_scorer *scorer,
                                                    attune_wire_coach_request **out,
                                                    attune_wire_error *err)
{
	attune_wire_coach_request *req;
	ProtobufCMessage *msg = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st = attune_wire__unpack_owned(&attune__v1__coach_draft_request__descriptor, data, len,
	                               "CoachDraftRequest", sizeof(*req), (void **)&req, &msg, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	req->priv_ = msg;
	const Attune__V1__CoachDraftRequest *m = (const Attune__V1__CoachDraftRequest *)msg;
	req->draft = attune_wire__text(m->draft);
	req->revision = m->revision;
	st = check_text("draft", req->draft, ATTUNE_MAX_DRAFT_BYTES, err);
	if (st == ATTUNE_WIRE_OK && m->context) {
		req->context = calloc(1, sizeof(*req->context));
		if (!req->context) {
			st = ATTUNE_WIRE_E_NOMEM;
		} else {
			/* The context's own draft is ignored: this message's draft
			 * replaces it, so an empty one must not fail "required". */
			attune_wire_error sub;
			st = fill_score_request(req->context, m->context,
			                        m->draft[0] ? m->draft : " ", scorer, &sub);
			if (st == ATTUNE_WIRE_E_INVALID)
				attune_wire__fail(err, sub.reason, "context.%s", sub.message);
			req->context->params.draft = req->draft;
			req->context->input.draft = req->draft;
			req->has_context = 1;
		}
	}
	if (st != ATTUNE_WIRE_OK) {
		attune_wire_coach_request_free(req);
		return st;
	}
	*out = req;
	return ATTUNE_WIRE_OK;
}

void attune_wire_coach_request_free(attune_wire_coach_request *req)
{
	if (!req)
		return;
	if (req->context) {
		/* The context borrows the coach message; it owns only its turns. */
		free(req->context->priv_turns_);
		free(req->context);
	}
	if (req->priv_)
		protobuf_c_message_free_unpacked(req->priv_, NULL);
	free(req);
}

attune_wire_status attune_wire_encode_coach_request(const attune_wire_score_params *ctx,
                                                    attune_text draft, uint64_t revision,
                                                    attune_wire_buf *out, attune_wire_error *err)
{
	Attune__V1__CoachDraftRequest m = ATTUNE__V1__COACH_DRAFT_REQUEST__INIT;
	Attune__V1__ScoreDraftRequest c = ATTUNE__V1__SCORE_DRAFT_REQUEST__INIT;
	Attune__V1__SuggestionOptions opts = ATTUNE__V1__SUGGESTION_OPTIONS__INIT;
	char **turns = NULL, *ctx_draft = NULL, *seeker = NULL, *text = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	out->data = NULL;
	out->len = 0;
	if ((st = check_text("draft", draft, ATTUNE_MAX_DRAFT_BYTES, err)) != ATTUNE_WIRE_OK)
		return st;
	if (!(text = attune_wire__strdup_text(draft)))
		return ATTUNE_WIRE_E_NOMEM;
	m.draft = text;
	m.revision = revision;
	if (ctx) {
		attune_wire_score_params p = *ctx;
		p.draft = attune_wire__text(""); /* ignored by the server */
		attune_wire_score_params chk = p;
		chk.draft = attune_wire__text(" ");
		if ((st = attune_wire_validate_score_params(&chk, NULL, err)) != ATTUNE_WIRE_OK)
			goto out_free;
		if ((st = params_to_msg(&p, &c, &opts, &ctx_draft, &turns)) != ATTUNE_WIRE_OK)
			goto out_free;
		if (!(seeker = attune_wire__strdup_text(p.seeker))) {
			st = ATTUNE_WIRE_E_NOMEM;
			goto out_free;
		}
		c.seeker_message = seeker;
		m.context = &c;
	}
	st = attune_wire__pack(&m.base, out);
out_free:
	free(text);
	free(seeker);
	free(ctx_draft);
	free_turns(turns, ctx ? ctx->n_prior_turns : 0);
	return st;
}
