/*
 * test_metrics.c - unit tests of the metrics registry and its text
 * exposition: label mapping, counters, histograms, gauges, concurrency, the
 * process_* metrics and the 0.0.4 format rules (HELP/TYPE, escaping, order).
 */
#define _POSIX_C_SOURCE 200809L
#include "attune_test.h"
#include "metrics.h"
#include "process_metrics.h"

#include <pthread.h>
#include <time.h>

/* Value of the sample line that starts with `series` + " ", or -1e300. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1e300;
}

static char *render(attune_metrics *m)
{
	char *out = NULL;
	size_t len = 0;

	if (attune_metrics_render(m, &out, &len) != ATTUNE_METRICS_OK)
		return NULL;
	if (out && strlen(out) != len) {
		free(out);
		return NULL;
	}
	return out;
}

static attune_metrics *make(const char *const *teams, size_t n)
{
	attune_metrics_config cfg = {teams, n, "1.2.3", "attune-scorer/9"};
	attune_metrics *m = NULL;

	if (attune_metrics_create(&cfg, &m) != ATTUNE_METRICS_OK)
		return NULL;
	return m;
}

TEST(create_validates_teams)
{
	static const char *const ok[] = {"north", "south.b", "Team_3-x"};
	static const char *const bad_char[] = {"north", "so uth"};
	static const char *const dup[] = {"a", "b", "a"};
	static const char *const reserved[] = {"other"};
	static const char *const reserved2[] = {"none"};
	static const char *const empty[] = {""};
	char many_buf[ATTUNE_METRICS_MAX_TEAMS + 1][8];
	const char *many[ATTUNE_METRICS_MAX_TEAMS + 1];
	attune_metrics_config cfg = {ok, 3, NULL, NULL};
	attune_metrics *m = NULL;
	size_t i;

	CHECK_EQ_INT(attune_metrics_create(&cfg, &m), ATTUNE_METRICS_OK);
	CHECK(m != NULL);
	attune_metrics_destroy(m);
	attune_metrics_destroy(NULL);

	cfg.teams = bad_char;
	cfg.n_teams = 2;
	CHECK_EQ_INT(attune_metrics_create(&cfg, &m), ATTUNE_METRICS_E_INVALID);
	CHECK(m == NULL);
	cfg.teams = dup;
	cfg.n_teams = 3;
	CHECK_EQ_INT(attune_metrics_create(&cfg, &m), ATTUNE_METRICS_E_INVALID);
	cfg.teams = reserved;
	cfg.n_teams = 1;
	CHECK_EQ_INT(attune_metrics_create(&cfg, &m), ATTUNE_METRICS_E_INVALID);
	cfg.teams = reserved2;
	CHECK_EQ_INT(attune_metrics_create(&cfg, &m), ATTUNE_METRICS_E_INVALID);
	cfg.teams = empty;
	CHECK_EQ_INT(attune_metrics_create(&cfg, &m), ATTUNE_METRICS_E_INVALID);
	for (i = 0; i <= ATTUNE_METRICS_MAX_TEAMS; i++) {
		snprintf(many_buf[i], sizeof(many_buf[i]), "t%zu", i);
		many[i] = many_buf[i];
	}
	cfg.teams = many;
	cfg.n_teams = ATTUNE_METRICS_MAX_TEAMS + 1;
	CHECK_EQ_INT(attune_metrics_create(&cfg, &m), ATTUNE_METRICS_E_TOO_LARGE);
	cfg.n_teams = ATTUNE_METRICS_MAX_TEAMS;
	CHECK_EQ_INT(attune_metrics_create(&cfg, &m), ATTUNE_METRICS_OK);
	attune_metrics_destroy(m);
	CHECK_EQ_INT(attune_metrics_create(NULL, &m), ATTUNE_METRICS_E_INVALID);
}

TEST(teams_parse_csv)
{
	char **teams = NULL;
	size_t n = 0;
	char long_name[ATTUNE_METRICS_MAX_TEAM_LEN + 2];

	CHECK_EQ_INT(attune_metrics_teams_parse("a,b,,c,", &teams, &n), ATTUNE_METRICS_OK);
	REQUIRE(teams != NULL);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_STR(teams[0], "a");
	CHECK_EQ_STR(teams[2], "c");
	CHECK(teams[3] == NULL);
	attune_metrics_teams_free(teams);

	CHECK_EQ_INT(attune_metrics_teams_parse("", &teams, &n), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(n, 0);
	attune_metrics_teams_free(teams);
	CHECK_EQ_INT(attune_metrics_teams_parse(NULL, &teams, &n), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(n, 0);
	attune_metrics_teams_free(teams);

	CHECK_EQ_INT(attune_metrics_teams_parse("a,a", &teams, &n), ATTUNE_METRICS_E_INVALID);
	CHECK(teams == NULL);
	CHECK_EQ_INT(attune_metrics_teams_parse("a,b\"c", &teams, &n), ATTUNE_METRICS_E_INVALID);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK_EQ_INT(attune_metrics_teams_parse(long_name, &teams, &n), ATTUNE_METRICS_E_INVALID);
	attune_metrics_teams_free(NULL);
}

TEST(team_labels_are_allow_listed)
{
	static const char *const teams[] = {"north", "south"};
	attune_metrics *m = make(teams, 2);

	REQUIRE(m != NULL);
	CHECK_EQ_STR(attune_metrics_team_label(m, "north", 5), "north");
	CHECK_EQ_STR(attune_metrics_team_label(m, "northern", 5), "north"); /* len-bounded */
	CHECK_EQ_STR(attune_metrics_team_label(m, "nort", 4), "other");
	CHECK_EQ_STR(attune_metrics_team_label(m, "north\0x", 7), "other");
	CHECK_EQ_STR(attune_metrics_team_label(m, "secret", 6), "other");
	CHECK_EQ_STR(attune_metrics_team_label(m, "", 0), "none");
	CHECK_EQ_STR(attune_metrics_team_label(m, NULL, 0), "none");
	attune_metrics_destroy(m);
}

TEST(rpc_names_from_paths)
{
	CHECK_EQ_INT(attune_metrics_rpc_from_method("/attune.v1.Assist/ScoreDraft"),
	             ATTUNE_METRICS_RPC_SCORE_DRAFT);
	CHECK_EQ_INT(attune_metrics_rpc_from_method("/attune.v1.Supervision/WatchMetrics"),
	             ATTUNE_METRICS_RPC_WATCH_METRICS);
	CHECK_EQ_INT(attune_metrics_rpc_from_method("/grpc.health.v1.Health/Check"),
	             ATTUNE_METRICS_RPC_HEALTH_CHECK);
	CHECK_EQ_INT(attune_metrics_rpc_from_method("/attune.v1.Assist/Nope"),
	             ATTUNE_METRICS_RPC_UNKNOWN);
	CHECK_EQ_INT(attune_metrics_rpc_from_method(NULL), ATTUNE_METRICS_RPC_UNKNOWN);
	CHECK_EQ_INT(attune_metrics_rpc_from_name("HealthWatch"), ATTUNE_METRICS_RPC_HEALTH_WATCH);
	CHECK_EQ_INT(attune_metrics_rpc_from_name("GetTeamStats"),
	             ATTUNE_METRICS_RPC_GET_TEAM_STATS);
	CHECK_EQ_INT(attune_metrics_rpc_from_name("unknown"), ATTUNE_METRICS_RPC_UNKNOWN);
	CHECK_EQ_INT(attune_metrics_rpc_from_name("Bogus"), ATTUNE_METRICS_RPC_UNKNOWN);
	CHECK_EQ_INT(attune_metrics_rpc_from_name(NULL), ATTUNE_METRICS_RPC_UNKNOWN);
	CHECK_EQ_STR(attune_metrics_rpc_name(ATTUNE_METRICS_RPC_RECORD_OUTCOME), "RecordOutcome");
	CHECK_EQ_STR(attune_metrics_rpc_name((attune_metrics_rpc)99), "unknown");
}

TEST(rpc_counts_and_latency_histogram)
{
	attune_metrics *m = make(NULL, 0);
	char *txt;

	REQUIRE(m != NULL);
	attune_metrics_observe_rpc(m, ATTUNE_METRICS_RPC_SCORE_DRAFT, 0, 3000000); /* 3 ms */
	attune_metrics_observe_rpc(m, ATTUNE_METRICS_RPC_SCORE_DRAFT, 0, 100000);  /* 0.1 ms */
	attune_metrics_observe_rpc(m, ATTUNE_METRICS_RPC_SCORE_DRAFT, 3, 200000);  /* invalid */
	attune_metrics_observe_rpc(m, ATTUNE_METRICS_RPC_SCORE_DRAFT, 99, 1);      /* -> UNKNOWN */
	attune_metrics_observe_rpc(m, (attune_metrics_rpc)42, 12, 1);              /* -> unknown */
	attune_metrics_observe_rpc(m, ATTUNE_METRICS_RPC_HEALTH_CHECK, 0, 120000000000ULL);
	attune_metrics_observe_rpc(NULL, ATTUNE_METRICS_RPC_SCORE_DRAFT, 0, 1); /* no-op */
	txt = render(m);
	REQUIRE_OR(txt != NULL, out);
	CHECK(sample(txt, "attune_rpc_requests_total{rpc=\"ScoreDraft\",code=\"OK\"}") == 2);
	CHECK(sample(txt,
	             "attune_rpc_requests_total{rpc=\"ScoreDraft\",code=\"INVALID_ARGUMENT\"}") ==
	      1);
	CHECK(sample(txt, "attune_rpc_requests_total{rpc=\"ScoreDraft\",code=\"UNKNOWN\"}") == 1);
	CHECK(sample(txt, "attune_rpc_requests_total{rpc=\"unknown\",code=\"UNIMPLEMENTED\"}") ==
	      1);
	CHECK(sample(txt, "attune_rpc_requests_total{rpc=\"GetTeamStats\",code=\"OK\"}") == 0);
	CHECK(sample(txt, "attune_rpc_duration_seconds_bucket{rpc=\"ScoreDraft\",le=\"0.0001\"}") ==
	      2); /* 0.1 ms and 1 ns; le is inclusive */
	CHECK(sample(txt,
	             "attune_rpc_duration_seconds_bucket{rpc=\"ScoreDraft\",le=\"0.00025\"}") == 3);
	CHECK(sample(txt, "attune_rpc_duration_seconds_bucket{rpc=\"ScoreDraft\",le=\"0.0025\"}") ==
	      3);
	CHECK(sample(txt, "attune_rpc_duration_seconds_bucket{rpc=\"ScoreDraft\",le=\"0.005\"}") ==
	      4);
	CHECK(sample(txt, "attune_rpc_duration_seconds_bucket{rpc=\"ScoreDraft\",le=\"+Inf\"}") ==
	      4);
	CHECK(sample(txt, "attune_rpc_duration_seconds_count{rpc=\"ScoreDraft\"}") == 4);
	CHECK(sample(txt, "attune_rpc_duration_seconds_sum{rpc=\"ScoreDraft\"}") > 0.003299);
	CHECK(sample(txt, "attune_rpc_duration_seconds_sum{rpc=\"ScoreDraft\"}") < 0.003301);
	CHECK(sample(txt, "attune_rpc_duration_seconds_bucket{rpc=\"HealthCheck\",le=\"60\"}") ==
	      0);
	CHECK(sample(txt, "attune_rpc_duration_seconds_bucket{rpc=\"HealthCheck\",le=\"+Inf\"}") ==
	      1);
	CHECK(sample(txt, "attune_rpc_duration_seconds_sum{rpc=\"HealthCheck\"}") == 120);
out:
	free(txt);
	attune_metrics_destroy(m);
}

TEST(drafts_findings_suggestions_risk)
{
	static const char *const teams[] = {"north"};
	attune_metrics *m = make(teams, 1);
	attune_finding f[4] = {{ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MAJOR, 0, 5, "x"},
	                       {ATTUNE_FINDING_PREMATURE_ADVICE, ATTUNE_SEVERITY_MAJOR, 6, 9, "y"},
	                       {ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MINOR, 10, 12, "z"},
	                       {(attune_finding_kind)77, ATTUNE_SEVERITY_MINOR, 0, 1, "w"}};
	attune_score_result r;
	char *txt;

	REQUIRE(m != NULL);
	memset(&r, 0, sizeof(r));
	r.score = 25;
	r.findings = f;
	r.n_findings = 4;
	r.n_suggestions = 3;
	r.risk.level = ATTUNE_RISK_MODERATE;
	attune_metrics_observe_draft(m, ATTUNE_CHANNEL_SMS, "north", 5, &r);
	r.score = 100;
	r.n_findings = 0;
	r.n_suggestions = 0;
	r.risk.level = ATTUNE_RISK_NONE;
	attune_metrics_observe_draft(m, ATTUNE_CHANNEL_UNSPECIFIED, "secret-team-XYZ", 15, &r);
	r.score = 250; /* clamped to 100 */
	attune_metrics_observe_draft(m, ATTUNE_CHANNEL_CHAT, "", 0, &r);
	attune_metrics_observe_draft(m, ATTUNE_CHANNEL_CHAT, "", 0, NULL); /* no-op */
	txt = render(m);
	REQUIRE_OR(txt != NULL, out);
	CHECK(sample(txt, "attune_drafts_scored_total{channel=\"sms\",team=\"north\"}") == 1);
	CHECK(sample(txt, "attune_drafts_scored_total{channel=\"chat\",team=\"other\"}") == 1);
	CHECK(sample(txt, "attune_drafts_scored_total{channel=\"chat\",team=\"none\"}") == 1);
	CHECK(sample(txt, "attune_drafts_scored_total{channel=\"voice_notes\",team=\"none\"}") ==
	      0);
	CHECK_NOT_CONTAINS(txt, "secret-team-XYZ");
	CHECK(sample(txt, "attune_draft_score_bucket{channel=\"sms\",le=\"20\"}") == 0);
	CHECK(sample(txt, "attune_draft_score_bucket{channel=\"sms\",le=\"30\"}") == 1);
	CHECK(sample(txt, "attune_draft_score_sum{channel=\"sms\"}") == 25);
	CHECK(sample(txt, "attune_draft_score_bucket{channel=\"chat\",le=\"90\"}") == 0);
	CHECK(sample(txt, "attune_draft_score_bucket{channel=\"chat\",le=\"100\"}") == 2);
	CHECK(sample(txt, "attune_draft_score_sum{channel=\"chat\"}") == 200);
	CHECK(sample(txt, "attune_findings_total{kind=\"self_focus\"}") == 2);
	CHECK(sample(txt, "attune_findings_total{kind=\"premature_advice\"}") == 1);
	CHECK(sample(txt, "attune_findings_total{kind=\"acknowledgment\"}") == 0);
	CHECK(sample(txt, "attune_suggestions_offered_total") == 3);
	CHECK(sample(txt, "attune_risk_flags_total{level=\"moderate\"}") == 1);
	CHECK(sample(txt, "attune_risk_flags_total{level=\"high\"}") == 0);
	CHECK(strstr(txt, "level=\"none\"") == NULL);
out:
	free(txt);
	attune_metrics_destroy(m);
}

TEST(outcomes_and_score_change)
{
	attune_metrics *m = make(NULL, 0);
	char *txt;

	REQUIRE(m != NULL);
	attune_metrics_observe_outcome(m, ATTUNE_METRICS_OUTCOME_USED_SUGGESTION_VERBATIM, 1, 30);
	attune_metrics_observe_outcome(m, ATTUNE_METRICS_OUTCOME_USED_SUGGESTION_EDITED, 1, -7);
	attune_metrics_observe_outcome(m, ATTUNE_METRICS_OUTCOME_SENT_AS_DRAFTED, 0, 0);
	attune_metrics_observe_outcome(m, ATTUNE_METRICS_OUTCOME_DISCARDED, 1, -500); /* -100 */
	attune_metrics_observe_outcome(m, (attune_metrics_outcome)0, 1, 1);           /* ignored */
	attune_metrics_observe_outcome(m, (attune_metrics_outcome)9, 1, 1);           /* ignored */
	txt = render(m);
	REQUIRE_OR(txt != NULL, out);
	CHECK(sample(txt, "attune_outcomes_total{action=\"used_suggestion_verbatim\"}") == 1);
	CHECK(sample(txt, "attune_outcomes_total{action=\"used_suggestion_edited\"}") == 1);
	CHECK(sample(txt, "attune_outcomes_total{action=\"sent_as_drafted\"}") == 1);
	CHECK(sample(txt, "attune_outcomes_total{action=\"discarded\"}") == 1);
	CHECK(sample(txt, "attune_outcomes_total{action=\"sent_edited\"}") == 0);
	CHECK(sample(txt, "attune_suggestions_used_total") == 2);
	CHECK(sample(txt, "attune_suggestions_used_verbatim_total") == 1);
	CHECK(sample(txt, "attune_outcome_score_change_count") == 3);
	CHECK(sample(txt, "attune_outcome_score_change_sum") == -77);
	CHECK(sample(txt, "attune_outcome_score_change_bucket{le=\"-50\"}") == 1);
	CHECK(sample(txt, "attune_outcome_score_change_bucket{le=\"-5\"}") == 2);
	CHECK(sample(txt, "attune_outcome_score_change_bucket{le=\"25\"}") == 2);
	CHECK(sample(txt, "attune_outcome_score_change_bucket{le=\"50\"}") == 3);
out:
	free(txt);
	attune_metrics_destroy(m);
}

TEST(rejections_and_in_flight)
{
	attune_metrics *m = make(NULL, 0);
	char *txt;

	REQUIRE(m != NULL);
	attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_MISSING_TOKEN);
	attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_WRONG_ROLE);
	attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_WRONG_ROLE);
	attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_COUNT); /* ignored */
	attune_metrics_rate_limited(m);
	attune_metrics_request_rejected(m, ATTUNE_METRICS_REJECT_INVALID_UTF8);
	attune_metrics_request_rejected(m, ATTUNE_METRICS_REJECT_COUNT); /* ignored */
	attune_metrics_rpc_begin(m, ATTUNE_METRICS_RPC_WATCH_METRICS);
	attune_metrics_rpc_begin(m, ATTUNE_METRICS_RPC_WATCH_METRICS);
	attune_metrics_rpc_begin(m, ATTUNE_METRICS_RPC_SCORE_DRAFT);
	attune_metrics_rpc_end(m, ATTUNE_METRICS_RPC_WATCH_METRICS);
	attune_metrics_rpc_end(m, ATTUNE_METRICS_RPC_HEALTH_WATCH); /* unpaired: goes to -1 */
	attune_metrics_rate_limited(NULL);
	txt = render(m);
	REQUIRE_OR(txt != NULL, out);
	CHECK(sample(txt, "attune_auth_failures_total{reason=\"missing_token\"}") == 1);
	CHECK(sample(txt, "attune_auth_failures_total{reason=\"wrong_role\"}") == 2);
	CHECK(sample(txt, "attune_auth_failures_total{reason=\"invalid_token\"}") == 0);
	CHECK(sample(txt, "attune_rate_limited_total") == 1);
	CHECK(sample(txt, "attune_requests_rejected_total{reason=\"invalid_utf8\"}") == 1);
	CHECK(sample(txt, "attune_rpc_in_flight{rpc=\"WatchMetrics\"}") == 1);
	CHECK(sample(txt, "attune_rpc_in_flight{rpc=\"ScoreDraft\"}") == 1);
	CHECK(sample(txt, "attune_rpc_in_flight{rpc=\"HealthWatch\"}") == -1);
out:
	free(txt);
	attune_metrics_destroy(m);
}

typedef struct hammer_arg {
	attune_metrics *m;
	int n;
} hammer_arg;

static void *hammer(void *p)
{
	hammer_arg *a = p;
	int i;

	for (i = 0; i < a->n; i++) {
		attune_metrics_observe_rpc(a->m, ATTUNE_METRICS_RPC_SCORE_DRAFT, 0,
		                           (uint64_t)(i % 1000) * 1000);
		attune_metrics_rate_limited(a->m);
	}
	return NULL;
}

TEST(concurrent_updates_are_exact)
{
	enum { THREADS = 8, PER = 50000 };
	attune_metrics *m = make(NULL, 0);
	pthread_t th[THREADS];
	hammer_arg arg;
	char *txt = NULL;
	int i, started = 0;

	REQUIRE(m != NULL);
	arg.m = m;
	arg.n = PER;
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, hammer, &arg) == 0)
			started++;
	/* Render while writers run: must not crash or tear lines. */
	txt = render(m);
	CHECK(txt != NULL);
	free(txt);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	REQUIRE_OR(started == THREADS, out);
	txt = render(m);
	REQUIRE_OR(txt != NULL, out);
	CHECK(sample(txt, "attune_rpc_requests_total{rpc=\"ScoreDraft\",code=\"OK\"}") ==
	      (double)THREADS * PER);
	CHECK(sample(txt, "attune_rpc_duration_seconds_count{rpc=\"ScoreDraft\"}") ==
	      (double)THREADS * PER);
	CHECK(sample(txt, "attune_rate_limited_total") == (double)THREADS * PER);
out:
	free(txt);
	attune_metrics_destroy(m);
}

/* Format rules: every family has exactly one HELP then TYPE before its
 * samples; sample names belong to the family; values parse; labels quoted. */
TEST(exposition_format)
{
	static const char *const teams[] = {"a.b-c_d"};
	attune_metrics *m = make(teams, 1);
	char *txt, *line, *save = NULL;
	char family[128] = "", type[32] = "";
	int helps = 0, types = 0, samples = 0, bad = 0;

	REQUIRE(m != NULL);
	txt = render(m);
	REQUIRE_OR(txt != NULL, out);
	CHECK(txt[strlen(txt) - 1] == '\n');
	CHECK_CONTAINS(
	    txt, "attune_build_info{version=\"1.2.3\",scorer_version=\"attune-scorer/9\"} 1\n");
	CHECK_CONTAINS(txt, "team=\"a.b-c_d\"");
	for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], *end;
		size_t n;
		if (strncmp(line, "# HELP ", 7) == 0) {
			helps++;
			if (sscanf(line + 7, "%127s", family) != 1)
				bad++;
			type[0] = '\0';
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char tname[128];
			types++;
			if (sscanf(line + 7, "%127s %31s", tname, type) != 2 ||
			    strcmp(tname, family) != 0)
				bad++;
			continue;
		}
		samples++;
		n = strcspn(line, "{ ");
		if (n == 0 || n >= sizeof(name) || !type[0]) {
			bad++;
			continue;
		}
		memcpy(name, line, n);
		name[n] = '\0';
		if (strncmp(name, family, strlen(family)) != 0)
			bad++;
		if (strcmp(type, "histogram") != 0 && strcmp(name, family) != 0)
			bad++;
		end = strrchr(line, ' ');
		if (!end || end[1] == '\0')
			bad++;
		else if (strcmp(end + 1, "+Inf") != 0 && strcmp(end + 1, "NaN") != 0) {
			char *e;
			(void)strtod(end + 1, &e);
			if (*e != '\0')
				bad++;
		}
		if (strstr(line, "=\"\"") != NULL)
			bad++; /* no empty label values */
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(helps, types);
	CHECK_GE_INT(helps, 16 + 6); /* build info + 15 families + 6 process metrics */
	CHECK_GT_INT(samples, 300);
out:
	free(txt);
	attune_metrics_destroy(m);
}

TEST(process_metrics_from_proc)
{
	attune_process_stats ps;
	attune_metrics *m = make(NULL, 0);
	char *txt = NULL;
	double now = (double)time(NULL);

	REQUIRE(m != NULL);
	REQUIRE_OR(attune_process_stats_read(&ps) == ATTUNE_METRICS_OK, out);
	CHECK(ps.resident_bytes > 1024 * 1024 / 4);
	CHECK(ps.virtual_bytes >= ps.resident_bytes);
	CHECK(ps.open_fds >= 3);
	CHECK(ps.max_fds >= ps.open_fds);
	CHECK(ps.start_time_seconds > now - 3600 && ps.start_time_seconds < now + 2);
	CHECK(ps.cpu_seconds >= 0);
	txt = render(m);
	REQUIRE_OR(txt != NULL, out);
	CHECK(sample(txt, "process_resident_memory_bytes") > 0);
	CHECK(sample(txt, "process_virtual_memory_bytes") > 0);
	CHECK(sample(txt, "process_open_fds") >= 3);
	CHECK(sample(txt, "process_max_fds") > 0);
	CHECK(sample(txt, "process_cpu_seconds_total") >= 0);
	CHECK(sample(txt, "process_start_time_seconds") > now - 3600);
	CHECK_CONTAINS(txt, "# TYPE process_cpu_seconds_total counter\n");
out:
	free(txt);
	attune_metrics_destroy(m);
}

static const attune_test_case cases[] = {
    TEST_CASE(create_validates_teams),           TEST_CASE(teams_parse_csv),
    TEST_CASE(team_labels_are_allow_listed),     TEST_CASE(rpc_names_from_paths),
    TEST_CASE(rpc_counts_and_latency_histogram), TEST_CASE(drafts_findings_suggestions_risk),
    TEST_CASE(outcomes_and_score_change),        TEST_CASE(rejections_and_in_flight),
    TEST_CASE(concurrent_updates_are_exact),     TEST_CASE(exposition_format),
    TEST_CASE(process_metrics_from_proc),
};

int main(int argc, char **argv)
{
	return ATTUNE_TEST_MAIN(argc, argv, cases);
}
