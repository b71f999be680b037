/*
 * call_timeout.h - the server's own limits on waiting for a client: a
 * unary/server-stream request must arrive within --request-timeout-ms of
 * the call's start, a CoachDraft message within --stream-idle-timeout-ms
 * of the previous one. One reaper thread for the whole server; the hot
 * path only links and unlinks the call in a list (no thread, timer or
 * syscall per call). Shared by server.c and call.c only.
 */
#ifndef ATTUNED_CALL_TIMEOUT_H
#define ATTUNED_CALL_TIMEOUT_H

#include <time.h>

typedef struct attuned_call attuned_call;
typedef struct attuned_server attuned_server;
typedef struct attuned_call_timeouts attuned_call_timeouts;

/* Which limit a wait is under. */
typedef enum attuned_wait_kind {
	ATTUNED_WAIT_REQUEST = 0, /* the one request message of a unary/server-stream call */
	ATTUNED_WAIT_STREAM = 1,  /* the next message of a client/bidi stream */
	ATTUNED_WAIT_KINDS = 2
} attuned_wait_kind;

/* Starts the reaper for `srv` with the limits in ms (0 = that limit is
 * off). With both off no thread is started and *out is still valid.
 * Returns -1 (and *out NULL) if the thread cannot start. */
int attuned_call_timeouts_create(attuned_server *srv, unsigned request_ms, unsigned stream_ms,
                                 attuned_call_timeouts **out);

/* Stops and joins the reaper; NULL is a no-op. No call may be watched. */
void attuned_call_timeouts_destroy(attuned_call_timeouts *t);

/* The call just started a RECV_MESSAGE under limit `kind`, waiting since
 * `since` (CLOCK_MONOTONIC). Call lock held. A no-op when that limit is off. */
void attuned_call_timeouts_watch(attuned_call_timeouts *t, attuned_call *call,
                                 attuned_wait_kind kind, const struct timespec *since);

/* The RECV_MESSAGE completed (any outcome). Call lock held; a no-op when
 * the call is not watched (or the reaper already took it). */
void attuned_call_timeouts_unwatch(attuned_call_timeouts *t, attuned_call *call);

#endif
