/*
 * eval_metrics.h - compares scorer results with corpus labels and keeps the
 * tallies attune_eval prints: level agreement, finding precision/recall,
 * pair accuracy, risk confusion, and the floors `--check` enforces.
 */
#ifndef ATTUNE_EVAL_METRICS_H
#define ATTUNE_EVAL_METRICS_H

#include <stdio.h>

#include "attune/scorer.h"
#include "eval_corpus.h"

/* Floors enforced by --check (issue 3). */
#define EVAL_FLOOR_PAIR_ACCURACY 0.95
#define EVAL_FLOOR_PRECISION     0.90
#define EVAL_FLOOR_RECALL        0.90

#define EVAL_MAX_TAG_STATS 64

/* Per-tag (and per-channel) breakdown: how many cases carrying the tag were
 * judged exactly right. `name` points into the corpus or static storage and
 * must outlive the tally. */
typedef struct eval_tag_stat {
	const char *name;
	size_t cases;
	size_t findings_clean; /* no missed and no unexpected finding */
	size_t risk_exact;     /* risk level matched */
} eval_tag_stat;

typedef struct eval_tally {
	size_t n_cases;
	size_t level_exact[3], level_within1[3];
	size_t tp[ATTUNE_FINDING_KIND_MAX], fp[ATTUNE_FINDING_KIND_MAX],
	    fn[ATTUNE_FINDING_KIND_MAX];
	size_t n_pairs, pairs_right, pairs_tied;
	size_t risk_confusion[4][4]; /* [expected level][predicted level] */
	size_t risk_cat_exact;       /* cases whose category set matched exactly */
	size_t cat_tp[ATTUNE_RISK_CATEGORY_MAX], cat_fp[ATTUNE_RISK_CATEGORY_MAX],
	    cat_fn[ATTUNE_RISK_CATEGORY_MAX];
	size_t high_missed; /* expected high, predicted below high */
	size_t n_figurative, figurative_high;
	size_t n_negated_past, negated_past_high; /* adversarial:negated_risk / past_risk */
	eval_tag_stat tags[EVAL_MAX_TAG_STATS];
	size_t n_tags;
} eval_tally;

/* Where --verbose disagreements go (NULL: not printed). When show_text is
 * set, expected/predicted spans are printed with their corpus text. */
typedef struct eval_report_opts {
	FILE *verbose;
	int show_text;
} eval_report_opts;

/* Adds one scored case. */
void eval_tally_case(eval_tally *t, const eval_case *ec, const attune_score_result *r,
                     const eval_report_opts *o);
/* Adds one scored pair (scores of the better and the worse reply). */
void eval_tally_pair(eval_tally *t, const eval_pair *p, unsigned better, unsigned worse,
                     const eval_report_opts *o);

/* Prints every section of the report to `out`. */
void eval_tally_print(const eval_tally *t, FILE *out);

/* Prints one line per floor that is not met to `out`; returns the number
 * of failed floors (0 = all met). */
int eval_tally_check(const eval_tally *t, FILE *out);

#endif
