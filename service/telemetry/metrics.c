/*
 * metrics.c - the metrics registry: family definitions with their fixed label
 * values, creation from the team allow-list, and the lock-free observation
 * functions called on the hot path. Rendering is in metrics_expo.c.
 */
#include "metrics_internal.h"
#include "grpc_codes.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ label tables */

static const char *const rpc_names[ATTUNE_METRICS_RPC_COUNT] = {
    "ScoreDraft",   "RecordOutcome", "CoachDraft",  "GetTeamStats",
    "WatchMetrics", "HealthCheck",   "HealthWatch", "unknown",
};

static const char *const rpc_paths[ATTUNE_METRICS_RPC_COUNT - 1] = {
    "/attune.v1.Assist/ScoreDraft",        "/attune.v1.Assist/RecordOutcome",
    "/attune.v1.Assist/CoachDraft",        "/attune.v1.Supervision/GetTeamStats",
    "/attune.v1.Supervision/WatchMetrics", "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
};

/* Channel label by attune_channel; UNSPECIFIED is scored as chat (API doc). */
#define MX_N_CHANNELS 4
static const char *const channel_names[MX_N_CHANNELS] = {"voice_notes", "chat", "sms",
                                                         "patient_portal"};

/* Finding kinds in label order; names are the API's snake_case names. */
#define MX_N_KINDS 11
static const char *const kind_names[MX_N_KINDS] = {
    "acknowledgment",  "reflection",           "check_in",         "open_question",
    "closed_question", "self_focus",           "premature_advice", "minimizing",
    "judgment",        "formulaic_repetition", "secrecy_promise",
};
static const attune_finding_kind kind_values[MX_N_KINDS] = {
    ATTUNE_FINDING_ACKNOWLEDGMENT,       ATTUNE_FINDING_REFLECTION,      ATTUNE_FINDING_CHECK_IN,
    ATTUNE_FINDING_OPEN_QUESTION,        ATTUNE_FINDING_CLOSED_QUESTION, ATTUNE_FINDING_SELF_FOCUS,
    ATTUNE_FINDING_PREMATURE_ADVICE,     ATTUNE_FINDING_MINIMIZING,      ATTUNE_FINDING_JUDGMENT,
    ATTUNE_FINDING_FORMULAIC_REPETITION, ATTUNE_FINDING_SECRECY_PROMISE,
};

#define MX_N_ACTIONS 5
static const char *const action_names[MX_N_ACTIONS] = {
    "sent_as_drafted",        "sent_edited", "used_suggestion_verbatim",
    "used_suggestion_edited", "discarded",
};

/* Risk flags: levels above none. */
#define MX_N_RISK 3
static const char *const risk_names[MX_N_RISK] = {"low", "moderate", "high"};

static const char *const auth_names[ATTUNE_METRICS_AUTH_COUNT] = {"missing_token", "invalid_token",
                                                                  "wrong_role", "bad_client_cert"};

static const char *const reject_names[ATTUNE_METRICS_REJECT_COUNT] = {
    "missing_field",  "field_too_large", "invalid_utf8",    "invalid_value",
    "malformed",      "overloaded",      "unknown_service", "unknown_method",
    "request_timeout", "stream_idle_timeout",
};

static const char *const eventlog_step_names[ATTUNE_METRICS_EVENTLOG_STEP_COUNT] = {
    "write", "fsync", "rotate"};

/* ---------------------------------------------------------------- buckets */

static const int64_t duration_bounds[] = {
    100000LL,     250000LL,     500000LL,     1000000LL,     2500000LL,     5000000LL,
    10000000LL,   25000000LL,   50000000LL,   100000000LL,   250000000LL,   500000000LL,
    1000000000LL, 2500000000LL, 5000000000LL, 10000000000LL, 60000000000LL,
};
static const char *const duration_le[] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",    "0.5",    "1",     "2.5",    "5",     "10",   "60",
};
static const attune_mx_buckets duration_buckets = {
    duration_bounds, duration_le, sizeof(duration_bounds) / sizeof(duration_bounds[0]), 1e9};

static const int64_t score_bounds[] = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
static const char *const score_le[] = {"10", "20", "30", "40", "50", "60", "70", "80", "90", "100"};
static const attune_mx_buckets score_buckets = {score_bounds, score_le, 10, 1.0};

static const int64_t change_bounds[] = {-50, -25, -10, -5, 0, 5, 10, 25, 50};
static const char *const change_le[] = {"-50", "-25", "-10", "-5", "0", "5", "10", "25", "50"};
static const attune_mx_buckets change_buckets = {change_bounds, change_le, 9, 1.0};

/* ------------------------------------------------------------------ status */

const char *attune_metrics_strerror(attune_metrics_status st)
{
	switch (st) {
	case ATTUNE_METRICS_OK:
		return "ok";
	case ATTUNE_METRICS_E_NOMEM:
		return "out of memory";
	case ATTUNE_METRICS_E_INVALID:
		return "invalid argument";
	case ATTUNE_METRICS_E_TOO_LARGE:
		return "over a documented limit";
	case ATTUNE_METRICS_E_ADDRESS:
		return "listen address must be HOST:PORT with a numeric IPv4/[IPv6] host or "
		       "localhost";
	case ATTUNE_METRICS_E_REMOTE:
		return "non-loopback metrics address needs the explicit remote flag";
	case ATTUNE_METRICS_E_BIND:
		return "cannot bind the metrics listen address";
	case ATTUNE_METRICS_E_HTTP:
		return "cannot start the metrics HTTP server";
	case ATTUNE_METRICS_E_IO:
		return "cannot read process statistics";
	}
	return "unknown metrics status";
}

/* ------------------------------------------------------------------- names */

/* The RPC whose entry in `table` (rpc_paths or rpc_names) is s; UNKNOWN
 * for NULL or no match. */
static attune_metrics_rpc rpc_lookup(const char *const *table, const char *s)
{
	size_t i;

	if (!s)
		return ATTUNE_METRICS_RPC_UNKNOWN;
	for (i = 0; i < ATTUNE_METRICS_RPC_COUNT - 1; i++)
		if (strcmp(s, table[i]) == 0)
			return (attune_metrics_rpc)i;
	return ATTUNE_METRICS_RPC_UNKNOWN;
}

attune_metrics_rpc attune_metrics_rpc_from_method(const char *path)
{
	return rpc_lookup(rpc_paths, path);
}

attune_metrics_rpc attune_metrics_rpc_from_name(const char *name)
{
	return rpc_lookup(rpc_names, name);
}

const char *attune_metrics_rpc_name(attune_metrics_rpc rpc)
{
	if ((unsigned)rpc >= ATTUNE_METRICS_RPC_COUNT)
		return rpc_names[ATTUNE_METRICS_RPC_UNKNOWN];
	return rpc_names[rpc];
}

/* --------------------------------------------------------------- teams */

static int team_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > ATTUNE_METRICS_MAX_TEAM_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	/* "other" and "none" are the label values for the rest. */
	if ((len == 5 && memcmp(s, "other", 5) == 0) || (len == 4 && memcmp(s, "none", 4) == 0))
		return 0;
	return 1;
}

void attune_metrics_teams_free(char **teams)
{
	size_t i;

	if (!teams)
		return;
	for (i = 0; teams[i]; i++)
		free(teams[i]);
	free(teams);
}

attune_metrics_status attune_metrics_teams_parse(const char *csv, char ***out, size_t *n)
{
	char **list = NULL;
	size_t count = 0, i;
	const char *p, *end;
	attune_metrics_status st = ATTUNE_METRICS_OK;

	if (!out || !n)
		return ATTUNE_METRICS_E_INVALID;
	*out = NULL;
	*n = 0;
	list = calloc(ATTUNE_METRICS_MAX_TEAMS + 1, sizeof(*list));
	if (!list)
		return ATTUNE_METRICS_E_NOMEM;
	for (p = csv ? csv : ""; *p; p = *end ? end + 1 : end) {
		size_t len;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0)
			continue;
		if (!team_name_valid(p, len)) {
			st = ATTUNE_METRICS_E_INVALID;
			goto out_free_list;
		}
		for (i = 0; i < count; i++)
			if (strlen(list[i]) == len && memcmp(list[i], p, len) == 0)
				break;
		if (i < count) {
			st = ATTUNE_METRICS_E_INVALID; /* duplicate */
			goto out_free_list;
		}
		if (count == ATTUNE_METRICS_MAX_TEAMS) {
			st = ATTUNE_METRICS_E_TOO_LARGE;
			goto out_free_list;
		}
		list[count] = malloc(len + 1);
		if (!list[count]) {
			st = ATTUNE_METRICS_E_NOMEM;
			goto out_free_list;
		}
		memcpy(list[count], p, len);
		list[count][len] = '\0';
		count++;
	}
	*out = list;
	*n = count;
	return ATTUNE_METRICS_OK;

out_free_list:
	attune_metrics_teams_free(list);
	return st;
}

static size_t team_index(const attune_metrics *m, const char *team, size_t len)
{
	size_t i;

	if (!team || len == 0)
		return m->n_teams + 1; /* "none" */
	for (i = 0; i < m->n_teams; i++)
		if (strlen(m->teams[i]) == len && memcmp(m->teams[i], team, len) == 0)
			return i;
	return m->n_teams; /* "other" */
}

const char *attune_metrics_team_label(const attune_metrics *m, const char *team, size_t len)
{
	if (!m)
		return "other";
	return m->team_values[team_index(m, team, len)];
}

/* ---------------------------------------------------------------- create */

static void fam_set(attune_mx_family *f, const char *name, const char *help, attune_mx_type type)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->help = help;
	f->type = type;
}

static void fam_dim(attune_mx_family *f, const char *label, const char *const *values, size_t n)
{
	f->dims[f->ndims].label = label;
	f->dims[f->ndims].values = values;
	f->dims[f->ndims].n = n;
	f->ndims++;
}

static void define_families(attune_metrics *m)
{
	attune_mx_family *f = m->fam;

	fam_set(&f[ATTUNE_FAM_RPC_REQUESTS], "attune_rpc_requests_total",
	        "Finished RPCs by method and gRPC status code.", ATTUNE_MX_COUNTER);
	fam_dim(&f[ATTUNE_FAM_RPC_REQUESTS], "rpc", rpc_names, ATTUNE_METRICS_RPC_COUNT);
	fam_dim(&f[ATTUNE_FAM_RPC_REQUESTS], "code", attune_grpc_code_names,
	        ATTUNE_GRPC_CODE_COUNT);

	fam_set(&f[ATTUNE_FAM_RPC_DURATION], "attune_rpc_duration_seconds",
	        "Time from receiving an RPC to sending its status, by method.",
	        ATTUNE_MX_HISTOGRAM);
	fam_dim(&f[ATTUNE_FAM_RPC_DURATION], "rpc", rpc_names, ATTUNE_METRICS_RPC_COUNT);
	f[ATTUNE_FAM_RPC_DURATION].buckets = &duration_buckets;

	fam_set(&f[ATTUNE_FAM_RPC_IN_FLIGHT], "attune_rpc_in_flight",
	        "RPCs accepted and not yet finished (open streams included), by method.",
	        ATTUNE_MX_GAUGE);
	fam_dim(&f[ATTUNE_FAM_RPC_IN_FLIGHT], "rpc", rpc_names, ATTUNE_METRICS_RPC_COUNT);

	fam_set(&f[ATTUNE_FAM_DRAFTS_SCORED], "attune_drafts_scored_total",
	        "Drafts scored, by channel and team (allow-listed teams; other; none).",
	        ATTUNE_MX_COUNTER);
	fam_dim(&f[ATTUNE_FAM_DRAFTS_SCORED], "channel", channel_names, MX_N_CHANNELS);
	fam_dim(&f[ATTUNE_FAM_DRAFTS_SCORED], "team", m->team_values, m->n_teams + 2);

	fam_set(&f[ATTUNE_FAM_DRAFT_SCORE], "attune_draft_score",
	        "Empathy score (0..100) of scored drafts, by channel.", ATTUNE_MX_HISTOGRAM);
	fam_dim(&f[ATTUNE_FAM_DRAFT_SCORE], "channel", channel_names, MX_N_CHANNELS);
	f[ATTUNE_FAM_DRAFT_SCORE].buckets = &score_buckets;

	fam_set(&f[ATTUNE_FAM_FINDINGS], "attune_findings_total",
	        "Findings in scored drafts, by finding kind.", ATTUNE_MX_COUNTER);
	fam_dim(&f[ATTUNE_FAM_FINDINGS], "kind", kind_names, MX_N_KINDS);

	fam_set(&f[ATTUNE_FAM_SUGGESTIONS_OFFERED], "attune_suggestions_offered_total",
	        "Suggestions returned by ScoreDraft.", ATTUNE_MX_COUNTER);
	fam_set(&f[ATTUNE_FAM_SUGGESTIONS_USED], "attune_suggestions_used_total",
	        "Recorded outcomes that used a suggestion, verbatim or edited.", ATTUNE_MX_COUNTER);
	fam_set(&f[ATTUNE_FAM_SUGGESTIONS_VERBATIM], "attune_suggestions_used_verbatim_total",
	        "Recorded outcomes that copied a suggestion verbatim (watch for over-reliance).",
	        ATTUNE_MX_COUNTER);

	fam_set(&f[ATTUNE_FAM_OUTCOMES], "attune_outcomes_total",
	        "Recorded outcomes (what the human did with a scored draft), by action.",
	        ATTUNE_MX_COUNTER);
	fam_dim(&f[ATTUNE_FAM_OUTCOMES], "action", action_names, MX_N_ACTIONS);

	fam_set(&f[ATTUNE_FAM_OUTCOME_SCORE_CHANGE], "attune_outcome_score_change",
	        "Score of the text finally sent minus the draft's score, where both are known.",
	        ATTUNE_MX_HISTOGRAM);
	f[ATTUNE_FAM_OUTCOME_SCORE_CHANGE].buckets = &change_buckets;

	fam_set(&f[ATTUNE_FAM_RISK_FLAGS], "attune_risk_flags_total",
	        "Scored drafts whose seeker message was flagged for risk, by risk level.",
	        ATTUNE_MX_COUNTER);
	fam_dim(&f[ATTUNE_FAM_RISK_FLAGS], "level", risk_names, MX_N_RISK);

	fam_set(&f[ATTUNE_FAM_AUTH_FAILURES], "attune_auth_failures_total",
	        "Calls refused by authentication or authorization, by reason.", ATTUNE_MX_COUNTER);
	fam_dim(&f[ATTUNE_FAM_AUTH_FAILURES], "reason", auth_names, ATTUNE_METRICS_AUTH_COUNT);

	fam_set(&f[ATTUNE_FAM_RATE_LIMITED], "attune_rate_limited_total",
	        "Calls refused with RESOURCE_EXHAUSTED by the per-principal rate limit.",
	        ATTUNE_MX_COUNTER);

	fam_set(&f[ATTUNE_FAM_REJECTED], "attune_requests_rejected_total",
	        "Requests rejected as invalid or over limits, by reason.", ATTUNE_MX_COUNTER);
	fam_dim(&f[ATTUNE_FAM_REJECTED], "reason", reject_names, ATTUNE_METRICS_REJECT_COUNT);

	fam_set(&f[ATTUNE_FAM_EVENTLOG_FAILED], "attune_eventlog_failed",
	        "1 while the event log refuses events after a write/fsync failure and retries "
	        "(RecordOutcome answers UNAVAILABLE), else 0.",
	        ATTUNE_MX_GAUGE);
	fam_set(&f[ATTUNE_FAM_EVENTLOG_FAILURES], "attune_eventlog_failures_total",
	        "Times the event log started refusing events, by the step that failed.",
	        ATTUNE_MX_COUNTER);
	fam_dim(&f[ATTUNE_FAM_EVENTLOG_FAILURES], "step", eventlog_step_names,
	        ATTUNE_METRICS_EVENTLOG_STEP_COUNT);
	fam_set(&f[ATTUNE_FAM_EVENTLOG_RECOVERIES], "attune_eventlog_recoveries_total",
	        "Times the event log took events again after a failure, without a restart.",
	        ATTUNE_MX_COUNTER);
}

/* Fills nseries/cells_per_series/offset; returns cells per shard. */
static size_t layout_families(attune_metrics *m)
{
	size_t i, d, off = 0;

	for (i = 0; i < ATTUNE_FAM_COUNT; i++) {
		attune_mx_family *f = &m->fam[i];
		f->nseries = 1;
		for (d = 0; d < f->ndims; d++)
			f->nseries *= f->dims[d].n;
		f->cells_per_series = f->type == ATTUNE_MX_HISTOGRAM ? f->buckets->n + 2 : 1;
		f->offset = off;
		off += f->nseries * f->cells_per_series;
	}
	return off;
}

static char *dup_or_unknown(const char *s)
{
	const char *src = s && *s ? s : "unknown";
	size_t n = strlen(src);
	char *p = malloc(n + 1);

	if (p)
		memcpy(p, src, n + 1);
	return p;
}

attune_metrics_status attune_metrics_create(const attune_metrics_config *cfg, attune_metrics **out)
{
	attune_metrics *m;
	attune_metrics_status st = ATTUNE_METRICS_E_NOMEM;
	size_t i, j, ncells, bytes;

	if (!out)
		return ATTUNE_METRICS_E_INVALID;
	*out = NULL;
	if (!cfg || (cfg->n_teams && !cfg->teams))
		return ATTUNE_METRICS_E_INVALID;
	if (cfg->n_teams > ATTUNE_METRICS_MAX_TEAMS)
		return ATTUNE_METRICS_E_TOO_LARGE;
	for (i = 0; i < cfg->n_teams; i++) {
		if (!cfg->teams[i] || !team_name_valid(cfg->teams[i], strlen(cfg->teams[i])))
			return ATTUNE_METRICS_E_INVALID;
		for (j = 0; j < i; j++)
			if (strcmp(cfg->teams[i], cfg->teams[j]) == 0)
				return ATTUNE_METRICS_E_INVALID;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		return ATTUNE_METRICS_E_NOMEM;
	m->teams = calloc(cfg->n_teams + 1, sizeof(*m->teams));
	m->team_values = calloc(cfg->n_teams + 2, sizeof(*m->team_values));
	m->version = dup_or_unknown(cfg->version);
	m->scorer_version = dup_or_unknown(cfg->scorer_version);
	if (!m->teams || !m->team_values || !m->version || !m->scorer_version)
		goto out_destroy;
	for (i = 0; i < cfg->n_teams; i++) {
		m->teams[i] = dup_or_unknown(cfg->teams[i]);
		if (!m->teams[i])
			goto out_destroy;
		m->n_teams++;
		m->team_values[i] = m->teams[i];
	}
	m->team_values[m->n_teams] = "other";
	m->team_values[m->n_teams + 1] = "none";

	define_families(m);
	ncells = layout_families(m);
	m->stride = (ncells + 7) & ~(size_t)7;
	bytes = ATTUNE_MX_SHARDS * m->stride * sizeof(*m->cells);
	m->cells = aligned_alloc(64, bytes);
	if (!m->cells)
		goto out_destroy;
	for (i = 0; i < ATTUNE_MX_SHARDS * m->stride; i++)
		atomic_init(&m->cells[i], 0);
	*out = m;
	return ATTUNE_METRICS_OK;

out_destroy:
	attune_metrics_destroy(m);
	return st;
}

void attune_metrics_destroy(attune_metrics *m)
{
	if (!m)
		return;
	free((void *)m->cells);
	attune_metrics_teams_free(m->teams);
	free(m->team_values);
	free(m->version);
	free(m->scorer_version);
	free(m);
}

/* ------------------------------------------------------------- hot path */

/* Picks this thread's shard from its id (no thread-local state needed). */
static size_t shard_base(const attune_metrics *m)
{
	uint64_t h = (uint64_t)(uintptr_t)pthread_self();

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)(h & (ATTUNE_MX_SHARDS - 1)) * m->stride;
}

static void cell_add(attune_metrics *m, size_t base, size_t cell, uint64_t v)
{
	atomic_fetch_add_explicit(&m->cells[base + cell], v, memory_order_relaxed);
}

static size_t series_cell(const attune_mx_family *f, size_t i0, size_t i1)
{
	size_t series = f->ndims == 2 ? i0 * f->dims[1].n + i1 : i0;
	return f->offset + series * f->cells_per_series;
}

static void hist_observe(attune_metrics *m, size_t base, const attune_mx_family *f, size_t first,
                         int64_t v)
{
	const attune_mx_buckets *b = f->buckets;
	size_t i = 0;

	while (i < b->n && v > b->bounds[i])
		i++;
	cell_add(m, base, first + i, 1);
	cell_add(m, base, first + b->n + 1, (uint64_t)v); /* two's complement sum */
}

uint64_t attune_mx_cell_sum(const attune_metrics *m, size_t cell)
{
	uint64_t s = 0;
	size_t k;

	for (k = 0; k < ATTUNE_MX_SHARDS; k++)
		s += atomic_load_explicit(&m->cells[k * m->stride + cell], memory_order_relaxed);
	return s;
}

void attune_metrics_observe_rpc(attune_metrics *m, attune_metrics_rpc rpc, int grpc_code,
                                uint64_t duration_ns)
{
	size_t base;

	if (!m)
		return;
	if ((unsigned)rpc >= ATTUNE_METRICS_RPC_COUNT)
		rpc = ATTUNE_METRICS_RPC_UNKNOWN;
	if (grpc_code < 0 || grpc_code >= ATTUNE_GRPC_CODE_COUNT)
		grpc_code = 2; /* UNKNOWN */
	if (duration_ns > (uint64_t)INT64_MAX)
		duration_ns = (uint64_t)INT64_MAX;
	base = shard_base(m);
	cell_add(m, base, series_cell(&m->fam[ATTUNE_FAM_RPC_REQUESTS], rpc, (size_t)grpc_code), 1);
	hist_observe(m, base, &m->fam[ATTUNE_FAM_RPC_DURATION],
	             series_cell(&m->fam[ATTUNE_FAM_RPC_DURATION], rpc, 0), (int64_t)duration_ns);
}

static void in_flight_add(attune_metrics *m, attune_metrics_rpc rpc, uint64_t delta)
{
	if (!m)
		return;
	if ((unsigned)rpc >= ATTUNE_METRICS_RPC_COUNT)
		rpc = ATTUNE_METRICS_RPC_UNKNOWN;
	cell_add(m, shard_base(m), series_cell(&m->fam[ATTUNE_FAM_RPC_IN_FLIGHT], rpc, 0), delta);
}

void attune_metrics_rpc_begin(attune_metrics *m, attune_metrics_rpc rpc)
{
	in_flight_add(m, rpc, 1);
}

void attune_metrics_rpc_end(attune_metrics *m, attune_metrics_rpc rpc)
{
	in_flight_add(m, rpc, (uint64_t)-1);
}

static size_t channel_index(attune_channel ch)
{
	switch (ch) {
	case ATTUNE_CHANNEL_VOICE_NOTES:
		return 0;
	case ATTUNE_CHANNEL_SMS:
		return 2;
	case ATTUNE_CHANNEL_PATIENT_PORTAL:
		return 3;
	case ATTUNE_CHANNEL_CHAT:
	case ATTUNE_CHANNEL_UNSPECIFIED:
	default:
		return 1;
	}
}

static int kind_index(attune_finding_kind k, size_t *out)
{
	size_t i;

	for (i = 0; i < MX_N_KINDS; i++) {
		if (kind_values[i] == k) {
			*out = i;
			return 1;
		}
	}
	return 0;
}

void attune_metrics_observe_draft(attune_metrics *m, attune_channel channel, const char *team,
                                  size_t team_len, const attune_score_result *r)
{
	size_t base, ch, i, k;
	unsigned score;

	if (!m || !r)
		return;
	base = shard_base(m);
	ch = channel_index(channel);
	cell_add(m, base,
	         series_cell(&m->fam[ATTUNE_FAM_DRAFTS_SCORED], ch, team_index(m, team, team_len)),
	         1);
	score = r->score > 100 ? 100 : r->score;
	hist_observe(m, base, &m->fam[ATTUNE_FAM_DRAFT_SCORE],
	             series_cell(&m->fam[ATTUNE_FAM_DRAFT_SCORE], ch, 0), (int64_t)score);
	for (i = 0; i < r->n_findings; i++)
		if (kind_index(r->findings[i].kind, &k))
			cell_add(m, base, series_cell(&m->fam[ATTUNE_FAM_FINDINGS], k, 0), 1);
	if (r->n_suggestions)
		cell_add(m, base, m->fam[ATTUNE_FAM_SUGGESTIONS_OFFERED].offset,
		         (uint64_t)r->n_suggestions);
	if (r->risk.level >= ATTUNE_RISK_LOW && r->risk.level <= ATTUNE_RISK_HIGH)
		cell_add(m, base,
		         series_cell(&m->fam[ATTUNE_FAM_RISK_FLAGS], (size_t)r->risk.level - 1, 0),
		         1);
}

void attune_metrics_observe_outcome(attune_metrics *m, attune_metrics_outcome action,
                                    int has_change, int score_change)
{
	size_t base;

	if (!m || action < ATTUNE_METRICS_OUTCOME_SENT_AS_DRAFTED ||
	    action > ATTUNE_METRICS_OUTCOME_DISCARDED)
		return;
	base = shard_base(m);
	cell_add(m, base, series_cell(&m->fam[ATTUNE_FAM_OUTCOMES], (size_t)action - 1, 0), 1);
	if (action == ATTUNE_METRICS_OUTCOME_USED_SUGGESTION_VERBATIM ||
	    action == ATTUNE_METRICS_OUTCOME_USED_SUGGESTION_EDITED)
		cell_add(m, base, m->fam[ATTUNE_FAM_SUGGESTIONS_USED].offset, 1);
	if (action == ATTUNE_METRICS_OUTCOME_USED_SUGGESTION_VERBATIM)
		cell_add(m, base, m->fam[ATTUNE_FAM_SUGGESTIONS_VERBATIM].offset, 1);
	if (has_change) {
		if (score_change < -100)
			score_change = -100;
		if (score_change > 100)
			score_change = 100;
		hist_observe(m, base, &m->fam[ATTUNE_FAM_OUTCOME_SCORE_CHANGE],
		             m->fam[ATTUNE_FAM_OUTCOME_SCORE_CHANGE].offset, score_change);
	}
}

void attune_metrics_auth_failure(attune_metrics *m, attune_metrics_auth_reason reason)
{
	if (!m || (unsigned)reason >= ATTUNE_METRICS_AUTH_COUNT)
		return;
	cell_add(m, shard_base(m), series_cell(&m->fam[ATTUNE_FAM_AUTH_FAILURES], reason, 0), 1);
}

void attune_metrics_rate_limited(attune_metrics *m)
{
	if (!m)
		return;
	cell_add(m, shard_base(m), m->fam[ATTUNE_FAM_RATE_LIMITED].offset, 1);
}

void attune_metrics_request_rejected(attune_metrics *m, attune_metrics_reject_reason reason)
{
	if (!m || (unsigned)reason >= ATTUNE_METRICS_REJECT_COUNT)
		return;
	cell_add(m, shard_base(m), series_cell(&m->fam[ATTUNE_FAM_REJECTED], reason, 0), 1);
}

void attune_metrics_eventlog_failed(attune_metrics *m, attune_metrics_eventlog_step step)
{
	size_t base;

	if (!m)
		return;
	if ((unsigned)step >= ATTUNE_METRICS_EVENTLOG_STEP_COUNT)
		step = ATTUNE_METRICS_EVENTLOG_WRITE;
	base = shard_base(m);
	cell_add(m, base, m->fam[ATTUNE_FAM_EVENTLOG_FAILED].offset, 1);
	cell_add(m, base, series_cell(&m->fam[ATTUNE_FAM_EVENTLOG_FAILURES], step, 0), 1);
}

void attune_metrics_eventlog_recovered(attune_metrics *m)
{
	size_t base;

	if (!m)
		return;
	base = shard_base(m);
	cell_add(m, base, m->fam[ATTUNE_FAM_EVENTLOG_FAILED].offset, (uint64_t)-1);
	cell_add(m, base, m->fam[ATTUNE_FAM_EVENTLOG_RECOVERIES].offset, 1);
}
