/*
 * rpc_get_team_stats.c - /attune.v1.Supervision/GetTeamStats: validate the
 * request, pseudonymize the responder id (if any), answer with the
 * in-memory aggregates of the events module. Aggregates only: no text, no
 * raw ids.
 */
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "observe.h"
#include "rpc_methods.h"
#include "rpc_reject.h"
#include "rpc_team_stats.h"
#include "server.h"

void attuned_team_stats_compute(attune_events *e, const char *team, unsigned window,
                                const char *responder_id, int64_t now_ms,
                                attuned_team_stats_answer *a)
{
	attune_team_stats_result r;
	attune_wire_team_stats *w = &a->wire;
	size_t rlen = responder_id ? strlen(responder_id) : 0;

	memset(a, 0, sizeof(*a));
	snprintf(a->team, sizeof(a->team), "%s", team ? team : "");
	if (e) {
		attune_events_team_stats(e, a->team, responder_id, rlen,
		                         (attune_stats_window)window, now_ms, &r, a->pseudonym);
	} else {
		attune_team_stats_query(NULL, "", "", (attune_stats_window)window, now_ms, &r);
	}
	w->team = a->team;
	w->window = window ? window : ATTUNE_STATS_WINDOW_HOUR;
	w->window_start_ms = r.window_start_ms;
	w->window_end_ms = r.window_end_ms;
	w->responder_pseudonym = a->pseudonym;
	w->drafts = r.drafts;
	w->mean_score = r.mean_score;
	memcpy(w->levels, r.levels, sizeof(w->levels));
	for (unsigned k = 0; k < ATTUNE_FINDING_KIND_MAX; k++) {
		w->finding_count[k] = r.finding_count[k];
		w->finding_per_draft[k] =
		    r.drafts ? (double)r.finding_drafts[k] / (double)r.drafts : 0;
	}
	w->offered = r.offered;
	w->outcomes = r.outcomes;
	w->used = r.used;
	w->used_verbatim = r.used_verbatim;
	w->mean_score_change = r.mean_score_change;
	memcpy(w->risk, r.risk, sizeof(w->risk));
}

static void stats_start(attuned_call *call, const uint8_t *data, size_t len)
{
	attuned_server *srv = attuned_call_server(call);
	char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1];
	char responder[ATTUNE_WIRE_MAX_ID_BYTES + 1];
	attuned_team_stats_answer a;
	attune_wire_buf buf = {0};
	attune_wire_error err = {0};
	attune_wire_status ws;
	unsigned window = 0;

	ws = attune_wire_decode_stats_request(data, len, team, &window, responder, &err);
	if (ws != ATTUNE_WIRE_OK) {
		attuned_rpc_reject(call, ws, &err);
		return;
	}
	attuned_team_stats_compute(attuned_server_events(srv), team, window, responder,
	                           attune_events_now_ms(), &a);
	if (attune_wire_encode_team_stats(&a.wire, &buf) != ATTUNE_WIRE_OK) {
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	attuned_call_reply(call, &buf);
}

const attuned_method attuned_rpc_get_team_stats = {
    .path = "/attune.v1.Supervision/GetTeamStats",
    .name = "GetTeamStats",
    .kind = ATTUNED_RPC_UNARY,
    .on_start = stats_start,
};
