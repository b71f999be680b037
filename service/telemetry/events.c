/*
 * events.c - the events facade (see events.h): builds events from what the
 * handlers know, pseudonymizes ids, writes them to the log and feeds the
 * team stats and score table; replays the log at start.
 */
#define _POSIX_C_SOURCE 200809L
#include "events.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "../log.h"
#include "pseudonym.h"
#include "score_table.h"

struct attune_events {
	attune_pseudonym *pseudonym;
	attune_eventlog *log;
	attune_team_stats *stats;
	attune_score_table *scores;
	char instance[9]; /* random per start: event ids stay unique across restarts */
	_Atomic uint64_t next_id;
};

int64_t attune_events_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An event id is "<instance>-<counter in lowercase hex>" (what
 * "%s-%llx" printed); formatted by hand since it is made for every
 * scored draft. The longest, 8 + 1 + 16 chars, always fits. */
_Static_assert(sizeof(((attune_events *)0)->instance) - 1 + 1 + 16 <= ATTUNE_EVENT_ID_MAX,
               "event ids always fit");

static void events_new_id(attune_events *e, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t n = atomic_fetch_add(&e->next_id, 1) + 1;
	char digits[16];
	size_t nd = 0, len = strlen(e->instance);

	do {
		digits[nd++] = hex[n & 0xf];
		n >>= 4;
	} while (n);
	if (len + 1 + nd + 1 > cap) { /* never with our callers: see the assert */
		out[0] = '\0';
		return;
	}
	memcpy(out, e->instance, len);
	out[len++] = '-';
	while (nd)
		out[len++] = digits[--nd];
	out[len] = '\0';
}

static void events_copy_label(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

typedef struct replay_ctx {
	attune_events *e;
	int64_t cutoff_ms; /* lines older than this cannot matter any more */
	uint64_t bad;
	uint64_t drafts, outcomes, old;
} replay_ctx;

/* The event log's failed/recovered transitions, to the metrics gauges. */
static void events_log_state(void *arg, int failed, attune_eventlog_step step)
{
	attune_metrics *m = arg;

	if (!failed) {
		attune_metrics_eventlog_recovered(m);
		return;
	}
	switch (step) {
	case ATTUNE_EVENTLOG_STEP_FSYNC:
		attune_metrics_eventlog_failed(m, ATTUNE_METRICS_EVENTLOG_FSYNC);
		break;
	case ATTUNE_EVENTLOG_STEP_ROTATE:
		attune_metrics_eventlog_failed(m, ATTUNE_METRICS_EVENTLOG_ROTATE);
		break;
	case ATTUNE_EVENTLOG_STEP_WRITE:
	default:
		attune_metrics_eventlog_failed(m, ATTUNE_METRICS_EVENTLOG_WRITE);
		break;
	}
}

/* Events older than the week window plus a day are skipped without a full
 * JSON parse: our lines start with {"ts":<ms>. */
#define EVENTS_REPLAY_HORIZON_MS (8LL * 24 * 3600 * 1000)

static int events_replay_line(void *ctx, const char *line, size_t len)
{
	replay_ctx *rc = ctx;
	attune_event ev;

	if (len > 7 && memcmp(line, "{\"ts\":", 6) == 0 && line[6] >= '0' && line[6] <= '9') {
		int64_t ts = 0;
		for (size_t i = 6; i < len && i < 26 && line[i] >= '0' && line[i] <= '9'; i++)
			ts = ts * 10 + (line[i] - '0');
		if (ts < rc->cutoff_ms) {
			rc->old++;
			return 0;
		}
	}
	if (attune_event_parse(line, len, &ev) != ATTUNE_EV_OK) {
		rc->bad++;
		return 0;
	}
	attune_team_stats_add(rc->e->stats, &ev);
	if (ev.type == ATTUNE_EVENT_DRAFT_SCORED) {
		rc->drafts++;
		if (ev.score_id[0])
			attune_score_table_put(rc->e->scores, ev.score_id, strlen(ev.score_id),
			                       ev.score, ev.suggestions_offered);
	} else if (ev.type == ATTUNE_EVENT_OUTCOME_RECORDED) {
		rc->outcomes++;
	}
	return 0;
}

static attune_ev_status events_open_memory_only(const attune_events_config *cfg,
                                                attune_events **out)
{
	attune_events *e = calloc(1, sizeof(*e));
	attune_ev_status rc;

	if (!e)
		return ATTUNE_EV_E_NOMEM;
	strcpy(e->instance, "mem");
	if (cfg->key_file)
		rc = attune_pseudonym_open(cfg->key_file, NULL, &e->pseudonym);
	else
		rc = attune_pseudonym_create_ephemeral(&e->pseudonym);
	if (rc == ATTUNE_EV_OK)
		rc = attune_team_stats_create(&e->stats);
	if (rc == ATTUNE_EV_OK)
		rc = attune_score_table_create(cfg->score_table_capacity, &e->scores);
	if (rc != ATTUNE_EV_OK) {
		attune_events_close(e);
		return rc;
	}
	ATTUNE_LOG(ATTUNE_LOG_WARN, "events_memory_only",
	           "reason=no_state_dir effect=no_event_log,outcomes_refused,stats_from_start%s",
	           cfg->key_file ? "" : ",pseudonyms_per_process");
	*out = e;
	return ATTUNE_EV_OK;
}

attune_ev_status attune_events_open(const attune_events_config *cfg, attune_events **out)
{
	char log_path[PATH_MAX];
	attune_eventlog_config lc;
	attune_events *e;
	attune_ev_status rc;
	replay_ctx rctx = {0};
	uint64_t lines = 0, skipped = 0;
	unsigned char rnd[4];
	int64_t t0;

	if (!cfg || !out)
		return ATTUNE_EV_E_INVALID;
	*out = NULL;
	if (!cfg->state_dir && !cfg->event_log_path)
		return events_open_memory_only(cfg, out);
	if (!cfg->state_dir && !cfg->key_file) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "events_config_invalid",
		           "reason=event_log_without_key hint=set_state_dir_or_pseudonym_key_file");
		return ATTUNE_EV_E_INVALID;
	}
	if (cfg->event_log_path) {
		if (strlen(cfg->event_log_path) >= sizeof(log_path))
			return ATTUNE_EV_E_INVALID;
		strcpy(log_path, cfg->event_log_path);
	} else if (snprintf(log_path, sizeof(log_path), "%s/%s", cfg->state_dir,
	                    ATTUNE_EVENTS_LOG_NAME) >= (int)sizeof(log_path)) {
		return ATTUNE_EV_E_INVALID;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return ATTUNE_EV_E_NOMEM;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		rc = ATTUNE_EV_E_IO;
		goto out_fail;
	}
	snprintf(e->instance, sizeof(e->instance), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
	         rnd[3]);
	rc = attune_pseudonym_open(cfg->key_file, cfg->state_dir, &e->pseudonym);
	if (rc != ATTUNE_EV_OK)
		goto out_fail;
	rc = attune_team_stats_create(&e->stats);
	if (rc != ATTUNE_EV_OK)
		goto out_fail;
	rc = attune_score_table_create(cfg->score_table_capacity, &e->scores);
	if (rc != ATTUNE_EV_OK)
		goto out_fail;
	memset(&lc, 0, sizeof(lc));
	lc.path = log_path;
	lc.max_bytes = cfg->max_bytes;
	lc.keep = cfg->keep;
	if (cfg->metrics) {
		lc.on_state = events_log_state;
		lc.state_arg = cfg->metrics;
	}
	/* Open first: it truncates a torn tail, so the replay sees whole lines. */
	rc = attune_eventlog_open(&lc, &e->log);
	if (rc != ATTUNE_EV_OK)
		goto out_fail;
	t0 = attune_events_now_ms();
	rctx.e = e;
	rctx.cutoff_ms = t0 - EVENTS_REPLAY_HORIZON_MS;
	rc = attune_eventlog_replay(log_path, cfg->keep, events_replay_line, &rctx, &lines,
	                            &skipped);
	if (rc != ATTUNE_EV_OK) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "eventlog_replay_failed", "path=%s status=%s",
		           log_path, attune_ev_strerror(rc));
		goto out_fail;
	}
	if (rctx.bad || skipped)
		ATTUNE_LOG(ATTUNE_LOG_WARN, "eventlog_replay_bad_lines",
		           "path=%s unparsable=%llu skipped=%llu", log_path,
		           (unsigned long long)rctx.bad, (unsigned long long)skipped);
	ATTUNE_LOG(
	    ATTUNE_LOG_INFO, "eventlog_replayed",
	    "path=%s lines=%llu older_than_8d=%llu drafts=%llu outcomes=%llu duration_ms=%lld",
	    log_path, (unsigned long long)lines, (unsigned long long)rctx.old,
	    (unsigned long long)rctx.drafts, (unsigned long long)rctx.outcomes,
	    (long long)(attune_events_now_ms() - t0));
	*out = e;
	return ATTUNE_EV_OK;
out_fail:
	attune_events_close(e);
	return rc;
}

void attune_events_close(attune_events *e)
{
	if (!e)
		return;
	attune_eventlog_close(e->log);
	attune_score_table_destroy(e->scores);
	attune_team_stats_destroy(e->stats);
	attune_pseudonym_destroy(e->pseudonym);
	free(e);
}

static void events_fill_base(attune_events *e, attune_event *ev, attune_event_type type,
                             const char *score_id, const char *conv, size_t conv_len,
                             const char *resp, size_t resp_len, const char *team,
                             attune_channel channel, uint64_t latency_us)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts_ms = attune_events_now_ms();
	/* the id, score id and conversation go only into the event file: in
	 * memory-only mode (no file, no outcomes) team stats read the rest and
	 * the score table takes the score id itself, so they stay empty */
	if (e->log) {
		events_new_id(e, ev->id, sizeof(ev->id));
		events_copy_label(ev->score_id, sizeof(ev->score_id), score_id);
		attune_pseudonym_of(e->pseudonym, ATTUNE_PSEUDONYM_CONVERSATION, conv, conv_len,
		                    ev->conversation);
	}
	attune_pseudonym_of(e->pseudonym, ATTUNE_PSEUDONYM_RESPONDER, resp, resp_len,
	                    ev->responder);
	events_copy_label(ev->team, sizeof(ev->team), team);
	ev->channel = channel;
	ev->latency_us = latency_us;
}

static attune_ev_status events_write(attune_events *e, const attune_event *ev, int durable)
{
	char line[ATTUNE_EVENT_LINE_MAX];
	size_t n;

	if (!e->log)
		return ATTUNE_EV_E_NOLOG;
	n = attune_event_format(ev, line, sizeof(line));
	if (n == 0)
		return ATTUNE_EV_E_TOO_LARGE;
	return attune_eventlog_append(e->log, line, n, durable);
}

attune_ev_status attune_events_draft_scored(attune_events *e, const attune_events_draft *d)
{
	const attune_score_result *r;
	attune_event ev;
	attune_ev_status rc;

	if (!e || !d || !d->result)
		return ATTUNE_EV_E_INVALID;
	r = d->result;
	events_fill_base(e, &ev, ATTUNE_EVENT_DRAFT_SCORED, d->score_id, d->conversation_id,
	                 d->conversation_len, d->responder_id, d->responder_len, d->team,
	                 d->channel, d->latency_us);
	ev.score = r->score;
	ev.acknowledge = r->acknowledge;
	ev.reflect = r->reflect;
	ev.explore = r->explore;
	for (size_t i = 0; i < r->n_findings; i++) {
		unsigned k = (unsigned)r->findings[i].kind;
		if (k < ATTUNE_FINDING_KIND_MAX)
			ev.findings[k]++;
	}
	ev.risk_level = r->risk.level;
	ev.risk_categories = r->risk.categories;
	ev.suggestions_offered = (unsigned)r->n_suggestions;
	attune_team_stats_add(e->stats, &ev);
	if (d->score_id && d->score_id[0])
		attune_score_table_put(e->scores, d->score_id, strlen(d->score_id), r->score,
		                       (unsigned)r->n_suggestions);
	if (!e->log)
		return ATTUNE_EV_OK; /* memory-only mode: counted, nothing to write */
	rc = events_write(e, &ev, 0);
	if (rc == ATTUNE_EV_OK && r->risk.level > ATTUNE_RISK_NONE) {
		ev.type = ATTUNE_EVENT_RISK_FLAGGED;
		events_new_id(e, ev.id, sizeof(ev.id));
		rc = events_write(e, &ev, 0);
	}
	return rc;
}

void attune_events_remember_draft(attune_events *e, const char *score_id, unsigned score,
                                  unsigned n_suggestions)
{
	if (e && score_id && score_id[0])
		attune_score_table_put(e->scores, score_id, strlen(score_id), score, n_suggestions);
}

int attune_events_lookup_draft(attune_events *e, const char *score_id, size_t len, unsigned *score,
                               unsigned *n_suggestions)
{
	if (!e)
		return 0;
	return attune_score_table_get(e->scores, score_id, len, score, n_suggestions);
}

static void events_outcome_event(attune_events *e, const attune_events_outcome *o,
                                 attune_event *out)
{
	attune_event ev;
	unsigned draft_score = 0;

	events_fill_base(e, &ev, ATTUNE_EVENT_OUTCOME_RECORDED, o->score_id, o->conversation_id,
	                 o->conversation_len, o->responder_id, o->responder_len, o->team,
	                 o->channel, o->latency_us);
	ev.action = o->action;
	ev.suggestion_index = o->suggestion_index;
	ev.has_final_score = o->has_final_score;
	ev.final_score = o->final_score;
	if (o->has_final_score && attune_score_table_get(e->scores, o->score_id,
	                                                 strlen(o->score_id), &draft_score, NULL)) {
		ev.has_score_change = 1;
		ev.score_change = (int)o->final_score - (int)draft_score;
	}
	*out = ev;
}

attune_ev_status attune_events_record_outcome(attune_events *e, const attune_events_outcome *o,
                                              attune_events_outcome_result *out)
{
	attune_event ev;
	attune_ev_status rc;

	if (!e || !o || !out || !o->score_id)
		return ATTUNE_EV_E_INVALID;
	memset(out, 0, sizeof(*out));
	if (!e->log)
		return ATTUNE_EV_E_NOLOG;
	events_outcome_event(e, o, &ev);
	rc = events_write(e, &ev, 1);
	if (rc != ATTUNE_EV_OK)
		return rc;
	attune_team_stats_add(e->stats, &ev);
	memcpy(out->event_id, ev.id, sizeof(out->event_id));
	out->has_score_change = ev.has_score_change;
	out->score_change = ev.score_change;
	return ATTUNE_EV_OK;
}

typedef struct events_pending {
	attune_events *e;
	attune_event ev;
	attune_events_outcome_fn done;
	void *arg;
} events_pending;

static void events_outcome_durable(void *arg, attune_ev_status st)
{
	events_pending *p = arg;
	attune_events_outcome_result res;

	memset(&res, 0, sizeof(res));
	if (st == ATTUNE_EV_OK) {
		attune_team_stats_add(p->e->stats, &p->ev);
		memcpy(res.event_id, p->ev.id, sizeof(res.event_id));
		res.has_score_change = p->ev.has_score_change;
		res.score_change = p->ev.score_change;
	}
	p->done(p->arg, st, &res);
	free(p);
}

attune_ev_status attune_events_record_outcome_async(attune_events *e,
                                                    const attune_events_outcome *o,
                                                    attune_events_outcome_fn done, void *arg)
{
	char line[ATTUNE_EVENT_LINE_MAX];
	events_pending *p;
	attune_ev_status rc;
	size_t n;

	if (!e || !o || !o->score_id || !done)
		return ATTUNE_EV_E_INVALID;
	if (!e->log)
		return ATTUNE_EV_E_NOLOG;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ATTUNE_EV_E_NOMEM;
	p->e = e;
	p->done = done;
	p->arg = arg;
	events_outcome_event(e, o, &p->ev);
	n = attune_event_format(&p->ev, line, sizeof(line));
	rc = n ? attune_eventlog_append_async(e->log, line, n, events_outcome_durable, p)
	       : ATTUNE_EV_E_TOO_LARGE;
	if (rc != ATTUNE_EV_OK)
		free(p);
	return rc;
}

void attune_events_team_stats(attune_events *e, const char *team, const char *responder_id,
                              size_t responder_len, attune_stats_window window, int64_t now_ms,
                              attune_team_stats_result *out,
                              char responder_pseudonym[ATTUNE_PSEUDONYM_HEX_LEN + 1])
{
	responder_pseudonym[0] = '\0';
	if (e && responder_id && responder_len)
		attune_pseudonym_of(e->pseudonym, ATTUNE_PSEUDONYM_RESPONDER, responder_id,
		                    responder_len, responder_pseudonym);
	attune_team_stats_query(e ? e->stats : NULL, team, responder_pseudonym, window, now_ms,
	                        out);
}

void attune_events_log_stats(attune_events *e, attune_eventlog_stats *out)
{
	attune_eventlog_get_stats(e ? e->log : NULL, out);
}
