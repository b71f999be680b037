/*
 * report.c - the readable report of `attune score`: score, the three
 * levels, each finding with its draft span shown and underlined, the
 * suggestions, and risk with its spans in the seeker message. ANSI colour
 * only when asked (stdout is a TTY). Control bytes are never echoed raw.
 */
#include <string.h>

#include "cli.h"

#define CONTEXT_CPS 40 /* code points shown either side of a span */
#define SPAN_CPS    80 /* longest span shown in full */

#define C_RESET   "\033[0m"
#define C_BOLD    "\033[1m"
#define C_RED     "\033[31m"
#define C_GREEN   "\033[32m"
#define C_YELLOW  "\033[33m"
#define C_MAGENTA "\033[1;35m"

typedef struct report_ctx {
	FILE *out;
	int color;
} report_ctx;

static const char *paint(const report_ctx *rc, const char *code)
{
	return rc->color ? code : "";
}

static int is_cont(unsigned char b)
{
	return (b & 0xC0) == 0x80;
}

/* Moves back n code points from pos, not before lo. */
static size_t back_cps(const char *p, size_t pos, size_t lo, unsigned n)
{
	while (n > 0 && pos > lo) {
		pos--;
		while (pos > lo && is_cont((unsigned char)p[pos]))
			pos--;
		n--;
	}
	return pos;
}

/* Moves forward n code points from pos, not beyond hi. */
static size_t fwd_cps(const char *p, size_t pos, size_t hi, unsigned n)
{
	while (n > 0 && pos < hi) {
		pos++;
		while (pos < hi && is_cont((unsigned char)p[pos]))
			pos++;
		n--;
	}
	return pos;
}

/* Writes p[a,b) with control bytes as spaces; returns code points written. */
static size_t put_clean(FILE *out, const char *p, size_t a, size_t b)
{
	size_t i, cps = 0;
	for (i = a; i < b; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		fputc(ch, out);
		if (!is_cont(ch))
			cps++;
	}
	return cps;
}

static void put_repeat(FILE *out, char ch, size_t n)
{
	while (n-- > 0)
		fputc(ch, out);
}

/* Shows the line of `text` holding [start,end) with the span coloured and
 * underlined with ^^^. Spans come from the scorer or the server: clamp them. */
static void show_span(const report_ctx *rc, attune_text text, size_t start, size_t end,
                      const char *span_color)
{
	const char *p = text.ptr;
	size_t line_lo, line_hi, lo, hi, span_hi, lead = 0, span_cps;

	if (p == NULL || text.len == 0)
		return;
	if (start > text.len)
		start = text.len;
	if (end > text.len)
		end = text.len;
	if (end < start)
		end = start;
	while (start > 0 && is_cont((unsigned char)p[start]))
		start--;
	line_lo = start;
	while (line_lo > 0 && p[line_lo - 1] != '\n')
		line_lo--;
	line_hi = start;
	while (line_hi < text.len && p[line_hi] != '\n')
		line_hi++;
	span_hi = end < line_hi ? end : line_hi;
	span_hi = fwd_cps(p, start, span_hi, SPAN_CPS); /* long spans are cut, marked "..." */
	lo = back_cps(p, start, line_lo, CONTEXT_CPS);
	hi = fwd_cps(p, span_hi, line_hi, CONTEXT_CPS);

	fputs("       | ", rc->out);
	if (lo > line_lo) {
		fputs("...", rc->out);
		lead += 3;
	}
	lead += put_clean(rc->out, p, lo, start);
	fputs(paint(rc, span_color), rc->out);
	span_cps = put_clean(rc->out, p, start, span_hi);
	fputs(paint(rc, C_RESET), rc->out);
	put_clean(rc->out, p, span_hi, hi);
	if (hi < line_hi)
		fputs("...", rc->out);
	fputs("\n       | ", rc->out);
	put_repeat(rc->out, ' ', lead);
	fputs(paint(rc, span_color), rc->out);
	put_repeat(rc->out, '^', span_cps > 0 ? span_cps : 1);
	if (span_hi < end)
		fputs("...", rc->out);
	fputs(paint(rc, C_RESET), rc->out);
	fputc('\n', rc->out);
}

static const char *level_name(unsigned lvl)
{
	switch (lvl) {
	case 0:
		return "none";
	case 1:
		return "weak";
	case 2:
		return "strong";
	default:
		return "?";
	}
}

static void print_levels(const report_ctx *rc, const attune_score_result *r)
{
	fprintf(rc->out, "  acknowledge %-7s reflect %-7s explore %s\n", level_name(r->acknowledge),
	        level_name(r->reflect), level_name(r->explore));
}

static void print_findings(const report_ctx *rc, const attune_score_result *r, attune_text draft)
{
	size_t i;

	fprintf(rc->out, "\n%sFindings%s (%zu)\n", paint(rc, C_BOLD), paint(rc, C_RESET),
	        r->n_findings);
	if (r->n_findings == 0)
		fputs("  none\n", rc->out);
	for (i = 0; i < r->n_findings; i++) {
		const attune_finding *f = &r->findings[i];
		int pos = attune_finding_kind_is_positive(f->kind);
		const char *col = pos ? C_GREEN : C_RED;
		fprintf(rc->out, "  %2zu. %s%s%s %s (%s) at bytes %zu-%zu\n", i + 1, paint(rc, col),
		        pos ? "+" : "-", paint(rc, C_RESET), attune_finding_kind_name(f->kind),
		        attune_severity_name(f->severity), f->start, f->end);
		if (f->explanation != NULL && f->explanation[0] != '\0')
			fprintf(rc->out, "      %s\n", f->explanation);
		show_span(rc, draft, f->start, f->end, col);
	}
}

static void print_suggestions(const report_ctx *rc, const attune_score_result *r, attune_text draft)
{
	size_t i;

	fprintf(rc->out, "\n%sSuggestions%s (%zu; yours to use or ignore, nothing is sent)\n",
	        paint(rc, C_BOLD), paint(rc, C_RESET), r->n_suggestions);
	if (r->n_suggestions == 0)
		fputs("  none\n", rc->out);
	for (i = 0; i < r->n_suggestions; i++) {
		const attune_suggestion *s = &r->suggestions[i];
		const char *text = s->text != NULL ? s->text : "";
		fprintf(rc->out, "  %2zu. %s, %s", i + 1, attune_suggestion_kind_name(s->kind),
		        attune_placement_name(s->placement));
		if (s->placement == ATTUNE_PLACEMENT_REPLACE_SPAN)
			fprintf(rc->out, " bytes %zu-%zu", s->start, s->end);
		if (s->addresses != ATTUNE_FINDING_UNSPECIFIED)
			fprintf(rc->out, ", addresses %s", attune_finding_kind_name(s->addresses));
		fprintf(rc->out, " -> projected score %u\n      \"%s", s->projected_score,
		        paint(rc, C_YELLOW));
		put_clean(rc->out, text, 0, strlen(text));
		fprintf(rc->out, "%s\"\n", paint(rc, C_RESET));
		if (s->placement == ATTUNE_PLACEMENT_REPLACE_SPAN)
			show_span(rc, draft, s->start, s->end, C_RED);
	}
}

static void print_risk(const report_ctx *rc, const attune_risk *k, attune_text seeker)
{
	unsigned cat;
	size_t i;
	int first = 1;

	fprintf(rc->out, "\n%sRisk%s: %s%s%s", paint(rc, C_BOLD), paint(rc, C_RESET),
	        paint(rc, k->level >= ATTUNE_RISK_MODERATE ? C_MAGENTA : ""),
	        attune_risk_level_name(k->level), paint(rc, C_RESET));
	for (cat = 1; cat < ATTUNE_RISK_CATEGORY_MAX; cat++) {
		if ((k->categories & (1u << cat)) == 0)
			continue;
		fprintf(rc->out, "%s%s", first ? " (" : ", ",
		        attune_risk_category_name((attune_risk_category)cat));
		first = 0;
	}
	fputs(first ? "\n" : ")\n", rc->out);
	if (k->guidance != NULL && k->guidance[0] != '\0')
		fprintf(rc->out, "  Guidance: %s\n", k->guidance);
	for (i = 0; i < k->n_spans; i++) {
		const attune_risk_span *sp = &k->spans[i];
		fprintf(rc->out, "  %2zu. %s / %s at seeker bytes %zu-%zu\n", i + 1,
		        attune_risk_category_name(sp->category), attune_risk_cue_name(sp->cue),
		        sp->start, sp->end);
		show_span(rc, seeker, sp->start, sp->end, C_MAGENTA);
	}
}

void cli_report_print(FILE *out, const attune_score_result *r, attune_text seeker,
                      attune_text draft, int color)
{
	report_ctx rc;

	rc.out = out;
	rc.color = color;
	fprintf(out, "%sScore %u/100%s  (a human reviews and sends; Attune never sends)\n",
	        paint(&rc, C_BOLD), r->score, paint(&rc, C_RESET));
	print_levels(&rc, r);
	print_findings(&rc, r, draft);
	print_suggestions(&rc, r, draft);
	print_risk(&rc, &r->risk, seeker);
}
