/*
 * client_stats.c - Supervision through libattune: GetTeamStats (unary) and
 * WatchMetrics (server stream), decoded by attune_wire into plain
 * attune_client_team_stats. Offline clients have no history: UNIMPLEMENTED.
 */
#include <stdlib.h>
#include <string.h>

#include "attune_wire.h"
#include "attune_wire_events.h"
#include "client_internal.h"

#define GET_TEAM_STATS_METHOD "/attune.v1.Supervision/GetTeamStats"
#define WATCH_METRICS_METHOD  "/attune.v1.Supervision/WatchMetrics"

const char *attune_client_stats_window_name(attune_client_stats_window w)
{
	switch (w) {
	case ATTUNE_CLIENT_WINDOW_HOUR:
		return "hour";
	case ATTUNE_CLIENT_WINDOW_DAY:
		return "day";
	case ATTUNE_CLIENT_WINDOW_WEEK:
		return "week";
	case ATTUNE_CLIENT_WINDOW_UNSPECIFIED:
	default:
		return "unspecified";
	}
}

/* Copies a decoded reply into a new attune_client_team_stats that takes
 * ownership of the reply (its strings). */
static attune_client_team_stats *wrap_stats(attune_wire_stats_reply *reply)
{
	attune_client_team_stats *s = calloc(1, sizeof(*s));
	const attune_wire_team_stats *w = &reply->stats;

	if (s == NULL)
		return NULL;
	s->team = w->team != NULL ? w->team : "";
	s->window = (attune_client_stats_window)w->window;
	s->window_start_unix_ms = w->window_start_ms;
	s->window_end_unix_ms = w->window_end_ms;
	s->responder_pseudonym = w->responder_pseudonym != NULL ? w->responder_pseudonym : "";
	s->drafts_scored = w->drafts;
	s->mean_score = w->mean_score;
	memcpy(s->levels, w->levels, sizeof(s->levels));
	memcpy(s->finding_count, w->finding_count, sizeof(s->finding_count));
	memcpy(s->finding_per_draft, w->finding_per_draft, sizeof(s->finding_per_draft));
	s->suggestions_offered = w->offered;
	s->outcomes = w->outcomes;
	s->suggestions_used = w->used;
	s->suggestions_used_verbatim = w->used_verbatim;
	s->mean_score_change = w->mean_score_change;
	memcpy(s->risk_flags, w->risk, sizeof(s->risk_flags));
	s->sequence = reply->sequence;
	s->time_unix_ms = reply->time_ms;
	s->priv_ = reply;
	return s;
}

void attune_client_team_stats_free(attune_client_team_stats *s)
{
	if (s == NULL)
		return;
	attune_wire_stats_reply_free(s->priv_);
	free(s);
}

attune_client_code attune_client_team_stats_get(attune_client *c, const char *team,
                                                attune_client_stats_window window,
                                                const char *responder_id,
                                                attune_client_team_stats **out,
                                                attune_client_error *err)
{
	attune_client_code rc;
	attune_wire_buf req = {NULL, 0};
	uint8_t *resp = NULL;
	size_t resp_len = 0;
	attune_wire_stats_reply *reply = NULL;
	attune_wire_error werr;
	attune_wire_status wst;

	if (out == NULL || c == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                           "client or out is NULL");
	*out = NULL;
	if (c->scorer != NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_UNIMPLEMENTED,
		                           "team stats need a server (offline client)");
	wst = attune_wire_encode_stats_request(team, (unsigned)window, responder_id, &req);
	if (wst != ATTUNE_WIRE_OK)
		return attune_client__fail(err, (attune_client_code)attune_wire_status_code(wst),
		                           "%s", attune_wire_strerror(wst));
	rc = attune_client__unary(c, GET_TEAM_STATS_METHOD, req.data, req.len, &resp, &resp_len,
	                          err);
	if (rc != ATTUNE_CLIENT_OK)
		goto out_free;
	memset(&werr, 0, sizeof(werr));
	wst = attune_wire_decode_team_stats(resp, resp_len, &reply, &werr);
	if (wst != ATTUNE_WIRE_OK) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "cannot decode TeamStats: %s",
		                         attune_wire_strerror(wst));
		goto out_free;
	}
	*out = wrap_stats(reply);
	if (*out == NULL) {
		attune_wire_stats_reply_free(reply);
		rc = attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "out of memory");
	}
out_free:
	free(resp);
	attune_wire_buf_free(&req);
	return rc;
}

typedef struct watch_ctx {
	attune_client_watch_fn fn;
	void *user;
	unsigned max, seen;
} watch_ctx;

static int on_snapshot(const uint8_t *data, size_t len, void *user, attune_client_error *err)
{
	watch_ctx *w = user;
	attune_wire_stats_reply *reply = NULL;
	attune_client_team_stats *s;
	attune_wire_error werr;
	attune_wire_status wst;
	int stop;

	memset(&werr, 0, sizeof(werr));
	wst = attune_wire_decode_snapshot(data, len, &reply, &werr);
	if (wst != ATTUNE_WIRE_OK) {
		attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                    "cannot decode MetricsSnapshot: %s", attune_wire_strerror(wst));
		return 1;
	}
	s = wrap_stats(reply);
	if (s == NULL) {
		attune_wire_stats_reply_free(reply);
		attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "out of memory");
		return 1;
	}
	w->seen++;
	stop = w->fn(s, w->user) != 0 || (w->max != 0 && w->seen >= w->max);
	attune_client_team_stats_free(s);
	return stop;
}

attune_client_code attune_client_watch_metrics(attune_client *c, const char *team,
                                               attune_client_stats_window window,
                                               unsigned interval_s, unsigned max_snapshots,
                                               unsigned duration_ms,
                                               attune_client_watch_fn on_snapshot_fn, void *user,
                                               attune_client_error *err)
{
	attune_client_code rc;
	attune_wire_buf req = {NULL, 0};
	attune_wire_status wst;
	watch_ctx w;
	int stopped = 0, timed_out = 0;

	if (c == NULL || on_snapshot_fn == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                           "client or callback is NULL");
	if (c->scorer != NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_UNIMPLEMENTED,
		                           "watching metrics needs a server (offline client)");
	wst = attune_wire_encode_watch_request(team, (unsigned)window, interval_s, &req);
	if (wst != ATTUNE_WIRE_OK)
		return attune_client__fail(err, (attune_client_code)attune_wire_status_code(wst),
		                           "%s", attune_wire_strerror(wst));
	w.fn = on_snapshot_fn;
	w.user = user;
	w.max = max_snapshots;
	w.seen = 0;
	rc = attune_client__server_stream(c, WATCH_METRICS_METHOD, req.data, req.len, duration_ms,
	                                  on_snapshot, &w, &stopped, &timed_out, err);
	if (timed_out && w.seen > 0)
		rc = attune_client__ok(err);
	attune_wire_buf_free(&req);
	return rc;
}
