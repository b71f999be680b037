/*
 * utf8.c - strict UTF-8 validation (no NUL, no overlongs, no surrogates,
 * nothing above U+10FFFF) and code point decoding shared by the scorer.
 */
#include <string.h>

#include "attune/scorer.h"
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

/* Returns the index past the run of plain ASCII (0x01..0x7F) bytes that
 * starts at s[i], found a word at a time (memcpy: no alignment or aliasing
 * assumptions); it may stop up to 7 bytes early, before a short tail or in
 * the word that ends the run, which the caller checks per character. */
static size_t utf8_skip_plain_ascii(const unsigned char *s, size_t i, size_t len)
{
	uint64_t a, b;

	/* Two words per step: half the loop overhead on long ASCII text. */
	while (len - i >= 2 * sizeof(a)) {
		memcpy(&a, s + i, sizeof(a));
		memcpy(&b, s + i + sizeof(a), sizeof(b));
		if (utf8_word_not_plain(a) | utf8_word_not_plain(b))
			break;
		i += 2 * sizeof(a);
	}
	if (len - i >= sizeof(a)) {
		memcpy(&a, s + i, sizeof(a));
		if (!utf8_word_not_plain(a))
			i += sizeof(a);
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
