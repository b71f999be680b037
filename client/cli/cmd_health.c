/*
 * cmd_health.c - `attune health [--service NAME]`: grpc.health.v1 Check;
 * prints the serving status; exit 0 only when SERVING.
 */
#include <string.h>

#include "cli.h"

static void health_help(FILE *out)
{
	fputs("Usage: attune health [--service NAME] [connection options]\n"
	      "\n"
	      "Asks the server's grpc.health.v1 service; prints SERVING, NOT_SERVING,\n"
	      "SERVICE_UNKNOWN or UNKNOWN. Exit code 0 only when SERVING.\n"
	      "  --service NAME         e.g. attune.v1.Assist (default: the whole server)\n",
	      out);
	cli_conn_help(out, 0);
}

int cli_cmd_health(int argc, char **argv)
{
	cli_conn conn;
	cli_args a;
	const char *service = NULL;
	attune_client *client = NULL;
	attune_client_serving_status st = ATTUNE_CLIENT_SERVING_UNKNOWN;
	attune_client_error err;
	int r, rc;

	cli_conn_init(&conn);
	cli_args_init(&a, "health", argc, argv, 2);
	while ((r = cli_args_next(&a)) > 0) {
		if (strcmp(a.name, "help") == 0) {
			health_help(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a.name, "service") == 0) {
			r = cli_args_string(&a, &service);
		} else {
			r = cli_conn_option(&conn, &a, 0);
		}
		if (cli_args_flag_done(&a, r) != CLI_EXIT_OK)
			return CLI_EXIT_USAGE;
	}
	if (r < 0)
		return CLI_EXIT_USAGE;
	rc = cli_conn_open(&conn, "health", &client);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (attune_client_health(client, service, &st, &err) != ATTUNE_CLIENT_OK) {
		cli_print_error("health", &err);
		rc = CLI_EXIT_FAIL;
	} else {
		puts(attune_client_serving_status_name(st));
		rc = st == ATTUNE_CLIENT_SERVING ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	attune_client_destroy(client);
	return rc;
}
