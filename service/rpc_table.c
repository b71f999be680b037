/*
 * rpc_table.c - the dispatch table: every method attuned serves. Adding an
 * RPC = one rpc_<name>.c defining an attuned_method + one line here (and a
 * declaration in rpc_methods.h).
 */
#include "rpc_methods.h"

const attuned_method *const attuned_method_table[] = {
	&attuned_rpc_score_draft,
	&attuned_rpc_record_outcome,
	&attuned_rpc_coach_draft,
	&attuned_rpc_get_team_stats,
	&attuned_rpc_watch_metrics,
	&attuned_rpc_health_check,
	&attuned_rpc_health_watch,
};

const size_t attuned_method_table_len =
	sizeof(attuned_method_table) / sizeof(attuned_method_table[0]);
