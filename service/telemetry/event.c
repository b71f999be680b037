/*
 * event.c - JSON Lines form of attune_event (see event.h): a bounded
 * formatter that writes only numbers, enum names, pseudonyms and the
 * team label, and a cJSON-based parser used to rebuild state at start.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include "event.h"

#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sse2_ascii.h"

static const char *const action_names[ATTUNE_OUTCOME_MAX] = {"unspecified",
                                                             "sent_as_drafted",
                                                             "sent_edited",
                                                             "used_suggestion_verbatim",
                                                             "used_suggestion_edited",
                                                             "discarded"};

static const char *const type_names[] = {"", "draft_scored", "outcome_recorded", "risk_flagged"};

const char *attune_outcome_action_name(attune_outcome_action a)
{
	if ((unsigned)a >= ATTUNE_OUTCOME_MAX)
		return action_names[0];
	return action_names[a];
}

/*
 * The line is built by appending pieces, not with printf: it is written
 * for every scored draft, and twenty vsnprintf calls were most of the cost
 * of an event. The bytes are what the printf formats ("%u", "%lld", "%s")
 * gave; tests/telemetry/test_eventlog_format.c compares with snprintf.
 */
typedef struct ev_out {
	char *buf;
	size_t cap, len; /* invariant: len < cap, so a NUL always fits */
	int overflow;
} ev_out;

/* Appends n bytes, or marks overflow when they and the final NUL do not
 * fit (the same rule as vsnprintf's return >= room). */
static void ev_put_bytes(ev_out *o, const char *s, size_t n)
{
	if (o->overflow)
		return;
	if (n >= o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* A string literal, its length known at compile time. */
#define EV_PUT_LIT(o, lit) ev_put_bytes((o), (lit), sizeof(lit) - 1)

/* A C string (enum names); never NULL here, but written as
 * printf's "%s" would write it if it were. */
static void ev_put_str(ev_out *o, const char *s)
{
	if (!s)
		s = "(null)";
	ev_put_bytes(o, s, strlen(s));
}

/* An unsigned number in decimal, as "%u" / "%llu". */
static void ev_put_u64(ev_out *o, uint64_t v)
{
	char digits[20]; /* UINT64_MAX has 20 */
	size_t i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ev_put_bytes(o, digits + i, sizeof(digits) - i);
}

/* A signed number in decimal, as "%d" / "%lld" (INT64_MIN included: the
 * magnitude is taken in unsigned arithmetic). */
static void ev_put_i64(ev_out *o, int64_t v)
{
	if (v < 0) {
		EV_PUT_LIT(o, "-");
		ev_put_u64(o, 0 - (uint64_t)v);
		return;
	}
	ev_put_u64(o, (uint64_t)v);
}

/* ,"key":"value" for a value known to need no escaping; key_lit is the
 * literal ,"key":" . */
#define EV_PUT_FIELD_STR(o, key_lit, value)                                                   \
	do {                                                                                      \
		EV_PUT_LIT((o), key_lit);                                                         \
		ev_put_str((o), (value));                                                         \
		EV_PUT_LIT((o), "\"");                                                            \
	} while (0)

/* ,"key":number; key_lit is the literal ,"key": . */
#define EV_PUT_FIELD_U64(o, key_lit, v)                                                       \
	do {                                                                                      \
		EV_PUT_LIT((o), key_lit);                                                         \
		ev_put_u64((o), (v));                                                             \
	} while (0)

/* Label bytes: [A-Za-z0-9._-] stay, NUL stays (it ends the label), any
 * other byte becomes '_'. A constant table: the format test checks every
 * byte value against the plain comparisons. */
#define EV_LABEL_KEEPS(c)                                                                     \
	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9') || \
	 (c) == '.' || (c) == '_' || (c) == '-' || (c) == 0)
#define EV_L(c)   (unsigned char)(EV_LABEL_KEEPS(c) ? (c) : '_')
#define EV_L4(c)  EV_L(c), EV_L((c) + 1), EV_L((c) + 2), EV_L((c) + 3)
#define EV_L16(c) EV_L4(c), EV_L4((c) + 4), EV_L4((c) + 8), EV_L4((c) + 12)
static const unsigned char ev_label_map[256] = {
    EV_L16(0),   EV_L16(16),  EV_L16(32),  EV_L16(48),  EV_L16(64),  EV_L16(80),
    EV_L16(96),  EV_L16(112), EV_L16(128), EV_L16(144), EV_L16(160), EV_L16(176),
    EV_L16(192), EV_L16(208), EV_L16(224), EV_L16(240)};
#undef EV_L16
#undef EV_L4
#undef EV_L

#ifdef __SSE2__
/* 1 when all 16 bytes at p are label bytes (and none is NUL). */
static int ev_label_block_ok(const char *p)
{
	const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i ok = attune_sse2_alnum(x);

	ok = _mm_or_si128(ok, attune_sse2_in_range(x, '-', 2)); /* - . */
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(x, _mm_set1_epi8('_')));
	return _mm_movemask_epi8(ok) == 0xffff;
}
#endif

/* Pseudonyms are hex and event ids/score ids are service-generated; still
 * only [A-Za-z0-9._-] is written, anything else as '_', so nothing needs
 * JSON escaping and nothing unexpected can reach the file. At most
 * ATTUNE_EVENT_SCORE_ID_MAX bytes of s are written (longer is cut).
 * key_lit is the literal ,"key":" . Sixteen clean bytes, as pseudonyms
 * and score ids are, are copied at once. */
#define EV_PUT_LABEL(o, key_lit, s)                                                           \
	do {                                                                                      \
		EV_PUT_LIT((o), key_lit);                                                         \
		ev_put_label((o), (s));                                                           \
	} while (0)

static void ev_put_label(ev_out *o, const char *s)
{
	size_t n = strnlen(s, ATTUNE_EVENT_SCORE_ID_MAX), i = 0;
	unsigned char *dst;

	if (o->overflow)
		return;
	if (n >= o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	dst = (unsigned char *)o->buf + o->len;
#ifdef __SSE2__
	for (; i + 16 <= n; i += 16) {
		if (ev_label_block_ok(s + i)) {
			memcpy(dst + i, s + i, 16);
			continue;
		}
		for (size_t k = i; k < i + 16; k++)
			dst[k] = ev_label_map[(unsigned char)s[k]];
	}
#endif
	for (; i < n; i++)
		dst[i] = ev_label_map[(unsigned char)s[i]];
	o->len += n;
	EV_PUT_LIT(o, "\"");
}

/* The draft_scored / risk_flagged part: score, levels, findings, risk. */
static void ev_put_scored(ev_out *o, const attune_event *ev)
{
	int first = 1;

	EV_PUT_FIELD_U64(o, ",\"score\":", ev->score);
	EV_PUT_LIT(o, ",\"levels\":{\"acknowledge\":");
	ev_put_u64(o, ev->acknowledge);
	EV_PUT_LIT(o, ",\"reflect\":");
	ev_put_u64(o, ev->reflect);
	EV_PUT_LIT(o, ",\"explore\":");
	ev_put_u64(o, ev->explore);
	EV_PUT_LIT(o, "},\"findings\":{");
	for (unsigned k = 1; k < ATTUNE_FINDING_KIND_MAX; k++) {
		if (!ev->findings[k])
			continue;
		if (!first)
			EV_PUT_LIT(o, ",");
		EV_PUT_LIT(o, "\"");
		ev_put_str(o, attune_finding_kind_name((attune_finding_kind)k));
		EV_PUT_LIT(o, "\":");
		ev_put_u64(o, ev->findings[k]);
		first = 0;
	}
	EV_PUT_LIT(o, "},\"risk\":{\"level\":\"");
	ev_put_str(o, attune_risk_level_name(ev->risk_level));
	EV_PUT_LIT(o, "\",\"categories\":[");
	first = 1;
	for (unsigned c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++) {
		if (!(ev->risk_categories & (1u << c)))
			continue;
		if (!first)
			EV_PUT_LIT(o, ",");
		EV_PUT_LIT(o, "\"");
		ev_put_str(o, attune_risk_category_name((attune_risk_category)c));
		EV_PUT_LIT(o, "\"");
		first = 0;
	}
	EV_PUT_LIT(o, "]}");
	EV_PUT_FIELD_U64(o, ",\"suggestions_offered\":", ev->suggestions_offered);
}

/* The outcome_recorded part: action, suggestion index, scores. */
static void ev_put_outcome(ev_out *o, const attune_event *ev)
{
	EV_PUT_FIELD_STR(o, ",\"action\":\"", attune_outcome_action_name(ev->action));
	EV_PUT_FIELD_U64(o, ",\"suggestion_index\":", ev->suggestion_index);
	if (ev->has_final_score)
		EV_PUT_FIELD_U64(o, ",\"final_score\":", ev->final_score);
	if (ev->has_score_change) {
		EV_PUT_LIT(o, ",\"score_change\":");
		ev_put_i64(o, ev->score_change);
	}
}

size_t attune_event_format(const attune_event *ev, char *buf, size_t cap)
{
	ev_out o = {buf, cap, 0, 0};
	unsigned type = (unsigned)ev->type;

	if (!buf || cap == 0)
		return 0;
	buf[0] = '\0';
	if (type < 1 || type > 3)
		return 0;
	EV_PUT_LIT(&o, "{\"ts\":");
	ev_put_i64(&o, ev->ts_ms);
	EV_PUT_FIELD_STR(&o, ",\"type\":\"", type_names[type]);
	EV_PUT_LABEL(&o, ",\"id\":\"", ev->id);
	if (ev->score_id[0])
		EV_PUT_LABEL(&o, ",\"score_id\":\"", ev->score_id);
	EV_PUT_LABEL(&o, ",\"conversation\":\"", ev->conversation);
	EV_PUT_LABEL(&o, ",\"responder\":\"", ev->responder);
	EV_PUT_LABEL(&o, ",\"team\":\"", ev->team);
	EV_PUT_FIELD_STR(&o, ",\"channel\":\"", attune_channel_name(ev->channel));
	if (ev->type == ATTUNE_EVENT_DRAFT_SCORED || ev->type == ATTUNE_EVENT_RISK_FLAGGED)
		ev_put_scored(&o, ev);
	else
		ev_put_outcome(&o, ev);
	EV_PUT_FIELD_U64(&o, ",\"latency_us\":", ev->latency_us);
	EV_PUT_LIT(&o, "}");
	if (o.overflow) {
		buf[0] = '\0';
		return 0;
	}
	buf[o.len] = '\0';
	return o.len;
}

/* Copies a string member into dst (cap bytes) if present and short enough. */
static int ev_get_str(const cJSON *obj, const char *key, char *dst, size_t cap)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	dst[0] = '\0';
	if (!it)
		return 0;
	if (!cJSON_IsString(it) || !it->valuestring || strlen(it->valuestring) >= cap)
		return -1;
	strcpy(dst, it->valuestring);
	return 0;
}

static double ev_get_num(const cJSON *obj, const char *key, double dflt, int *present)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!it || !cJSON_IsNumber(it)) {
		if (present)
			*present = 0;
		return dflt;
	}
	if (present)
		*present = 1;
	return it->valuedouble;
}

static unsigned ev_clamp_u(double v, unsigned max)
{
	if (!(v >= 0))
		return 0;
	if (v > (double)max)
		return max;
	return (unsigned)v;
}

static void ev_parse_scored(const cJSON *root, attune_event *ev)
{
	const cJSON *levels = cJSON_GetObjectItemCaseSensitive(root, "levels");
	const cJSON *findings = cJSON_GetObjectItemCaseSensitive(root, "findings");
	const cJSON *risk = cJSON_GetObjectItemCaseSensitive(root, "risk");
	const cJSON *it;

	ev->score = ev_clamp_u(ev_get_num(root, "score", 0, NULL), 100);
	ev->suggestions_offered =
	    ev_clamp_u(ev_get_num(root, "suggestions_offered", 0, NULL), 1000);
	if (cJSON_IsObject(levels)) {
		ev->acknowledge = ev_clamp_u(ev_get_num(levels, "acknowledge", 0, NULL), 2);
		ev->reflect = ev_clamp_u(ev_get_num(levels, "reflect", 0, NULL), 2);
		ev->explore = ev_clamp_u(ev_get_num(levels, "explore", 0, NULL), 2);
	}
	if (cJSON_IsObject(findings)) {
		cJSON_ArrayForEach(it, findings)
		{
			attune_finding_kind k = attune_finding_kind_from_name(it->string);
			if (k != ATTUNE_FINDING_UNSPECIFIED &&
			    (unsigned)k < ATTUNE_FINDING_KIND_MAX && cJSON_IsNumber(it))
				ev->findings[k] = ev_clamp_u(it->valuedouble, 1000000);
		}
	}
	if (cJSON_IsObject(risk)) {
		const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(risk, "level");
		const cJSON *cats = cJSON_GetObjectItemCaseSensitive(risk, "categories");
		if (cJSON_IsString(lvl)) {
			for (unsigned l = 0; l <= ATTUNE_RISK_HIGH; l++)
				if (strcmp(lvl->valuestring,
				           attune_risk_level_name((attune_risk_level)l)) == 0)
					ev->risk_level = (attune_risk_level)l;
		}
		if (cJSON_IsArray(cats)) {
			cJSON_ArrayForEach(it, cats)
			{
				if (!cJSON_IsString(it))
					continue;
				for (unsigned c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++)
					if (strcmp(it->valuestring, attune_risk_category_name(
					                                (attune_risk_category)c)) ==
					    0)
						ev->risk_categories |= 1u << c;
			}
		}
	}
}

static void ev_parse_outcome(const cJSON *root, attune_event *ev)
{
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "action");
	double v;

	if (cJSON_IsString(act)) {
		for (unsigned a = 1; a < ATTUNE_OUTCOME_MAX; a++)
			if (strcmp(act->valuestring, action_names[a]) == 0)
				ev->action = (attune_outcome_action)a;
	}
	ev->suggestion_index = ev_clamp_u(ev_get_num(root, "suggestion_index", 0, NULL), 1000);
	ev->final_score = ev_clamp_u(ev_get_num(root, "final_score", 0, &ev->has_final_score), 100);
	v = ev_get_num(root, "score_change", 0, &ev->has_score_change);
	if (v < -100)
		v = -100;
	if (v > 100)
		v = 100;
	ev->score_change = (int)v;
}

attune_ev_status attune_event_parse(const char *line, size_t len, attune_event *ev)
{
	cJSON *root;
	const cJSON *type;
	char chan[32];
	int has_ts = 0;
	attune_ev_status rc = ATTUNE_EV_E_PARSE;

	memset(ev, 0, sizeof(*ev));
	if (!line || len == 0 || len > ATTUNE_EVENT_LINE_MAX * 2)
		return ATTUNE_EV_E_PARSE;
	root = cJSON_ParseWithLength(line, len);
	if (!root)
		return ATTUNE_EV_E_PARSE;
	if (!cJSON_IsObject(root))
		goto out_free;
	type = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (!cJSON_IsString(type))
		goto out_free;
	for (unsigned t = 1; t <= 3; t++)
		if (strcmp(type->valuestring, type_names[t]) == 0)
			ev->type = (attune_event_type)t;
	if (ev->type == 0)
		goto out_free;
	ev->ts_ms = (int64_t)ev_get_num(root, "ts", 0, &has_ts);
	if (!has_ts || ev_get_str(root, "id", ev->id, sizeof(ev->id)) != 0 || !ev->id[0])
		goto out_free;
	if (ev_get_str(root, "score_id", ev->score_id, sizeof(ev->score_id)) != 0 ||
	    ev_get_str(root, "conversation", ev->conversation, sizeof(ev->conversation)) != 0 ||
	    ev_get_str(root, "responder", ev->responder, sizeof(ev->responder)) != 0 ||
	    ev_get_str(root, "team", ev->team, sizeof(ev->team)) != 0 ||
	    ev_get_str(root, "channel", chan, sizeof(chan)) != 0)
		goto out_free;
	ev->channel = attune_channel_from_name(chan);
	ev->latency_us = (uint64_t)ev_get_num(root, "latency_us", 0, NULL);
	if (ev->type == ATTUNE_EVENT_OUTCOME_RECORDED)
		ev_parse_outcome(root, ev);
	else
		ev_parse_scored(root, ev);
	rc = ATTUNE_EV_OK;
out_free:
	cJSON_Delete(root);
	if (rc != ATTUNE_EV_OK)
		memset(ev, 0, sizeof(*ev));
	return rc;
}
