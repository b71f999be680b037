/*
 * cmd_score.c - `attune score`: one draft from flags/files/stdin printed as
 * a readable report or --json, or a JSONL batch (--jsonl); online through
 * attuned or --offline with the linked scorer (same library calls).
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct score_opts {
	cli_conn conn;
	const char *seeker, *seeker_file, *draft, *draft_file, *jsonl;
	const char *prior[CLI_MAX_PRIOR_ARGS];
	size_t n_prior;
	const char *channel, *locale, *conversation_id, *responder_id, *team;
	unsigned max_suggestions;
	int no_suggestions, json, no_color;
	int single_flags; /* a flag that only makes sense for one draft was given */
} score_opts;

static void score_help(FILE *out)
{
	fputs("Usage: attune score --seeker TEXT --draft TEXT [options]\n"
	      "       attune score --jsonl FILE|- [--offline] [connection options]\n"
	      "\n"
	      "Scores how well a draft reply makes the help-seeker feel heard. Prints a\n"
	      "report: score 0-100, levels of acknowledge/reflect/explore, findings with\n"
	      "the draft span underlined, suggestions, and risk in the seeker's words.\n"
	      "Nothing is ever sent to the help-seeker: a human decides.\n"
	      "\n"
	      "Input:\n"
	      "  --seeker TEXT | --seeker-file FILE   the help-seeker's message (FILE - = stdin)\n"
	      "  --draft TEXT | --draft-file FILE     the responder's draft (required)\n"
	      "  --prior TEXT           an earlier responder turn, oldest first (repeatable)\n"
	      "  --channel NAME         voice_notes, chat, sms or patient_portal\n"
	      "  --locale TAG           BCP 47 locale (default en)\n"
	      "  --conversation-id ID   also varies suggestion wording deterministically\n"
	      "  --responder-id ID      --team NAME\n"
	      "  --max-suggestions N    1..8 (default 3)     --no-suggestions\n"
	      "Output:\n"
	      "  --json                 one JSON object instead of the report\n"
	      "  --no-color             no ANSI colour (default: colour only on a TTY)\n"
	      "Batch (QA):\n"
	      "  --jsonl FILE|-         one JSON object per line: {\"id\",\"seeker\",\"draft\",\n"
	      "                         \"prior_turns\":[...],\"channel\"} (optional:\n"
	      "                         conversation_id, responder_id, team, locale,\n"
	      "                         max_suggestions); one JSON line out per line in:\n"
	      "                         the result with the input id, or {\"id\",\"error\":\n"
	      "                         {\"code\",\"message\"}}. Exit 0 if all lines scored,\n"
	      "                         1 if any failed, 2 on usage errors.\n",
	      out);
	cli_conn_help(out, 1);
}

/* Handles one score-specific flag: 1 handled, 0 unknown, -1 usage error. */
static int score_option(score_opts *o, cli_args *a)
{
	static const struct {
		const char *name;
		size_t offset;
	} strings[] = {
	    {"seeker", offsetof(score_opts, seeker)},
	    {"seeker-file", offsetof(score_opts, seeker_file)},
	    {"draft", offsetof(score_opts, draft)},
	    {"draft-file", offsetof(score_opts, draft_file)},
	    {"channel", offsetof(score_opts, channel)},
	    {"locale", offsetof(score_opts, locale)},
	    {"conversation-id", offsetof(score_opts, conversation_id)},
	    {"responder-id", offsetof(score_opts, responder_id)},
	    {"team", offsetof(score_opts, team)},
	};
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		if (strcmp(a->name, strings[i].name) != 0)
			continue;
		v = cli_args_value(a);
		if (v == NULL)
			return -1;
		*(const char **)((char *)o + strings[i].offset) = v;
		o->single_flags = 1;
		return 1;
	}
	if (strcmp(a->name, "jsonl") == 0) {
		o->jsonl = cli_args_value(a);
		return o->jsonl != NULL ? 1 : -1;
	}
	if (strcmp(a->name, "prior") == 0) {
		v = cli_args_value(a);
		if (v == NULL)
			return -1;
		if (o->n_prior >= CLI_MAX_PRIOR_ARGS) {
			fprintf(stderr, "attune: score: at most %u --prior flags\n",
			        CLI_MAX_PRIOR_ARGS);
			return -1;
		}
		o->prior[o->n_prior++] = v;
		o->single_flags = 1;
		return 1;
	}
	if (strcmp(a->name, "max-suggestions") == 0) {
		if (cli_args_uint(a, 1, ATTUNE_MAX_SUGGESTIONS, &o->max_suggestions) < 0)
			return -1;
		o->single_flags = 1;
		return 1;
	}
	if (strcmp(a->name, "no-suggestions") == 0) {
		o->no_suggestions = o->single_flags = 1;
		return cli_args_no_value(a) == 0 ? 1 : -1;
	}
	if (strcmp(a->name, "json") == 0) {
		o->json = o->single_flags = 1;
		return cli_args_no_value(a) == 0 ? 1 : -1;
	}
	if (strcmp(a->name, "no-color") == 0) {
		o->no_color = 1;
		return cli_args_no_value(a) == 0 ? 1 : -1;
	}
	return 0;
}

/* Checks combinations; 0 if fine, else prints why and returns -1. */
static int check_opts(const score_opts *o)
{
	int stdin_users = 0;

	if (o->jsonl != NULL) {
		if (o->single_flags) {
			fputs("attune: score: --jsonl takes its texts and options from the input "
			      "lines; drop the single-draft flags\n",
			      stderr);
			return -1;
		}
		return 0;
	}
	if ((o->seeker != NULL && o->seeker_file != NULL) ||
	    (o->draft != NULL && o->draft_file != NULL)) {
		fputs("attune: score: give a text either inline or as a file, not both\n", stderr);
		return -1;
	}
	if (o->draft == NULL && o->draft_file == NULL) {
		fputs("attune: score: --draft or --draft-file is required (or --jsonl); see "
		      "--help\n",
		      stderr);
		return -1;
	}
	stdin_users += o->seeker_file != NULL && strcmp(o->seeker_file, "-") == 0;
	stdin_users += o->draft_file != NULL && strcmp(o->draft_file, "-") == 0;
	if (stdin_users > 1) {
		fputs("attune: score: only one input can come from stdin (-)\n", stderr);
		return -1;
	}
	if (o->no_suggestions && o->max_suggestions != 0) {
		fputs("attune: score: --no-suggestions and --max-suggestions conflict\n", stderr);
		return -1;
	}
	return 0;
}

/* Prints the --json form: the shared result JSON plus response metadata. */
static int print_json(const attune_client_score_response *resp)
{
	cJSON *o = cli_json_result(attune_client_score_response_result(resp), NULL, 1);
	const char *score_id = attune_client_score_response_score_id(resp);
	char *text;

	if (o == NULL ||
	    cJSON_AddBoolToObject(o, "human_review_required",
	                          attune_client_score_response_human_review_required(resp)) ==
	        NULL ||
	    cJSON_AddStringToObject(o, "scorer_version",
	                            attune_client_score_response_scorer_version(resp)) == NULL ||
	    (score_id[0] != '\0' && cJSON_AddStringToObject(o, "score_id", score_id) == NULL)) {
		cJSON_Delete(o);
		fputs("attune: score: out of memory\n", stderr);
		return CLI_EXIT_FAIL;
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL) {
		fputs("attune: score: out of memory\n", stderr);
		return CLI_EXIT_FAIL;
	}
	puts(text);
	cJSON_free(text);
	return CLI_EXIT_OK;
}

static int score_one(const score_opts *o, attune_client *client)
{
	attune_client_score_request req;
	attune_client_score_response *resp = NULL;
	attune_client_error err;
	attune_text turns[CLI_MAX_PRIOR_ARGS];
	char *seeker_buf = NULL, *draft_buf = NULL;
	size_t i;
	int rc = CLI_EXIT_USAGE;

	attune_client_score_request_init(&req);
	if (o->seeker_file != NULL) {
		if (cli_read_file("score", "seeker-file", o->seeker_file, CLI_MAX_FILE_BYTES,
		                  &seeker_buf, &req.seeker.len) != 0)
			goto out_free;
		req.seeker.ptr = seeker_buf;
	} else if (o->seeker != NULL) {
		req.seeker.ptr = o->seeker;
		req.seeker.len = strlen(o->seeker);
	}
	if (o->draft_file != NULL) {
		if (cli_read_file("score", "draft-file", o->draft_file, CLI_MAX_FILE_BYTES,
		                  &draft_buf, &req.draft.len) != 0)
			goto out_free;
		req.draft.ptr = draft_buf;
	} else {
		req.draft.ptr = o->draft;
		req.draft.len = strlen(o->draft);
	}
	for (i = 0; i < o->n_prior; i++) {
		turns[i].ptr = o->prior[i];
		turns[i].len = strlen(o->prior[i]);
	}
	req.prior_turns = turns;
	req.n_prior_turns = o->n_prior;
	if (o->channel != NULL) {
		req.channel = attune_channel_from_name(o->channel);
		if (req.channel == ATTUNE_CHANNEL_UNSPECIFIED) {
			fputs("attune: score: --channel must be voice_notes, chat, sms or "
			      "patient_portal\n",
			      stderr);
			goto out_free;
		}
	}
	req.locale = o->locale;
	req.conversation_id = o->conversation_id;
	req.responder_id = o->responder_id;
	req.team = o->team;
	req.suggestions_disabled = o->no_suggestions;
	req.max_suggestions = o->max_suggestions;

	if (attune_client_score(client, &req, &resp, &err) != ATTUNE_CLIENT_OK) {
		cli_print_error("score", &err);
		rc = CLI_EXIT_FAIL;
		goto out_free;
	}
	if (o->json) {
		rc = print_json(resp);
	} else {
		int color = !o->no_color && getenv("NO_COLOR") == NULL && isatty(STDOUT_FILENO);
		cli_report_print(stdout, attune_client_score_response_result(resp), req.seeker,
		                 req.draft, color);
		rc = CLI_EXIT_OK;
	}
	if (fflush(stdout) != 0) {
		fputs("attune: score: cannot write output\n", stderr);
		rc = CLI_EXIT_FAIL;
	}
	attune_client_score_response_free(resp);
out_free:
	free(seeker_buf);
	free(draft_buf);
	return rc;
}

static int score_batch(const score_opts *o, attune_client *client)
{
	FILE *in;
	int rc;

	if (strcmp(o->jsonl, "-") == 0) {
		in = stdin;
	} else {
		in = fopen(o->jsonl, "rb");
		if (in == NULL) {
			fputs("attune: score: --jsonl: cannot open file\n", stderr);
			return CLI_EXIT_USAGE;
		}
	}
	rc = cli_batch_run(client, in, stdout);
	if (in != stdin)
		fclose(in);
	return rc;
}

int cli_cmd_score(int argc, char **argv)
{
	score_opts o;
	cli_args a;
	attune_client *client = NULL;
	int r, rc;

	memset(&o, 0, sizeof(o));
	cli_conn_init(&o.conn);
	cli_args_init(&a, "score", argc, argv, 2);
	while ((r = cli_args_next(&a)) > 0) {
		if (strcmp(a.name, "help") == 0) {
			score_help(stdout);
			return CLI_EXIT_OK;
		}
		r = cli_conn_option(&o.conn, &a, 1);
		if (r == 0)
			r = score_option(&o, &a);
		if (cli_args_flag_done(&a, r) != CLI_EXIT_OK)
			return CLI_EXIT_USAGE;
	}
	if (r < 0 || check_opts(&o) != 0)
		return CLI_EXIT_USAGE;
	rc = cli_conn_open(&o.conn, "score", &client);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = o.jsonl != NULL ? score_batch(&o, client) : score_one(&o, client);
	attune_client_destroy(client);
	return rc;
}
