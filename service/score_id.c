/*
 * score_id.c - random hex score ids (see score_id.h).
 *
 * RAND_bytes costs about 2 us per call here, most of it fixed overhead (the
 * provider dispatch, DRBG locks and a getpid() fork check, a syscall), not
 * the bytes. Each thread therefore draws a block of bytes from OpenSSL's
 * CSPRNG at once and hands out 16 of them per id: the ids are the same
 * CSPRNG output as before, only fetched in bulk. Every byte is used once
 * and wiped when taken. attuned never forks, so no two processes share a
 * block.
 */
#include "score_id.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define ID_BYTES (ATTUNED_SCORE_ID_LEN / 2)
#define POOL_IDS 128 /* ids per RAND_bytes call: 2 KB per worker thread */

typedef struct id_pool {
	unsigned char bytes[POOL_IDS * ID_BYTES];
	size_t next; /* offset of the first unused byte; sizeof(bytes) = empty */
} id_pool;

/* One per thread, so no lock; starts empty. */
static _Thread_local id_pool pool = {.next = sizeof(pool.bytes)};

/* Takes ID_BYTES fresh bytes for this thread; returns -1 if the RNG failed. */
static int take_bytes(unsigned char *raw)
{
	if (pool.next >= sizeof(pool.bytes)) {
		if (RAND_bytes(pool.bytes, (int)sizeof(pool.bytes)) != 1)
			return -1; /* still empty: the next call tries again */
		pool.next = 0;
	}
	memcpy(raw, pool.bytes + pool.next, ID_BYTES);
	OPENSSL_cleanse(pool.bytes + pool.next, ID_BYTES);
	pool.next += ID_BYTES;
	return 0;
}

int attuned_score_id(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[ID_BYTES];

	if (take_bytes(raw) != 0) {
		out[0] = '\0';
		return -1;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[ATTUNED_SCORE_ID_LEN] = '\0';
	return 0;
}
