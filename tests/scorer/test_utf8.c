/*
 * test_utf8.c - attune_utf8_valid accepts exactly RFC 3629 UTF-8 without
 * NUL, whatever the alignment: every case is checked against an oracle
 * written from the RFC's byte-range grammar, at every offset inside ASCII
 * padding, so the block-at-a-time (SSE2) and word-at-a-time ASCII paths
 * and the per-character path all see it. Buffers are malloc'd to their exact size so a sanitizer
 * build catches any read past the end. attune__ascii_fold (the tokenizer's
 * pre-pass, in utf8.c for the same SSE2/portable split) is checked against
 * a per-byte oracle at every length and every position.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "utf8.h"

/* Bytes of a well-formed sequence starting at s (avail bytes), by the
 * RFC 3629 section 4 grammar (UTF8-1..UTF8-4), with NUL refused; 0 if
 * none. Deliberately written differently from the code under test. */
static size_t rfc_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (s[0] >= 0x01 && s[0] <= 0x7F)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (avail < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return n;
}

static int rfc_valid(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = rfc_seq_len(s + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

/* Runs the validator on a malloc'd copy of exactly len bytes. */
static int valid_exact(const unsigned char *bytes, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);
	int ok;

	if (!copy)
		abort();
	if (len)
		memcpy(copy, bytes, len);
	ok = attune_utf8_valid((const char *)copy, len);
	free(copy);
	return ok;
}

/* Places seq after `pre` ASCII bytes and before `post` ASCII bytes and
 * checks the validator agrees with the oracle. Returns 1 if it does. */
static int agrees_padded(const unsigned char *seq, size_t n, size_t pre, size_t post)
{
	unsigned char buf[64];
	size_t len = pre + n + post;

	if (len > sizeof(buf))
		abort();
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + pre, seq, n);
	return valid_exact(buf, len) == rfc_valid(buf, len);
}

/* Every padding from 0 to 17 bytes on each side: covers every alignment of
 * seq within an 8-byte word and both the word path and the short tail. */
static int agrees_everywhere(const unsigned char *seq, size_t n)
{
	for (size_t pre = 0; pre <= 17; pre++)
		for (size_t post = 0; post <= 17; post++)
			if (!agrees_padded(seq, n, pre, post))
				return 0;
	return 1;
}

TEST(basic_cases)
{
	CHECK(attune_utf8_valid("", 0));
	CHECK(attune_utf8_valid(NULL, 0));
	CHECK(!attune_utf8_valid(NULL, 1));
	CHECK(attune_utf8_valid("h\xC3\xA9llo \xF0\x9F\x98\x80", 11));
	CHECK(valid_exact((const unsigned char *)"plain ascii text, longer than a word", 36));
}

/* The code points at each edge of the RFC 3629 ranges, and one past them. */
TEST(boundary_code_points)
{
	static const struct {
		const char *bytes;
		int valid;
	} cases[] = {
	    {"\x7F", 1},             /* U+007F, last 1-byte */
	    {"\xC2\x80", 1},         /* U+0080, first 2-byte */
	    {"\xC1\xBF", 0},         /* U+007F overlong in 2 bytes */
	    {"\xC0\x80", 0},         /* overlong NUL */
	    {"\xDF\xBF", 1},         /* U+07FF */
	    {"\xE0\xA0\x80", 1},     /* U+0800 */
	    {"\xE0\x9F\xBF", 0},     /* U+07FF overlong in 3 bytes */
	    {"\xED\x9F\xBF", 1},     /* U+D7FF */
	    {"\xED\xA0\x80", 0},     /* U+D800, first surrogate */
	    {"\xED\xBF\xBF", 0},     /* U+DFFF, last surrogate */
	    {"\xEE\x80\x80", 1},     /* U+E000 */
	    {"\xEF\xBF\xBF", 1},     /* U+FFFF */
	    {"\xF0\x90\x80\x80", 1}, /* U+10000 */
	    {"\xF0\x8F\xBF\xBF", 0}, /* U+FFFF overlong in 4 bytes */
	    {"\xF4\x8F\xBF\xBF", 1}, /* U+10FFFF */
	    {"\xF4\x90\x80\x80", 0}, /* U+110000 */
	    {"\xF5\x80\x80\x80", 0}, /* lead byte past F4 */
	    {"\xFF", 0},
	    {"\x80", 0},             /* lone continuation */
	    {"\xE2\x82", 0},         /* truncated */
	    {"\xF0\x9F\x98", 0},     /* truncated */
	    {"\xC3\x28", 0},         /* bad continuation */
	    {"\xE2\x28\xA1", 0},     /* bad first continuation */
	    {"\xF0\x90\x28\xBC", 0}, /* bad second continuation */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *b = (const unsigned char *)cases[i].bytes;
		size_t n = strlen(cases[i].bytes);
		CHECK(valid_exact(b, n) == cases[i].valid);
		CHECK(rfc_valid(b, n) == cases[i].valid); /* the oracle agrees too */
		CHECK(agrees_everywhere(b, n));
	}
}

/* A NUL, and each non-ASCII byte alone, at every position of buffers of
 * every length up to 150: always refused (a lone byte >= 0x80 is never a
 * whole character), whichever path sees it: the 64-byte steps, the 16-byte
 * blocks, the words and the per-character tail, at every offset in each.
 * Past 40 bytes only the bytes at the edges of the classes are tried. */
TEST(bad_byte_at_every_position)
{
	static const unsigned char edges[] = {0x80, 0x81, 0xBF, 0xC0, 0xC2, 0xE0, 0xF4, 0xFF};
	unsigned char buf[150];

	for (size_t len = 1; len <= sizeof(buf); len++) {
		for (size_t at = 0; at < len; at++) {
			memset(buf, 'x', sizeof(buf));
			buf[at] = 0;
			CHECK(!valid_exact(buf, len));
			buf[at] = 0x7F; /* the last plain byte, and 0x01 the first */
			CHECK(valid_exact(buf, len));
			buf[at] = 0x01;
			CHECK(valid_exact(buf, len));
			for (unsigned b = 0x80; b <= 0xFF; b++) {
				if (len > 40 && !memchr(edges, (int)b, sizeof(edges)))
					continue;
				buf[at] = (unsigned char)b;
				if (valid_exact(buf, len)) {
					CHECK(!"lone non-ASCII byte accepted");
					break;
				}
			}
		}
		memset(buf, 'x', sizeof(buf));
		CHECK(valid_exact(buf, len));
	}
}

/* Valid and broken characters after 0 to 130 ASCII bytes and before 0 to
 * 20: each starts at every offset of a 64-byte step and of a 16-byte block,
 * and the scan resumes after it at every offset too. */
TEST(characters_after_long_ascii)
{
	static const char *seqs[] = {
	    "\xC3\xA9",     "\xE2\x80\x99", "\xF0\x9F\x98\x80", "\xC3\xA9\xC3\xA9",
	    "\xED\xA0\x80", "\xC0\xAF",     "\xE2\x82",         "\xF4\x90\x80\x80",
	};
	unsigned char buf[160];
	long bad = 0;

	for (size_t k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++) {
		size_t n = strlen(seqs[k]);
		for (size_t pre = 0; pre <= 130; pre++)
			for (size_t post = 0; post <= 20; post++) {
				memset(buf, 'a', sizeof(buf));
				memcpy(buf + pre, seqs[k], n);
				bad += valid_exact(buf, pre + n + post) !=
				       rfc_valid(buf, pre + n + post);
			}
	}
	CHECK(bad == 0);
}

/* Every 1- and 2-byte input, and every 3-byte input starting with a
 * non-ASCII byte, against the oracle, at every alignment for the 1- and
 * 2-byte ones. */
TEST(exhaustive_short_inputs)
{
	unsigned char s[3];
	long bad = 0;

	for (unsigned a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		bad += !agrees_everywhere(s, 1);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			bad += !agrees_padded(s, 2, 0, 0) || !agrees_padded(s, 2, 7, 0) ||
			       !agrees_padded(s, 2, 3, 9);
			if (a < 0x80)
				continue;
			for (unsigned c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				/* Straight from the stack: too short for the word
				 * path, and a sanitizer still sees an overread. */
				bad += attune_utf8_valid((const char *)s, 3) != rfc_valid(s, 3);
			}
		}
	}
	CHECK(bad == 0);
}

/* Every lead byte with every second byte and fixed tails, 4 bytes long, at
 * every alignment: the F0/F4 second-byte limits and truncations. */
TEST(four_byte_leads)
{
	static const unsigned char tails[] = {0x00, 0x41, 0x80, 0xBF, 0xC0};
	unsigned char s[4];
	long bad = 0;

	for (unsigned a = 0xE0; a < 256; a++)
		for (unsigned b = 0x70; b < 0xD0; b++)
			for (size_t k = 0; k < sizeof(tails); k++) {
				s[0] = (unsigned char)a;
				s[1] = (unsigned char)b;
				s[2] = 0x80;
				s[3] = tails[k];
				for (size_t n = 1; n <= 4; n++)
					bad += !agrees_padded(s, n, n, 8 - n) ||
					       !agrees_padded(s, n, 5, 0);
			}
	CHECK(bad == 0);
}

/* Long mixed texts: the validator agrees with the oracle on random
 * mixtures of ASCII words and valid or broken characters. */
TEST(random_mixtures)
{
	static const char *pieces[] = {
	    "hello ",       "a",        "\xC3\xA9", "\xE2\x82\xAC",     "\xF0\x9F\x98\x80",
	    "\xED\xA0\x80", "\xC0\xAF", "\x80",     "\xF4\x90\x80\x80", "        ",
	    "\xE2\x82",     "\0",
	};
	uint32_t rng = 12345;
	long bad = 0, valid = 0;

	for (int round = 0; round < 20000; round++) {
		unsigned char buf[64];
		size_t len = 0;
		for (;;) {
			rng = rng * 1103515245u + 12345u;
			unsigned k = (rng >> 16) % (sizeof(pieces) / sizeof(pieces[0]));
			/* Broken pieces rarely, so most texts are long and valid. */
			if (k >= 5 && k != 9 && (rng >> 8) % 8 != 0)
				k = 0;
			size_t n = k == 11 ? 1 : strlen(pieces[k]);
			if (len + n > sizeof(buf))
				break;
			memcpy(buf + len, pieces[k], n);
			len += n;
		}
		bad += valid_exact(buf, len) != rfc_valid(buf, len);
		valid += rfc_valid(buf, len);
	}
	CHECK(bad == 0);
	CHECK(valid > 100 && valid < 19900); /* both kinds were exercised */
}

/* What attune__ascii_fold() writes for byte c, spelled out case by case. */
static char fold_oracle(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return (char)c;
	return (char)(c == ' ' ? 0xC0 : 0x80);
}

/* Every length 0..200 (whole 16-byte blocks, the tail block that overlaps
 * them, texts shorter than a block), random bytes biased to the classes
 * the fold tells apart, and every byte value 1..255 at every position of a
 * 40-byte text: the fold matches the oracle, reads only text[0, len)
 * (exact-size malloc) and writes only low[0, len) (a guard after it). */
TEST(ascii_fold)
{
	static const char pick[] = "aZz09 '-.\x80\xc3\xa9\xff@[`{/:";
	uint32_t x = 99;
	size_t bad = 0;
	for (size_t len = 0; len <= 200; len++) {
		for (int round = 0; round < 20; round++) {
			unsigned char *text = malloc(len ? len : 1);
			char *low = malloc(len + 16);
			if (!text || !low)
				abort();
			for (size_t i = 0; i < len; i++) {
				x = x * 1103515245u + 12345u;
				text[i] = (x >> 16) % 3
				              ? (unsigned char)pick[(x >> 8) % (sizeof(pick) - 1)]
				              : (unsigned char)(1 + (x >> 8) % 255);
			}
			memset(low, 0x5A, len + 16);
			attune__ascii_fold((const char *)text, len, low);
			for (size_t i = 0; i < len; i++)
				bad += low[i] != fold_oracle(text[i]);
			for (size_t i = len; i < len + 16; i++)
				bad += low[i] != 0x5A;
			free(text);
			free(low);
		}
	}
	unsigned char text[40];
	char low[40];
	for (unsigned c = 1; c <= 255; c++) {
		for (size_t at = 0; at < sizeof(text); at++) {
			memset(text, 'q', sizeof(text));
			text[at] = (unsigned char)c;
			attune__ascii_fold((const char *)text, sizeof(text), low);
			for (size_t i = 0; i < sizeof(text); i++)
				bad += low[i] != fold_oracle(text[i]);
		}
	}
	CHECK(bad == 0);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(basic_cases),
	    T(boundary_code_points),
	    T(bad_byte_at_every_position),
	    T(characters_after_long_ascii),
	    T(exhaustive_short_inputs),
	    T(four_byte_leads),
	    T(random_mixtures),
	    T(ascii_fold),
	};
	return run_tests(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
