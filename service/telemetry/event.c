/*
 * event.c - JSON Lines form of attune_event (see event.h): a bounded
 * formatter that writes only numbers, enum names, pseudonyms and the
 * team label, and a cJSON-based parser used to rebuild state at start.
 */
#include "event.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

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

typedef struct ev_out {
	char *buf;
	size_t cap, len;
	int overflow;
} ev_out;

static void ev_put(ev_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ev_put(ev_out *o, const char *fmt, ...)
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

/* Pseudonyms are hex and event ids/score ids are service-generated; still
 * only [A-Za-z0-9._-] is written, anything else as '_', so nothing needs
 * JSON escaping and nothing unexpected can reach the file. */
static void ev_put_label(ev_out *o, const char *key, const char *s)
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
	ev_put(o, ",\"%s\":\"%s\"", key, clean);
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
	ev_put(&o, "{\"ts\":%lld,\"type\":\"%s\"", (long long)ev->ts_ms, type_names[type]);
	ev_put_label(&o, "id", ev->id);
	if (ev->score_id[0])
		ev_put_label(&o, "score_id", ev->score_id);
	ev_put_label(&o, "conversation", ev->conversation);
	ev_put_label(&o, "responder", ev->responder);
	ev_put_label(&o, "team", ev->team);
	ev_put(&o, ",\"channel\":\"%s\"", attune_channel_name(ev->channel));
	if (ev->type == ATTUNE_EVENT_DRAFT_SCORED || ev->type == ATTUNE_EVENT_RISK_FLAGGED) {
		int first = 1;
		ev_put(
		    &o,
		    ",\"score\":%u,\"levels\":{\"acknowledge\":%u,\"reflect\":%u,\"explore\":%u}",
		    ev->score, ev->acknowledge, ev->reflect, ev->explore);
		ev_put(&o, ",\"findings\":{");
		for (unsigned k = 1; k < ATTUNE_FINDING_KIND_MAX; k++) {
			if (!ev->findings[k])
				continue;
			ev_put(&o, "%s\"%s\":%u", first ? "" : ",",
			       attune_finding_kind_name((attune_finding_kind)k),
			       (unsigned)ev->findings[k]);
			first = 0;
		}
		ev_put(&o, "},\"risk\":{\"level\":\"%s\",\"categories\":[",
		       attune_risk_level_name(ev->risk_level));
		first = 1;
		for (unsigned c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++) {
			if (!(ev->risk_categories & (1u << c)))
				continue;
			ev_put(&o, "%s\"%s\"", first ? "" : ",",
			       attune_risk_category_name((attune_risk_category)c));
			first = 0;
		}
		ev_put(&o, "]},\"suggestions_offered\":%u", ev->suggestions_offered);
	} else {
		ev_put(&o, ",\"action\":\"%s\",\"suggestion_index\":%u",
		       attune_outcome_action_name(ev->action), ev->suggestion_index);
		if (ev->has_final_score)
			ev_put(&o, ",\"final_score\":%u", ev->final_score);
		if (ev->has_score_change)
			ev_put(&o, ",\"score_change\":%d", ev->score_change);
	}
	ev_put(&o, ",\"latency_us\":%llu}", (unsigned long long)ev->latency_us);
	if (o.overflow) {
		buf[0] = '\0';
		return 0;
	}
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
