/*
 * client_bench.c - benchmark (prints numbers, not a test): ScoreDraft
 * round trips through libattune from N threads sharing one client, against
 * a running attuned (--target) or offline; prints throughput and latency
 * percentiles.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attune/client.h"

#define MAX_THREADS 64

static const char *const drafts[] = {
    "I've struggled with the same problem. The best way to tackle it is to just jump right "
    "in and give it your best.",
    "I'm sorry to hear that you're struggling with finding the motivation to get back to "
    "work. I can understand how anxiety and insecurity can make it hard to take that step.",
    "That sounds exhausting. What feels hardest about going back?",
};
#define SEEKER                                                                                     \
	"After pausing my career for several years to start a family, it's time to go back to "    \
	"work, but I feel rusty, unmotivated and anxious about re-entering the job market."

typedef struct worker {
	pthread_t tid;
	attune_client *client;
	unsigned requests;
	double *lat_us; /* requests entries */
	unsigned failures;
} worker;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void *run_worker(void *arg)
{
	worker *w = arg;
	attune_client_score_request req;
	attune_client_score_response *resp;
	attune_client_error err;
	unsigned i;

	attune_client_score_request_init(&req);
	req.seeker.ptr = SEEKER;
	req.seeker.len = strlen(SEEKER);
	for (i = 0; i < w->requests; i++) {
		const char *d = drafts[i % 3];
		double t0;
		req.draft.ptr = d;
		req.draft.len = strlen(d);
		t0 = now_us();
		if (attune_client_score(w->client, &req, &resp, &err) != ATTUNE_CLIENT_OK)
			w->failures++;
		else
			attune_client_score_response_free(resp);
		w->lat_us[i] = now_us() - t0;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *target = NULL;
	unsigned threads = 2, requests = 2000, i, total, failures = 0;
	int offline = 0, a;
	attune_client *client = NULL;
	attune_client_error err;
	worker w[MAX_THREADS];
	double *all, t0, elapsed;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--target") == 0 && a + 1 < argc)
			target = argv[++a];
		else if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc)
			threads = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--requests") == 0 && a + 1 < argc)
			requests = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--offline") == 0)
			offline = 1;
		else {
			fprintf(stderr, "usage: attune_client_bench (--target ADDR | --offline) "
			                "[--threads N] [--requests PER_THREAD]\n");
			return 2;
		}
	}
	if (threads == 0 || threads > MAX_THREADS || requests == 0 || (!offline && !target)) {
		fprintf(stderr, "attune_client_bench: need --target or --offline, 1..%d threads\n",
		        MAX_THREADS);
		return 2;
	}
	if ((offline ? attune_client_create_offline(NULL, &client, &err)
	             : attune_client_create(target, NULL, &client, &err)) != ATTUNE_CLIENT_OK) {
		fprintf(stderr, "attune_client_bench: %s: %s\n", attune_client_code_name(err.code),
		        err.message);
		return 1;
	}
	total = threads * requests;
	all = calloc(total, sizeof(*all));
	if (all == NULL)
		return 1;
	t0 = now_us();
	for (i = 0; i < threads; i++) {
		w[i].client = client;
		w[i].requests = requests;
		w[i].lat_us = all + (size_t)i * requests;
		w[i].failures = 0;
		pthread_create(&w[i].tid, NULL, run_worker, &w[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		failures += w[i].failures;
	}
	elapsed = (now_us() - t0) / 1e6;
	qsort(all, total, sizeof(*all), cmp_double);
	printf("mode=%s threads=%u requests=%u failures=%u seconds=%.3f rps=%.0f "
	       "p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n",
	       offline ? "offline" : "online", threads, total, failures, elapsed,
	       (double)total / elapsed, all[total / 2], all[total * 9 / 10], all[total * 99 / 100],
	       all[total - 1]);
	free(all);
	attune_client_destroy(client);
	return failures == 0 ? 0 : 1;
}
