/*
 * rpc_methods.h - one declaration per RPC handler file, for rpc_table.c.
 */
#ifndef ATTUNED_RPC_METHODS_H
#define ATTUNED_RPC_METHODS_H

#include "call.h"

extern const attuned_method attuned_rpc_score_draft;   /* rpc_score_draft.c */
extern const attuned_method attuned_rpc_coach_draft;   /* rpc_coach_draft.c */
extern const attuned_method attuned_rpc_record_outcome; /* rpc_record_outcome.c */
extern const attuned_method attuned_rpc_get_team_stats; /* rpc_get_team_stats.c */
extern const attuned_method attuned_rpc_watch_metrics;  /* rpc_watch_metrics.c */
extern const attuned_method attuned_rpc_health_check;   /* rpc_health.c */
extern const attuned_method attuned_rpc_health_watch;   /* rpc_health.c */

#endif
