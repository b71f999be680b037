/*
 * stats_print.c - readable and JSON forms of supervisor statistics
 * (`attune stats`, `attune watch`): aggregates only, no text, no raw ids.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include "cli_stats.h"

static const char *const dim_names[3] = {"acknowledge", "reflect", "explore"};
static const char *const lvl_names[3] = {"none", "weak", "strong"};

static int known_kind(unsigned k)
{
	return strcmp(attune_finding_kind_name((attune_finding_kind)k), "unspecified") != 0;
}

static void fmt_time(int64_t ms, char *buf, size_t cap)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	if (ms <= 0 || gmtime_r(&secs, &tm) == NULL ||
	    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "-");
}

void cli_stats_print(FILE *out, const attune_client_team_stats *s)
{
	char from[32], to[32];
	unsigned d, k;
	int any = 0;

	fmt_time(s->window_start_unix_ms, from, sizeof(from));
	fmt_time(s->window_end_unix_ms, to, sizeof(to));
	if (s->sequence != 0)
		fprintf(out, "Snapshot %llu\n", (unsigned long long)s->sequence);
	fprintf(out, "Team %s, last %s (%s .. %s)\n", s->team[0] != '\0' ? s->team : "(all)",
	        attune_client_stats_window_name(s->window), from, to);
	if (s->responder_pseudonym[0] != '\0')
		fprintf(out, "Responder pseudonym %s\n", s->responder_pseudonym);
	fprintf(out, "Drafts scored %llu, mean score %.1f\n", (unsigned long long)s->drafts_scored,
	        s->mean_score);
	fprintf(out, "  %-12s %8s %8s %8s\n", "", "none", "weak", "strong");
	for (d = 0; d < 3; d++)
		fprintf(out, "  %-12s %8llu %8llu %8llu\n", dim_names[d],
		        (unsigned long long)s->levels[d][0], (unsigned long long)s->levels[d][1],
		        (unsigned long long)s->levels[d][2]);
	fputs("Findings (count, share of drafts)\n", out);
	for (k = 1; k < ATTUNE_FINDING_KIND_MAX; k++) {
		if (!known_kind(k) || s->finding_count[k] == 0)
			continue;
		fprintf(out, "  %-22s %8llu %7.1f%%\n",
		        attune_finding_kind_name((attune_finding_kind)k),
		        (unsigned long long)s->finding_count[k], 100.0 * s->finding_per_draft[k]);
		any = 1;
	}
	if (!any)
		fputs("  none\n", out);
	fprintf(out,
	        "Suggestions offered %llu; outcomes %llu; used %llu (verbatim %llu); mean score "
	        "change %+.1f\n",
	        (unsigned long long)s->suggestions_offered, (unsigned long long)s->outcomes,
	        (unsigned long long)s->suggestions_used,
	        (unsigned long long)s->suggestions_used_verbatim, s->mean_score_change);
	fprintf(out, "Risk flags: low %llu, moderate %llu, high %llu\n",
	        (unsigned long long)s->risk_flags[1], (unsigned long long)s->risk_flags[2],
	        (unsigned long long)s->risk_flags[3]);
}

static int num(cJSON *o, const char *k, double v)
{
	return cJSON_AddNumberToObject(o, k, v) != NULL ? 0 : -1;
}

cJSON *cli_stats_json(const attune_client_team_stats *s, int with_sequence)
{
	cJSON *o = cJSON_CreateObject(), *lv, *f, *sg, *rk;
	unsigned d, k;

	if (o == NULL)
		return NULL;
	if (with_sequence && (num(o, "sequence", (double)s->sequence) ||
	                      num(o, "time_unix_ms", (double)s->time_unix_ms)))
		goto fail;
	if (cJSON_AddStringToObject(o, "team", s->team) == NULL ||
	    cJSON_AddStringToObject(o, "window", attune_client_stats_window_name(s->window)) ==
	        NULL ||
	    num(o, "window_start_unix_ms", (double)s->window_start_unix_ms) ||
	    num(o, "window_end_unix_ms", (double)s->window_end_unix_ms))
		goto fail;
	if (s->responder_pseudonym[0] != '\0' &&
	    cJSON_AddStringToObject(o, "responder_pseudonym", s->responder_pseudonym) == NULL)
		goto fail;
	if (num(o, "drafts_scored", (double)s->drafts_scored) ||
	    num(o, "mean_score", s->mean_score))
		goto fail;
	lv = cJSON_AddObjectToObject(o, "levels");
	if (lv == NULL)
		goto fail;
	for (d = 0; d < 3; d++) {
		cJSON *dim = cJSON_AddObjectToObject(lv, dim_names[d]);
		unsigned l;
		if (dim == NULL)
			goto fail;
		for (l = 0; l < 3; l++)
			if (num(dim, lvl_names[l], (double)s->levels[d][l]))
				goto fail;
	}
	f = cJSON_AddObjectToObject(o, "findings");
	if (f == NULL)
		goto fail;
	for (k = 1; k < ATTUNE_FINDING_KIND_MAX; k++) {
		cJSON *one;
		if (!known_kind(k))
			continue;
		one = cJSON_AddObjectToObject(f, attune_finding_kind_name((attune_finding_kind)k));
		if (one == NULL || num(one, "count", (double)s->finding_count[k]) ||
		    num(one, "per_draft", s->finding_per_draft[k]))
			goto fail;
	}
	sg = cJSON_AddObjectToObject(o, "suggestions");
	if (sg == NULL || num(sg, "offered", (double)s->suggestions_offered) ||
	    num(sg, "outcomes", (double)s->outcomes) ||
	    num(sg, "used", (double)s->suggestions_used) ||
	    num(sg, "used_verbatim", (double)s->suggestions_used_verbatim) ||
	    num(sg, "mean_score_change", s->mean_score_change))
		goto fail;
	rk = cJSON_AddObjectToObject(o, "risk_flags");
	if (rk == NULL || num(rk, "low", (double)s->risk_flags[1]) ||
	    num(rk, "moderate", (double)s->risk_flags[2]) ||
	    num(rk, "high", (double)s->risk_flags[3]))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}
