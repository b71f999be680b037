/*
 * test_eventlog.c - the durable event log: durable appends are on disk and
 * replayable, 32 concurrent durable appenders share fsyncs (group commit,
 * the ratio is printed), size rotation keeps exactly N files, a torn last
 * line is dropped on reopen with everything before it kept, bad lines are
 * refused, close flushes what is queued.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "eventlog.h"
#include "test_eventlog_async.h"
#include "test_eventlog_check.h"

#define THREADS    32
#define PER_THREAD 50

typedef struct collect {
	unsigned n;
	unsigned bad;
	char last[128];
} collect;

static int collect_line(void *ctx, const char *line, size_t len)
{
	collect *c = ctx;
	c->n++;
	if (len == 0 || line[len] != '\0' || strchr(line, '\n'))
		c->bad++;
	snprintf(c->last, sizeof(c->last), "%s", line);
	return 0;
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

typedef struct worker {
	attune_eventlog *log;
	int id;
	int failures;
} worker;

static void *worker_main(void *arg)
{
	worker *w = arg;
	char line[96];
	for (int i = 0; i < PER_THREAD; i++) {
		int n = snprintf(line, sizeof(line), "{\"thread\":%d,\"i\":%d}", w->id, i);
		if (attune_eventlog_append(w->log, line, (size_t)n, 1) != ATTUNE_EV_OK)
			w->failures++;
	}
	return NULL;
}

static void test_durable_and_group_commit(const char *dir)
{
	char path[512];
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;
	attune_eventlog_stats st;
	pthread_t th[THREADS];
	worker w[THREADS];
	collect c = {0};
	struct timespec t0, t1;
	double secs;

	snprintf(path, sizeof(path), "%s/gc/events.jsonl", dir);
	cfg.path = path;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	/* One durable append: on disk (size grew) when the call returns. */
	CHECK(attune_eventlog_append(log, "{\"first\":1}", 11, 1) == ATTUNE_EV_OK);
	CHECK_EQ_U(file_size(path), 12);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < THREADS; i++) {
		w[i].log = log;
		w[i].id = i;
		w[i].failures = 0;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ_U(w[i].failures, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	attune_eventlog_get_stats(log, &st);
	CHECK_EQ_U(st.events, 1 + THREADS * PER_THREAD);
	/* Group commit: concurrent durable appends share fsyncs. */
	CHECK(st.batches < st.events);
	printf("group_commit: threads=%d durable_events=%d fsyncs=%llu events_per_fsync=%.1f "
	       "events_per_s=%.0f\n",
	       THREADS, THREADS * PER_THREAD, (unsigned long long)(st.batches - 1),
	       (double)(THREADS * PER_THREAD) / (double)(st.batches - 1),
	       (double)(THREADS * PER_THREAD) / secs);
	attune_eventlog_close(log);

	CHECK(attune_eventlog_replay(path, 0, collect_line, &c, NULL, NULL) == ATTUNE_EV_OK);
	CHECK_EQ_U(c.n, 1 + THREADS * PER_THREAD);
	CHECK_EQ_U(c.bad, 0);
}

static void test_rotation(const char *dir)
{
	char path[512], name[600];
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;
	attune_eventlog_stats st;
	collect c = {0};
	uint64_t lines = 0, skipped = 0;
	char line[128];

	snprintf(path, sizeof(path), "%s/rot.jsonl", dir);
	cfg.path = path;
	cfg.max_bytes = 1000;
	cfg.keep = 2;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	/* 100-byte lines, each durable (one batch each): rotation every 10. */
	memset(line, 'x', sizeof(line));
	line[0] = '{';
	line[98] = '}';
	for (int i = 0; i < 45; i++)
		CHECK(attune_eventlog_append(log, line, 99, 1) == ATTUNE_EV_OK);
	attune_eventlog_get_stats(log, &st);
	CHECK_EQ_U(st.rotations, 4);
	attune_eventlog_close(log);
	snprintf(name, sizeof(name), "%s.1", path);
	CHECK_EQ_U(file_size(name), 1000);
	snprintf(name, sizeof(name), "%s.2", path);
	CHECK_EQ_U(file_size(name), 1000);
	snprintf(name, sizeof(name), "%s.3", path);
	CHECK(file_size(name) == -1); /* retention: only 2 rotated files */
	CHECK_EQ_U(file_size(path), 500);
	CHECK(attune_eventlog_replay(path, 2, collect_line, &c, &lines, &skipped) == ATTUNE_EV_OK);
	CHECK_EQ_U(c.n, 25);
	CHECK_EQ_U(skipped, 0);

	/* keep = 0: rotated data is dropped. */
	snprintf(path, sizeof(path), "%s/rot0.jsonl", dir);
	cfg.path = path;
	cfg.keep = 0;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	for (int i = 0; i < 15; i++)
		CHECK(attune_eventlog_append(log, line, 99, 1) == ATTUNE_EV_OK);
	attune_eventlog_close(log);
	CHECK_EQ_U(file_size(path), 500);
	snprintf(name, sizeof(name), "%s.1", path);
	CHECK(file_size(name) == -1);
}

static void test_torn_line(const char *dir)
{
	char path[512];
	const char *good = "{\"a\":1}\n{\"a\":2}\n";
	const char *torn = "{\"a\":3,\"trunc";
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;
	attune_eventlog_stats st;
	collect c = {0};
	uint64_t lines = 0, skipped = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/torn.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, good, strlen(good)) == (ssize_t)strlen(good));
	CHECK(write(fd, torn, strlen(torn)) == (ssize_t)strlen(torn));
	close(fd);

	/* Replay alone (no repair) skips the fragment and counts it. */
	CHECK(attune_eventlog_replay(path, 0, collect_line, &c, &lines, &skipped) == ATTUNE_EV_OK);
	CHECK_EQ_U(lines, 2);
	CHECK_EQ_U(skipped, 1);

	/* Reopen: the fragment is truncated away, not fatal, and new events
	 * start on a line of their own. */
	cfg.path = path;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	attune_eventlog_get_stats(log, &st);
	CHECK_EQ_U(st.torn_bytes, strlen(torn));
	CHECK_EQ_U(file_size(path), strlen(good));
	CHECK(attune_eventlog_append(log, "{\"a\":4}", 7, 1) == ATTUNE_EV_OK);
	attune_eventlog_close(log);
	memset(&c, 0, sizeof(c));
	CHECK(attune_eventlog_replay(path, 0, collect_line, &c, &lines, &skipped) == ATTUNE_EV_OK);
	CHECK_EQ_U(c.n, 3);
	CHECK_EQ_U(skipped, 0);
	CHECK(strcmp(c.last, "{\"a\":4}") == 0);

	/* A file that is one torn fragment only. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(write(fd, torn, strlen(torn)) == (ssize_t)strlen(torn));
	close(fd);
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	CHECK_EQ_U(file_size(path), 0);
	attune_eventlog_close(log);
}

static void test_limits_and_close(const char *dir)
{
	char path[512];
	static char big[ATTUNE_EVENTLOG_LINE_MAX + 2];
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;
	collect c = {0};

	snprintf(path, sizeof(path), "%s/limits.jsonl", dir);
	cfg.path = path;
	cfg.max_pending_bytes = 1; /* raised to one line: appenders wait for space */
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	CHECK(attune_eventlog_append(log, "a\nb", 3, 0) == ATTUNE_EV_E_INVALID);
	memset(big, 'x', sizeof(big));
	CHECK(attune_eventlog_append(log, big, ATTUNE_EVENTLOG_LINE_MAX + 1, 0) ==
	      ATTUNE_EV_E_TOO_LARGE);
	CHECK(attune_eventlog_append(log, big, ATTUNE_EVENTLOG_LINE_MAX, 0) == ATTUNE_EV_OK);
	for (int i = 0; i < 200; i++)
		CHECK(attune_eventlog_append(log, "{\"q\":1}", 7, 0) == ATTUNE_EV_OK);
	attune_eventlog_close(log); /* flushes the queue */
	CHECK(attune_eventlog_replay(path, 0, collect_line, &c, NULL, NULL) == ATTUNE_EV_OK);
	CHECK_EQ_U(c.n, 201);
	attune_eventlog_close(NULL);
	CHECK(attune_eventlog_open(NULL, &log) == ATTUNE_EV_E_INVALID);
}

/* Async durable appends: every callback runs exactly once, after its line
 * is durable; close() delivers the ones still queued. */
static void test_async(const char *dir)
{
	char path[512];
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;
	async_count c = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	collect col = {0};

	snprintf(path, sizeof(path), "%s/async.jsonl", dir);
	cfg.path = path;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	for (int i = 0; i < 300; i++)
		CHECK(attune_eventlog_append_async(log, "{\"a\":1}", 7, async_done, &c) ==
		      ATTUNE_EV_OK);
	CHECK(attune_eventlog_append_async(log, "{}", 2, NULL, &c) == ATTUNE_EV_E_INVALID);
	attune_eventlog_close(log);
	CHECK_EQ_U(c.ok, 300);
	CHECK_EQ_U(c.io + c.other, 0);
	CHECK(attune_eventlog_replay(path, 0, collect_line, &col, NULL, NULL) == ATTUNE_EV_OK);
	CHECK_EQ_U(col.n, 300);
}

/* Polls the writer's counters every 2 ms (bounded: 10 s) until `events`
 * lines are written and `batches` fsyncs made; *st holds the last reading.
 * Returns the seconds waited. */
static double poll_writer(attune_eventlog *log, uint64_t events, uint64_t batches,
                          attune_eventlog_stats *st)
{
	struct timespec t0, now, nap = {0, 2 * 1000000L};
	double waited;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		nanosleep(&nap, NULL); /* bounded poll of the writer's counters */
		attune_eventlog_get_stats(log, st);
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited =
		    (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
	} while ((st->events < events || st->batches < batches) && waited < 10);
	return waited;
}

/* Non-durable lines are written and fsync'ed by the writer within
 * ATTUNE_EVENTLOG_SYNC_MS even if nobody waits (polled, bounded). */
static void test_periodic_sync(const char *dir)
{
	char path[512];
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;
	attune_eventlog_stats st;
	double waited;

	snprintf(path, sizeof(path), "%s/periodic.jsonl", dir);
	cfg.path = path;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	for (int i = 0; i < 100; i++)
		CHECK(attune_eventlog_append(log, "{\"d\":1}", 7, 0) == ATTUNE_EV_OK);
	waited = poll_writer(log, 100, 1, &st);
	CHECK_EQ_U(st.events, 100);
	CHECK(st.batches >= 1);
	CHECK(st.writes >= 1);
	printf(
	    "periodic_sync: 100 non-durable events written in %llu writes, fsynced after %.2fs\n",
	    (unsigned long long)st.writes, waited);
	attune_eventlog_close(log);
}

/* Lines nobody waits for linger (ATTUNE_EVENTLOG_LINGER_MS) so that one
 * wake-up and one write(2) carry many: 100 lines appended 0.2 ms apart (the
 * pace of a busy server, and slow enough for an eager writer to take each
 * line alone) go out in a few writes, at least three lines each. */
static void test_linger_batches(const char *dir)
{
	char path[512];
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;
	attune_eventlog_stats st;
	struct timespec pace = {0, 200 * 1000L};
	enum { LINES = 100 };

	snprintf(path, sizeof(path), "%s/linger.jsonl", dir);
	cfg.path = path;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	for (int i = 0; i < LINES; i++) {
		CHECK(attune_eventlog_append(log, "{\"linger\":1}", 12, 0) == ATTUNE_EV_OK);
		nanosleep(&pace, NULL); /* pacing the appends, not waiting for anything */
	}
	poll_writer(log, LINES, 0, &st);
	CHECK_EQ_U(st.events, LINES);
	CHECK(st.writes >= 1 && st.writes <= LINES / 3);
	printf("linger: %d non-durable events 0.2 ms apart in %llu writes\n", LINES,
	       (unsigned long long)st.writes);
	attune_eventlog_close(log);
	CHECK_EQ_U(file_size(path), LINES * 13);
}

/* A failing disk (/dev/full: every write is ENOSPC): a durable caller gets
 * an error, never OK, and the log refuses everything afterwards (its
 * retries never succeed here; test_eventlog_recover.c covers recovery). */
static void test_write_failure(void)
{
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;
	async_count c = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};

	cfg.path = "/dev/full";
	if (attune_eventlog_open(&cfg, &log) != ATTUNE_EV_OK) {
		printf("write_failure: /dev/full not usable here, skipped\n");
		return;
	}
	CHECK(attune_eventlog_append(log, "{\"x\":1}", 7, 1) == ATTUNE_EV_E_IO);
	CHECK(attune_eventlog_append(log, "{\"x\":2}", 7, 0) == ATTUNE_EV_E_UNAVAILABLE);
	CHECK(attune_eventlog_append_async(log, "{\"x\":3}", 7, async_done, &c) ==
	      ATTUNE_EV_E_UNAVAILABLE);
	attune_eventlog_close(log);
	CHECK_EQ_U(c.ok, 0);
}

int main(void)
{
	char dir[256];

	test_mkdtemp(dir, sizeof(dir));
	test_durable_and_group_commit(dir);
	test_rotation(dir);
	test_torn_line(dir);
	test_limits_and_close(dir);
	test_async(dir);
	test_periodic_sync(dir);
	test_linger_batches(dir);
	test_write_failure();
	test_rmdir(dir);
	return test_finish("test_eventlog");
}
