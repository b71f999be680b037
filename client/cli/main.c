/*
 * main.c - entry point of the `attune` CLI: dispatches to one command file
 * per command (score, health) and prints the top-level help.
 */
#include <string.h>

#include "cli.h"
#include "cli_stats.h"

static void main_help(FILE *out)
{
	fputs("Usage: attune COMMAND [options]   (attune COMMAND --help for details)\n"
	      "\n"
	      "Client for attuned, the empathy-scoring sidecar. A human always reviews and\n"
	      "sends; Attune never sends anything to a help-seeker.\n"
	      "\n"
	      "Commands:\n"
	      "  score    score a draft reply (readable report, --json, or --jsonl batch;\n"
	      "           --offline scores in-process without a server)\n"
	      "  health   ask the server's health service; exit 0 only when SERVING\n"
	      "  stats    team statistics for supervisors (hour/day/week; --json)\n"
	      "  watch    stream statistics snapshots every few seconds (--json: JSONL)\n"
	      "\n"
	      "Environment: ATTUNE_TARGET (default 127.0.0.1:50051), ATTUNE_TOKEN, NO_COLOR.\n"
	      "Exit codes: 0 ok, 1 a call or a batch line failed, 2 usage error.\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		main_help(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("attune %s (%s)\n", ATTUNE_VERSION, ATTUNE_SCORER_VERSION);
		return CLI_EXIT_OK;
	}
	if (strcmp(cmd, "score") == 0)
		return cli_cmd_score(argc, argv);
	if (strcmp(cmd, "health") == 0)
		return cli_cmd_health(argc, argv);
	if (strcmp(cmd, "stats") == 0)
		return cli_cmd_stats(argc, argv);
	if (strcmp(cmd, "watch") == 0)
		return cli_cmd_watch(argc, argv);
	fputs("attune: unknown command; see attune --help\n", stderr);
	return CLI_EXIT_USAGE;
}
