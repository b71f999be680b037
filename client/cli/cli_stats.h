/*
 * cli_stats.h - the supervisor commands of the attune CLI (`stats`,
 * `watch`) and their printers, shared between their files.
 */
#ifndef ATTUNE_CLI_STATS_H
#define ATTUNE_CLI_STATS_H

#include "cli.h"

/* Readable form of one stats (or snapshot, when s->sequence != 0). */
void cli_stats_print(FILE *out, const attune_client_team_stats *s);
/* JSON form; with_sequence adds "sequence" and "time_unix_ms" first.
 * New object owned by the caller; NULL when out of memory. */
cJSON *cli_stats_json(const attune_client_team_stats *s, int with_sequence);

/* The value of --window ("hour|day|week") into *out: 1, or -1 after a
 * message when it is missing or another word. */
int cli_args_window(cli_args *a, attune_client_stats_window *out);

int cli_cmd_stats(int argc, char **argv);
int cli_cmd_watch(int argc, char **argv);

#endif
