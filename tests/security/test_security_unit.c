/*
 * test_security_unit.c - unit tests of the security library: tokens-file
 * parsing and constant-time verification, the client-cert role map, the
 * rate limiter, options, transport limits, the listen check, authorization
 * decisions and reload.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attune_test.h"
#include "sec_certroles.h"
#include "sec_ratelimit.h"
#include "sec_tls.h"
#include "sec_tokens.h"
#include "security.h"

/* sha256("alpha-secret"), sha256("beta-secret"), sha256("gamma-secret") are
 * computed at run time with attune_sec_sha256_hex (checked against a known
 * vector below). */
static void hex_of(const char *s, char out[65])
{
	attune_sec_sha256_hex(s, strlen(s), out);
}

static attune_token_table *parse_ok(attune_test_state *t_, const char *text)
{
	attune_token_table *t = NULL;
	unsigned line = 99;
	const char *why = NULL;
	attune_sec_status st = attune_token_table_parse(text, strlen(text), &t, &line, &why);
	CHECK_MSG(st == ATTUNE_SEC_OK, "status %d line %u: %s", st, line, why);
	return t;
}

static unsigned parse_fail_line(const char *text, attune_sec_status *st_out, const char **why)
{
	attune_token_table *t = NULL;
	unsigned line = 0;
	*st_out = attune_token_table_parse(text, strlen(text), &t, &line, why);
	attune_token_table_destroy(t);
	return line;
}

TEST(sha256_known_vector)
{
	char h[65];
	REQUIRE(attune_sec_sha256_hex("abc", 3, h) == 0);
	CHECK_EQ_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(tokens_parse_comments_blank_and_labels)
{
	char a[65], b[65], text[512];
	hex_of("alpha-secret", a);
	hex_of("beta-secret", b);
	/* upper-case hex is accepted too */
	for (char *p = b; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	snprintf(text, sizeof(text),
	         "# tokens for the test\n\n   \n%s assist console-1\r\n\t# indented comment\n"
	         "%s   assist,supervisor\n",
	         a, b);
	attune_token_table *t = parse_ok(t_, text);
	REQUIRE(t != NULL);
	CHECK_EQ_INT(attune_token_table_count(t), 2);

	unsigned roles = 0;
	char principal[ATTUNE_PRINCIPAL_MAX] = "";
	CHECK_EQ_INT(
	    attune_token_table_verify(t, "alpha-secret", 12, &roles, principal, sizeof(principal)),
	    1);
	CHECK_EQ_INT(roles, ATTUNE_ROLE_ASSIST);
	CHECK_EQ_STR(principal, "console-1");

	CHECK_EQ_INT(
	    attune_token_table_verify(t, "beta-secret", 11, &roles, principal, sizeof(principal)),
	    1);
	CHECK_EQ_INT(roles, ATTUNE_ROLE_ASSIST | ATTUNE_ROLE_SUPERVISOR);
	/* no label: "token:" + first 12 hex digits of the hash */
	char want[32];
	hex_of("beta-secret", b);
	snprintf(want, sizeof(want), "token:%.12s", b);
	CHECK_EQ_STR(principal, want);
	CHECK_NOT_CONTAINS(principal, "beta-secret");
	attune_token_table_destroy(t);
}

TEST(tokens_verify_rejects)
{
	char a[65], text[256];
	hex_of("alpha-secret", a);
	snprintf(text, sizeof(text), "%s assist a\n", a);
	attune_token_table *t = parse_ok(t_, text);
	REQUIRE(t != NULL);
	unsigned roles = 12345;
	char principal[16] = "untouched";
	CHECK_EQ_INT(attune_token_table_verify(t, "alpha-secreT", 12, &roles, principal, 16), 0);
	CHECK_EQ_INT(attune_token_table_verify(t, "alpha-secret", 11, &roles, principal, 16), 0);
	CHECK_EQ_INT(attune_token_table_verify(t, "", 0, &roles, principal, 16), 0);
	/* the hash itself is not a token */
	CHECK_EQ_INT(attune_token_table_verify(t, a, 64, &roles, principal, 16), 0);
	CHECK_EQ_INT(roles, 12345);
	CHECK_EQ_STR(principal, "untouched");
	/* an over-long token never matches (and does not crash) */
	char *big = malloc(ATTUNE_BEARER_TOKEN_MAX + 2);
	REQUIRE(big != NULL);
	memset(big, 'x', ATTUNE_BEARER_TOKEN_MAX + 1);
	big[ATTUNE_BEARER_TOKEN_MAX + 1] = '\0';
	CHECK_EQ_INT(
	    attune_token_table_verify(t, big, ATTUNE_BEARER_TOKEN_MAX + 1, &roles, principal, 16),
	    0);
	free(big);
	/* empty table: nothing matches */
	attune_token_table *empty = parse_ok(t_, "# nobody\n");
	REQUIRE(empty != NULL);
	CHECK_EQ_INT(attune_token_table_count(empty), 0);
	CHECK_EQ_INT(attune_token_table_verify(empty, "alpha-secret", 12, &roles, principal, 16),
	             0);
	attune_token_table_destroy(empty);
	attune_token_table_destroy(t);
	attune_token_table_destroy(NULL);
}

TEST(tokens_parse_errors_name_the_line_never_the_content)
{
	char a[65], text[512];
	attune_sec_status st;
	const char *why = NULL;
	hex_of("alpha-secret", a);

	/* bad hex (a 'g' in the hash) on line 3 */
	char bad[65];
	memcpy(bad, a, 65);
	bad[10] = 'g';
	snprintf(text, sizeof(text), "# c\n%s assist\n%s assist\n", a, bad);
	CHECK_EQ_INT(parse_fail_line(text, &st, &why), 3);
	CHECK_EQ_INT(st, ATTUNE_SEC_E_PARSE);
	CHECK_CONTAINS(why, "64 hex");

	/* short hash */
	CHECK_EQ_INT(parse_fail_line("abcd assist\n", &st, &why), 1);
	CHECK_CONTAINS(why, "64 hex");

	/* unknown role on line 2 */
	snprintf(text, sizeof(text), "\n%s admin label\n", a);
	CHECK_EQ_INT(parse_fail_line(text, &st, &why), 2);
	CHECK_CONTAINS(why, "unknown role");
	CHECK_NOT_CONTAINS(why, "admin");
	snprintf(text, sizeof(text), "%s assist,,supervisor\n", a);
	CHECK_EQ_INT(parse_fail_line(text, &st, &why), 1);
	CHECK_CONTAINS(why, "unknown role");

	/* missing role, too many fields */
	snprintf(text, sizeof(text), "%s\n", a);
	CHECK_EQ_INT(parse_fail_line(text, &st, &why), 1);
	snprintf(text, sizeof(text), "%s assist label extra\n", a);
	CHECK_EQ_INT(parse_fail_line(text, &st, &why), 1);
	CHECK_CONTAINS(why, "expected");

	/* label with a bad character */
	snprintf(text, sizeof(text), "%s assist bad/label\n", a);
	CHECK_EQ_INT(parse_fail_line(text, &st, &why), 1);
	CHECK_CONTAINS(why, "label");

	/* more than ATTUNE_TOKENS_MAX_ENTRIES tokens: the first one too many is named */
	{
		size_t cap = (ATTUNE_TOKENS_MAX_ENTRIES + 1) * 80 + 1, len = 0;
		char *big = malloc(cap), tok[32], hx[65];
		REQUIRE(big != NULL);
		for (unsigned i = 0; i <= ATTUNE_TOKENS_MAX_ENTRIES; i++) {
			snprintf(tok, sizeof(tok), "t-%u", i);
			hex_of(tok, hx);
			len += (size_t)snprintf(big + len, cap - len, "%s assist\n", hx);
		}
		CHECK_EQ_INT(parse_fail_line(big, &st, &why), ATTUNE_TOKENS_MAX_ENTRIES + 1);
		CHECK_EQ_INT(st, ATTUNE_SEC_E_TOO_LARGE);
		free(big);
	}

	/* duplicate hash */
	snprintf(text, sizeof(text), "%s assist\n%s supervisor\n", a, a);
	CHECK_EQ_INT(parse_fail_line(text, &st, &why), 2);
	CHECK_CONTAINS(why, "duplicate");
}

TEST(tokens_load_file_errors)
{
	char dir[] = "/tmp/attune-sec-unit-XXXXXX";
	REQUIRE(mkdtemp(dir) != NULL);
	char path[256], err[512];
	attune_token_table *t = NULL;
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK_EQ_INT(attune_token_table_load(path, &t, err, sizeof(err)), ATTUNE_SEC_E_IO);
	CHECK_CONTAINS(err, path);
	CHECK(t == NULL);
	/* a directory is not a tokens file */
	CHECK_EQ_INT(attune_token_table_load(dir, &t, err, sizeof(err)), ATTUNE_SEC_E_IO);

	/* a bad line: the message names path and line, never the secret text */
	snprintf(path, sizeof(path), "%s/tokens", dir);
	FILE *f = fopen(path, "w");
	REQUIRE_OR(f != NULL, out_rm);
	fprintf(f, "# ok\nmy-plaintext-token assist\n");
	fclose(f);
	CHECK_EQ_INT(attune_token_table_load(path, &t, err, sizeof(err)), ATTUNE_SEC_E_PARSE);
	CHECK_CONTAINS(err, "line 2");
	CHECK_NOT_CONTAINS(err, "my-plaintext-token");
	unlink(path);
out_rm:
	rmdir(dir);
}

TEST(certroles_parse_and_lookup)
{
	const char *text = "# identities\nconsole.example.org assist\n"
	                   "dash-01 supervisor\nboth assist,supervisor\n";
	attune_certroles *m = NULL;
	unsigned line = 0;
	const char *why = NULL;
	REQUIRE(attune_certroles_parse(text, strlen(text), &m, &line, &why) == ATTUNE_SEC_OK);
	CHECK_EQ_INT(attune_certroles_count(m), 3);
	CHECK_EQ_INT(attune_certroles_lookup(m, "console.example.org", 19), ATTUNE_ROLE_ASSIST);
	CHECK_EQ_INT(attune_certroles_lookup(m, "dash-01", 7), ATTUNE_ROLE_SUPERVISOR);
	CHECK_EQ_INT(attune_certroles_lookup(m, "dash-0", 6), 0);
	CHECK_EQ_INT(attune_certroles_lookup(m, "both", 4),
	             ATTUNE_ROLE_ASSIST | ATTUNE_ROLE_SUPERVISOR);
	CHECK_EQ_INT(attune_certroles_lookup(NULL, "both", 4), 0);
	attune_certroles_destroy(m);

	m = NULL;
	CHECK_EQ_INT(attune_certroles_parse("a assist\nb root\n", 16, &m, &line, &why),
	             ATTUNE_SEC_E_PARSE);
	CHECK_EQ_INT(line, 2);
	CHECK(m == NULL);
	CHECK_EQ_INT(attune_certroles_parse("a\n", 2, &m, &line, &why), ATTUNE_SEC_E_PARSE);
	CHECK_EQ_INT(line, 1);
}

TEST(ratelimit_burst_refill_and_isolation)
{
	attune_ratelimit *rl = NULL;
	const uint64_t s = 1000000000ull;
	REQUIRE(attune_ratelimit_create(2.0, 3, 0, &rl) == ATTUNE_SEC_OK);
	REQUIRE(rl != NULL);
	uint64_t now = 5 * s;
	/* burst of 3, then limited */
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "alice", now), 1);
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "alice", now), 1);
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "alice", now), 1);
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "alice", now), 0);
	/* another principal is unaffected */
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "bob", now), 1);
	/* 2 rps: after 0.5 s exactly one more */
	now += s / 2;
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "alice", now), 1);
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "alice", now), 0);
	/* refill caps at the burst */
	now += 100 * s;
	int ok = 0;
	for (int i = 0; i < 10; i++)
		ok += attune_ratelimit_allow(rl, "alice", now);
	CHECK_EQ_INT(ok, 3);
	/* time going backwards does not mint tokens */
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "alice", now - 50 * s), 0);
	attune_ratelimit_destroy(rl);
}

TEST(ratelimit_off_and_invalid)
{
	attune_ratelimit *rl = (attune_ratelimit *)1;
	CHECK_EQ_INT(attune_ratelimit_create(0, 0, 0, &rl), ATTUNE_SEC_OK);
	CHECK(rl == NULL);
	CHECK_EQ_INT(attune_ratelimit_allow(NULL, "x", 0), 1);
	CHECK_EQ_INT(attune_ratelimit_create(-1, 0, 0, &rl), ATTUNE_SEC_E_INVALID);
	/* fractional rate: burst defaults to ceil(0.5) = 1 */
	REQUIRE(attune_ratelimit_create(0.5, 0, 0, &rl) == ATTUNE_SEC_OK);
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "p", 0), 1);
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "p", 1000000000ull), 0);
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "p", 2000000000ull), 1);
	attune_ratelimit_destroy(rl);
	attune_ratelimit_destroy(NULL);
}

TEST(ratelimit_table_is_bounded)
{
	attune_ratelimit *rl = NULL;
	REQUIRE(attune_ratelimit_create(1.0, 1, 64, &rl) == ATTUNE_SEC_OK);
	char name[32];
	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "flood-%d", i);
		attune_ratelimit_allow(rl, name, 0);
	}
	CHECK(attune_ratelimit_tracked(rl) <= 64);
	/* a principal seen constantly stays tracked (LRU keeps it) and limited */
	CHECK_EQ_INT(attune_ratelimit_allow(rl, "steady", 0), 1);
	int allowed = 0;
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "flood2-%d", i % 3);
		attune_ratelimit_allow(rl, name, 0);
		allowed += attune_ratelimit_allow(rl, "steady", 0);
	}
	CHECK_EQ_INT(allowed, 0);
	attune_ratelimit_destroy(rl);
}

TEST(options_and_limits)
{
	attune_sec_options o;
	char err[256];
	attune_sec_options_defaults(&o);
	CHECK_EQ_INT(o.limits.max_concurrent_streams, 256);
	CHECK(o.tokens_file == NULL);
	CHECK(o.rate_limit_rps == 0);

	attune_net_limits l;
	attune_net_limits_defaults(&l);
	CHECK_EQ_INT(attune_net_limits_validate(&l, err, sizeof(err)), 0);
	grpc_arg args[ATTUNE_NET_LIMITS_MAX_ARGS];
	size_t n = attune_net_limits_to_args(&l, args, ATTUNE_NET_LIMITS_MAX_ARGS);
	int seen_streams = 0, seen_strikes = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(args[i].key, GRPC_ARG_MAX_CONCURRENT_STREAMS) == 0)
			seen_streams = args[i].value.integer;
		if (strcmp(args[i].key, GRPC_ARG_HTTP2_MAX_PING_STRIKES) == 0)
			seen_strikes = args[i].value.integer;
	}
	CHECK_EQ_INT(seen_streams, 256);
	CHECK_EQ_INT(seen_strikes, 2);
	l.max_concurrent_streams = 0;
	CHECK_EQ_INT(attune_net_limits_validate(&l, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "--max-concurrent-streams");
}

/* A security context with a tokens file in a temp dir. */
typedef struct fixture {
	char dir[64];
	char tokens[128];
	attune_security *sec;
} fixture;

static void write_tokens(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(body, f);
		fclose(f);
	}
}

static int fixture_up(fixture *fx, const char *tokens_body, double rps)
{
	attune_sec_options o;
	char err[512];
	memset(fx, 0, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/attune-sec-unit-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->tokens, sizeof(fx->tokens), "%s/tokens", fx->dir);
	write_tokens(fx->tokens, tokens_body);
	attune_sec_options_defaults(&o);
	o.tokens_file = fx->tokens;
	o.rate_limit_rps = rps;
	o.rate_burst = rps > 0 ? 2 : 0;
	if (attune_security_create(&o, &fx->sec, err, sizeof(err)) != ATTUNE_SEC_OK) {
		fprintf(stderr, "create: %s\n", err);
		return -1;
	}
	return 0;
}

static void fixture_down(fixture *fx)
{
	attune_security_destroy(fx->sec);
	unlink(fx->tokens);
	rmdir(fx->dir);
}

#define SCORE  "/attune.v1.Assist/ScoreDraft"
#define STATS  "/attune.v1.Supervision/GetTeamStats"
#define HEALTH "/grpc.health.v1.Health/Check"

static void authz(attune_security *sec, const char *method, const char *authorization,
                  attune_authz *out)
{
	attune_security_authorize_values(
	    sec, method, strlen(method), authorization, authorization ? strlen(authorization) : 0,
	    authorization ? 1 : 0, NULL, NULL, 0, "ipv4:127.0.0.1:999", 1, out);
}

TEST(authorize_tokens_and_roles)
{
	char a[65], s[65], body[512];
	fixture fx;
	attune_authz z;
	hex_of("alpha-secret", a);
	hex_of("sup-secret", s);
	snprintf(body, sizeof(body), "%s assist console\n%s supervisor dash\n", a, s);
	REQUIRE(fixture_up(&fx, body, 0) == 0);
	CHECK(attune_security_auth_required(fx.sec));

	authz(fx.sec, SCORE, NULL, &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_UNAUTHENTICATED);
	CHECK_EQ_INT(z.reason, ATTUNE_AUTHZ_MISSING_TOKEN);
	authz(fx.sec, SCORE, "Bearer wrong", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_UNAUTHENTICATED);
	CHECK_EQ_INT(z.reason, ATTUNE_AUTHZ_INVALID_TOKEN);
	CHECK_NOT_CONTAINS(z.message, "wrong");
	authz(fx.sec, SCORE, "Basic alpha-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_UNAUTHENTICATED);
	authz(fx.sec, SCORE, "alpha-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_UNAUTHENTICATED);
	authz(fx.sec, SCORE, "Bearer alpha-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	CHECK_EQ_STR(z.principal, "console");
	authz(fx.sec, SCORE, "bearer   alpha-secret ", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	authz(fx.sec, STATS, "Bearer alpha-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_PERMISSION_DENIED);
	CHECK_EQ_INT(z.reason, ATTUNE_AUTHZ_WRONG_ROLE);
	CHECK_CONTAINS(z.message, "supervisor");
	authz(fx.sec, STATS, "Bearer sup-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	/* supervisor does not imply assist */
	authz(fx.sec, SCORE, "Bearer sup-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_PERMISSION_DENIED);
	/* health is open */
	authz(fx.sec, HEALTH, NULL, &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	/* unknown methods need some valid identity, no particular role */
	authz(fx.sec, "/x.Y/Z", NULL, &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_UNAUTHENTICATED);
	authz(fx.sec, "/x.Y/Z", "Bearer sup-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	/* two authorization entries are refused */
	attune_security_authorize_values(fx.sec, SCORE, strlen(SCORE), "Bearer alpha-secret", 19, 2,
	                                 NULL, NULL, 0, NULL, 1, &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_UNAUTHENTICATED);
	fixture_down(&fx);
}

TEST(authorize_rate_limit_per_principal)
{
	char a[65], s[65], body[512];
	fixture fx;
	attune_authz z;
	hex_of("alpha-secret", a);
	hex_of("other-secret", s);
	snprintf(body, sizeof(body), "%s assist one\n%s assist two\n", a, s);
	REQUIRE(fixture_up(&fx, body, 1.0) == 0);
	authz(fx.sec, SCORE, "Bearer alpha-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	authz(fx.sec, SCORE, "Bearer alpha-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	authz(fx.sec, SCORE, "Bearer alpha-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_RESOURCE_EXHAUSTED);
	CHECK_EQ_STR(z.message, "rate limit exceeded");
	CHECK_EQ_INT(z.reason, ATTUNE_AUTHZ_RATE_LIMITED);
	authz(fx.sec, SCORE, "Bearer other-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	/* health is never rate limited */
	for (int i = 0; i < 10; i++) {
		authz(fx.sec, HEALTH, NULL, &z);
		CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	}
	fixture_down(&fx);
}

TEST(authorize_without_auth_uses_peer)
{
	attune_sec_options o;
	attune_security *sec = NULL;
	attune_authz z;
	char err[256];
	attune_sec_options_defaults(&o);
	o.rate_limit_rps = 1;
	REQUIRE(attune_security_create(&o, &sec, err, sizeof(err)) == ATTUNE_SEC_OK);
	CHECK(!attune_security_auth_required(sec));
	attune_security_authorize_values(sec, STATS, strlen(STATS), NULL, 0, 0, NULL, NULL, 0,
	                                 "ipv4:10.1.2.3:4567", 1, &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	CHECK_EQ_STR(z.principal, "ipv4:10.1.2.3");
	/* same host, another port: same bucket */
	attune_security_authorize_values(sec, STATS, strlen(STATS), NULL, 0, 0, NULL, NULL, 0,
	                                 "ipv4:10.1.2.3:9999", 1, &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_RESOURCE_EXHAUSTED);
	attune_security_authorize_values(sec, STATS, strlen(STATS), NULL, 0, 0, NULL, NULL, 0,
	                                 "ipv6:[::1]:4567", 1, &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	CHECK_EQ_STR(z.principal, "ipv6:[::1]");
	/* an mTLS identity names the principal, made safe for one log token */
	const char *ids[] = {"console 1\n\"x\""};
	size_t lens[] = {strlen(ids[0])};
	attune_security_authorize_values(sec, STATS, strlen(STATS), NULL, 0, 0, ids, lens, 1,
	                                 "ipv4:10.1.2.3:4567", 1, &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	CHECK_EQ_STR(z.principal, "cert:console_1__x_");
	attune_security_destroy(sec);
}

TEST(reload_swaps_or_keeps)
{
	char a[65], b[65], body[512];
	fixture fx;
	attune_authz z;
	char err[512];
	hex_of("alpha-secret", a);
	hex_of("beta-secret", b);
	snprintf(body, sizeof(body), "%s assist one\n", a);
	REQUIRE(fixture_up(&fx, body, 0) == 0);
	authz(fx.sec, SCORE, "Bearer beta-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_UNAUTHENTICATED);

	snprintf(body, sizeof(body), "%s assist one\n%s assist two\n", a, b);
	write_tokens(fx.tokens, body);
	CHECK_EQ_INT(attune_security_reload(fx.sec, err, sizeof(err)), ATTUNE_SEC_OK);
	CHECK_EQ_INT(attune_security_token_count(fx.sec), 2);
	authz(fx.sec, SCORE, "Bearer beta-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);

	/* a broken file keeps the old table */
	write_tokens(fx.tokens, "garbage-secret assist\n");
	CHECK_EQ_INT(attune_security_reload(fx.sec, err, sizeof(err)), ATTUNE_SEC_E_PARSE);
	CHECK_CONTAINS(err, "line 1");
	CHECK_NOT_CONTAINS(err, "garbage-secret");
	authz(fx.sec, SCORE, "Bearer beta-secret", &z);
	CHECK_EQ_INT(z.code, GRPC_STATUS_OK);
	fixture_down(&fx);
}

typedef struct hammer {
	attune_security *sec;
	int stop; /* read with __atomic builtins */
	long ok, bad;
} hammer;

static void *hammer_run(void *arg)
{
	hammer *h = arg;
	attune_authz z;
	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		authz(h->sec, SCORE, "Bearer alpha-secret", &z);
		if (z.code == GRPC_STATUS_OK)
			h->ok++;
		else
			h->bad++;
		/* Let the reloading thread run: under valgrind threads share one
		 * lock, and a spinning thread would starve it. */
		sched_yield();
	}
	return NULL;
}

TEST(reload_under_concurrent_calls)
{
	char a[65], b[65], body[512], err[512];
	fixture fx;
	pthread_t th[2];
	hammer h = {0};
	hex_of("alpha-secret", a);
	hex_of("beta-secret", b);
	snprintf(body, sizeof(body), "%s assist one\n", a);
	REQUIRE(fixture_up(&fx, body, 0) == 0);
	h.sec = fx.sec;
	hammer h2 = h;
	REQUIRE_OR(pthread_create(&th[0], NULL, hammer_run, &h) == 0, out);
	REQUIRE_OR(pthread_create(&th[1], NULL, hammer_run, &h2) == 0, out_join1);
	for (int i = 0; i < 200; i++) {
		snprintf(body, sizeof(body), "%s assist one\n%s assist two-%d\n", a, b, i);
		write_tokens(fx.tokens, body);
		CHECK_EQ_INT(attune_security_reload(fx.sec, err, sizeof(err)), ATTUNE_SEC_OK);
	}
	__atomic_store_n(&h2.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th[1], NULL);
out_join1:
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th[0], NULL);
	/* the token present in every generation never failed */
	CHECK_EQ_INT(h.bad + h2.bad, 0);
	CHECK_GT_INT(h.ok + h2.ok, 0);
out:
	fixture_down(&fx);
}

TEST(create_errors)
{
	attune_sec_options o;
	attune_security *sec = NULL;
	char err[512];

	attune_sec_options_defaults(&o);
	o.tls_cert = "/nonexistent/cert.pem";
	CHECK_EQ_INT(attune_security_create(&o, &sec, err, sizeof(err)), ATTUNE_SEC_E_INVALID);
	CHECK_CONTAINS(err, "--tls-key");
	o.tls_key = "/nonexistent/key.pem";
	CHECK_EQ_INT(attune_security_create(&o, &sec, err, sizeof(err)), ATTUNE_SEC_E_IO);
	CHECK_CONTAINS(err, "/nonexistent/cert.pem");
	CHECK(sec == NULL);

	/* not PEM */
	char path[] = "/tmp/attune-sec-pem-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	CHECK(write(fd, "hello\n", 6) == 6);
	close(fd);
	o.tls_cert = path;
	o.tls_key = path;
	CHECK_EQ_INT(attune_security_create(&o, &sec, err, sizeof(err)), ATTUNE_SEC_E_PARSE);
	CHECK_CONTAINS(err, "no PEM certificate");
	unlink(path);

	attune_sec_options_defaults(&o);
	o.client_cert_roles = "/x";
	CHECK_EQ_INT(attune_security_create(&o, &sec, err, sizeof(err)), ATTUNE_SEC_E_INVALID);
	CHECK_CONTAINS(err, "--tls-client-ca");

	attune_security_destroy(NULL);
}

/* Makes a self-signed EC certificate and a second, unrelated key with the
 * openssl CLI; returns 0 on success. */
static int make_cert(const char *dir)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	         "-nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=unit >/dev/null 2>&1 && "
	         "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.pem "
	         ">/dev/null 2>&1",
	         dir);
	return system(cmd) == 0 ? 0 : -1;
}

TEST(tls_load_checks_files)
{
	char dir[] = "/tmp/attune-sec-tls-XXXXXX", cert[128], key[128], other[128], err[512];
	attune_tls *tls = NULL;
	REQUIRE(mkdtemp(dir) != NULL);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(other, sizeof(other), "%s/other.pem", dir);
	if (make_cert(dir) != 0) {
		rmdir(dir);
		SKIP("openssl CLI not available");
	}
	CHECK_EQ_INT(attune_tls_load(cert, key, NULL, &tls, err, sizeof(err)), ATTUNE_SEC_OK);
	CHECK(tls != NULL);
	CHECK_EQ_INT(attune_tls_is_mutual(tls), 0);
	attune_tls_destroy(tls);
	CHECK_EQ_INT(attune_tls_load(cert, key, cert, &tls, err, sizeof(err)), ATTUNE_SEC_OK);
	CHECK_EQ_INT(attune_tls_is_mutual(tls), 1);
	attune_tls_destroy(tls);
	tls = NULL;
	/* a key that does not belong to the certificate */
	CHECK_EQ_INT(attune_tls_load(cert, other, NULL, &tls, err, sizeof(err)),
	             ATTUNE_SEC_E_PARSE);
	CHECK_CONTAINS(err, "does not match");
	/* the certificate given as key, the key given as CA */
	CHECK_EQ_INT(attune_tls_load(cert, cert, NULL, &tls, err, sizeof(err)), ATTUNE_SEC_E_PARSE);
	CHECK_CONTAINS(err, "private key");
	CHECK_EQ_INT(attune_tls_load(cert, key, key, &tls, err, sizeof(err)), ATTUNE_SEC_E_PARSE);
	CHECK_CONTAINS(err, "no PEM certificate");
	CHECK(tls == NULL);
	unlink(cert);
	unlink(key);
	unlink(other);
	rmdir(dir);
}

static const attune_test_case cases[] = {
    TEST_CASE(tls_load_checks_files),
    TEST_CASE(sha256_known_vector),
    TEST_CASE(tokens_parse_comments_blank_and_labels),
    TEST_CASE(tokens_verify_rejects),
    TEST_CASE(tokens_parse_errors_name_the_line_never_the_content),
    TEST_CASE(tokens_load_file_errors),
    TEST_CASE(certroles_parse_and_lookup),
    TEST_CASE(ratelimit_burst_refill_and_isolation),
    TEST_CASE(ratelimit_off_and_invalid),
    TEST_CASE(ratelimit_table_is_bounded),
    TEST_CASE(options_and_limits),
    TEST_CASE(authorize_tokens_and_roles),
    TEST_CASE(authorize_rate_limit_per_principal),
    TEST_CASE(authorize_without_auth_uses_peer),
    TEST_CASE(reload_swaps_or_keeps),
    TEST_CASE(reload_under_concurrent_calls),
    TEST_CASE(create_errors),
};

int main(int argc, char **argv)
{
	return ATTUNE_TEST_MAIN(argc, argv, cases);
}
