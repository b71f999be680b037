/*
 * sec_tls.c - loads and checks PEM files with OpenSSL, then hands them to
 * gRPC's SSL server credentials.
 */
#include "sec_tls.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sec_file.h"

struct attune_tls {
	char *cert_pem;
	size_t cert_len;
	char *key_pem;
	size_t key_len;
	char *ca_pem; /* NULL: no mTLS */
	size_t ca_len;
};

static void set_err(char *err, size_t errlen, const char *path, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, why);
}

/* Reads the first certificate; counts all of them (at least one required). */
static attune_sec_status check_certs(const char *pem, size_t len, const char *path, X509 **first,
                                     char *err, size_t errlen)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	int n = 0;
	X509 *x;

	if (!bio)
		return ATTUNE_SEC_E_NOMEM;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (n == 0 && first)
			*first = x;
		else
			X509_free(x);
		n++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (n == 0) {
		set_err(err, errlen, path, "no PEM certificate found");
		return ATTUNE_SEC_E_PARSE;
	}
	return ATTUNE_SEC_OK;
}

attune_sec_status attune_tls_load(const char *cert_path, const char *key_path,
                                  const char *client_ca_path, attune_tls **out, char *err,
                                  size_t errlen)
{
	attune_sec_status st;
	attune_tls *t;
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;

	*out = NULL;
	if (!cert_path || !key_path) {
		if (err && errlen)
			snprintf(err, errlen, "--tls-cert and --tls-key must be given together");
		return ATTUNE_SEC_E_INVALID;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return ATTUNE_SEC_E_NOMEM;
	st = attune_sec_read_file(cert_path, ATTUNE_PEM_FILE_MAX_BYTES, &t->cert_pem, &t->cert_len,
	                          err, errlen);
	if (st != ATTUNE_SEC_OK)
		goto out_fail;
	st = attune_sec_read_file(key_path, ATTUNE_PEM_FILE_MAX_BYTES, &t->key_pem, &t->key_len,
	                          err, errlen);
	if (st != ATTUNE_SEC_OK)
		goto out_fail;
	if (client_ca_path) {
		st = attune_sec_read_file(client_ca_path, ATTUNE_PEM_FILE_MAX_BYTES, &t->ca_pem,
		                          &t->ca_len, err, errlen);
		if (st != ATTUNE_SEC_OK)
			goto out_fail;
		st = check_certs(t->ca_pem, t->ca_len, client_ca_path, NULL, err, errlen);
		if (st != ATTUNE_SEC_OK)
			goto out_fail;
	}
	st = check_certs(t->cert_pem, t->cert_len, cert_path, &leaf, err, errlen);
	if (st != ATTUNE_SEC_OK)
		goto out_fail;
	bio = BIO_new_mem_buf(t->key_pem, (int)t->key_len);
	if (!bio) {
		st = ATTUNE_SEC_E_NOMEM;
		goto out_fail;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (!key) {
		set_err(err, errlen, key_path, "no PEM private key found (or it is encrypted)");
		st = ATTUNE_SEC_E_PARSE;
		goto out_fail;
	}
	if (X509_check_private_key(leaf, key) != 1) {
		set_err(err, errlen, key_path,
		        "private key does not match the --tls-cert certificate");
		st = ATTUNE_SEC_E_PARSE;
		goto out_fail;
	}
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(leaf);
	BIO_free(bio);
	*out = t;
	return ATTUNE_SEC_OK;
out_fail:
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(leaf);
	BIO_free(bio);
	attune_tls_destroy(t);
	return st;
}

void attune_tls_destroy(attune_tls *t)
{
	if (!t)
		return;
	if (t->key_pem)
		OPENSSL_cleanse(t->key_pem, t->key_len);
	free(t->key_pem);
	free(t->cert_pem);
	free(t->ca_pem);
	free(t);
}

int attune_tls_is_mutual(const attune_tls *t)
{
	return t && t->ca_pem != NULL;
}

grpc_server_credentials *attune_tls_server_credentials(const attune_tls *t)
{
	grpc_ssl_pem_key_cert_pair pair;

	if (!t)
		return NULL;
	pair.private_key = t->key_pem;
	pair.cert_chain = t->cert_pem;
	return grpc_ssl_server_credentials_create_ex(
	    t->ca_pem, &pair, 1,
	    t->ca_pem ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
	              : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
	    NULL);
}
