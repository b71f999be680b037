/*
 * attune_eval.c - scores the labelled corpus with the scorer library and
 * prints how well it agrees with the labels (issue 3's measurement).
 * Usage: attune_eval [--check] [--verbose] [--show-text] [--lint] [FILE...]
 */
#define _POSIX_C_SOURCE 200809L /* strdup, opendir */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/scorer.h"
#include "eval_corpus.h"
#include "eval_metrics.h"

#ifndef ATTUNE_CORPUS_DIR
#define ATTUNE_CORPUS_DIR "tests/data/corpus"
#endif

/* Minimum corpus size the issue asks for; enforced by --lint on the default set. */
#define EVAL_MIN_CASES 400u
#define EVAL_MIN_PAIRS 80u
#define EVAL_MAX_FILES 256u

typedef struct eval_opts {
	int check, verbose, show_text, lint;
	const char **files;
	size_t n_files;
} eval_opts;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: attune_eval [--check] [--verbose] [--show-text] [--lint] [FILE...]\n"
	        "  FILE       corpus JSONL files (default: every *.jsonl in %s)\n"
	        "  --lint     only validate the corpus (ids, kinds, phrases, risk labels)\n"
	        "  --verbose  list every disagreement (id, expected vs got, byte spans)\n"
	        "  --show-text  with --verbose, also print the corpus text of each span\n"
	        "  --check    exit 1 unless the issue-3 floors are met\n",
	        ATTUNE_CORPUS_DIR);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lists *.jsonl in the corpus directory, sorted. Caller frees each and the array. */
static char **default_files(size_t *n_out)
{
	DIR *d = opendir(ATTUNE_CORPUS_DIR);
	char **v = NULL;
	size_t n = 0;
	*n_out = 0;
	if (!d) {
		fprintf(stderr, "attune_eval: cannot open %s\n", ATTUNE_CORPUS_DIR);
		return NULL;
	}
	v = calloc(EVAL_MAX_FILES, sizeof(*v));
	if (!v)
		goto out_close;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < EVAL_MAX_FILES) {
		size_t len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".jsonl") != 0)
			continue;
		size_t need = strlen(ATTUNE_CORPUS_DIR) + 1 + len + 1;
		v[n] = malloc(need);
		if (!v[n])
			break;
		snprintf(v[n], need, "%s/%s", ATTUNE_CORPUS_DIR, de->d_name);
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*n_out = n;
out_close:
	closedir(d);
	return v;
}

static void print_lint_summary(const eval_corpus *c)
{
	size_t risk = 0, high = 0, fig = 0, adv = 0, optional = 0, findings = 0;
	for (size_t i = 0; i < c->n_cases; i++) {
		const eval_case *ec = &c->cases[i];
		risk += (size_t)(ec->risk_level != ATTUNE_RISK_NONE);
		high += (size_t)(ec->risk_level == ATTUNE_RISK_HIGH);
		fig += (size_t)eval_case_has_tag(ec, "figurative");
		adv += (size_t)(eval_case_has_tag(ec, "adversarial:negated_risk") ||
		                eval_case_has_tag(ec, "adversarial:past_risk"));
		for (size_t j = 0; j < ec->n_findings; j++) {
			findings++;
			optional += (size_t)ec->findings[j].optional;
		}
	}
	printf("corpus: %zu cases, %zu pairs, %zu labelled findings (%zu optional)\n", c->n_cases,
	       c->n_pairs, findings, optional);
	printf("risk cases: %zu (high %zu); figurative: %zu; negated/past risk: %zu\n", risk, high,
	       fig, adv);
	printf("lint errors: %zu\n", c->n_errors);
}

static attune_text *make_turns(char **prior, size_t n)
{
	attune_text *t = n ? calloc(n, sizeof(*t)) : NULL;
	for (size_t i = 0; t && i < n; i++) {
		t[i].ptr = prior[i];
		t[i].len = strlen(prior[i]);
	}
	return t;
}

/* Scores one draft; returns the result or NULL (reported with the id). */
static attune_score_result *score_one(const attune_scorer *s, const char *id, const char *seeker,
                                      const char *draft, char **prior, size_t n_prior,
                                      attune_channel ch)
{
	attune_score_input in;
	attune_score_result *r = NULL;
	memset(&in, 0, sizeof(in));
	in.seeker.ptr = seeker;
	in.seeker.len = strlen(seeker);
	in.draft.ptr = draft;
	in.draft.len = strlen(draft);
	in.prior_turns = make_turns(prior, n_prior);
	in.n_prior_turns = in.prior_turns ? n_prior : 0;
	in.locale = "en";
	in.channel = ch;
	in.max_suggestions = 0;
	attune_status st = attune_score(s, &in, &r);
	if (st != ATTUNE_OK) {
		fprintf(stderr, "%s: attune_score failed: %s\n", id, attune_strerror(st));
		r = NULL;
	}
	free((void *)in.prior_turns);
	return r;
}

static int run_eval(const eval_corpus *c, const eval_opts *opt)
{
	attune_scorer *s = NULL;
	eval_tally *t = calloc(1, sizeof(*t));
	eval_report_opts ro = {opt->verbose ? stdout : NULL, opt->show_text};
	int rc = 2;
	if (!t)
		return 2;
	attune_status st = attune_scorer_create(&s);
	if (st != ATTUNE_OK) {
		fprintf(stderr, "attune_eval: attune_scorer_create: %s\n", attune_strerror(st));
		goto out_free_tally;
	}
	if (opt->verbose)
		printf("disagreements\n");
	size_t failures = 0;
	for (size_t i = 0; i < c->n_cases; i++) {
		const eval_case *ec = &c->cases[i];
		attune_score_result *r = score_one(s, ec->id, ec->seeker, ec->draft, ec->prior,
		                                   ec->n_prior, ec->channel);
		if (!r) {
			failures++;
			continue;
		}
		eval_tally_case(t, ec, r, &ro);
		attune_score_result_free(r);
	}
	for (size_t i = 0; i < c->n_pairs; i++) {
		const eval_pair *p = &c->pairs[i];
		attune_score_result *rb =
		    score_one(s, p->id, p->seeker, p->better, p->prior, p->n_prior, p->channel);
		attune_score_result *rw =
		    score_one(s, p->id, p->seeker, p->worse, p->prior, p->n_prior, p->channel);
		if (rb && rw)
			eval_tally_pair(t, p, rb->score, rw->score, &ro);
		else
			failures++;
		attune_score_result_free(rb);
		attune_score_result_free(rw);
	}
	if (opt->verbose)
		printf("\n");
	printf("scorer: %s\n", ATTUNE_SCORER_VERSION);
	eval_tally_print(t, stdout);
	rc = 0;
	if (failures) {
		printf("\nscorer errors: %zu\n", failures);
		rc = 1;
	}
	if (opt->check) {
		printf("\n");
		if (eval_tally_check(t, stdout) != 0 || failures)
			rc = 1;
		else
			printf("all floors met\n");
	}
	attune_scorer_destroy(s);
out_free_tally:
	free(t);
	return rc;
}

int main(int argc, char **argv)
{
	eval_opts opt;
	eval_corpus corpus;
	char **dflt = NULL;
	size_t n_dflt = 0;
	int rc = 2;
	memset(&opt, 0, sizeof(opt));
	eval_corpus_init(&corpus);

	const char **files = calloc((size_t)argc, sizeof(*files));
	if (!files)
		return 2;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			opt.check = 1;
		else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0)
			opt.verbose = 1;
		else if (strcmp(argv[i], "--show-text") == 0)
			opt.show_text = 1;
		else if (strcmp(argv[i], "--lint") == 0)
			opt.lint = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			rc = 0;
			goto out_free;
		} else if (argv[i][0] == '-') {
			usage(stderr);
			goto out_free;
		} else
			files[opt.n_files++] = argv[i];
	}
	opt.files = files;
	int use_default = opt.n_files == 0;
	if (use_default) {
		dflt = default_files(&n_dflt);
		if (!dflt || n_dflt == 0) {
			fprintf(stderr, "attune_eval: no corpus files found\n");
			goto out_free;
		}
	}
	size_t nf = use_default ? n_dflt : opt.n_files;
	for (size_t i = 0; i < nf; i++) {
		const char *path = use_default ? dflt[i] : opt.files[i];
		eval_status st = eval_corpus_load_file(&corpus, path);
		if (st != EVAL_OK) {
			fprintf(stderr, "attune_eval: %s: %s\n", path, eval_strerror(st));
			goto out_free;
		}
	}
	if (opt.lint) {
		print_lint_summary(&corpus);
		rc = corpus.n_errors ? 1 : 0;
		if (use_default &&
		    (corpus.n_cases < EVAL_MIN_CASES || corpus.n_pairs < EVAL_MIN_PAIRS)) {
			printf("corpus too small: want at least %u cases and %u pairs\n",
			       EVAL_MIN_CASES, EVAL_MIN_PAIRS);
			rc = 1;
		}
		goto out_free;
	}
	if (corpus.n_errors) {
		fprintf(stderr, "attune_eval: %zu corpus line(s) skipped; run --lint\n",
		        corpus.n_errors);
	}
	rc = run_eval(&corpus, &opt);
	if (corpus.n_errors && rc == 0 && opt.check)
		rc = 1;
out_free:
	eval_corpus_free(&corpus);
	for (size_t i = 0; i < n_dflt; i++)
		free(dflt[i]);
	free(dflt);
	free(files);
	return rc;
}
