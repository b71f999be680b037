/*
 * corpus_pairs.h - the labelled corpus (the JSON Lines files in tests/data/corpus) as
 * seeker/draft pairs for the wire tests: every line's seeker with each of its
 * "draft", "better" and "worse" texts that is a non-empty string.
 */
#ifndef ATTUNE_TEST_CORPUS_PAIRS_H
#define ATTUNE_TEST_CORPUS_PAIRS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"

typedef void (*corpus_pair_fn)(const char *seeker, const char *draft, void *arg);

/* Calls fn for every pair of the corpus files in dir; returns how many
 * files could not be read (0 when all were). */
static inline int corpus_for_each_pair(const char *dir, corpus_pair_fn fn, void *arg)
{
	static const char *const files[] = {"cases-1.jsonl", "cases-2.jsonl", "cases-3.jsonl",
	                                    "cases-4.jsonl", "cases-5.jsonl", "pairs.jsonl"};
	static const char *const drafts[] = {"draft", "better", "worse"};
	int missing = 0;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024];
		char *all;
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (!(all = check_read_file(path, NULL))) {
			missing++;
			continue;
		}
		for (char *line = all; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			cJSON *j = cJSON_Parse(line);
			const cJSON *seeker = cJSON_GetObjectItemCaseSensitive(j, "seeker");
			for (size_t d = 0; d < sizeof(drafts) / sizeof(drafts[0]); d++) {
				const cJSON *draft = cJSON_GetObjectItemCaseSensitive(j, drafts[d]);
				if (cJSON_IsString(seeker) && cJSON_IsString(draft) &&
				    *draft->valuestring)
					fn(seeker->valuestring, draft->valuestring, arg);
			}
			cJSON_Delete(j);
			line = nl ? nl + 1 : NULL;
		}
		free(all);
	}
	return missing;
}

#endif
