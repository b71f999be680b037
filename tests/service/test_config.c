/*
 * test_config.c - unit tests for attuned's configuration (defaults, env vs
 * flag precedence, validation messages, secure-by-default), listen address
 * parsing and the atomic ready file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "check.h"
#include "config.h"
#include "ready.h"

static attuned_config cfg; /* large; one at a time */

static attuned_config_result parse(char **envp, int argc, char **argv, char *err, size_t cap)
{
	FILE *devnull = fopen("/dev/null", "w");
	attuned_config_result r = attuned_config_parse(&cfg, argc, argv, envp, devnull, err, cap);
	fclose(devnull);
	return r;
}

#define ARGS(...)  ((char *[]){"attuned", __VA_ARGS__, NULL})
#define NARGS(...) ((int)(sizeof((char *[]){"attuned", __VA_ARGS__}) / sizeof(char *)))

static void test_defaults(check_ctx *c)
{
	char err[256];
	char *argv[] = {"attuned", NULL};

	CHECK(c, parse(NULL, 1, argv, err, sizeof(err)) == ATTUNED_CONFIG_OK);
	CHECK(c, cfg.n_listen == 1);
	CHECK_STR(c, cfg.listen[0], "127.0.0.1:50051");
	CHECK(c, cfg.workers >= 1);
	CHECK(c, cfg.max_message_bytes == 4u * 1024 * 1024);
	CHECK(c, cfg.grace_seconds == 10);
	CHECK(c, cfg.metrics_enabled == 1);
	CHECK_STR(c, cfg.metrics_listen, "127.0.0.1:9464");
	CHECK(c, cfg.ready_file == NULL);
	CHECK(c, cfg.log_level == ATTUNE_LOG_INFO);
	CHECK(c, cfg.event_log_keep == 5);
	CHECK(c, cfg.insecure_allow_remote_plaintext == 0);
	CHECK(c, cfg.request_timeout_ms == 30000);
	CHECK(c, cfg.stream_idle_timeout_ms == 600000);
}

static void test_env_and_flags(check_ctx *c)
{
	char err[256];
	char *env[] = {"ATTUNE_LISTEN=127.0.0.1:1,unix:/tmp/x.sock",
	               "ATTUNE_WORKERS=3",
	               "ATTUNE_GRACE_SECONDS=4",
	               "ATTUNE_NO_METRICS=1",
	               "ATTUNE_TEAMS=a,b.c,d-e",
	               "ATTUNE_LOG_LEVEL=warn",
	               "ATTUNE_REQUEST_TIMEOUT_MS=750",
	               "ATTUNE_STREAM_IDLE_TIMEOUT_MS=0",
	               NULL};
	char **argv = ARGS("--workers", "5", "--grace-seconds=6", "--ready-file", "/tmp/r");

	CHECK(c, parse(env, NARGS("--workers", "5", "--grace-seconds=6", "--ready-file", "/tmp/r"),
	               argv, err, sizeof(err)) == ATTUNED_CONFIG_OK);
	CHECK(c, cfg.n_listen == 2);
	CHECK_STR(c, cfg.listen[1], "unix:/tmp/x.sock");
	CHECK(c, cfg.workers == 5); /* flag wins */
	CHECK(c, cfg.grace_seconds == 6);
	CHECK(c, cfg.metrics_enabled == 0 && cfg.metrics_listen == NULL);
	CHECK(c, cfg.n_teams == 3);
	CHECK_STR(c, cfg.teams[1], "b.c");
	CHECK(c, cfg.log_level == ATTUNE_LOG_WARN);
	CHECK_STR(c, cfg.ready_file, "/tmp/r");
	CHECK(c, cfg.request_timeout_ms == 750);
	CHECK(c, cfg.stream_idle_timeout_ms == 0); /* 0 = never */

	/* --listen flags replace the env list, and repeat. */
	argv = ARGS("--listen", "127.0.0.1:0", "--listen", "[::1]:0");
	CHECK(c, parse(env, NARGS("--listen", "127.0.0.1:0", "--listen", "[::1]:0"), argv, err,
	               sizeof(err)) == ATTUNED_CONFIG_OK);
	CHECK(c, cfg.n_listen == 2);
	CHECK_STR(c, cfg.listen[0], "127.0.0.1:0");
	CHECK_STR(c, cfg.listen[1], "[::1]:0");
}

static void expect_error(check_ctx *c, char **envp, int argc, char **argv, const char *needle)
{
	char err[256];
	CHECK(c, parse(envp, argc, argv, err, sizeof(err)) == ATTUNED_CONFIG_ERROR);
	CHECK(c, strstr(err, needle) != NULL);
	if (!strstr(err, needle))
		fprintf(stderr, "  got: %s\n  want: %s\n", err, needle);
}

static void test_validation(check_ctx *c)
{
	char *env_bad[] = {"ATTUNE_WORKERS=lots", NULL};

	expect_error(c, NULL, NARGS("--bogus"), ARGS("--bogus"), "unknown option '--bogus'");
	expect_error(c, NULL, NARGS("--workers"), ARGS("--workers"), "--workers: missing value");
	expect_error(c, NULL, NARGS("--workers", "-1"), ARGS("--workers", "-1"),
	             "--workers: expected an integer in 0..256");
	expect_error(c, env_bad, 1, ARGS(NULL), "(from ATTUNE_WORKERS)");
	expect_error(c, NULL, NARGS("--max-message-bytes", "10"), ARGS("--max-message-bytes", "10"),
	             "--max-message-bytes");
	expect_error(c, NULL, NARGS("--log-level", "loud"), ARGS("--log-level", "loud"),
	             "--log-level: expected debug|info|warn|error|off");
	expect_error(c, NULL, NARGS("--listen", "nohost"), ARGS("--listen", "nohost"),
	             "--listen nohost: expected host:port or unix:/path");
	expect_error(c, NULL, NARGS("--listen", "127.0.0.1:70000"),
	             ARGS("--listen", "127.0.0.1:70000"), "port must be 0..65535");
	expect_error(c, NULL, NARGS("--teams", "a,b c"), ARGS("--teams", "a,b c"),
	             "--teams: only [A-Za-z0-9._-] allowed");
	expect_error(c, NULL, NARGS("--tls-cert", "/x"), ARGS("--tls-cert", "/x"),
	             "--tls-cert and --tls-key must be given together");
	expect_error(c, NULL, NARGS("--keepalive-time", "10", "--keepalive-timeout", "20"),
	             ARGS("--keepalive-time", "10", "--keepalive-timeout", "20"),
	             "--keepalive-timeout must be shorter");
	expect_error(c, NULL, NARGS("--metrics-listen", "unix:/x"),
	             ARGS("--metrics-listen", "unix:/x"), "--metrics-listen: expected host:port");
}

static void test_secure_by_default(check_ctx *c)
{
	char err[256];

	expect_error(c, NULL, NARGS("--listen", "0.0.0.0:0"), ARGS("--listen", "0.0.0.0:0"),
	             "not a loopback address");
	expect_error(c, NULL, NARGS("--listen", "[::]:0"), ARGS("--listen", "[::]:0"),
	             "--insecure-allow-remote-plaintext");
	CHECK(c, parse(NULL, NARGS("--listen", "0.0.0.0:0", "--insecure-allow-remote-plaintext"),
	               ARGS("--listen", "0.0.0.0:0", "--insecure-allow-remote-plaintext"), err,
	               sizeof(err)) == ATTUNED_CONFIG_OK);
	CHECK(c, parse(NULL, NARGS("--listen", "localhost:0", "--listen", "127.9.9.9:1"),
	               ARGS("--listen", "localhost:0", "--listen", "127.9.9.9:1"), err,
	               sizeof(err)) == ATTUNED_CONFIG_OK);
	CHECK(c, parse(NULL, NARGS("--help"), ARGS("--help"), err, sizeof(err)) ==
	             ATTUNED_CONFIG_EXIT);
	CHECK(c, parse(NULL, NARGS("--version"), ARGS("--version"), err, sizeof(err)) ==
	             ATTUNED_CONFIG_EXIT);
}

static void test_addr(check_ctx *c)
{
	attuned_addr a;
	char err[128], out[ATTUNED_ADDR_MAX];

	CHECK(c, attuned_addr_parse("127.0.0.1:0", &a, err, sizeof(err)) == 0);
	CHECK(c, a.kind == ATTUNED_ADDR_TCP && a.port == 0 && attuned_addr_is_local(&a));
	attuned_addr_format(&a, 4321, out, sizeof(out));
	CHECK_STR(c, out, "127.0.0.1:4321");
	CHECK(c, attuned_addr_parse("[::1]:7", &a, err, sizeof(err)) == 0);
	CHECK(c, attuned_addr_is_local(&a));
	attuned_addr_format(&a, 7, out, sizeof(out));
	CHECK_STR(c, out, "[::1]:7");
	CHECK(c, attuned_addr_parse("10.0.0.1:7", &a, err, sizeof(err)) == 0);
	CHECK(c, !attuned_addr_is_local(&a));
	CHECK(c, attuned_addr_parse("example.org:7", &a, err, sizeof(err)) == 0);
	CHECK(c, !attuned_addr_is_local(&a));
	CHECK(c, attuned_addr_parse("unix:/tmp/a.sock", &a, err, sizeof(err)) == 0);
	CHECK(c, a.kind == ATTUNED_ADDR_UNIX && attuned_addr_is_local(&a));
	CHECK_STR(c, a.path, "/tmp/a.sock");
	CHECK(c, attuned_addr_parse("unix:", &a, err, sizeof(err)) == -1);
	CHECK(c, attuned_addr_parse(":50051", &a, err, sizeof(err)) == -1);
	CHECK(c, attuned_addr_parse("::1:5", &a, err, sizeof(err)) == -1);
	CHECK(c, attuned_addr_parse("host:", &a, err, sizeof(err)) == -1);
	CHECK(c, attuned_addr_parse("host:+5", &a, err, sizeof(err)) == -1);
}

static void test_unix_prepare_and_ready(check_ctx *c)
{
	char dir[] = "/tmp/attune-cfgtest-XXXXXX";
	char path[256], err[256], buf[512];
	attuned_addr a;
	attuned_listener_list list = {0};
	FILE *f;
	int fd;
	struct sockaddr_un sa;

	if (!mkdtemp(dir)) {
		CHECK(c, 0);
		return;
	}
	/* A regular file is refused, not deleted. */
	snprintf(path, sizeof(path), "unix:%s/file", dir);
	f = fopen(path + 5, "w");
	if (f)
		fclose(f);
	CHECK(c, attuned_addr_parse(path, &a, err, sizeof(err)) == 0);
	CHECK(c, attuned_addr_prepare(&a, err, sizeof(err)) == -1);
	CHECK(c, strstr(err, "is not a socket") != NULL);
	CHECK(c, access(path + 5, F_OK) == 0);
	unlink(path + 5);

	/* A stale socket (nobody listening) is removed. */
	snprintf(path, sizeof(path), "unix:%s/s", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	CHECK(c, snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path + 5) <
		    (int)sizeof(sa.sun_path));
	CHECK(c, bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	CHECK(c, attuned_addr_parse(path, &a, err, sizeof(err)) == 0);
	CHECK(c, attuned_addr_prepare(&a, err, sizeof(err)) == 0);
	CHECK(c, access(path + 5, F_OK) != 0);

	/* A live socket is refused. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(c, bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0);
	CHECK(c, attuned_addr_prepare(&a, err, sizeof(err)) == -1);
	CHECK(c, strstr(err, "another process is listening") != NULL);
	close(fd);
	unlink(path + 5);

	/* Ready file: all listeners, one per line, no temp file left. */
	CHECK(c, attuned_listener_add(&list, "grpc", "127.0.0.1:4000") == 0);
	CHECK(c, attuned_listener_add(&list, "grpc", "unix:/tmp/a.sock") == 0);
	CHECK(c, attuned_listener_add(&list, "metrics", "127.0.0.1:9464") == 0);
	snprintf(path, sizeof(path), "%s/ready", dir);
	CHECK(c, attuned_ready_write(path, &list, err, sizeof(err)) == 0);
	f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CHECK_STR(c, buf, "grpc 127.0.0.1:4000\ngrpc unix:/tmp/a.sock\nmetrics 127.0.0.1:9464\n");
	snprintf(buf, sizeof(buf), "%s.tmp.%ld", path, (long)getpid());
	CHECK(c, access(buf, F_OK) != 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/no/such/dir/ready", dir);
	CHECK(c, attuned_ready_write(path, &list, err, sizeof(err)) == -1);
	rmdir(dir);
}

int main(void)
{
	check_ctx c = {0, 0};

	test_defaults(&c);
	test_env_and_flags(&c);
	test_validation(&c);
	test_secure_by_default(&c);
	test_addr(&c);
	test_unix_prepare_and_ready(&c);
	return check_report(&c, "test_config");
}
