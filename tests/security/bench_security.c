/*
 * bench_security.c - prints what the per-call security checks cost: token
 * verification against tables of different sizes, the rate limiter with one
 * and many principals, and a whole authorization decision. A benchmark that
 * prints numbers, not a pass/fail test: run ./bench_security.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sec_ratelimit.h"
#include "sec_tokens.h"
#include "security.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A tokens file text with n entries; token i is "token-<i>". */
static char *make_tokens(size_t n)
{
	char *text = malloc(n * 100 + 1), tok[32], hex[65];
	size_t len = 0;
	if (!text)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		snprintf(tok, sizeof(tok), "token-%zu", i);
		attune_sec_sha256_hex(tok, strlen(tok), hex);
		len += (size_t)sprintf(text + len, "%s assist label-%zu\n", hex, i);
	}
	text[len] = '\0';
	return text;
}

static void bench_verify(size_t n)
{
	char *text = make_tokens(n), principal[ATTUNE_PRINCIPAL_MAX];
	attune_token_table *t = NULL;
	unsigned line, roles;
	const char *why;
	const int iters = n > 1000 ? 20000 : 200000;
	int hits = 0;

	if (!text || attune_token_table_parse(text, strlen(text), &t, &line, &why) != ATTUNE_SEC_OK)
		return;
	char want[32];
	snprintf(want, sizeof(want), "token-%zu", n / 2);
	double t0 = now_s();
	for (int i = 0; i < iters; i++)
		hits += attune_token_table_verify(t, want, strlen(want), &roles, principal,
		                                  sizeof(principal));
	double hit = (now_s() - t0) / iters * 1e9;
	t0 = now_s();
	for (int i = 0; i < iters; i++)
		hits += attune_token_table_verify(t, "nope-nope", 9, &roles, principal,
		                                  sizeof(principal));
	double miss = (now_s() - t0) / iters * 1e9;
	printf("token_verify tokens=%zu hit_ns=%.0f miss_ns=%.0f (hits=%d)\n", n, hit, miss, hits);
	attune_token_table_destroy(t);
	free(text);
}

static void bench_ratelimit(size_t principals)
{
	attune_ratelimit *rl = NULL;
	char name[32];
	const int iters = 2000000;
	int allowed = 0;
	if (attune_ratelimit_create(1e6, 1000000, 4096, &rl) != ATTUNE_SEC_OK)
		return;
	double t0 = now_s();
	for (int i = 0; i < iters; i++) {
		snprintf(name, sizeof(name), "p-%zu", (size_t)i % principals);
		allowed += attune_ratelimit_allow(rl, name, (uint64_t)i * 1000u);
	}
	double ns = (now_s() - t0) / iters * 1e9;
	printf("ratelimit_allow principals=%zu ns=%.0f tracked=%zu (allowed=%d)\n", principals, ns,
	       attune_ratelimit_tracked(rl), allowed);
	attune_ratelimit_destroy(rl);
}

static void bench_authorize(void)
{
	char path[] = "/tmp/attune-bench-tokens-XXXXXX", err[256];
	char *text = make_tokens(100);
	int fd = mkstemp(path);
	attune_sec_options o;
	attune_security *sec = NULL;
	attune_authz z;
	const int iters = 200000;
	int ok = 0;

	if (fd < 0 || !text)
		return;
	if (write(fd, text, strlen(text)) < 0)
		perror("write");
	close(fd);
	attune_sec_options_defaults(&o);
	o.tokens_file = path;
	o.rate_limit_rps = 1e9;
	if (attune_security_create(&o, &sec, err, sizeof(err)) != ATTUNE_SEC_OK) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	const char *m = "/attune.v1.Assist/ScoreDraft", *a = "Bearer token-42";
	double t0 = now_s();
	for (int i = 0; i < iters; i++) {
		attune_security_authorize_values(sec, m, strlen(m), a, strlen(a), 1, NULL, NULL, 0,
		                                 NULL, (uint64_t)i, &z);
		ok += z.code == GRPC_STATUS_OK;
	}
	printf("authorize tokens=100 rate_limit=on ns=%.0f (ok=%d of %d)\n",
	       (now_s() - t0) / iters * 1e9, ok, iters);
out:
	attune_security_destroy(sec);
	unlink(path);
	free(text);
}

int main(void)
{
	bench_verify(1);
	bench_verify(10);
	bench_verify(100);
	bench_verify(1000);
	bench_ratelimit(1);
	bench_ratelimit(1000);
	bench_ratelimit(100000);
	bench_authorize();
	return 0;
}
