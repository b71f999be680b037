/*
 * server.h - the attuned gRPC server: one completion queue polled by a
 * worker pool, request slots armed per registered method, a generic slot for
 * unknown methods, and the drain sequence for graceful shutdown.
 */
#ifndef ATTUNED_SERVER_H
#define ATTUNED_SERVER_H

#include <stddef.h>

#include "attune/scorer.h"
#include "config.h"
#include "ready.h"

typedef struct attuned_server attuned_server;
typedef struct attuned_health attuned_health;
typedef struct attune_events attune_events;

/* Creates the server: registers methods, binds every cfg->listen address,
 * starts the workers. cfg and scorer are borrowed and must outlive the
 * server. grpc_init() must have been called. On failure returns -1 with a
 * reason in err and *out NULL. */
int attuned_server_start(const attuned_config *cfg, const attune_scorer *scorer,
                         attuned_server **out, char *err, size_t cap);

/* Appends the bound gRPC listeners ("grpc", "127.0.0.1:43567") to list. */
void attuned_server_listeners(const attuned_server *s, attuned_listener_list *list);

/* Graceful shutdown: health NOT_SERVING, stop arming slots, end streams that
 * would never end on their own, shutdown_and_notify, wait up to the grace
 * period, cancel what is left, stop the queue and join the workers. */
void attuned_server_drain(attuned_server *s);

/* Cuts a drain's grace period short (a second SIGTERM/SIGINT): the drain
 * stops waiting, cancels every call now and finishes as usual (queue,
 * workers, event log flush). Thread-safe; may come before the drain reaches
 * its wait. Returns 1 if calls were still running, 0 if already drained or
 * already forced. */
int attuned_server_force_drain(attuned_server *s);

/* Frees everything; call after attuned_server_drain (or on a failed start).
 * NULL is a no-op. grpc_shutdown() may be called afterwards. */
void attuned_server_destroy(attuned_server *s);

const attuned_config *attuned_server_config(const attuned_server *s);
const attune_scorer *attuned_server_scorer(const attuned_server *s);
attuned_health *attuned_server_health(const attuned_server *s);
/* The Prometheus registry (service/telemetry/metrics.h) the server created
 * from cfg (--teams), owned by the server; NULL with --no-metrics. */
typedef struct attune_metrics attune_metrics;
attune_metrics *attuned_server_metrics(const attuned_server *s);
/* Event log, pseudonyms and team stats (service/telemetry/events.h); never
 * NULL while calls run (memory-only when no --state-dir is set). */
attune_events *attuned_server_events(const attuned_server *s);
/* The security context (tokens, TLS, rate limits); reload it on SIGHUP with
 * attuned_transport_reload(). */
struct attune_security *attuned_server_security(const attuned_server *s);
/* 1 once draining started. */
int attuned_server_draining(const attuned_server *s);

#endif
