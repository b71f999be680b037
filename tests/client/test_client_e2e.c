/*
 * test_client_e2e.c - end-to-end tests of libattune and the attune CLI
 * against the real attuned (started by attune_harness on an ephemeral
 * loopback port): offline and online `attune score --jsonl` give identical
 * output for the same input file (bad lines included), `attune health`
 * says SERVING, and a missing draft is INVALID_ARGUMENT through the library.
 * Binaries come from $ATTUNED_BIN and $ATTUNE_CLI.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "attune/client.h"
#include "attune_harness.h"
#include "attune_test.h"

#define SEEKER                                                                                     \
	"After pausing my career for several years to start a family, it's time to go back to "    \
	"work, but I feel rusty, unmotivated and anxious about re-entering the job market."
#define DRAFT_A                                                                                    \
	"I'm sorry to hear that you're struggling with finding the motivation to get back to "     \
	"work. I can understand how anxiety and insecurity can make it hard to take that step."
#define DRAFT_B                                                                                    \
	"I've struggled with the same problem. The best way to tackle it is to just jump right "   \
	"in and give it your best."

static const char batch_input[] =
    "{\"id\":\"A\",\"seeker\":\"" SEEKER "\",\"draft\":\"" DRAFT_A "\",\"channel\":\"chat\"}\n"
    "{\"id\":\"B\",\"seeker\":\"" SEEKER "\",\"draft\":\"" DRAFT_B "\",\"prior_turns\":"
    "[\"It sounds like a lot.\",\"It sounds like you are tired.\"],\"channel\":\"sms\","
    "\"conversation_id\":\"conv-42\"}\n"
    "{\"id\":\"no-draft\",\"seeker\":\"" SEEKER "\"}\n"
    "not json at all\n"
    "{\"id\":\"locale\",\"draft\":\"" DRAFT_A "\",\"locale\":\"tlh\"}\n"
    "{\"id\":\"risk\",\"seeker\":\"I want to kill myself tonight, I have the pills saved up."
    "\",\"draft\":\"At least you have your family. Calm down.\",\"channel\":\"chat\"}\n";

static const char *env_or_skip(const char *name)
{
	const char *v = getenv(name);
	return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* Runs a shell command, captures stdout (malloc'd) and the exit code. */
static char *run_capture(const char *cmd, int *exit_code)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int st;

	*exit_code = -1;
	if (p == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (nb == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, p);
		len += n;
		if (n == 0)
			break;
	}
	st = pclose(p);
	if (buf != NULL)
		buf[len] = '\0';
	if (st != -1 && WIFEXITED(st))
		*exit_code = WEXITSTATUS(st);
	return buf;
}

/* Formats a shell command (at most 4 KiB) and runs it as run_capture does. */
static char *run_fmt(int *exit_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *run_fmt(int *exit_code, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd)) {
		*exit_code = -1;
		return NULL;
	}
	return run_capture(cmd, exit_code);
}

/* Counts the lines of a string. */
static int count_lines(const char *s)
{
	int n = 0;
	for (; s != NULL && *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static int write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");
	int ok;
	if (f == NULL)
		return -1;
	ok = fputs(data, f) >= 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static attune_harness *start_server(attune_test_state *t_)
{
	attune_harness *h = NULL;
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	const char *bin = env_or_skip("ATTUNED_BIN");
	attune_harness_status st;

	if (bin == NULL)
		return NULL;
	o.listen_unix = 1;
	st = attune_harness_spawn(bin, &o, &h);
	CHECK_MSG(st == ATTUNE_HARNESS_OK, "spawn attuned: %s", attune_harness_strerror(st));
	return st == ATTUNE_HARNESS_OK ? h : NULL;
}

TEST(jsonl_offline_and_online_are_identical)
{
	const char *cli = env_or_skip("ATTUNE_CLI");
	attune_harness *h = NULL;
	char in_path[512], *offline = NULL, *online = NULL;
	int rc_off = -1, rc_on = -1;

	if (cli == NULL || env_or_skip("ATTUNED_BIN") == NULL)
		SKIP("ATTUNE_CLI / ATTUNED_BIN not set");
	h = start_server(t_);
	REQUIRE(h != NULL);
	snprintf(in_path, sizeof(in_path), "%s/batch.jsonl", attune_harness_tmpdir(h));
	REQUIRE_OR(write_file(in_path, batch_input) == 0, out);

	offline = run_fmt(&rc_off, "'%s' score --offline --jsonl - < '%s'", cli, in_path);
	online = run_fmt(&rc_on, "'%s' score --target %s --jsonl - < '%s'", cli,
	                 attune_harness_grpc_tcp_target(h), in_path);
	REQUIRE_OR(offline != NULL && online != NULL, out);
	CHECK_EQ_INT(rc_off, 1); /* bad lines present */
	CHECK_EQ_INT(rc_on, 1);
	CHECK_EQ_STR(online, offline);
	CHECK_EQ_INT(count_lines(online), 6);
	CHECK_CONTAINS(online, "{\"id\":\"A\",\"score\":");
	CHECK_CONTAINS(online, "{\"id\":\"no-draft\",\"error\":{\"code\":\"INVALID_ARGUMENT\"");
	CHECK_CONTAINS(online, "{\"id\":null,\"error\":{\"code\":\"INVALID_ARGUMENT\"");
	CHECK_CONTAINS(online, "{\"id\":\"locale\",\"error\":{\"code\":\"INVALID_ARGUMENT\"");
	/* the server never writes message text into its log */
	{
		char *log = attune_harness_read_log(h);
		CHECK(log != NULL);
		CHECK_NOT_CONTAINS(log, "rusty");
		CHECK_NOT_CONTAINS(log, "struggled");
		CHECK_NOT_CONTAINS(log, "pills");
		free(log);
	}
	if (t_->failures > 0) {
		fprintf(stderr, "offline:\n%s\nonline:\n%s\n", offline, online);
		attune_harness_dump_log(h, stderr);
	}
out:
	free(offline);
	free(online);
	attune_harness_destroy(h);
}

TEST(cli_health_and_score_against_the_server)
{
	const char *cli = env_or_skip("ATTUNE_CLI");
	attune_harness *h = NULL;
	char *out = NULL;
	int rc = -1;

	if (cli == NULL || env_or_skip("ATTUNED_BIN") == NULL)
		SKIP("ATTUNE_CLI / ATTUNED_BIN not set");
	h = start_server(t_);
	REQUIRE(h != NULL);
	out = run_fmt(&rc, "'%s' health --target %s", cli, attune_harness_grpc_tcp_target(h));
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(out, "SERVING\n");
	free(out);
	/* the sidecar case: a unix socket */
	out = run_fmt(&rc, "'%s' health --target '%s' --service attune.v1.Assist", cli,
	              attune_harness_grpc_unix_target(h));
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(out, "SERVING\n");
	free(out);
	/* an unknown service: NOT_FOUND from the health protocol, exit 1 */
	out = run_fmt(&rc, "'%s' health --target %s --service no.such.Service 2>&1", cli,
	              attune_harness_grpc_tcp_target(h));
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "attune: health: NOT_FOUND");
	free(out);

	out = run_fmt(&rc, "'%s' score --target %s --seeker '%s' --draft '%s' --json", cli,
	              attune_harness_grpc_tcp_target(h), "I feel rusty", "Just jump right in.");
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "\"human_review_required\":true");
	CHECK_CONTAINS(out, "\"score_id\":\"");
	free(out);

	/* readable report: exit 0 and a score line */
	out = run_fmt(&rc, "'%s' score --target %s --seeker '%s' --draft '%s'", cli,
	              attune_harness_grpc_tcp_target(h), "I feel rusty", "Just jump right in.");
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "Score ");
	CHECK_NOT_CONTAINS(out, "\033[");
	free(out);

	/* a server-side refusal is reported as `attune: score: CODE: message`, exit 1 */
	out = run_fmt(&rc, "'%s' score --target %s --draft x --locale tlh 2>&1", cli,
	              attune_harness_grpc_tcp_target(h));
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "attune: score: INVALID_ARGUMENT: ");
	free(out);
	attune_harness_destroy(h);
}

TEST(library_missing_draft_and_unavailable)
{
	attune_harness *h = NULL;
	attune_client *c = NULL;
	attune_client_error err;
	attune_client_score_request req;
	attune_client_score_response *r = NULL;
	attune_client_options o;
	attune_client_serving_status st;

	if (env_or_skip("ATTUNED_BIN") == NULL)
		SKIP("ATTUNED_BIN not set");
	h = start_server(t_);
	REQUIRE(h != NULL);
	attune_client_options_init(&o);
	o.deadline_ms = 5000;
	REQUIRE_OR(attune_client_create(attune_harness_grpc_tcp_target(h), &o, &c, &err) ==
	               ATTUNE_CLIENT_OK,
	           out);
	attune_client_score_request_init(&req);
	req.seeker.ptr = SEEKER;
	req.seeker.len = strlen(SEEKER);
	CHECK_EQ_INT(attune_client_score(c, &req, &r, &err), ATTUNE_CLIENT_INVALID_ARGUMENT);
	CHECK_EQ_INT(err.code, ATTUNE_CLIENT_INVALID_ARGUMENT);
	CHECK_CONTAINS(err.message, "draft");
	CHECK_NOT_CONTAINS(err.message, "rusty");
	CHECK(r == NULL);
	/* server-side validation (locale support is only known to the server) */
	req.draft.ptr = DRAFT_B;
	req.draft.len = strlen(DRAFT_B);
	req.locale = "tlh";
	CHECK_EQ_INT(attune_client_score(c, &req, &r, &err), ATTUNE_CLIENT_INVALID_ARGUMENT);
	CHECK_CONTAINS(err.message, "locale");
	req.locale = NULL;
	REQUIRE_OR(attune_client_score(c, &req, &r, &err) == ATTUNE_CLIENT_OK, out);
	CHECK_EQ_INT(attune_client_score_response_human_review_required(r), 1);
	attune_client_score_response_free(r);
	attune_client_destroy(c);
	c = NULL;

	/* once the server is gone: UNAVAILABLE, not a hang or a crash */
	CHECK_EQ_INT(attune_harness_stop(h, 10000, NULL), ATTUNE_HARNESS_OK);
	REQUIRE_OR(attune_client_create(attune_harness_grpc_tcp_target(h), &o, &c, &err) ==
	               ATTUNE_CLIENT_OK,
	           out);
	CHECK_EQ_INT(attune_client_health(c, NULL, &st, &err), ATTUNE_CLIENT_UNAVAILABLE);
	CHECK_EQ_STR(attune_client_code_name(err.code), "UNAVAILABLE");
out:
	attune_client_destroy(c);
	attune_harness_destroy(h);
}

TEST(cli_stats_and_watch_after_scoring)
{
	const char *cli = env_or_skip("ATTUNE_CLI");
	attune_harness *h = NULL;
	char *out = NULL;
	int rc = -1;

	if (cli == NULL || env_or_skip("ATTUNED_BIN") == NULL)
		SKIP("ATTUNE_CLI / ATTUNED_BIN not set");
	h = start_server(t_);
	REQUIRE(h != NULL);
	free(run_fmt(&rc,
	             "'%s' score --target %s --team qa --seeker 'I feel rusty' --draft "
	             "'I have been there too. Just jump right in.' --json >/dev/null",
	             cli, attune_harness_grpc_tcp_target(h)));
	CHECK_EQ_INT(rc, 0);

	out = run_fmt(&rc, "'%s' stats --target %s --json 2>&1", cli,
	              attune_harness_grpc_tcp_target(h));
	REQUIRE_OR(out != NULL, out);
	if (strstr(out, "UNIMPLEMENTED") != NULL) {
		free(out);
		attune_harness_destroy(h);
		SKIP("this attuned does not implement Supervision yet");
	}
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "\"drafts_scored\":1,");
	CHECK_CONTAINS(out, "\"window\":\"hour\"");
	CHECK_NOT_CONTAINS(out, "rusty");
	free(out);

	out = run_fmt(&rc, "'%s' stats --target %s", cli, attune_harness_grpc_tcp_target(h));
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "Drafts scored 1,");
	free(out);

	out =
	    run_fmt(&rc, "'%s' watch --target %s --interval 1 --count 2 --duration-ms 20000 --json",
	            cli, attune_harness_grpc_tcp_target(h));
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(count_lines(out), 2);
	CHECK_CONTAINS(out, "{\"sequence\":1,");
	CHECK_CONTAINS(out, "\n{\"sequence\":2,");
out:
	free(out);
	attune_harness_destroy(h);
}

/* Makes the project's throwaway PKI in dir with tests/harness/certs.py
 * ($ATTUNE_CERTS_PY run by $ATTUNE_PYTHON: ca.pem, rogue-ca.pem that did not
 * sign anything here, server.pem/.key for 127.0.0.1/localhost) and a token
 * plus tokens file. 0 on success. */
static int make_tls_files(const char *dir, const char *token)
{
	const char *py = env_or_skip("ATTUNE_PYTHON"), *certs = env_or_skip("ATTUNE_CERTS_PY");
	char *out;
	int rc = -1;

	if (py == NULL || certs == NULL)
		return -1;
	out = run_fmt(&rc,
	              "'%s' '%s' '%s' && cd '%s' && "
	              "printf '%%s' '%s' > token && "
	              "printf '%%s assist,supervisor client-test\\n' "
	              "\"$(printf '%%s' '%s' | sha256sum | cut -d' ' -f1)\" > tokens",
	              py, certs, dir, dir, token, token);
	free(out);
	return rc == 0 ? 0 : -1;
}

TEST(tls_and_bearer_token_through_the_cli)
{
	const char *cli = env_or_skip("ATTUNE_CLI"), *bin = env_or_skip("ATTUNED_BIN");
	static const char *const args[] = {"--tls-cert={tmp}/server.pem",
	                                   "--tls-key={tmp}/server.key",
	                                   "--tokens-file={tmp}/tokens", NULL};
	attune_harness *h = NULL;
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	char *out = NULL;
	const char *dir, *t;
	int rc = -1;

	if (cli == NULL || bin == NULL)
		SKIP("ATTUNE_CLI / ATTUNED_BIN not set");
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		SKIP("openssl CLI not installed");
	REQUIRE(attune_harness_create(bin, &h) == ATTUNE_HARNESS_OK);
	dir = attune_harness_tmpdir(h);
	REQUIRE_OR(make_tls_files(dir, "client-e2e-secret") == 0, out);
	o.extra_args = args;
	if (attune_harness_start(h, &o) != ATTUNE_HARNESS_OK) {
		attune_harness_dump_log(h, stderr);
		REQUIRE_OR(0, out);
	}
	t = attune_harness_grpc_tcp_target(h);

	/* TLS + the right token: scored */
	out = run_fmt(&rc,
	              "'%s' score --target %s --tls-ca '%s/ca.pem' --tls-server-name localhost "
	              "--token-file '%s/token' --draft 'That sounds hard.' --json 2>&1",
	              cli, t, dir, dir);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "\"human_review_required\":true");
	free(out);
	/* token from the environment works the same */
	out = run_fmt(&rc,
	              "ATTUNE_TOKEN=client-e2e-secret '%s' score --target %s --tls-ca '%s/ca.pem' "
	              "--tls-server-name localhost --draft 'That sounds hard.' --json 2>&1",
	              cli, t, dir);
	CHECK_EQ_INT(rc, 0);
	free(out);
	/* no token: refused, reported in the documented format */
	out = run_fmt(&rc,
	              "'%s' score --target %s --tls-ca '%s/ca.pem' --tls-server-name localhost "
	              "--draft 'That sounds hard.' 2>&1",
	              cli, t, dir);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "attune: score: UNAUTHENTICATED: ");
	free(out);
	/* wrong token: refused */
	out = run_fmt(&rc,
	              "'%s' score --target %s --tls-ca '%s/ca.pem' --tls-server-name localhost "
	              "--token wrong-secret --draft 'That sounds hard.' 2>&1",
	              cli, t, dir);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "attune: score: UNAUTHENTICATED: ");
	CHECK_NOT_CONTAINS(out, "wrong-secret");
	free(out);
	/* plaintext client against the TLS listener: UNAVAILABLE, no hang */
	out = run_fmt(&rc,
	              "'%s' score --target %s --deadline-ms 5000 --token client-e2e-secret "
	              "--draft 'That sounds hard.' 2>&1",
	              cli, t);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "attune: score: UNAVAILABLE: ");
	free(out);
	/* a CA that did not sign the server certificate: UNAVAILABLE */
	out = run_fmt(&rc,
	              "'%s' score --target %s --deadline-ms 5000 --tls-ca '%s/rogue-ca.pem' "
	              "--tls-server-name localhost --token client-e2e-secret --draft 'x' 2>&1",
	              cli, t, dir);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "attune: score: UNAVAILABLE: ");
out:
	free(out);
	if (t_->failures > 0 && h != NULL)
		attune_harness_dump_log(h, stderr);
	attune_harness_destroy(h);
}

static const attune_test_case cases[] = {
    TEST_CASE(tls_and_bearer_token_through_the_cli),
    TEST_CASE(cli_stats_and_watch_after_scoring),
    TEST_CASE(jsonl_offline_and_online_are_identical),
    TEST_CASE(cli_health_and_score_against_the_server),
    TEST_CASE(library_missing_draft_and_unavailable),
};

int main(int argc, char **argv)
{
	return ATTUNE_TEST_MAIN(argc, argv, cases);
}
