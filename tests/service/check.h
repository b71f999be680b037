/*
 * check.h - a tiny assertion runner for the service unit tests: CHECK()
 * records a failure with file:line and keeps going; main returns the count.
 */
#ifndef ATTUNE_TEST_CHECK_H
#define ATTUNE_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct check_ctx {
	int failures;
	int checks;
} check_ctx;

#define CHECK(ctx, cond)                                                                           \
	do {                                                                                       \
		(ctx)->checks++;                                                                   \
		if (!(cond)) {                                                                     \
			(ctx)->failures++;                                                         \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(ctx, a, b)                                                                       \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		(ctx)->checks++;                                                                   \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                   \
			(ctx)->failures++;                                                         \
			fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__,   \
			        __LINE__, check_a_ ? check_a_ : "(null)",                          \
			        check_b_ ? check_b_ : "(null)");                                   \
		}                                                                                  \
	} while (0)

/* Prints a summary; returns the process exit status. */
static inline int check_report(const check_ctx *ctx, const char *suite)
{
	fprintf(stderr, "%s: %d checks, %d failures\n", suite, ctx->checks, ctx->failures);
	return ctx->failures ? 1 : 0;
}

/* The whole file at path, NUL-terminated (its length in *len when len is
 * not NULL), or NULL; the caller frees it. */
static inline char *check_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) != NULL) {
		if (fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		} else {
			b[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return b;
}

#endif
