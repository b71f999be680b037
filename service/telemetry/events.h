/*
 * events.h - the events facade attuned uses: pseudonym key + durable event
 * log + team statistics + score table behind one handle. ScoreDraft calls
 * attune_events_draft_scored(), RecordOutcome attune_events_record_outcome(),
 * the Supervision RPCs attune_events_team_stats(). Raw ids go in, only
 * pseudonyms are kept; no function takes message text.
 *
 * Files (defaults; each overridable): <state_dir>/events.jsonl (+ .1 .. .N
 * after rotation) and <state_dir>/pseudonym.key.
 *
 * Memory-only mode: with no state_dir and no event_log_path there is no
 * log; pseudonyms use a per-process random key (or key_file if given), team
 * stats count from start-up, and attune_events_record_outcome() answers
 * ATTUNE_EV_E_NOLOG because it cannot promise durability.
 */
#ifndef ATTUNE_EVENTS_H
#define ATTUNE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "attune/scorer.h"
#include "ev_status.h"
#include "event.h"
#include "eventlog.h"
#include "metrics.h"
#include "team_stats.h"

#define ATTUNE_EVENTS_LOG_NAME          "events.jsonl"

typedef struct attune_events_config {
	const char *state_dir;       /* NULL: see memory-only mode; with event_log_path
	                                set, key_file is then required */
	const char *event_log_path;  /* NULL = <state_dir>/events.jsonl */
	const char *key_file;        /* NULL = <state_dir>/pseudonym.key (generated if missing) */
	uint64_t max_bytes;          /* rotation size; 0 = never rotate */
	unsigned keep;               /* rotated files kept */
	size_t score_table_capacity; /* 0 = ATTUNE_SCORE_TABLE_DEFAULT_CAPACITY */
	attune_metrics *metrics;     /* event log failed/recovered gauges; may be NULL;
	                                must outlive attune_events_close() */
} attune_events_config;

typedef struct attune_events attune_events;

/* Loads/creates the key, opens the log (repairing a torn tail), replays all
 * retained files into the team stats and score table, starts the writer.
 * On success *out is owned by the caller (attune_events_close). */
attune_ev_status attune_events_open(const attune_events_config *cfg, attune_events **out);

/* Flushes and fsyncs queued events, stops the writer, frees. Call after the
 * gRPC server has drained (no handler may still use it). NULL is a no-op. */
void attune_events_close(attune_events *e);

/* What ScoreDraft knows about one scored draft. Raw ids are pseudonymized
 * here and not kept. Strings need not be NUL-terminated except score_id
 * and team (NUL-terminated, may be NULL = ""). */
typedef struct attune_events_draft {
	const char *score_id;
	const char *conversation_id;
	size_t conversation_len;
	const char *responder_id;
	size_t responder_len;
	const char *team;
	attune_channel channel;
	const attune_score_result *result; /* required */
	uint64_t latency_us;
} attune_events_draft;

/* Records a draft_scored event (and a risk_flagged one when the risk level
 * is above none), counts it in the team stats and remembers its score for
 * RecordOutcome. Does not wait for the disk (see eventlog.h). Returns
 * ATTUNE_EV_E_UNAVAILABLE while the log is failed (E_CLOSED after close):
 * the event is not written; the stats still count it. */
attune_ev_status attune_events_draft_scored(attune_events *e, const attune_events_draft *d);

/* Only remembers score_id -> (score, suggestions) for later outcomes, with
 * no event and no stats: CoachDraft scores every revision as the
 * responder types, which would flood the log and inflate "drafts scored". */
void attune_events_remember_draft(attune_events *e, const char *score_id, unsigned score,
                                  unsigned n_suggestions);

/* Numbers remembered for a score_id: 1 if known. */
int attune_events_lookup_draft(attune_events *e, const char *score_id, size_t len, unsigned *score,
                               unsigned *n_suggestions);

typedef struct attune_events_outcome {
	const char *score_id; /* NUL-terminated, 1..64 bytes */
	const char *conversation_id;
	size_t conversation_len;
	const char *responder_id;
	size_t responder_len;
	const char *team; /* NUL-terminated or NULL */
	attune_channel channel;
	attune_outcome_action action;
	unsigned suggestion_index;
	int has_final_score;
	unsigned final_score;
	uint64_t latency_us;
} attune_events_outcome;

typedef struct attune_events_outcome_result {
	char event_id[ATTUNE_EVENT_ID_MAX + 1];
	int has_score_change;
	int score_change;
} attune_events_outcome_result;

/* Writes an outcome_recorded event and returns only once it is fsync'ed
 * (group commit). The score change is final_score minus the remembered
 * draft score when both are known. Counted in the team stats only after
 * it is durable. E_UNAVAILABLE (log failed, retrying), E_CLOSED, E_IO:
 * not recorded; E_NOLOG in memory-only mode. */
attune_ev_status attune_events_record_outcome(attune_events *e, const attune_events_outcome *o,
                                              attune_events_outcome_result *out);

/* Called once with the outcome of attune_events_record_outcome_async():
 * st == ATTUNE_EV_OK once the event is fsync'ed (res filled), otherwise
 * ATTUNE_EV_E_IO (not recorded). Runs on the event log's writer thread. */
typedef void (*attune_events_outcome_fn)(void *arg, attune_ev_status st,
                                         const attune_events_outcome_result *res);

/* The same as attune_events_record_outcome() without blocking: returns
 * ATTUNE_EV_OK when queued (done is then called exactly once), or an error
 * (E_NOLOG, E_UNAVAILABLE, E_CLOSED, E_NOMEM; done is not called). */
attune_ev_status attune_events_record_outcome_async(attune_events *e,
                                                    const attune_events_outcome *o,
                                                    attune_events_outcome_fn done, void *arg);

/* Team stats for team ("" = all) and an optional raw responder id
 * (pseudonymized before lookup; the pseudonym is written to
 * responder_pseudonym, "" when none) at now_ms. */
void attune_events_team_stats(attune_events *e, const char *team, const char *responder_id,
                              size_t responder_len, attune_stats_window window, int64_t now_ms,
                              attune_team_stats_result *out,
                              char responder_pseudonym[ATTUNE_PSEUDONYM_HEX_LEN + 1]);

/* Event log counters (events written, fsyncs, rotations). */
void attune_events_log_stats(attune_events *e, attune_eventlog_stats *out);

/* Current wall-clock time in unix ms. */
int64_t attune_events_now_ms(void);

#endif
