/*
 * sec_file.h - reads a small configuration file (tokens, role map, PEM)
 * whole into memory with a hard size limit, so a wrong path (a device, a
 * huge log) fails clearly instead of exhausting memory.
 */
#ifndef ATTUNE_SEC_FILE_H
#define ATTUNE_SEC_FILE_H

#include <stddef.h>

#include "sec_status.h"

/* Reads `path` into a freshly malloc'ed, NUL-terminated buffer (*out, caller
 * frees; *out_len excludes the NUL). Files over `max_bytes` give
 * ATTUNE_SEC_E_TOO_LARGE; missing/unreadable/not-a-regular-file gives
 * ATTUNE_SEC_E_IO. On failure *out is NULL and `err` (may be NULL) gets a
 * message naming the path and the reason (never the content). */
attune_sec_status attune_sec_read_file(const char *path, size_t max_bytes, char **out,
                                       size_t *out_len, char *err, size_t errlen);

/* Parses text[0..len) into *out (out is the caller's `T **`). On failure
 * sets *line (1-based, 0 when no line is at fault) and *reason (static). */
typedef attune_sec_status (*attune_sec_parse_fn)(const char *text, size_t len, void *out,
                                                 unsigned *line, const char **reason);

/* Reads `path` (at most max_bytes, as attune_sec_read_file) and parses it
 * with `parse` into `out`. On a parse failure `err` (may be NULL) gets
 * "path: line N: reason" or "path: reason" (never the content). When
 * `secret` is non-zero the file's bytes are wiped before they are freed. */
attune_sec_status attune_sec_load_file(const char *path, size_t max_bytes, int secret,
                                       attune_sec_parse_fn parse, void *out, char *err,
                                       size_t errlen);

/* One field of a line: `len` bytes at `p` (not NUL-terminated). */
typedef struct attune_sec_field {
	const char *p;
	size_t len;
} attune_sec_field;

/* Line iterator over a text buffer: returns 1 and sets the line (without
 * "\n" or a trailing "\r") and its 1-based number, or 0 at the end. */
typedef struct attune_sec_lines {
	const char *text;
	size_t len, pos;
	unsigned lineno;
} attune_sec_lines;
void attune_sec_lines_init(attune_sec_lines *it, const char *text, size_t len);
int attune_sec_lines_next(attune_sec_lines *it, const char **line, size_t *line_len,
                          unsigned *lineno);

/* Splits a line into whitespace-separated fields. A line that is blank or
 * whose first non-blank byte is '#' has 0 fields. Returns the number of
 * fields found, or max_fields + 1 if there are more than max_fields. */
size_t attune_sec_split_fields(const char *line, size_t len, attune_sec_field *fields,
                               size_t max_fields);

#endif
