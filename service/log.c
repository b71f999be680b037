/*
 * log.c - one structured line per event to stderr (see log.h).
 */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_min_level = ATTUNE_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void attune_log_set_level(attune_log_level lvl)
{
	atomic_store(&log_min_level, (int)lvl);
}

attune_log_level attune_log_get_level(void)
{
	return (attune_log_level)atomic_load(&log_min_level);
}

int attune_log_parse_level(const char *s, attune_log_level *out)
{
	for (int i = 0; i <= ATTUNE_LOG_OFF; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (attune_log_level)i;
			return 0;
		}
	}
	return -1;
}

void attune_log_write(attune_log_level lvl, const char *event, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int w;

	if (lvl < attune_log_get_level() || lvl >= ATTUNE_LOG_OFF)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	w = snprintf(line + n, sizeof(line) - n, ".%03ldZ level=%s event=%s", ts.tv_nsec / 1000000L,
		     level_names[lvl], event);
	if (w > 0)
		n += (size_t)w < sizeof(line) - n ? (size_t)w : sizeof(line) - n - 1;
	if (fmt && n < sizeof(line) - 2) {
		va_list ap;
		line[n++] = ' ';
		va_start(ap, fmt);
		w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
		if (w > 0)
			n += (size_t)w < sizeof(line) - n ? (size_t)w : sizeof(line) - n - 1;
	}
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write(2): lines from concurrent threads do not interleave. */
	ssize_t r = write(STDERR_FILENO, line, n);
	(void)r;
}
