/*
 * test_client_unit.c - unit tests of the attune CLI's output formats (the
 * shared JSON form, error objects, the readable report) and of the JSONL
 * batch runner's per-line error handling, using an offline libattune client.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune_test.h"
#include "cli.h"
#include "cli_stats.h"

#define SEEKER "I feel rusty and anxious about going back to work after years away."
#define DRAFT_B                                                                                    \
	"I've struggled with the same problem. The best way to tackle it is to just jump right "   \
	"in and give it your best."

/* A hand-made result with every part filled, for exact format checks. */
typedef struct fixture {
	attune_score_result r;
	attune_finding findings[2];
	attune_suggestion sugg[1];
	attune_risk_span spans[1];
	char text[64];
} fixture;

static void fixture_init(fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->r.score = 37;
	f->r.acknowledge = 0;
	f->r.reflect = 1;
	f->r.explore = 2;
	f->findings[0] = (attune_finding){ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MAJOR, 0, 36,
	                                  "turns to the responder's own story"};
	f->findings[1] = (attune_finding){ATTUNE_FINDING_PREMATURE_ADVICE, ATTUNE_SEVERITY_MODERATE,
	                                  72, 85, "advice first"};
	f->r.findings = f->findings;
	f->r.n_findings = 2;
	snprintf(f->text, sizeof(f->text), "It sounds like you're feeling \"rusty\".");
	f->sugg[0] = (attune_suggestion){ATTUNE_SUGGESTION_ACKNOWLEDGMENT,
	                                 f->text,
	                                 ATTUNE_PLACEMENT_BEFORE_DRAFT,
	                                 0,
	                                 0,
	                                 ATTUNE_FINDING_SELF_FOCUS,
	                                 71,
	                                 "ack.sounds_like"};
	f->r.suggestions = f->sugg;
	f->r.n_suggestions = 1;
	f->spans[0] = (attune_risk_span){ATTUNE_RISK_SUICIDE, ATTUNE_RISK_CUE_TIMING, 2, 9};
	f->r.risk.level = ATTUNE_RISK_HIGH;
	f->r.risk.categories = (1u << ATTUNE_RISK_SUICIDE) | (1u << ATTUNE_RISK_SELF_HARM);
	f->r.risk.guidance = "Follow your center's safety protocol.";
	f->r.risk.spans = f->spans;
	f->r.risk.n_spans = 1;
}

static char *print_json(const cJSON *o)
{
	return o != NULL ? cJSON_PrintUnformatted(o) : NULL;
}

TEST(batch_json_has_exactly_the_documented_fields)
{
	fixture f;
	cJSON *id = cJSON_CreateString("line-7"), *o;
	char *s;

	fixture_init(&f);
	o = cli_json_result(&f.r, id, 0);
	s = print_json(o);
	CHECK_EQ_STR(s,
	             "{\"id\":\"line-7\",\"score\":37,"
	             "\"levels\":{\"acknowledge\":0,\"reflect\":1,\"explore\":2},"
	             "\"findings\":[{\"kind\":\"self_focus\",\"severity\":\"major\",\"start\":0,"
	             "\"end\":36},{\"kind\":\"premature_advice\",\"severity\":\"moderate\","
	             "\"start\":72,\"end\":85}],"
	             "\"suggestions\":[{\"kind\":\"acknowledgment\",\"text\":\"It sounds like "
	             "you're feeling \\\"rusty\\\".\",\"projected_score\":71}],"
	             "\"risk\":{\"level\":\"high\",\"categories\":[\"suicide\",\"self_harm\"]}}");
	cJSON_free(s);
	cJSON_Delete(o);
	cJSON_Delete(id);
}

TEST(detailed_json_adds_explanations_placement_and_spans)
{
	fixture f;
	cJSON *o, *risk, *sugg;

	fixture_init(&f);
	o = cli_json_result(&f.r, NULL, 1);
	REQUIRE(o != NULL);
	CHECK(cJSON_GetObjectItemCaseSensitive(o, "id") == NULL);
	CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	                 cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "findings"), 0),
	                 "explanation")),
	             "turns to the responder's own story");
	sugg = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "suggestions"), 0);
	CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sugg, "placement")),
	             attune_placement_name(ATTUNE_PLACEMENT_BEFORE_DRAFT));
	CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sugg, "addresses")),
	             "self_focus");
	risk = cJSON_GetObjectItemCaseSensitive(o, "risk");
	CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(risk, "guidance")),
	             "Follow your center's safety protocol.");
	CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(risk, "spans")), 1);
	cJSON_Delete(o);
}

TEST(error_object_format)
{
	cJSON *id = cJSON_CreateNumber(12), *o;
	char *s;

	o = cli_json_error(id, ATTUNE_CLIENT_INVALID_ARGUMENT, "draft: required");
	s = print_json(o);
	CHECK_EQ_STR(s, "{\"id\":12,\"error\":{\"code\":\"INVALID_ARGUMENT\",\"message\":"
	                "\"draft: required\"}}");
	cJSON_free(s);
	cJSON_Delete(o);
	o = cli_json_error(NULL, ATTUNE_CLIENT_UNAVAILABLE, "down");
	s = print_json(o);
	CHECK_EQ_STR(s, "{\"id\":null,\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"down\"}}");
	cJSON_free(s);
	cJSON_Delete(o);
	cJSON_Delete(id);
}

/* Runs the batch over `input` with an offline client; returns the output
 * (malloc'd) and the exit code in *rc. */
static char *run_batch(const char *input, size_t len, int *rc)
{
	attune_client *c = NULL;
	attune_client_error err;
	FILE *in, *out;
	char *buf = NULL;
	size_t n = 0;

	*rc = -1;
	if (attune_client_create_offline(NULL, &c, &err) != ATTUNE_CLIENT_OK)
		return NULL;
	in = fmemopen((void *)input, len, "r");
	out = open_memstream(&buf, &n);
	if (in != NULL && out != NULL)
		*rc = cli_batch_run(c, in, out);
	if (in != NULL)
		fclose(in);
	if (out != NULL)
		fclose(out);
	attune_client_destroy(c);
	return buf;
}

/* Splits output into parsed lines (at most max). */
static size_t parse_lines(char *out, cJSON **lines, size_t max)
{
	size_t n = 0;
	char *save = NULL, *l;
	for (l = strtok_r(out, "\n", &save); l != NULL && n < max; l = strtok_r(NULL, "\n", &save))
		lines[n++] = cJSON_Parse(l);
	return n;
}

static const char *error_code(const cJSON *line)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(line, "error"), "code"));
}

static const char *error_message(const cJSON *line)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(line, "error"), "message"));
}

TEST(batch_bad_lines_get_errors_and_the_batch_goes_on)
{
	static const char input[] =
	    "{\"id\":\"ok1\",\"seeker\":\"" SEEKER "\",\"draft\":\"" DRAFT_B "\","
	    "\"prior_turns\":[\"It sounds like a lot.\"],\"channel\":\"chat\"}\n"
	    "this is not json SECRETWORD\n"
	    "\n"
	    "{\"id\":2,\"seeker\":\"SECRETWORD\"}\n"
	    "{\"id\":\"types\",\"draft\":42}\n"
	    "{\"id\":\"turns\",\"draft\":\"hi\",\"prior_turns\":\"SECRETWORD\"}\n"
	    "{\"id\":\"chan\",\"draft\":\"hi\",\"channel\":\"carrier_pigeon\"}\n"
	    "{\"id\":\"nul\",\"draft\":\"SECRET\\u0000WORD\"}\n"
	    "{\"id\":\"utf8\",\"draft\":\"SECRETWORD \xff\xfe\"}\n"
	    "{\"id\":\"big\",\"max_suggestions\":99,\"draft\":\"hi\"}\n"
	    "[\"SECRETWORD\"]\n"
	    "{\"id\":\"ok2\",\"draft\":\"What feels hardest about going back?\"}";
	static const struct {
		const char *id; /* NULL = null */
		const char *code;
		const char *message_has;
	} want[] = {
	    {"ok1", NULL, NULL},
	    {NULL, "INVALID_ARGUMENT", "not valid JSON"},
	    {NULL, "INVALID_ARGUMENT", "draft"}, /* id 2 is a number; checked below */
	    {"types", "INVALID_ARGUMENT", "draft: must be a string"},
	    {"turns", "INVALID_ARGUMENT", "prior_turns"},
	    {"chan", "INVALID_ARGUMENT", "channel"},
	    {"nul", "INVALID_ARGUMENT", "\\u0000"},
	    {"utf8", "INVALID_ARGUMENT", "draft"},
	    {"big", "INVALID_ARGUMENT", "max_suggestions"},
	    {NULL, "INVALID_ARGUMENT", "JSON object"},
	    {"ok2", NULL, NULL},
	};
	cJSON *lines[16] = {0};
	size_t n, i;
	int rc;
	char *out = run_batch(input, sizeof(input) - 1, &rc);

	REQUIRE(out != NULL);
	CHECK_EQ_INT(rc, CLI_EXIT_FAIL);
	CHECK_NOT_CONTAINS(out, "SECRET");
	n = parse_lines(out, lines, 16);
	CHECK_EQ_INT(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(lines[i], "id");
		CHECK_MSG(lines[i] != NULL, "line %zu parses", i);
		if (i == 2)
			CHECK(cJSON_IsNumber(id) && id->valueint == 2);
		else if (want[i].id == NULL)
			CHECK_MSG(cJSON_IsNull(id), "line %zu has id null", i);
		else
			CHECK_EQ_STR(cJSON_GetStringValue(id), want[i].id);
		if (want[i].code == NULL) {
			CHECK(cJSON_GetObjectItemCaseSensitive(lines[i], "error") == NULL);
			CHECK(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(lines[i], "score")));
			CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(lines[i], "levels")));
			CHECK(
			    cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(lines[i], "findings")));
			CHECK(cJSON_IsArray(
			    cJSON_GetObjectItemCaseSensitive(lines[i], "suggestions")));
			CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(lines[i], "risk")));
		} else {
			CHECK_EQ_STR(error_code(lines[i]), want[i].code);
			CHECK_CONTAINS(error_message(lines[i]), want[i].message_has);
		}
	}
	for (i = 0; i < n; i++)
		cJSON_Delete(lines[i]);
	free(out);
}

TEST(batch_all_good_exits_0_and_is_deterministic)
{
	static const char input[] =
	    "{\"id\":\"a\",\"seeker\":\"" SEEKER "\",\"draft\":\"" DRAFT_B "\"}\r\n"
	    "{\"id\":\"b\",\"seeker\":\"" SEEKER "\",\"draft\":\"That sounds exhausting. What "
	    "feels hardest?\",\"conversation_id\":\"c-1\",\"locale\":\"en-US\"}\n";
	int rc1, rc2;
	char *o1 = run_batch(input, sizeof(input) - 1, &rc1);
	char *o2 = run_batch(input, sizeof(input) - 1, &rc2);

	CHECK_EQ_INT(rc1, CLI_EXIT_OK);
	CHECK_EQ_INT(rc2, CLI_EXIT_OK);
	REQUIRE(o1 != NULL && o2 != NULL);
	CHECK_EQ_STR(o1, o2);
	CHECK_CONTAINS(o1, "{\"id\":\"a\",\"score\":");
	CHECK_CONTAINS(o1, "\n{\"id\":\"b\",\"score\":");
	free(o1);
	free(o2);
}

TEST(batch_overlong_line_is_an_error_and_next_line_runs)
{
	size_t big = CLI_MAX_LINE_BYTES + 100, n;
	const char *tail = "\n{\"id\":\"after\",\"draft\":\"That sounds hard.\"}\n";
	char *input = malloc(big + strlen(tail) + 1), *out;
	cJSON *lines[4] = {0};
	int rc;

	REQUIRE(input != NULL);
	memset(input, 'x', big);
	input[0] = '{';
	strcpy(input + big, tail);
	out = run_batch(input, strlen(input), &rc);
	free(input);
	REQUIRE(out != NULL);
	CHECK_EQ_INT(rc, CLI_EXIT_FAIL);
	n = parse_lines(out, lines, 4);
	CHECK_EQ_INT(n, 2);
	CHECK_CONTAINS(error_message(lines[0]), "longer than");
	CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(lines[1], "id")),
	             "after");
	CHECK(cJSON_GetObjectItemCaseSensitive(lines[1], "score") != NULL);
	cJSON_Delete(lines[0]);
	cJSON_Delete(lines[1]);
	free(out);
}

static char *report_of(const attune_score_result *r, const char *seeker, const char *draft,
                       int color)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	attune_text s = {seeker, strlen(seeker)}, d = {draft, strlen(draft)};
	if (out == NULL)
		return NULL;
	cli_report_print(out, r, s, d, color);
	fclose(out);
	return buf;
}

TEST(report_underlines_the_span_and_colours_only_when_asked)
{
	fixture f;
	const char *seeker = "I kill myself tonight";
	char *plain, *colour, *line, *caret;

	fixture_init(&f);
	f.r.n_findings = 2;
	plain = report_of(&f.r, seeker, DRAFT_B, 0);
	colour = report_of(&f.r, seeker, DRAFT_B, 1);
	REQUIRE(plain != NULL && colour != NULL);
	CHECK_CONTAINS(plain, "Score 37/100");
	CHECK_CONTAINS(plain, "self_focus (major) at bytes 0-36");
	CHECK_CONTAINS(plain, "acknowledge none");
	CHECK_CONTAINS(plain, "Risk: high (suicide, self_harm)");
	CHECK_CONTAINS(plain, "Guidance: Follow your center's safety protocol.");
	CHECK_NOT_CONTAINS(plain, "\033[");
	CHECK_CONTAINS(colour, "\033[");
	/* the caret line under "I've struggled with the same problem" starts under the
	 * first byte of the span: same column as the draft line's text */
	line = strstr(plain, "| I've struggled");
	REQUIRE(line != NULL);
	caret = strstr(line, "\n");
	REQUIRE(caret != NULL);
	CHECK(strncmp(caret + 1, "       | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ ", 45) == 0 ||
	      strncmp(caret + 1, "       | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n", 45) == 0);
	/* the risk span "kill my" (bytes 2-9) is underlined in the seeker text */
	CHECK_CONTAINS(plain, "| I kill myself tonight\n       |   ^^^^^^^\n");
	free(plain);
	free(colour);
}

TEST(report_never_echoes_control_bytes_and_clamps_bad_spans)
{
	fixture f;
	const char *draft = "ok \033[31mred\033[0m\ttab";
	char *out;

	fixture_init(&f);
	f.findings[0].start = 3;
	f.findings[0].end = 12;
	f.findings[1].start = 5000; /* outside the text: must not crash or read past */
	f.findings[1].end = 9000;
	out = report_of(&f.r, "", draft, 0);
	REQUIRE(out != NULL);
	CHECK_NOT_CONTAINS(out, "\033");
	CHECK_NOT_CONTAINS(out, "\t");
	free(out);
}

TEST(offline_client_validates_like_the_server)
{
	attune_client *c = NULL;
	attune_client_error err;
	attune_client_score_request req;
	attune_client_score_response *r = NULL;
	attune_client_serving_status st;

	REQUIRE(attune_client_create_offline(NULL, &c, &err) == ATTUNE_CLIENT_OK);
	CHECK(attune_client_is_offline(c));
	attune_client_score_request_init(&req);
	req.seeker.ptr = "SECRETWORD";
	req.seeker.len = 10;
	CHECK_EQ_INT(attune_client_score(c, &req, &r, &err), ATTUNE_CLIENT_INVALID_ARGUMENT);
	CHECK_CONTAINS(err.message, "draft");
	CHECK_NOT_CONTAINS(err.message, "SECRET");
	CHECK(r == NULL);
	req.draft.ptr = DRAFT_B;
	req.draft.len = strlen(DRAFT_B);
	req.locale = "xx-unsupported";
	CHECK_EQ_INT(attune_client_score(c, &req, &r, &err), ATTUNE_CLIENT_INVALID_ARGUMENT);
	CHECK_CONTAINS(err.message, "locale");
	req.locale = NULL;
	REQUIRE(attune_client_score(c, &req, &r, &err) == ATTUNE_CLIENT_OK);
	CHECK_EQ_INT(attune_client_score_response_human_review_required(r), 1);
	CHECK_EQ_STR(attune_client_score_response_scorer_version(r), ATTUNE_SCORER_VERSION);
	CHECK(attune_client_score_response_result(r)->score <= 100);
	attune_client_score_response_free(r);
	CHECK_EQ_INT(attune_client_health(c, NULL, &st, &err), ATTUNE_CLIENT_OK);
	CHECK_EQ_INT(st, ATTUNE_CLIENT_SERVING);
	attune_client_destroy(c);
	attune_client_destroy(NULL);
	attune_client_score_response_free(NULL);
}

TEST(code_names)
{
	CHECK_EQ_STR(attune_client_code_name(ATTUNE_CLIENT_OK), "OK");
	CHECK_EQ_STR(attune_client_code_name(ATTUNE_CLIENT_INVALID_ARGUMENT), "INVALID_ARGUMENT");
	CHECK_EQ_STR(attune_client_code_name(ATTUNE_CLIENT_UNAUTHENTICATED), "UNAUTHENTICATED");
	CHECK_EQ_STR(attune_client_code_name((attune_client_code)99), "UNKNOWN");
	CHECK_EQ_STR(attune_client_serving_status_name(ATTUNE_CLIENT_NOT_SERVING), "NOT_SERVING");
}

TEST(client_create_rejects_bad_options)
{
	attune_client *c = NULL;
	attune_client_error err;
	attune_client_options o;

	attune_client_options_init(&o);
	o.bearer_token = "has space";
	CHECK_EQ_INT(attune_client_create("127.0.0.1:1", &o, &c, &err),
	             ATTUNE_CLIENT_INVALID_ARGUMENT);
	CHECK(c == NULL);
	CHECK_CONTAINS(err.message, "token");
	attune_client_options_init(&o);
	o.tls_cert_file = "/nonexistent/cert.pem";
	CHECK_EQ_INT(attune_client_create("127.0.0.1:1", &o, &c, &err),
	             ATTUNE_CLIENT_INVALID_ARGUMENT);
	CHECK_CONTAINS(err.message, "together");
	o.tls_key_file = "/nonexistent/key.pem";
	CHECK_EQ_INT(attune_client_create("127.0.0.1:1", &o, &c, &err),
	             ATTUNE_CLIENT_INVALID_ARGUMENT);
	CHECK_CONTAINS(err.message, "cannot open");
	CHECK(c == NULL);
}

TEST(stats_json_and_report)
{
	attune_client_team_stats st;
	cJSON *o;
	char *s, *buf = NULL;
	size_t n = 0;
	FILE *out;

	memset(&st, 0, sizeof(st));
	st.team = "qa";
	st.responder_pseudonym = "";
	st.window = ATTUNE_CLIENT_WINDOW_DAY;
	st.window_start_unix_ms = 1764000000000;
	st.window_end_unix_ms = 1764086400000;
	st.drafts_scored = 4;
	st.mean_score = 62.5;
	st.levels[0][2] = 3;
	st.finding_count[ATTUNE_FINDING_SELF_FOCUS] = 2;
	st.finding_per_draft[ATTUNE_FINDING_SELF_FOCUS] = 0.5;
	st.suggestions_offered = 9;
	st.risk_flags[ATTUNE_RISK_HIGH] = 1;
	o = cli_stats_json(&st, 0);
	s = print_json(o);
	REQUIRE(s != NULL);
	CHECK_CONTAINS(s, "{\"team\":\"qa\",\"window\":\"day\",\"window_start_unix_ms\":"
	                  "1764000000000,");
	CHECK_CONTAINS(s, "\"drafts_scored\":4,\"mean_score\":62.5,");
	CHECK_CONTAINS(s, "\"acknowledge\":{\"none\":0,\"weak\":0,\"strong\":3}");
	CHECK_CONTAINS(s, "\"self_focus\":{\"count\":2,\"per_draft\":0.5}");
	CHECK_CONTAINS(s, "\"risk_flags\":{\"low\":0,\"moderate\":0,\"high\":1}");
	CHECK_NOT_CONTAINS(s, "responder_pseudonym");
	CHECK_NOT_CONTAINS(s, "sequence");
	cJSON_free(s);
	cJSON_Delete(o);
	st.sequence = 3;
	o = cli_stats_json(&st, 1);
	s = print_json(o);
	CHECK(s != NULL && strncmp(s, "{\"sequence\":3,\"time_unix_ms\":0,",
	                           strlen("{\"sequence\":3,\"time_unix_ms\":0,")) == 0);
	cJSON_free(s);
	cJSON_Delete(o);

	out = open_memstream(&buf, &n);
	REQUIRE(out != NULL);
	cli_stats_print(out, &st);
	fclose(out);
	CHECK_CONTAINS(buf, "Team qa, last day (2025-11-24T16:00:00Z .. 2025-11-25T16:00:00Z)");
	CHECK_CONTAINS(buf, "Drafts scored 4, mean score 62.5");
	CHECK_CONTAINS(buf, "self_focus");
	CHECK_CONTAINS(buf, "50.0%");
	CHECK_CONTAINS(buf, "Risk flags: low 0, moderate 0, high 1");
	free(buf);
}

static const attune_test_case cases[] = {
    TEST_CASE(stats_json_and_report),
    TEST_CASE(batch_json_has_exactly_the_documented_fields),
    TEST_CASE(detailed_json_adds_explanations_placement_and_spans),
    TEST_CASE(error_object_format),
    TEST_CASE(batch_bad_lines_get_errors_and_the_batch_goes_on),
    TEST_CASE(batch_all_good_exits_0_and_is_deterministic),
    TEST_CASE(batch_overlong_line_is_an_error_and_next_line_runs),
    TEST_CASE(report_underlines_the_span_and_colours_only_when_asked),
    TEST_CASE(report_never_echoes_control_bytes_and_clamps_bad_spans),
    TEST_CASE(offline_client_validates_like_the_server),
    TEST_CASE(code_names),
    TEST_CASE(client_create_rejects_bad_options),
};

int main(int argc, char **argv)
{
	return ATTUNE_TEST_MAIN(argc, argv, cases);
}
