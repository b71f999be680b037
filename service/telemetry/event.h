/*
 * event.h - one event of the durable log as plain numbers and pseudonyms,
 * and its JSON Lines form. An event has no field that could hold message
 * text: ids are hex pseudonyms, the team is an API-validated label, the
 * rest are numbers and enum names.
 *
 * Line format (keys always in this order; absent parts omitted):
 *   {"ts":<unix ms>,"type":"draft_scored|outcome_recorded|risk_flagged",
 *    "id":"<event id>","score_id":"..","conversation":"<pseudonym>",
 *    "responder":"<pseudonym>","team":"..","channel":"chat",
 *    -- draft_scored / risk_flagged --
 *    "score":N,"levels":{"acknowledge":0-2,"reflect":0-2,"explore":0-2},
 *    "findings":{"<kind>":count,..},"risk":{"level":"none..high",
 *    "categories":["suicide",..]},"suggestions_offered":N,
 *    -- outcome_recorded --
 *    "action":"sent_as_drafted|sent_edited|used_suggestion_verbatim|
 *    used_suggestion_edited|discarded","suggestion_index":N,
 *    "final_score":N,"score_change":N,
 *    -- all --
 *    "latency_us":N}
 */
#ifndef ATTUNE_EVENT_H
#define ATTUNE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "attune/scorer.h"
#include "ev_status.h"
#include "pseudonym.h"

typedef enum attune_event_type {
	ATTUNE_EVENT_DRAFT_SCORED = 1,
	ATTUNE_EVENT_OUTCOME_RECORDED = 2,
	ATTUNE_EVENT_RISK_FLAGGED = 3
} attune_event_type;

/* Numbers match attune.v1.OutcomeAction. */
typedef enum attune_outcome_action {
	ATTUNE_OUTCOME_UNSPECIFIED = 0,
	ATTUNE_OUTCOME_SENT_AS_DRAFTED = 1,
	ATTUNE_OUTCOME_SENT_EDITED = 2,
	ATTUNE_OUTCOME_USED_SUGGESTION_VERBATIM = 3,
	ATTUNE_OUTCOME_USED_SUGGESTION_EDITED = 4,
	ATTUNE_OUTCOME_DISCARDED = 5
} attune_outcome_action;
#define ATTUNE_OUTCOME_MAX 6

/* "sent_as_drafted", ...; "unspecified" for anything else. */
const char *attune_outcome_action_name(attune_outcome_action a);

#define ATTUNE_EVENT_ID_MAX       40 /* bytes of an event id */
#define ATTUNE_EVENT_SCORE_ID_MAX 64 /* as the API's score_id limit */
#define ATTUNE_EVENT_TEAM_MAX     64 /* as the API's team limit */

typedef struct attune_event {
	attune_event_type type;
	int64_t ts_ms;
	char id[ATTUNE_EVENT_ID_MAX + 1];
	char score_id[ATTUNE_EVENT_SCORE_ID_MAX + 1];
	char conversation[ATTUNE_PSEUDONYM_HEX_LEN + 1]; /* pseudonym or "" */
	char responder[ATTUNE_PSEUDONYM_HEX_LEN + 1];    /* pseudonym or "" */
	char team[ATTUNE_EVENT_TEAM_MAX + 1];
	attune_channel channel;
	uint64_t latency_us;
	/* draft_scored / risk_flagged */
	unsigned score;
	unsigned acknowledge, reflect, explore;     /* 0..2 */
	uint32_t findings[ATTUNE_FINDING_KIND_MAX]; /* count per kind */
	attune_risk_level risk_level;
	uint32_t risk_categories; /* bit (1u << category) */
	unsigned suggestions_offered;
	/* outcome_recorded */
	attune_outcome_action action;
	unsigned suggestion_index;
	int has_final_score;
	unsigned final_score;
	int has_score_change;
	int score_change;
} attune_event;

/* Worst-case line length of attune_event_format (documented bound). */
#define ATTUNE_EVENT_LINE_MAX 2048

/* Formats ev as one JSON line (no newline) into buf (cap >= 1), NUL-
 * terminated. Returns the length, or 0 if buf is too small (never a partial
 * line). Team bytes outside [A-Za-z0-9._-] are written as '_'. */
size_t attune_event_format(const attune_event *ev, char *buf, size_t cap);

/* Parses one line written by attune_event_format into *ev (zeroed first).
 * Unknown keys are ignored; a line that is not a JSON object with a known
 * type, ts and id gives ATTUNE_EV_E_PARSE. */
attune_ev_status attune_event_parse(const char *line, size_t len, attune_event *ev);

#endif
