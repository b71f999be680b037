/*
 * transport.c - security context, listener credentials and SIGHUP reload
 * for attuned (see transport.h).
 */
#include "transport.h"

#include <stdio.h>

#include "log.h"

int attuned_transport_create(const attuned_config *cfg, attune_security **out, char *err,
                             size_t cap)
{
	attune_sec_options o;
	attune_sec_status st;

	attune_sec_options_defaults(&o);
	o.tokens_file = cfg->tokens_file;
	o.tls_cert = cfg->tls_cert;
	o.tls_key = cfg->tls_key;
	o.tls_client_ca = cfg->tls_client_ca;
	o.client_cert_roles = cfg->client_cert_roles;
	o.rate_limit_rps = cfg->rate_limit_rps;
	o.rate_burst = cfg->rate_burst;
	o.rate_principals = cfg->rate_limit_principals;
	o.limits.max_concurrent_streams = (int)cfg->max_concurrent_streams;
	o.limits.min_ping_interval_ms = (int)cfg->min_ping_interval_ms;
	o.limits.max_ping_strikes = (int)cfg->max_ping_strikes;
	o.limits.max_connection_idle_ms = (int)cfg->max_connection_idle_ms;
	o.limits.max_connection_age_ms = (int)cfg->max_connection_age_ms;
	o.limits.max_connection_age_grace_ms = (int)cfg->max_connection_age_grace_ms;
	o.limits.max_metadata_bytes = (int)cfg->max_metadata_bytes;
	o.limits.handshake_timeout_ms = (int)cfg->handshake_timeout_ms;
	st = attune_security_create(&o, out, err, cap);
	if (st != ATTUNE_SEC_OK)
		return -1;
	ATTUNE_LOG(ATTUNE_LOG_INFO, "security",
	           "tls=%s tokens=%zu auth_required=%d rate_limit=%g rate_burst=%u",
	           !attune_security_tls_enabled(*out) ? "off"
	           : cfg->tls_client_ca               ? "mutual"
	                                              : "on",
	           attune_security_token_count(*out), attune_security_auth_required(*out),
	           cfg->rate_limit_rps, cfg->rate_burst);
	return 0;
}

grpc_server_credentials *attuned_transport_server_credentials(const attune_security *sec,
                                                              const attuned_addr *a, char *err,
                                                              size_t cap)
{
	grpc_server_credentials *c =
	    attune_security_server_credentials(sec, a->kind == ATTUNED_ADDR_UNIX);
	if (!c)
		snprintf(err, cap, "cannot create server credentials");
	return c;
}

void attuned_transport_reload(attune_security *sec)
{
	char err[512];

	if (attune_security_reload(sec, err, sizeof(err)) == ATTUNE_SEC_OK)
		ATTUNE_LOG(ATTUNE_LOG_INFO, "security_reload", "result=ok tokens=%zu",
		           attune_security_token_count(sec));
	else
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "security_reload",
		           "result=kept_old_tables reason=\"%s\"", err);
}
