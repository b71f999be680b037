/*
 * test_eval_metrics.c - unit tests for attune_eval's matching and floors:
 * same-kind overlap matches, optional labels, duplicates inside a label,
 * risk tallies and the --check floors, on hand-built results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_metrics.h"

static int failures;

#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static char draft[] = "That sounds exhausting. I've been there too. What happened next?";

static eval_case make_case(eval_expected_finding *f, size_t n)
{
	eval_case ec;
	memset(&ec, 0, sizeof(ec));
	ec.id = "t-1";
	ec.draft = draft;
	ec.seeker = "seeker";
	ec.findings = f;
	ec.n_findings = n;
	ec.levels[0] = 2;
	ec.levels[1] = 0;
	ec.levels[2] = 2;
	return ec;
}

static void test_matching(void)
{
	/* "That sounds exhausting" [0,22), "I've been there too" [24,43),
	 * "What happened next?" [44,63) */
	eval_expected_finding ef[3] = {
	    {ATTUNE_FINDING_ACKNOWLEDGMENT, 0, 22, 0},
	    {ATTUNE_FINDING_SELF_FOCUS, 24, 43, 0},
	    {ATTUNE_FINDING_OPEN_QUESTION, 44, 63, 1}, /* optional */
	};
	eval_case ec = make_case(ef, 3);
	attune_finding pf[4] = {
	    {ATTUNE_FINDING_ACKNOWLEDGMENT, ATTUNE_SEVERITY_STRENGTH, 5, 22, ""}, /* overlap: tp */
	    {ATTUNE_FINDING_ACKNOWLEDGMENT, ATTUNE_SEVERITY_STRENGTH, 0, 4, ""},  /* duplicate */
	    {ATTUNE_FINDING_JUDGMENT, ATTUNE_SEVERITY_MAJOR, 24, 30, ""}, /* wrong kind: fp */
	    {ATTUNE_FINDING_OPEN_QUESTION, ATTUNE_SEVERITY_STRENGTH, 44, 63, ""}, /* optional */
	};
	attune_score_result r;
	memset(&r, 0, sizeof(r));
	r.findings = pf;
	r.n_findings = 4;
	r.acknowledge = 2;
	r.explore = 1;
	eval_tally t;
	memset(&t, 0, sizeof(t));
	eval_report_opts o = {NULL, 0};
	eval_tally_case(&t, &ec, &r, &o);

	EXPECT(t.tp[ATTUNE_FINDING_ACKNOWLEDGMENT] == 1);
	EXPECT(t.fp[ATTUNE_FINDING_ACKNOWLEDGMENT] == 0);
	EXPECT(t.fn[ATTUNE_FINDING_SELF_FOCUS] == 1);
	EXPECT(t.fp[ATTUNE_FINDING_JUDGMENT] == 1);
	EXPECT(t.tp[ATTUNE_FINDING_OPEN_QUESTION] == 0);
	EXPECT(t.fp[ATTUNE_FINDING_OPEN_QUESTION] == 0);
	EXPECT(t.fn[ATTUNE_FINDING_OPEN_QUESTION] == 0);
	EXPECT(t.level_exact[0] == 1 && t.level_exact[1] == 1 && t.level_exact[2] == 0);
	EXPECT(t.level_within1[2] == 1);
	EXPECT(t.risk_confusion[0][0] == 1);
	EXPECT(t.risk_cat_exact == 1);
	/* breakdown: "all" and the channel, one case, findings not all right */
	EXPECT(t.n_tags == 2 && strcmp(t.tags[0].name, "all") == 0);
	EXPECT(t.tags[0].cases == 1 && t.tags[0].findings_clean == 0 && t.tags[0].risk_exact == 1);
}

static void test_adjacent_spans_do_not_match(void)
{
	eval_expected_finding ef[1] = {{ATTUNE_FINDING_SELF_FOCUS, 24, 43, 0}};
	eval_case ec = make_case(ef, 1);
	/* ends exactly where the label starts: no overlap */
	attune_finding pf[1] = {{ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MAJOR, 0, 24, ""}};
	attune_score_result r;
	memset(&r, 0, sizeof(r));
	r.findings = pf;
	r.n_findings = 1;
	eval_tally t;
	memset(&t, 0, sizeof(t));
	eval_report_opts o = {NULL, 0};
	eval_tally_case(&t, &ec, &r, &o);
	EXPECT(t.tp[ATTUNE_FINDING_SELF_FOCUS] == 0);
	EXPECT(t.fp[ATTUNE_FINDING_SELF_FOCUS] == 1);
	EXPECT(t.fn[ATTUNE_FINDING_SELF_FOCUS] == 1);
}

static void test_risk_and_floors(void)
{
	char *tags[1] = {"figurative"};
	eval_case high = make_case(NULL, 0);
	high.risk_level = ATTUNE_RISK_HIGH;
	high.risk_categories = 1u << ATTUNE_RISK_SUICIDE;
	eval_case fig = make_case(NULL, 0);
	fig.tags = tags;
	fig.n_tags = 1;

	attune_score_result r;
	memset(&r, 0, sizeof(r));
	r.risk.level = ATTUNE_RISK_MODERATE;
	r.risk.categories = 1u << ATTUNE_RISK_SUICIDE;
	eval_tally t;
	memset(&t, 0, sizeof(t));
	eval_report_opts o = {NULL, 0};
	eval_tally_case(&t, &high, &r, &o);
	r.risk.level = ATTUNE_RISK_HIGH;
	eval_tally_case(&t, &fig, &r, &o);
	EXPECT(t.high_missed == 1);
	EXPECT(t.figurative_high == 1 && t.n_figurative == 1);
	EXPECT(t.risk_confusion[ATTUNE_RISK_HIGH][ATTUNE_RISK_MODERATE] == 1);
	EXPECT(t.risk_confusion[ATTUNE_RISK_NONE][ATTUNE_RISK_HIGH] == 1);
	EXPECT(t.risk_cat_exact == 1);
	/* the figurative case has no findings either way: clean, but risk wrong */
	EXPECT(t.n_tags == 3 && strcmp(t.tags[2].name, "figurative") == 0);
	EXPECT(t.tags[2].cases == 1 && t.tags[2].findings_clean == 1 && t.tags[2].risk_exact == 0);

	eval_pair p;
	memset(&p, 0, sizeof(p));
	p.id = "pair-t";
	eval_tally_pair(&t, &p, 80, 20, &o);
	eval_tally_pair(&t, &p, 50, 50, &o); /* a tie is not a win */
	EXPECT(t.pairs_right == 1 && t.pairs_tied == 1 && t.n_pairs == 2);

	FILE *sink = fopen("/dev/null", "w");
	/* pair accuracy 50%, no findings (precision/recall 0), high missed,
	 * figurative high: five floors fail */
	EXPECT(eval_tally_check(&t, sink ? sink : stderr) == 5);

	eval_tally ok;
	memset(&ok, 0, sizeof(ok));
	ok.n_pairs = ok.pairs_right = 20;
	ok.tp[ATTUNE_FINDING_MINIMIZING] = 19;
	ok.fp[ATTUNE_FINDING_MINIMIZING] = 1;
	ok.fn[ATTUNE_FINDING_MINIMIZING] = 2;
	EXPECT(eval_tally_check(&ok, sink ? sink : stderr) == 0);
	ok.pairs_right = 18; /* 90% < 95% */
	EXPECT(eval_tally_check(&ok, sink ? sink : stderr) == 1);
	if (sink)
		fclose(sink);
}

int main(void)
{
	test_matching();
	test_adjacent_spans_do_not_match();
	test_risk_and_floors();
	if (failures) {
		fprintf(stderr, "%d expectation(s) failed\n", failures);
		return 1;
	}
	printf("test_eval_metrics: ok\n");
	return 0;
}
