/*
 * test_harness.c - self-test of the C test harness against fake_attuned.sh:
 * ready-file parsing, early exit, timeouts, signals, stop escalation and
 * temp dir cleanup. Needs no real server.
 */
#define _GNU_SOURCE
#include "attune_harness.h"
#include "attune_test.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *fake_path(void)
{
	const char *p = getenv("ATTUNE_FAKE_ATTUNED");
	return p != NULL ? p : "./fake_attuned.sh";
}

static int path_exists(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0;
}

TEST(parses_tcp_and_unix_listeners)
{
	attune_harness *h = NULL;
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	o.listen_unix = 1;
	REQUIRE(attune_harness_spawn(fake_path(), &o, &h) == ATTUNE_HARNESS_OK);
	CHECK_EQ_STR(attune_harness_grpc_tcp_target(h), "127.0.0.1:40001");
	CHECK_EQ_INT(attune_harness_grpc_port(h), 40001);
	CHECK(attune_harness_grpc_unix_target(h) != NULL);
	CHECK_CONTAINS(attune_harness_grpc_unix_target(h), "unix:");
	CHECK_CONTAINS(attune_harness_grpc_unix_target(h), attune_harness_tmpdir(h));
	CHECK(attune_harness_metrics_addr(h) == NULL);
	CHECK(attune_harness_pid(h) > 0);
	attune_harness_destroy(h);
}

TEST(sigterm_then_exit_status)
{
	attune_harness *h = NULL;
	int ws = -1;
	REQUIRE(attune_harness_spawn(fake_path(), NULL, &h) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_poll_exit(h, &ws) == ATTUNE_HARNESS_E_TIMEOUT);
	CHECK(attune_harness_signal(h, SIGTERM) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_wait_exit(h, 5000, &ws) == ATTUNE_HARNESS_OK);
	CHECK(WIFEXITED(ws));
	CHECK_EQ_INT(WEXITSTATUS(ws), 0);
	CHECK_EQ_INT(attune_harness_pid(h), 0);
	CHECK(attune_harness_signal(h, SIGTERM) == ATTUNE_HARNESS_E_STATE);
	attune_harness_destroy(h);
}

TEST(early_exit_fails_fast)
{
	attune_harness *h = NULL;
	const char *args[] = {"--exit-early", NULL};
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	o.extra_args = args;
	o.ready_timeout_ms = 60000;
	REQUIRE(attune_harness_create(fake_path(), &h) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_start(h, &o) == ATTUNE_HARNESS_E_EXITED);
	CHECK_EQ_INT(attune_harness_pid(h), 0);
	attune_harness_destroy(h);
}

TEST(never_ready_times_out)
{
	attune_harness *h = NULL;
	const char *args[] = {"--never-ready", NULL};
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	o.extra_args = args;
	o.ready_timeout_ms = 300;
	REQUIRE(attune_harness_create(fake_path(), &h) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_start(h, &o) == ATTUNE_HARNESS_E_TIMEOUT);
	CHECK_EQ_INT(attune_harness_pid(h), 0);
	attune_harness_destroy(h);
}

TEST(malformed_ready_file)
{
	attune_harness *h = NULL;
	const char *args[] = {"--bad-ready", NULL};
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	o.extra_args = args;
	REQUIRE(attune_harness_create(fake_path(), &h) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_start(h, &o) == ATTUNE_HARNESS_E_PARSE);
	attune_harness_destroy(h);
}

TEST(stop_escalates_to_sigkill)
{
	attune_harness *h = NULL;
	int ws = 0;
	const char *args[] = {"--ignore-term", NULL};
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	o.extra_args = args;
	REQUIRE(attune_harness_spawn(fake_path(), &o, &h) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_stop(h, 200, &ws) == ATTUNE_HARNESS_OK);
	CHECK(WIFSIGNALED(ws));
	CHECK_EQ_INT(WTERMSIG(ws), SIGKILL);
	attune_harness_destroy(h);
}

TEST(tmp_expansion_env_scrub_and_cleanup)
{
	attune_harness *h = NULL;
	char *tmp = NULL, *marker = NULL, *envf = NULL;
	const char *args[] = {"--touch", "{tmp}/marker", "--env-to", "{tmp}/env", "--metrics",
			      NULL};
	const char *env[] = {"ATTUNE_FROM_TEST={tmp}/x", NULL};
	attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT;
	o.extra_args = args;
	o.extra_env = env;
	o.expect_metrics = 1;
	setenv("ATTUNE_LEAKED_SETTING", "1", 1);
	REQUIRE(attune_harness_spawn(fake_path(), &o, &h) == ATTUNE_HARNESS_OK);
	unsetenv("ATTUNE_LEAKED_SETTING");
	CHECK_EQ_INT(attune_harness_metrics_port(h), 9999);
	tmp = strdup(attune_harness_tmpdir(h));
	REQUIRE_OR(tmp != NULL, out);
	marker = malloc(strlen(tmp) + 16);
	envf = malloc(strlen(tmp) + 16);
	REQUIRE_OR(marker != NULL && envf != NULL, out);
	sprintf(marker, "%s/marker", tmp);
	sprintf(envf, "%s/env", tmp);
	CHECK(path_exists(marker));
	FILE *f = fopen(envf, "r");
	REQUIRE_OR(f != NULL, out);
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	CHECK_NOT_CONTAINS(buf, "ATTUNE_LEAKED_SETTING");
	CHECK_CONTAINS(buf, "ATTUNE_FROM_TEST=");
	CHECK_CONTAINS(buf, tmp);
	attune_harness_destroy(h);
	h = NULL;
	CHECK(!path_exists(tmp));
out:
	attune_harness_destroy(h);
	free(tmp);
	free(marker);
	free(envf);
}

TEST(restart_after_exit)
{
	attune_harness *h = NULL;
	REQUIRE(attune_harness_spawn(fake_path(), NULL, &h) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_start(h, NULL) == ATTUNE_HARNESS_E_STATE);
	CHECK(attune_harness_stop(h, 5000, NULL) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_start(h, NULL) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_pid(h) > 0);
	attune_harness_destroy(h);
	attune_harness_destroy(NULL);
}

/* 1 while `pid` exists and is not a zombie. */
static int process_alive(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')');
	return rp != NULL && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

/* A test process that aborts must not leave its server running. */
TEST(abort_kills_server)
{
	int fds[2];
	REQUIRE(pipe(fds) == 0);
	pid_t child = fork();
	REQUIRE(child >= 0);
	if (child == 0) {
		attune_harness *h = NULL;
		close(fds[0]);
		if (attune_harness_spawn(fake_path(), NULL, &h) != ATTUNE_HARNESS_OK)
			_exit(2);
		char msg[512] = {0};
		snprintf(msg, sizeof(msg), "%d %s", (int)attune_harness_pid(h),
			 attune_harness_tmpdir(h));
		if (write(fds[1], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
			_exit(3);
		abort();
	}
	close(fds[1]);
	char msg[512] = {0}, tmp[512] = {0}, path[600];
	int server = 0;
	ssize_t r = read(fds[0], msg, sizeof(msg));
	close(fds[0]);
	int ws = 0;
	waitpid(child, &ws, 0);
	REQUIRE(r == (ssize_t)sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	REQUIRE(sscanf(msg, "%d %511s", &server, tmp) == 2);
	CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGABRT);
	int alive = 1;
	for (int i = 0; i < 1000 && alive; i++) { /* bounded: up to ~5 s */
		alive = process_alive(server);
		if (alive)
			usleep(5000);
	}
	CHECK_MSG(!alive, "server pid %d survived its test process", (int)server);
	if (alive)
		kill(server, SIGKILL);
	/* A signal handler cannot safely remove the temp dir: do it here. */
	snprintf(path, sizeof(path), "%s/ready", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/attuned.log", tmp);
	unlink(path);
	CHECK(rmdir(tmp) == 0);
}

static const attune_test_case cases[] = {
	TEST_CASE(abort_kills_server),
	TEST_CASE(parses_tcp_and_unix_listeners), TEST_CASE(sigterm_then_exit_status),
	TEST_CASE(early_exit_fails_fast),         TEST_CASE(never_ready_times_out),
	TEST_CASE(malformed_ready_file),          TEST_CASE(stop_escalates_to_sigkill),
	TEST_CASE(tmp_expansion_env_scrub_and_cleanup), TEST_CASE(restart_after_exit),
};

int main(int argc, char **argv)
{
	return ATTUNE_TEST_MAIN(argc, argv, cases);
}
