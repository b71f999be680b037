/*
 * sec_certroles.h - maps verified mTLS client identities to roles
 * (--client-cert-roles FILE). Line format: `<CN or SAN> <roles>`, `#`
 * comments, blank lines ignored. Immutable once built.
 */
#ifndef ATTUNE_SEC_CERTROLES_H
#define ATTUNE_SEC_CERTROLES_H

#include <stddef.h>

#include "sec_status.h"

#define ATTUNE_CERTROLES_FILE_MAX_BYTES (1u << 20)
#define ATTUNE_CERTROLES_MAX_ENTRIES    10000u
#define ATTUNE_CERT_IDENTITY_MAX        255u

typedef struct attune_certroles attune_certroles;

/* Builds a map from file text. On failure *err_line is the 1-based line at
 * fault (0: whole file) and *err_reason a static text (never the line). */
attune_sec_status attune_certroles_parse(const char *text, size_t len, attune_certroles **out,
                                         unsigned *err_line, const char **err_reason);

/* Reads and parses `path`; `err` gets "PATH: line N: reason" on failure. */
attune_sec_status attune_certroles_load(const char *path, attune_certroles **out, char *err,
                                        size_t errlen);

/* Frees; NULL is a no-op. */
void attune_certroles_destroy(attune_certroles *m);

/* Roles mapped to `identity` (`len` bytes; exact, case-sensitive match), 0 if
 * none. NULL map: 0. */
unsigned attune_certroles_lookup(const attune_certroles *m, const char *identity, size_t len);

size_t attune_certroles_count(const attune_certroles *m);

#endif
