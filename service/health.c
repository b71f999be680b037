/*
 * health.c - serving state for grpc.health.v1 and the Watch registry: each
 * watcher gets the latest status (one send in flight; latest wins) and is
 * ended with UNAVAILABLE once the server drains.
 */
#include "health.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"

#define HEALTH_MAX_WATCHERS 1024

typedef struct watch {
	attuned_health *h;
	attuned_call *call;
	char service[ATTUNE_WIRE_MAX_SERVICE_BYTES + 1];
	int last_sent; /* -1 before the first message */
	int registered;
	struct watch *prev, *next;
} watch;

struct attuned_health {
	pthread_mutex_t mu; /* guards the list; never held while taking a call lock */
	atomic_int serving;
	atomic_int ending;
	watch *head;
	size_t n;
};

static const char *const known_services[] = {"", "attune.v1.Assist", "attune.v1.Supervision"};

int attuned_health_create(attuned_health **out)
{
	attuned_health *h = calloc(1, sizeof(*h));

	*out = h;
	if (!h)
		return -1;
	pthread_mutex_init(&h->mu, NULL);
	atomic_init(&h->serving, 0);
	atomic_init(&h->ending, 0);
	return 0;
}

void attuned_health_destroy(attuned_health *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->mu);
	free(h);
}

attune_wire_health_status attuned_health_status(attuned_health *h, const char *service)
{
	for (size_t i = 0; i < sizeof(known_services) / sizeof(known_services[0]); i++)
		if (strcmp(service, known_services[i]) == 0)
			return atomic_load(&h->serving) ? ATTUNE_WIRE_HEALTH_SERVING
			                                : ATTUNE_WIRE_HEALTH_NOT_SERVING;
	return ATTUNE_WIRE_HEALTH_SERVICE_UNKNOWN;
}

/* Removes w from the registry and drops the registry's reference. Call lock
 * held; safe because the call's CLOSE batch still holds a reference. */
static void unregister(watch *w)
{
	attuned_health *h = w->h;
	int was;

	pthread_mutex_lock(&h->mu);
	was = w->registered;
	if (was) {
		if (w->prev)
			w->prev->next = w->next;
		else
			h->head = w->next;
		if (w->next)
			w->next->prev = w->prev;
		w->registered = 0;
		h->n--;
	}
	pthread_mutex_unlock(&h->mu);
	if (was)
		attuned_call_unref(w->call);
}

/* Sends the latest status if it changed, or ends the stream when draining.
 * Call lock held. */
static void pump(watch *w)
{
	attuned_call *call = w->call;
	attune_wire_health_status want;
	attune_wire_buf buf = {0};

	if (attuned_call_is_finished(call) || attuned_call_is_cancelled(call) ||
	    attuned_call_send_busy(call))
		return;
	want = attuned_health_status(w->h, w->service);
	if ((int)want != w->last_sent) {
		if (attune_wire_encode_health_response(want, &buf) != ATTUNE_WIRE_OK) {
			unregister(w);
			attuned_call_finish(call, GRPC_STATUS_INTERNAL, "out of memory");
			return;
		}
		w->last_sent = (int)want;
		attuned_call_send_message(call, &buf);
		return;
	}
	if (atomic_load(&w->h->ending)) {
		unregister(w);
		attuned_call_finish(call, GRPC_STATUS_UNAVAILABLE, "server shutting down");
	}
}

static void notify_all(attuned_health *h)
{
	attuned_call **calls;
	size_t n = 0;

	pthread_mutex_lock(&h->mu);
	calls = calloc(h->n ? h->n : 1, sizeof(*calls));
	for (watch *w = h->head; calls && w; w = w->next) {
		attuned_call_ref(w->call);
		calls[n++] = w->call;
	}
	pthread_mutex_unlock(&h->mu);
	for (size_t i = 0; i < n; i++) {
		attuned_call_lock(calls[i]);
		watch *w = attuned_call_state(calls[i]);
		if (w)
			pump(w);
		attuned_call_unlock(calls[i]);
		attuned_call_unref(calls[i]);
	}
	free(calls);
}

void attuned_health_set_serving(attuned_health *h, int serving)
{
	atomic_store(&h->serving, serving ? 1 : 0);
	notify_all(h);
}

void attuned_health_end_watches(attuned_health *h)
{
	atomic_store(&h->ending, 1);
	notify_all(h);
}

void attuned_health_watch_start(attuned_health *h, attuned_call *call, const char *service)
{
	watch *w = calloc(1, sizeof(*w));

	if (!w) {
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	w->h = h;
	w->call = call;
	w->last_sent = -1;
	snprintf(w->service, sizeof(w->service), "%s", service);
	attuned_call_set_state(call, w);
	pthread_mutex_lock(&h->mu);
	if (h->n < HEALTH_MAX_WATCHERS) {
		attuned_call_ref(call);
		w->registered = 1;
		w->next = h->head;
		if (h->head)
			h->head->prev = w;
		h->head = w;
		h->n++;
	}
	pthread_mutex_unlock(&h->mu);
	if (!w->registered) {
		attuned_observe_request_rejected(attuned_call_server(call),
		                                 ATTUNE_METRICS_REJECT_OVERLOADED);
		attuned_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED,
		                    "health watchers: limit of 1024 reached");
		return;
	}
	pump(w);
}

void attuned_health_watch_send_done(attuned_call *call)
{
	watch *w = attuned_call_state(call);

	if (w)
		pump(w);
}

void attuned_health_watch_cancel(attuned_call *call)
{
	watch *w = attuned_call_state(call);

	if (w)
		unregister(w);
}

void attuned_health_watch_done(attuned_call *call)
{
	watch *w = attuned_call_state(call);

	if (w) {
		unregister(w); /* no-op unless the call ended without cancel */
		free(w);
		attuned_call_set_state(call, NULL);
	}
}
