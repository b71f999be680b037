/*
 * metrics_internal.h - the registry's layout, shared by metrics.c (updates)
 * and metrics_expo.c (rendering). Not part of the public API.
 *
 * Every family owns a run of cells per series; all cells live in
 * ATTUNE_MX_SHARDS copies (one per shard, cache-line padded). A thread adds to
 * the shard picked from its thread id; rendering sums the shards.
 */
#ifndef ATTUNE_METRICS_INTERNAL_H
#define ATTUNE_METRICS_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

#define ATTUNE_MX_SHARDS   16 /* power of two */
#define ATTUNE_MX_MAX_DIMS 2

typedef enum attune_mx_type {
	ATTUNE_MX_COUNTER,
	ATTUNE_MX_GAUGE,    /* cells hold two's-complement deltas; rendered signed */
	ATTUNE_MX_HISTOGRAM /* cells: one per bucket (+Inf last, not cumulative), then sum */
} attune_mx_type;

typedef struct attune_mx_dim {
	const char *label;         /* label name */
	const char *const *values; /* label values, index = position */
	size_t n;
} attune_mx_dim;

typedef struct attune_mx_buckets {
	const int64_t *bounds; /* upper bounds in raw units, increasing */
	const char *const *le; /* the same bounds as exposition text */
	size_t n;              /* number of finite bounds */
	double scale;          /* exposition value = raw / scale */
} attune_mx_buckets;

typedef struct attune_mx_family {
	const char *name;
	const char *help;
	attune_mx_type type;
	attune_mx_dim dims[ATTUNE_MX_MAX_DIMS];
	size_t ndims;
	const attune_mx_buckets *buckets; /* histograms only */
	size_t nseries;                   /* product of dims[i].n (1 without labels) */
	size_t cells_per_series;
	size_t offset; /* first cell of series 0 within a shard */
} attune_mx_family;

/* The families, in exposition order. */
typedef enum attune_mx_fam {
	ATTUNE_FAM_RPC_REQUESTS = 0,
	ATTUNE_FAM_RPC_DURATION,
	ATTUNE_FAM_RPC_IN_FLIGHT,
	ATTUNE_FAM_DRAFTS_SCORED,
	ATTUNE_FAM_DRAFT_SCORE,
	ATTUNE_FAM_FINDINGS,
	ATTUNE_FAM_SUGGESTIONS_OFFERED,
	ATTUNE_FAM_SUGGESTIONS_USED,
	ATTUNE_FAM_SUGGESTIONS_VERBATIM,
	ATTUNE_FAM_OUTCOMES,
	ATTUNE_FAM_OUTCOME_SCORE_CHANGE,
	ATTUNE_FAM_RISK_FLAGS,
	ATTUNE_FAM_AUTH_FAILURES,
	ATTUNE_FAM_RATE_LIMITED,
	ATTUNE_FAM_REJECTED,
	ATTUNE_FAM_EVENTLOG_FAILED,
	ATTUNE_FAM_EVENTLOG_FAILURES,
	ATTUNE_FAM_EVENTLOG_RECOVERIES,
	ATTUNE_FAM_COUNT
} attune_mx_fam;

struct attune_metrics {
	attune_mx_family fam[ATTUNE_FAM_COUNT];
	_Atomic uint64_t *cells; /* ATTUNE_MX_SHARDS * stride cells, 64-byte aligned */
	size_t stride;           /* cells per shard, multiple of 8 */
	char **teams;            /* allow-list copy, NULL-terminated */
	size_t n_teams;
	const char **team_values; /* teams..., "other", "none": the team label values */
	char *version;
	char *scorer_version;
};

/* Sum of one cell over all shards. */
uint64_t attune_mx_cell_sum(const attune_metrics *m, size_t cell);

#endif
