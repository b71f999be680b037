/*
 * utf8.c - strict UTF-8 validation (no NUL, no overlongs, no surrogates,
 * nothing above U+10FFFF) and code point decoding shared by the scorer.
 */
#include "attune/scorer.h"
#include "utf8.h"

int attune_utf8_valid(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	if (len && !p)
		return 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if (c == 0)
				return 0;
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, cp = c & 0x0F, min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
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
