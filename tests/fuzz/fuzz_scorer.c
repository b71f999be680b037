/*
 * fuzz_scorer.c - libFuzzer target for the scorer over arbitrary bytes.
 * Input: byte 0 = max_suggestions (low 4 bits), byte 1 = variation key,
 * then seeker, draft and prior turns separated by 0x1E. Asserts no crash
 * and every span inside its text on UTF-8 boundaries; invalid input must
 * fail cleanly with no result.
 */
#include "attune/scorer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int boundary(const char *s, size_t len, size_t off)
{
	return off == 0 || off == len || (off < len && ((unsigned char)s[off] & 0xC0) != 0x80);
}

static void check_span(const char *s, size_t len, size_t start, size_t end, int allow_empty)
{
	if (start > end || end > len || (!allow_empty && start == end) ||
	    !boundary(s, len, start) || !boundary(s, len, end))
		abort();
}

static void check(const attune_score_input *in, const attune_score_result *r)
{
	if (r->score > 100 || r->acknowledge > 2 || r->reflect > 2 || r->explore > 2)
		abort();
	for (size_t i = 0; i < r->n_findings; i++) {
		check_span(in->draft.ptr, in->draft.len, r->findings[i].start, r->findings[i].end,
		           0);
		if (!r->findings[i].explanation)
			abort();
	}
	for (size_t i = 0; i < r->risk.n_spans; i++)
		check_span(in->seeker.ptr, in->seeker.len, r->risk.spans[i].start,
		           r->risk.spans[i].end, 0);
	if (!r->risk.guidance || (r->risk.level == ATTUNE_RISK_NONE) != (r->risk.guidance[0] == 0))
		abort();
	if (r->n_suggestions > ATTUNE_MAX_SUGGESTIONS)
		abort();
	for (size_t i = 0; i < r->n_suggestions; i++) {
		const attune_suggestion *g = &r->suggestions[i];
		if (!g->text || !attune_utf8_valid(g->text, strlen(g->text)) ||
		    g->projected_score > 100)
			abort();
		if (g->placement == ATTUNE_PLACEMENT_REPLACE_SPAN)
			check_span(in->draft.ptr, in->draft.len, g->start, g->end, 1);
	}
}

static attune_scorer *scorer(void)
{
	static attune_scorer *s; /* fuzz harness only: built once per process */
	if (!s && attune_scorer_create(&s) != ATTUNE_OK)
		abort();
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	attune_text parts[2 + ATTUNE_MAX_PRIOR_TURNS];
	size_t n = 0;
	const char *p = (const char *)data + 2, *end = (const char *)data + size;
	while (n < sizeof(parts) / sizeof(parts[0])) {
		const char *sep = memchr(p, 0x1E, (size_t)(end - p));
		const char *stop = sep ? sep : end;
		parts[n++] = (attune_text){p, (size_t)(stop - p)};
		if (!sep)
			break;
		p = sep + 1;
	}
	attune_score_input in = {0};
	in.seeker = parts[0];
	in.draft = n > 1 ? parts[1] : (attune_text){"ok", 2};
	in.prior_turns = n > 2 ? &parts[2] : NULL;
	in.n_prior_turns = n > 2 ? n - 2 : 0;
	in.max_suggestions = data[0] & 0x0F;
	in.variation_key = data[1];
	in.channel = (attune_channel)(data[0] >> 4 & 3);
	attune_score_result *r = NULL;
	attune_status st = attune_score(scorer(), &in, &r);
	if (st == ATTUNE_OK) {
		if (!r)
			abort();
		check(&in, r);
		attune_score_result_free(r);
	} else if (r) {
		abort();
	}
	return 0;
}
