/*
 * health.h - grpc.health.v1 state: one serving flag for "", "attune.v1.Assist"
 * and "attune.v1.Supervision", and the registry of Watch streams that get
 * each change and are ended when the server drains.
 */
#ifndef ATTUNED_HEALTH_H
#define ATTUNED_HEALTH_H

#include "attune_wire.h"
#include "call.h"

typedef struct attuned_health attuned_health;

int attuned_health_create(attuned_health **out);
void attuned_health_destroy(attuned_health *h); /* NULL is a no-op */

/* Status of `service`: SERVING/NOT_SERVING for known services,
 * SERVICE_UNKNOWN otherwise. Thread-safe. */
attune_wire_health_status attuned_health_status(attuned_health *h, const char *service);

/* Sets the serving flag and pushes the change to every watcher. Call from
 * outside any call lock. */
void attuned_health_set_serving(attuned_health *h, int serving);

/* Ends every Watch (after its latest status is delivered) and makes new
 * Watches end right after their first message. Outside any call lock. */
void attuned_health_end_watches(attuned_health *h);

/* For the Watch handler (call lock held): registers the call (taking a
 * reference) and sends the current status; later changes are sent by the
 * registry. `service` is copied. */
void attuned_health_watch_start(attuned_health *h, attuned_call *call, const char *service);
/* Watch handler callbacks (call lock held). */
void attuned_health_watch_send_done(attuned_call *call);
void attuned_health_watch_cancel(attuned_call *call);
void attuned_health_watch_done(attuned_call *call);

#endif
