/*
 * test_metrics_bench.c - a benchmark, not a test (not registered with ctest):
 * prints observations per second for the hot-path calls from 1..N threads
 * and the time one /metrics rendering takes.
 *   bench_metrics [threads] [observations-per-thread]
 */
#define _POSIX_C_SOURCE 200809L
#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct bench_arg {
	attune_metrics *m;
	long n;
	const attune_score_result *r;
} bench_arg;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *p)
{
	bench_arg *a = p;
	long i;

	for (i = 0; i < a->n; i++) {
		attune_metrics_observe_rpc(a->m, ATTUNE_METRICS_RPC_SCORE_DRAFT, 0,
		                           (uint64_t)(i & 1023) * 1000);
		attune_metrics_observe_draft(a->m, ATTUNE_CHANNEL_CHAT, "north", 5, a->r);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const teams[] = {"north", "south", "east", "west"};
	attune_metrics_config cfg = {teams, 4, "bench", "bench"};
	attune_finding f[3] = {{ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MAJOR, 0, 1, ""},
	                       {ATTUNE_FINDING_PREMATURE_ADVICE, ATTUNE_SEVERITY_MAJOR, 2, 3, ""},
	                       {ATTUNE_FINDING_ACKNOWLEDGMENT, ATTUNE_SEVERITY_STRENGTH, 4, 5, ""}};
	attune_score_result r;
	int max_threads = argc > 1 ? atoi(argv[1]) : 4;
	long per = argc > 2 ? atol(argv[2]) : 2000000;
	int t, i;

	if (max_threads < 1 || max_threads > 64 || per < 1)
		return 2;
	memset(&r, 0, sizeof(r));
	r.score = 63;
	r.findings = f;
	r.n_findings = 3;
	r.n_suggestions = 3;
	r.risk.level = ATTUNE_RISK_LOW;
	for (t = 1; t <= max_threads; t *= 2) {
		attune_metrics *m = NULL;
		pthread_t th[64];
		bench_arg a;
		double t0, dt;

		if (attune_metrics_create(&cfg, &m) != ATTUNE_METRICS_OK)
			return 1;
		a.m = m;
		a.n = per;
		a.r = &r;
		t0 = now_s();
		for (i = 0; i < t; i++)
			pthread_create(&th[i], NULL, run, &a);
		for (i = 0; i < t; i++)
			pthread_join(th[i], NULL);
		dt = now_s() - t0;
		printf("threads=%d rpc+draft observations/s=%.0f (%.1f ns per pair per thread)\n",
		       t, (double)t * (double)per / dt, dt * 1e9 / (double)per);
		attune_metrics_destroy(m);
	}
	{
		attune_metrics *m = NULL;
		char *txt;
		size_t len = 0;
		double t0;
		int k;

		if (attune_metrics_create(&cfg, &m) != ATTUNE_METRICS_OK)
			return 1;
		t0 = now_s();
		for (k = 0; k < 100; k++) {
			if (attune_metrics_render(m, &txt, &len) != ATTUNE_METRICS_OK)
				return 1;
			free(txt);
		}
		printf("render: %.3f ms per scrape, %zu bytes\n", (now_s() - t0) * 1e3 / 100, len);
		attune_metrics_destroy(m);
	}
	return 0;
}
