/*
 * wire_events.c - RecordOutcome, GetTeamStats and WatchMetrics on the wire
 * (see attune_wire_events.h). Field checks shared with ScoreDraft go
 * through attune_wire_validate_score_params so limits and messages match.
 */
#include <stdlib.h>
#include <string.h>

#include "attune/v1/attune.pb-c.h"
#include "attune_wire_events.h"
#include "wire_internal.h"

/* Checks ids, team, locale, channel and seeker like ScoreDraft does (a
 * placeholder stands in for the draft, which these requests do not have). */
static attune_wire_status check_common(attune_text seeker, const char *conversation_id,
                                       const char *responder_id, const char *team,
                                       const char *locale, attune_channel channel,
                                       const attune_scorer *scorer, attune_wire_error *err)
{
	attune_wire_score_params p;

	memset(&p, 0, sizeof(p));
	p.draft = attune_wire__text("-");
	p.seeker = seeker;
	p.conversation_id = conversation_id;
	p.responder_id = responder_id;
	p.team = team;
	p.locale = locale;
	p.channel = channel;
	return attune_wire_validate_score_params(&p, scorer, err);
}

attune_wire_status attune_wire_decode_outcome_request(const uint8_t *data, size_t len,
                                                      const attune_scorer *scorer,
                                                      attune_wire_outcome_request **out,
                                                      attune_wire_error *err)
{
	Attune__V1__RecordOutcomeRequest *m = NULL;
	attune_wire_outcome_request *req;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st = attune_wire__unpack(&attune__v1__record_outcome_request__descriptor, data, len,
	                         "RecordOutcomeRequest", (ProtobufCMessage **)&m, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	req = calloc(1, sizeof(*req));
	if (!req) {
		st = ATTUNE_WIRE_E_NOMEM;
		goto out_free_msg;
	}
	req->priv_ = m;
	req->score_id = m->score_id ? m->score_id : "";
	req->action = (unsigned)m->action;
	req->suggestion_index = m->suggestion_index;
	req->final_text = attune_wire__text(m->final_text);
	req->seeker = attune_wire__text(m->seeker_message);
	req->conversation_id = m->conversation_id ? m->conversation_id : "";
	req->responder_id = m->responder_id ? m->responder_id : "";
	req->team = m->team ? m->team : "";
	req->locale = m->locale && m->locale[0] ? m->locale : "en";
	req->channel = (attune_channel)m->channel;
	if (!req->score_id[0]) {
		st = attune_wire__fail(err, ATTUNE_WIRE_REASON_MISSING_FIELD, "score_id: required");
		goto out_free_req;
	}
	if (strlen(req->score_id) > ATTUNE_WIRE_MAX_SCORE_ID_BYTES) {
		st = attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                       "score_id: longer than %u bytes",
		                       ATTUNE_WIRE_MAX_SCORE_ID_BYTES);
		goto out_free_req;
	}
	if (req->action == 0) {
		st = attune_wire__fail(err, ATTUNE_WIRE_REASON_MISSING_FIELD, "action: required");
		goto out_free_req;
	}
	if (req->action > 5) {
		st = attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
		                       "action: unknown value %u", req->action);
		goto out_free_req;
	}
	if (req->final_text.len > ATTUNE_MAX_DRAFT_BYTES) {
		st = attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                       "final_text: longer than %u bytes", ATTUNE_MAX_DRAFT_BYTES);
		goto out_free_req;
	}
	if (!attune_utf8_valid(req->final_text.ptr, req->final_text.len)) {
		st = attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_UTF8,
		                       "final_text: invalid UTF-8 or NUL byte");
		goto out_free_req;
	}
	st = check_common(req->seeker, req->conversation_id, req->responder_id, req->team,
	                  m->locale ? m->locale : "", req->channel, scorer, err);
	if (st != ATTUNE_WIRE_OK)
		goto out_free_req;
	*out = req;
	return ATTUNE_WIRE_OK;
out_free_req:
	attune_wire_outcome_request_free(req);
	return st;
out_free_msg:
	protobuf_c_message_free_unpacked((ProtobufCMessage *)m, NULL);
	return st;
}

void attune_wire_outcome_request_free(attune_wire_outcome_request *req)
{
	if (!req)
		return;
	if (req->priv_)
		protobuf_c_message_free_unpacked((ProtobufCMessage *)req->priv_, NULL);
	free(req);
}

attune_wire_status attune_wire_encode_outcome_response(const char *event_id, int has_final_score,
                                                       unsigned final_score, int has_score_change,
                                                       int score_change, attune_wire_buf *out)
{
	Attune__V1__RecordOutcomeResponse m = ATTUNE__V1__RECORD_OUTCOME_RESPONSE__INIT;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	m.event_id = (char *)(event_id ? event_id : "");
	m.has_final_score = has_final_score ? 1 : 0;
	m.final_score = final_score;
	m.has_score_change = has_score_change ? 1 : 0;
	m.score_change = score_change;
	return attune_wire__pack(&m.base, out);
}

static attune_wire_status copy_team(const char *team, char dst[ATTUNE_WIRE_MAX_TEAM_BYTES + 1],
                                    attune_wire_error *err)
{
	attune_wire_status st;

	st = check_common(attune_wire__text(""), "", "", team, "", ATTUNE_CHANNEL_UNSPECIFIED, NULL,
	                  err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	strcpy(dst, team);
	return ATTUNE_WIRE_OK;
}

/* The team and window both Supervision requests carry, validated. */
static attune_wire_status decode_team_window(const char *team_in, unsigned window_in,
                                             char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1],
                                             unsigned *window, attune_wire_error *err)
{
	attune_wire_status st = copy_team(team_in ? team_in : "", team, err);

	if (st != ATTUNE_WIRE_OK)
		return st;
	if (window_in > ATTUNE_WIRE_WINDOW_MAX)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
		                         "window: unknown value %u", window_in);
	*window = window_in;
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire_decode_stats_request(const uint8_t *data, size_t len,
                                                    char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1],
                                                    unsigned *window,
                                                    char responder[ATTUNE_WIRE_MAX_ID_BYTES + 1],
                                                    attune_wire_error *err)
{
	Attune__V1__GetTeamStatsRequest *m = NULL;
	attune_wire_status st;
	const char *resp;

	if (!team || !window || !responder)
		return ATTUNE_WIRE_E_ARG;
	st = attune_wire__unpack(&attune__v1__get_team_stats_request__descriptor, data, len,
	                         "GetTeamStatsRequest", (ProtobufCMessage **)&m, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	st = decode_team_window(m->team, (unsigned)m->window, team, window, err);
	if (st != ATTUNE_WIRE_OK)
		goto out_free;
	resp = m->responder_id ? m->responder_id : "";
	st = check_common(attune_wire__text(""), "", resp, "", "", ATTUNE_CHANNEL_UNSPECIFIED, NULL,
	                  err);
	if (st != ATTUNE_WIRE_OK)
		goto out_free;
	strcpy(responder, resp);
out_free:
	protobuf_c_message_free_unpacked(&m->base, NULL);
	return st;
}

attune_wire_status attune_wire_decode_watch_request(const uint8_t *data, size_t len,
                                                    char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1],
                                                    unsigned *window, unsigned *interval,
                                                    attune_wire_error *err)
{
	Attune__V1__WatchMetricsRequest *m = NULL;
	attune_wire_status st;

	if (!team || !window || !interval)
		return ATTUNE_WIRE_E_ARG;
	st = attune_wire__unpack(&attune__v1__watch_metrics_request__descriptor, data, len,
	                         "WatchMetricsRequest", (ProtobufCMessage **)&m, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	st = decode_team_window(m->team, (unsigned)m->window, team, window, err);
	if (st != ATTUNE_WIRE_OK)
		goto out_free;
	if (m->interval_seconds > ATTUNE_WIRE_WATCH_MAX_INTERVAL) {
		st = attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
		                       "interval_seconds: must be 1..%u (0 means %u)",
		                       ATTUNE_WIRE_WATCH_MAX_INTERVAL,
		                       ATTUNE_WIRE_WATCH_DEFAULT_INTERVAL);
		goto out_free;
	}
	*interval = m->interval_seconds ? m->interval_seconds : ATTUNE_WIRE_WATCH_DEFAULT_INTERVAL;
out_free:
	protobuf_c_message_free_unpacked(&m->base, NULL);
	return st;
}

/* Known finding kinds, in enum order. */
static const unsigned known_kinds[] = {1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15};
#define N_KINDS (sizeof(known_kinds) / sizeof(known_kinds[0]))

/* Every sub-message of one TeamStats lives here, on the stack. */
typedef struct stats_store {
	Attune__V1__TeamStats ts;
	Attune__V1__LevelDistribution lv[3];
	Attune__V1__FindingRate fr[N_KINDS];
	Attune__V1__FindingRate *frp[N_KINDS];
	Attune__V1__SuggestionUse su;
	Attune__V1__RiskCount rc[3];
	Attune__V1__RiskCount *rcp[3];
} stats_store;

static void stats_fill(stats_store *st, const attune_wire_team_stats *s)
{
	Attune__V1__TeamStats ts = ATTUNE__V1__TEAM_STATS__INIT;
	Attune__V1__SuggestionUse su = ATTUNE__V1__SUGGESTION_USE__INIT;

	st->ts = ts;
	st->su = su;
	st->ts.team = (char *)(s->team ? s->team : "");
	st->ts.window = (Attune__V1__StatsWindow)s->window;
	st->ts.window_start_unix_ms = s->window_start_ms;
	st->ts.window_end_unix_ms = s->window_end_ms;
	st->ts.responder_pseudonym = (char *)(s->responder_pseudonym ? s->responder_pseudonym : "");
	st->ts.drafts_scored = s->drafts;
	st->ts.mean_score = s->mean_score;
	for (int d = 0; d < 3; d++) {
		Attune__V1__LevelDistribution lv = ATTUNE__V1__LEVEL_DISTRIBUTION__INIT;
		st->lv[d] = lv;
		st->lv[d].none = s->levels[d][0];
		st->lv[d].weak = s->levels[d][1];
		st->lv[d].strong = s->levels[d][2];
	}
	st->ts.acknowledge = &st->lv[0];
	st->ts.reflect = &st->lv[1];
	st->ts.explore = &st->lv[2];
	for (size_t i = 0; i < N_KINDS; i++) {
		Attune__V1__FindingRate fr = ATTUNE__V1__FINDING_RATE__INIT;
		unsigned k = known_kinds[i];
		st->fr[i] = fr;
		st->fr[i].kind = (Attune__V1__FindingKind)k;
		st->fr[i].count = s->finding_count[k];
		st->fr[i].per_draft = s->finding_per_draft[k];
		st->frp[i] = &st->fr[i];
	}
	st->ts.n_findings = N_KINDS;
	st->ts.findings = st->frp;
	st->su.offered = s->offered;
	st->su.outcomes = s->outcomes;
	st->su.used = s->used;
	st->su.used_verbatim = s->used_verbatim;
	st->su.mean_score_change = s->mean_score_change;
	st->ts.suggestions = &st->su;
	for (int l = 0; l < 3; l++) {
		Attune__V1__RiskCount rc = ATTUNE__V1__RISK_COUNT__INIT;
		st->rc[l] = rc;
		st->rc[l].level = (Attune__V1__RiskLevel)(l + 1);
		st->rc[l].count = s->risk[l + 1];
		st->rcp[l] = &st->rc[l];
	}
	st->ts.n_risk_flags = 3;
	st->ts.risk_flags = st->rcp;
}

attune_wire_status attune_wire_encode_team_stats(const attune_wire_team_stats *s,
                                                 attune_wire_buf *out)
{
	stats_store st;

	if (!s || !out)
		return ATTUNE_WIRE_E_ARG;
	stats_fill(&st, s);
	return attune_wire__pack(&st.ts.base, out);
}

attune_wire_status attune_wire_encode_snapshot(uint64_t sequence, int64_t time_ms,
                                               const attune_wire_team_stats *s,
                                               attune_wire_buf *out)
{
	Attune__V1__MetricsSnapshot m = ATTUNE__V1__METRICS_SNAPSHOT__INIT;
	stats_store st;

	if (!s || !out)
		return ATTUNE_WIRE_E_ARG;
	stats_fill(&st, s);
	m.sequence = sequence;
	m.time_unix_ms = time_ms;
	m.stats = &st.ts;
	return attune_wire__pack(&m.base, out);
}

attune_wire_status attune_wire_encode_stats_request(const char *team, unsigned window,
                                                    const char *responder_id, attune_wire_buf *out)
{
	Attune__V1__GetTeamStatsRequest m = ATTUNE__V1__GET_TEAM_STATS_REQUEST__INIT;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	m.team = (char *)(team ? team : "");
	m.window = (Attune__V1__StatsWindow)window;
	m.responder_id = (char *)(responder_id ? responder_id : "");
	return attune_wire__pack(&m.base, out);
}

attune_wire_status attune_wire_encode_watch_request(const char *team, unsigned window,
                                                    unsigned interval, attune_wire_buf *out)
{
	Attune__V1__WatchMetricsRequest m = ATTUNE__V1__WATCH_METRICS_REQUEST__INIT;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	m.team = (char *)(team ? team : "");
	m.window = (Attune__V1__StatsWindow)window;
	m.interval_seconds = interval;
	return attune_wire__pack(&m.base, out);
}

static void stats_from_msg(const Attune__V1__TeamStats *ts, attune_wire_team_stats *s)
{
	const Attune__V1__LevelDistribution *lv[3];

	memset(s, 0, sizeof(*s));
	if (!ts) {
		s->team = "";
		s->responder_pseudonym = "";
		return;
	}
	s->team = ts->team ? ts->team : "";
	s->window = (unsigned)ts->window;
	s->window_start_ms = ts->window_start_unix_ms;
	s->window_end_ms = ts->window_end_unix_ms;
	s->responder_pseudonym = ts->responder_pseudonym ? ts->responder_pseudonym : "";
	s->drafts = ts->drafts_scored;
	s->mean_score = ts->mean_score;
	lv[0] = ts->acknowledge;
	lv[1] = ts->reflect;
	lv[2] = ts->explore;
	for (int d = 0; d < 3; d++) {
		if (!lv[d])
			continue;
		s->levels[d][0] = lv[d]->none;
		s->levels[d][1] = lv[d]->weak;
		s->levels[d][2] = lv[d]->strong;
	}
	for (size_t i = 0; i < ts->n_findings; i++) {
		unsigned k = (unsigned)ts->findings[i]->kind;
		if (k >= ATTUNE_FINDING_KIND_MAX)
			continue;
		s->finding_count[k] = ts->findings[i]->count;
		s->finding_per_draft[k] = ts->findings[i]->per_draft;
	}
	if (ts->suggestions) {
		s->offered = ts->suggestions->offered;
		s->outcomes = ts->suggestions->outcomes;
		s->used = ts->suggestions->used;
		s->used_verbatim = ts->suggestions->used_verbatim;
		s->mean_score_change = ts->suggestions->mean_score_change;
	}
	for (size_t i = 0; i < ts->n_risk_flags; i++) {
		unsigned l = (unsigned)ts->risk_flags[i]->level;
		if (l < 4)
			s->risk[l] = ts->risk_flags[i]->count;
	}
}

attune_wire_status attune_wire_decode_team_stats(const uint8_t *data, size_t len,
                                                 attune_wire_stats_reply **out,
                                                 attune_wire_error *err)
{
	Attune__V1__TeamStats *m = NULL;
	attune_wire_stats_reply *r;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st = attune_wire__unpack_owned(&attune__v1__team_stats__descriptor, data, len, "TeamStats",
	                               sizeof(*r), (void **)&r, (ProtobufCMessage **)&m, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	r->priv_ = m;
	stats_from_msg(m, &r->stats);
	*out = r;
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire_decode_snapshot(const uint8_t *data, size_t len,
                                               attune_wire_stats_reply **out,
                                               attune_wire_error *err)
{
	Attune__V1__MetricsSnapshot *m = NULL;
	attune_wire_stats_reply *r;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st = attune_wire__unpack_owned(&attune__v1__metrics_snapshot__descriptor, data, len,
	                               "MetricsSnapshot", sizeof(*r), (void **)&r,
	                               (ProtobufCMessage **)&m, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	r->priv_ = m;
	r->sequence = m->sequence;
	r->time_ms = m->time_unix_ms;
	stats_from_msg(m->stats, &r->stats);
	*out = r;
	return ATTUNE_WIRE_OK;
}

void attune_wire_stats_reply_free(attune_wire_stats_reply *r)
{
	if (!r)
		return;
	if (r->priv_)
		protobuf_c_message_free_unpacked((ProtobufCMessage *)r->priv_, NULL);
	free(r);
}
