/*
 * rpc_team_stats.h - shared by the two Supervision handlers
 * (rpc_get_team_stats.c, rpc_watch_metrics.c): computes TeamStats for a
 * team/window/responder from the events module and puts it in wire form.
 */
#ifndef ATTUNED_RPC_TEAM_STATS_H
#define ATTUNED_RPC_TEAM_STATS_H

#include "attune_wire_events.h"
#include "events.h"

/* Everything a TeamStats answer needs, owning its strings. */
typedef struct attuned_team_stats_answer {
	char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1];
	char pseudonym[ATTUNE_PSEUDONYM_HEX_LEN + 1];
	attune_wire_team_stats wire; /* points into this struct */
} attuned_team_stats_answer;

/* Fills *a for team ("" = all), window (0..3) and a raw responder id
 * (may be NULL/""; pseudonymized inside events) at now_ms. `e` may be NULL
 * (all zeros). Defined in rpc_get_team_stats.c. */
void attuned_team_stats_compute(attune_events *e, const char *team, unsigned window,
                                const char *responder_id, int64_t now_ms,
                                attuned_team_stats_answer *a);

#endif
