/*
 * json_result.c - the one JSON form of a score result (and of a per-line
 * error), used by `attune score --json` and `--jsonl` for both the online
 * and the offline path, so their output is byte-identical.
 */
#include "cli.h"

/* Adds a number; returns 0 on success. */
static int add_num(cJSON *o, const char *k, double v)
{
	return cJSON_AddNumberToObject(o, k, v) != NULL ? 0 : -1;
}

static int add_str(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v != NULL ? v : "") != NULL ? 0 : -1;
}

static cJSON *levels_json(const attune_score_result *r)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL || add_num(o, "acknowledge", r->acknowledge) ||
	    add_num(o, "reflect", r->reflect) || add_num(o, "explore", r->explore)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *finding_json(const attune_finding *f, int detailed)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL || add_str(o, "kind", attune_finding_kind_name(f->kind)) ||
	    add_str(o, "severity", attune_severity_name(f->severity)) ||
	    add_num(o, "start", (double)f->start) || add_num(o, "end", (double)f->end))
		goto fail;
	if (detailed && add_str(o, "explanation", f->explanation))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *suggestion_json(const attune_suggestion *s, int detailed)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL || add_str(o, "kind", attune_suggestion_kind_name(s->kind)) ||
	    add_str(o, "text", s->text) || add_num(o, "projected_score", s->projected_score))
		goto fail;
	if (detailed) {
		if (add_str(o, "placement", attune_placement_name(s->placement)))
			goto fail;
		if (s->placement == ATTUNE_PLACEMENT_REPLACE_SPAN &&
		    (add_num(o, "start", (double)s->start) || add_num(o, "end", (double)s->end)))
			goto fail;
		if (s->addresses != ATTUNE_FINDING_UNSPECIFIED &&
		    add_str(o, "addresses", attune_finding_kind_name(s->addresses)))
			goto fail;
		if (add_str(o, "stem_id", s->stem_id))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *risk_json(const attune_risk *k, int detailed)
{
	cJSON *o = cJSON_CreateObject(), *cats, *spans;
	unsigned cat;
	size_t i;

	if (o == NULL || add_str(o, "level", attune_risk_level_name(k->level)))
		goto fail;
	cats = cJSON_AddArrayToObject(o, "categories");
	if (cats == NULL)
		goto fail;
	for (cat = 1; cat < ATTUNE_RISK_CATEGORY_MAX; cat++) {
		cJSON *s;
		if ((k->categories & (1u << cat)) == 0)
			continue;
		s = cJSON_CreateString(attune_risk_category_name((attune_risk_category)cat));
		if (s == NULL || !cJSON_AddItemToArray(cats, s)) {
			cJSON_Delete(s);
			goto fail;
		}
	}
	if (!detailed)
		return o;
	if (add_str(o, "guidance", k->guidance))
		goto fail;
	spans = cJSON_AddArrayToObject(o, "spans");
	if (spans == NULL)
		goto fail;
	for (i = 0; i < k->n_spans; i++) {
		const attune_risk_span *sp = &k->spans[i];
		cJSON *s = cJSON_CreateObject();
		if (s == NULL || !cJSON_AddItemToArray(spans, s)) {
			cJSON_Delete(s);
			goto fail;
		}
		if (add_str(s, "category", attune_risk_category_name(sp->category)) ||
		    add_str(s, "cue", attune_risk_cue_name(sp->cue)) ||
		    add_num(s, "start", (double)sp->start) || add_num(s, "end", (double)sp->end))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

cJSON *cli_json_result(const attune_score_result *r, const cJSON *id, int detailed)
{
	cJSON *o = cJSON_CreateObject(), *arr, *item;
	size_t i;

	if (o == NULL)
		return NULL;
	if (id != NULL) {
		item = cJSON_Duplicate(id, 1);
		if (item == NULL || !cJSON_AddItemToObject(o, "id", item)) {
			cJSON_Delete(item);
			goto fail;
		}
	}
	if (add_num(o, "score", r->score))
		goto fail;
	item = levels_json(r);
	if (item == NULL || !cJSON_AddItemToObject(o, "levels", item)) {
		cJSON_Delete(item);
		goto fail;
	}
	arr = cJSON_AddArrayToObject(o, "findings");
	if (arr == NULL)
		goto fail;
	for (i = 0; i < r->n_findings; i++) {
		item = finding_json(&r->findings[i], detailed);
		if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
			cJSON_Delete(item);
			goto fail;
		}
	}
	arr = cJSON_AddArrayToObject(o, "suggestions");
	if (arr == NULL)
		goto fail;
	for (i = 0; i < r->n_suggestions; i++) {
		item = suggestion_json(&r->suggestions[i], detailed);
		if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
			cJSON_Delete(item);
			goto fail;
		}
	}
	item = risk_json(&r->risk, detailed);
	if (item == NULL || !cJSON_AddItemToObject(o, "risk", item)) {
		cJSON_Delete(item);
		goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

cJSON *cli_json_error(const cJSON *id, attune_client_code code, const char *message)
{
	cJSON *o = cJSON_CreateObject(), *idc, *e;

	if (o == NULL)
		return NULL;
	idc = id != NULL ? cJSON_Duplicate(id, 1) : cJSON_CreateNull();
	if (idc == NULL || !cJSON_AddItemToObject(o, "id", idc)) {
		cJSON_Delete(idc);
		goto fail;
	}
	e = cJSON_AddObjectToObject(o, "error");
	if (e == NULL || add_str(e, "code", attune_client_code_name(code)) ||
	    add_str(e, "message", message))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}
