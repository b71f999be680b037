/*
 * utf8.c - strict UTF-8 validation (no NUL, no overlongs, no surrogates,
 * nothing above U+10FFFF) and code point decoding shared by the scorer, and
 * the tokenizer's ASCII fold pre-pass (SSE2 like the validator).
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "attune/scorer.h"
#include "sse2_ascii.h"
#include "utf8.h"

/* Eight bytes as one word: every byte is ASCII and none is NUL. */
#define UTF8_ONES  0x0101010101010101ull
#define UTF8_HIGHS 0x8080808080808080ull

/* The bits of w that are high in a byte that is >= 0x80 or, when no byte
 * is >= 0x80, in some byte if one is zero: 0 exactly when all eight bytes
 * are in 0x01..0x7F. (w - ONES) & ~w is the classic "has a zero byte" test:
 * a borrow can mark extra bytes only above a real zero byte, so "any byte
 * marked" is exact; a high bit in w itself is kept by the OR. Byte order
 * does not matter: only "any" is used. */
static uint64_t utf8_word_not_plain(uint64_t w)
{
	return (w | ((w - UTF8_ONES) & ~w)) & UTF8_HIGHS;
}

#ifdef __SSE2__
/* The bits of the bytes of x that are not plain ASCII: as signed bytes the
 * plain ones (0x01..0x7F) are exactly those > 0. */
static inline unsigned utf8_block_not_plain(__m128i x)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(x, _mm_set1_epi8(1)));
}
#endif

/* Returns the index past the run of plain ASCII (0x01..0x7F) bytes that
 * starts at s[i], or an index before that end: the caller checks per
 * character from the index returned. With SSE2 it looks at 64 bytes per
 * step, then 16, then the 16 that end the text, and returns the exact end
 * of the run. Fewer than 16 bytes, and all text without SSE2, go a word at
 * a time (memcpy: no alignment or aliasing assumptions), then through the
 * word (or 4 bytes) that ends the text; that stops up to 7 bytes early, at
 * the start of the word that ends the run. Only s[0, len) is read. */
static size_t utf8_skip_plain_ascii(const unsigned char *s, size_t i, size_t len)
{
	const size_t start = i; /* s[start, i) is plain */
	uint64_t a, b;
	uint32_t h;

#ifdef __SSE2__
	/* Four blocks per step: one movemask and branch per 64 bytes of the
	 * long ASCII texts. x - 1 (mod 256) is below 0x7F exactly when x is
	 * plain, so the unsigned max of that over the four blocks, plus 1
	 * with saturation, has a high bit set exactly when a byte is not. */
	const __m128i ones = _mm_set1_epi8(1);
	while (len - i >= 64) {
		__m128i x0 = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(s + i)), ones);
		__m128i x1 = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(s + i + 16)), ones);
		__m128i x2 = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(s + i + 32)), ones);
		__m128i x3 = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(s + i + 48)), ones);
		__m128i top = _mm_max_epu8(_mm_max_epu8(x0, x1), _mm_max_epu8(x2, x3));
		if (_mm_movemask_epi8(_mm_adds_epu8(top, ones)))
			break;
		i += 64;
	}
	while (len - i >= 16) {
		unsigned m = utf8_block_not_plain(_mm_loadu_si128((const __m128i *)(s + i)));
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
	/* A short tail of a text of 16 bytes or more: the block that ends the
	 * text. It overlaps bytes before i, which may be any valid character
	 * (the caller's per-character checks come before i), so their bits
	 * are dropped: the answer is never before i. */
	if (i < len && len >= 16) {
		size_t at = len - 16;
		unsigned m = utf8_block_not_plain(_mm_loadu_si128((const __m128i *)(s + at)));
		m &= ~0u << (i - at);
		return m ? at + (size_t)__builtin_ctz(m) : len;
	}
#endif
	/* Two words per step: half the loop overhead on long ASCII text. */
	while (len - i >= 2 * sizeof(a)) {
		memcpy(&a, s + i, sizeof(a));
		memcpy(&b, s + i + sizeof(a), sizeof(b));
		if (utf8_word_not_plain(a) | utf8_word_not_plain(b))
			break;
		i += 2 * sizeof(a);
	}
	if (len - i >= 2 * sizeof(a)) { /* a pair above was not all plain */
		memcpy(&a, s + i, sizeof(a));
		return utf8_word_not_plain(a) ? i : i + sizeof(a);
	}
	if (len - i >= sizeof(a)) {
		memcpy(&a, s + i, sizeof(a));
		if (utf8_word_not_plain(a))
			return i;
		i += sizeof(a);
	}
	/* Fewer than 8 bytes left, after plain ones since `start`: the 8 (or
	 * else 4) bytes that end the text overlap only those, so they tell
	 * whether the rest is plain too. 4 bytes are tested as a word that
	 * holds them twice. */
	if (i < len && len - start >= sizeof(a)) {
		memcpy(&a, s + len - sizeof(a), sizeof(a));
		return utf8_word_not_plain(a) ? i : len;
	}
	if (len - i >= sizeof(h)) {
		memcpy(&h, s + i, sizeof(h));
		if (utf8_word_not_plain(h | (uint64_t)h << 32))
			return i;
		i += sizeof(h);
	}
	if (i < len && len - start >= sizeof(h)) {
		memcpy(&h, s + len - sizeof(h), sizeof(h));
		return utf8_word_not_plain(h | (uint64_t)h << 32) ? i : len;
	}
	return i;
}

/* Checks the one character at s[0] (avail >= 1 bytes) by RFC 3629: no NUL,
 * no overlongs, no surrogates, nothing above U+10FFFF. Returns its size in
 * bytes, or 0 when it is invalid or truncated. */
static size_t utf8_char_size(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return c != 0;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1, cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 2, cp = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (avail <= n)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n + 1;
}

int attune_utf8_valid(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	if (len && !p)
		return 0;
	while (i < len) {
		/* Most text is ASCII: skip it a word at a time, then check a
		 * character at a time for at least a word's length (or to the
		 * end) before trying words again, so a word holding one
		 * non-ASCII character is not re-read per byte. */
		i = utf8_skip_plain_ascii(s, i, len);
		size_t stop = len - i > sizeof(uint64_t) ? i + sizeof(uint64_t) : len;
		while (i < stop) {
			size_t n = utf8_char_size(s + i, len - i);
			if (!n)
				return 0;
			i += n;
		}
	}
	return 1;
}

uint32_t attune__utf8_decode(const char *p, size_t len, size_t *adv)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char c = s[0];
	size_t n = 0;
	uint32_t cp = c;

	if (c >= 0xF0)
		n = 3, cp = c & 0x07;
	else if (c >= 0xE0)
		n = 2, cp = c & 0x0F;
	else if (c >= 0xC0)
		n = 1, cp = c & 0x1F;
	if (n >= len) {
		*adv = 1;
		return 0xFFFD;
	}
	for (size_t k = 1; k <= n; k++)
		cp = (cp << 6) | (s[k] & 0x3F);
	*adv = n + 1;
	return cp;
}

#ifdef __SSE2__
/* Writes the 16 bytes at p to out as attune__ascii_fold() does. */
static inline void ascii_fold_block(const char *p, char *out)
{
	__m128i x = _mm_loadu_si128((const __m128i *)p);
	__m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i word = attune_sse2_alnum(x);
	/* a space's 0x40 and every byte's 0x80 that is not a letter or digit */
	__m128i space = _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_set1_epi8(0x40));
	__m128i folded = _mm_or_si128(_mm_and_si128(word, lower),
	                              _mm_andnot_si128(word, _mm_set1_epi8((char)0x80)));
	_mm_storeu_si128((__m128i *)out, _mm_or_si128(folded, space));
}
#endif

void attune__ascii_fold(const char *text, size_t len, char *low)
{
	size_t i = 0;
#ifdef __SSE2__
	/* 16 bytes a step; the bytes after the last whole block are those of
	 * the block that ends the text (it overlaps bytes already done, which
	 * it writes again as they were), or, in a text shorter than a block,
	 * of a zero-padded copy */
	for (; len - i >= 16; i += 16)
		ascii_fold_block(text + i, low + i);
	if (i < len) {
		if (len >= 16) {
			ascii_fold_block(text + len - 16, low + len - 16);
		} else {
			char in[16] = {0}, out[16];
			memcpy(in, text, len);
			ascii_fold_block(in, out);
			memcpy(low, out, len);
		}
	}
#else
	for (; i < len; i++) {
		unsigned char c = (unsigned char)text[i], l = c | 0x20;
		if ((l >= 'a' && l <= 'z') || (c >= '0' && c <= '9'))
			low[i] = (char)l;
		else
			low[i] = (char)(c == ' ' ? 0xC0 : 0x80);
	}
#endif
}
