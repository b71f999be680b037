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

#endif
