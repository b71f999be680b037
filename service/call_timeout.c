/*
 * call_timeout.c - ends calls whose client stopped sending mid-request (a
 * length prefix promising bytes that never come, no half-close) instead of
 * holding them until a client deadline that may never come. Each limit has
 * its own list in arrival order, so the oldest wait is always at the head:
 * the reaper looks at the heads only and sleeps until the earliest is due.
 */
#include "call_timeout.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "mono_clock.h"
#include "observe.h"
#include "server_internal.h"

/* Longest sleep of the reaper: a wait linked into an empty list while it
 * sleeps is noticed at most this late (a quarter of the smallest limit). */
#define TIMEOUT_TICK_MAX_MS 1000
#define TIMEOUT_TICK_MIN_MS 5
#define TIMEOUT_BATCH       64 /* calls expired per pass outside the list lock */

typedef struct wait_list {
	attuned_call *head, *tail; /* oldest wait first */
	int64_t limit_ms;          /* 0: off, nothing is linked */
} wait_list;

struct attuned_call_timeouts {
	attuned_server *srv;
	pthread_mutex_t mu; /* guards the lists and every call's to_* fields */
	pthread_cond_t cv;  /* CLOCK_MONOTONIC */
	wait_list lists[ATTUNED_WAIT_KINDS];
	int64_t tick_ms;
	int stop;
	pthread_t reaper;
	int started;
};

typedef struct expired {
	attuned_call *call;
	unsigned seq; /* the RECV_MESSAGE that was waited for */
	attuned_wait_kind kind;
} expired;

/* t->mu held. */
static void unlink_call(attuned_call_timeouts *t, attuned_call *call)
{
	wait_list *l = &t->lists[call->to_kind];

	if (call->to_prev)
		call->to_prev->to_next = call->to_next;
	else
		l->head = call->to_next;
	if (call->to_next)
		call->to_next->to_prev = call->to_prev;
	else
		l->tail = call->to_prev;
	call->to_prev = call->to_next = NULL;
	call->to_linked = 0;
}

/* Ends one expired wait, unless the message arrived (or the call ended)
 * between the reaper taking it off the list and getting the call's lock. */
static void expire(attuned_call_timeouts *t, const expired *e)
{
	attuned_call *call = e->call;
	const attuned_method *m;
	char details[ATTUNED_DETAILS_MAX];
	unsigned limit = (unsigned)t->lists[e->kind].limit_ms;

	pthread_mutex_lock(&call->mu);
	if (call->recv_busy && call->recv_seq == e->seq && !call->finished && !call->cancelled) {
		m = attuned_call_method(call);
		if (e->kind == ATTUNED_WAIT_REQUEST)
			snprintf(details, sizeof(details),
			         "request message not received within %u ms", limit);
		else
			snprintf(details, sizeof(details),
			         "stream idle: no message received within %u ms", limit);
		attuned_observe_request_rejected(t->srv, e->kind == ATTUNED_WAIT_REQUEST
		                                             ? ATTUNE_METRICS_REJECT_REQUEST_TIMEOUT
		                                             : ATTUNE_METRICS_REJECT_STREAM_IDLE);
		ATTUNE_LOG(ATTUNE_LOG_INFO, "recv_timeout", "method=%s wait=%s limit_ms=%u",
		           m ? m->name : "unknown",
		           e->kind == ATTUNED_WAIT_REQUEST ? "request" : "stream_idle", limit);
		/* A status rather than a cancel: the client learns why, and the
		 * call ends through the normal path with this code counted. */
		attuned_call_finish(call, GRPC_STATUS_DEADLINE_EXCEEDED, details);
	}
	pthread_mutex_unlock(&call->mu);
	attuned_call_unref(call);
}

static void *reaper_main(void *arg)
{
	attuned_call_timeouts *t = arg;
	expired due[TIMEOUT_BATCH];

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		int64_t now = attune_mono_ms(), next = now + t->tick_ms;
		size_t n = 0;
		struct timespec ts;

		for (int k = 0; k < ATTUNED_WAIT_KINDS; k++) {
			wait_list *l = &t->lists[k];
			while (l->head && l->head->to_due_ms <= now && n < TIMEOUT_BATCH) {
				attuned_call *call = l->head;
				unlink_call(t, call);
				/* Alive: its RECV_MESSAGE batch holds a reference
				 * until on_recv has unwatched it. */
				attuned_call_ref(call);
				due[n].call = call;
				due[n].seq = call->to_seq;
				due[n].kind = (attuned_wait_kind)k;
				n++;
			}
			if (l->head && l->head->to_due_ms < next)
				next = l->head->to_due_ms;
		}
		if (n) {
			pthread_mutex_unlock(&t->mu);
			for (size_t i = 0; i < n; i++)
				expire(t, &due[i]);
			pthread_mutex_lock(&t->mu);
			continue;
		}
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000L;
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int attuned_call_timeouts_create(attuned_server *srv, unsigned request_ms, unsigned stream_ms,
                                 attuned_call_timeouts **out)
{
	attuned_call_timeouts *t;
	pthread_condattr_t ca;
	int64_t smallest = INT64_MAX;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->srv = srv;
	t->lists[ATTUNED_WAIT_REQUEST].limit_ms = request_ms;
	t->lists[ATTUNED_WAIT_STREAM].limit_ms = stream_ms;
	for (int k = 0; k < ATTUNED_WAIT_KINDS; k++)
		if (t->lists[k].limit_ms && t->lists[k].limit_ms < smallest)
			smallest = t->lists[k].limit_ms;
	t->tick_ms = smallest == INT64_MAX ? TIMEOUT_TICK_MAX_MS : smallest / 4;
	if (t->tick_ms > TIMEOUT_TICK_MAX_MS)
		t->tick_ms = TIMEOUT_TICK_MAX_MS;
	if (t->tick_ms < TIMEOUT_TICK_MIN_MS)
		t->tick_ms = TIMEOUT_TICK_MIN_MS;
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (smallest != INT64_MAX) {
		if (pthread_create(&t->reaper, NULL, reaper_main, t) != 0) {
			attuned_call_timeouts_destroy(t);
			return -1;
		}
		t->started = 1;
	}
	*out = t;
	return 0;
}

void attuned_call_timeouts_destroy(attuned_call_timeouts *t)
{
	if (!t)
		return;
	if (t->started) {
		pthread_mutex_lock(&t->mu);
		t->stop = 1;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->reaper, NULL);
	}
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

void attuned_call_timeouts_watch(attuned_call_timeouts *t, attuned_call *call,
                                 attuned_wait_kind kind, const struct timespec *since)
{
	wait_list *l;

	if (!t || !t->lists[kind].limit_ms)
		return;
	l = &t->lists[kind];
	call->to_watched = 1;
	pthread_mutex_lock(&t->mu);
	if (call->to_linked)
		unlink_call(t, call);
	call->to_kind = kind;
	call->to_seq = call->recv_seq;
	call->to_due_ms = attune_timespec_ms(since) + l->limit_ms;
	call->to_prev = l->tail;
	call->to_next = NULL;
	if (l->tail)
		l->tail->to_next = call;
	else
		l->head = call;
	l->tail = call;
	call->to_linked = 1;
	pthread_mutex_unlock(&t->mu);
}

void attuned_call_timeouts_unwatch(attuned_call_timeouts *t, attuned_call *call)
{
	if (!t || !call->to_watched)
		return;
	call->to_watched = 0;
	pthread_mutex_lock(&t->mu);
	if (call->to_linked)
		unlink_call(t, call);
	pthread_mutex_unlock(&t->mu);
}
