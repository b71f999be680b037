/*
 * eval_metrics.c - matches predicted findings to labelled phrases (same kind,
 * overlapping byte ranges), tallies agreement and prints the eval report.
 */
#include "eval_metrics.h"

#include <stdlib.h>
#include <string.h>

static const char *const level_names[3] = {"acknowledge", "reflect", "explore"};

static int overlaps(size_t a0, size_t a1, size_t b0, size_t b1)
{
	return a0 < b1 && b0 < a1;
}

static void print_span(FILE *f, const char *text, size_t start, size_t end, int show_text)
{
	fprintf(f, "[%zu,%zu)", start, end);
	if (show_text)
		fprintf(f, " \"%.*s\"", (int)(end - start), text + start);
}

/* Returns the number of missed plus unexpected findings in this case. */
static size_t tally_findings(eval_tally *t, const eval_case *ec, const attune_score_result *r,
                             const eval_report_opts *o)
{
	size_t errors = 0;
	/* Small fixed caps keep this allocation-free; the scorer's list is
	 * bounded by draft length, so count anything past the cap as unmatched. */
	unsigned char used[512];
	size_t np = r->n_findings < sizeof(used) ? r->n_findings : sizeof(used);
	memset(used, 0, sizeof(used));

	for (size_t i = 0; i < ec->n_findings; i++) {
		const eval_expected_finding *e = &ec->findings[i];
		if (e->optional)
			continue;
		int hit = 0;
		for (size_t j = 0; j < np && !hit; j++) {
			const attune_finding *p = &r->findings[j];
			if (!used[j] && p->kind == e->kind &&
			    overlaps(e->start, e->end, p->start, p->end)) {
				used[j] = 1;
				hit = 1;
			}
		}
		if (hit) {
			t->tp[e->kind]++;
		} else {
			t->fn[e->kind]++;
			errors++;
			if (o->verbose) {
				fprintf(o->verbose, "%s: missed %s ", ec->id,
				        attune_finding_kind_name(e->kind));
				print_span(o->verbose, ec->draft, e->start, e->end, o->show_text);
				fputc('\n', o->verbose);
			}
		}
	}
	for (size_t j = 0; j < r->n_findings; j++) {
		const attune_finding *p = &r->findings[j];
		if (j < np && used[j])
			continue;
		/* A second prediction inside a labelled phrase of its kind, or one
		 * on an optional phrase, is neither right nor wrong. */
		int covered = 0;
		for (size_t i = 0; i < ec->n_findings && !covered; i++) {
			const eval_expected_finding *e = &ec->findings[i];
			covered =
			    e->kind == p->kind && overlaps(e->start, e->end, p->start, p->end);
		}
		if (covered)
			continue;
		size_t k = (unsigned)p->kind < ATTUNE_FINDING_KIND_MAX ? (size_t)p->kind : 0;
		t->fp[k]++;
		errors++;
		if (o->verbose) {
			fprintf(o->verbose, "%s: unexpected %s ", ec->id,
			        attune_finding_kind_name(p->kind));
			print_span(o->verbose, ec->draft, p->start, p->end, o->show_text);
			fputc('\n', o->verbose);
		}
	}
	return errors;
}

static void print_cats(FILE *f, uint32_t mask)
{
	int first = 1;
	fputc('{', f);
	for (int k = 1; k < ATTUNE_RISK_CATEGORY_MAX; k++) {
		if (mask & (1u << k)) {
			fprintf(f, "%s%s", first ? "" : ",",
			        attune_risk_category_name((attune_risk_category)k));
			first = 0;
		}
	}
	fputc('}', f);
}

static void tally_risk(eval_tally *t, const eval_case *ec, const attune_score_result *r,
                       const eval_report_opts *o)
{
	unsigned want = (unsigned)ec->risk_level;
	unsigned got = (unsigned)r->risk.level;
	uint32_t mask = (1u << ATTUNE_RISK_CATEGORY_MAX) - 2u;
	uint32_t got_cats = r->risk.categories & mask;
	if (got > ATTUNE_RISK_HIGH)
		got = ATTUNE_RISK_HIGH;
	t->risk_confusion[want][got]++;
	if (got_cats == ec->risk_categories)
		t->risk_cat_exact++;
	for (int k = 1; k < ATTUNE_RISK_CATEGORY_MAX; k++) {
		int w = (ec->risk_categories >> k) & 1, g = (got_cats >> k) & 1;
		t->cat_tp[k] += (size_t)(w && g);
		t->cat_fp[k] += (size_t)(!w && g);
		t->cat_fn[k] += (size_t)(w && !g);
	}
	if (want == ATTUNE_RISK_HIGH && got < ATTUNE_RISK_HIGH)
		t->high_missed++;
	if (eval_case_has_tag(ec, "figurative")) {
		t->n_figurative++;
		t->figurative_high += (size_t)(got == ATTUNE_RISK_HIGH);
	}
	if (eval_case_has_tag(ec, "adversarial:negated_risk") ||
	    eval_case_has_tag(ec, "adversarial:past_risk")) {
		t->n_negated_past++;
		t->negated_past_high += (size_t)(got == ATTUNE_RISK_HIGH);
	}
	if (o->verbose && (want != got || got_cats != ec->risk_categories)) {
		fprintf(o->verbose, "%s: risk expected %s", ec->id,
		        attune_risk_level_name((attune_risk_level)want));
		print_cats(o->verbose, ec->risk_categories);
		fprintf(o->verbose, " got %s", attune_risk_level_name((attune_risk_level)got));
		print_cats(o->verbose, got_cats);
		fputc('\n', o->verbose);
	}
}

static void tally_tag(eval_tally *t, const char *name, int findings_clean, int risk_exact)
{
	size_t i = 0;
	while (i < t->n_tags && strcmp(t->tags[i].name, name) != 0)
		i++;
	if (i == t->n_tags) {
		if (t->n_tags == EVAL_MAX_TAG_STATS)
			return; /* table full: later tags are left out of the breakdown */
		t->tags[t->n_tags++].name = name;
	}
	t->tags[i].cases++;
	t->tags[i].findings_clean += (size_t)findings_clean;
	t->tags[i].risk_exact += (size_t)risk_exact;
}

static const char *channel_tag(attune_channel ch)
{
	switch (ch) {
	case ATTUNE_CHANNEL_VOICE_NOTES:
		return "channel:voice_notes";
	case ATTUNE_CHANNEL_CHAT:
		return "channel:chat";
	case ATTUNE_CHANNEL_SMS:
		return "channel:sms";
	case ATTUNE_CHANNEL_PATIENT_PORTAL:
		return "channel:patient_portal";
	default:
		return "channel:unspecified";
	}
}

void eval_tally_case(eval_tally *t, const eval_case *ec, const attune_score_result *r,
                     const eval_report_opts *o)
{
	const unsigned got[3] = {r->acknowledge, r->reflect, r->explore};
	t->n_cases++;
	for (int d = 0; d < 3; d++) {
		unsigned diff =
		    got[d] > ec->levels[d] ? got[d] - ec->levels[d] : ec->levels[d] - got[d];
		t->level_exact[d] += (size_t)(diff == 0);
		t->level_within1[d] += (size_t)(diff <= 1);
		if (o->verbose && diff != 0)
			fprintf(o->verbose, "%s: %s expected %u got %u\n", ec->id, level_names[d],
			        ec->levels[d], got[d]);
	}
	int clean = tally_findings(t, ec, r, o) == 0;
	int risk_exact = (unsigned)r->risk.level == (unsigned)ec->risk_level;
	tally_risk(t, ec, r, o);
	tally_tag(t, "all", clean, risk_exact);
	tally_tag(t, channel_tag(ec->channel), clean, risk_exact);
	for (size_t i = 0; i < ec->n_tags; i++)
		tally_tag(t, ec->tags[i], clean, risk_exact);
}

void eval_tally_pair(eval_tally *t, const eval_pair *p, unsigned better, unsigned worse,
                     const eval_report_opts *o)
{
	t->n_pairs++;
	if (better > worse)
		t->pairs_right++;
	else if (better == worse)
		t->pairs_tied++;
	if (o->verbose && better <= worse)
		fprintf(o->verbose, "%s: better scored %u, worse scored %u\n", p->id, better,
		        worse);
}

static double ratio(size_t num, size_t den)
{
	return den ? (double)num / (double)den : 0.0;
}

static void micro(const eval_tally *t, size_t *tp, size_t *fp, size_t *fn)
{
	*tp = *fp = *fn = 0;
	for (int k = 0; k < ATTUNE_FINDING_KIND_MAX; k++) {
		*tp += t->tp[k];
		*fp += t->fp[k];
		*fn += t->fn[k];
	}
}

static void print_prf(FILE *out, const char *name, size_t tp, size_t fp, size_t fn)
{
	double p = ratio(tp, tp + fp), r = ratio(tp, tp + fn);
	double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
	fprintf(out, "  %-22s %6.1f%% %6.1f%% %6.1f%%  %5zu %5zu %5zu\n", name, 100 * p, 100 * r,
	        100 * f1, tp, fp, fn);
}

void eval_tally_print(const eval_tally *t, FILE *out)
{
	fprintf(out, "cases: %zu   pairs: %zu\n\n", t->n_cases, t->n_pairs);

	fprintf(out, "level agreement         exact           within 1\n");
	for (int d = 0; d < 3; d++)
		fprintf(out, "  %-12s %8.1f%% (%zu/%zu) %8.1f%% (%zu/%zu)\n", level_names[d],
		        100 * ratio(t->level_exact[d], t->n_cases), t->level_exact[d], t->n_cases,
		        100 * ratio(t->level_within1[d], t->n_cases), t->level_within1[d],
		        t->n_cases);

	fprintf(out, "\nfindings               precision recall     F1     tp    fp    fn\n");
	for (int k = 1; k < ATTUNE_FINDING_KIND_MAX; k++) {
		if (t->tp[k] + t->fp[k] + t->fn[k] == 0)
			continue;
		print_prf(out, attune_finding_kind_name((attune_finding_kind)k), t->tp[k], t->fp[k],
		          t->fn[k]);
	}
	if (t->fp[0])
		print_prf(out, "(unknown kind)", 0, t->fp[0], 0);
	size_t tp, fp, fn;
	micro(t, &tp, &fp, &fn);
	print_prf(out, "micro-average", tp, fp, fn);

	fprintf(out, "\npair accuracy: %.1f%% (%zu/%zu right, %zu tied)\n",
	        100 * ratio(t->pairs_right, t->n_pairs), t->pairs_right, t->n_pairs, t->pairs_tied);

	fprintf(out, "\nrisk confusion (rows expected, columns predicted)\n");
	fprintf(out, "  %-10s %8s %8s %8s %8s\n", "", "none", "low", "moderate", "high");
	for (int w = 0; w < 4; w++)
		fprintf(out, "  %-10s %8zu %8zu %8zu %8zu\n",
		        attune_risk_level_name((attune_risk_level)w), t->risk_confusion[w][0],
		        t->risk_confusion[w][1], t->risk_confusion[w][2], t->risk_confusion[w][3]);
	size_t lvl_exact = 0;
	for (int w = 0; w < 4; w++)
		lvl_exact += t->risk_confusion[w][w];
	fprintf(out, "  level exact: %.1f%% (%zu/%zu)\n", 100 * ratio(lvl_exact, t->n_cases),
	        lvl_exact, t->n_cases);
	fprintf(out, "  category set exact: %.1f%% (%zu/%zu)\n",
	        100 * ratio(t->risk_cat_exact, t->n_cases), t->risk_cat_exact, t->n_cases);
	fprintf(out, "  category               precision recall     F1     tp    fp    fn\n");
	for (int k = 1; k < ATTUNE_RISK_CATEGORY_MAX; k++)
		print_prf(out, attune_risk_category_name((attune_risk_category)k), t->cat_tp[k],
		          t->cat_fp[k], t->cat_fn[k]);
	fprintf(out, "  high-risk cases missed (predicted below high): %zu\n", t->high_missed);
	fprintf(out, "  figurative cases flagged high: %zu of %zu\n", t->figurative_high,
	        t->n_figurative);
	fprintf(out, "  negated/past-risk cases flagged high: %zu of %zu\n", t->negated_past_high,
	        t->n_negated_past);

	fprintf(out,
	        "\nby tag                           cases  findings all right  risk level right\n");
	for (size_t i = 0; i < t->n_tags; i++) {
		const eval_tag_stat *ts = &t->tags[i];
		fprintf(out, "  %-30s %5zu  %6.1f%% (%4zu)      %6.1f%% (%4zu)\n", ts->name,
		        ts->cases, 100 * ratio(ts->findings_clean, ts->cases), ts->findings_clean,
		        100 * ratio(ts->risk_exact, ts->cases), ts->risk_exact);
	}
}

int eval_tally_check(const eval_tally *t, FILE *out)
{
	int failed = 0;
	size_t tp, fp, fn;
	micro(t, &tp, &fp, &fn);
	double pair_acc = ratio(t->pairs_right, t->n_pairs);
	double prec = ratio(tp, tp + fp), rec = ratio(tp, tp + fn);
	if (t->n_pairs == 0 || pair_acc < EVAL_FLOOR_PAIR_ACCURACY) {
		fprintf(out, "FLOOR FAILED: pair accuracy %.1f%% < %.0f%%\n", 100 * pair_acc,
		        100 * EVAL_FLOOR_PAIR_ACCURACY);
		failed++;
	}
	if (prec < EVAL_FLOOR_PRECISION) {
		fprintf(out, "FLOOR FAILED: finding precision %.1f%% < %.0f%%\n", 100 * prec,
		        100 * EVAL_FLOOR_PRECISION);
		failed++;
	}
	if (rec < EVAL_FLOOR_RECALL) {
		fprintf(out, "FLOOR FAILED: finding recall %.1f%% < %.0f%%\n", 100 * rec,
		        100 * EVAL_FLOOR_RECALL);
		failed++;
	}
	if (t->high_missed) {
		fprintf(out, "FLOOR FAILED: %zu high-risk case(s) predicted below high\n",
		        t->high_missed);
		failed++;
	}
	if (t->figurative_high) {
		fprintf(out, "FLOOR FAILED: %zu figurative case(s) predicted high\n",
		        t->figurative_high);
		failed++;
	}
	return failed;
}
