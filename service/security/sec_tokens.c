/*
 * sec_tokens.c - parses the tokens file into an immutable table of SHA-256
 * hashes and verifies presented bearer tokens in constant time.
 */
#include "sec_tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sec_file.h"

typedef struct token_entry {
	unsigned char hash[32];
	unsigned roles;
	char principal[ATTUNE_TOKEN_LABEL_MAX + 1];
} token_entry;

struct attune_token_table {
	size_t count;
	token_entry *entries;
	EVP_MD *sha256; /* fetched once: implicit fetches cost ~0.5 us per digest */
};

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hash(const attune_sec_field *f, unsigned char out[32])
{
	if (f->len != 64)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_val(f->p[2 * i]), lo = hex_val(f->p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int label_ok(const attune_sec_field *f)
{
	if (f->len == 0 || f->len > ATTUNE_TOKEN_LABEL_MAX)
		return 0;
	for (size_t i = 0; i < f->len; i++) {
		char c = f->p[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@' ||
		         c == ':';
		if (!ok)
			return 0;
	}
	return 1;
}

static void hash_principal(const unsigned char hash[32], char *out, size_t cap)
{
	static const char hx[] = "0123456789abcdef";
	char buf[6 + 12 + 1] = "token:";
	for (int i = 0; i < 6; i++) {
		buf[6 + 2 * i] = hx[hash[i] >> 4];
		buf[6 + 2 * i + 1] = hx[hash[i] & 15];
	}
	buf[18] = '\0';
	snprintf(out, cap, "%s", buf);
}

attune_sec_status attune_token_table_parse(const char *text, size_t len, attune_token_table **out,
                                           unsigned *err_line, const char **err_reason)
{
	attune_sec_status st = ATTUNE_SEC_OK;
	attune_token_table *t = NULL;
	attune_sec_lines it;
	const char *line;
	size_t line_len, cap = 0;
	unsigned lineno;

	*out = NULL;
	*err_line = 0;
	*err_reason = "ok";
	if (len > ATTUNE_TOKENS_FILE_MAX_BYTES) {
		*err_reason = "file is larger than 1 MiB";
		return ATTUNE_SEC_E_TOO_LARGE;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return ATTUNE_SEC_E_NOMEM;
	t->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!t->sha256) {
		*err_reason = "SHA-256 is not available from OpenSSL";
		free(t);
		return ATTUNE_SEC_E_INVALID;
	}
	attune_sec_lines_init(&it, text, len);
	while (attune_sec_lines_next(&it, &line, &line_len, &lineno)) {
		attune_sec_field f[3];
		size_t nf = attune_sec_split_fields(line, line_len, f, 3);
		token_entry e;

		if (nf == 0)
			continue;
		*err_line = lineno;
		if (memchr(line, '\0', line_len)) {
			*err_reason = "NUL byte in line";
			st = ATTUNE_SEC_E_PARSE;
			goto out_fail;
		}
		if (nf < 2 || nf > 3) {
			*err_reason = "expected '<sha256 hex> <roles> [label]'";
			st = ATTUNE_SEC_E_PARSE;
			goto out_fail;
		}
		memset(&e, 0, sizeof(e));
		if (parse_hash(&f[0], e.hash) != 0) {
			*err_reason = "token hash is not 64 hex digits";
			st = ATTUNE_SEC_E_PARSE;
			goto out_fail;
		}
		if (attune_sec_parse_roles(f[1].p, f[1].len, &e.roles) != ATTUNE_SEC_OK) {
			*err_reason =
			    "unknown role (expected assist, supervisor or assist,supervisor)";
			st = ATTUNE_SEC_E_PARSE;
			goto out_fail;
		}
		if (nf == 3) {
			if (!label_ok(&f[2])) {
				*err_reason = "label must be 1-64 bytes of [A-Za-z0-9._@:-]";
				st = ATTUNE_SEC_E_PARSE;
				goto out_fail;
			}
			memcpy(e.principal, f[2].p, f[2].len);
		} else {
			hash_principal(e.hash, e.principal, sizeof(e.principal));
		}
		for (size_t i = 0; i < t->count; i++) {
			if (memcmp(t->entries[i].hash, e.hash, 32) == 0) {
				*err_reason = "duplicate token hash";
				st = ATTUNE_SEC_E_PARSE;
				goto out_fail;
			}
		}
		if (t->count == ATTUNE_TOKENS_MAX_ENTRIES) {
			*err_reason = "more than 1000 tokens";
			st = ATTUNE_SEC_E_TOO_LARGE;
			goto out_fail;
		}
		if (t->count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			token_entry *ne = realloc(t->entries, ncap * sizeof(*ne));
			if (!ne) {
				st = ATTUNE_SEC_E_NOMEM;
				*err_reason = "out of memory";
				goto out_fail;
			}
			t->entries = ne;
			cap = ncap;
		}
		t->entries[t->count++] = e;
	}
	*err_line = 0;
	*out = t;
	return ATTUNE_SEC_OK;
out_fail:
	attune_token_table_destroy(t);
	return st;
}

/* attune_sec_parse_fn adapter for attune_token_table_parse. */
static attune_sec_status parse_file_text(const char *text, size_t len, void *out, unsigned *line,
                                         const char **reason)
{
	return attune_token_table_parse(text, len, out, line, reason);
}

attune_sec_status attune_token_table_load(const char *path, attune_token_table **out, char *err,
                                          size_t errlen)
{
	*out = NULL;
	return attune_sec_load_file(path, ATTUNE_TOKENS_FILE_MAX_BYTES, 1, parse_file_text, out,
	                            err, errlen);
}

void attune_token_table_destroy(attune_token_table *t)
{
	if (!t)
		return;
	if (t->entries)
		OPENSSL_cleanse(t->entries, t->count * sizeof(*t->entries));
	free(t->entries);
	EVP_MD_free(t->sha256);
	free(t);
}

size_t attune_token_table_count(const attune_token_table *t)
{
	return t ? t->count : 0;
}

static int sha256(const EVP_MD *md, const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;
	return EVP_Digest(data, len, out, &n, md, NULL) == 1 && n == 32 ? 0 : -1;
}

int attune_sec_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hx[] = "0123456789abcdef";
	unsigned char h[32];
	if (sha256(EVP_sha256(), data, len, h) != 0)
		return -1;
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[h[i] >> 4];
		out[2 * i + 1] = hx[h[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

int attune_token_table_verify(const attune_token_table *t, const char *token, size_t len,
                              unsigned *roles, char *principal, size_t principal_cap)
{
	unsigned char h[32];
	unsigned found = 0, acc_roles = 0;
	size_t idx = 0;

	if (!t || !token || len == 0 || len > ATTUNE_BEARER_TOKEN_MAX)
		return 0;
	if (sha256(t->sha256, token, len, h) != 0)
		return 0;
	/* Visit every entry; select with masks so timing does not say which
	 * entry (if any) matched. */
	for (size_t i = 0; i < t->count; i++) {
		unsigned eq = (unsigned)(CRYPTO_memcmp(h, t->entries[i].hash, 32) == 0);
		unsigned m = 0u - eq;
		size_t mz = (size_t)0 - (size_t)eq;
		found |= eq;
		acc_roles |= t->entries[i].roles & m;
		idx = (idx & ~mz) | (i & mz);
	}
	OPENSSL_cleanse(h, sizeof(h));
	if (!found)
		return 0;
	*roles = acc_roles;
	if (principal && principal_cap)
		snprintf(principal, principal_cap, "%s", t->entries[idx].principal);
	return 1;
}
