/*
 * test_eventlog_format.c - the JSON Lines form of events: every field
 * round-trips through format and parse, only [A-Za-z0-9._-] reaches label
 * values, a too-small buffer gives no partial line, garbage lines are
 * refused, the score table keeps the newest `capacity` entries, and the
 * hand-built line is byte for byte what the printf formats gave, at every
 * buffer size.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "score_table.h"
#include "test_eventlog_check.h"

/* ---- reference: the line as the printf-based formatter wrote it ---- */

typedef struct ref_out {
	char *buf;
	size_t cap, len;
	int overflow;
} ref_out;

static void ref_put(ref_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ref_put(ref_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	o->len += (size_t)n;
}

static void ref_label(ref_out *o, const char *key, const char *s)
{
	char clean[ATTUNE_EVENT_SCORE_ID_MAX + 1];
	size_t i;

	for (i = 0; s[i] && i < sizeof(clean) - 1; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		clean[i] = ok ? c : '_';
	}
	clean[i] = '\0';
	ref_put(o, ",\"%s\":\"%s\"", key, clean);
}

static size_t ref_format(const attune_event *ev, char *buf, size_t cap)
{
	static const char *const types[] = {"", "draft_scored", "outcome_recorded", "risk_flagged"};
	ref_out o = {buf, cap, 0, 0};
	unsigned type = (unsigned)ev->type;

	buf[0] = '\0';
	if (type < 1 || type > 3)
		return 0;
	ref_put(&o, "{\"ts\":%lld,\"type\":\"%s\"", (long long)ev->ts_ms, types[type]);
	ref_label(&o, "id", ev->id);
	if (ev->score_id[0])
		ref_label(&o, "score_id", ev->score_id);
	ref_label(&o, "conversation", ev->conversation);
	ref_label(&o, "responder", ev->responder);
	ref_label(&o, "team", ev->team);
	ref_put(&o, ",\"channel\":\"%s\"", attune_channel_name(ev->channel));
	if (ev->type == ATTUNE_EVENT_DRAFT_SCORED || ev->type == ATTUNE_EVENT_RISK_FLAGGED) {
		int first = 1;
		ref_put(&o,
		        ",\"score\":%u,\"levels\":{\"acknowledge\":%u,\"reflect\":%u,"
		        "\"explore\":%u}",
		        ev->score, ev->acknowledge, ev->reflect, ev->explore);
		ref_put(&o, ",\"findings\":{");
		for (unsigned k = 1; k < ATTUNE_FINDING_KIND_MAX; k++) {
			if (!ev->findings[k])
				continue;
			ref_put(&o, "%s\"%s\":%u", first ? "" : ",",
			        attune_finding_kind_name((attune_finding_kind)k),
			        (unsigned)ev->findings[k]);
			first = 0;
		}
		ref_put(&o, "},\"risk\":{\"level\":\"%s\",\"categories\":[",
		        attune_risk_level_name(ev->risk_level));
		first = 1;
		for (unsigned c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++) {
			if (!(ev->risk_categories & (1u << c)))
				continue;
			ref_put(&o, "%s\"%s\"", first ? "" : ",",
			        attune_risk_category_name((attune_risk_category)c));
			first = 0;
		}
		ref_put(&o, "]},\"suggestions_offered\":%u", ev->suggestions_offered);
	} else {
		ref_put(&o, ",\"action\":\"%s\",\"suggestion_index\":%u",
		        attune_outcome_action_name(ev->action), ev->suggestion_index);
		if (ev->has_final_score)
			ref_put(&o, ",\"final_score\":%u", ev->final_score);
		if (ev->has_score_change)
			ref_put(&o, ",\"score_change\":%d", ev->score_change);
	}
	ref_put(&o, ",\"latency_us\":%llu}", (unsigned long long)ev->latency_us);
	if (o.overflow) {
		buf[0] = '\0';
		return 0;
	}
	return o.len;
}

static uint64_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 11;
}

/* A number that is often at an edge: 0, small, or a type's extremes. */
static uint64_t edge_number(uint64_t *s, uint64_t max)
{
	switch (rng_next(s) % 5) {
	case 0:
		return 0;
	case 1:
		return rng_next(s) % 10;
	case 2:
		return max;
	case 3:
		return max - rng_next(s) % 3;
	default:
		return rng_next(s) % (max < 100000 ? max + 1 : 100000);
	}
}

/* Labels of every length their field holds, from a few typical bytes or
 * (every other label) from any byte 1..255. */
static void random_label(uint64_t *s, char *dst, size_t cap)
{
	static const char chars[] = "abcXYZ019._-\"\\ /{}";
	size_t n = rng_next(s) % cap; /* up to cap - 1: always terminated */
	int any_byte = rng_next(s) % 2;

	for (size_t i = 0; i < n; i++)
		dst[i] = any_byte ? (char)(1 + rng_next(s) % 255)
		                  : chars[rng_next(s) % (sizeof(chars) - 1)];
	dst[n] = '\0';
}

static void random_event(uint64_t *s, attune_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = (attune_event_type)(rng_next(s) % 5); /* 0 and 4: refused */
	switch (rng_next(s) % 4) {
	case 0:
		ev->ts_ms = INT64_MIN;
		break;
	case 1:
		ev->ts_ms = INT64_MAX;
		break;
	case 2:
		ev->ts_ms = -(int64_t)(rng_next(s) % 1000);
		break;
	default:
		ev->ts_ms = (int64_t)(rng_next(s) % 2000000000000ull);
	}
	random_label(s, ev->id, sizeof(ev->id));
	random_label(s, ev->score_id, sizeof(ev->score_id));
	random_label(s, ev->conversation, sizeof(ev->conversation));
	random_label(s, ev->responder, sizeof(ev->responder));
	random_label(s, ev->team, sizeof(ev->team));
	ev->channel = (attune_channel)(rng_next(s) % (ATTUNE_CHANNEL_MAX + 2));
	ev->latency_us = edge_number(s, UINT64_MAX);
	ev->score = (unsigned)edge_number(s, UINT32_MAX);
	ev->acknowledge = (unsigned)edge_number(s, UINT32_MAX);
	ev->reflect = (unsigned)(rng_next(s) % 3);
	ev->explore = (unsigned)(rng_next(s) % 3);
	for (unsigned k = 0; k < ATTUNE_FINDING_KIND_MAX; k++)
		ev->findings[k] = rng_next(s) % 3 ? 0 : (uint32_t)edge_number(s, UINT32_MAX);
	ev->risk_level = (attune_risk_level)(rng_next(s) % 6);
	ev->risk_categories = (uint32_t)rng_next(s);
	ev->suggestions_offered = (unsigned)edge_number(s, UINT32_MAX);
	ev->action = (attune_outcome_action)(rng_next(s) % (ATTUNE_OUTCOME_MAX + 2));
	ev->suggestion_index = (unsigned)edge_number(s, UINT32_MAX);
	ev->has_final_score = (int)(rng_next(s) % 2);
	ev->final_score = (unsigned)edge_number(s, UINT32_MAX);
	ev->has_score_change = (int)(rng_next(s) % 2);
	ev->score_change = rng_next(s) % 3 == 0   ? INT32_MIN
	                   : rng_next(s) % 2 == 0 ? INT32_MAX
	                                          : (int)(rng_next(s) % 201) - 100;
}

/* Random events, every buffer size from 1 to the line's length + 2: the
 * same line (or the same refusal) as the printf formats. */
static void check_matches_printf(void)
{
	uint64_t seed = 42;
	unsigned mismatches = 0, lines = 0;

	for (int round = 0; round < 1000; round++) {
		attune_event ev;
		char want[ATTUNE_EVENT_LINE_MAX], got[ATTUNE_EVENT_LINE_MAX];
		size_t full;

		random_event(&seed, &ev);
		full = ref_format(&ev, want, sizeof(want));
		lines += full > 0;
		for (size_t cap = 1; cap <= sizeof(got) && cap <= full + 2; cap++) {
			size_t wn = ref_format(&ev, want, cap);
			size_t gn = attune_event_format(&ev, got, cap);
			mismatches += wn != gn || strcmp(want, got) != 0;
		}
		if (!full) {
			mismatches += attune_event_format(&ev, got, sizeof(got)) != 0 || got[0];
		}
	}
	CHECK_EQ_U(mismatches, 0);
	CHECK(lines > 300); /* most events were formatted, not refused */
}

/* What a label byte must become: itself if [A-Za-z0-9._-], else '_'. */
static char expect_label_byte(unsigned char c)
{
	int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	         c == '.' || c == '_' || c == '-';
	return ok ? (char)c : '_';
}

/* A clean label of every length the score id holds, and labels with one
 * byte of any value 1..255 at every position for lengths around the
 * 16-byte blocks that are copied whole when clean (the rest goes a byte at
 * a time): the score_id field is exactly the expected bytes. */
static void check_labels_every_byte(void)
{
	static const char clean[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	static const size_t lengths[] = {1, 15, 16, 17, 31, 32, 33, 64};
	unsigned mismatches = 0, checked = 0;
	attune_event ev;
	char got[ATTUNE_EVENT_LINE_MAX], want[ATTUNE_EVENT_SCORE_ID_MAX + 16];

	memset(&ev, 0, sizeof(ev));
	ev.type = ATTUNE_EVENT_DRAFT_SCORED;
	strcpy(ev.id, "i-1");
	for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++) {
		size_t n = lengths[li];
		for (size_t pos = 0; pos < n; pos++) {
			for (unsigned b = 1; b < 256; b++) {
				size_t k;
				const char *at;
				for (size_t i = 0; i < n; i++)
					ev.score_id[i] = clean[(i * 7 + n) % (sizeof(clean) - 1)];
				ev.score_id[n] = '\0';
				ev.score_id[pos] = (char)b;
				k = (size_t)snprintf(want, sizeof(want), "\"score_id\":\"");
				for (size_t i = 0; i < n; i++)
					want[k++] = expect_label_byte((unsigned char)ev.score_id[i]);
				want[k++] = '"';
				want[k] = '\0';
				at = attune_event_format(&ev, got, sizeof(got)) ? strstr(got, want) : NULL;
				mismatches += at == NULL;
				checked++;
			}
		}
	}
	for (size_t n = 0; n <= ATTUNE_EVENT_SCORE_ID_MAX; n++) { /* every length, clean */
		for (size_t i = 0; i < n; i++)
			ev.score_id[i] = clean[(i * 5 + n) % (sizeof(clean) - 1)];
		ev.score_id[n] = '\0';
		if (n == 0)
			strcpy(ev.score_id, "x"); /* empty: the field is left out */
		snprintf(want, sizeof(want), "\"score_id\":\"%s\"", ev.score_id);
		mismatches += !attune_event_format(&ev, got, sizeof(got)) || !strstr(got, want);
		checked++;
	}
	CHECK_EQ_U(mismatches, 0);
	CHECK(checked > 50000);
}

int main(void)
{
	attune_event ev, back;
	char line[ATTUNE_EVENT_LINE_MAX];
	size_t n;

	memset(&ev, 0, sizeof(ev));
	ev.type = ATTUNE_EVENT_DRAFT_SCORED;
	ev.ts_ms = 1795523400123LL;
	strcpy(ev.id, "0a0b0c0d-1f");
	strcpy(ev.score_id, "s-123");
	strcpy(ev.conversation, "00112233445566778899aabbccddeeff");
	strcpy(ev.responder, "ffeeddccbbaa99887766554433221100");
	strcpy(ev.team, "north.team-1");
	ev.channel = ATTUNE_CHANNEL_SMS;
	ev.score = 73;
	ev.acknowledge = 2;
	ev.reflect = 1;
	ev.explore = 2;
	ev.findings[ATTUNE_FINDING_SELF_FOCUS] = 2;
	ev.findings[ATTUNE_FINDING_OPEN_QUESTION] = 1;
	ev.risk_level = ATTUNE_RISK_MODERATE;
	ev.risk_categories = (1u << ATTUNE_RISK_SUICIDE) | (1u << ATTUNE_RISK_ABUSE);
	ev.suggestions_offered = 3;
	ev.latency_us = 42;
	n = attune_event_format(&ev, line, sizeof(line));
	CHECK(n > 0 && n == strlen(line));
	CHECK(strchr(line, '\n') == NULL);
	CHECK(strstr(line, "\"type\":\"draft_scored\"") != NULL);
	CHECK(strstr(line, "\"self_focus\":2") != NULL);
	CHECK(strstr(line, "\"channel\":\"sms\"") != NULL);
	CHECK(attune_event_parse(line, n, &back) == ATTUNE_EV_OK);
	CHECK(back.type == ev.type && back.ts_ms == ev.ts_ms);
	CHECK(strcmp(back.id, ev.id) == 0 && strcmp(back.score_id, ev.score_id) == 0);
	CHECK(strcmp(back.conversation, ev.conversation) == 0);
	CHECK(strcmp(back.responder, ev.responder) == 0 && strcmp(back.team, ev.team) == 0);
	CHECK(back.channel == ev.channel && back.score == 73);
	CHECK(back.acknowledge == 2 && back.reflect == 1 && back.explore == 2);
	CHECK(memcmp(back.findings, ev.findings, sizeof(ev.findings)) == 0);
	CHECK(back.risk_level == ev.risk_level && back.risk_categories == ev.risk_categories);
	CHECK(back.suggestions_offered == 3 && back.latency_us == 42);

	/* Outcome events. */
	memset(&ev, 0, sizeof(ev));
	ev.type = ATTUNE_EVENT_OUTCOME_RECORDED;
	ev.ts_ms = 5;
	strcpy(ev.id, "x-1");
	ev.action = ATTUNE_OUTCOME_USED_SUGGESTION_EDITED;
	ev.suggestion_index = 2;
	ev.has_final_score = 1;
	ev.final_score = 61;
	ev.has_score_change = 1;
	ev.score_change = -12;
	n = attune_event_format(&ev, line, sizeof(line));
	CHECK(n > 0);
	CHECK(attune_event_parse(line, n, &back) == ATTUNE_EV_OK);
	CHECK(back.action == ev.action && back.suggestion_index == 2);
	CHECK(back.has_final_score && back.final_score == 61);
	CHECK(back.has_score_change && back.score_change == -12);
	ev.has_score_change = 0;
	n = attune_event_format(&ev, line, sizeof(line));
	CHECK(strstr(line, "score_change") == NULL);
	CHECK(attune_event_parse(line, n, &back) == ATTUNE_EV_OK && !back.has_score_change);

	/* Labels: nothing but [A-Za-z0-9._-] is written. */
	strcpy(ev.team, "a\"b\\c d");
	n = attune_event_format(&ev, line, sizeof(line));
	CHECK(strstr(line, "\"team\":\"a_b_c_d\"") != NULL);

	/* Too small: no partial line. */
	CHECK(attune_event_format(&ev, line, 20) == 0 && line[0] == '\0');

	/* Refused lines. */
	CHECK(attune_event_parse("", 0, &back) == ATTUNE_EV_E_PARSE);
	CHECK(attune_event_parse("{\"ts\":1,\"type\":\"draft_sc", 24, &back) == ATTUNE_EV_E_PARSE);
	CHECK(attune_event_parse("{\"ts\":1,\"type\":\"nope\",\"id\":\"a\"}", 31, &back) ==
	      ATTUNE_EV_E_PARSE);
	CHECK(attune_event_parse("{\"type\":\"draft_scored\",\"id\":\"a\"}", 32, &back) ==
	      ATTUNE_EV_E_PARSE);
	CHECK(attune_event_parse("[1,2]", 5, &back) == ATTUNE_EV_E_PARSE);

	/* Score table: bounded, oldest evicted, replace in place. */
	{
		attune_score_table *t = NULL;
		unsigned sc = 0, ns = 0;
		char id[32];
		CHECK(attune_score_table_create(100, &t) == ATTUNE_EV_OK);
		for (int i = 0; i < 250; i++) {
			snprintf(id, sizeof(id), "score-%d", i);
			attune_score_table_put(t, id, strlen(id), (unsigned)(i % 101), 3);
		}
		CHECK(!attune_score_table_get(t, "score-0", 7, &sc, &ns));
		CHECK(!attune_score_table_get(t, "score-149", 9, &sc, &ns));
		CHECK(attune_score_table_get(t, "score-150", 9, &sc, &ns) && sc == 150 % 101 &&
		      ns == 3);
		CHECK(attune_score_table_get(t, "score-249", 9, &sc, &ns) && sc == 249 % 101);
		attune_score_table_put(t, "score-249", 9, 7, 1);
		CHECK(attune_score_table_get(t, "score-249", 9, &sc, &ns) && sc == 7 && ns == 1);
		CHECK(attune_score_table_get(t, "score-200", 9, &sc, &ns) && sc == 200 % 101);
		attune_score_table_destroy(t);
		attune_score_table_destroy(NULL);
	}
	/* Score table against a model (the last `cap` distinct ids put): random
	 * puts over a small id space make long probe clusters, replacements and
	 * evictions that re-seat them. */
	{
		enum { CAP = 61, IDS = 400, OPS = 20000 };
		attune_score_table *t = NULL;
		int last_put[IDS], model_score[IDS], order[IDS], n_order = 0;
		unsigned rnd = 12345, sc = 0, ns = 0;
		char id[32];
		int bad = 0;
		CHECK(attune_score_table_create(CAP, &t) == ATTUNE_EV_OK);
		for (int i = 0; i < IDS; i++)
			last_put[i] = -1;
		for (int op = 0; op < OPS && !bad; op++) {
			rnd = rnd * 1103515245u + 12345u;
			int k = (int)((rnd >> 8) % IDS);
			int present = 0;
			for (int j = 0; j < n_order; j++)
				present |= order[j] == k;
			snprintf(id, sizeof(id), "sid-%d", k);
			attune_score_table_put(t, id, strlen(id), (unsigned)(op % 101), 2);
			model_score[k] = op % 101;
			if (!present) { /* a new id: the oldest goes when full */
				if (n_order == CAP) {
					last_put[order[0]] = -1;
					memmove(order, order + 1, (CAP - 1) * sizeof(order[0]));
					n_order--;
				}
				order[n_order++] = k;
			}
			last_put[k] = op;
			if (op % 97 == 0)
				for (int q = 0; q < IDS; q++) {
					snprintf(id, sizeof(id), "sid-%d", q);
					int got = attune_score_table_get(t, id, strlen(id), &sc, &ns);
					if (got != (last_put[q] >= 0) ||
					    (got && (sc != (unsigned)model_score[q] || ns != 2)))
						bad = 1;
				}
		}
		CHECK(!bad);
		attune_score_table_destroy(t);
	}
	check_matches_printf();
	check_labels_every_byte();
	return test_finish("test_eventlog_format");
}
