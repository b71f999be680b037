/*
 * log.h - structured logging for attuned: one line per event on stderr,
 * `ts=<RFC3339 UTC ms> level=<lvl> event=<name> key=value ...`.
 *
 * NEVER pass message text (seeker words, drafts, suggestions) or raw person
 * identifiers to these functions: log counts, sizes, codes, pseudonyms.
 */
#ifndef ATTUNE_LOG_H
#define ATTUNE_LOG_H

#include <stdarg.h>

typedef enum attune_log_level {
	ATTUNE_LOG_DEBUG = 0,
	ATTUNE_LOG_INFO = 1,
	ATTUNE_LOG_WARN = 2,
	ATTUNE_LOG_ERROR = 3,
	ATTUNE_LOG_OFF = 4
} attune_log_level;

/* Sets the minimum level written. Call once at start-up, before threads. */
void attune_log_set_level(attune_log_level lvl);
attune_log_level attune_log_get_level(void);
/* Parses "debug|info|warn|error|off"; returns 0 on success. */
int attune_log_parse_level(const char *s, attune_log_level *out);

/* Writes one line: `event` is a short snake_case name; `fmt` formats the
 * remaining key=value pairs (may be NULL). Thread-safe; a line is written
 * with one write(2) so lines from threads never interleave. */
void attune_log_write(attune_log_level lvl, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Checks the level before formatting anything. */
#define ATTUNE_LOG(lvl, event, ...)                                                               \
	do {                                                                                      \
		if ((lvl) >= attune_log_get_level())                                              \
			attune_log_write((lvl), (event), __VA_ARGS__);                            \
	} while (0)

#endif
