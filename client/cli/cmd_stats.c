/*
 * cmd_stats.c - `attune stats`: Supervision.GetTeamStats for a team (and
 * optionally one responder) over the last hour/day/week, readable or --json.
 */
#include <string.h>

#include "cli_stats.h"

static void stats_help(FILE *out)
{
	fputs("Usage: attune stats [--team NAME] [--window hour|day|week] [--responder-id ID]\n"
	      "                    [--json] [connection options]\n"
	      "\n"
	      "Aggregate statistics for supervisors: drafts scored, mean score, level\n"
	      "distribution, rate of each finding kind, suggestion use, risk flags.\n"
	      "No message text and no raw identifiers are ever returned.\n"
	      "  --team NAME            default: all teams\n"
	      "  --window W             hour (default), day or week\n"
	      "  --responder-id ID      one responder (pseudonymized by the server)\n"
	      "  --json                 one JSON object\n",
	      out);
	cli_conn_help(out, 0);
}

int cli_args_window(cli_args *a, attune_client_stats_window *out)
{
	const char *s = cli_args_value(a);

	if (s == NULL)
		return -1;
	if (strcmp(s, "hour") == 0)
		*out = ATTUNE_CLIENT_WINDOW_HOUR;
	else if (strcmp(s, "day") == 0)
		*out = ATTUNE_CLIENT_WINDOW_DAY;
	else if (strcmp(s, "week") == 0)
		*out = ATTUNE_CLIENT_WINDOW_WEEK;
	else {
		fprintf(stderr, "attune: %s: --window must be hour, day or week\n", a->cmd);
		return -1;
	}
	return 1;
}

int cli_cmd_stats(int argc, char **argv)
{
	cli_conn conn;
	cli_args a;
	const char *team = NULL, *responder = NULL;
	attune_client_stats_window window = ATTUNE_CLIENT_WINDOW_HOUR;
	attune_client *client = NULL;
	attune_client_team_stats *s = NULL;
	attune_client_error err;
	int r, rc, json = 0;

	cli_conn_init(&conn);
	cli_args_init(&a, "stats", argc, argv, 2);
	while ((r = cli_args_next(&a)) > 0) {
		if (strcmp(a.name, "help") == 0) {
			stats_help(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a.name, "team") == 0) {
			r = cli_args_string(&a, &team);
		} else if (strcmp(a.name, "responder-id") == 0) {
			r = cli_args_string(&a, &responder);
		} else if (strcmp(a.name, "window") == 0) {
			r = cli_args_window(&a, &window);
		} else if (strcmp(a.name, "json") == 0) {
			r = cli_args_flag(&a, &json);
		} else {
			r = cli_conn_option(&conn, &a, 0);
		}
		if (cli_args_flag_done(&a, r) != CLI_EXIT_OK)
			return CLI_EXIT_USAGE;
	}
	if (r < 0)
		return CLI_EXIT_USAGE;
	rc = cli_conn_open(&conn, "stats", &client);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (attune_client_team_stats_get(client, team, window, responder, &s, &err) !=
	    ATTUNE_CLIENT_OK) {
		cli_print_error("stats", &err);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (json) {
		cJSON *o = cli_stats_json(s, 0);
		char *text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
		cJSON_Delete(o);
		if (text == NULL) {
			fputs("attune: stats: out of memory\n", stderr);
			rc = CLI_EXIT_FAIL;
			goto out;
		}
		puts(text);
		cJSON_free(text);
	} else {
		cli_stats_print(stdout, s);
	}
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAIL;
out:
	attune_client_team_stats_free(s);
	attune_client_destroy(client);
	return rc;
}
