/*
 * fuzz_decode.c - libFuzzer target: raw protobuf bytes into every request
 * decoder of attune_wire (ScoreDraft, CoachDraft, RecordOutcome,
 * GetTeamStats, WatchMetrics, Health). No crash, no leak, and every request
 * that is accepted satisfies the documented limits of attune.proto, checked
 * here independently (own UTF-8 validator); an accepted ScoreDraft request
 * also survives an encode/decode round trip unchanged, and ScoreDraft's
 * plain fast path decodes exactly as its protobuf-c path does.
 */
#include "attune/scorer.h"
#include "attune_wire.h"
#include "attune_wire_events.h"
#include "wire_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strict UTF-8 without NUL: no overlongs, no surrogates, <= U+10FFFF. */
static int text_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	if (len && !s)
		return 0;
	while (i < len) {
		unsigned c = p[i], n, min;
		uint32_t cp;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			n = 1, cp = c & 0x1F, min = 0x80;
		else if ((c & 0xF0) == 0xE0)
			n = 2, cp = c & 0x0F, min = 0x800;
		else if ((c & 0xF8) == 0xF0)
			n = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (len - i <= n)
			return 0;
		for (unsigned k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* A NUL-terminated field: valid text of at most max bytes. */
static void check_str(const char *s, size_t max)
{
	if (!s)
		abort();
	size_t len = strlen(s);
	if (len > max || !text_ok(s, len))
		abort();
}

static void check_team(const char *team)
{
	check_str(team, ATTUNE_WIRE_MAX_TEAM_BYTES);
	for (const char *p = team; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			abort();
}

static void check_text(attune_text t, size_t max, int required)
{
	if (t.len > max || (required && t.len == 0) || !text_ok(t.ptr, t.len))
		abort();
}

/* draft_required: 0 for a CoachDraft context (its draft may be empty). */
static void check_score_params(const attune_wire_score_params *p, int draft_required)
{
	check_text(p->seeker, ATTUNE_MAX_SEEKER_BYTES, 0);
	check_text(p->draft, ATTUNE_MAX_DRAFT_BYTES, draft_required);
	if (p->n_prior_turns > ATTUNE_MAX_PRIOR_TURNS || (p->n_prior_turns && !p->prior_turns))
		abort();
	for (size_t i = 0; i < p->n_prior_turns; i++)
		check_text(p->prior_turns[i], ATTUNE_MAX_PRIOR_TURN_BYTES, 0);
	check_str(p->conversation_id, ATTUNE_WIRE_MAX_ID_BYTES);
	check_str(p->responder_id, ATTUNE_WIRE_MAX_ID_BYTES);
	check_team(p->team);
	check_str(p->locale, ATTUNE_WIRE_MAX_LOCALE_BYTES);
	if ((unsigned)p->channel >= ATTUNE_CHANNEL_MAX ||
	    p->max_suggestions > ATTUNE_MAX_SUGGESTIONS)
		abort();
}

static void check_score_request(const attune_wire_score_request *r)
{
	check_score_params(&r->params, 1);
	const attune_score_input *in = &r->input;
	if (in->draft.len != r->params.draft.len || in->seeker.len != r->params.seeker.len ||
	    in->n_prior_turns != r->params.n_prior_turns ||
	    in->max_suggestions > ATTUNE_MAX_SUGGESTIONS ||
	    (r->params.suggestions_disabled && in->max_suggestions != 0) || !in->locale ||
	    !*in->locale)
		abort();
}

static int same_text(attune_text a, attune_text b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Re-encodes an accepted request and decodes it again: same fields. */
static void round_trip(const attune_wire_score_request *r, const attune_scorer *scorer)
{
	attune_wire_buf buf = {0};
	attune_wire_score_request *again = NULL;
	if (attune_wire_encode_score_request(&r->params, &buf, NULL) != ATTUNE_WIRE_OK)
		abort();
	if (attune_wire_decode_score_request(buf.data, buf.len, scorer, &again, NULL) !=
	    ATTUNE_WIRE_OK)
		abort();
	if (!attune_wire__same_score_request(r, again))
		abort();
	attune_wire_score_request_free(again);
	attune_wire_buf_free(&buf);
}

/* The protobuf-c path alone gives the public decoder's status, error and
 * request (the public one takes the plain fast path when it can). */
static void check_like_unpacked(const uint8_t *data, size_t size, const attune_scorer *sc,
                                attune_wire_status st, const attune_wire_score_request *r,
                                const attune_wire_error *err)
{
	attune_wire_score_request *u = NULL;
	attune_wire_error uerr;
	memset(&uerr, 0, sizeof(uerr));
	if (attune_wire__decode_score_unpacked(data, size, sc, &u, &uerr) != st)
		abort();
	if (st != ATTUNE_WIRE_OK &&
	    (uerr.reason != err->reason || strcmp(uerr.message, err->message) != 0))
		abort();
	if (st == ATTUNE_WIRE_OK && !attune_wire__same_score_request(r, u))
		abort();
	attune_wire_score_request_free(u);
}

/* A failed decode leaves no output and a NUL-terminated reason. */
static void check_error(attune_wire_status st, const void *out, const attune_wire_error *err)
{
	if (st == ATTUNE_WIRE_OK)
		return;
	if (out || memchr(err->message, 0, sizeof(err->message)) == NULL)
		abort();
	if (st != ATTUNE_WIRE_E_MALFORMED && st != ATTUNE_WIRE_E_INVALID &&
	    st != ATTUNE_WIRE_E_NOMEM)
		abort();
}

static const attune_scorer *scorer(void)
{
	static attune_scorer *s; /* fuzz harness only: built once per process */
	if (!s && attune_scorer_create(&s) != ATTUNE_OK)
		abort();
	return s;
}

static void fuzz_score(const uint8_t *data, size_t size)
{
	attune_wire_score_request *r = NULL;
	attune_wire_error err;
	memset(&err, 0, sizeof(err));
	attune_wire_status st = attune_wire_decode_score_request(data, size, scorer(), &r, &err);
	check_error(st, r, &err);
	check_like_unpacked(data, size, scorer(), st, r, &err);
	if (st == ATTUNE_WIRE_OK) {
		check_score_request(r);
		round_trip(r, scorer());
		attune_wire_score_request_free(r);
	}
}

static void fuzz_coach(const uint8_t *data, size_t size)
{
	attune_wire_coach_request *r = NULL;
	attune_wire_error err;
	attune_wire_status st = attune_wire_decode_coach_request(data, size, scorer(), &r, &err);
	check_error(st, r, &err);
	if (st != ATTUNE_WIRE_OK)
		return;
	check_text(r->draft, ATTUNE_MAX_DRAFT_BYTES, 0);
	if (!r->has_context != !r->context)
		abort();
	if (r->context) {
		check_score_params(&r->context->params, 0);
		if (!same_text(r->context->params.draft, r->draft))
			abort();
	}
	attune_wire_coach_request_free(r);
}

static void fuzz_outcome(const uint8_t *data, size_t size)
{
	attune_wire_outcome_request *r = NULL;
	attune_wire_error err;
	attune_wire_status st = attune_wire_decode_outcome_request(data, size, scorer(), &r, &err);
	check_error(st, r, &err);
	if (st != ATTUNE_WIRE_OK)
		return;
	check_str(r->score_id, ATTUNE_WIRE_MAX_SCORE_ID_BYTES);
	if (!*r->score_id || r->action < 1 || r->action > 5)
		abort();
	check_text(r->final_text, ATTUNE_MAX_DRAFT_BYTES, 0);
	check_text(r->seeker, ATTUNE_MAX_SEEKER_BYTES, 0);
	check_str(r->conversation_id, ATTUNE_WIRE_MAX_ID_BYTES);
	check_str(r->responder_id, ATTUNE_WIRE_MAX_ID_BYTES);
	check_team(r->team);
	check_str(r->locale, ATTUNE_WIRE_MAX_LOCALE_BYTES);
	if (!*r->locale || (unsigned)r->channel >= ATTUNE_CHANNEL_MAX)
		abort();
	attune_wire_outcome_request_free(r);
}

static void fuzz_supervision(const uint8_t *data, size_t size)
{
	char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1], responder[ATTUNE_WIRE_MAX_ID_BYTES + 1];
	unsigned window = 99, interval = 0;
	attune_wire_error err;
	attune_wire_status st;

	memset(team, 'x', sizeof(team)); /* unterminated garbage unless written */
	st = attune_wire_decode_stats_request(data, size, team, &window, responder, &err);
	check_error(st, NULL, &err);
	if (st == ATTUNE_WIRE_OK) {
		check_team(team);
		check_str(responder, ATTUNE_WIRE_MAX_ID_BYTES);
		if (window > ATTUNE_WIRE_WINDOW_MAX)
			abort();
	}
	window = 99;
	st = attune_wire_decode_watch_request(data, size, team, &window, &interval, &err);
	check_error(st, NULL, &err);
	if (st == ATTUNE_WIRE_OK) {
		check_team(team);
		if (window > ATTUNE_WIRE_WINDOW_MAX || interval < 1 ||
		    interval > ATTUNE_WIRE_WATCH_MAX_INTERVAL)
			abort();
	}
}

static void fuzz_health(const uint8_t *data, size_t size)
{
	char service[ATTUNE_WIRE_MAX_SERVICE_BYTES + 1];
	attune_wire_error err;
	attune_wire_status st =
	    attune_wire_decode_health_request(data, size, service, sizeof(service), &err);
	check_error(st, NULL, &err);
	if (st == ATTUNE_WIRE_OK)
		check_str(service, ATTUNE_WIRE_MAX_SERVICE_BYTES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The same bytes go through every decoder: seeds of one message type
	 * are near-misses for the others. */
	fuzz_score(data, size);
	fuzz_coach(data, size);
	fuzz_outcome(data, size);
	fuzz_supervision(data, size);
	fuzz_health(data, size);
	return 0;
}
