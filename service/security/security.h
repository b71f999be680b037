/*
 * security.h - attuned's security context: transport credentials (TLS,
 * mTLS), transport limits, per-call authentication/authorization (bearer
 * tokens, mTLS identities, roles) and per-principal rate limits. Built once
 * from attune_sec_options; the token table and client-cert role map are
 * swapped atomically on reload (SIGHUP) while calls keep being authorized
 * against the old or the new table.
 */
#ifndef ATTUNE_SECURITY_H
#define ATTUNE_SECURITY_H

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <stdint.h>

#include "sec_options.h"
#include "sec_status.h"
#include "sec_tokens.h"

typedef struct attune_security attune_security;

/* Reads and checks every configured file (tokens, TLS PEMs, role map) and
 * validates the options. On failure *out is NULL and `err` says which
 * flag/file and why (never file content). `o` is copied; its path strings
 * are borrowed and must outlive the context (reload re-reads them). */
attune_sec_status attune_security_create(const attune_sec_options *o, attune_security **out,
                                         char *err, size_t errlen);

/* Frees; NULL is a no-op. Call after the server is destroyed. */
void attune_security_destroy(attune_security *sec);

/* New server credentials for grpc_server_add_http2_port(addr): SSL (TLS or
 * mTLS) for TCP listeners when configured; insecure otherwise and always for
 * unix sockets (`is_unix`), which are local and protected by file mode (bearer
 * tokens still apply to every call on them). Caller releases. */
grpc_server_credentials *attune_security_server_credentials(const attune_security *sec,
                                                            int is_unix);

/* Appends the transport-limit channel args; see attune_net_limits_to_args. */
size_t attune_security_channel_args(const attune_security *sec, grpc_arg *args, size_t cap);

/* Re-reads --tokens-file and --client-cert-roles. On success the new tables
 * replace the old ones atomically (calls in flight finish with whichever
 * they started with). On failure the old tables stay, `err` says why.
 * Thread-safe. */
attune_sec_status attune_security_reload(attune_security *sec, char *err, size_t errlen);

/* 1 when calls must carry a bearer token or a mapped client certificate. */
int attune_security_auth_required(const attune_security *sec);
int attune_security_tls_enabled(const attune_security *sec);
size_t attune_security_token_count(attune_security *sec);

/* Outcome of attune_security_authorize. */
typedef enum attune_authz_reason {
	ATTUNE_AUTHZ_OK = 0,
	ATTUNE_AUTHZ_MISSING_TOKEN,   /* UNAUTHENTICATED */
	ATTUNE_AUTHZ_INVALID_TOKEN,   /* UNAUTHENTICATED (bad scheme, unknown token) */
	ATTUNE_AUTHZ_WRONG_ROLE,      /* PERMISSION_DENIED */
	ATTUNE_AUTHZ_BAD_CLIENT_CERT, /* UNAUTHENTICATED: no token, cert identity unmapped */
	ATTUNE_AUTHZ_RATE_LIMITED     /* RESOURCE_EXHAUSTED */
} attune_authz_reason;

/* "ok", "missing_token", "invalid_token", "wrong_role", "bad_client_cert",
 * "rate_limited": for logs and metric labels. */
const char *attune_authz_reason_name(attune_authz_reason r);

typedef struct attune_authz {
	attune_authz_reason reason;
	grpc_status_code code;                /* GRPC_STATUS_OK or the status to answer */
	const char *message;                  /* static status message; never request data */
	unsigned roles;                       /* roles of the principal */
	char principal[ATTUNE_PRINCIPAL_MAX]; /* token label, "token:<hash prefix>",
	                                        "cert:<identity>" or the peer address */
} attune_authz;

/* Role an RPC needs: ATTUNE_ROLE_ASSIST for /attune.v1.Assist/...,
 * ATTUNE_ROLE_SUPERVISOR for /attune.v1.Supervision/..., 0 for health
 * (open, not rate limited), and ATTUNE_ROLE_ANY_AUTHENTICATED for any
 * other method (authenticated callers then get UNIMPLEMENTED). */
#define ATTUNE_ROLE_ANY_AUTHENTICATED 0x100u
unsigned attune_security_required_role(const char *method, size_t len);

/* Authorizes one call before dispatch. `method` is the call's path
 * (call_details.method), `md` the request metadata (may be NULL), `call` is
 * used for the mTLS auth context and the peer address, `now_ns` is
 * CLOCK_MONOTONIC for the rate limiter. Fills *out; thread-safe; never
 * blocks on I/O. Without --tokens-file and --client-cert-roles ("open mode")
 * every caller has every role; the rate-limit principal is then the client
 * certificate identity or the peer host. */
void attune_security_authorize(attune_security *sec, grpc_call *call, const char *method,
                               size_t method_len, const grpc_metadata_array *md, uint64_t now_ns,
                               attune_authz *out);

/* The same decision without a grpc_call, for unit tests: `peer` is the peer
 * address ("ipv4:127.0.0.1:1234"), `cert_ids` the verified client
 * certificate identities (CN and SANs), `authorization` the metadata value
 * or NULL, `n_authorization` how many authorization entries the call had. */
void attune_security_authorize_values(attune_security *sec, const char *method, size_t method_len,
                                      const char *authorization, size_t authorization_len,
                                      size_t n_authorization, const char *const *cert_ids,
                                      const size_t *cert_id_lens, size_t n_cert_ids,
                                      const char *peer, uint64_t now_ns, attune_authz *out);

#endif
