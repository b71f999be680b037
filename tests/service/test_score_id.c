/*
 * test_score_id.c - unit tests for attuned's score ids: 32 lowercase hex
 * characters, never repeated within a thread (across many refills of the
 * per-thread random block) or between threads, and not biased.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "score_id.h"

#define IDS_PER_THREAD 2000 /* well past one block of pooled random bytes */
#define THREADS        4

typedef struct batch {
	char ids[IDS_PER_THREAD][ATTUNED_SCORE_ID_LEN + 1];
	int failures; /* attuned_score_id returned -1 */
} batch;

static void *make_ids(void *arg)
{
	batch *b = arg;

	for (int i = 0; i < IDS_PER_THREAD; i++)
		if (attuned_score_id(b->ids[i]) != 0)
			b->failures++;
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_lower_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static void test_format_and_uniqueness(check_ctx *c, batch *b)
{
	enum { N = THREADS * IDS_PER_THREAD };
	static const char *all[N];
	size_t counts[16] = {0}, dups = 0, bad = 0, failures = 0;

	for (int t = 0; t < THREADS; t++) {
		failures += (size_t)b[t].failures;
		for (int i = 0; i < IDS_PER_THREAD; i++) {
			const char *id = b[t].ids[i];
			all[t * IDS_PER_THREAD + i] = id;
			if (strlen(id) != ATTUNED_SCORE_ID_LEN || !is_lower_hex(id))
				bad++;
			for (const char *p = id; *p; p++)
				counts[*p <= '9' ? *p - '0' : *p - 'a' + 10]++;
		}
	}
	CHECK(c, failures == 0);
	CHECK(c, bad == 0);
	qsort(all, N, sizeof(all[0]), cmp_id);
	for (size_t i = 1; i < N; i++)
		if (strcmp(all[i - 1], all[i]) == 0)
			dups++;
	CHECK(c, dups == 0);
	/* 256,000 hex digits: each value expects 16,000; a stuck or biased
	 * source (zeros, a repeated block) lands far outside +-10%. */
	for (int d = 0; d < 16; d++)
		CHECK(c, counts[d] > 14400 && counts[d] < 17600);
}

/* The hex digits are exactly the bytes', high nibble first, for every
 * byte value at every position, against snprintf's "%02x". */
static void test_hex_of_known_bytes(check_ctx *c)
{
	size_t bad = 0;

	for (unsigned r = 0; r < 256; r++) {
		unsigned char raw[ATTUNED_SCORE_ID_LEN / 2];
		char got[ATTUNED_SCORE_ID_LEN + 2], want[ATTUNED_SCORE_ID_LEN + 1];
		for (size_t j = 0; j < sizeof(raw); j++) {
			raw[j] = (unsigned char)(r + 37 * j);
			snprintf(want + 2 * j, 3, "%02x", raw[j]);
		}
		memset(got, 'X', sizeof(got));
		attuned_score_id_hex(raw, got);
		bad += memcmp(got, want, sizeof(want)) != 0 || got[sizeof(got) - 1] != 'X';
	}
	CHECK(c, bad == 0);
}

int main(void)
{
	static batch b[THREADS];
	pthread_t th[THREADS];
	check_ctx c = {0};

	for (int t = 1; t < THREADS; t++)
		CHECK(&c, pthread_create(&th[t], NULL, make_ids, &b[t]) == 0);
	make_ids(&b[0]); /* this thread is one of them */
	for (int t = 1; t < THREADS; t++)
		pthread_join(th[t], NULL);
	test_format_and_uniqueness(&c, b);
	test_hex_of_known_bytes(&c);
	return check_report(&c, "service.score_id");
}
