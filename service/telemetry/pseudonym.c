/*
 * pseudonym.c - loads or creates the pseudonym key and computes keyed
 * HMAC-SHA256 pseudonyms (see pseudonym.h). The key never leaves this file.
 */
#define _POSIX_C_SOURCE 200809L
#include "pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "../log.h"
#include "ev_file.h"
#include "word_hash.h"

struct attune_pseudonym {
	unsigned char key[ATTUNE_PSEUDONYM_KEY_BYTES];
	/* Unique for the life of the process (never reused, unlike the
	 * address): tags this key's entries in the per-thread cache. */
	uint64_t serial;
	/* HMAC-SHA256 (RFC 2104) with the key's inner and outer pads hashed
	 * once: each pseudonym then costs two context copies, not a key setup. */
	EVP_MD_CTX *inner, *outer;
};

#define PSEUDONYM_BLOCK 64 /* SHA-256 block size */

/* Source of attune_pseudonym.serial; starts at 1 so 0 marks an empty slot. */
static _Atomic uint64_t pseudonym_next_serial = 1;

/*
 * Per-thread cache of recent (key, domain, id) -> pseudonym. A responder
 * scores many drafts in one conversation, so the same two ids come back
 * call after call; a hit skips both HMACs (most of the cost of a call's
 * pseudonyms). Exact: a hit needs the same key serial, domain, length and
 * id bytes (memcmp), so the answer is always the HMAC's. Per thread so it
 * needs no lock and p stays read-only. Raw ids stay in this process's
 * memory only (they are in the request already), are never written
 * anywhere, and are wiped from the destroying thread's cache with the key.
 * Direct-mapped by a hash of the id (eight bytes a step); the hash only
 * picks the slot.
 */
#define PSEUDONYM_CACHE_SLOTS  64  /* power of two */
#define PSEUDONYM_CACHE_ID_MAX 128 /* = the wire's id limit; longer ids bypass */

typedef struct pseudonym_cache_slot {
	uint64_t serial; /* owner's serial; 0: empty */
	unsigned char domain;
	unsigned char len;
	char id[PSEUDONYM_CACHE_ID_MAX];
	char hex[ATTUNE_PSEUDONYM_HEX_LEN];
} pseudonym_cache_slot;

static _Thread_local pseudonym_cache_slot pseudonym_cache[PSEUDONYM_CACHE_SLOTS];

static pseudonym_cache_slot *pseudonym_cache_slot_for(attune_pseudonym_domain domain,
                                                      const char *id, size_t len)
{
	uint64_t h = attune_word_hash(ATTUNE_WORD_HASH_SEED ^ (unsigned char)domain, id, len);

	return &pseudonym_cache[(h ^ (h >> 32)) & (PSEUDONYM_CACHE_SLOTS - 1)];
}

static int pseudonym_cache_hit(const pseudonym_cache_slot *c, uint64_t serial,
                               attune_pseudonym_domain domain, const char *id, size_t len)
{
	return c->serial == serial && c->domain == (unsigned char)domain && c->len == len &&
	       memcmp(c->id, id, len) == 0;
}

static void pseudonym_cache_store(pseudonym_cache_slot *c, uint64_t serial,
                                  attune_pseudonym_domain domain, const char *id, size_t len,
                                  const char *hex)
{
	c->serial = serial;
	c->domain = (unsigned char)domain;
	c->len = (unsigned char)len;
	memcpy(c->id, id, len);
	memcpy(c->hex, hex, ATTUNE_PSEUDONYM_HEX_LEN);
}

/* Wipes this thread's entries of key `serial` (other threads' entries can
 * never match again: serials are not reused). */
static void pseudonym_cache_forget(uint64_t serial)
{
	for (size_t i = 0; i < PSEUDONYM_CACHE_SLOTS; i++)
		if (pseudonym_cache[i].serial == serial)
			OPENSSL_cleanse(&pseudonym_cache[i], sizeof(pseudonym_cache[i]));
}

/* Prepares the inner/outer contexts from p->key. Returns 0 or -1. */
static int pseudonym_prepare(attune_pseudonym *p)
{
	unsigned char ipad[PSEUDONYM_BLOCK], opad[PSEUDONYM_BLOCK];
	int ok;

	memset(ipad, 0x36, sizeof(ipad));
	memset(opad, 0x5c, sizeof(opad));
	for (size_t i = 0; i < sizeof(p->key); i++) {
		ipad[i] ^= p->key[i];
		opad[i] ^= p->key[i];
	}
	p->serial = atomic_fetch_add(&pseudonym_next_serial, 1);
	p->inner = EVP_MD_CTX_new();
	p->outer = EVP_MD_CTX_new();
	ok = p->inner && p->outer && EVP_DigestInit_ex(p->inner, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(p->inner, ipad, sizeof(ipad)) == 1 &&
	     EVP_DigestInit_ex(p->outer, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(p->outer, opad, sizeof(opad)) == 1;
	OPENSSL_cleanse(ipad, sizeof(ipad));
	OPENSSL_cleanse(opad, sizeof(opad));
	return ok ? 0 : -1;
}

static attune_ev_status pseudonym_read_key(const char *path, unsigned char *key)
{
	struct stat st;
	attune_ev_status rc = ATTUNE_EV_E_IO;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_unreadable", "path=%s errno=%d", path,
		           errno);
		return ATTUNE_EV_E_IO;
	}
	if (fstat(fd, &st) != 0)
		goto out_close;
	if (!S_ISREG(st.st_mode)) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_refused",
		           "path=%s reason=not_a_regular_file", path);
		rc = ATTUNE_EV_E_PERM;
		goto out_close;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_refused",
		           "path=%s reason=group_or_world_access mode=%04o want=0600", path,
		           (unsigned)(st.st_mode & 07777));
		rc = ATTUNE_EV_E_PERM;
		goto out_close;
	}
	if (st.st_size != ATTUNE_PSEUDONYM_KEY_BYTES) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_refused",
		           "path=%s reason=wrong_size size=%lld want=%d", path,
		           (long long)st.st_size, ATTUNE_PSEUDONYM_KEY_BYTES);
		rc = ATTUNE_EV_E_INVALID;
		goto out_close;
	}
	while (got < ATTUNE_PSEUDONYM_KEY_BYTES) {
		ssize_t n = read(fd, key + got, ATTUNE_PSEUDONYM_KEY_BYTES - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_unreadable", "path=%s errno=%d",
			           path, n < 0 ? errno : 0);
			goto out_close;
		}
		got += (size_t)n;
	}
	rc = ATTUNE_EV_OK;
out_close:
	close(fd);
	return rc;
}

/* Creates path with a fresh random key. Returns ATTUNE_EV_OK, or
 * ATTUNE_EV_E_IO; *exists is set when another process created it first. */
static attune_ev_status pseudonym_create_key(const char *path, const char *dir, unsigned char *key,
                                             int *exists)
{
	int fd;

	*exists = 0;
	if (RAND_bytes(key, ATTUNE_PSEUDONYM_KEY_BYTES) != 1) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_rand_failed", "path=%s", path);
		return ATTUNE_EV_E_IO;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST) {
			*exists = 1;
			return ATTUNE_EV_OK;
		}
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_create_failed", "path=%s errno=%d",
		           path, errno);
		return ATTUNE_EV_E_IO;
	}
	if (attune_ev_write_all(fd, key, ATTUNE_PSEUDONYM_KEY_BYTES) != 0)
		goto out_unlink;
	if (fsync(fd) != 0)
		goto out_unlink;
	close(fd);
	if (attune_ev_fsync_dir(dir) != 0) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_create_failed",
		           "path=%s errno=%d step=fsync_dir", path, errno);
		return ATTUNE_EV_E_IO;
	}
	ATTUNE_LOG(ATTUNE_LOG_INFO, "pseudonym_key_created", "path=%s bytes=%d mode=0600", path,
	           ATTUNE_PSEUDONYM_KEY_BYTES);
	return ATTUNE_EV_OK;
out_unlink:
	ATTUNE_LOG(ATTUNE_LOG_ERROR, "pseudonym_key_create_failed", "path=%s errno=%d step=write",
	           path, errno);
	close(fd);
	unlink(path);
	return ATTUNE_EV_E_IO;
}

attune_ev_status attune_pseudonym_open(const char *key_file, const char *state_dir,
                                       attune_pseudonym **out)
{
	char path[PATH_MAX];
	attune_pseudonym *p;
	attune_ev_status rc;
	int exists = 0;

	if (!out || (!key_file && !state_dir))
		return ATTUNE_EV_E_INVALID;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ATTUNE_EV_E_NOMEM;
	if (key_file) {
		rc = pseudonym_read_key(key_file, p->key);
		if (rc != ATTUNE_EV_OK)
			goto out_free;
	} else {
		if (snprintf(path, sizeof(path), "%s/%s", state_dir, ATTUNE_PSEUDONYM_KEY_NAME) >=
		    (int)sizeof(path)) {
			rc = ATTUNE_EV_E_INVALID;
			goto out_free;
		}
		if (mkdir(state_dir, 0700) != 0 && errno != EEXIST) {
			ATTUNE_LOG(ATTUNE_LOG_ERROR, "state_dir_create_failed", "path=%s errno=%d",
			           state_dir, errno);
			rc = ATTUNE_EV_E_IO;
			goto out_free;
		}
		if (access(path, F_OK) != 0 && errno == ENOENT) {
			rc = pseudonym_create_key(path, state_dir, p->key, &exists);
			if (rc != ATTUNE_EV_OK)
				goto out_free;
		} else {
			exists = 1;
		}
		if (exists) {
			rc = pseudonym_read_key(path, p->key);
			if (rc != ATTUNE_EV_OK)
				goto out_free;
		}
	}
	if (pseudonym_prepare(p) != 0) {
		rc = ATTUNE_EV_E_NOMEM;
		goto out_free;
	}
	*out = p;
	return ATTUNE_EV_OK;
out_free:
	attune_pseudonym_destroy(p);
	return rc;
}

attune_ev_status attune_pseudonym_create_ephemeral(attune_pseudonym **out)
{
	attune_pseudonym *p;

	if (!out)
		return ATTUNE_EV_E_INVALID;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ATTUNE_EV_E_NOMEM;
	if (RAND_bytes(p->key, sizeof(p->key)) != 1) {
		free(p);
		return ATTUNE_EV_E_IO;
	}
	if (pseudonym_prepare(p) != 0) {
		attune_pseudonym_destroy(p);
		return ATTUNE_EV_E_NOMEM;
	}
	*out = p;
	return ATTUNE_EV_OK;
}

void attune_pseudonym_destroy(attune_pseudonym *p)
{
	if (!p)
		return;
	OPENSSL_cleanse(p->key, sizeof(p->key));
	if (p->serial)
		pseudonym_cache_forget(p->serial);
	EVP_MD_CTX_free(p->inner);
	EVP_MD_CTX_free(p->outer);
	free(p);
}

/* The HMAC itself: out gets the hex pseudonym, or "" on a crypto failure. */
static void pseudonym_compute(const attune_pseudonym *p, attune_pseudonym_domain domain,
                              const char *id, size_t len, char out[ATTUNE_PSEUDONYM_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char inner[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	unsigned int inner_len = 0, mac_len = 0;
	unsigned char tag = (unsigned char)domain;
	EVP_MD_CTX *c;
	int ok;

	out[0] = '\0';
	c = EVP_MD_CTX_new();
	if (!c)
		return;
	/* HMAC(key, domain byte || id): the domain byte first so a responder
	 * id and a conversation id with the same bytes get unrelated
	 * pseudonyms. */
	ok = EVP_MD_CTX_copy_ex(c, p->inner) == 1 && EVP_DigestUpdate(c, &tag, 1) == 1 &&
	     EVP_DigestUpdate(c, id, len) == 1 && EVP_DigestFinal_ex(c, inner, &inner_len) == 1 &&
	     EVP_MD_CTX_copy_ex(c, p->outer) == 1 && EVP_DigestUpdate(c, inner, inner_len) == 1 &&
	     EVP_DigestFinal_ex(c, mac, &mac_len) == 1;
	EVP_MD_CTX_free(c);
	if (!ok || mac_len * 2 < ATTUNE_PSEUDONYM_HEX_LEN)
		return;
	for (size_t i = 0; i < ATTUNE_PSEUDONYM_HEX_LEN / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0xf];
	}
	out[ATTUNE_PSEUDONYM_HEX_LEN] = '\0';
}

void attune_pseudonym_of(const attune_pseudonym *p, attune_pseudonym_domain domain, const char *id,
                         size_t len, char out[ATTUNE_PSEUDONYM_HEX_LEN + 1])
{
	pseudonym_cache_slot *c;

	out[0] = '\0';
	if (!p || !id || len == 0)
		return;
	if (len > PSEUDONYM_CACHE_ID_MAX) {
		pseudonym_compute(p, domain, id, len, out);
		return;
	}
	c = pseudonym_cache_slot_for(domain, id, len);
	if (pseudonym_cache_hit(c, p->serial, domain, id, len)) {
		memcpy(out, c->hex, ATTUNE_PSEUDONYM_HEX_LEN);
		out[ATTUNE_PSEUDONYM_HEX_LEN] = '\0';
		return;
	}
	pseudonym_compute(p, domain, id, len, out);
	if (out[0]) /* a failed HMAC is not remembered */
		pseudonym_cache_store(c, p->serial, domain, id, len, out);
}
