/*
 * sec_options.h - the security settings of attuned and their flags /
 * environment variables. The service's config parser (service/config.c)
 * owns the flags; it copies them into this struct. Files are read and ranges
 * checked by attune_security_create().
 */
#ifndef ATTUNE_SEC_OPTIONS_H
#define ATTUNE_SEC_OPTIONS_H

#include <stddef.h>

#include "sec_limits.h"

typedef struct attune_sec_options {
	/* Paths are borrowed (typically argv or getenv strings): they must
	 * outlive the options and the attune_security built from them. */
	const char *tokens_file;       /* --tokens-file */
	const char *tls_cert;          /* --tls-cert */
	const char *tls_key;           /* --tls-key */
	const char *tls_client_ca;     /* --tls-client-ca (turns on mTLS) */
	const char *client_cert_roles; /* --client-cert-roles (needs --tls-client-ca) */
	double rate_limit_rps;         /* --rate-limit, per principal; 0 = off (default) */
	unsigned rate_burst;           /* --rate-burst; 0 = ceil(rate) */
	unsigned rate_principals;      /* --rate-limit-principals; 0 = 4096 */
	attune_net_limits limits;
} attune_sec_options;

/* Defaults: no TLS, no tokens, rate limit off, limits per LIMITS.md. */
void attune_sec_options_defaults(attune_sec_options *o);

#endif
