/*
 * mono_clock.h - CLOCK_MONOTONIC in milliseconds, for the deadlines and
 * intervals attuned's threads keep (event log syncs and retries, watch
 * ticks, request timeouts). Never wall time: it does not jump.
 */
#ifndef ATTUNE_MONO_CLOCK_H
#define ATTUNE_MONO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t attune_timespec_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static inline int64_t attune_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return attune_timespec_ms(&ts);
}

#endif
