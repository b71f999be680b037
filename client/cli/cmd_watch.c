/*
 * cmd_watch.c - `attune watch`: Supervision.WatchMetrics, printing each
 * snapshot as it arrives (readable, or one JSON line each with --json)
 * until --count snapshots, --duration-ms, or the server ends the stream.
 */
#include <string.h>

#include "cli_stats.h"

typedef struct watch_out {
	int json;
	int write_failed;
} watch_out;

static void watch_help(FILE *out)
{
	fputs("Usage: attune watch [--team NAME] [--window hour|day|week] [--interval S]\n"
	      "                    [--count N] [--duration-ms MS] [--json] [connection options]\n"
	      "\n"
	      "Streams a statistics snapshot every S seconds (default 5) until --count\n"
	      "snapshots arrived, --duration-ms passed, or the server ends the stream.\n"
	      "  --json                 one JSON object per line per snapshot\n",
	      out);
	cli_conn_help(out, 0);
}

static int print_snapshot(const attune_client_team_stats *s, void *user)
{
	watch_out *w = user;

	if (w->json) {
		cJSON *o = cli_stats_json(s, 1);
		char *text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
		cJSON_Delete(o);
		if (text == NULL) {
			w->write_failed = 1;
			return 1;
		}
		puts(text);
		cJSON_free(text);
	} else {
		cli_stats_print(stdout, s);
		fputc('\n', stdout);
	}
	if (fflush(stdout) != 0) {
		w->write_failed = 1;
		return 1;
	}
	return 0;
}

int cli_cmd_watch(int argc, char **argv)
{
	cli_conn conn;
	cli_args a;
	const char *team = NULL;
	attune_client_stats_window window = ATTUNE_CLIENT_WINDOW_HOUR;
	unsigned interval = 0, count = 0, duration = 0;
	attune_client *client = NULL;
	attune_client_error err;
	watch_out w = {0, 0};
	int r, rc;

	cli_conn_init(&conn);
	cli_args_init(&a, "watch", argc, argv, 2);
	while ((r = cli_args_next(&a)) > 0) {
		if (strcmp(a.name, "help") == 0) {
			watch_help(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a.name, "team") == 0) {
			r = cli_args_string(&a, &team);
		} else if (strcmp(a.name, "window") == 0) {
			r = cli_args_window(&a, &window);
		} else if (strcmp(a.name, "interval") == 0) {
			r = cli_args_uint(&a, 1, 3600, &interval);
		} else if (strcmp(a.name, "count") == 0) {
			r = cli_args_uint(&a, 1, 1000000u, &count);
		} else if (strcmp(a.name, "duration-ms") == 0) {
			r = cli_args_uint(&a, 1, 86400000u, &duration);
		} else if (strcmp(a.name, "json") == 0) {
			r = cli_args_flag(&a, &w.json);
		} else {
			r = cli_conn_option(&conn, &a, 0);
		}
		if (cli_args_flag_done(&a, r) != CLI_EXIT_OK)
			return CLI_EXIT_USAGE;
	}
	if (r < 0)
		return CLI_EXIT_USAGE;
	rc = cli_conn_open(&conn, "watch", &client);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (attune_client_watch_metrics(client, team, window, interval, count, duration,
	                                print_snapshot, &w, &err) != ATTUNE_CLIENT_OK) {
		cli_print_error("watch", &err);
		rc = CLI_EXIT_FAIL;
	} else if (w.write_failed) {
		fputs("attune: watch: cannot write output\n", stderr);
		rc = CLI_EXIT_FAIL;
	}
	attune_client_destroy(client);
	return rc;
}
