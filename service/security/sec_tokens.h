/*
 * sec_tokens.h - the bearer-token table loaded from --tokens-file.
 *
 * File format, one token per line: `<sha256 hex of the token> <roles> [label]`
 * where roles is "assist", "supervisor" or "assist,supervisor"; `#` starts a
 * comment line; blank lines are ignored. Only hashes are ever held in memory.
 * A table is immutable once built, so any number of threads may verify
 * against it at once; reloads build a new table (see security.h).
 */
#ifndef ATTUNE_SEC_TOKENS_H
#define ATTUNE_SEC_TOKENS_H

#include <stddef.h>

#include "sec_status.h"

#define ATTUNE_TOKENS_FILE_MAX_BYTES (1u << 20) /* 1 MiB */
/* Every check visits every entry (constant time, ~30 ns each): keep the
 * table small. */
#define ATTUNE_TOKENS_MAX_ENTRIES 1000u
#define ATTUNE_TOKEN_LABEL_MAX    64u   /* bytes; [A-Za-z0-9._@:-] */
#define ATTUNE_BEARER_TOKEN_MAX   4096u /* bytes of a presented token */
#define ATTUNE_PRINCIPAL_MAX      128u  /* buffer size for principals, incl. NUL */

typedef struct attune_token_table attune_token_table;

/* Builds a table from file text (`len` bytes, need not be NUL-terminated).
 * On ATTUNE_SEC_E_PARSE/E_TOO_LARGE, *err_line is the 1-based line at fault
 * (0 for whole-file problems) and *err_reason a static text that never quotes
 * the line. On success *out is a new table the caller destroys. */
attune_sec_status attune_token_table_parse(const char *text, size_t len, attune_token_table **out,
                                           unsigned *err_line, const char **err_reason);

/* Reads and parses `path`. On failure `err` gets "PATH: line N: reason" or
 * "PATH: reason" (never file content) and *out is NULL. */
attune_sec_status attune_token_table_load(const char *path, attune_token_table **out, char *err,
                                          size_t errlen);

/* Frees a table; NULL is a no-op. */
void attune_token_table_destroy(attune_token_table *t);

/* Number of entries. */
size_t attune_token_table_count(const attune_token_table *t);

/* Verifies a presented token (`len` bytes): SHA-256 it, compare against EVERY
 * entry with CRYPTO_memcmp and select the match without branching on which
 * entry matched. Returns 1 and sets *roles and `principal` (the entry's label,
 * or "token:" + the first 12 hex digits of its hash; NUL-terminated, at most
 * principal_cap bytes) on a match; returns 0 otherwise (outputs untouched).
 * Tokens longer than ATTUNE_BEARER_TOKEN_MAX never match. */
int attune_token_table_verify(const attune_token_table *t, const char *token, size_t len,
                              unsigned *roles, char *principal, size_t principal_cap);

/* Lowercase hex SHA-256 of `len` bytes into out[65]. Returns 0 on success. */
int attune_sec_sha256_hex(const void *data, size_t len, char out[65]);

#endif
