/*
 * rpc_watch_metrics.c - /attune.v1.Supervision/WatchMetrics: a server
 * stream of MetricsSnapshot, the first at once and then every
 * interval_seconds, driven by one ticker thread for all watchers (the C
 * core has no public timer). One write in flight per call: a tick that
 * finds the previous write still pending is skipped (counted). The stream
 * ends when the client cancels or its deadline passes (the core cancels
 * the call) and, on server drain, with UNAVAILABLE "server shutting down"
 * so dashboards reconnect elsewhere, like health Watch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"
#include "log.h"
#include "mono_clock.h"
#include "observe.h"
#include "rpc_methods.h"
#include "rpc_reject.h"
#include "rpc_team_stats.h"
#include "server.h"

#define WATCH_MAX_STREAMS 256 /* concurrent WatchMetrics streams per server */

typedef struct watch_hub watch_hub;

/* One stream; the call's handler state, freed in on_done. */
typedef struct metrics_watch {
	watch_hub *hub;
	attuned_call *call;
	char team[ATTUNE_WIRE_MAX_TEAM_BYTES + 1];
	unsigned window;
	unsigned interval_s;
	uint64_t sequence;
	uint64_t skipped;
	int64_t next_due_ms; /* monotonic; guarded by hub->mu */
	int registered;      /* guarded by hub->mu */
	struct metrics_watch *prev, *next;
} metrics_watch;

struct watch_hub {
	attuned_server *srv;
	pthread_mutex_t mu; /* guards the list; never held while taking a call lock */
	pthread_cond_t cv;
	metrics_watch *head;
	size_t n;
	int stop;
	atomic_int ending;
	pthread_t ticker;
	int ticker_started;
};

/* Removes w from the hub and drops the hub's call reference. Call lock
 * held; safe because the CLOSE batch still holds a reference. */
static void watch_unregister(metrics_watch *w, const char *reason)
{
	watch_hub *hub = w->hub;
	int was;

	pthread_mutex_lock(&hub->mu);
	was = w->registered;
	if (was) {
		if (w->prev)
			w->prev->next = w->next;
		else
			hub->head = w->next;
		if (w->next)
			w->next->prev = w->prev;
		w->registered = 0;
		hub->n--;
	}
	pthread_mutex_unlock(&hub->mu);
	if (was) {
		ATTUNE_LOG(ATTUNE_LOG_INFO, "watch_metrics_ended",
		           "reason=%s sent=%llu skipped=%llu", reason,
		           (unsigned long long)w->sequence, (unsigned long long)w->skipped);
		attuned_call_unref(w->call);
	}
}

/* Sends one snapshot unless the previous write is still in flight. Call
 * lock held. */
static void watch_tick(metrics_watch *w)
{
	attuned_call *call = w->call;
	attuned_team_stats_answer a;
	attune_wire_buf buf = {0};
	int64_t now = attune_events_now_ms();

	if (!w->registered || attuned_call_is_finished(call) || attuned_call_is_cancelled(call))
		return;
	if (atomic_load(&w->hub->ending)) {
		watch_unregister(w, "shutdown");
		attuned_call_finish(call, GRPC_STATUS_UNAVAILABLE, "server shutting down");
		return;
	}
	if (attuned_call_send_busy(call)) {
		w->skipped++;
		return;
	}
	attuned_team_stats_compute(attuned_server_events(w->hub->srv), w->team, w->window, NULL,
	                           now, &a);
	if (attune_wire_encode_snapshot(w->sequence + 1, now, &a.wire, &buf) != ATTUNE_WIRE_OK) {
		watch_unregister(w, "error");
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	if (attuned_call_send_message(call, &buf) == 0)
		w->sequence++;
}

/* Locks each collected call and ticks it; drops the references taken. */
static void watch_run(attuned_call **calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		metrics_watch *w;
		attuned_call_lock(calls[i]);
		w = attuned_call_state(calls[i]);
		if (w)
			watch_tick(w);
		attuned_call_unlock(calls[i]);
		attuned_call_unref(calls[i]);
	}
}

static void *watch_ticker_main(void *arg)
{
	watch_hub *hub = arg;
	attuned_call *due[WATCH_MAX_STREAMS];

	pthread_mutex_lock(&hub->mu);
	while (!hub->stop) {
		int64_t now = attune_mono_ms(), next = INT64_MAX;
		size_t n = 0;

		for (metrics_watch *w = hub->head; w; w = w->next) {
			if (w->next_due_ms <= now && n < WATCH_MAX_STREAMS) {
				attuned_call_ref(w->call);
				due[n++] = w->call;
				w->next_due_ms += (int64_t)w->interval_s * 1000;
				if (w->next_due_ms <= now) /* fell behind: no burst */
					w->next_due_ms = now + (int64_t)w->interval_s * 1000;
			}
			if (w->next_due_ms < next)
				next = w->next_due_ms;
		}
		if (n) {
			pthread_mutex_unlock(&hub->mu);
			watch_run(due, n);
			pthread_mutex_lock(&hub->mu);
			continue;
		}
		if (next == INT64_MAX) {
			pthread_cond_wait(&hub->cv, &hub->mu);
		} else {
			struct timespec ts;
			ts.tv_sec = (time_t)(next / 1000);
			ts.tv_nsec = (long)(next % 1000) * 1000000L;
			pthread_cond_timedwait(&hub->cv, &hub->mu, &ts);
		}
	}
	pthread_mutex_unlock(&hub->mu);
	return NULL;
}

static int watch_init(attuned_server *srv, void **state)
{
	watch_hub *hub = calloc(1, sizeof(*hub));
	pthread_condattr_t ca;

	*state = hub;
	if (!hub)
		return -1;
	hub->srv = srv;
	atomic_init(&hub->ending, 0);
	pthread_mutex_init(&hub->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hub->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&hub->ticker, NULL, watch_ticker_main, hub) != 0)
		return -1;
	hub->ticker_started = 1;
	return 0;
}

/* Server drain: every stream ends with UNAVAILABLE (after a write in
 * flight, if any); new streams end at once. Outside any call lock. */
static void watch_drain(attuned_server *srv, void *state)
{
	watch_hub *hub = state;
	attuned_call *calls[WATCH_MAX_STREAMS];
	size_t n = 0;

	(void)srv;
	if (!hub)
		return;
	atomic_store(&hub->ending, 1);
	pthread_mutex_lock(&hub->mu);
	for (metrics_watch *w = hub->head; w && n < WATCH_MAX_STREAMS; w = w->next) {
		attuned_call_ref(w->call);
		calls[n++] = w->call;
	}
	pthread_mutex_unlock(&hub->mu);
	watch_run(calls, n);
}

static void watch_fini(void *state)
{
	watch_hub *hub = state;

	if (!hub)
		return;
	if (hub->ticker_started) {
		pthread_mutex_lock(&hub->mu);
		hub->stop = 1;
		pthread_cond_broadcast(&hub->cv);
		pthread_mutex_unlock(&hub->mu);
		pthread_join(hub->ticker, NULL);
	}
	pthread_cond_destroy(&hub->cv);
	pthread_mutex_destroy(&hub->mu);
	free(hub);
}

static void watch_start(attuned_call *call, const uint8_t *data, size_t len)
{
	watch_hub *hub = attuned_call_method_state(call);
	metrics_watch *w;
	attune_wire_error err = {0};
	attune_wire_status ws;
	int full;

	w = calloc(1, sizeof(*w));
	if (!w) {
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ws = attune_wire_decode_watch_request(data, len, w->team, &w->window, &w->interval_s, &err);
	if (ws != ATTUNE_WIRE_OK) {
		free(w);
		attuned_rpc_reject(call, ws, &err);
		return;
	}
	if (!hub || atomic_load(&hub->ending)) {
		free(w);
		attuned_observe_request_rejected(attuned_call_server(call),
		                                 ATTUNE_METRICS_REJECT_OVERLOADED);
		attuned_call_finish(call, GRPC_STATUS_UNAVAILABLE, "server shutting down");
		return;
	}
	w->hub = hub;
	w->call = call;
	attuned_call_set_state(call, w);
	pthread_mutex_lock(&hub->mu);
	full = hub->n >= WATCH_MAX_STREAMS;
	if (!full) {
		attuned_call_ref(call); /* the hub's reference */
		w->registered = 1;
		w->next = hub->head;
		if (hub->head)
			hub->head->prev = w;
		hub->head = w;
		hub->n++;
		w->next_due_ms = attune_mono_ms() + (int64_t)w->interval_s * 1000;
		pthread_cond_signal(&hub->cv);
	}
	pthread_mutex_unlock(&hub->mu);
	if (full) {
		attuned_observe_request_rejected(attuned_call_server(call),
		                                 ATTUNE_METRICS_REJECT_OVERLOADED);
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED,
		                    "too many WatchMetrics streams on this server");
		return;
	}
	ATTUNE_LOG(ATTUNE_LOG_INFO, "watch_metrics_started", "interval_s=%u window=%u",
	           w->interval_s, w->window);
	watch_tick(w); /* the first snapshot at once */
}

static void watch_send_done(attuned_call *call, int ok)
{
	metrics_watch *w = attuned_call_state(call);

	if (!ok && w)
		watch_unregister(w, "write_failed");
}

/* The client's own deadline timer usually fires (and resets the stream) a
 * little before the server's copy of the deadline: a cancel within this
 * margin of the deadline is logged as reason=deadline. */
#define WATCH_DEADLINE_MARGIN_MS 500

static void watch_cancel(attuned_call *call)
{
	metrics_watch *w = attuned_call_state(call);
	gpr_timespec deadline = attuned_call_deadline(call);
	gpr_timespec now = gpr_now(deadline.clock_type);

	if (w)
		watch_unregister(
		    w, gpr_time_cmp(gpr_time_add(now, gpr_time_from_millis(WATCH_DEADLINE_MARGIN_MS,
		                                                           GPR_TIMESPAN)),
		                    deadline) >= 0
		           ? "deadline"
		           : "cancelled");
}

static void watch_done(attuned_call *call)
{
	metrics_watch *w = attuned_call_state(call);

	if (!w)
		return;
	watch_unregister(w, "done");
	attuned_call_set_state(call, NULL);
	free(w);
}

const attuned_method attuned_rpc_watch_metrics = {
    .path = "/attune.v1.Supervision/WatchMetrics",
    .name = "WatchMetrics",
    .kind = ATTUNED_RPC_SERVER_STREAM,
    .on_start = watch_start,
    .on_send_done = watch_send_done,
    .on_cancel = watch_cancel,
    .on_done = watch_done,
    .init = watch_init,
    .drain = watch_drain,
    .fini = watch_fini,
};
