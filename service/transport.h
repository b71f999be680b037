/*
 * transport.h - attuned's glue to the security library (service/security/):
 * builds the security context from the config, gives each gRPC listener its
 * credentials (TLS / mTLS on TCP when --tls-cert/--tls-key are set) and
 * reloads tokens on SIGHUP.
 */
#ifndef ATTUNED_TRANSPORT_H
#define ATTUNED_TRANSPORT_H

#include <stddef.h>

#include <grpc/grpc_security.h>

#include "addr.h"
#include "config.h"
#include "security.h"

/* Reads every security file named in cfg (tokens, PEMs, cert roles) and
 * builds the context; *out is owned by the caller (attune_security_destroy).
 * On failure returns -1 with a reason naming the flag/file in err. */
int attuned_transport_create(const attuned_config *cfg, attune_security **out, char *err,
                             size_t cap);

/* New credentials for listener `a`, released by the caller; NULL with a
 * reason in err on failure. */
grpc_server_credentials *attuned_transport_server_credentials(const attune_security *sec,
                                                              const attuned_addr *a, char *err,
                                                              size_t cap);

/* SIGHUP: re-reads --tokens-file / --client-cert-roles and logs the outcome;
 * on error the old tables stay in force. */
void attuned_transport_reload(attune_security *sec);

#endif
