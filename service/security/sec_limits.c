/*
 * sec_limits.c - defaults, validation and channel args for the transport
 * limits (see LIMITS.md).
 */
#include "sec_limits.h"

#include <stdio.h>

void attune_net_limits_defaults(attune_net_limits *l)
{
	l->max_concurrent_streams = 256;
	l->min_ping_interval_ms = 10000;
	l->max_ping_strikes = 2;
	l->max_connection_idle_ms = 600000;
	l->max_connection_age_ms = 0;
	l->max_connection_age_grace_ms = 30000;
	l->max_metadata_bytes = 16384;
	l->handshake_timeout_ms = 10000;
}

static int check(int v, int lo, int hi, const char *flag, char *err, size_t errlen)
{
	if (v >= lo && v <= hi)
		return 0;
	if (err && errlen)
		snprintf(err, errlen, "%s must be between %d and %d", flag, lo, hi);
	return -1;
}

int attune_net_limits_validate(const attune_net_limits *l, char *err, size_t errlen)
{
	const int day_ms = 86400000;
	if (check(l->max_concurrent_streams, 1, 100000, "--max-concurrent-streams", err, errlen) ||
	    check(l->min_ping_interval_ms, 0, day_ms, "--min-ping-interval-ms", err, errlen) ||
	    check(l->max_ping_strikes, 0, 1000, "--max-ping-strikes", err, errlen) ||
	    check(l->max_connection_idle_ms, 0, day_ms, "--max-connection-idle-ms", err, errlen) ||
	    check(l->max_connection_age_ms, 0, day_ms, "--max-connection-age-ms", err, errlen) ||
	    check(l->max_connection_age_grace_ms, 0, day_ms, "--max-connection-age-grace-ms", err,
	          errlen) ||
	    check(l->max_metadata_bytes, 1024, 1 << 20, "--max-metadata-bytes", err, errlen) ||
	    check(l->handshake_timeout_ms, 100, 600000, "--handshake-timeout-ms", err, errlen))
		return -1;
	return 0;
}

static void put(grpc_arg *args, size_t cap, size_t *n, const char *key, int value)
{
	if (*n >= cap)
		return;
	args[*n].type = GRPC_ARG_INTEGER;
	args[*n].key = (char *)key;
	args[*n].value.integer = value;
	(*n)++;
}

size_t attune_net_limits_to_args(const attune_net_limits *l, grpc_arg *args, size_t cap)
{
	size_t n = 0;
	put(args, cap, &n, GRPC_ARG_MAX_CONCURRENT_STREAMS, l->max_concurrent_streams);
	put(args, cap, &n, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
	    l->min_ping_interval_ms);
	put(args, cap, &n, GRPC_ARG_HTTP2_MAX_PING_STRIKES, l->max_ping_strikes);
	if (l->max_connection_idle_ms > 0)
		put(args, cap, &n, GRPC_ARG_MAX_CONNECTION_IDLE_MS, l->max_connection_idle_ms);
	if (l->max_connection_age_ms > 0) {
		put(args, cap, &n, GRPC_ARG_MAX_CONNECTION_AGE_MS, l->max_connection_age_ms);
		put(args, cap, &n, GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
		    l->max_connection_age_grace_ms);
	}
	put(args, cap, &n, GRPC_ARG_MAX_METADATA_SIZE, l->max_metadata_bytes);
	put(args, cap, &n, GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, l->handshake_timeout_ms);
	return n;
}
