/*
 * sec_tls.h - TLS / mutual TLS server credentials from PEM files
 * (--tls-cert, --tls-key, --tls-client-ca). Files are read and checked once
 * at start-up: present, readable, PEM, and the key matches the certificate.
 */
#ifndef ATTUNE_SEC_TLS_H
#define ATTUNE_SEC_TLS_H

#include <grpc/grpc_security.h>

#include "sec_status.h"

#define ATTUNE_PEM_FILE_MAX_BYTES (1u << 20) /* 1 MiB per PEM file */

typedef struct attune_tls attune_tls;

/* Loads the server certificate chain and key (both required) and, if
 * `client_ca_path` is non-NULL, the CA bundle that client certificates must
 * chain to (this turns on mTLS: clients without a valid certificate are
 * refused during the handshake). On failure `err` names the file and the
 * problem and *out is NULL. Key material is wiped on destroy. */
attune_sec_status attune_tls_load(const char *cert_path, const char *key_path,
                                  const char *client_ca_path, attune_tls **out, char *err,
                                  size_t errlen);

/* Frees; NULL is a no-op. */
void attune_tls_destroy(attune_tls *t);

/* 1 if client certificates are required and verified. */
int attune_tls_is_mutual(const attune_tls *t);

/* New gRPC SSL server credentials; the caller releases them with
 * grpc_server_credentials_release() after grpc_server_add_http2_port().
 * NULL on failure. */
grpc_server_credentials *attune_tls_server_credentials(const attune_tls *t);

#endif
