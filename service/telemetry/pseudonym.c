/*
 * pseudonym.c - loads or creates the pseudonym key and computes keyed
 * HMAC-SHA256 pseudonyms (see pseudonym.h). The key never leaves this file.
 */
#define _POSIX_C_SOURCE 200809L
#include "pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

struct attune_pseudonym {
	unsigned char key[ATTUNE_PSEUDONYM_KEY_BYTES];
	/* HMAC-SHA256 (RFC 2104) with the key's inner and outer pads hashed
	 * once: each pseudonym then costs two context copies, not a key setup. */
	EVP_MD_CTX *inner, *outer;
};

#define PSEUDONYM_BLOCK 64 /* SHA-256 block size */

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
	EVP_MD_CTX_free(p->inner);
	EVP_MD_CTX_free(p->outer);
	free(p);
}

void attune_pseudonym_of(const attune_pseudonym *p, attune_pseudonym_domain domain, const char *id,
                         size_t len, char out[ATTUNE_PSEUDONYM_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char inner[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	unsigned int inner_len = 0, mac_len = 0;
	unsigned char tag = (unsigned char)domain;
	EVP_MD_CTX *c;
	int ok;

	out[0] = '\0';
	if (!p || !id || len == 0)
		return;
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
