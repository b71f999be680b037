/*
 * scorer_bench.c - prints scorer latency (p50/p99), pairs/second, peak RSS
 * and RSS before/after a million calls for SMS-length, typical (~300+300
 * chars) and long (4 KB draft) inputs, against an in-process baseline (UTF-8
 * validation plus a plain tokenization pass over the same bytes).
 * Usage: attune_scorer_bench [--calls N] (default 1000000 for the RSS run).
 */
#define _POSIX_C_SOURCE 200809L
#include "attune/scorer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_ITERS 20000

static const char *SMS_SEEKER = "lost my job today and idk what to do, so scared about rent";
static const char *SMS_DRAFT = "omg im so sorry, that sounds terrifying. r u ok?";

static const char *TYP_SEEKER =
    "After pausing my career for several years to start a family, it's time to go back to "
    "work, but I feel rusty, unmotivated and anxious about re-entering the job market. Every "
    "time I open a job posting I freeze and close it again. My partner says I should just "
    "apply anywhere, but I don't even know what I'm good at anymore.";
static const char *TYP_DRAFT =
    "I'm sorry to hear that you're struggling with finding the motivation to get back to "
    "work. I can understand how anxiety and insecurity can make it hard to take that step. "
    "You have a lot of courage to share your situation and seek help. What feels hardest "
    "when you open a posting? It sounds like you're doubting yourself — do I have that right?";

/* The exact texts bench/load.sh sends (bench/load_bodies.py), so the
 * scorer's share of a ScoreDraft call under h2load can be read off here. */
static const char *LOAD_SEEKER =
    "After pausing my career for several years to start a family, it is time to go back "
    "to work, but I feel rusty, unmotivated and anxious about re-entering the job market. "
    "Every time I open a job listing I close it again. My partner says I'm overthinking "
    "it, but I honestly don't know where to start or whether anyone would hire me now.";
static const char *LOAD_DRAFT_B =
    "I've struggled with the same problem. The best way to tackle it is to just jump right "
    "in and give it your best. At least you have had time with your family, and it could "
    "be worse. You should update your resume tonight and apply to five jobs this week. "
    "Don't worry, everything happens for a reason and you will be fine, trust me.";
static const char *LOAD_DRAFT_A =
    "It sounds like you're feeling rusty and anxious about going back to work after years "
    "away, and that every job listing brings the doubt right back. That makes a lot of sense "
    "after such a long pause. It took courage to say this out loud. What feels hardest about "
    "taking the first step right now? Is it the applications, or how you'll be seen?";

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, resident = 0;
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * 4;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Baseline: what any scorer must at least do - validate and split into words. */
static volatile size_t sink;
static void baseline(const attune_score_input *in)
{
	const attune_text *t[2] = {&in->seeker, &in->draft};
	size_t words = 0;
	char buf[64];
	for (int k = 0; k < 2; k++) {
		if (!attune_utf8_valid(t[k]->ptr, t[k]->len))
			abort();
		size_t n = 0;
		for (size_t i = 0; i < t[k]->len; i++) {
			char c = t[k]->ptr[i];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (unsigned char)c >= 0x80) {
				if (n < sizeof(buf))
					buf[n++] = (char)(c | 0x20);
			} else if (n) {
				words += buf[0];
				n = 0;
			}
		}
	}
	sink += words;
}

typedef struct stats {
	double p50, p99, per_sec;
} stats;

static stats measure(const attune_scorer *s, const attune_score_input *in, int use_baseline)
{
	static double lat[BENCH_ITERS];
	double t0 = now_ns();
	for (int i = 0; i < BENCH_ITERS; i++) {
		double a = now_ns();
		if (use_baseline) {
			baseline(in);
		} else {
			attune_score_result *r;
			if (attune_score(s, in, &r) != ATTUNE_OK)
				abort();
			attune_score_result_free(r);
		}
		lat[i] = now_ns() - a;
	}
	double total = now_ns() - t0;
	qsort(lat, BENCH_ITERS, sizeof(lat[0]), cmp_double);
	return (stats){lat[BENCH_ITERS / 2] / 1000.0, lat[BENCH_ITERS * 99 / 100] / 1000.0,
	               BENCH_ITERS / (total / 1e9)};
}

static void row(const attune_scorer *s, const char *name, const char *seeker, const char *draft,
                unsigned sugg)
{
	attune_score_input in = {{seeker, strlen(seeker)},
	                         {draft, strlen(draft)},
	                         NULL,
	                         0,
	                         "en",
	                         ATTUNE_CHANNEL_CHAT,
	                         sugg,
	                         42};
	measure(s, &in, 0); /* warm up */
	stats sc = measure(s, &in, 0), bl = measure(s, &in, 1);
	printf("%-22s %6zu+%-6zu %9.2f %9.2f %12.0f %11.3f %8.1fx\n", name, in.seeker.len,
	       in.draft.len, sc.p50, sc.p99, sc.per_sec, bl.p50,
	       sc.p50 / (bl.p50 > 0 ? bl.p50 : 1e-9));
}

int main(int argc, char **argv)
{
	long calls = 1000000;
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--calls") == 0)
			calls = atol(argv[i + 1]);
	attune_scorer *s;
	long rss0 = rss_kb();
	if (attune_scorer_create(&s) != ATTUNE_OK) {
		fprintf(stderr, "attune_scorer_create failed\n");
		return 1;
	}
	long rss_created = rss_kb();

	char *long_draft = malloc(4097);
	if (!long_draft)
		return 1;
	size_t n = 0, dl = strlen(TYP_DRAFT);
	while (n + dl + 1 <= 4096) {
		memcpy(long_draft + n, TYP_DRAFT, dl);
		n += dl;
		long_draft[n++] = ' ';
	}
	while (n < 4096)
		long_draft[n++] = 'a';
	long_draft[n] = 0;

	printf("attune scorer benchmark (%s), one thread, %d calls per row\n",
	       ATTUNE_SCORER_VERSION, BENCH_ITERS);
	printf("%-22s %13s %9s %9s %12s %11s %9s\n", "input", "bytes", "p50_us", "p99_us",
	       "pairs_per_s", "base_p50_us", "vs_base");
	row(s, "sms", SMS_SEEKER, SMS_DRAFT, 0);
	row(s, "typical", TYP_SEEKER, TYP_DRAFT, 0);
	row(s, "long_4k_draft", TYP_SEEKER, long_draft, 0);
	row(s, "sms+3_suggestions", SMS_SEEKER, SMS_DRAFT, 3);
	row(s, "typical+3_suggestions", TYP_SEEKER, TYP_DRAFT, 3);
	row(s, "load_reply_b+3_sugg", LOAD_SEEKER, LOAD_DRAFT_B, 3);
	row(s, "load_reply_a+3_sugg", LOAD_SEEKER, LOAD_DRAFT_A, 3);

	attune_score_input in = {{TYP_SEEKER, strlen(TYP_SEEKER)},
	                         {TYP_DRAFT, strlen(TYP_DRAFT)},
	                         NULL,
	                         0,
	                         "en",
	                         ATTUNE_CHANNEL_CHAT,
	                         0,
	                         42};
	long before = rss_kb();
	double t0 = now_ns();
	for (long i = 0; i < calls; i++) {
		attune_score_result *r;
		in.variation_key = (uint64_t)i;
		if (attune_score(s, &in, &r) != ATTUNE_OK)
			abort();
		attune_score_result_free(r);
	}
	double secs = (now_ns() - t0) / 1e9;
	long after = rss_kb();
	printf("rss_kb: start=%ld after_create=%ld before_loop=%ld after_%ld_calls=%ld growth=%ld "
	       "peak=%ld\n",
	       rss0, rss_created, before, calls, after, after - before, peak_rss_kb());
	printf("loop: %ld typical calls in %.2f s = %.0f pairs/s\n", calls, secs, calls / secs);
	free(long_draft);
	attune_scorer_destroy(s);
	return 0;
}
