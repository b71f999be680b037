/*
 * test_eventlog_bench.c - prints the cost of the events path (not a timed
 * pass/fail test): draft_scored events per second from one caller (two
 * HMAC pseudonyms, formatting, team stats, score table, queueing), the
 * replay rate at start-up, and durable outcomes per fsync from 32 threads.
 * Usage: test_eventlog_bench [N_DRAFTS]   (state in a temp dir, removed)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "events.h"
#include "log.h"
#include "test_eventlog_check.h"

#define OUTCOME_THREADS     32
#define OUTCOMES_PER_THREAD 100

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *outcome_thread(void *arg)
{
	attune_events *e = arg;
	attune_events_outcome o = {0};
	attune_events_outcome_result r;

	o.score_id = "bench-0";
	o.team = "north";
	o.action = ATTUNE_OUTCOME_SENT_AS_DRAFTED;
	for (int i = 0; i < OUTCOMES_PER_THREAD; i++)
		if (attune_events_record_outcome(e, &o, &r) != ATTUNE_EV_OK)
			check_failures++;
	return NULL;
}

int main(int argc, char **argv)
{
	char dir[256], sid[32];
	int n = argc > 1 ? atoi(argv[1]) : 100000;
	attune_events_config cfg = {0};
	attune_events *e = NULL;
	attune_finding f[2] = {{ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MAJOR, 0, 5, "x"},
	                       {ATTUNE_FINDING_PREMATURE_ADVICE, ATTUNE_SEVERITY_MAJOR, 6, 9, "y"}};
	attune_score_result r;
	attune_events_draft d = {0};
	attune_eventlog_stats st0, st1;
	pthread_t th[OUTCOME_THREADS];
	double t0, t1;

	attune_log_set_level(ATTUNE_LOG_WARN);
	test_mkdtemp(dir, sizeof(dir));
	cfg.state_dir = dir;
	cfg.max_bytes = 64u << 20;
	cfg.keep = 5;
	if (attune_events_open(&cfg, &e) != ATTUNE_EV_OK)
		return 1;
	memset(&r, 0, sizeof(r));
	r.score = 40;
	r.findings = f;
	r.n_findings = 2;
	r.n_suggestions = 3;
	d.conversation_id = "conversation-123";
	d.conversation_len = 16;
	d.responder_id = "responder-42";
	d.responder_len = 12;
	d.team = "north";
	d.channel = ATTUNE_CHANNEL_CHAT;
	d.result = &r;
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		snprintf(sid, sizeof(sid), "bench-%d", i);
		d.score_id = sid;
		attune_events_draft_scored(e, &d);
	}
	t1 = now_s();
	printf("draft_scored: events=%d seconds=%.3f us_per_event=%.2f events_per_s=%.0f\n", n,
	       t1 - t0, (t1 - t0) * 1e6 / n, n / (t1 - t0));

	attune_events_log_stats(e, &st0);
	t0 = now_s();
	for (int i = 0; i < OUTCOME_THREADS; i++)
		pthread_create(&th[i], NULL, outcome_thread, e);
	for (int i = 0; i < OUTCOME_THREADS; i++)
		pthread_join(th[i], NULL);
	t1 = now_s();
	attune_events_log_stats(e, &st1);
	printf("outcomes: threads=%d durable=%d fsyncs=%llu outcomes_per_fsync=%.1f "
	       "outcomes_per_s=%.0f\n",
	       OUTCOME_THREADS, OUTCOME_THREADS * OUTCOMES_PER_THREAD,
	       (unsigned long long)(st1.batches - st0.batches),
	       (double)(OUTCOME_THREADS * OUTCOMES_PER_THREAD) /
	           (double)(st1.batches - st0.batches ? st1.batches - st0.batches : 1),
	       OUTCOME_THREADS * OUTCOMES_PER_THREAD / (t1 - t0));
	attune_events_close(e);

	t0 = now_s();
	if (attune_events_open(&cfg, &e) != ATTUNE_EV_OK)
		return 1;
	t1 = now_s();
	printf("replay: lines=%d seconds=%.3f us_per_line=%.2f\n",
	       n + OUTCOME_THREADS * OUTCOMES_PER_THREAD, t1 - t0,
	       (t1 - t0) * 1e6 / (n + OUTCOME_THREADS * OUTCOMES_PER_THREAD));
	attune_events_close(e);
	test_rmdir(dir);
	return test_finish("test_eventlog_bench");
}
