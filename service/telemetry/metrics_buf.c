/*
 * metrics_buf.c - bounded growable text buffer for the metrics exposition
 * (the "toobig" rule: every growing buffer has a hard limit).
 */
#include "metrics_buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void attune_mbuf_init(attune_mbuf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void attune_mbuf_free(attune_mbuf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Makes room for `extra` more bytes plus the NUL; 0 or -1 (failed set). */
static int mbuf_reserve(attune_mbuf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (b->failed)
		return -1;
	if (extra > b->limit - b->len) {
		b->failed = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 4096;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->limit + 1)
		ncap = b->limit + 1;
	p = realloc(b->data, ncap);
	if (!p) {
		b->failed = 1;
		b->nomem = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int attune_mbuf_append(attune_mbuf *b, const char *s, size_t n)
{
	if (mbuf_reserve(b, n) != 0)
		return -1;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int attune_mbuf_printf(attune_mbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	if (b->failed)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return -1;
	}
	if ((size_t)n < sizeof(small))
		return attune_mbuf_append(b, small, (size_t)n);
	if (mbuf_reserve(b, (size_t)n) != 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int attune_mbuf_value(attune_mbuf *b, double v)
{
	if (isnan(v))
		return attune_mbuf_append(b, "NaN", 3);
	if (isinf(v))
		return v > 0 ? attune_mbuf_append(b, "+Inf", 4) : attune_mbuf_append(b, "-Inf", 4);
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return attune_mbuf_printf(b, "%.0f", v);
	return attune_mbuf_printf(b, "%.17g", v);
}

char *attune_mbuf_take(attune_mbuf *b, size_t *len)
{
	char *p = b->data;

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
