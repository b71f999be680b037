/*
 * test_pseudonym.c - pseudonym key handling: generated 0600 on first use,
 * stable across reopen, unsafe or wrong-sized key files refused, domains
 * and ids separated, empty ids stay empty; the per-thread cache of recent
 * pseudonyms is exact (every answer equals the HMAC, across evictions, keys
 * and threads).
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
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

/* Id number i: lengths 1..129 (129 is past the cache's id limit), all
 * distinct, many more than the cache has slots. */
static void cache_test_id(unsigned i, char *id, size_t cap)
{
	size_t len = 1 + (i * 37u) % 129u;
	int w = snprintf(id, cap, "%u-", i);

	if (w < 0 || (size_t)w >= cap || len >= cap)
		exit(2);
	for (size_t k = (size_t)w; k < len; k++)
		id[k] = (char)('a' + (i + k) % 26);
	id[len > (size_t)w ? len : (size_t)w] = '\0';
}

#define CACHE_TEST_IDS 400

/* Three passes over many ids in both domains: every answer (first
 * computation, cache hit, or recomputed after eviction) equals the
 * reference HMAC. Returns the number of mismatches. */
static unsigned cache_mismatches(const attune_pseudonym *p, const unsigned char *raw)
{
	char id[160], got[ATTUNE_PSEUDONYM_HEX_LEN + 1], want[ATTUNE_PSEUDONYM_HEX_LEN + 1];
	unsigned bad = 0;

	for (int pass = 0; pass < 3; pass++)
		for (unsigned i = 0; i < CACHE_TEST_IDS; i++) {
			/* Pass 1 repeats each id at once: a guaranteed hit. */
			unsigned reps = pass == 1 ? 2 : 1;
			cache_test_id(i, id, sizeof(id));
			for (unsigned r = 0; r < reps; r++) {
				attune_pseudonym_domain d = (i + r + (unsigned)pass) % 2
				                                ? ATTUNE_PSEUDONYM_CONVERSATION
				                                : ATTUNE_PSEUDONYM_RESPONDER;
				attune_pseudonym_of(p, d, id, strlen(id), got);
				reference_pseudonym(raw, (unsigned char)d, id, want);
				bad += strcmp(got, want) != 0;
			}
		}
	return bad;
}

typedef struct cache_thread_arg {
	const attune_pseudonym *p;
	const unsigned char *raw;
	unsigned bad;
} cache_thread_arg;

static void *cache_thread(void *arg)
{
	cache_thread_arg *a = arg;

	a->bad = cache_mismatches(a->p, a->raw);
	return NULL;
}

/* The cache never answers with another key's pseudonym: not for a second
 * live key, not for a new key after destroy (which may reuse the address),
 * not on another thread. */
static void check_cache_exact(const char *dir)
{
	char path1[400], path2[400];
	char a[ATTUNE_PSEUDONYM_HEX_LEN + 1], want[ATTUNE_PSEUDONYM_HEX_LEN + 1];
	unsigned char raw1[ATTUNE_PSEUDONYM_KEY_BYTES], raw2[ATTUNE_PSEUDONYM_KEY_BYTES];
	attune_pseudonym *p1 = NULL, *p2 = NULL;
	cache_thread_arg t1, t2;
	pthread_t th1, th2;

	memset(raw1, 1, sizeof(raw1));
	memset(raw2, 2, sizeof(raw2));
	snprintf(path1, sizeof(path1), "%s/cache1.key", dir);
	snprintf(path2, sizeof(path2), "%s/cache2.key", dir);
	write_file(path1, raw1, sizeof(raw1), 0600);
	write_file(path2, raw2, sizeof(raw2), 0600);

	CHECK(attune_pseudonym_open(path1, NULL, &p1) == ATTUNE_EV_OK);
	CHECK_EQ_U(cache_mismatches(p1, raw1), 0);
	/* Two live keys, same ids, interleaved. */
	CHECK(attune_pseudonym_open(path2, NULL, &p2) == ATTUNE_EV_OK);
	for (int r = 0; r < 3; r++) {
		attune_pseudonym_of(p1, ATTUNE_PSEUDONYM_RESPONDER, "same-id", 7, a);
		reference_pseudonym(raw1, ATTUNE_PSEUDONYM_RESPONDER, "same-id", want);
		CHECK(strcmp(a, want) == 0);
		attune_pseudonym_of(p2, ATTUNE_PSEUDONYM_RESPONDER, "same-id", 7, a);
		reference_pseudonym(raw2, ATTUNE_PSEUDONYM_RESPONDER, "same-id", want);
		CHECK(strcmp(a, want) == 0);
	}
	attune_pseudonym_destroy(p2);
	/* Destroy and reopen with the other key (malloc may hand back the same
	 * address): cached answers of the old key must not come back. */
	attune_pseudonym_of(p1, ATTUNE_PSEUDONYM_CONVERSATION, "conv-9", 6, a);
	attune_pseudonym_destroy(p1);
	p1 = NULL;
	CHECK(attune_pseudonym_open(path2, NULL, &p2) == ATTUNE_EV_OK);
	attune_pseudonym_of(p2, ATTUNE_PSEUDONYM_CONVERSATION, "conv-9", 6, a);
	reference_pseudonym(raw2, ATTUNE_PSEUDONYM_CONVERSATION, "conv-9", want);
	CHECK(strcmp(a, want) == 0);
	CHECK_EQ_U(cache_mismatches(p2, raw2), 0);
	/* Two threads at once, each with its own cache, one read-only key. */
	t1 = (cache_thread_arg){p2, raw2, 0};
	t2 = (cache_thread_arg){p2, raw2, 0};
	CHECK(pthread_create(&th1, NULL, cache_thread, &t1) == 0);
	CHECK(pthread_create(&th2, NULL, cache_thread, &t2) == 0);
	pthread_join(th1, NULL);
	pthread_join(th2, NULL);
	CHECK_EQ_U(t1.bad + t2.bad, 0);
	attune_pseudonym_destroy(p2);
	unlink(path1);
	unlink(path2);
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

	check_cache_exact(dir);

	attune_pseudonym_destroy(NULL);
	test_rmdir(dir);
	return test_finish("test_pseudonym");
}
