/*
 * process_metrics.h - the standard Prometheus process_* metrics (memory, CPU,
 * file descriptors, start time) read from /proc/self at scrape time.
 */
#ifndef ATTUNE_PROCESS_METRICS_H
#define ATTUNE_PROCESS_METRICS_H

#include <stdint.h>

#include "metrics.h"
#include "metrics_buf.h"

typedef struct attune_process_stats {
	double cpu_seconds;        /* user + system CPU time */
	double start_time_seconds; /* since the Unix epoch */
	uint64_t resident_bytes;   /* RSS */
	uint64_t virtual_bytes;    /* VSZ */
	uint64_t open_fds;
	uint64_t max_fds; /* soft RLIMIT_NOFILE */
} attune_process_stats;

/* Reads the calling process's statistics. ATTUNE_METRICS_E_IO if /proc is
 * unreadable or malformed; *out is then zeroed. */
attune_metrics_status attune_process_stats_read(attune_process_stats *out);

/* Appends the six process_* families (HELP, TYPE, value) to `b`; 0 or -1. */
int attune_process_stats_render(const attune_process_stats *s, attune_mbuf *b);

#endif
