/*
 * sec_limits.h - transport limits on what the network may make the server do
 * (concurrent streams, keepalive ping abuse, idle/old connections, header
 * size, handshake time), as gRPC channel args. Defaults and flags are listed
 * in service/security/LIMITS.md.
 */
#ifndef ATTUNE_SEC_LIMITS_H
#define ATTUNE_SEC_LIMITS_H

#include <grpc/grpc.h>
#include <stddef.h>

/* All values are ints as gRPC wants them; 0 in the *_idle/_age fields means
 * "unlimited" (the arg is left out). */
typedef struct attune_net_limits {
	int max_concurrent_streams;      /* per connection; --max-concurrent-streams, 256 */
	int min_ping_interval_ms;        /* --min-ping-interval-ms, 10000 */
	int max_ping_strikes;            /* --max-ping-strikes, 2 (then GOAWAY) */
	int max_connection_idle_ms;      /* --max-connection-idle-ms, 600000 (10 min) */
	int max_connection_age_ms;       /* --max-connection-age-ms, 0 = unlimited */
	int max_connection_age_grace_ms; /* --max-connection-age-grace-ms, 30000 */
	int max_metadata_bytes;          /* --max-metadata-bytes, 16384 */
	int handshake_timeout_ms;        /* --handshake-timeout-ms, 10000 */
} attune_net_limits;

#define ATTUNE_NET_LIMITS_MAX_ARGS 8

/* Fills *l with the documented defaults. */
void attune_net_limits_defaults(attune_net_limits *l);

/* Checks ranges; returns 0 if fine, else -1 with `err` naming the flag. */
int attune_net_limits_validate(const attune_net_limits *l, char *err, size_t errlen);

/* Writes the channel args for `l` into args[0..cap) and returns how many
 * were written (at most ATTUNE_NET_LIMITS_MAX_ARGS). Keys are static
 * strings; the caller appends them to its own grpc_channel_args. */
size_t attune_net_limits_to_args(const attune_net_limits *l, grpc_arg *args, size_t cap);

#endif
