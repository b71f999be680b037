/*
 * batch.c - `attune score --jsonl`: reads one JSON object per line, scores
 * it through the attune_client (online or offline, same code) and writes one
 * JSON line per input line: the result, or an error object for that line.
 * Bad lines never stop the batch. Error messages never quote input text.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One input line, bounded by CLI_MAX_LINE_BYTES. */
typedef struct line_buf {
	char *data; /* CLI_MAX_LINE_BYTES + 1 bytes */
	size_t len;
	int too_long; /* the line was longer than the cap; data holds its start */
} line_buf;

/* Reads the next line (without its '\n'); 0 at EOF with nothing read. */
static int read_line(FILE *in, line_buf *lb)
{
	int ch, any = 0;

	lb->len = 0;
	lb->too_long = 0;
	while ((ch = getc_unlocked(in)) != EOF) {
		any = 1;
		if (ch == '\n')
			break;
		if (lb->len < CLI_MAX_LINE_BYTES)
			lb->data[lb->len++] = (char)ch;
		else
			lb->too_long = 1;
	}
	if (lb->len > 0 && lb->data[lb->len - 1] == '\r')
		lb->len--;
	lb->data[lb->len] = '\0';
	return any;
}

static int is_blank(const char *p, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* 1 if a JSON string in the line holds the escape \u0000, which would
 * silently cut the C string cJSON gives back. */
static int has_nul_escape(const char *p, size_t len)
{
	size_t i;
	int in_str = 0;

	for (i = 0; i < len; i++) {
		if (!in_str) {
			if (p[i] == '"')
				in_str = 1;
			continue;
		}
		if (p[i] == '"') {
			in_str = 0;
		} else if (p[i] == '\\' && i + 1 < len) {
			i++;
			if (p[i] == 'u' && i + 4 < len && memcmp(p + i + 1, "0000", 4) == 0)
				return 1;
		}
	}
	return 0;
}

/* Why a line could not be turned into a request. */
typedef struct line_error {
	attune_client_code code;
	char message[ATTUNE_CLIENT_ERROR_MESSAGE_MAX];
} line_error;

static int line_fail(line_error *e, const char *message)
{
	e->code = ATTUNE_CLIENT_INVALID_ARGUMENT;
	snprintf(e->message, sizeof(e->message), "%s", message);
	return -1;
}

/* Optional string member: absent/null leaves *out NULL; other types fail. */
static int opt_string(const cJSON *obj, const char *key, const char **out, line_error *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v)) {
		e->code = ATTUNE_CLIENT_INVALID_ARGUMENT;
		snprintf(e->message, sizeof(e->message), "%s: must be a string", key);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

static attune_text text_of(const char *s)
{
	attune_text t;
	t.ptr = s;
	t.len = s != NULL ? strlen(s) : 0;
	return t;
}

/* Fills req from a parsed line object; *turns is malloc'd (caller frees). */
static int build_request(const cJSON *obj, attune_client_score_request *req, attune_text **turns,
                         line_error *e)
{
	const char *seeker, *draft, *channel;
	const cJSON *prior, *maxs, *item;
	size_t n = 0;

	*turns = NULL;
	attune_client_score_request_init(req);
	if (opt_string(obj, "seeker", &seeker, e) || opt_string(obj, "draft", &draft, e) ||
	    opt_string(obj, "channel", &channel, e) ||
	    opt_string(obj, "conversation_id", &req->conversation_id, e) ||
	    opt_string(obj, "responder_id", &req->responder_id, e) ||
	    opt_string(obj, "team", &req->team, e) || opt_string(obj, "locale", &req->locale, e))
		return -1;
	req->seeker = text_of(seeker);
	req->draft = text_of(draft); /* missing -> empty: the library names the field */
	if (channel != NULL && channel[0] != '\0') {
		req->channel = attune_channel_from_name(channel);
		if (req->channel == ATTUNE_CHANNEL_UNSPECIFIED &&
		    strcmp(channel, "unspecified") != 0)
			return line_fail(
			    e, "channel: unknown (voice_notes, chat, sms, patient_portal)");
	}
	maxs = cJSON_GetObjectItemCaseSensitive(obj, "max_suggestions");
	if (maxs != NULL && !cJSON_IsNull(maxs)) {
		if (!cJSON_IsNumber(maxs) || maxs->valuedouble < 0 ||
		    maxs->valuedouble > ATTUNE_MAX_SUGGESTIONS ||
		    maxs->valuedouble != (double)maxs->valueint)
			return line_fail(e, "max_suggestions: must be an integer from 0 to 8");
		req->max_suggestions = (unsigned)maxs->valueint;
	}
	prior = cJSON_GetObjectItemCaseSensitive(obj, "prior_turns");
	if (prior == NULL || cJSON_IsNull(prior))
		return 0;
	if (!cJSON_IsArray(prior))
		return line_fail(e, "prior_turns: must be an array of strings");
	*turns = calloc((size_t)cJSON_GetArraySize(prior) + 1, sizeof(**turns));
	if (*turns == NULL) {
		e->code = ATTUNE_CLIENT_RESOURCE_EXHAUSTED;
		snprintf(e->message, sizeof(e->message), "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(item, prior)
	{
		if (!cJSON_IsString(item))
			return line_fail(e, "prior_turns: must be an array of strings");
		(*turns)[n++] = text_of(item->valuestring);
	}
	req->prior_turns = *turns;
	req->n_prior_turns = n;
	return 0;
}

/* Parses the line into a JSON object, or explains why not. */
static cJSON *parse_line(const line_buf *lb, line_error *e)
{
	const char *end = NULL;
	cJSON *obj;

	if (lb->too_long) {
		e->code = ATTUNE_CLIENT_INVALID_ARGUMENT;
		snprintf(e->message, sizeof(e->message), "line: longer than %u bytes",
		         CLI_MAX_LINE_BYTES);
		return NULL;
	}
	if (memchr(lb->data, '\0', lb->len) != NULL) {
		line_fail(e, "line: contains a NUL byte");
		return NULL;
	}
	obj = cJSON_ParseWithLengthOpts(lb->data, lb->len, &end, 0);
	if (obj == NULL || (end != NULL && !is_blank(end, lb->len - (size_t)(end - lb->data)))) {
		cJSON_Delete(obj);
		line_fail(e, "line: not valid JSON");
		return NULL;
	}
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		line_fail(e, "line: must be a JSON object");
		return NULL;
	}
	return obj;
}

/* Scores one line; returns the output object (NULL only when out of memory)
 * and sets *failed when the line's answer is an error. */
static cJSON *process_line(attune_client *client, const line_buf *lb, int *failed)
{
	line_error e;
	cJSON *obj, *out = NULL, *null_id = NULL;
	const cJSON *id = NULL;
	attune_client_score_request req;
	attune_text *turns = NULL;
	attune_client_score_response *resp = NULL;
	attune_client_error err;

	*failed = 1;
	obj = parse_line(lb, &e);
	if (obj == NULL)
		return cli_json_error(NULL, e.code, e.message);
	id = cJSON_GetObjectItemCaseSensitive(obj, "id");
	if (id == NULL) {
		null_id = cJSON_CreateNull();
		id = null_id;
	}
	if (has_nul_escape(lb->data, lb->len)) {
		/* cJSON would cut the string at the NUL: refuse instead of truncating */
		line_fail(&e, "line: a string holds the escape \\u0000 (NUL is not allowed)");
		out = cli_json_error(id, e.code, e.message);
		goto out_free;
	}
	if (build_request(obj, &req, &turns, &e) != 0) {
		out = cli_json_error(id, e.code, e.message);
		goto out_free;
	}
	if (attune_client_score(client, &req, &resp, &err) != ATTUNE_CLIENT_OK) {
		out = cli_json_error(id, err.code, err.message);
		goto out_free;
	}
	out = cli_json_result(attune_client_score_response_result(resp), id, 0);
	*failed = 0;
	attune_client_score_response_free(resp);
out_free:
	free(turns);
	cJSON_Delete(null_id);
	cJSON_Delete(obj);
	return out;
}

int cli_batch_run(attune_client *client, FILE *in, FILE *out)
{
	line_buf lb;
	int any_failed = 0;

	lb.data = malloc(CLI_MAX_LINE_BYTES + 1);
	if (lb.data == NULL) {
		fputs("attune: score: out of memory\n", stderr);
		return CLI_EXIT_FAIL;
	}
	while (read_line(in, &lb)) {
		int failed = 0;
		cJSON *o;
		char *text;

		if (!lb.too_long && is_blank(lb.data, lb.len))
			continue;
		o = process_line(client, &lb, &failed);
		text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
		cJSON_Delete(o);
		if (text == NULL) {
			fputs("attune: score: out of memory\n", stderr);
			any_failed = 1;
			break;
		}
		fputs(text, out);
		fputc('\n', out);
		cJSON_free(text);
		any_failed |= failed;
	}
	free(lb.data);
	if (ferror(in)) {
		fputs("attune: score: --jsonl: cannot read input\n", stderr);
		any_failed = 1;
	}
	if (fflush(out) != 0 || ferror(out)) {
		fputs("attune: score: cannot write output\n", stderr);
		any_failed = 1;
	}
	return any_failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
