/*
 * cli_conn.c - the connection flags every attune command shares (--target,
 * --deadline-ms, --tls-*, --token*, --offline), their environment variables
 * and turning them into an attune_client.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_conn_init(cli_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->target = getenv("ATTUNE_TARGET");
	if (c->target == NULL || c->target[0] == '\0')
		c->target = ATTUNE_CLIENT_DEFAULT_TARGET;
	c->token = getenv("ATTUNE_TOKEN");
	if (c->token != NULL && c->token[0] == '\0')
		c->token = NULL;
}

int cli_conn_option(cli_conn *c, cli_args *a, int allow_offline)
{
	const char **slot = NULL;
	const char *v;

	if (strcmp(a->name, "offline") == 0 && allow_offline) {
		if (cli_args_no_value(a) != 0)
			return -1;
		c->offline = 1;
		return 1;
	}
	if (strcmp(a->name, "deadline-ms") == 0) {
		return cli_args_uint(a, 1, 3600000u, &c->deadline_ms);
	}
	if (strcmp(a->name, "target") == 0)
		slot = &c->target;
	else if (strcmp(a->name, "tls-ca") == 0)
		slot = &c->tls_ca;
	else if (strcmp(a->name, "tls-cert") == 0)
		slot = &c->tls_cert;
	else if (strcmp(a->name, "tls-key") == 0)
		slot = &c->tls_key;
	else if (strcmp(a->name, "tls-server-name") == 0)
		slot = &c->tls_server_name;
	else if (strcmp(a->name, "token") == 0)
		slot = &c->token;
	else if (strcmp(a->name, "token-file") == 0)
		slot = &c->token_file;
	else
		return 0;
	v = cli_args_value(a);
	if (v == NULL)
		return -1;
	*slot = v;
	return 1;
}

/* Reads --token-file and strips trailing whitespace/newlines. */
static int read_token_file(const char *cmd, const char *path, char **out)
{
	size_t len;
	if (cli_read_file(cmd, "token-file", path, ATTUNE_CLIENT_MAX_TOKEN_BYTES + 2, out, &len) !=
	    0)
		return -1;
	while (len > 0 && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r' ||
	                   (*out)[len - 1] == ' ' || (*out)[len - 1] == '\t'))
		(*out)[--len] = '\0';
	return 0;
}

int cli_conn_open(const cli_conn *c, const char *cmd, attune_client **out)
{
	attune_client_options opts;
	attune_client_error err;
	attune_client_code rc;
	char *file_token = NULL;

	attune_client_options_init(&opts);
	opts.deadline_ms = c->deadline_ms;
	if (c->offline) {
		rc = attune_client_create_offline(&opts, out, &err);
		goto out_report;
	}
	opts.tls_ca_file = c->tls_ca;
	opts.tls_cert_file = c->tls_cert;
	opts.tls_key_file = c->tls_key;
	opts.tls_server_name = c->tls_server_name;
	opts.bearer_token = c->token;
	if (c->token_file != NULL) {
		if (read_token_file(cmd, c->token_file, &file_token) != 0)
			return CLI_EXIT_USAGE;
		opts.bearer_token = file_token;
	}
	rc = attune_client_create(c->target, &opts, out, &err);
	if (file_token != NULL) {
		memset(file_token, 0, strlen(file_token));
		free(file_token);
	}
out_report:
	if (rc != ATTUNE_CLIENT_OK) {
		cli_print_error(cmd, &err);
		return rc == ATTUNE_CLIENT_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

void cli_conn_help(FILE *out, int with_offline)
{
	fputs("Connection:\n"
	      "  --target ADDR          server (default $ATTUNE_TARGET or 127.0.0.1:50051;\n"
	      "                         also unix:/path)\n"
	      "  --deadline-ms N        per-call deadline (default 10000)\n"
	      "  --tls-ca FILE          use TLS, trusting this CA (PEM)\n"
	      "  --tls-cert FILE        client certificate for mTLS (PEM, with --tls-key)\n"
	      "  --tls-key FILE         client private key for mTLS (PEM)\n"
	      "  --tls-server-name NAME name to check in the server certificate\n"
	      "  --token TOKEN          bearer token (default $ATTUNE_TOKEN)\n"
	      "  --token-file FILE      read the bearer token from FILE\n",
	      out);
	if (with_offline)
		fputs(
		    "  --offline              score in-process with the linked scorer; no server\n",
		    out);
}
