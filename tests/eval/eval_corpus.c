/*
 * eval_corpus.c - parses corpus JSONL lines with cJSON into eval_case /
 * eval_pair records and reports every labelling error it can see (bad kinds,
 * phrases that are not exactly-once substrings of the draft, duplicate ids).
 */
#define _POSIX_C_SOURCE 200809L /* strdup, opendir */
#include "eval_corpus.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

const char *eval_strerror(eval_status st)
{
	switch (st) {
	case EVAL_OK:
		return "ok";
	case EVAL_E_NOMEM:
		return "out of memory";
	case EVAL_E_IO:
		return "cannot read file";
	case EVAL_E_FORMAT:
		return "malformed corpus line";
	}
	return "unknown status";
}

void eval_corpus_init(eval_corpus *c)
{
	memset(c, 0, sizeof(*c));
}

static void free_strv(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void case_free(eval_case *ec)
{
	free(ec->id);
	free(ec->domain);
	free(ec->file);
	free(ec->seeker);
	free(ec->draft);
	free_strv(ec->prior, ec->n_prior);
	free(ec->findings);
	free_strv(ec->tags, ec->n_tags);
}

static void pair_free(eval_pair *p)
{
	free(p->id);
	free(p->file);
	free(p->seeker);
	free(p->better);
	free(p->worse);
	free_strv(p->prior, p->n_prior);
}

void eval_corpus_free(eval_corpus *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_cases; i++)
		case_free(&c->cases[i]);
	for (size_t i = 0; i < c->n_pairs; i++)
		pair_free(&c->pairs[i]);
	free(c->cases);
	free(c->pairs);
	eval_corpus_init(c);
}

int eval_case_has_tag(const eval_case *ec, const char *tag)
{
	for (size_t i = 0; i < ec->n_tags; i++)
		if (strcmp(ec->tags[i], tag) == 0)
			return 1;
	return 0;
}

/* Where a line came from, for error messages. */
typedef struct line_ctx {
	eval_corpus *c;
	const char *path;
	unsigned line;
	const char *id; /* may be NULL until known */
} line_ctx;

static void lint_error(line_ctx *lc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lint_error(line_ctx *lc, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%u: %s%s", lc->path, lc->line, lc->id ? lc->id : "",
	        lc->id ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	lc->c->n_errors++;
}

/* Returns a malloc'd copy of string member `name`, or NULL (and reports) if
 * it is missing, not a string, empty when `nonempty`, or not valid UTF-8. */
static char *get_string(line_ctx *lc, const cJSON *obj, const char *name, int nonempty)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsString(it) || !it->valuestring) {
		lint_error(lc, "\"%s\" must be a string", name);
		return NULL;
	}
	size_t len = strlen(it->valuestring);
	if (nonempty && len == 0) {
		lint_error(lc, "\"%s\" must not be empty", name);
		return NULL;
	}
	if (!attune_utf8_valid(it->valuestring, len)) {
		lint_error(lc, "\"%s\" is not valid UTF-8", name);
		return NULL;
	}
	char *s = strdup(it->valuestring);
	if (!s)
		lint_error(lc, "out of memory");
	return s;
}

/* Optional array of strings (prior_turns, tags). Missing means empty. */
static int get_strv(line_ctx *lc, const cJSON *obj, const char *name, size_t max, size_t max_len,
                    char ***out, size_t *n_out)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, name);
	*out = NULL;
	*n_out = 0;
	if (!arr)
		return 0;
	if (!cJSON_IsArray(arr)) {
		lint_error(lc, "\"%s\" must be an array of strings", name);
		return -1;
	}
	size_t n = (size_t)cJSON_GetArraySize(arr);
	if (n > max) {
		lint_error(lc, "\"%s\" has %zu entries (limit %zu)", name, n, max);
		return -1;
	}
	if (n == 0)
		return 0;
	char **v = calloc(n, sizeof(*v));
	if (!v) {
		lint_error(lc, "out of memory");
		return -1;
	}
	size_t i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it) || !it->valuestring) {
			lint_error(lc, "\"%s\"[%zu] must be a string", name, i);
			goto out_free;
		}
		size_t len = strlen(it->valuestring);
		if (len > max_len || !attune_utf8_valid(it->valuestring, len)) {
			lint_error(lc, "\"%s\"[%zu] is too long or not valid UTF-8", name, i);
			goto out_free;
		}
		v[i] = strdup(it->valuestring);
		if (!v[i]) {
			lint_error(lc, "out of memory");
			goto out_free;
		}
		i++;
	}
	*out = v;
	*n_out = n;
	return 0;
out_free:
	free_strv(v, n);
	return -1;
}

static int get_channel(line_ctx *lc, const cJSON *obj, attune_channel *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, "channel");
	if (!cJSON_IsString(it)) {
		lint_error(lc, "\"channel\" must be a string");
		return -1;
	}
	*out = attune_channel_from_name(it->valuestring);
	if (*out == ATTUNE_CHANNEL_UNSPECIFIED) {
		lint_error(lc, "unknown channel (want chat, sms, patient_portal or voice_notes)");
		return -1;
	}
	return 0;
}

static int id_seen(const eval_corpus *c, const char *id)
{
	for (size_t i = 0; i < c->n_cases; i++)
		if (strcmp(c->cases[i].id, id) == 0)
			return 1;
	for (size_t i = 0; i < c->n_pairs; i++)
		if (strcmp(c->pairs[i].id, id) == 0)
			return 1;
	return 0;
}

static int parse_levels(line_ctx *lc, const cJSON *expect, unsigned levels[3])
{
	static const char *const names[3] = {"acknowledge", "reflect", "explore"};
	const cJSON *lv = cJSON_GetObjectItemCaseSensitive(expect, "levels");
	if (!cJSON_IsObject(lv)) {
		lint_error(lc, "\"expect.levels\" must be an object");
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(lv, names[i]);
		if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 2 ||
		    it->valuedouble != (double)(int)it->valuedouble) {
			lint_error(lc, "\"expect.levels.%s\" must be 0, 1 or 2", names[i]);
			return -1;
		}
		levels[i] = (unsigned)it->valueint;
	}
	return 0;
}

/* Byte offset of the only occurrence of `needle` in `hay`; -1 if absent, -2 if repeated. */
static long find_once(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	if (!p)
		return -1;
	if (strstr(p + 1, needle))
		return -2;
	return (long)(p - hay);
}

static int parse_findings(line_ctx *lc, const cJSON *expect, eval_case *ec)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(expect, "findings");
	if (!cJSON_IsArray(arr)) {
		lint_error(lc, "\"expect.findings\" must be an array");
		return -1;
	}
	size_t n = (size_t)cJSON_GetArraySize(arr);
	if (n > EVAL_MAX_FINDINGS) {
		lint_error(lc, "too many findings (%zu, limit %u)", n, EVAL_MAX_FINDINGS);
		return -1;
	}
	ec->findings = n ? calloc(n, sizeof(*ec->findings)) : NULL;
	if (n && !ec->findings) {
		lint_error(lc, "out of memory");
		return -1;
	}
	size_t i = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, arr)
	{
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(f, "kind");
		const cJSON *phrase = cJSON_GetObjectItemCaseSensitive(f, "phrase");
		const cJSON *opt = cJSON_GetObjectItemCaseSensitive(f, "optional");
		if (!cJSON_IsString(kind) || !cJSON_IsString(phrase) || !phrase->valuestring[0]) {
			lint_error(lc, "finding %zu needs string \"kind\" and non-empty \"phrase\"",
			           i);
			return -1;
		}
		eval_expected_finding *ef = &ec->findings[i];
		ef->kind = attune_finding_kind_from_name(kind->valuestring);
		if (ef->kind == ATTUNE_FINDING_UNSPECIFIED) {
			lint_error(lc, "finding %zu has unknown kind", i);
			return -1;
		}
		if (opt && !cJSON_IsBool(opt)) {
			lint_error(lc, "finding %zu: \"optional\" must be a boolean", i);
			return -1;
		}
		ef->optional = cJSON_IsTrue(opt);
		long at = find_once(ec->draft, phrase->valuestring);
		if (at == -1) {
			lint_error(lc, "finding %zu (%s): phrase is not a substring of the draft",
			           i, kind->valuestring);
			return -1;
		}
		if (at == -2) {
			lint_error(lc,
			           "finding %zu (%s): phrase occurs more than once in the draft", i,
			           kind->valuestring);
			return -1;
		}
		ef->start = (size_t)at;
		ef->end = ef->start + strlen(phrase->valuestring);
		i++;
	}
	ec->n_findings = n;
	return 0;
}

static int parse_risk(line_ctx *lc, const cJSON *expect, eval_case *ec)
{
	const cJSON *risk = cJSON_GetObjectItemCaseSensitive(expect, "risk");
	const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(risk, "level");
	const cJSON *cats = cJSON_GetObjectItemCaseSensitive(risk, "categories");
	if (!cJSON_IsObject(risk) || !cJSON_IsString(lvl) || !cJSON_IsArray(cats)) {
		lint_error(lc, "\"expect.risk\" needs string \"level\" and array \"categories\"");
		return -1;
	}
	int found = 0;
	for (int l = ATTUNE_RISK_NONE; l <= ATTUNE_RISK_HIGH; l++) {
		if (strcmp(lvl->valuestring, attune_risk_level_name((attune_risk_level)l)) == 0) {
			ec->risk_level = (attune_risk_level)l;
			found = 1;
		}
	}
	if (!found) {
		lint_error(lc, "unknown risk level (want none, low, moderate or high)");
		return -1;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, cats)
	{
		int cat = 0;
		for (int k = 1; k < ATTUNE_RISK_CATEGORY_MAX && cJSON_IsString(it); k++)
			if (strcmp(it->valuestring,
			           attune_risk_category_name((attune_risk_category)k)) == 0)
				cat = k;
		if (!cat) {
			lint_error(lc, "unknown risk category");
			return -1;
		}
		ec->risk_categories |= 1u << cat;
	}
	if ((ec->risk_level == ATTUNE_RISK_NONE) != (ec->risk_categories == 0)) {
		lint_error(lc, "risk level none must come with no categories, and only then");
		return -1;
	}
	return 0;
}

static eval_status grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return EVAL_OK;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return EVAL_E_NOMEM;
	*arr = p;
	*cap = ncap;
	return EVAL_OK;
}

static eval_status add_case(line_ctx *lc, const cJSON *obj, char *id)
{
	eval_corpus *c = lc->c;
	eval_case ec;
	memset(&ec, 0, sizeof(ec));
	ec.id = id;
	ec.line = lc->line;
	ec.file = strdup(lc->path);
	ec.domain = get_string(lc, obj, "domain", 1);
	ec.seeker = get_string(lc, obj, "seeker", 0);
	ec.draft = get_string(lc, obj, "draft", 1);
	if (!ec.file || !ec.domain || !ec.seeker || !ec.draft)
		goto out_bad;
	if (strlen(ec.seeker) > ATTUNE_MAX_SEEKER_BYTES ||
	    strlen(ec.draft) > ATTUNE_MAX_DRAFT_BYTES) {
		lint_error(lc, "seeker or draft over the scorer's size limit");
		goto out_bad;
	}
	if (get_channel(lc, obj, &ec.channel) != 0 ||
	    get_strv(lc, obj, "prior_turns", ATTUNE_MAX_PRIOR_TURNS, ATTUNE_MAX_PRIOR_TURN_BYTES,
	             &ec.prior, &ec.n_prior) != 0 ||
	    get_strv(lc, obj, "tags", 64, 128, &ec.tags, &ec.n_tags) != 0)
		goto out_bad;
	const cJSON *expect = cJSON_GetObjectItemCaseSensitive(obj, "expect");
	if (!cJSON_IsObject(expect)) {
		lint_error(lc, "\"expect\" must be an object");
		goto out_bad;
	}
	if (parse_levels(lc, expect, ec.levels) != 0 || parse_findings(lc, expect, &ec) != 0 ||
	    parse_risk(lc, expect, &ec) != 0)
		goto out_bad;
	if (grow((void **)&c->cases, &c->cap_cases, c->n_cases, sizeof(ec)) != EVAL_OK) {
		case_free(&ec);
		return EVAL_E_NOMEM;
	}
	c->cases[c->n_cases++] = ec;
	return EVAL_OK;
out_bad:
	case_free(&ec);
	return EVAL_E_FORMAT;
}

static eval_status add_pair(line_ctx *lc, const cJSON *obj, char *id)
{
	eval_corpus *c = lc->c;
	eval_pair p;
	memset(&p, 0, sizeof(p));
	p.id = id;
	p.line = lc->line;
	p.file = strdup(lc->path);
	p.seeker = get_string(lc, obj, "seeker", 1);
	p.better = get_string(lc, obj, "better", 1);
	p.worse = get_string(lc, obj, "worse", 1);
	char *why = get_string(lc, obj, "why", 1); /* for reviewers; not evaluated */
	int have_why = why != NULL;
	free(why);
	if (!p.file || !p.seeker || !p.better || !p.worse || !have_why)
		goto out_bad;
	if (strcmp(p.better, p.worse) == 0) {
		lint_error(lc, "\"better\" and \"worse\" are identical");
		goto out_bad;
	}
	if (get_channel(lc, obj, &p.channel) != 0 ||
	    get_strv(lc, obj, "prior_turns", ATTUNE_MAX_PRIOR_TURNS, ATTUNE_MAX_PRIOR_TURN_BYTES,
	             &p.prior, &p.n_prior) != 0)
		goto out_bad;
	if (grow((void **)&c->pairs, &c->cap_pairs, c->n_pairs, sizeof(p)) != EVAL_OK) {
		pair_free(&p);
		return EVAL_E_NOMEM;
	}
	c->pairs[c->n_pairs++] = p;
	return EVAL_OK;
out_bad:
	pair_free(&p);
	return EVAL_E_FORMAT;
}

static eval_status load_line(line_ctx *lc, const char *text, size_t len)
{
	cJSON *obj = cJSON_ParseWithLength(text, len);
	eval_status st = EVAL_E_FORMAT;
	if (!cJSON_IsObject(obj)) {
		lint_error(lc, "not a JSON object");
		goto out_free_json;
	}
	char *id = get_string(lc, obj, "id", 1);
	if (!id)
		goto out_free_json;
	lc->id = id;
	if (id_seen(lc->c, id)) {
		lint_error(lc, "duplicate id");
		free(id);
		goto out_free_json;
	}
	if (cJSON_GetObjectItemCaseSensitive(obj, "better"))
		st = add_pair(lc, obj, id);
	else if (cJSON_GetObjectItemCaseSensitive(obj, "draft"))
		st = add_case(lc, obj, id);
	else {
		lint_error(lc, "neither a case (\"draft\") nor a pair (\"better\")");
		free(id);
	}
out_free_json:
	lc->id = NULL;
	cJSON_Delete(obj);
	return st;
}

eval_status eval_corpus_load_file(eval_corpus *c, const char *path)
{
	eval_status st = EVAL_OK;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return EVAL_E_IO;
	}
	char *buf = malloc(EVAL_MAX_FILE_BYTES + 1);
	if (!buf) {
		st = EVAL_E_NOMEM;
		goto out_close;
	}
	size_t n = fread(buf, 1, EVAL_MAX_FILE_BYTES + 1, f);
	if (ferror(f) || n > EVAL_MAX_FILE_BYTES) {
		fprintf(stderr, "%s: read error or larger than %u bytes\n", path,
		        EVAL_MAX_FILE_BYTES);
		st = EVAL_E_IO;
		goto out_free_buf;
	}
	buf[n] = '\0';
	line_ctx lc = {c, path, 0, NULL};
	size_t pos = 0;
	while (pos < n) {
		char *nl = memchr(buf + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - (buf + pos)) : n - pos;
		lc.line++;
		if (len > EVAL_MAX_LINE_BYTES) {
			lint_error(&lc, "line longer than %u bytes", EVAL_MAX_LINE_BYTES);
		} else if (len > 0 && strspn(buf + pos, " \t\r") < len) {
			eval_status ls = load_line(&lc, buf + pos, len);
			if (ls == EVAL_E_NOMEM) {
				st = ls;
				goto out_free_buf;
			}
		}
		pos += len + 1;
	}
out_free_buf:
	free(buf);
out_close:
	fclose(f);
	return st;
}
