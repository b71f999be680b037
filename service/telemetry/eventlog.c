/*
 * eventlog.c - append-only JSON Lines event log with a group-commit writer
 * thread, size rotation and torn-tail repair (see eventlog.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "ev_file.h"
#include "mono_clock.h"

/* A caller waiting for its line to be durable: asynchronously (fn set,
 * heap-allocated) or blocked in attune_eventlog_append (fn NULL, on its
 * stack: answered by setting st and answered under mu). */
typedef struct ev_waiter {
	uint64_t seq;
	attune_eventlog_done_fn fn;
	void *arg;
	attune_ev_status st;
	int answered;
	struct ev_waiter *next;
} ev_waiter;

/* Bytes of the recovery probe: more than one filesystem block, so a disk
 * that is still full refuses it. Spaces and no newline: if we crash
 * before truncating it away, it is a torn tail that open drops. */
#define EVENTLOG_PROBE_BYTES 8192

struct attune_eventlog {
	char path[PATH_MAX];
	char dir[PATH_MAX];
	uint64_t max_bytes;
	unsigned keep;
	int fd;
	uint64_t file_size; /* writer thread only */
	attune_eventlog_ops ops;
	attune_eventlog_state_fn on_state;
	void *state_arg;
	unsigned retry_min_ms, retry_max_ms;

	pthread_mutex_t mu;
	pthread_cond_t work;  /* writer: something queued or closing */
	pthread_cond_t done;  /* waiters: synced_seq advanced or failed */
	pthread_cond_t space; /* appenders: pending buffer drained */
	char *pend;           /* queued lines, guarded by mu */
	size_t pend_len, pend_cap;
	char *wbuf;           /* batch being written, writer thread only */
	uint64_t next_seq;    /* seq of the last queued line */
	uint64_t written_seq; /* every line with seq <= this is written */
	uint64_t synced_seq;  /* every line with seq <= this is fsync'ed */
	size_t pend_durable;  /* queued lines someone waits on */
	int dirty;            /* written but not fsync'ed data */
	int writer_idle;      /* the writer waits on `work` */
	int64_t pend_since_ms; /* monotonic: when the oldest queued line came */
	int64_t last_sync_ms; /* monotonic */
	int failed;           /* refusing lines; the writer retries */
	uint64_t good_size;   /* while failed: bytes of whole, kept lines */
	unsigned retry_ms;    /* while failed: current backoff */
	int64_t retry_at_ms;  /* while failed: next attempt (monotonic) */
	int64_t failed_at_ms;
	unsigned attempts; /* recovery attempts in this failure */
	int closing;
	ev_waiter *waiters, *waiters_tail; /* in seq order, guarded by mu */
	attune_eventlog_stats stats;
	pthread_t writer;
	int writer_started;
};

const char *attune_eventlog_step_name(attune_eventlog_step step)
{
	switch (step) {
	case ATTUNE_EVENTLOG_STEP_WRITE:
		return "write";
	case ATTUNE_EVENTLOG_STEP_FSYNC:
		return "fsync";
	case ATTUNE_EVENTLOG_STEP_ROTATE:
		return "rotate";
	}
	return "unknown";
}

static int eventlog_sys_write_all(void *ctx, int fd, const void *p, size_t n)
{
	(void)ctx;
	return attune_ev_write_all(fd, p, n);
}

static int eventlog_sys_fsync(void *ctx, int fd)
{
	(void)ctx;
	return fsync(fd);
}

static int eventlog_write(attune_eventlog *log, int fd, const void *p, size_t n)
{
	return log->ops.write_all(log->ops.ctx, fd, p, n);
}

static int eventlog_fsync(attune_eventlog *log, int fd)
{
	return log->ops.fsync(log->ops.ctx, fd);
}

/* Truncates a torn last line (bytes after the last newline) of fd away;
 * *size is what is kept, *torn what was dropped. Writer thread or open. */
static attune_ev_status eventlog_repair_tail(attune_eventlog *log, int fd, uint64_t *size,
                                             uint64_t *torn)
{
	char buf[4096];
	struct stat st;
	off_t end, keep_to = 0;

	*size = 0;
	*torn = 0;
	if (fstat(fd, &st) != 0)
		return ATTUNE_EV_E_IO;
	if (!S_ISREG(st.st_mode)) {
		/* A device (/dev/null, /dev/full): nothing to repair, and never
		 * rename it away. */
		if (log->max_bytes)
			ATTUNE_LOG(ATTUNE_LOG_WARN, "eventlog_rotation_off",
			           "path=%s reason=not_a_regular_file", log->path);
		log->max_bytes = 0;
		return ATTUNE_EV_OK;
	}
	end = st.st_size;
	if (end == 0)
		return ATTUNE_EV_OK;
	if (pread(fd, buf, 1, end - 1) != 1)
		return ATTUNE_EV_E_IO;
	if (buf[0] == '\n') {
		*size = (uint64_t)end;
		return ATTUNE_EV_OK;
	}
	/* Scan backwards for the last newline. */
	for (off_t pos = end; pos > 0 && keep_to == 0;) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		ssize_t r;
		pos -= (off_t)chunk;
		r = pread(fd, buf, chunk, pos);
		if (r != (ssize_t)chunk)
			return ATTUNE_EV_E_IO;
		for (size_t i = chunk; i > 0; i--) {
			if (buf[i - 1] == '\n') {
				keep_to = pos + (off_t)i;
				break;
			}
		}
	}
	if (ftruncate(fd, keep_to) != 0 || fsync(fd) != 0)
		return ATTUNE_EV_E_IO;
	*torn = (uint64_t)(end - keep_to);
	*size = (uint64_t)keep_to;
	ATTUNE_LOG(ATTUNE_LOG_WARN, "eventlog_torn_line_dropped",
	           "path=%s dropped_bytes=%lld kept_bytes=%lld", log->path,
	           (long long)(end - keep_to), (long long)keep_to);
	return ATTUNE_EV_OK;
}

static int eventlog_open_fd(const char *path)
{
	return open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* path -> path.1 -> ... -> path.keep (dropped beyond), then a new empty path. */
static int eventlog_rotate(attune_eventlog *log)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	int fd;

	if (log->keep == 0) {
		if (unlink(log->path) != 0 && errno != ENOENT)
			return -1;
	} else {
		snprintf(to, sizeof(to), "%s.%u", log->path, log->keep);
		if (unlink(to) != 0 && errno != ENOENT)
			return -1;
		for (unsigned i = log->keep; i > 1; i--) {
			snprintf(from, sizeof(from), "%s.%u", log->path, i - 1);
			snprintf(to, sizeof(to), "%s.%u", log->path, i);
			if (rename(from, to) != 0 && errno != ENOENT)
				return -1;
		}
		snprintf(to, sizeof(to), "%s.1", log->path);
		if (rename(log->path, to) != 0)
			return -1;
	}
	fd = eventlog_open_fd(log->path);
	if (fd < 0)
		return -1;
	if (attune_ev_fsync_dir(log->dir) != 0) {
		close(fd);
		return -1;
	}
	close(log->fd);
	log->fd = fd;
	log->file_size = 0;
	return 0;
}

/* Answers the waiters with seq <= upto: blocked appenders under mu (they
 * may return as soon as `answered` is set), then the async ones without
 * the lock held (they may start gRPC batches). Called and returns with mu
 * held. */
static void eventlog_notify(attune_eventlog *log, uint64_t upto, attune_ev_status st)
{
	ev_waiter *w = log->waiters, *async = NULL, **async_tail = &async;
	int woke = 0;

	while (w && w->seq <= upto) {
		ev_waiter *next = w->next;
		if (w->fn) {
			w->next = NULL;
			*async_tail = w;
			async_tail = &w->next;
		} else {
			w->st = st;
			w->answered = 1; /* w may be gone from here on */
			woke = 1;
		}
		w = next;
	}
	log->waiters = w;
	if (!w)
		log->waiters_tail = NULL;
	if (woke)
		pthread_cond_broadcast(&log->done);
	if (!async)
		return;
	pthread_mutex_unlock(&log->mu);
	while (async) {
		ev_waiter *next = async->next;
		async->fn(async->arg, st);
		free(async);
		async = next;
	}
	pthread_mutex_lock(&log->mu);
}

/* Waits on `work` until the monotonic time due_ms (or a broadcast). */
static void eventlog_wait_until(attune_eventlog *log, int64_t due_ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(due_ms / 1000);
	ts.tv_nsec = (long)(due_ms % 1000) * 1000000L;
	pthread_cond_timedwait(&log->work, &log->mu, &ts);
}

/* A write or fsync failed: from now on refuse lines until the writer
 * recovers. Drops the failed batch and everything queued, answering their
 * waiters E_IO (none of them was acknowledged); good_size is how much of
 * the file holds whole lines that stay. Called and returns with mu held. */
static void eventlog_fail(attune_eventlog *log, attune_eventlog_step step, int err,
                          uint64_t good_size)
{
	uint64_t lost = log->next_seq - log->written_seq;
	int64_t now = attune_mono_ms();

	log->failed = 1;
	log->good_size = good_size;
	log->pend_len = 0;
	log->pend_durable = 0;
	log->written_seq = log->next_seq;
	log->synced_seq = log->next_seq;
	log->dirty = 0;
	log->stats.failures++;
	log->stats.lost += lost;
	log->failed_at_ms = now;
	log->attempts = 0;
	log->retry_ms = log->retry_min_ms;
	log->retry_at_ms = now + log->retry_ms;
	ATTUNE_LOG(ATTUNE_LOG_ERROR, "eventlog_write_failed",
	           "path=%s step=%s errno=%d lost_events=%llu state=failed retry_in_ms=%u",
	           log->path, attune_eventlog_step_name(step), err, (unsigned long long)lost,
	           log->retry_ms);
	if (log->on_state)
		log->on_state(log->state_arg, 1, step);
	pthread_cond_broadcast(&log->space);
	eventlog_notify(log, UINT64_MAX, ATTUNE_EV_E_IO);
}

/* Proves the disk takes a write + fsync again: a regular file gets
 * EVENTLOG_PROBE_BYTES of spaces, fsync'ed, then truncated back to size;
 * a device (tests use /dev/full) gets one newline, which readers skip as
 * an empty line. Returns 0, or -1 with errno set. */
static int eventlog_probe(attune_eventlog *log, int fd, int regular, uint64_t size)
{
	char *spaces;
	int rc = -1, err;

	if (!regular) {
		if (eventlog_write(log, fd, "\n", 1) != 0)
			return -1;
		if (eventlog_fsync(log, fd) != 0 && errno != EINVAL && errno != EROFS)
			return -1;
		return 0;
	}
	spaces = malloc(EVENTLOG_PROBE_BYTES);
	if (!spaces) {
		errno = ENOMEM;
		return -1;
	}
	memset(spaces, ' ', EVENTLOG_PROBE_BYTES);
	if (eventlog_write(log, fd, spaces, EVENTLOG_PROBE_BYTES) == 0 &&
	    eventlog_fsync(log, fd) == 0 && ftruncate(fd, (off_t)size) == 0 &&
	    eventlog_fsync(log, fd) == 0)
		rc = 0;
	err = errno;
	if (rc != 0 && ftruncate(fd, (off_t)size) != 0) {
		/* Left for the next attempt to cut (it follows size); a crash
		 * leaves a torn tail that open drops. */
	}
	free(spaces);
	errno = err;
	return rc;
}

/* Reopens the file, cuts what the failed batch left after good_size (or,
 * if the path now names another file, only its torn tail) and probes the
 * disk. Writer thread, mu not held. On success returns 0 with *fd_out open
 * and *size_out its size; else -1 with errno set. */
static int eventlog_reopen(attune_eventlog *log, uint64_t good_size, int *fd_out,
                           uint64_t *size_out, uint64_t *torn_out)
{
	struct stat st, old;
	uint64_t size = 0;
	int fd, err;

	*torn_out = 0;
	fd = eventlog_open_fd(log->path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto out_close;
	if (S_ISREG(st.st_mode) && fstat(log->fd, &old) == 0 && old.st_dev == st.st_dev &&
	    old.st_ino == st.st_ino && (uint64_t)st.st_size >= good_size) {
		/* Our file: what follows good_size is the failed batch (whole
		 * or torn) or an earlier probe; none of it was acknowledged. */
		size = good_size;
		if ((uint64_t)st.st_size > size &&
		    (ftruncate(fd, (off_t)size) != 0 || eventlog_fsync(log, fd) != 0))
			goto out_close;
	} else if (eventlog_repair_tail(log, fd, &size, torn_out) != ATTUNE_EV_OK) {
		/* Rotated or replaced meanwhile: keep its whole lines. */
		goto out_close;
	}
	if (eventlog_probe(log, fd, S_ISREG(st.st_mode), size) != 0)
		goto out_close;
	if (attune_ev_fsync_dir(log->dir) != 0)
		goto out_close;
	*fd_out = fd;
	*size_out = size;
	return 0;
out_close:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* One recovery attempt (the retry time has come). Called and returns with
 * mu held; drops it around the file work. */
static void eventlog_try_recover(attune_eventlog *log)
{
	uint64_t good_size = log->good_size, size = 0, torn = 0;
	int fd = -1, rc, err;

	log->attempts++;
	pthread_mutex_unlock(&log->mu);
	rc = eventlog_reopen(log, good_size, &fd, &size, &torn);
	err = errno;
	pthread_mutex_lock(&log->mu);
	if (rc != 0) {
		log->retry_ms =
		    log->retry_ms >= log->retry_max_ms / 2 ? log->retry_max_ms : log->retry_ms * 2;
		log->retry_at_ms = attune_mono_ms() + log->retry_ms;
		ATTUNE_LOG(ATTUNE_LOG_WARN, "eventlog_retry_failed",
		           "path=%s errno=%d attempt=%u state=failed retry_in_ms=%u", log->path,
		           err, log->attempts, log->retry_ms);
		return;
	}
	close(log->fd);
	log->fd = fd;
	log->file_size = size;
	log->stats.torn_bytes += torn;
	log->failed = 0;
	log->stats.recoveries++;
	log->last_sync_ms = attune_mono_ms();
	ATTUNE_LOG(ATTUNE_LOG_INFO, "eventlog_recovered",
	           "path=%s attempts=%u failed_ms=%lld size=%llu refused_total=%llu state=ok",
	           log->path, log->attempts, (long long)(log->last_sync_ms - log->failed_at_ms),
	           (unsigned long long)size, (unsigned long long)log->stats.refused);
	if (log->on_state)
		log->on_state(log->state_arg, 0, ATTUNE_EVENTLOG_STEP_WRITE);
}

/* 1 when the queued lines should be written now: someone waits for one,
 * ATTUNE_EVENTLOG_LINGER_BYTES are queued, or the oldest has waited
 * ATTUNE_EVENTLOG_LINGER_MS. Lines nobody waits for linger so that one
 * wake-up and one write(2) carry many of them: at ScoreDraft rates a wake-up
 * per line cost more than the scoring. */
static int eventlog_batch_due(const attune_eventlog *log)
{
	return log->pend_durable > 0 || log->pend_len >= ATTUNE_EVENTLOG_LINGER_BYTES ||
	       attune_mono_ms() >= log->pend_since_ms + ATTUNE_EVENTLOG_LINGER_MS;
}

/* Waits on `work` until a batch is due (eventlog_batch_due) or closing;
 * with written but not yet fsync'ed data, wakes up to fsync it
 * ATTUNE_EVENTLOG_SYNC_MS after the last fsync. Called and returns with mu
 * held. */
static void eventlog_wait_work(attune_eventlog *log)
{
	while (!log->closing && !log->failed) {
		int err;

		if (log->pend_len > 0) {
			if (eventlog_batch_due(log))
				return;
			log->writer_idle = 1;
			eventlog_wait_until(log, log->pend_since_ms + ATTUNE_EVENTLOG_LINGER_MS);
			log->writer_idle = 0;
			continue;
		}
		log->writer_idle = 1;
		if (!log->dirty) {
			pthread_cond_wait(&log->work, &log->mu);
			log->writer_idle = 0;
			continue;
		}
		if (attune_mono_ms() < log->last_sync_ms + ATTUNE_EVENTLOG_SYNC_MS) {
			eventlog_wait_until(log, log->last_sync_ms + ATTUNE_EVENTLOG_SYNC_MS);
			log->writer_idle = 0;
			continue;
		}
		log->writer_idle = 0;
		/* Idle with unsynced data: fsync it now. */
		pthread_mutex_unlock(&log->mu);
		err = eventlog_fsync(log, log->fd) != 0 ? errno : 0;
		pthread_mutex_lock(&log->mu);
		if (err) {
			/* Those lines were acknowledged as scored, not as recorded:
			 * keep them (good_size = all), nobody waits for them. */
			eventlog_fail(log, ATTUNE_EVENTLOG_STEP_FSYNC, err, log->file_size);
			return;
		}
		log->synced_seq = log->written_seq;
		log->stats.batches++;
		log->dirty = 0;
		log->last_sync_ms = attune_mono_ms();
	}
}

/* While failed: sleeps until the next retry (or close), then tries. Called
 * and returns with mu held. */
static void eventlog_failed_round(attune_eventlog *log)
{
	if (attune_mono_ms() < log->retry_at_ms) {
		eventlog_wait_until(log, log->retry_at_ms);
		return; /* re-check closing first */
	}
	eventlog_try_recover(log);
}

static void *eventlog_writer_main(void *arg)
{
	attune_eventlog *log = arg;

	pthread_mutex_lock(&log->mu);
	for (;;) {
		char *tmp;
		size_t len;
		uint64_t batch_last, batch_n, before = log->file_size;
		int err = 0, rot_err = 0, rotated = 0, sync;
		attune_eventlog_step step = ATTUNE_EVENTLOG_STEP_WRITE;

		if (log->failed) {
			if (log->closing)
				break; /* nothing is queued while failed */
			eventlog_failed_round(log);
			continue;
		}
		eventlog_wait_work(log);
		if (log->failed)
			continue;
		if (log->pend_len == 0) { /* closing and drained */
			if (log->dirty && eventlog_fsync(log, log->fd) == 0) {
				log->synced_seq = log->written_seq;
				log->stats.batches++;
			}
			break;
		}
		tmp = log->wbuf;
		log->wbuf = log->pend;
		log->pend = tmp;
		len = log->pend_len;
		log->pend_len = 0;
		batch_last = log->next_seq;
		batch_n = batch_last - log->written_seq;
		/* Group commit: fsync when someone waits for durability (or on
		 * close, or when the last fsync is older than the sync period);
		 * draft_scored-only batches are just written. */
		sync = log->pend_durable > 0 || log->closing ||
		       attune_mono_ms() - log->last_sync_ms >= ATTUNE_EVENTLOG_SYNC_MS;
		log->pend_durable = 0;
		pthread_cond_broadcast(&log->space);
		pthread_mutex_unlock(&log->mu);

		if (eventlog_write(log, log->fd, log->wbuf, len) != 0) {
			err = errno;
		} else {
			log->file_size += len;
			rotated = log->max_bytes && log->file_size >= log->max_bytes;
			/* The file is fsync'ed before it is rotated away. */
			if ((sync || rotated) && eventlog_fsync(log, log->fd) != 0) {
				err = errno;
				step = ATTUNE_EVENTLOG_STEP_FSYNC;
			} else if (rotated && eventlog_rotate(log) != 0) {
				/* The batch is durable in the old file: answer it,
				 * then stop until a reopen works. */
				rot_err = errno;
			}
			if (rotated)
				sync = 1;
		}

		pthread_mutex_lock(&log->mu);
		if (err) {
			/* Possibly partly on disk: cut it on recovery (back to
			 * `before`) rather than acknowledge a line that may be lost. */
			eventlog_fail(log, step, err, before);
			continue;
		}
		log->written_seq = batch_last;
		log->stats.events += batch_n;
		log->stats.writes++;
		if (sync) {
			log->synced_seq = batch_last;
			log->stats.batches++;
			log->dirty = 0;
			log->last_sync_ms = attune_mono_ms();
		} else {
			log->dirty = 1;
		}
		if (rotated && !rot_err) {
			log->stats.rotations++;
			ATTUNE_LOG(ATTUNE_LOG_INFO, "eventlog_rotated", "path=%s keep=%u",
			           log->path, log->keep);
		}
		eventlog_notify(log, log->synced_seq, ATTUNE_EV_OK);
		if (rot_err)
			eventlog_fail(log, ATTUNE_EVENTLOG_STEP_ROTATE, rot_err, log->file_size);
	}
	pthread_cond_broadcast(&log->done);
	pthread_cond_broadcast(&log->space);
	pthread_mutex_unlock(&log->mu);
	return NULL;
}

attune_ev_status attune_eventlog_open(const attune_eventlog_config *cfg, attune_eventlog **out)
{
	attune_eventlog *log;
	attune_ev_status rc;
	char *slash;

	if (!cfg || !cfg->path || !out || cfg->keep > ATTUNE_EVENTLOG_MAX_KEEP)
		return ATTUNE_EV_E_INVALID;
	*out = NULL;
	if (strlen(cfg->path) >= PATH_MAX - 16 || cfg->path[0] == '\0')
		return ATTUNE_EV_E_INVALID;
	log = calloc(1, sizeof(*log));
	if (!log)
		return ATTUNE_EV_E_NOMEM;
	log->fd = -1;
	strcpy(log->path, cfg->path);
	strcpy(log->dir, cfg->path);
	slash = strrchr(log->dir, '/');
	if (!slash)
		strcpy(log->dir, ".");
	else if (slash == log->dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	log->max_bytes = cfg->max_bytes;
	log->keep = cfg->keep;
	log->ops.write_all = eventlog_sys_write_all;
	log->ops.fsync = eventlog_sys_fsync;
	if (cfg->ops && cfg->ops->write_all && cfg->ops->fsync)
		log->ops = *cfg->ops;
	log->on_state = cfg->on_state;
	log->state_arg = cfg->state_arg;
	log->retry_min_ms = cfg->retry_min_ms ? cfg->retry_min_ms : ATTUNE_EVENTLOG_RETRY_MIN_MS;
	log->retry_max_ms = cfg->retry_max_ms ? cfg->retry_max_ms : ATTUNE_EVENTLOG_RETRY_MAX_MS;
	if (log->retry_max_ms < log->retry_min_ms)
		log->retry_max_ms = log->retry_min_ms;
	log->pend_cap =
	    cfg->max_pending_bytes ? cfg->max_pending_bytes : ATTUNE_EVENTLOG_DEFAULT_PENDING;
	if (log->pend_cap < ATTUNE_EVENTLOG_LINE_MAX + 1)
		log->pend_cap = ATTUNE_EVENTLOG_LINE_MAX + 1;
	log->pend = malloc(log->pend_cap);
	log->wbuf = malloc(log->pend_cap);
	if (!log->pend || !log->wbuf) {
		rc = ATTUNE_EV_E_NOMEM;
		goto out_free;
	}
	if (mkdir(log->dir, 0700) != 0 && errno != EEXIST) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "eventlog_dir_create_failed", "path=%s errno=%d",
		           log->dir, errno);
		rc = ATTUNE_EV_E_IO;
		goto out_free;
	}
	log->fd = eventlog_open_fd(log->path);
	if (log->fd < 0) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "eventlog_open_failed", "path=%s errno=%d", log->path,
		           errno);
		rc = ATTUNE_EV_E_IO;
		goto out_free;
	}
	rc = eventlog_repair_tail(log, log->fd, &log->file_size, &log->stats.torn_bytes);
	if (rc != ATTUNE_EV_OK) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "eventlog_open_failed", "path=%s errno=%d step=repair",
		           log->path, errno);
		goto out_close;
	}
	if (attune_ev_fsync_dir(log->dir) != 0) {
		rc = ATTUNE_EV_E_IO;
		goto out_close;
	}
	pthread_mutex_init(&log->mu, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&log->work, &ca);
		pthread_condattr_destroy(&ca);
	}
	log->last_sync_ms = attune_mono_ms();
	pthread_cond_init(&log->done, NULL);
	pthread_cond_init(&log->space, NULL);
	if (pthread_create(&log->writer, NULL, eventlog_writer_main, log) != 0) {
		rc = ATTUNE_EV_E_NOMEM;
		goto out_sync;
	}
	log->writer_started = 1;
	ATTUNE_LOG(ATTUNE_LOG_INFO, "eventlog_opened", "path=%s size=%llu max_bytes=%llu keep=%u",
	           log->path, (unsigned long long)log->file_size,
	           (unsigned long long)log->max_bytes, log->keep);
	*out = log;
	return ATTUNE_EV_OK;
out_sync:
	pthread_cond_destroy(&log->space);
	pthread_cond_destroy(&log->done);
	pthread_cond_destroy(&log->work);
	pthread_mutex_destroy(&log->mu);
out_close:
	close(log->fd);
out_free:
	free(log->pend);
	free(log->wbuf);
	free(log);
	return rc;
}

/* Queues one line; with w != NULL, w is queued as its async waiter. */
static attune_ev_status eventlog_enqueue(attune_eventlog *log, const char *line, size_t len,
                                         int wait_durable, ev_waiter *w);

attune_ev_status attune_eventlog_append(attune_eventlog *log, const char *line, size_t len,
                                        int wait_durable)
{
	return eventlog_enqueue(log, line, len, wait_durable, NULL);
}

attune_ev_status attune_eventlog_append_async(attune_eventlog *log, const char *line, size_t len,
                                              attune_eventlog_done_fn done, void *arg)
{
	attune_ev_status rc;
	ev_waiter *w;

	if (!done)
		return ATTUNE_EV_E_INVALID;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ATTUNE_EV_E_NOMEM;
	w->fn = done;
	w->arg = arg;
	rc = eventlog_enqueue(log, line, len, 0, w);
	if (rc != ATTUNE_EV_OK)
		free(w);
	return rc;
}

static attune_ev_status eventlog_enqueue(attune_eventlog *log, const char *line, size_t len,
                                         int wait_durable, ev_waiter *w)
{
	attune_ev_status rc = ATTUNE_EV_OK;
	ev_waiter self;
	int starts_batch;

	if (!log || (!line && len))
		return ATTUNE_EV_E_INVALID;
	if (len > ATTUNE_EVENTLOG_LINE_MAX)
		return ATTUNE_EV_E_TOO_LARGE;
	if (memchr(line, '\n', len))
		return ATTUNE_EV_E_INVALID;
	pthread_mutex_lock(&log->mu);
	while (!log->failed && !log->closing && log->pend_len + len + 1 > log->pend_cap)
		pthread_cond_wait(&log->space, &log->mu);
	if (log->closing) {
		rc = ATTUNE_EV_E_CLOSED;
		goto out_unlock;
	}
	if (log->failed) {
		/* Fail fast: the writer retries on its own schedule. */
		log->stats.refused++;
		rc = ATTUNE_EV_E_UNAVAILABLE;
		goto out_unlock;
	}
	starts_batch = log->pend_len == 0;
	if (starts_batch)
		log->pend_since_ms = attune_mono_ms();
	memcpy(log->pend + log->pend_len, line, len);
	log->pend[log->pend_len + len] = '\n';
	log->pend_len += len + 1;
	if (wait_durable && !w) {
		memset(&self, 0, sizeof(self));
		w = &self;
	}
	if (w) {
		log->pend_durable++;
		w->seq = ++log->next_seq;
		if (log->waiters_tail)
			log->waiters_tail->next = w;
		else
			log->waiters = w;
		log->waiters_tail = w;
	} else {
		++log->next_seq;
	}
	/* Wake the writer only if it sleeps, and for a line nobody waits for
	 * only when it starts a batch (the writer then lingers, see
	 * eventlog_batch_due) or fills one; a busy writer takes the whole
	 * queue on its next round anyway. */
	if (log->writer_idle &&
	    (w || starts_batch || log->pend_len >= ATTUNE_EVENTLOG_LINGER_BYTES)) {
		log->writer_idle = 0; /* one wake-up per writer round */
		pthread_cond_signal(&log->work);
	}
	if (w == &self) {
		/* Answered by eventlog_notify: OK once fsync'ed, E_IO if a
		 * failure dropped the line. */
		while (!self.answered)
			pthread_cond_wait(&log->done, &log->mu);
		rc = self.st;
	}
out_unlock:
	pthread_mutex_unlock(&log->mu);
	return rc;
}

void attune_eventlog_get_stats(attune_eventlog *log, attune_eventlog_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!log)
		return;
	pthread_mutex_lock(&log->mu);
	*out = log->stats;
	out->failed = log->failed;
	pthread_mutex_unlock(&log->mu);
}

void attune_eventlog_close(attune_eventlog *log)
{
	if (!log)
		return;
	pthread_mutex_lock(&log->mu);
	log->closing = 1;
	pthread_cond_broadcast(&log->work);
	pthread_cond_broadcast(&log->space);
	pthread_mutex_unlock(&log->mu);
	if (log->writer_started)
		pthread_join(log->writer, NULL);
	pthread_mutex_lock(&log->mu);
	eventlog_notify(log, UINT64_MAX, ATTUNE_EV_E_IO); /* none unless the writer failed */
	pthread_mutex_unlock(&log->mu);
	ATTUNE_LOG(
	    ATTUNE_LOG_INFO, "eventlog_closed",
	    "path=%s events=%llu fsyncs=%llu rotations=%llu failed=%d failures=%llu lost=%llu",
	    log->path, (unsigned long long)log->stats.events,
	    (unsigned long long)log->stats.batches, (unsigned long long)log->stats.rotations,
	    log->failed, (unsigned long long)log->stats.failures,
	    (unsigned long long)log->stats.lost);
	close(log->fd);
	pthread_cond_destroy(&log->space);
	pthread_cond_destroy(&log->done);
	pthread_cond_destroy(&log->work);
	pthread_mutex_destroy(&log->mu);
	free(log->pend);
	free(log->wbuf);
	free(log);
}

/* Feeds the complete lines of one file to fn; see attune_eventlog_replay. */
static attune_ev_status eventlog_replay_file(const char *path, attune_eventlog_line_fn fn,
                                             void *ctx, uint64_t *lines, uint64_t *skipped,
                                             int *stop)
{
	enum { CHUNK = 65536 };
	char *line = NULL, *chunk = NULL;
	size_t line_len = 0;
	int too_long = 0;
	attune_ev_status rc = ATTUNE_EV_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? ATTUNE_EV_OK : ATTUNE_EV_E_IO;
	{
		/* Only regular files: a device (/dev/null, /dev/full) may never
		 * end or never hold events. */
		struct stat st;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			ATTUNE_LOG(ATTUNE_LOG_WARN, "eventlog_replay_skipped",
			           "path=%s reason=not_a_regular_file", path);
			close(fd);
			return ATTUNE_EV_OK;
		}
	}
	line = malloc(ATTUNE_EVENTLOG_LINE_MAX + 1);
	chunk = malloc(CHUNK);
	if (!line || !chunk) {
		rc = ATTUNE_EV_E_NOMEM;
		goto out_free;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ATTUNE_EV_E_IO;
			goto out_free;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n && !*stop; i++) {
			char c = chunk[i];
			if (c != '\n') {
				if (line_len < ATTUNE_EVENTLOG_LINE_MAX)
					line[line_len++] = c;
				else
					too_long = 1;
				continue;
			}
			if (too_long) {
				(*skipped)++;
			} else {
				line[line_len] = '\0';
				(*lines)++;
				if (fn(ctx, line, line_len))
					*stop = 1;
			}
			line_len = 0;
			too_long = 0;
		}
		if (*stop)
			break;
	}
	if (!*stop && (line_len > 0 || too_long)) {
		(*skipped)++;
		ATTUNE_LOG(ATTUNE_LOG_WARN, "eventlog_replay_torn_line_skipped",
		           "path=%s bytes=%zu", path, line_len);
	}
out_free:
	free(line);
	free(chunk);
	close(fd);
	return rc;
}

attune_ev_status attune_eventlog_replay(const char *path, unsigned keep, attune_eventlog_line_fn fn,
                                        void *ctx, uint64_t *lines, uint64_t *skipped)
{
	char name[PATH_MAX + 16];
	uint64_t n_lines = 0, n_skipped = 0;
	attune_ev_status rc = ATTUNE_EV_OK;
	int stop = 0;

	if (!path || !fn || keep > ATTUNE_EVENTLOG_MAX_KEEP || strlen(path) >= PATH_MAX)
		return ATTUNE_EV_E_INVALID;
	for (unsigned i = keep + 1; i > 0 && !stop && rc == ATTUNE_EV_OK; i--) {
		if (i - 1 == 0)
			snprintf(name, sizeof(name), "%s", path);
		else
			snprintf(name, sizeof(name), "%s.%u", path, i - 1);
		rc = eventlog_replay_file(name, fn, ctx, &n_lines, &n_skipped, &stop);
	}
	if (lines)
		*lines = n_lines;
	if (skipped)
		*skipped = n_skipped;
	return rc;
}
