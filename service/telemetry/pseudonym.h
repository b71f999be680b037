/*
 * pseudonym.h - keyed pseudonyms for people's and conversations' ids:
 * HMAC-SHA256 under a secret key kept in a file, so the same id maps to the
 * same pseudonym across restarts and raw ids are never stored.
 */
#ifndef ATTUNE_PSEUDONYM_H
#define ATTUNE_PSEUDONYM_H

#include <stddef.h>

#include "ev_status.h"

/* The key file holds exactly this many raw bytes (e.g. `openssl rand -out F 32`). */
#define ATTUNE_PSEUDONYM_KEY_BYTES 32
/* A pseudonym is the first 128 bits of the HMAC as 32 lowercase hex chars. */
#define ATTUNE_PSEUDONYM_HEX_LEN 32
/* Name of the generated key inside the state directory. */
#define ATTUNE_PSEUDONYM_KEY_NAME "pseudonym.key"

/* Which kind of id is pseudonymized; the kind is mixed into the HMAC so a
 * responder id and a conversation id with the same bytes differ. */
typedef enum attune_pseudonym_domain {
	ATTUNE_PSEUDONYM_RESPONDER = 0,
	ATTUNE_PSEUDONYM_CONVERSATION = 1
} attune_pseudonym_domain;

typedef struct attune_pseudonym attune_pseudonym;

/* Loads the key. With key_file != NULL that file must exist. Otherwise the
 * key is <state_dir>/pseudonym.key, generated with RAND_bytes on first use
 * (O_CREAT|O_EXCL, mode 0600, file and directory fsync'ed); state_dir is
 * created (0700) if missing. A key file that is not a regular file, is
 * readable or writable by group/others (ATTUNE_EV_E_PERM), or is not exactly
 * ATTUNE_PSEUDONYM_KEY_BYTES long (ATTUNE_EV_E_INVALID) is refused with a
 * log line naming the path. On success *out is owned by the caller. */
attune_ev_status attune_pseudonym_open(const char *key_file, const char *state_dir,
                                       attune_pseudonym **out);

/* A key from RAND_bytes kept only in memory: pseudonyms are stable for this
 * process only (used when no state directory or key file is configured). */
attune_ev_status attune_pseudonym_create_ephemeral(attune_pseudonym **out);

/* Wipes the key and frees. NULL is a no-op. */
void attune_pseudonym_destroy(attune_pseudonym *p);

/* Writes the NUL-terminated hex pseudonym of id[0..len) to out. An empty id
 * gives "" (nothing to pseudonymize). Thread-safe: p is read-only.
 * Recent answers are kept in a small per-thread cache (exact: a hit needs
 * the same key, domain and id bytes). It holds raw ids in this process's
 * memory only, next to the requests they came from; they are never
 * written to disk, logs or metrics, and destroy wipes the calling thread's
 * entries (other threads' entries of a destroyed key can never match). */
void attune_pseudonym_of(const attune_pseudonym *p, attune_pseudonym_domain domain, const char *id,
                         size_t len, char out[ATTUNE_PSEUDONYM_HEX_LEN + 1]);

#endif
