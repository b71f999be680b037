/*
 * test_pseudonym.c - pseudonym key handling: generated 0600 on first use,
 * stable across reopen, unsafe or wrong-sized key files refused, domains
 * and ids separated, empty ids stay empty.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pseudonym.h"
#include "test_eventlog_check.h"

/* Reference: HMAC-SHA256(key, domain byte || id), first 16 bytes in hex. */
static void reference_pseudonym(const unsigned char *key, unsigned char domain, const char *id,
                                char out[ATTUNE_PSEUDONYM_HEX_LEN + 1])
{
	unsigned char msg[256], mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t len = strlen(id);

	msg[0] = domain;
	memcpy(msg + 1, id, len);
	HMAC(EVP_sha256(), key, ATTUNE_PSEUDONYM_KEY_BYTES, msg, len + 1, mac, &n);
	for (int i = 0; i < ATTUNE_PSEUDONYM_HEX_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		exit(2);
	fchmod(fd, mode);
	close(fd);
}

int main(void)
{
	char dir[256], state[300], key[400], other[400];
	char a[ATTUNE_PSEUDONYM_HEX_LEN + 1], b[ATTUNE_PSEUDONYM_HEX_LEN + 1];
	char c[ATTUNE_PSEUDONYM_HEX_LEN + 1];
	unsigned char raw[ATTUNE_PSEUDONYM_KEY_BYTES];
	attune_pseudonym *p = NULL;
	struct stat st;

	test_mkdtemp(dir, sizeof(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(key, sizeof(key), "%s/state/pseudonym.key", dir);

	/* First start: the state dir and key are created, 0600 / 0700. */
	CHECK(attune_pseudonym_open(NULL, state, &p) == ATTUNE_EV_OK);
	CHECK(stat(key, &st) == 0);
	CHECK_EQ_U(st.st_mode & 0777, 0600);
	CHECK_EQ_U(st.st_size, ATTUNE_PSEUDONYM_KEY_BYTES);
	CHECK(stat(state, &st) == 0 && (st.st_mode & 0777) == 0700);
	attune_pseudonym_of(p, ATTUNE_PSEUDONYM_RESPONDER, "resp-42", 7, a);
	CHECK_EQ_U(strlen(a), ATTUNE_PSEUDONYM_HEX_LEN);
	CHECK(strspn(a, "0123456789abcdef") == ATTUNE_PSEUDONYM_HEX_LEN);
	CHECK(strstr(a, "resp") == NULL);
	/* Domain separation and different ids. */
	attune_pseudonym_of(p, ATTUNE_PSEUDONYM_CONVERSATION, "resp-42", 7, b);
	CHECK(strcmp(a, b) != 0);
	attune_pseudonym_of(p, ATTUNE_PSEUDONYM_RESPONDER, "resp-43", 7, b);
	CHECK(strcmp(a, b) != 0);
	attune_pseudonym_of(p, ATTUNE_PSEUDONYM_RESPONDER, "", 0, c);
	CHECK(c[0] == '\0');
	attune_pseudonym_destroy(p);
	p = NULL;

	/* Restart: same key file, same pseudonym. */
	CHECK(attune_pseudonym_open(NULL, state, &p) == ATTUNE_EV_OK);
	attune_pseudonym_of(p, ATTUNE_PSEUDONYM_RESPONDER, "resp-42", 7, b);
	CHECK(strcmp(a, b) == 0);
	attune_pseudonym_destroy(p);
	p = NULL;

	/* A key file readable by the group is refused. */
	chmod(key, 0640);
	CHECK(attune_pseudonym_open(NULL, state, &p) == ATTUNE_EV_E_PERM);
	CHECK(p == NULL);
	chmod(key, 0604);
	CHECK(attune_pseudonym_open(key, NULL, &p) == ATTUNE_EV_E_PERM);
	chmod(key, 0600);

	/* An explicit key file: wrong size refused, missing refused, a good one
	 * gives pseudonyms that differ from the generated key's. */
	snprintf(other, sizeof(other), "%s/other.key", dir);
	write_file(other, "short", 5, 0600);
	CHECK(attune_pseudonym_open(other, NULL, &p) == ATTUNE_EV_E_INVALID);
	memset(raw, 7, sizeof(raw));
	write_file(other, raw, sizeof(raw), 0600);
	CHECK(attune_pseudonym_open(other, state, &p) == ATTUNE_EV_OK);
	attune_pseudonym_of(p, ATTUNE_PSEUDONYM_RESPONDER, "resp-42", 7, b);
	CHECK(strcmp(a, b) != 0);
	attune_pseudonym_of(p, ATTUNE_PSEUDONYM_RESPONDER, "resp-42", 7, c);
	CHECK(strcmp(b, c) == 0);
	/* It is exactly keyed HMAC-SHA256 (RFC 2104), truncated. */
	reference_pseudonym(raw, ATTUNE_PSEUDONYM_RESPONDER, "resp-42", c);
	CHECK(strcmp(b, c) == 0);
	attune_pseudonym_of(p, ATTUNE_PSEUDONYM_CONVERSATION, "conv-1", 6, b);
	reference_pseudonym(raw, ATTUNE_PSEUDONYM_CONVERSATION, "conv-1", c);
	CHECK(strcmp(b, c) == 0);
	attune_pseudonym_destroy(p);
	p = NULL;
	unlink(other);
	CHECK(attune_pseudonym_open(other, NULL, &p) == ATTUNE_EV_E_IO);

	attune_pseudonym_destroy(NULL);
	test_rmdir(dir);
	return test_finish("test_pseudonym");
}
