/*
 * sec_ratelimit.h - per-principal token-bucket rate limiter with a bounded
 * principal table (least recently seen principals are evicted), so a flood
 * of distinct principals cannot grow memory. Thread-safe: the table is split
 * into 16 independently locked shards.
 */
#ifndef ATTUNE_SEC_RATELIMIT_H
#define ATTUNE_SEC_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "sec_status.h"

#define ATTUNE_RATELIMIT_DEFAULT_PRINCIPALS 4096u

typedef struct attune_ratelimit attune_ratelimit;

/* Creates a limiter allowing `rps` requests per second per principal with
 * bursts up to `burst` (0 = ceil(rps), at least 1), tracking at most
 * `max_principals` principals (0 = ATTUNE_RATELIMIT_DEFAULT_PRINCIPALS).
 * rps == 0 means "off": *out is set to NULL and ATTUNE_SEC_OK returned;
 * a NULL limiter allows everything. rps < 0 or not finite: E_INVALID. */
attune_sec_status attune_ratelimit_create(double rps, unsigned burst, size_t max_principals,
                                          attune_ratelimit **out);

/* Frees the limiter; NULL is a no-op. */
void attune_ratelimit_destroy(attune_ratelimit *rl);

/* Takes one token from `principal`'s bucket at monotonic time `now_ns`.
 * Returns 1 if allowed, 0 if the principal is over its limit. Principals
 * longer than ATTUNE_PRINCIPAL_MAX-1 bytes are compared on their first
 * ATTUNE_PRINCIPAL_MAX-1 bytes. A new principal starts with a full bucket;
 * an evicted one starts afresh when seen again. */
int attune_ratelimit_allow(attune_ratelimit *rl, const char *principal, uint64_t now_ns);

/* Number of principals currently tracked (for tests and metrics). */
size_t attune_ratelimit_tracked(attune_ratelimit *rl);

#endif
