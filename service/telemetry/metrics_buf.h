/*
 * metrics_buf.h - a growable text buffer with a hard size limit, used to
 * render the metrics exposition. Internal to attune_telemetry.
 */
#ifndef ATTUNE_METRICS_BUF_H
#define ATTUNE_METRICS_BUF_H

#include <stddef.h>

typedef struct attune_mbuf {
	char *data;   /* NUL-terminated when len > 0; owned */
	size_t len;   /* bytes written, without the NUL */
	size_t cap;   /* bytes allocated */
	size_t limit; /* hard maximum of len */
	int failed;   /* set once an append hit the limit or ran out of memory */
	int nomem;    /* the failure was an allocation failure */
} attune_mbuf;

/* Starts an empty buffer that will never hold more than `limit` bytes. */
void attune_mbuf_init(attune_mbuf *b, size_t limit);
/* Frees the data; the buffer is empty again. NULL is a no-op. */
void attune_mbuf_free(attune_mbuf *b);
/* Appends formatted text. On overflow or ENOMEM nothing partial is kept,
 * `failed` is set and later appends do nothing. Returns 0 or -1. */
int attune_mbuf_printf(attune_mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `n` bytes. Same failure rules. */
int attune_mbuf_append(attune_mbuf *b, const char *s, size_t n);
/* Appends a Prometheus sample value: integers exactly, others with %.17g,
 * +Inf/-Inf/NaN spelled as the format wants. */
int attune_mbuf_value(attune_mbuf *b, double v);
/* Hands the data to the caller (free() it) and leaves the buffer empty. */
char *attune_mbuf_take(attune_mbuf *b, size_t *len);

#endif
