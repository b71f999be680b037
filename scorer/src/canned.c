/*
 * canned.c - a light sentence scanner for "canned line" repetition: hashes the
 * normalized words (ASCII lowercase, apostrophes dropped) of each sentence in
 * one pass over the bytes, with no vocabulary lookups, so every prior turn can
 * be checked for reused sentences at a few ns per byte.
 */
#include "internal.h"

/* Bytes of a separator at p that is not part of a word (0: a word byte). */
static size_t sep_len(const unsigned char *p, size_t left, int *term)
{
	*term = 0;
	if (p[0] < 0x80) {
		if ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') ||
		    (p[0] >= '0' && p[0] <= '9') || p[0] == '\'')
			return 0;
		*term = p[0] == '.' || p[0] == '!' || p[0] == '?' || p[0] == '\n';
		return 1;
	}
	/* U+2000..U+206F general punctuation (dashes, quotes, ellipsis) separates words,
	 * except the curly apostrophes U+2018/U+2019, which are dropped like ' */
	if (p[0] == 0xE2 && left >= 3 && (p[1] == 0x80 || p[1] == 0x81)) {
		if (p[1] == 0x80 && (p[2] == 0x98 || p[2] == 0x99))
			return 0;
		*term = p[1] == 0x80 && p[2] == 0xA6;
		return 3;
	}
	return 0;
}

int at_canned_next(const char *text, size_t len, size_t *pos, at_canned_sent *out)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t i = *pos;
	while (i < len) {
		uint32_t h = 2166136261u;
		unsigned words = 0;
		size_t start = 0, end = 0;
		int term = 0;
		while (i < len && !term) {
			size_t n = sep_len(t + i, len - i, &term);
			if (n) {
				i += n;
				continue;
			}
			if (words)
				h = (h ^ ' ') * 16777619u;
			else
				start = i;
			while (i < len && (n = sep_len(t + i, len - i, &term)) == 0) {
				unsigned char c = t[i];
				size_t adv = 1;
				if (c == 0xE2 && i + 2 < len && t[i + 1] == 0x80)
					adv = 3; /* a curly apostrophe, dropped */
				else if (c != '\'')
					h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 16777619u;
				i += adv;
			}
			end = i;
			words++;
		}
		if (words >= 4) {
			*pos = i;
			out->hash = h ? h : 1;
			out->start = start;
			out->end = end;
			return 1;
		}
	}
	*pos = len;
	return 0;
}
