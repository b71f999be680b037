/*
 * config.c - table-driven parsing of attuned's flags and ATTUNE_*
 * environment variables (flag wins), defaults, --help and validation.
 */
#include "config.h"

#include "attune/scorer.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ATTUNE_VERSION_STRING
#define ATTUNE_VERSION_STRING "1.0.0"
#endif

typedef enum opt_kind {
	OPT_STR,    /* const char * */
	OPT_UINT,   /* unsigned, in [min, max] */
	OPT_SIZE,   /* size_t, in [min, max] */
	OPT_U64,    /* uint64_t, in [min, max] */
	OPT_DOUBLE, /* double, in [min, max] */
	OPT_BOOL,   /* int 0/1; flag without value sets 1 */
	OPT_LEVEL,  /* attune_log_level */
	OPT_LISTEN, /* repeatable address list */
	OPT_TEAMS   /* comma list of team labels */
} opt_kind;

typedef struct opt_def {
	const char *flag; /* without leading "--" */
	const char *env;
	opt_kind kind;
	size_t offset;
	double min, max;
	const char *def; /* default, as text (NULL = unset) */
	const char *help;
} opt_def;

#define OFF(f) offsetof(attuned_config, f)

static const opt_def opts[] = {
	{"listen", "ATTUNE_LISTEN", OPT_LISTEN, OFF(listen), 0, 0, "127.0.0.1:50051",
	 "gRPC listen address, repeatable: host:port (port 0 = ephemeral), [v6]:port or "
	 "unix:/path. Env: comma list"},
	{"workers", "ATTUNE_WORKERS", OPT_UINT, OFF(workers), 0, 256, "0",
	 "completion-queue worker threads; 0 = number of cores"},
	{"max-message-bytes", "ATTUNE_MAX_MESSAGE_BYTES", OPT_SIZE, OFF(max_message_bytes), 1024,
	 64.0 * 1024 * 1024, "4194304",
	 "largest gRPC message received or sent; larger requests get RESOURCE_EXHAUSTED"},
	{"grace-seconds", "ATTUNE_GRACE_SECONDS", OPT_UINT, OFF(grace_seconds), 0, 3600, "10",
	 "on SIGTERM/SIGINT, time in-flight calls get to finish before they are cancelled; a "
	 "second SIGTERM/SIGINT cancels them at once"},
	{"log-level", "ATTUNE_LOG_LEVEL", OPT_LEVEL, OFF(log_level), 0, 0, "info",
	 "debug|info|warn|error|off (logs never contain message text)"},
	{"ready-file", "ATTUNE_READY_FILE", OPT_STR, OFF(ready_file), 0, 0, NULL,
	 "after start-up, atomically write one '<kind> <address>' line per listener here"},
	{"metrics-listen", "ATTUNE_METRICS_LISTEN", OPT_STR, OFF(metrics_listen), 0, 0,
	 "127.0.0.1:9464", "Prometheus /metrics listener host:port (port 0 = ephemeral); loopback only "
	 "unless --insecure-allow-remote-plaintext"},
	{"no-metrics", "ATTUNE_NO_METRICS", OPT_BOOL, OFF(metrics_enabled), 0, 0, "false",
	 "do not serve /metrics"},
	{"state-dir", "ATTUNE_STATE_DIR", OPT_STR, OFF(state_dir), 0, 0, NULL,
	 "directory for the event log and the pseudonym key (unset: no event log)"},
	{"event-log", "ATTUNE_EVENT_LOG", OPT_STR, OFF(event_log), 0, 0, NULL,
	 "event log path (JSON Lines, no text); default <state-dir>/events.jsonl"},
	{"pseudonym-key-file", "ATTUNE_PSEUDONYM_KEY_FILE", OPT_STR, OFF(pseudonym_key_file), 0,
	 0, NULL, "HMAC key for pseudonymizing ids; default <state-dir>/pseudonym.key (created 0600)"},
	{"event-log-max-bytes", "ATTUNE_EVENT_LOG_MAX_BYTES", OPT_U64, OFF(event_log_max_bytes),
	 4096, 1099511627776.0, "67108864", "rotate the event log when it grows past this size"},
	{"event-log-keep", "ATTUNE_EVENT_LOG_KEEP", OPT_UINT, OFF(event_log_keep), 1, 1000, "5",
	 "rotated event log files to keep"},
	{"teams", "ATTUNE_TEAMS", OPT_TEAMS, OFF(teams), 0, 0, NULL,
	 "comma allow-list of team names used as metric labels; others count as 'other'"},
	{"tls-cert", "ATTUNE_TLS_CERT", OPT_STR, OFF(tls_cert), 0, 0, NULL,
	 "server certificate chain (PEM); turns on TLS"},
	{"tls-key", "ATTUNE_TLS_KEY", OPT_STR, OFF(tls_key), 0, 0, NULL,
	 "server private key (PEM)"},
	{"tls-client-ca", "ATTUNE_TLS_CLIENT_CA", OPT_STR, OFF(tls_client_ca), 0, 0, NULL,
	 "CA bundle (PEM) for client certificates; turns on mutual TLS"},
	{"tokens-file", "ATTUNE_TOKENS_FILE", OPT_STR, OFF(tokens_file), 0, 0, NULL,
	 "bearer tokens: '<sha256 hex> <assist|supervisor|assist,supervisor> [label]' per line; "
	 "reloaded on SIGHUP"},
	{"rate-limit", "ATTUNE_RATE_LIMIT", OPT_DOUBLE, OFF(rate_limit_rps), 0, 1e6, "0",
	 "requests per second per principal (token bucket); 0 = unlimited"},
	{"rate-burst", "ATTUNE_RATE_BURST", OPT_UINT, OFF(rate_burst), 1, 1000000, "50",
	 "token bucket size for --rate-limit"},
	{"max-concurrent-streams", "ATTUNE_MAX_CONCURRENT_STREAMS", OPT_UINT,
	 OFF(max_concurrent_streams), 1, 100000, "256", "concurrent calls per connection"},
	{"keepalive-time", "ATTUNE_KEEPALIVE_TIME", OPT_UINT, OFF(keepalive_time_s), 1, 86400,
	 "7200", "seconds between server keepalive pings on idle connections"},
	{"keepalive-timeout", "ATTUNE_KEEPALIVE_TIMEOUT", OPT_UINT, OFF(keepalive_timeout_s), 1,
	 3600, "20", "seconds to wait for a keepalive ping ack before closing"},
	{"insecure-allow-remote-plaintext", "ATTUNE_INSECURE_ALLOW_REMOTE_PLAINTEXT", OPT_BOOL,
	 OFF(insecure_allow_remote_plaintext), 0, 0, "false",
	 "DANGER: allow non-loopback listeners without TLS and tokens"},
	{"client-cert-roles", "ATTUNE_CLIENT_CERT_ROLES", OPT_STR, OFF(client_cert_roles), 0, 0,
	 NULL, "'<CN or SAN> <roles>' per line: verified mTLS identities as principals (needs "
	 "--tls-client-ca); reloaded on SIGHUP"},
	{"rate-limit-principals", "ATTUNE_RATE_LIMIT_PRINCIPALS", OPT_UINT,
	 OFF(rate_limit_principals), 16, 1000000, "4096",
	 "principals the rate limiter tracks (least recently seen evicted)"},
	{"min-ping-interval-ms", "ATTUNE_MIN_PING_INTERVAL_MS", OPT_UINT, OFF(min_ping_interval_ms),
	 0, 86400000, "10000", "client pings without data closer than this count as strikes"},
	{"max-ping-strikes", "ATTUNE_MAX_PING_STRIKES", OPT_UINT, OFF(max_ping_strikes), 0, 1000,
	 "2", "ping strikes before the connection is closed (GOAWAY too_many_pings)"},
	{"max-connection-idle-ms", "ATTUNE_MAX_CONNECTION_IDLE_MS", OPT_UINT,
	 OFF(max_connection_idle_ms), 0, 86400000, "600000",
	 "close connections without calls after this long; 0 = never"},
	{"max-connection-age-ms", "ATTUNE_MAX_CONNECTION_AGE_MS", OPT_UINT,
	 OFF(max_connection_age_ms), 0, 86400000, "0",
	 "close connections older than this (GOAWAY); 0 = never"},
	{"max-connection-age-grace-ms", "ATTUNE_MAX_CONNECTION_AGE_GRACE_MS", OPT_UINT,
	 OFF(max_connection_age_grace_ms), 0, 86400000, "30000",
	 "time calls on an aged connection get to finish"},
	{"max-metadata-bytes", "ATTUNE_MAX_METADATA_BYTES", OPT_UINT, OFF(max_metadata_bytes), 1024,
	 1048576, "16384", "largest request header (metadata) list"},
	{"handshake-timeout-ms", "ATTUNE_HANDSHAKE_TIMEOUT_MS", OPT_UINT, OFF(handshake_timeout_ms),
	 100, 600000, "10000", "deadline for a connection's TLS/HTTP2 handshake"},
	{"request-timeout-ms", "ATTUNE_REQUEST_TIMEOUT_MS", OPT_UINT, OFF(request_timeout_ms), 0,
	 86400000, "30000",
	 "a unary or server-stream call whose request message has not fully arrived this long "
	 "after it started gets DEADLINE_EXCEEDED; 0 = never"},
	{"stream-idle-timeout-ms", "ATTUNE_STREAM_IDLE_TIMEOUT_MS", OPT_UINT,
	 OFF(stream_idle_timeout_ms), 0, 86400000, "600000",
	 "a CoachDraft stream with no complete message from the client for this long gets "
	 "DEADLINE_EXCEEDED; 0 = never"},
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

void attuned_config_usage(FILE *out)
{
	fprintf(out, "usage: attuned [options]\n"
		     "Attune gRPC server. Every option also reads the environment variable shown;\n"
		     "a flag wins over the environment.\n\n");
	for (size_t i = 0; i < N_OPTS; i++) {
		const opt_def *o = &opts[i];
		fprintf(out, "  --%s%s\n      %s\n      env %s; default: %s\n", o->flag,
			o->kind == OPT_BOOL ? "" : " VALUE", o->help, o->env,
			o->def ? o->def : "(unset)");
	}
	fprintf(out, "  --help     this text\n  --version  print the version\n");
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int parse_number(const char *v, double min, double max, double *out, int integral)
{
	char *end;
	double d;

	if (!*v || (integral && (*v == '-' || *v == '+')))
		return -1;
	errno = 0;
	if (integral) {
		unsigned long long u = strtoull(v, &end, 10);
		d = (double)u;
	} else {
		d = strtod(v, &end);
	}
	if (*end || errno || isnan(d) || d < min || d > max)
		return -1;
	*out = d;
	return 0;
}

static int add_listen(attuned_config *cfg, const char *v, size_t len, char *err, size_t cap)
{
	if (cfg->n_listen >= ATTUNED_MAX_LISTEN) {
		snprintf(err, cap, "--listen: at most %d addresses", ATTUNED_MAX_LISTEN);
		return -1;
	}
	if (len == 0 || len >= ATTUNED_ADDR_MAX) {
		snprintf(err, cap, "--listen: address empty or longer than %d bytes",
			 ATTUNED_ADDR_MAX - 1);
		return -1;
	}
	memcpy(cfg->listen[cfg->n_listen], v, len);
	cfg->listen[cfg->n_listen][len] = '\0';
	cfg->n_listen++;
	return 0;
}

static int set_teams(attuned_config *cfg, const char *v, char *err, size_t cap)
{
	cfg->n_teams = 0;
	while (*v) {
		size_t len = strcspn(v, ",");
		if (len == 0 || len > ATTUNED_TEAM_MAX_BYTES) {
			snprintf(err, cap, "--teams: each team is 1..%d bytes",
				 ATTUNED_TEAM_MAX_BYTES);
			return -1;
		}
		for (size_t i = 0; i < len; i++) {
			char c = v[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
				snprintf(err, cap, "--teams: only [A-Za-z0-9._-] allowed");
				return -1;
			}
		}
		if (cfg->n_teams >= ATTUNED_MAX_TEAMS) {
			snprintf(err, cap, "--teams: at most %d teams", ATTUNED_MAX_TEAMS);
			return -1;
		}
		memcpy(cfg->teams[cfg->n_teams], v, len);
		cfg->teams[cfg->n_teams][len] = '\0';
		cfg->n_teams++;
		v += len;
		if (*v == ',')
			v++;
	}
	return 0;
}

/* Applies one value; `from_flag` says whether a list replaces or appends. */
static int apply(attuned_config *cfg, const opt_def *o, const char *v, int *listen_from_flag,
                 int from_flag, char *err, size_t cap)
{
	char *base = (char *)cfg + o->offset;
	double d;

	switch (o->kind) {
	case OPT_STR:
		if (!*v) {
			snprintf(err, cap, "--%s: empty value", o->flag);
			return -1;
		}
		*(const char **)base = v;
		return 0;
	case OPT_UINT:
	case OPT_SIZE:
	case OPT_U64:
		if (parse_number(v, o->min, o->max, &d, 1) != 0) {
			snprintf(err, cap, "--%s: expected an integer in %.0f..%.0f", o->flag,
				 o->min, o->max);
			return -1;
		}
		if (o->kind == OPT_UINT)
			*(unsigned *)base = (unsigned)d;
		else if (o->kind == OPT_SIZE)
			*(size_t *)base = (size_t)d;
		else
			*(uint64_t *)base = (uint64_t)d;
		return 0;
	case OPT_DOUBLE:
		if (parse_number(v, o->min, o->max, &d, 0) != 0) {
			snprintf(err, cap, "--%s: expected a number in %g..%g", o->flag, o->min,
				 o->max);
			return -1;
		}
		*(double *)base = d;
		return 0;
	case OPT_BOOL: {
		int b;
		if (parse_bool(v, &b) != 0) {
			snprintf(err, cap, "--%s: expected true or false", o->flag);
			return -1;
		}
		/* --no-metrics is stored inverted, as metrics_enabled. */
		if (o->offset == OFF(metrics_enabled))
			b = !b;
		*(int *)base = b;
		return 0;
	}
	case OPT_LEVEL:
		if (attune_log_parse_level(v, (attune_log_level *)base) != 0) {
			snprintf(err, cap, "--%s: expected debug|info|warn|error|off", o->flag);
			return -1;
		}
		return 0;
	case OPT_LISTEN:
		if (from_flag) {
			if (!*listen_from_flag)
				cfg->n_listen = 0; /* the first flag replaces env/default */
			*listen_from_flag = 1;
			return add_listen(cfg, v, strlen(v), err, cap);
		}
		cfg->n_listen = 0;
		while (*v) {
			size_t len = strcspn(v, ",");
			if (add_listen(cfg, v, len, err, cap) != 0)
				return -1;
			v += len;
			if (*v == ',')
				v++;
		}
		if (cfg->n_listen == 0) {
			snprintf(err, cap, "--listen: no address given");
			return -1;
		}
		return 0;
	case OPT_TEAMS:
		return set_teams(cfg, v, err, cap);
	}
	return -1;
}

static const char *env_lookup(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

int attuned_config_transport_protected(const attuned_config *cfg)
{
	/* TLS plus an authentication: bearer tokens or required client
	 * certificates (mTLS). */
	return cfg->tls_cert && cfg->tls_key && (cfg->tokens_file || cfg->tls_client_ca);
}

static int validate(attuned_config *cfg, char *err, size_t cap)
{
	attuned_addr a;
	char why[ATTUNED_CONFIG_ERR_MAX];

	for (size_t i = 0; i < cfg->n_listen; i++) {
		if (attuned_addr_parse(cfg->listen[i], &a, why, sizeof(why)) != 0) {
			snprintf(err, cap, "--listen %s: %s", cfg->listen[i], why);
			return -1;
		}
		if (!attuned_addr_is_local(&a) && !attuned_config_transport_protected(cfg) &&
		    !cfg->insecure_allow_remote_plaintext) {
			snprintf(err, cap,
				 "--listen %s: not a loopback address; refusing to serve crisis "
				 "data without --tls-cert/--tls-key and --tokens-file (or "
				 "--tls-client-ca); pass --insecure-allow-remote-plaintext to accept "
				 "the risk",
				 cfg->listen[i]);
			return -1;
		}
	}
	if (cfg->metrics_enabled) {
		if (attuned_addr_parse(cfg->metrics_listen, &a, why, sizeof(why)) != 0 ||
		    a.kind != ATTUNED_ADDR_TCP) {
			snprintf(err, cap, "--metrics-listen: expected host:port");
			return -1;
		}
	} else {
		cfg->metrics_listen = NULL;
	}
	if (!cfg->tls_cert != !cfg->tls_key) {
		snprintf(err, cap, "--tls-cert and --tls-key must be given together");
		return -1;
	}
	if (cfg->tls_client_ca && !cfg->tls_cert) {
		snprintf(err, cap, "--tls-client-ca needs --tls-cert and --tls-key");
		return -1;
	}
	if (cfg->client_cert_roles && !cfg->tls_client_ca) {
		snprintf(err, cap, "--client-cert-roles needs --tls-client-ca (mTLS)");
		return -1;
	}
	if (cfg->keepalive_timeout_s >= cfg->keepalive_time_s) {
		snprintf(err, cap, "--keepalive-timeout must be shorter than --keepalive-time");
		return -1;
	}
	if (cfg->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = n > 0 ? (unsigned)(n > 256 ? 256 : n) : 2;
	}
	return 0;
}

/* Matches "--name" or "--name=value"; sets *inline_value for the latter. */
static const opt_def *match_flag(const char *arg, const char **inline_value)
{
	*inline_value = NULL;
	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	arg += 2;
	for (size_t i = 0; i < N_OPTS; i++) {
		size_t n = strlen(opts[i].flag);
		if (strncmp(arg, opts[i].flag, n) != 0)
			continue;
		if (arg[n] == '\0')
			return &opts[i];
		if (arg[n] == '=') {
			*inline_value = arg + n + 1;
			return &opts[i];
		}
	}
	return NULL;
}

attuned_config_result attuned_config_parse(attuned_config *cfg, int argc, char **argv,
                                           char **envp, FILE *out, char *err, size_t cap)
{
	int listen_from_flag = 0;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].def && apply(cfg, &opts[i], opts[i].def, &listen_from_flag, 0, err,
					 cap) != 0)
			return ATTUNED_CONFIG_ERROR; /* a bug in the table */
	for (size_t i = 0; i < N_OPTS; i++) {
		const char *v = env_lookup(envp, opts[i].env);
		if (v && apply(cfg, &opts[i], v, &listen_from_flag, 0, err, cap) != 0) {
			size_t n = strlen(err);
			snprintf(err + n, cap - n, " (from %s)", opts[i].env);
			return ATTUNED_CONFIG_ERROR;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		const opt_def *o;
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			attuned_config_usage(out);
			return ATTUNED_CONFIG_EXIT;
		}
		if (!strcmp(arg, "--version")) {
			fprintf(out, "attuned %s (%s)\n", ATTUNE_VERSION_STRING,
				ATTUNE_SCORER_VERSION);
			return ATTUNED_CONFIG_EXIT;
		}
		o = match_flag(arg, &v);
		if (!o) {
			snprintf(err, cap, "unknown option '%.64s' (see --help)", arg);
			return ATTUNED_CONFIG_ERROR;
		}
		if (!v) {
			if (o->kind == OPT_BOOL) {
				v = "true";
			} else if (i + 1 < argc) {
				v = argv[++i];
			} else {
				snprintf(err, cap, "--%s: missing value", o->flag);
				return ATTUNED_CONFIG_ERROR;
			}
		}
		if (apply(cfg, o, v, &listen_from_flag, 1, err, cap) != 0)
			return ATTUNED_CONFIG_ERROR;
	}
	return validate(cfg, err, cap) == 0 ? ATTUNED_CONFIG_OK : ATTUNED_CONFIG_ERROR;
}
