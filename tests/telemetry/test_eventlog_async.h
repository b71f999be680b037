/*
 * test_eventlog_async.h - counts the outcomes of attune_eventlog_append_async
 * calls (the callback runs on the writer thread). Shared by the event log
 * tests. Header-only.
 */
#ifndef ATTUNE_TEST_EVENTLOG_ASYNC_H
#define ATTUNE_TEST_EVENTLOG_ASYNC_H

#include <pthread.h>

#include "ev_status.h"

/* Outcomes of async appends, counted by their callbacks (any thread). */
typedef struct async_count {
	pthread_mutex_t mu;
	unsigned ok, io, other;
} async_count;

/* attune_eventlog_append_async callback; arg is an async_count. */
static inline void async_done(void *arg, attune_ev_status st)
{
	async_count *c = arg;
	pthread_mutex_lock(&c->mu);
	if (st == ATTUNE_EV_OK)
		c->ok++;
	else if (st == ATTUNE_EV_E_IO)
		c->io++;
	else
		c->other++;
	pthread_mutex_unlock(&c->mu);
}

#endif
