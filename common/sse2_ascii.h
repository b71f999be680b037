/*
 * sse2_ascii.h - ASCII classes of sixteen bytes at once, for the scorer's
 * fold pre-pass (scorer/src/utf8.c) and the event line's label check
 * (service/telemetry/event.c), so the biased compare both rest on is
 * written once. Headers only; empty without SSE2 (callers keep a portable
 * path).
 */
#ifndef ATTUNE_SSE2_ASCII_H
#define ATTUNE_SSE2_ASCII_H

#ifdef __SSE2__
#include <emmintrin.h>

/* 0xFF for each byte of x in [lo, lo + n), else 0 (n <= 128). SSE2
 * compares signed bytes only: x is in the range exactly when
 * x - lo + 0x80 (mod 256), as a signed byte, is below -128 + n. */
static inline __m128i attune_sse2_in_range(__m128i x, unsigned char lo, unsigned char n)
{
	return _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - lo))),
	                      _mm_set1_epi8((char)(-128 + n)));
}

/* 0xFF for each ASCII letter or digit of x. Setting 0x20 changes only
 * upper-case letters among the letters and no digit, and a letter with it
 * set is in 'a'..'z'. */
static inline __m128i attune_sse2_alnum(__m128i x)
{
	__m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));
	return _mm_or_si128(attune_sse2_in_range(lower, 'a', 26), attune_sse2_in_range(x, '0', 10));
}
#endif

#endif
