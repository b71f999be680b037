/*
 * score_id.c - random hex score ids (see score_id.h).
 *
 * RAND_bytes costs about 2 us per call here, most of it fixed overhead (the
 * provider dispatch, DRBG locks and a getpid() fork check, a syscall), not
 * the bytes. Each thread therefore draws a block of bytes from OpenSSL's
 * CSPRNG at once and hands out 16 of them per id: the ids are the same
 * CSPRNG output as before, only fetched in bulk. Every byte is used once
 * and wiped when taken. attuned never forks, so no two processes share a
 * block.
 */
#include "score_id.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define ID_BYTES (ATTUNED_SCORE_ID_LEN / 2)
#define POOL_IDS 128 /* ids per RAND_bytes call: 2 KB per worker thread */

typedef struct id_pool {
	unsigned char bytes[POOL_IDS * ID_BYTES];
	size_t next; /* offset of the first unused byte; sizeof(bytes) = empty */
} id_pool;

/* One per thread, so no lock; starts empty. */
static _Thread_local id_pool pool = {.next = sizeof(pool.bytes)};

/* Takes ID_BYTES fresh bytes for this thread; returns -1 if the RNG failed. */
static int take_bytes(unsigned char *raw)
{
	if (pool.next >= sizeof(pool.bytes)) {
		if (RAND_bytes(pool.bytes, (int)sizeof(pool.bytes)) != 1)
			return -1; /* still empty: the next call tries again */
		pool.next = 0;
	}
	memcpy(raw, pool.bytes + pool.next, ID_BYTES);
	OPENSSL_cleanse(pool.bytes + pool.next, ID_BYTES);
	pool.next += ID_BYTES;
	return 0;
}

void attuned_score_id_hex(const unsigned char raw[ATTUNED_SCORE_ID_LEN / 2], char *out)
{
#ifdef __SSE2__
	/* All 32 digits at once: the nibbles of each byte side by side, high
	 * one first, then '0' + n, plus 'a' - '0' - 10 where n > 9. */
	const __m128i low4 = _mm_set1_epi8(0x0F);
	__m128i x = _mm_loadu_si128((const __m128i *)raw);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), low4);
	__m128i lo = _mm_and_si128(x, low4);
	__m128i d0 = _mm_unpacklo_epi8(hi, lo), d1 = _mm_unpackhi_epi8(hi, lo);
	const __m128i nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0');
	const __m128i gap = _mm_set1_epi8('a' - '0' - 10);
	d0 = _mm_add_epi8(_mm_add_epi8(d0, zero), _mm_and_si128(_mm_cmpgt_epi8(d0, nine), gap));
	d1 = _mm_add_epi8(_mm_add_epi8(d1, zero), _mm_and_si128(_mm_cmpgt_epi8(d1, nine), gap));
	_mm_storeu_si128((__m128i *)out, d0);
	_mm_storeu_si128((__m128i *)(out + 16), d1);
#else
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < ID_BYTES; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
#endif
	out[ATTUNED_SCORE_ID_LEN] = '\0';
}

int attuned_score_id(char *out)
{
	unsigned char raw[ID_BYTES];

	if (take_bytes(raw) != 0) {
		out[0] = '\0';
		return -1;
	}
	attuned_score_id_hex(raw, out);
	return 0;
}
