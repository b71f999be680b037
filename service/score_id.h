/*
 * score_id.h - server-generated score ids: 128 random bits from OpenSSL's
 * RNG, as 32 lowercase hex characters.
 */
#ifndef ATTUNED_SCORE_ID_H
#define ATTUNED_SCORE_ID_H

#define ATTUNED_SCORE_ID_LEN 32

/* Fills out (ATTUNED_SCORE_ID_LEN + 1 bytes). Returns -1 if the RNG failed
 * (out is then ""). Thread-safe: each thread draws from its own block of
 * CSPRNG bytes, so no lock and about one RAND_bytes call per 128 ids. */
int attuned_score_id(char *out);

/* Writes the 16 bytes at raw as 32 lowercase hex digits and a NUL to out
 * (ATTUNED_SCORE_ID_LEN + 1 bytes), high nibble first: the format of
 * attuned_score_id(), exposed so tests can check it on known bytes. */
void attuned_score_id_hex(const unsigned char raw[ATTUNED_SCORE_ID_LEN / 2], char *out);

#endif
