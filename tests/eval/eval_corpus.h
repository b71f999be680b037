/*
 * eval_corpus.h - loads and validates the labelled evaluation corpus
 * (the .jsonl files in tests/data/corpus: case lines and pair lines) for
 * attune_eval.
 * Format and labelling rules: tests/data/corpus/README.md.
 */
#ifndef ATTUNE_EVAL_CORPUS_H
#define ATTUNE_EVAL_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "attune/scorer.h"

typedef enum eval_status {
	EVAL_OK = 0,
	EVAL_E_NOMEM = 1, /* allocation failed */
	EVAL_E_IO = 2,    /* a file could not be opened or read */
	EVAL_E_FORMAT = 3 /* a line is malformed (details were printed to stderr) */
} eval_status;

const char *eval_strerror(eval_status st);

/* Hard limits on what one corpus file / line may hold. */
#define EVAL_MAX_FILE_BYTES (16u * 1024u * 1024u)
#define EVAL_MAX_LINE_BYTES (256u * 1024u)
#define EVAL_MAX_FINDINGS   64u

typedef struct eval_expected_finding {
	attune_finding_kind kind;
	size_t start, end; /* byte range of the phrase inside the draft */
	int optional;      /* 1: neither required nor counted as a false positive */
} eval_expected_finding;

typedef struct eval_case {
	char *id, *domain, *file;
	unsigned line;
	attune_channel channel;
	char *seeker, *draft;
	char **prior; /* prior responder turns, oldest first */
	size_t n_prior;
	unsigned levels[3]; /* acknowledge, reflect, explore */
	eval_expected_finding *findings;
	size_t n_findings;
	attune_risk_level risk_level;
	uint32_t risk_categories; /* bit (1u << attune_risk_category) */
	char **tags;
	size_t n_tags;
} eval_case;

typedef struct eval_pair {
	char *id, *file;
	unsigned line;
	attune_channel channel;
	char *seeker, *better, *worse;
	char **prior;
	size_t n_prior;
} eval_pair;

typedef struct eval_corpus {
	eval_case *cases;
	size_t n_cases, cap_cases;
	eval_pair *pairs;
	size_t n_pairs, cap_pairs;
	size_t n_errors; /* lint errors found so far (each printed to stderr) */
} eval_corpus;

/* Initializes an empty corpus (no allocation). */
void eval_corpus_init(eval_corpus *c);
/* Frees everything the corpus owns; the struct is left empty. NULL is a no-op. */
void eval_corpus_free(eval_corpus *c);

/* Reads one JSONL file and appends its valid lines to `c`. Every malformed
 * line is reported on stderr as "path:line: problem" (never with message
 * text), counted in c->n_errors and skipped. Duplicate ids across files are
 * errors too. Returns EVAL_E_IO / EVAL_E_NOMEM for failures that stop the
 * load; EVAL_OK otherwise (check n_errors for lint problems). */
eval_status eval_corpus_load_file(eval_corpus *c, const char *path);

/* 1 if the case carries `tag` exactly. */
int eval_case_has_tag(const eval_case *ec, const char *tag);

#endif
