/*
 * attune_harness.h - starts the real attuned binary for C tests: a private
 * temp dir, an ephemeral loopback port and/or a unix socket, a ready file
 * that tells where it listens, signals, bounded waits and sure cleanup.
 *
 * Typical use:
 *   attune_harness *h = NULL;
 *   attune_harness_create(argv[1], &h);             // makes the temp dir
 *   attune_harness_opts o = ATTUNE_HARNESS_OPTS_INIT; // TCP on 127.0.0.1:0
 *   o.listen_unix = 1;
 *   attune_harness_start(h, &o);                    // returns once ready
 *   ... talk to attune_harness_grpc_tcp_target(h) ...
 *   attune_harness_destroy(h);                      // SIGTERM, SIGKILL, rm -r
 *
 * Unless the extra arguments mention --metrics-listen or --no-metrics, the
 * harness adds `--metrics-listen 127.0.0.1:0` so parallel tests never fight
 * over the default metrics port.
 *
 * The child runs in its own process group with its stderr in
 * <tmpdir>/attuned.log. If the test process exits, aborts, crashes or is
 * killed, every attuned it started is killed too (atexit, fatal-signal
 * handlers and PR_SET_PDEATHSIG), so a failing test never leaves one behind.
 * Not thread-safe: drive one harness from one thread.
 */
#ifndef ATTUNE_HARNESS_H
#define ATTUNE_HARNESS_H

#include <stdio.h>
#include <sys/types.h>

typedef enum attune_harness_status {
	ATTUNE_HARNESS_OK = 0,
	ATTUNE_HARNESS_E_ARG = 1,     /* NULL or inconsistent argument */
	ATTUNE_HARNESS_E_SYS = 2,     /* a system call failed (errno kept) */
	ATTUNE_HARNESS_E_EXITED = 3,  /* the child exited before it was ready */
	ATTUNE_HARNESS_E_TIMEOUT = 4, /* not ready / not exited within the timeout */
	ATTUNE_HARNESS_E_PARSE = 5,   /* the ready file has a line we do not understand */
	ATTUNE_HARNESS_E_STATE = 6    /* already running / not running */
} attune_harness_status;

/* Static text for a status; never NULL. */
const char *attune_harness_strerror(attune_harness_status st);

typedef struct attune_harness attune_harness;

typedef struct attune_harness_opts {
	int listen_tcp;  /* add `--listen 127.0.0.1:0` (default 1) */
	int listen_unix; /* add `--listen unix:<tmpdir>/attuned.sock` (default 0) */
	/* Extra arguments after ours, NULL-terminated; may be NULL. The text
	 * "{tmp}" anywhere in an argument is replaced by the temp dir path, so
	 * a test can say "--state-dir={tmp}/state". Copied; not kept. */
	const char *const *extra_args;
	/* Extra environment entries "NAME=value" on top of the test's own
	 * environment, NULL-terminated; may be NULL. "{tmp}" is replaced too. */
	const char *const *extra_env;
	int expect_metrics;   /* also wait for a `metrics` line in the ready file */
	int ready_timeout_ms; /* 0 means 15000 (sanitizer builds start slowly) */
} attune_harness_opts;

#define ATTUNE_HARNESS_OPTS_INIT {1, 0, NULL, NULL, 0, 0}

/* Makes the temp dir ($TMPDIR or /tmp, "attune-test-XXXXXX") for a server
 * run from `binary` (copied). Nothing is started yet: the test may put files
 * (tokens, certificates) in attune_harness_tmpdir() first.
 * On success *out owns the harness; free it with attune_harness_destroy().
 * On failure *out is NULL. */
attune_harness_status attune_harness_create(const char *binary, attune_harness **out);

/* Starts attuned with `--ready-file <tmpdir>/ready`, the listeners `opts`
 * asks for (opts may be NULL for the defaults) and the extra arguments, then
 * polls (bounded) until the ready file lists every listener. Fails fast with
 * ATTUNE_HARNESS_E_EXITED if the child exits first. On any failure the child
 * is killed and the harness can be started again. May be called again after
 * the previous run exited (e.g. a restart on the same state dir). */
attune_harness_status attune_harness_start(attune_harness *h, const attune_harness_opts *opts);

/* Convenience: create + start. On failure prints the child's log to stderr,
 * destroys everything and returns NULL-out with the status. */
attune_harness_status attune_harness_spawn(const char *binary, const attune_harness_opts *opts,
					   attune_harness **out);

/* Where the running server listens, from its ready file. Strings are owned by
 * the harness and valid until the next start or destroy; NULL/0 if absent. */
const char *attune_harness_grpc_tcp_target(const attune_harness *h);  /* "127.0.0.1:PORT" */
const char *attune_harness_grpc_unix_target(const attune_harness *h); /* "unix:/path" */
int attune_harness_grpc_port(const attune_harness *h);
const char *attune_harness_metrics_addr(const attune_harness *h); /* "127.0.0.1:PORT" */
int attune_harness_metrics_port(const attune_harness *h);

const char *attune_harness_tmpdir(const attune_harness *h);   /* never NULL */
const char *attune_harness_log_path(const attune_harness *h); /* <tmpdir>/attuned.log */
pid_t attune_harness_pid(const attune_harness *h);            /* 0 when not running */

/* Sends `sig` to the server process. E_STATE if it is not running. */
attune_harness_status attune_harness_signal(attune_harness *h, int sig);

/* Waits up to timeout_ms for the server to exit and stores its wait status
 * (use WIFEXITED/WEXITSTATUS) in *wstatus (may be NULL). E_TIMEOUT leaves it
 * running; E_STATE if it was not started. Polls, bounded. */
attune_harness_status attune_harness_wait_exit(attune_harness *h, int timeout_ms, int *wstatus);

/* Like wait_exit but returns at once: OK and *wstatus if it has exited,
 * E_TIMEOUT if it is still running. */
attune_harness_status attune_harness_poll_exit(attune_harness *h, int *wstatus);

/* SIGTERM, wait up to term_timeout_ms, then SIGKILL the whole process group.
 * *wstatus (may be NULL) gets the wait status. OK also if already exited. */
attune_harness_status attune_harness_stop(attune_harness *h, int term_timeout_ms, int *wstatus);

/* Copies the server's log (its stderr) to `out`, each line prefixed with
 * "attuned| ". For failure diagnostics. */
void attune_harness_dump_log(const attune_harness *h, FILE *out);

/* Reads the whole log into a NUL-terminated malloc'd string (caller frees),
 * at most 16 MiB. NULL on error. Tests use it to check what was logged. */
char *attune_harness_read_log(const attune_harness *h);

/* Stops the server if it runs (SIGTERM, 5 s, SIGKILL), removes the temp dir
 * and frees everything. NULL is a no-op. */
void attune_harness_destroy(attune_harness *h);

#endif
