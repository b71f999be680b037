/*
 * eventlog.h - the durable event log: an append-only JSON Lines file written
 * by one writer thread with group commit (every batch is written with one
 * write(2) and made durable with one fsync), size-based rotation with a
 * retention count, and repair of a torn last line on open.
 *
 * Durability contract: attune_eventlog_append(..., wait_durable=1) returns
 * ATTUNE_EV_OK only after the line is fsync'ed; concurrent callers that wait
 * share one fsync. With wait_durable=0 the line is queued and written
 * within ATTUNE_EVENTLOG_LINGER_MS (sooner when ATTUNE_EVENTLOG_LINGER_BYTES
 * are queued, a durable line comes, or on close) but the caller is not told
 * when: ScoreDraft uses this, its events are acknowledged as scored, not as
 * recorded. A batch is fsync'ed when it holds a line someone waits for, else
 * it is only written and the writer fsyncs within ATTUNE_EVENTLOG_SYNC_MS
 * (and before rotation and on close): a process crash can lose the last
 * LINGER_MS of non-durable events and a machine crash up to SYNC_MS of them,
 * never a durable one. This keeps ScoreDraft's throughput off the disk's
 * fsync rate and its wake-ups off the writer's.
 *
 * Failure and recovery: when a write or fsync fails (disk full, EIO) every
 * line not yet fsync'ed and waited for, and everything queued, is answered
 * E_IO and dropped; appends then fail fast with E_UNAVAILABLE. The writer
 * retries with backoff (1 s doubling to 30 s): it reopens the file, cuts
 * the bytes of the failed batch (whole or torn: none of them was
 * acknowledged), and proves the disk takes a write + fsync again with a
 * probe it then truncates away. Only then are appends accepted again. An
 * acknowledged line is never lost or written twice; an errored one is never
 * left in the file.
 */
#ifndef ATTUNE_EVENTLOG_H
#define ATTUNE_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "ev_status.h"

/* Longest event line accepted (without the newline). */
#define ATTUNE_EVENTLOG_LINE_MAX 4096
/* Default bound on bytes queued but not yet written; appenders wait for
 * space beyond it (back-pressure instead of unbounded memory). */
#define ATTUNE_EVENTLOG_DEFAULT_PENDING (4u << 20)
/* Longest time written, non-durable events stay without an fsync. */
#define ATTUNE_EVENTLOG_SYNC_MS 1000
/* Lines nobody waits for are written in batches: when the oldest has been
 * queued this long, or this many bytes are queued (or with the next durable
 * line, or on close). */
#define ATTUNE_EVENTLOG_LINGER_MS 5
#define ATTUNE_EVENTLOG_LINGER_BYTES (64u << 10)
/* Upper bound on the retention count. */
#define ATTUNE_EVENTLOG_MAX_KEEP 1000u
/* Retry period after a write failure: starts at MIN, doubles to MAX. */
#define ATTUNE_EVENTLOG_RETRY_MIN_MS 1000u
#define ATTUNE_EVENTLOG_RETRY_MAX_MS 30000u

/* What failed when the log stopped accepting lines. */
typedef enum attune_eventlog_step {
	ATTUNE_EVENTLOG_STEP_WRITE = 0,
	ATTUNE_EVENTLOG_STEP_FSYNC = 1,
	ATTUNE_EVENTLOG_STEP_ROTATE = 2
} attune_eventlog_step;

/* Static name of a step ("write", "fsync", "rotate"). */
const char *attune_eventlog_step_name(attune_eventlog_step step);

/* The two calls the log makes to put bytes on disk, replaceable so tests
 * can inject ENOSPC/EIO (NULL in the config = write(2) and fsync(2)). Both
 * return 0, or -1 with errno set. Called on the writer thread only. */
typedef struct attune_eventlog_ops {
	int (*write_all)(void *ctx, int fd, const void *p, size_t n);
	int (*fsync)(void *ctx, int fd);
	void *ctx;
} attune_eventlog_ops;

/* Told on the writer thread, with the log's lock held (must not call into
 * the log), when it starts refusing lines (failed = 1, the step that
 * failed) and when it accepts them again (failed = 0; step unused).
 * Transitions only: calls alternate, starting with failed = 1. */
typedef void (*attune_eventlog_state_fn)(void *arg, int failed, attune_eventlog_step step);

typedef struct attune_eventlog_config {
	const char *path;   /* the active file; rotated files are path.1 (newest) .. path.keep */
	uint64_t max_bytes; /* rotate once the active file reaches this size; 0 = never */
	unsigned keep;      /* rotated files kept (0 = rotated data is deleted) */
	size_t max_pending_bytes;          /* 0 = ATTUNE_EVENTLOG_DEFAULT_PENDING */
	unsigned retry_min_ms;             /* 0 = ATTUNE_EVENTLOG_RETRY_MIN_MS */
	unsigned retry_max_ms;             /* 0 = ATTUNE_EVENTLOG_RETRY_MAX_MS */
	const attune_eventlog_ops *ops;    /* NULL = the system calls; copied */
	attune_eventlog_state_fn on_state; /* may be NULL */
	void *state_arg;
} attune_eventlog_config;

typedef struct attune_eventlog_stats {
	uint64_t events;  /* lines written */
	uint64_t writes;  /* write(2) rounds, one per batch */
	uint64_t batches; /* fsyncs of the data file */
	uint64_t rotations;
	uint64_t torn_bytes; /* bytes of a torn last line dropped at open */
	uint64_t failures;   /* times the log started refusing lines */
	uint64_t recoveries; /* times it accepted them again */
	uint64_t lost;       /* lines dropped by a failure (answered with an error) */
	uint64_t refused;    /* appends refused with E_UNAVAILABLE while failed */
	int failed;          /* 1 while refusing lines and retrying */
} attune_eventlog_stats;

typedef struct attune_eventlog attune_eventlog;

/* Opens (creating, mode 0600) cfg->path for appending, creating its parent
 * directory (0700) if missing; if the file ends in a torn line (no final
 * newline, e.g. after a crash or power loss) that fragment is truncated
 * away with a warning log line; then starts the writer thread. cfg is
 * copied. On success *out is owned by the caller (attune_eventlog_close). */
attune_ev_status attune_eventlog_open(const attune_eventlog_config *cfg, attune_eventlog **out);

/* Queues line[0..len) (no newline inside; the log adds one). Returns
 * ATTUNE_EV_E_INVALID for a newline in the line, ATTUNE_EV_E_TOO_LARGE over
 * ATTUNE_EVENTLOG_LINE_MAX, ATTUNE_EV_E_CLOSED after close started, and
 * ATTUNE_EV_E_UNAVAILABLE at once while the log is failed (see above: a
 * durable caller is never told OK for a line that may not be on disk).
 * With wait_durable the call blocks until the line is fsync'ed, or E_IO
 * when a failure dropped it (it is then not in the file). The line is
 * copied. Thread-safe. */
attune_ev_status attune_eventlog_append(attune_eventlog *log, const char *line, size_t len,
                                        int wait_durable);

/* Called once a line queued with attune_eventlog_append_async() is fsync'ed
 * (ATTUNE_EV_OK) or was dropped by a failure (ATTUNE_EV_E_IO), on the writer
 * thread (or in attune_eventlog_close()). Must not call back into the log
 * with wait_durable=1. */
typedef void (*attune_eventlog_done_fn)(void *arg, attune_ev_status st);

/* Like attune_eventlog_append(wait_durable=1) without blocking the caller:
 * `done` is called exactly once later if this returns ATTUNE_EV_OK, never
 * if it returns an error. Lets a gRPC worker thread hand a RecordOutcome
 * to the group commit and go on serving other calls. */
attune_ev_status attune_eventlog_append_async(attune_eventlog *log, const char *line, size_t len,
                                              attune_eventlog_done_fn done, void *arg);

/* Counters so far. Thread-safe. */
void attune_eventlog_get_stats(attune_eventlog *log, attune_eventlog_stats *out);

/* Writes and fsyncs everything queued, stops the writer, closes the file
 * and frees. Appends racing with close get ATTUNE_EV_E_CLOSED. NULL is a
 * no-op. Call after the server has drained. */
void attune_eventlog_close(attune_eventlog *log);

/* Called once per complete line (no newline) by attune_eventlog_replay;
 * return nonzero to stop early. */
typedef int (*attune_eventlog_line_fn)(void *ctx, const char *line, size_t len);

/* Reads the retained files oldest first (path.keep .. path.1, then path),
 * calling fn for every newline-terminated line of at most
 * ATTUNE_EVENTLOG_LINE_MAX bytes. Longer lines and an unterminated last
 * fragment are skipped and counted in *skipped (may be NULL); missing files
 * are fine. Memory is bounded by the line limit, whatever the file holds. */
attune_ev_status attune_eventlog_replay(const char *path, unsigned keep, attune_eventlog_line_fn fn,
                                        void *ctx, uint64_t *lines, uint64_t *skipped);

#endif
