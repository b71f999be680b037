/*
 * metrics_http.h - the /metrics HTTP listener (libmicrohttpd, its own thread
 * and socket): GET/HEAD /metrics answers the registry's exposition; other
 * paths 404, other methods 405. Loopback only unless explicitly allowed.
 */
#ifndef ATTUNE_METRICS_HTTP_H
#define ATTUNE_METRICS_HTTP_H

#include "metrics.h"

/* Longest listen address accepted/reported ("[v6]:port"). */
#define ATTUNE_METRICS_ADDR_MAX 64

typedef struct attune_metrics_http_config {
	/* "HOST:PORT": numeric IPv4, [IPv6] or "localhost"; port 0 = ephemeral. */
	const char *listen;
	/* 0: refuse a non-loopback host with ATTUNE_METRICS_E_REMOTE (the
	 * endpoint has no TLS or auth; exposing it is an explicit choice). */
	int allow_remote;
	/* Concurrent connections; 0 = 32. */
	unsigned max_connections;
} attune_metrics_http_config;

typedef struct attune_metrics_http attune_metrics_http;

/* Parses "HOST:PORT" into its parts without resolving anything but
 * "localhost". Fills *is_loopback. Returns ATTUNE_METRICS_E_ADDRESS on bad
 * syntax. Exposed for tests and for config validation. */
attune_metrics_status attune_metrics_addr_check(const char *listen, int *is_loopback);

/* Binds, listens and starts serving `m` (which must outlive the listener).
 * On ATTUNE_METRICS_OK *out owns the listener, stopped and freed with
 * attune_metrics_http_stop(). On ATTUNE_METRICS_E_BIND *err_no (may be NULL)
 * holds the errno. */
attune_metrics_status attune_metrics_http_start(const attune_metrics *m,
                                                const attune_metrics_http_config *cfg,
                                                attune_metrics_http **out, int *err_no);

/* The bound address with the real port ("127.0.0.1:43567", "[::1]:9464");
 * valid until attune_metrics_http_stop(). */
const char *attune_metrics_http_address(const attune_metrics_http *h);
unsigned attune_metrics_http_port(const attune_metrics_http *h);

/* Stops serving (in-progress responses finish or are closed), closes the
 * socket, frees `h`. NULL is a harmless no-op. */
void attune_metrics_http_stop(attune_metrics_http *h);

#endif
