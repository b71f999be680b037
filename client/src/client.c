/*
 * client.c - libattune client handles: option defaults, reading TLS files
 * with a size cap, building channel credentials and channel args, and
 * create/destroy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include "client_internal.h"

void attune_client_options_init(attune_client_options *opts)
{
	if (opts != NULL)
		memset(opts, 0, sizeof(*opts));
}

void attune_client_score_request_init(attune_client_score_request *req)
{
	if (req != NULL)
		memset(req, 0, sizeof(*req));
}

/* Reads a whole PEM file (at most ATTUNE_CLIENT_MAX_PEM_BYTES) into a
 * NUL-terminated malloc'd buffer. `what` names the option in errors. */
static attune_client_code read_pem(const char *path, const char *what, char **out,
                                   attune_client_error *err)
{
	attune_client_code rc = ATTUNE_CLIENT_OK;
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                           "%s: cannot open file", what);
	buf = malloc(ATTUNE_CLIENT_MAX_PEM_BYTES + 1);
	if (buf == NULL) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "out of memory");
		goto out_close;
	}
	len = fread(buf, 1, ATTUNE_CLIENT_MAX_PEM_BYTES + 1, f);
	if (ferror(f)) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                         "%s: cannot read file", what);
		goto out_free;
	}
	if (len > ATTUNE_CLIENT_MAX_PEM_BYTES) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                         "%s: file is larger than %u bytes", what,
		                         ATTUNE_CLIENT_MAX_PEM_BYTES);
		goto out_free;
	}
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                         "%s: file is empty or not PEM text", what);
		goto out_free;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
out_free:
	free(buf);
out_close:
	fclose(f);
	return rc;
}

/* Builds TLS credentials from the tls_* options. */
static attune_client_code make_tls_creds(const attune_client_options *o,
                                         grpc_channel_credentials **out, attune_client_error *err)
{
	attune_client_code rc = ATTUNE_CLIENT_OK;
	char *ca = NULL, *cert = NULL, *key = NULL;
	grpc_ssl_pem_key_cert_pair pair;

	*out = NULL;
	if ((o->tls_cert_file == NULL) != (o->tls_key_file == NULL))
		return attune_client__fail(
		    err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		    "tls: client certificate and key must be given together");
	if (o->tls_ca_file != NULL) {
		rc = read_pem(o->tls_ca_file, "tls ca", &ca, err);
		if (rc != ATTUNE_CLIENT_OK)
			goto out_free;
	}
	if (o->tls_cert_file != NULL) {
		rc = read_pem(o->tls_cert_file, "tls cert", &cert, err);
		if (rc != ATTUNE_CLIENT_OK)
			goto out_free;
		rc = read_pem(o->tls_key_file, "tls key", &key, err);
		if (rc != ATTUNE_CLIENT_OK)
			goto out_free;
		pair.private_key = key;
		pair.cert_chain = cert;
	}
	*out = grpc_ssl_credentials_create(ca, cert != NULL ? &pair : NULL, NULL, NULL);
	if (*out == NULL)
		rc = attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                         "tls: cannot create credentials");
out_free:
	free(ca);
	free(cert);
	if (key != NULL) {
		memset(key, 0, strlen(key));
		free(key);
	}
	return rc;
}

/* Checks the token is printable ASCII (a header value) and builds
 * "Bearer <token>". */
static attune_client_code make_auth_value(const char *token, char **out, attune_client_error *err)
{
	size_t len = strlen(token), i;
	char *v;

	*out = NULL;
	if (len == 0 || len > ATTUNE_CLIENT_MAX_TOKEN_BYTES)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                           "token: must be 1..%u bytes",
		                           ATTUNE_CLIENT_MAX_TOKEN_BYTES);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)token[i];
		if (ch < 0x21 || ch > 0x7e)
			return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
			                           "token: must be printable ASCII without spaces");
	}
	v = malloc(len + sizeof("Bearer "));
	if (v == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "out of memory");
	memcpy(v, "Bearer ", 7);
	memcpy(v + 7, token, len + 1);
	*out = v;
	return ATTUNE_CLIENT_OK;
}

attune_client_code attune_client_create(const char *target, const attune_client_options *opts,
                                        attune_client **out, attune_client_error *err)
{
	attune_client_options defaults;
	attune_client_code rc;
	attune_client *c = NULL;
	grpc_channel_credentials *creds = NULL;
	grpc_arg args[3];
	grpc_channel_args chargs;
	size_t nargs = 0;
	int use_tls;

	if (out == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT, "out is NULL");
	*out = NULL;
	if (opts == NULL) {
		attune_client_options_init(&defaults);
		opts = &defaults;
	}
	if (target == NULL || target[0] == '\0')
		target = ATTUNE_CLIENT_DEFAULT_TARGET;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "out of memory");
	c->deadline_ms =
	    opts->deadline_ms != 0 ? opts->deadline_ms : ATTUNE_CLIENT_DEFAULT_DEADLINE_MS;
	if (opts->bearer_token != NULL) {
		rc = make_auth_value(opts->bearer_token, &c->auth_value, err);
		if (rc != ATTUNE_CLIENT_OK)
			goto out_free_client;
	}

	grpc_init();
	use_tls = opts->tls_ca_file != NULL || opts->tls_cert_file != NULL ||
	          opts->tls_key_file != NULL || opts->tls_server_name != NULL;
	if (use_tls) {
		rc = make_tls_creds(opts, &creds, err);
		if (rc != ATTUNE_CLIENT_OK)
			goto out_shutdown;
	} else {
		creds = grpc_insecure_credentials_create();
	}

	args[nargs].type = GRPC_ARG_INTEGER;
	args[nargs].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	args[nargs].value.integer = (int)ATTUNE_CLIENT_MAX_RESPONSE_BYTES;
	nargs++;
	args[nargs].type = GRPC_ARG_INTEGER;
	args[nargs].key = (char *)GRPC_ARG_ENABLE_HTTP_PROXY;
	args[nargs].value.integer = opts->enable_http_proxy ? 1 : 0;
	nargs++;
	if (opts->tls_server_name != NULL) {
		args[nargs].type = GRPC_ARG_STRING;
		args[nargs].key = (char *)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
		args[nargs].value.string = (char *)opts->tls_server_name;
		nargs++;
	}
	chargs.num_args = nargs;
	chargs.args = args;

	c->channel = grpc_channel_create(target, creds, &chargs);
	grpc_channel_credentials_release(creds);
	if (c->channel == NULL) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                         "cannot create a channel for the target");
		goto out_shutdown;
	}
	*out = c;
	return attune_client__ok(err);

out_shutdown:
	grpc_shutdown();
out_free_client:
	free(c->auth_value);
	free(c);
	return rc;
}

attune_client_code attune_client_create_offline(const attune_client_options *opts,
                                                attune_client **out, attune_client_error *err)
{
	attune_client *c;
	attune_status st;

	if (out == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT, "out is NULL");
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "out of memory");
	c->deadline_ms = (opts != NULL && opts->deadline_ms != 0)
	                     ? opts->deadline_ms
	                     : ATTUNE_CLIENT_DEFAULT_DEADLINE_MS;
	st = attune_scorer_create(&c->scorer);
	if (st != ATTUNE_OK) {
		free(c);
		return attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "scorer: %s",
		                           attune_strerror(st));
	}
	*out = c;
	return attune_client__ok(err);
}

int attune_client_is_offline(const attune_client *c)
{
	return c != NULL && c->scorer != NULL;
}

void attune_client_destroy(attune_client *c)
{
	if (c == NULL)
		return;
	if (c->scorer != NULL) {
		attune_scorer_destroy(c->scorer);
		free(c);
		return;
	}
	grpc_channel_destroy(c->channel);
	free(c->auth_value);
	free(c);
	grpc_shutdown();
}
