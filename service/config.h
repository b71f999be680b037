/*
 * config.h - attuned's settings: every one from a flag or an ATTUNE_*
 * environment variable (the flag wins), validated once at start-up and
 * read-only afterwards. `attuned --help` documents each with its default.
 */
#ifndef ATTUNED_CONFIG_H
#define ATTUNED_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "log.h"

#define ATTUNED_MAX_LISTEN 16
#define ATTUNED_MAX_TEAMS 64
#define ATTUNED_TEAM_MAX_BYTES 64
#define ATTUNED_CONFIG_ERR_MAX 256

typedef struct attuned_config {
	/* --listen ADDR (repeatable) / ATTUNE_LISTEN (comma list): gRPC listeners. */
	char listen[ATTUNED_MAX_LISTEN][ATTUNED_ADDR_MAX];
	size_t n_listen;
	unsigned workers;           /* --workers; 0 in input = number of cores (resolved) */
	size_t max_message_bytes;   /* --max-message-bytes: max receive AND send size */
	unsigned grace_seconds;     /* --grace-seconds: drain time on SIGTERM */
	attune_log_level log_level; /* --log-level */
	const char *ready_file;     /* --ready-file; NULL = none */
	const char *metrics_listen; /* --metrics-listen; NULL when --no-metrics */
	int metrics_enabled;        /* 0 with --no-metrics */
	const char *state_dir;      /* --state-dir; NULL = none */
	const char *event_log;      /* --event-log; NULL = <state-dir>/events.jsonl or none */
	const char *pseudonym_key_file; /* --pseudonym-key-file */
	uint64_t event_log_max_bytes;   /* --event-log-max-bytes: rotate above this */
	unsigned event_log_keep;        /* --event-log-keep: rotated files kept */
	/* --teams a,b,c: allow-list of team metric labels (others -> "other"). */
	char teams[ATTUNED_MAX_TEAMS][ATTUNED_TEAM_MAX_BYTES + 1];
	size_t n_teams;
	const char *tls_cert;       /* --tls-cert PEM file */
	const char *tls_key;        /* --tls-key PEM file */
	const char *tls_client_ca;  /* --tls-client-ca PEM file: turns on mTLS */
	const char *tokens_file;    /* --tokens-file */
	double rate_limit_rps;      /* --rate-limit: per principal; 0 = off */
	unsigned rate_burst;        /* --rate-burst */
	unsigned max_concurrent_streams; /* --max-concurrent-streams per connection */
	unsigned keepalive_time_s;       /* --keepalive-time */
	unsigned keepalive_timeout_s;    /* --keepalive-timeout */
	int insecure_allow_remote_plaintext; /* --insecure-allow-remote-plaintext */
	/* More security settings (service/security/LIMITS.md has the table). */
	const char *client_cert_roles;        /* --client-cert-roles: mTLS identity -> roles */
	unsigned rate_limit_principals;       /* --rate-limit-principals: LRU-bounded table */
	unsigned min_ping_interval_ms;        /* --min-ping-interval-ms: closer pings = strikes */
	unsigned max_ping_strikes;            /* --max-ping-strikes: then GOAWAY */
	unsigned max_connection_idle_ms;      /* --max-connection-idle-ms; 0 = never */
	unsigned max_connection_age_ms;       /* --max-connection-age-ms; 0 = never */
	unsigned max_connection_age_grace_ms; /* --max-connection-age-grace-ms */
	unsigned max_metadata_bytes;          /* --max-metadata-bytes: request header list */
	unsigned handshake_timeout_ms;        /* --handshake-timeout-ms */
	/* Receive limits enforced by the server itself (call_timeout.c). */
	unsigned request_timeout_ms;     /* --request-timeout-ms: unary request arrival; 0 = never */
	unsigned stream_idle_timeout_ms; /* --stream-idle-timeout-ms: between CoachDraft messages */
} attuned_config;

typedef enum attuned_config_result {
	ATTUNED_CONFIG_OK = 0,   /* cfg is valid: start */
	ATTUNED_CONFIG_EXIT = 1, /* --help or --version was printed: exit 0 */
	ATTUNED_CONFIG_ERROR = 2 /* err holds one line naming the setting: exit 2 */
} attuned_config_result;

/* Fills cfg from defaults, then `envp` (NULL-terminated "NAME=value" array,
 * may be NULL), then argv (flags win), then validates everything. String
 * settings point into argv/envp, which must outlive cfg. Help and version
 * text go to `out`. err (cap bytes) gets the reason on ERROR. */
attuned_config_result attuned_config_parse(attuned_config *cfg, int argc, char **argv,
                                           char **envp, FILE *out, char *err, size_t cap);

/* 1 if gRPC listeners are protected by TLS and tokens (the security
 * engineer's settings); non-loopback TCP listeners require this unless
 * --insecure-allow-remote-plaintext is given. */
int attuned_config_transport_protected(const attuned_config *cfg);

/* Prints --help text to out. */
void attuned_config_usage(FILE *out);

#endif
