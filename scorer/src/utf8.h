/*
 * utf8.h - internal UTF-8 helpers. Inputs are validated first with
 * attune_utf8_valid(); these helpers assume valid text.
 */
#ifndef ATTUNE_UTF8_H
#define ATTUNE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at p (len bytes available, >= 1); *adv gets its size. */
uint32_t attune__utf8_decode(const char *p, size_t len, size_t *adv);

/* The ASCII words of text[0, len), found once for the whole text before
 * the tokenizer's scan: low[i] is text[i] folded to lower case when it is an
 * ASCII letter or digit, 0xC0 for a space and 0x80 for any other byte. A
 * run of letters and digits is then its folded bytes up to the first byte
 * with its top bit set, which tells whether a space follows the run.
 * Writes low[0, len) only and reads only text[0, len). */
void attune__ascii_fold(const char *text, size_t len, char *low);

#endif
