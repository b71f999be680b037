/*
 * security.c - the security context: builds credentials and limits from the
 * options, authorizes calls (tokens, mTLS identities, roles, rate limits)
 * and swaps the token/role tables on reload with reference counting.
 */
#define _POSIX_C_SOURCE 200809L
#include "security.h"

#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sec_certroles.h"
#include "sec_ratelimit.h"
#include "sec_tls.h"

#define MAX_CERT_IDS 16

/* One generation of the reloadable tables; freed when the last call that
 * uses it is done. */
typedef struct sec_tables {
	attune_token_table *tokens;  /* NULL: no tokens file */
	attune_certroles *certroles; /* NULL: no role map */
	atomic_uint refs;
} sec_tables;

struct attune_security {
	attune_sec_options opts;
	attune_tls *tls;
	attune_ratelimit *rl;
	pthread_mutex_t mu; /* guards `cur` (the pointer, not the tables) */
	sec_tables *cur;
	pthread_mutex_t reload_mu; /* one reload at a time */
};

static void tables_release(sec_tables *t)
{
	if (t && atomic_fetch_sub(&t->refs, 1) == 1) {
		attune_token_table_destroy(t->tokens);
		attune_certroles_destroy(t->certroles);
		free(t);
	}
}

static sec_tables *tables_acquire(attune_security *sec)
{
	sec_tables *t;
	pthread_mutex_lock(&sec->mu);
	t = sec->cur;
	atomic_fetch_add(&t->refs, 1);
	pthread_mutex_unlock(&sec->mu);
	return t;
}

static attune_sec_status tables_load(const attune_sec_options *o, sec_tables **out, char *err,
                                     size_t errlen)
{
	attune_sec_status st = ATTUNE_SEC_OK;
	sec_tables *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return ATTUNE_SEC_E_NOMEM;
	atomic_init(&t->refs, 1);
	if (o->tokens_file) {
		st = attune_token_table_load(o->tokens_file, &t->tokens, err, errlen);
		if (st != ATTUNE_SEC_OK)
			goto out_fail;
	}
	if (o->client_cert_roles) {
		st = attune_certroles_load(o->client_cert_roles, &t->certroles, err, errlen);
		if (st != ATTUNE_SEC_OK)
			goto out_fail;
	}
	*out = t;
	return ATTUNE_SEC_OK;
out_fail:
	tables_release(t);
	return st;
}

attune_sec_status attune_security_create(const attune_sec_options *o, attune_security **out,
                                         char *err, size_t errlen)
{
	attune_sec_status st;
	attune_security *sec;

	*out = NULL;
	if (attune_net_limits_validate(&o->limits, err, errlen) != 0)
		return ATTUNE_SEC_E_INVALID;
	if ((o->tls_cert != NULL) != (o->tls_key != NULL)) {
		snprintf(err, errlen, "--tls-cert and --tls-key must be given together");
		return ATTUNE_SEC_E_INVALID;
	}
	if (o->tls_client_ca && !o->tls_cert) {
		snprintf(err, errlen, "--tls-client-ca needs --tls-cert and --tls-key");
		return ATTUNE_SEC_E_INVALID;
	}
	if (o->client_cert_roles && !o->tls_client_ca) {
		snprintf(err, errlen, "--client-cert-roles needs --tls-client-ca (mTLS)");
		return ATTUNE_SEC_E_INVALID;
	}
	sec = calloc(1, sizeof(*sec));
	if (!sec)
		return ATTUNE_SEC_E_NOMEM;
	sec->opts = *o;
	pthread_mutex_init(&sec->mu, NULL);
	pthread_mutex_init(&sec->reload_mu, NULL);
	if (o->tls_cert) {
		st = attune_tls_load(o->tls_cert, o->tls_key, o->tls_client_ca, &sec->tls, err,
		                     errlen);
		if (st != ATTUNE_SEC_OK)
			goto out_fail;
	}
	st = tables_load(o, &sec->cur, err, errlen);
	if (st != ATTUNE_SEC_OK)
		goto out_fail;
	st =
	    attune_ratelimit_create(o->rate_limit_rps, o->rate_burst, o->rate_principals, &sec->rl);
	if (st != ATTUNE_SEC_OK) {
		snprintf(err, errlen, "--rate-limit/--rate-burst: %s", attune_sec_strerror(st));
		goto out_fail;
	}
	*out = sec;
	return ATTUNE_SEC_OK;
out_fail:
	attune_security_destroy(sec);
	return st;
}

void attune_security_destroy(attune_security *sec)
{
	if (!sec)
		return;
	tables_release(sec->cur);
	attune_ratelimit_destroy(sec->rl);
	attune_tls_destroy(sec->tls);
	pthread_mutex_destroy(&sec->mu);
	pthread_mutex_destroy(&sec->reload_mu);
	free(sec);
}

grpc_server_credentials *attune_security_server_credentials(const attune_security *sec, int is_unix)
{
	if (sec && sec->tls && !is_unix)
		return attune_tls_server_credentials(sec->tls);
	return grpc_insecure_server_credentials_create();
}

size_t attune_security_channel_args(const attune_security *sec, grpc_arg *args, size_t cap)
{
	return attune_net_limits_to_args(&sec->opts.limits, args, cap);
}

attune_sec_status attune_security_reload(attune_security *sec, char *err, size_t errlen)
{
	sec_tables *nt = NULL, *old;
	attune_sec_status st;

	pthread_mutex_lock(&sec->reload_mu);
	st = tables_load(&sec->opts, &nt, err, errlen);
	if (st == ATTUNE_SEC_OK) {
		pthread_mutex_lock(&sec->mu);
		old = sec->cur;
		sec->cur = nt;
		pthread_mutex_unlock(&sec->mu);
		tables_release(old);
	}
	pthread_mutex_unlock(&sec->reload_mu);
	return st;
}

int attune_security_auth_required(const attune_security *sec)
{
	return sec->opts.tokens_file != NULL || sec->opts.client_cert_roles != NULL;
}

int attune_security_tls_enabled(const attune_security *sec)
{
	return sec->tls != NULL;
}

size_t attune_security_token_count(attune_security *sec)
{
	sec_tables *t = tables_acquire(sec);
	size_t n = attune_token_table_count(t->tokens);
	tables_release(t);
	return n;
}

static int has_prefix(const char *s, size_t n, const char *p)
{
	size_t pn = strlen(p);
	return n > pn && memcmp(s, p, pn) == 0;
}

unsigned attune_security_required_role(const char *method, size_t len)
{
	if (!method)
		return ATTUNE_ROLE_ANY_AUTHENTICATED;
	if (has_prefix(method, len, "/grpc.health.v1.Health/"))
		return 0;
	if (has_prefix(method, len, "/attune.v1.Assist/"))
		return ATTUNE_ROLE_ASSIST;
	if (has_prefix(method, len, "/attune.v1.Supervision/"))
		return ATTUNE_ROLE_SUPERVISOR;
	return ATTUNE_ROLE_ANY_AUTHENTICATED;
}

const char *attune_authz_reason_name(attune_authz_reason r)
{
	switch (r) {
	case ATTUNE_AUTHZ_OK:
		return "ok";
	case ATTUNE_AUTHZ_MISSING_TOKEN:
		return "missing_token";
	case ATTUNE_AUTHZ_INVALID_TOKEN:
		return "invalid_token";
	case ATTUNE_AUTHZ_WRONG_ROLE:
		return "wrong_role";
	case ATTUNE_AUTHZ_BAD_CLIENT_CERT:
		return "bad_client_cert";
	case ATTUNE_AUTHZ_RATE_LIMITED:
		return "rate_limited";
	}
	return "unknown";
}

static void deny(attune_authz *out, attune_authz_reason r, grpc_status_code c, const char *msg)
{
	out->reason = r;
	out->code = c;
	out->message = msg;
}

/* Extracts the token from "Bearer <token>"; 0 if the form is wrong. */
static int bearer_token(const char *v, size_t n, const char **tok, size_t *tok_len)
{
	size_t i = 6;
	if (n < 8 || strncasecmp(v, "bearer", 6) != 0 || v[6] != ' ')
		return 0;
	while (i < n && v[i] == ' ')
		i++;
	while (n > i && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (i == n)
		return 0;
	for (size_t j = i; j < n; j++)
		if ((unsigned char)v[j] <= 0x20 || (unsigned char)v[j] >= 0x7f)
			return 0;
	*tok = v + i;
	*tok_len = n - i;
	return 1;
}

/* "cert:" + the identity, truncated to fit, with bytes outside printable
 * ASCII (and spaces, quotes) replaced by '_' so a log line stays parseable. */
static void cert_principal(const char *id, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	memcpy(out, "cert:", 5);
	for (; n < len && 5 + n + 1 < cap; n++) {
		unsigned char c = (unsigned char)id[n];
		out[5 + n] = (c > 0x20 && c < 0x7f && c != '"') ? (char)c : '_';
	}
	out[5 + n] = '\0';
}

static void peer_principal(const char *peer, char *out, size_t cap)
{
	const char *colon;
	size_t n;
	if (!peer || !*peer) {
		snprintf(out, cap, "peer:unknown");
		return;
	}
	n = strlen(peer);
	colon = strrchr(peer, ':');
	/* Drop the port so all connections of one host share a bucket. */
	if ((strncmp(peer, "ipv4:", 5) == 0 || strncmp(peer, "ipv6:", 5) == 0) && colon &&
	    colon > peer + 5)
		n = (size_t)(colon - peer);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, peer, n);
	out[n] = '\0';
}

void attune_security_authorize_values(attune_security *sec, const char *method, size_t method_len,
                                      const char *authorization, size_t authorization_len,
                                      size_t n_authorization, const char *const *cert_ids,
                                      const size_t *cert_id_lens, size_t n_cert_ids,
                                      const char *peer, uint64_t now_ns, attune_authz *out)
{
	unsigned need = attune_security_required_role(method, method_len);
	sec_tables *t;
	unsigned roles = 0;
	int authenticated = 0;

	memset(out, 0, sizeof(*out));
	out->code = GRPC_STATUS_OK;
	out->message = "";
	if (need == 0) { /* health: open */
		snprintf(out->principal, sizeof(out->principal), "anonymous");
		return;
	}
	if (!attune_security_auth_required(sec)) {
		/* Open mode: authorization metadata is ignored; the principal for
		 * rate limits is the client certificate (mTLS) or the peer host. */
		if (n_cert_ids > 0) {
			cert_principal(cert_ids[0], cert_id_lens[0], out->principal,
			               sizeof(out->principal));
		} else {
			peer_principal(peer, out->principal, sizeof(out->principal));
		}
		out->roles = ATTUNE_ROLE_ASSIST | ATTUNE_ROLE_SUPERVISOR;
		if (!attune_ratelimit_allow(sec->rl, out->principal, now_ns))
			deny(out, ATTUNE_AUTHZ_RATE_LIMITED, GRPC_STATUS_RESOURCE_EXHAUSTED,
			     "rate limit exceeded");
		return;
	}
	t = tables_acquire(sec);
	if (n_authorization > 1) {
		deny(out, ATTUNE_AUTHZ_INVALID_TOKEN, GRPC_STATUS_UNAUTHENTICATED,
		     "more than one authorization metadata entry");
		goto out_release;
	}
	if (n_authorization == 1 && t->tokens) {
		const char *tok;
		size_t tok_len;
		if (!bearer_token(authorization, authorization_len, &tok, &tok_len) ||
		    !attune_token_table_verify(t->tokens, tok, tok_len, &roles, out->principal,
		                               sizeof(out->principal))) {
			deny(out, ATTUNE_AUTHZ_INVALID_TOKEN, GRPC_STATUS_UNAUTHENTICATED,
			     "invalid bearer token");
			goto out_release;
		}
		authenticated = 1;
	}
	for (size_t i = 0; i < n_cert_ids; i++) {
		unsigned r = attune_certroles_lookup(t->certroles, cert_ids[i], cert_id_lens[i]);
		if (!authenticated && r) {
			/* The first mapped identity names the principal. */
			cert_principal(cert_ids[i], cert_id_lens[i], out->principal,
			               sizeof(out->principal));
			authenticated = 1;
		}
		roles |= r;
	}
	if (!authenticated) {
		if (t->certroles && !t->tokens)
			deny(out, ATTUNE_AUTHZ_BAD_CLIENT_CERT, GRPC_STATUS_UNAUTHENTICATED,
			     "client certificate is not authorized");
		else if (t->certroles && n_cert_ids > 0)
			deny(out, ATTUNE_AUTHZ_BAD_CLIENT_CERT, GRPC_STATUS_UNAUTHENTICATED,
			     "missing bearer token and client certificate is not authorized");
		else
			deny(out, ATTUNE_AUTHZ_MISSING_TOKEN, GRPC_STATUS_UNAUTHENTICATED,
			     "missing bearer token");
		goto out_release;
	}
	if (need != ATTUNE_ROLE_ANY_AUTHENTICATED && !(roles & need)) {
		deny(out, ATTUNE_AUTHZ_WRONG_ROLE, GRPC_STATUS_PERMISSION_DENIED,
		     need == ATTUNE_ROLE_ASSIST ? "role 'assist' required"
		                                : "role 'supervisor' required");
		goto out_release;
	}
	out->roles = roles;
	if (!attune_ratelimit_allow(sec->rl, out->principal, now_ns))
		deny(out, ATTUNE_AUTHZ_RATE_LIMITED, GRPC_STATUS_RESOURCE_EXHAUSTED,
		     "rate limit exceeded");
out_release:
	tables_release(t);
}

static int slice_eq(grpc_slice s, const char *lit)
{
	size_t n = strlen(lit);
	return GRPC_SLICE_LENGTH(s) == n && memcmp(GRPC_SLICE_START_PTR(s), lit, n) == 0;
}

void attune_security_authorize(attune_security *sec, grpc_call *call, const char *method,
                               size_t method_len, const grpc_metadata_array *md, uint64_t now_ns,
                               attune_authz *out)
{
	const char *authz = NULL;
	size_t authz_len = 0, n_authz = 0, n_ids = 0;
	const char *ids[MAX_CERT_IDS];
	size_t id_lens[MAX_CERT_IDS];
	grpc_auth_context *ctx = NULL;
	char *peer = NULL;

	if (attune_security_required_role(method, method_len) == 0) {
		attune_security_authorize_values(sec, method, method_len, NULL, 0, 0, NULL, NULL, 0,
		                                 NULL, now_ns, out);
		return;
	}
	for (size_t i = 0; md && i < md->count; i++) {
		if (slice_eq(md->metadata[i].key, "authorization")) {
			authz = (const char *)GRPC_SLICE_START_PTR(md->metadata[i].value);
			authz_len = GRPC_SLICE_LENGTH(md->metadata[i].value);
			n_authz++;
		}
	}
	if (sec->tls && attune_tls_is_mutual(sec->tls) && call) {
		static const char *const names[] = {GRPC_X509_CN_PROPERTY_NAME,
		                                    GRPC_X509_SAN_PROPERTY_NAME};
		ctx = grpc_call_auth_context(call);
		for (size_t k = 0; ctx && k < 2; k++) {
			grpc_auth_property_iterator it =
			    grpc_auth_context_find_properties_by_name(ctx, names[k]);
			const grpc_auth_property *p;
			while ((p = grpc_auth_property_iterator_next(&it)) != NULL &&
			       n_ids < MAX_CERT_IDS) {
				if (!p->value || p->value_length == 0 ||
				    p->value_length > ATTUNE_CERT_IDENTITY_MAX)
					continue;
				ids[n_ids] = p->value;
				id_lens[n_ids] = p->value_length;
				n_ids++;
			}
		}
	}
	if (!attune_security_auth_required(sec) && n_ids == 0 && call)
		peer = grpc_call_get_peer(call);
	attune_security_authorize_values(sec, method, method_len, authz, authz_len, n_authz, ids,
	                                 id_lens, n_ids, peer, now_ns, out);
	if (peer)
		gpr_free(peer);
	if (ctx)
		grpc_auth_context_release(ctx);
}
