/*
 * test_eventlog_recover.c - the event log survives a failing disk: with
 * ENOSPC/EIO injected into its write and fsync calls (attune_eventlog_ops),
 * lines not yet acknowledged get an error and are not in the file, appends
 * fail fast while it is failed, it retries, and once the disk works again
 * it takes lines again; every acknowledged line is in the file exactly
 * once and the file replays without a skipped line. A rotation that cannot
 * happen fails and recovers the same way without losing a line.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ev_file.h"
#include "eventlog.h"
#include "test_eventlog_async.h"
#include "test_eventlog_check.h"

/* Fault injection: while fail_write / fail_fsync is set every call fails
 * with `err`; a failing write first writes half its bytes for real (a torn
 * line on disk, as a full disk leaves it). */
typedef struct fault {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fail_write, fail_fsync, err;
	unsigned failed_calls; /* calls that failed since the last arm */
	/* on_state transitions */
	unsigned to_failed, to_ok;
	attune_eventlog_step last_step;
} fault;

/* Reads one fail switch under the lock, counts a failing call and wakes
 * the test thread; returns the errno to fail with, or 0 to succeed. */
static int fault_check(fault *f, const int *fail_switch)
{
	int err = 0;

	pthread_mutex_lock(&f->mu);
	if (*fail_switch) {
		err = f->err;
		f->failed_calls++;
	}
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return err;
}

static int fault_write_all(void *ctx, int fd, const void *p, size_t n)
{
	fault *f = ctx;
	int err = fault_check(f, &f->fail_write);

	if (!err)
		return attune_ev_write_all(fd, p, n);
	if (n > 1 && attune_ev_write_all(fd, p, n / 2) != 0)
		return -1;
	errno = err;
	return -1;
}

static int fault_fsync(void *ctx, int fd)
{
	fault *f = ctx;
	int err = fault_check(f, &f->fail_fsync);

	if (!err)
		return fsync(fd);
	errno = err;
	return -1;
}

static void fault_state(void *arg, int failed, attune_eventlog_step step)
{
	fault *f = arg;

	pthread_mutex_lock(&f->mu);
	if (failed) {
		f->to_failed++;
		f->last_step = step;
	} else {
		f->to_ok++;
	}
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static void fault_arm(fault *f, int write, int fsync_, int err)
{
	pthread_mutex_lock(&f->mu);
	f->fail_write = write;
	f->fail_fsync = fsync_;
	f->err = err;
	f->failed_calls = 0;
	pthread_mutex_unlock(&f->mu);
}

/* Reads a counter of f under its lock (the writer thread updates them). */
static unsigned fault_read(fault *f, const unsigned *counter)
{
	unsigned v;

	pthread_mutex_lock(&f->mu);
	v = *counter;
	pthread_mutex_unlock(&f->mu);
	return v;
}

/* Waits (bounded, 10 s) until *counter >= want; returns 1 if reached. */
static int fault_wait(fault *f, const unsigned *counter, unsigned want)
{
	struct timespec dl;
	int ok;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	pthread_mutex_lock(&f->mu);
	while (*counter < want && pthread_cond_timedwait(&f->cv, &f->mu, &dl) == 0)
		;
	ok = *counter >= want;
	pthread_mutex_unlock(&f->mu);
	return ok;
}

/* Replay: counts each {"n":K} line per K; anything else is a bad line. */
#define MAX_N 64
typedef struct seen {
	unsigned count[MAX_N];
	unsigned bad;
} seen;

static int seen_line(void *ctx, const char *line, size_t len)
{
	seen *s = ctx;
	int k = -1, used = 0;

	if (sscanf(line, "{\"n\":%d}%n", &k, &used) == 1 && (size_t)used == len && k >= 0 &&
	    k < MAX_N)
		s->count[k]++;
	else
		s->bad++;
	return 0;
}

static attune_ev_status put(attune_eventlog *log, int k, int durable)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "{\"n\":%d}", k);
	return attune_eventlog_append(log, line, (size_t)n, durable);
}

static attune_eventlog *open_faulty(const char *path, fault *f)
{
	attune_eventlog_ops ops; /* copied by open */
	attune_eventlog_config cfg = {0};
	attune_eventlog *log = NULL;

	ops.write_all = fault_write_all;
	ops.fsync = fault_fsync;
	ops.ctx = f;
	cfg.path = path;
	cfg.ops = &ops;
	cfg.on_state = fault_state;
	cfg.state_arg = f;
	cfg.retry_min_ms = 5;
	cfg.retry_max_ms = 40;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	return log;
}

/* One failure and recovery. write_fails: ENOSPC on write (a torn half
 * line is left); else the write lands whole and the fsync fails with EIO
 * (the complete lines must still go: their callers were told E_IO). */
static void test_fail_and_recover(const char *dir, int write_fails)
{
	char path[512];
	fault f = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0};
	async_count ac = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	attune_eventlog_stats st;
	attune_eventlog *log;
	seen s = {{0}, 0};
	uint64_t lines = 0, skipped = 0;
	attune_ev_status rc6;
	unsigned failing_calls;

	snprintf(path, sizeof(path), "%s/recover-%s.jsonl", dir, write_fails ? "write" : "fsync");
	log = open_faulty(path, &f);
	if (!log)
		return;
	for (int k = 1; k <= 5; k++)
		CHECK(put(log, k, 1) == ATTUNE_EV_OK);

	/* The disk fills up (or starts failing). */
	fault_arm(&f, write_fails, !write_fails, write_fails ? ENOSPC : EIO);
	for (int k = 20; k < 30; k++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "{\"n\":%d}", k);
		attune_ev_status rc =
		    attune_eventlog_append_async(log, line, (size_t)n, async_done, &ac);
		/* Queued before the failure (answered E_IO later) or refused. */
		CHECK(rc == ATTUNE_EV_OK || rc == ATTUNE_EV_E_UNAVAILABLE);
		if (rc != ATTUNE_EV_OK)
			async_done(&ac, ATTUNE_EV_E_IO);
	}
	rc6 = put(log, 6, 1); /* in a failing batch, or refused after it */
	CHECK(rc6 == ATTUNE_EV_E_IO || rc6 == ATTUNE_EV_E_UNAVAILABLE);
	CHECK(fault_wait(&f, &f.to_failed, 1));
	CHECK_EQ_U(f.last_step,
	           write_fails ? ATTUNE_EVENTLOG_STEP_WRITE : ATTUNE_EVENTLOG_STEP_FSYNC);
	/* Failed: everything is refused at once, durable or not. */
	CHECK(put(log, 7, 1) == ATTUNE_EV_E_UNAVAILABLE);
	CHECK(put(log, 8, 0) == ATTUNE_EV_E_UNAVAILABLE);
	CHECK(attune_eventlog_append_async(log, "{\"n\":9}", 7, async_done, &ac) ==
	      ATTUNE_EV_E_UNAVAILABLE);
	attune_eventlog_get_stats(log, &st);
	CHECK_EQ_U(st.failed, 1);
	CHECK_EQ_U(st.failures, 1);
	CHECK(st.refused >= 3);
	/* It keeps retrying while the disk still fails (first failure + at
	 * least two failed probes), without recovering. */
	CHECK(fault_wait(&f, &f.failed_calls, 3));
	CHECK_EQ_U(fault_read(&f, &f.to_ok), 0);
	pthread_mutex_lock(&ac.mu);
	CHECK_EQ_U(ac.ok, 0);
	CHECK_EQ_U(ac.io + ac.other, 10);
	CHECK_EQ_U(ac.other, 0);
	pthread_mutex_unlock(&ac.mu);
	failing_calls = fault_read(&f, &f.failed_calls);

	/* Space is freed: the log recovers on its own and takes lines again. */
	fault_arm(&f, 0, 0, 0);
	CHECK(fault_wait(&f, &f.to_ok, 1));
	CHECK_EQ_U(fault_read(&f, &f.to_ok), 1);
	for (int k = 10; k <= 12; k++)
		CHECK(put(log, k, 1) == ATTUNE_EV_OK);
	CHECK(put(log, 13, 0) == ATTUNE_EV_OK);
	attune_eventlog_get_stats(log, &st);
	CHECK_EQ_U(st.failed, 0);
	CHECK_EQ_U(st.recoveries, 1);
	CHECK_EQ_U(fault_read(&f, &f.to_failed), 1);
	attune_eventlog_close(log);

	/* Acknowledged lines exactly once; errored ones not at all; the file
	 * is whole lines only. */
	CHECK(attune_eventlog_replay(path, 0, seen_line, &s, &lines, &skipped) == ATTUNE_EV_OK);
	CHECK_EQ_U(skipped, 0);
	CHECK_EQ_U(s.bad, 0);
	for (int k = 0; k < MAX_N; k++) {
		unsigned want = (k >= 1 && k <= 5) || (k >= 10 && k <= 13) ? 1 : 0;
		if (s.count[k] != want)
			fprintf(stderr, "line %d seen %u times, want %u\n", k, s.count[k], want);
		CHECK_EQ_U(s.count[k], want);
	}
	CHECK_EQ_U(lines, 9);
	printf("fail_and_recover(%s): ok, %u failing calls before the disk came back\n",
	       write_fails ? "write ENOSPC, torn" : "fsync EIO", failing_calls);
}

/* A failure that never clears: close still returns (no hang), the file
 * keeps the acknowledged lines, and a reopen repairs what was left. */
static void test_close_while_failed(const char *dir)
{
	char path[512];
	fault f = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0};
	attune_eventlog_config cfg = {0};
	attune_eventlog *log;
	seen s = {{0}, 0};
	uint64_t skipped = 0;

	snprintf(path, sizeof(path), "%s/close-failed.jsonl", dir);
	log = open_faulty(path, &f);
	if (!log)
		return;
	CHECK(put(log, 1, 1) == ATTUNE_EV_OK);
	fault_arm(&f, 1, 1, ENOSPC);
	CHECK(put(log, 2, 1) == ATTUNE_EV_E_IO);
	CHECK(put(log, 3, 1) == ATTUNE_EV_E_UNAVAILABLE);
	attune_eventlog_close(log);

	/* Next start: the torn half line is dropped at open. */
	cfg.path = path;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	CHECK(put(log, 4, 1) == ATTUNE_EV_OK);
	attune_eventlog_close(log);
	CHECK(attune_eventlog_replay(path, 0, seen_line, &s, NULL, &skipped) == ATTUNE_EV_OK);
	CHECK_EQ_U(skipped, 0);
	CHECK_EQ_U(s.bad, 0);
	CHECK_EQ_U(s.count[1], 1);
	CHECK_EQ_U(s.count[2], 0);
	CHECK_EQ_U(s.count[3], 0);
	CHECK_EQ_U(s.count[4], 1);
}

/* Rotation that cannot happen (path.3, the oldest kept file, is a
 * directory, so it cannot be removed to make room): the batch that filled the file is acknowledged (it is
 * durable in the active file), the log reports a "rotate" failure and
 * refuses lines until a retry reopens the file; while the obstacle stays,
 * every batch that crosses max_bytes fails the same way, and none of this
 * loses or repeats an acknowledged line. Once the directory is gone the
 * next batch rotates and lines flow again. */
static void test_rotation_blocked(const char *dir)
{
	char path[512], blocker[520];
	fault f = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0};
	attune_eventlog_ops ops = {fault_write_all, fault_fsync, &f};
	attune_eventlog_config cfg = {0};
	attune_eventlog_stats st;
	attune_eventlog *log = NULL;
	unsigned acked[MAX_N] = {0}, n_acked = 0, refused = 0;
	seen s = {{0}, 0};
	uint64_t skipped = 0;
	int k = 0;

	snprintf(path, sizeof(path), "%s/rotate-blocked.jsonl", dir);
	snprintf(blocker, sizeof(blocker), "%s.3", path);
	CHECK(mkdir(blocker, 0700) == 0);
	cfg.path = path;
	cfg.max_bytes = 40; /* about four lines of {"n":K} */
	cfg.keep = 3; /* the rotations after the unblock (at most two) drop nothing */
	cfg.ops = &ops;
	cfg.on_state = fault_state;
	cfg.state_arg = &f;
	/* long enough that the next append surely comes while it is failed */
	cfg.retry_min_ms = 150;
	cfg.retry_max_ms = 300;
	CHECK(attune_eventlog_open(&cfg, &log) == ATTUNE_EV_OK);
	if (!log)
		return;

	/* Until the first failure plus two more (each after a recovery); the
	 * append after each of the first two is refused. */
	while (k < 40 && fault_read(&f, &f.to_failed) < 3) {
		attune_ev_status rc = put(log, k, 1);
		CHECK(rc == ATTUNE_EV_OK || rc == ATTUNE_EV_E_UNAVAILABLE);
		if (rc == ATTUNE_EV_OK)
			acked[k] = 1, n_acked++;
		else if (!fault_wait(&f, &f.to_ok, fault_read(&f, &f.to_failed)))
			break; /* never recovered: the checks below fail */
		else
			refused++;
		k++;
	}
	CHECK(fault_read(&f, &f.to_failed) >= 3);
	CHECK_EQ_U(f.last_step, ATTUNE_EVENTLOG_STEP_ROTATE);
	CHECK_EQ_U(refused, 2);
	attune_eventlog_get_stats(log, &st);
	CHECK_EQ_U(st.rotations, 0);
	CHECK(st.failures >= 3);

	/* The operator removes the obstacle: the next full file rotates. */
	CHECK(rmdir(blocker) == 0);
	CHECK(fault_wait(&f, &f.to_ok, fault_read(&f, &f.to_failed)));
	for (int i = 0; i < 8 && k < MAX_N; i++, k++) {
		CHECK(put(log, k, 1) == ATTUNE_EV_OK);
		acked[k] = 1, n_acked++;
	}
	attune_eventlog_get_stats(log, &st);
	CHECK(st.rotations >= 1);
	CHECK_EQ_U(st.failed, 0);
	attune_eventlog_close(log);

	CHECK(attune_eventlog_replay(path, 3, seen_line, &s, NULL, &skipped) == ATTUNE_EV_OK);
	CHECK_EQ_U(skipped, 0);
	CHECK_EQ_U(s.bad, 0);
	CHECK(st.rotations <= 2);
	for (int i = 0; i < MAX_N; i++) {
		if (s.count[i] != acked[i])
			fprintf(stderr, "line %d seen %u times, want %u\n", i, s.count[i], acked[i]);
		CHECK_EQ_U(s.count[i], acked[i]);
	}
	printf("rotation_blocked: ok, %u lines acknowledged, %u refused while blocked\n", n_acked,
	       refused);
}

int main(void)
{
	char dir[256];

	test_mkdtemp(dir, sizeof(dir));
	test_fail_and_recover(dir, 1);
	test_fail_and_recover(dir, 0);
	test_close_while_failed(dir);
	test_rotation_blocked(dir);
	test_rmdir(dir);
	return test_finish("test_eventlog_recover");
}
