/*
 * test_wire_encode.c - the hand-written ScoreDraft/CoachDraft response
 * encoder (wire_score.c + wire_pb.h) gives exactly the bytes protobuf-c
 * packs from the same result, for the scorer's results on every labelled
 * corpus case and for synthetic results at the edges of each field type
 * (zero and empty values left out, multi-byte and 10-byte varints, NULL
 * strings, every risk category).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "attune/v1/attune.pb-c.h"
#include "attune_wire.h"
#include "check.h"
#include "corpus_pairs.h"

/* ---- reference: protobuf-c structs filled the way the server used to,
 * then protobuf_c_message_pack. Fixed capacities suit these tests. */

#define REF_MAX 200 /* past the encoder's 128 remembered sub-message sizes */

typedef struct ref_response {
	Attune__V1__ScoreDraftResponse resp;
	Attune__V1__DimensionLevels levels;
	Attune__V1__RiskAssessment risk;
	Attune__V1__Finding findings[REF_MAX];
	Attune__V1__Finding *finding_ptrs[REF_MAX];
	Attune__V1__Suggestion suggestions[REF_MAX];
	Attune__V1__Suggestion *suggestion_ptrs[REF_MAX];
	Attune__V1__RiskSpan spans[REF_MAX];
	Attune__V1__RiskSpan *span_ptrs[REF_MAX];
	Attune__V1__RiskCategory categories[ATTUNE_RISK_CATEGORY_MAX];
} ref_response;

static int ref_fill(ref_response *s, const attune_score_result *r, const char *score_id,
                    const char *version)
{
	static const Attune__V1__ScoreDraftResponse resp_init =
	    ATTUNE__V1__SCORE_DRAFT_RESPONSE__INIT;
	static const Attune__V1__DimensionLevels levels_init = ATTUNE__V1__DIMENSION_LEVELS__INIT;
	static const Attune__V1__RiskAssessment risk_init = ATTUNE__V1__RISK_ASSESSMENT__INIT;
	static const Attune__V1__Finding finding_init = ATTUNE__V1__FINDING__INIT;
	static const Attune__V1__Suggestion sugg_init = ATTUNE__V1__SUGGESTION__INIT;
	static const Attune__V1__RiskSpan span_init = ATTUNE__V1__RISK_SPAN__INIT;

	if (r->n_findings > REF_MAX || r->n_suggestions > REF_MAX || r->risk.n_spans > REF_MAX)
		return -1;
	memset(s, 0, sizeof(*s));
	s->resp = resp_init;
	s->levels = levels_init;
	s->risk = risk_init;
	s->resp.score = r->score;
	s->levels.acknowledge = (Attune__V1__DimensionLevel)r->acknowledge;
	s->levels.reflect = (Attune__V1__DimensionLevel)r->reflect;
	s->levels.explore = (Attune__V1__DimensionLevel)r->explore;
	s->resp.levels = &s->levels;
	for (size_t i = 0; i < r->n_findings; i++) {
		const attune_finding *f = &r->findings[i];
		s->findings[i] = finding_init;
		s->findings[i].kind = (Attune__V1__FindingKind)f->kind;
		s->findings[i].severity = (Attune__V1__Severity)f->severity;
		s->findings[i].start = (uint32_t)f->start;
		s->findings[i].end = (uint32_t)f->end;
		s->findings[i].explanation = (char *)(f->explanation ? f->explanation : "");
		s->finding_ptrs[i] = &s->findings[i];
	}
	s->resp.n_findings = r->n_findings;
	s->resp.findings = s->finding_ptrs;
	for (size_t i = 0; i < r->n_suggestions; i++) {
		const attune_suggestion *g = &r->suggestions[i];
		Attune__V1__Suggestion *o = &s->suggestions[i];
		*o = sugg_init;
		o->kind = (Attune__V1__SuggestionKind)g->kind;
		o->text = g->text ? g->text : (char *)"";
		o->placement = (Attune__V1__Placement)g->placement;
		o->start = (uint32_t)g->start;
		o->end = (uint32_t)g->end;
		o->projected_score = g->projected_score;
		o->addresses = (Attune__V1__FindingKind)g->addresses;
		o->stem_id = (char *)(g->stem_id ? g->stem_id : "");
		s->suggestion_ptrs[i] = o;
	}
	s->resp.n_suggestions = r->n_suggestions;
	s->resp.suggestions = s->suggestion_ptrs;
	s->risk.level = (Attune__V1__RiskLevel)r->risk.level;
	for (unsigned c = 1; c < ATTUNE_RISK_CATEGORY_MAX; c++)
		if (r->risk.categories & (1u << c))
			s->categories[s->risk.n_categories++] = (Attune__V1__RiskCategory)c;
	s->risk.categories = s->categories;
	s->risk.guidance = (char *)(r->risk.guidance ? r->risk.guidance : "");
	for (size_t i = 0; i < r->risk.n_spans; i++) {
		const attune_risk_span *sp = &r->risk.spans[i];
		s->spans[i] = span_init;
		s->spans[i].category = (Attune__V1__RiskCategory)sp->category;
		s->spans[i].cue = (Attune__V1__RiskCue)sp->cue;
		s->spans[i].start = (uint32_t)sp->start;
		s->spans[i].end = (uint32_t)sp->end;
		s->span_ptrs[i] = &s->spans[i];
	}
	s->risk.n_spans = r->risk.n_spans;
	s->risk.spans = s->span_ptrs;
	s->resp.risk = &s->risk;
	s->resp.human_review_required = 1;
	s->resp.scorer_version = (char *)(version ? version : "");
	s->resp.score_id = (char *)(score_id ? score_id : "");
	return 0;
}

/* protobuf-c's bytes for msg, malloc'd; *len set. */
static uint8_t *ref_pack(const ProtobufCMessage *msg, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *b = malloc(n ? n : 1);

	if (!b)
		abort();
	*len = protobuf_c_message_pack(msg, b);
	return b;
}

static int same_bytes(const attune_wire_buf *got, const uint8_t *want, size_t want_len)
{
	return got->len == want_len && (want_len == 0 || memcmp(got->data, want, want_len) == 0);
}

/* Both encodings of r (ScoreDraftResponse, and CoachDraftResponse around it
 * at two revisions) equal protobuf-c's. Returns 1 if they all do. */
static int encodes_like_protobuf_c(const attune_score_result *r, const char *score_id,
                                   const char *version)
{
	static ref_response s; /* large: not on the stack */
	Attune__V1__CoachDraftResponse coach = ATTUNE__V1__COACH_DRAFT_RESPONSE__INIT;
	static const uint64_t revisions[] = {0, 1, 300, UINT64_MAX};
	attune_wire_buf got = {0};
	uint8_t *want;
	size_t want_len;
	int ok = 1;

	if (ref_fill(&s, r, score_id, version) != 0)
		return 0;
	want = ref_pack(&s.resp.base, &want_len);
	ok &= attune_wire_encode_score_response(r, score_id, version, &got) == ATTUNE_WIRE_OK &&
	      same_bytes(&got, want, want_len);
	attune_wire_buf_free(&got);
	free(want);
	for (size_t i = 0; i < sizeof(revisions) / sizeof(revisions[0]); i++) {
		coach.revision = revisions[i];
		coach.feedback = &s.resp;
		want = ref_pack(&coach.base, &want_len);
		ok &= attune_wire_encode_coach_response(revisions[i], r, score_id, version, &got) ==
		          ATTUNE_WIRE_OK &&
		      same_bytes(&got, want, want_len);
		attune_wire_buf_free(&got);
		free(want);
	}
	return ok;
}

/* ---- the scorer's own results on the labelled corpus ---- */

/* Scores one seeker/draft pair and compares encodings; counts into *n. */
static void check_scored(check_ctx *c, const attune_scorer *sc, const char *seeker,
                         const char *draft, unsigned *n)
{
	attune_score_input in = {0};
	attune_score_result *res = NULL;

	in.seeker.ptr = seeker;
	in.seeker.len = strlen(seeker);
	in.draft.ptr = draft;
	in.draft.len = strlen(draft);
	in.max_suggestions = ATTUNE_MAX_SUGGESTIONS;
	in.variation_key = *n;
	if (attune_score(sc, &in, &res) != ATTUNE_OK)
		return; /* not every corpus text is a valid request; nothing to encode */
	CHECK(c, encodes_like_protobuf_c(res, "0123456789abcdef", ATTUNE_SCORER_VERSION));
	(*n)++;
	attune_score_result_free(res);
}

typedef struct corpus_ctx {
	check_ctx *c;
	const attune_scorer *sc;
	unsigned n;
} corpus_ctx;

static void corpus_pair(const char *seeker, const char *draft, void *arg)
{
	corpus_ctx *cc = arg;
	check_scored(cc->c, cc->sc, seeker, draft, &cc->n);
}

static void test_corpus(check_ctx *c, const attune_scorer *sc)
{
	corpus_ctx cc = {c, sc, 0};

	CHECK(c, corpus_for_each_pair(ATTUNE_CORPUS_DIR, corpus_pair, &cc) == 0);
	CHECK(c, cc.n > 500); /* the corpus was really read and scored */
}

/* ---- synthetic results at the edges of every field type ---- */

static void test_synthetic(check_ctx *c)
{
	attune_risk_span spans[3] = {
	    {ATTUNE_RISK_SUICIDE, ATTUNE_RISK_CUE_TIMING, 0, 0},
	    {ATTUNE_RISK_SELF_HARM, ATTUNE_RISK_CUE_TIMING, 127, 128},
	    {(attune_risk_category)0, (attune_risk_cue)0, 16383, 16384},
	};
	attune_finding f[4] = {
	    {ATTUNE_FINDING_MINIMIZING, ATTUNE_SEVERITY_MAJOR, 0, 8, "minimizes"},
	    {(attune_finding_kind)0, (attune_severity)0, 0, 0, NULL},
	    {ATTUNE_FINDING_MINIMIZING, ATTUNE_SEVERITY_MAJOR, 0x0FFFFFFF, 0x10000000, ""},
	    /* size_t offsets past 32 bits are cut to uint32, as the field is. */
	    {ATTUNE_FINDING_MINIMIZING, ATTUNE_SEVERITY_MAJOR, (size_t)0xFFFFFFFFu,
	     (size_t)0x1FFFFFFFFull, "x"},
	};
	attune_suggestion g[3] = {
	    {ATTUNE_SUGGESTION_REPLACEMENT, (char *)"That is hard.", ATTUNE_PLACEMENT_REPLACE_SPAN,
	     0, 8, ATTUNE_FINDING_MINIMIZING, 61, "rep.hard"},
	    {(attune_suggestion_kind)0, NULL, (attune_placement)0, 0, 0, (attune_finding_kind)0, 0,
	     NULL},
	    {ATTUNE_SUGGESTION_REPLACEMENT, (char *)"", ATTUNE_PLACEMENT_REPLACE_SPAN, 200, 70000,
	     ATTUNE_FINDING_MINIMIZING, 100, ""},
	};
	/* A long text: its length needs a 2-byte varint, and so does the
	 * suggestion's and the response's length. */
	static char long_text[300];
	attune_score_result s = {0};

	memset(long_text, 'y', sizeof(long_text) - 1);
	g[2].text = long_text;

	/* Everything zero: only levels, risk (both empty but present) and
	 * human_review_required are written. */
	CHECK(c, encodes_like_protobuf_c(&s, NULL, NULL));
	CHECK(c, encodes_like_protobuf_c(&s, "", ""));
	CHECK(c, encodes_like_protobuf_c(&s, "id", "v1"));

	s.score = 100;
	s.acknowledge = 2;
	s.reflect = 1;
	s.explore = 0;
	s.findings = f;
	s.n_findings = 4;
	s.suggestions = g;
	s.n_suggestions = 3;
	s.risk.level = ATTUNE_RISK_HIGH;
	s.risk.guidance = "Follow your center's safety protocol.";
	s.risk.spans = spans;
	s.risk.n_spans = 3;
	/* Every subset of the category bits, with bit 0 and bits past the last
	 * category set too: those are never written. */
	for (uint32_t bits = 0; bits < (1u << ATTUNE_RISK_CATEGORY_MAX); bits++) {
		s.risk.categories = bits | 0x80000001u;
		CHECK(c, encodes_like_protobuf_c(&s, "00ff", ATTUNE_SCORER_VERSION));
	}
	/* Scores past one varint byte; an enum out of range (negative as
	 * int32: the 10-byte form). */
	s.score = 300;
	f[1].kind = (attune_finding_kind)-1;
	s.acknowledge = 0x80000000u;
	CHECK(c, encodes_like_protobuf_c(&s, "00ff", ATTUNE_SCORER_VERSION));
	/* Many findings: the response length needs more bytes, and there are
	 * more sub-messages than the encoder remembers sizes for. */
	{
		static attune_finding many[REF_MAX];
		for (size_t i = 0; i < REF_MAX; i++)
			many[i] = (attune_finding){ATTUNE_FINDING_MINIMIZING, ATTUNE_SEVERITY_MAJOR,
			                           i * 1000, i * 1000 + 5, "a finding explanation"};
		s.findings = many;
		s.n_findings = REF_MAX;
		CHECK(c, encodes_like_protobuf_c(&s, "00ff", ATTUNE_SCORER_VERSION));
	}
}

int main(void)
{
	check_ctx c = {0, 0};
	attune_scorer *sc = NULL;

	if (attune_scorer_create(&sc) != ATTUNE_OK) {
		fprintf(stderr, "scorer create failed\n");
		return 1;
	}
	test_synthetic(&c);
	test_corpus(&c, sc);
	attune_scorer_destroy(sc);
	return check_report(&c, "test_wire_encode");
}
