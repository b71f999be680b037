/*
 * cli.h - pieces of the `attune` command-line tool shared between its
 * command files: option parsing helpers, common connection flags, the
 * result printers (readable and JSON) and the JSONL batch runner.
 * Built only on the public APIs attune/client.h and attune/scorer.h.
 */
#ifndef ATTUNE_CLI_H
#define ATTUNE_CLI_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "attune/client.h"

/* Exit codes of every command. */
#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1 /* an RPC or a batch line failed, or not SERVING */
#define CLI_EXIT_USAGE 2 /* bad flags or unreadable input files */

/* Largest file read by --seeker-file/--draft-file/--token-file: larger
 * than every API limit, so over-limit texts still get the server's precise
 * error, yet bounded. */
#define CLI_MAX_FILE_BYTES (1024u * 1024u)
/* Largest JSONL line; longer lines are an error for that line. */
#define CLI_MAX_LINE_BYTES (4u * 1024u * 1024u)
#define CLI_MAX_PRIOR_ARGS 64u

/* --- argument scanning ------------------------------------------------- */

/* Walks argv[start..argc) one flag at a time. "--name=value" and
 * "--name value" are both accepted. */
typedef struct cli_args {
	int argc;
	char **argv;
	int i;            /* next index */
	const char *name; /* current flag without dashes */
	const char *inline_value;
	const char *cmd;  /* command name for messages */
	char namebuf[64]; /* storage of name */
} cli_args;

void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv, int start);
/* 1 and sets a->name if there is another flag; 0 at the end; -1 (after a
 * usage message) for a stray positional argument. */
int cli_args_next(cli_args *a);
/* The value of the current flag; NULL (after a usage message) if missing. */
const char *cli_args_value(cli_args *a);
/* 0 if the current flag has no inline value, else prints usage and -1. */
int cli_args_no_value(cli_args *a);

/* Parses a decimal unsigned in [min, max]; 0 on success, -1 + message. */
int cli_parse_uint(const char *cmd, const char *flag, const char *s, unsigned min, unsigned max,
                   unsigned *out);

/* The value of the current flag parsed as cli_parse_uint does: 1 when
 * taken (*out set), -1 (after a message) when missing or out of range. */
int cli_args_uint(cli_args *a, unsigned min, unsigned max, unsigned *out);
/* The value of the current flag into *out: 1, or -1 (after a message)
 * when it is missing. */
int cli_args_string(cli_args *a, const char **out);
/* A flag without a value: sets *flag to 1 and returns 1, or -1 (after a
 * message) when a value was given inline. */
int cli_args_flag(cli_args *a, int *flag);
/* Ends one turn of a command's flag loop: r is what its handlers said
 * (1 taken, 0 not known, -1 usage error already printed). Returns
 * CLI_EXIT_OK to go on, or CLI_EXIT_USAGE (after "attune: <cmd>: unknown
 * flag --<name>; see --help" for an unknown flag). */
int cli_args_flag_done(const cli_args *a, int r);

/* --- connection flags shared by every command --------------------------- */

typedef struct cli_conn {
	const char *target; /* --target, $ATTUNE_TARGET, default 127.0.0.1:50051 */
	unsigned deadline_ms;
	const char *tls_ca, *tls_cert, *tls_key, *tls_server_name;
	const char *token;      /* --token or $ATTUNE_TOKEN */
	const char *token_file; /* --token-file */
	int offline;            /* --offline (score only) */
} cli_conn;

void cli_conn_init(cli_conn *c);
/* If the current flag is a connection flag, consumes it: returns 1 when
 * handled, 0 when not a connection flag, -1 on a usage error. */
int cli_conn_option(cli_conn *c, cli_args *a, int allow_offline);
/* Creates the client (online or offline). Prints the error; returns an exit code. */
int cli_conn_open(const cli_conn *c, const char *cmd, attune_client **out);
/* Prints the common flags' help. */
void cli_conn_help(FILE *out, int with_offline);

/* --- helpers ------------------------------------------------------------- */

/* Prints `attune: <what>: <CODE>: <message>` to stderr. */
void cli_print_error(const char *what, const attune_client_error *err);
/* Reads a whole file ("-" = stdin), at most max bytes, into a malloc'd
 * NUL-terminated buffer; *len excludes the NUL. Returns 0, or -1 after
 * printing `attune: <cmd>: <flag>: ...`. */
int cli_read_file(const char *cmd, const char *flag, const char *path, size_t max, char **out,
                  size_t *len);

/* --- printers ------------------------------------------------------------ */

/* The one JSON form of a result, shared by online and offline paths.
 * When id is non-NULL a copy of it comes first as "id". detailed=0: exactly the batch fields
 * (score, levels, findings {kind,severity,start,end}, suggestions {kind,text,projected_score}, risk
 * {level,categories}); detailed=1 adds explanations, placements, spans,
 * guidance and risk spans (for --json). Returns a new object the caller
 * deletes, NULL when out of memory. */
cJSON *cli_json_result(const attune_score_result *r, const cJSON *id, int detailed);

/* The error object of a batch line: {"id":…, "error":{"code","message"}}.
 * id may be NULL (printed as null); it is duplicated. */
cJSON *cli_json_error(const cJSON *id, attune_client_code code, const char *message);

/* Readable report for a terminal; color=1 uses ANSI colours. Texts are the
 * ones that were scored (spans index into them). */
void cli_report_print(FILE *out, const attune_score_result *r, attune_text seeker,
                      attune_text draft, int color);

/* --- batch --------------------------------------------------------------- */

/* Runs `attune score --jsonl` over `in`, one output line per non-blank input
 * line on `out`. Returns CLI_EXIT_OK if every line scored, CLI_EXIT_FAIL if
 * any failed. */
int cli_batch_run(attune_client *client, FILE *in, FILE *out);

/* --- commands ------------------------------------------------------------ */

int cli_cmd_score(int argc, char **argv);
int cli_cmd_health(int argc, char **argv);

#endif
