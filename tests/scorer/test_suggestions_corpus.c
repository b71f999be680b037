/*
 * test_suggestions_corpus.c - scores every case and pair of the labelled
 * corpus (every .jsonl file in tests/data/corpus) with suggestions on, and checks each
 * suggestion: no advice, self-disclosure, minimizing, judgment or promise
 * when scored on its own; projected_score equals the score of the draft with
 * it applied; replacement spans inside the draft.
 */
#include "attune/scorer.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE  (1u << 20)
#define MAX_PRIOR 16

typedef struct stats {
	long drafts, suggestions, unsafe, wrong_projection, bad_span;
} stats;

static int negatives(const attune_score_result *r)
{
	int n = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		n += !attune_finding_kind_is_positive(r->findings[i].kind) &&
		     r->findings[i].kind != ATTUNE_FINDING_FORMULAIC_REPETITION;
	return n;
}

static unsigned rescore(const attune_scorer *s, const attune_score_input *base, const char *draft)
{
	attune_score_input in = *base;
	in.draft = (attune_text){draft, strlen(draft)};
	in.max_suggestions = 0;
	attune_score_result *r;
	if (attune_score(s, &in, &r) != ATTUNE_OK)
		return 999;
	unsigned v = r->score;
	attune_score_result_free(r);
	return v;
}

static void check_draft(const attune_scorer *s, const char *id, const char *seeker,
                        const char *draft, const cJSON *prior, stats *st)
{
	attune_text pt[MAX_PRIOR];
	size_t np = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, prior)
	{
		if (cJSON_IsString(t) && np < MAX_PRIOR)
			pt[np++] = (attune_text){t->valuestring, strlen(t->valuestring)};
	}
	for (uint64_t key = 0; key < 3; key++) {
		attune_score_input in = {
		    {seeker, strlen(seeker)}, {draft, strlen(draft)}, pt,        np, "en",
		    ATTUNE_CHANNEL_CHAT,      ATTUNE_MAX_SUGGESTIONS, key * 7919};
		attune_score_result *r;
		if (attune_score(s, &in, &r) != ATTUNE_OK) {
			fprintf(stderr, "%s: attune_score failed\n", id);
			st->unsafe++;
			return;
		}
		st->drafts++;
		for (size_t i = 0; i < r->n_suggestions; i++) {
			const attune_suggestion *g = &r->suggestions[i];
			st->suggestions++;
			attune_score_input alone = in;
			alone.draft = (attune_text){g->text, strlen(g->text)};
			alone.prior_turns = NULL;
			alone.n_prior_turns = 0;
			alone.max_suggestions = 0;
			attune_score_result *a;
			if (attune_score(s, &alone, &a) != ATTUNE_OK || negatives(a)) {
				fprintf(stderr, "%s: unsafe suggestion (stem %s)\n", id,
				        g->stem_id);
				st->unsafe++;
			}
			attune_score_result_free(a);
			size_t dl = strlen(draft), tl = strlen(g->text);
			char *applied = malloc(dl + tl + 2);
			if (!applied)
				abort();
			if (g->placement == ATTUNE_PLACEMENT_REPLACE_SPAN) {
				if (g->start > g->end || g->end > dl) {
					st->bad_span++;
					free(applied);
					continue;
				}
				sprintf(applied, "%.*s%s%s", (int)g->start, draft, g->text,
				        draft + g->end);
			} else if (g->placement == ATTUNE_PLACEMENT_BEFORE_DRAFT) {
				sprintf(applied, "%s %s", g->text, draft);
			} else {
				sprintf(applied, "%s %s", draft, g->text);
			}
			if (rescore(s, &in, applied) != g->projected_score) {
				fprintf(stderr, "%s: projected_score mismatch (stem %s)\n", id,
				        g->stem_id);
				st->wrong_projection++;
			}
			free(applied);
		}
		attune_score_result_free(r);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ATTUNE_CORPUS_DIR;
	attune_scorer *s;
	stats st = {0};
	if (attune_scorer_create(&s) != ATTUNE_OK)
		return 1;
	DIR *dp = opendir(dir);
	if (!dp) {
		printf("no corpus at %s; nothing to check\n", dir);
		attune_scorer_destroy(s);
		return 0;
	}
	char *line = malloc(MAX_LINE);
	struct dirent *e;
	while (line && (e = readdir(dp)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 6, ".jsonl") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "r");
		while (f && fgets(line, MAX_LINE, f)) {
			cJSON *j = cJSON_Parse(line);
			const cJSON *id = cJSON_GetObjectItem(j, "id"),
			            *sk = cJSON_GetObjectItem(j, "seeker");
			const cJSON *pr = cJSON_GetObjectItem(j, "prior_turns");
			const char *keys[] = {"draft", "better", "worse"};
			for (size_t k = 0; j && cJSON_IsString(sk) && k < 3; k++) {
				const cJSON *d = cJSON_GetObjectItem(j, keys[k]);
				if (cJSON_IsString(d) && d->valuestring[0])
					check_draft(s, cJSON_IsString(id) ? id->valuestring : "?",
					            sk->valuestring, d->valuestring, pr, &st);
			}
			cJSON_Delete(j);
		}
		if (f)
			fclose(f);
	}
	closedir(dp);
	free(line);
	attune_scorer_destroy(s);
	printf("drafts=%ld suggestions=%ld unsafe=%ld wrong_projection=%ld bad_span=%ld\n",
	       st.drafts, st.suggestions, st.unsafe, st.wrong_projection, st.bad_span);
	return st.unsafe || st.wrong_projection || st.bad_span || !line;
}
