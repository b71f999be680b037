/*
 * main.c - attuned's entry point: config, signals blocked before grpc_init,
 * scorer, server, ready file, then sigwait until SIGTERM/SIGINT and a
 * graceful drain; a second SIGTERM/SIGINT during the drain cancels the
 * calls still running instead of waiting out the grace. Exit 0 after a
 * drain (graceful or forced), 1 on start-up failure, 2 on bad configuration.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <grpc/grpc.h>

#include "attune/scorer.h"
#include "config.h"
#include "log.h"
#include "metrics_http.h"
#include "ready.h"
#include "server.h"
#include "transport.h"

/* service/CMakeLists.txt defines ATTUNED_TCMALLOC when attuned is linked
 * with tcmalloc (README "Libraries"). */
#ifdef ATTUNED_TCMALLOC
#include <stdlib.h>

#include <gperftools/malloc_extension_c.h>
#define ATTUNED_MALLOC_NAME "tcmalloc"

/* tcmalloc lets its per-thread caches hold up to 32 MB in all; gRPC's
 * threads then kept RSS at 52 MB under load against 24 MB with glibc. 4 MB
 * cost no measurable CPU per call (bench/cpu_per_call.sh) and keeps RSS at
 * 32 MB over a million ScoreDraft calls. tcmalloc's own environment
 * variable still wins when it is set. */
#define ATTUNED_THREAD_CACHE_BYTES (4u << 20)
static void tune_malloc(void)
{
	if (!getenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES"))
		MallocExtension_SetNumericProperty("tcmalloc.max_total_thread_cache_bytes",
		                                   ATTUNED_THREAD_CACHE_BYTES);
}
#else
#define ATTUNED_MALLOC_NAME "libc"
static void tune_malloc(void)
{
}
#endif

extern char **environ;

/* Serves GET /metrics on --metrics-listen (nothing with --no-metrics) and
 * adds it to the ready-file listeners. A non-loopback address needs
 * --insecure-allow-remote-plaintext: /metrics has no TLS and no auth. */
static int start_metrics(const attuned_config *cfg, attuned_server *server,
                         attuned_listener_list *listeners, attune_metrics_http **out, char *err,
                         size_t cap)
{
	attune_metrics_http_config hc = {cfg->metrics_listen, cfg->insecure_allow_remote_plaintext,
					 0};
	attune_metrics_status st;
	int e = 0;

	*out = NULL;
	if (!cfg->metrics_enabled || !attuned_server_metrics(server))
		return 0;
	st = attune_metrics_http_start(attuned_server_metrics(server), &hc, out, &e);
	if (st == ATTUNE_METRICS_E_REMOTE) {
		snprintf(err, cap,
			 "--metrics-listen %s: not a loopback address; /metrics has no TLS or "
			 "auth (pass --insecure-allow-remote-plaintext to expose it anyway)",
			 cfg->metrics_listen);
		return -1;
	}
	if (st != ATTUNE_METRICS_OK) {
		snprintf(err, cap, "--metrics-listen %s: %s%s%s", cfg->metrics_listen,
			 attune_metrics_strerror(st), e ? ": " : "", e ? strerror(e) : "");
		return -1;
	}
	ATTUNE_LOG(ATTUNE_LOG_INFO, "listening", "addr=%s kind=metrics",
		   attune_metrics_http_address(*out));
	if (attuned_listener_add(listeners, "metrics", attune_metrics_http_address(*out)) != 0) {
		snprintf(err, cap, "too many listeners for the ready file");
		return -1;
	}
	return 0;
}

/* SIGHUP: reloads --tokens-file/--client-cert-roles without dropping calls. */
static void reload_on_sighup(attuned_server *server)
{
	ATTUNE_LOG(ATTUNE_LOG_INFO, "sighup", "action=reload");
	attuned_transport_reload(attuned_server_security(server));
}

/* Waits for SIGTERM/SIGINT; SIGHUP reloads (reload_on_sighup). */
static int wait_for_stop(const sigset_t *set, attuned_server *server)
{
	for (;;) {
		int sig = 0;
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload_on_sighup(server);
			continue;
		}
		return sig;
	}
}

/* Watches the signals while the main thread drains: SIGTERM/SIGINT force
 * the drain (once), SIGHUP still reloads. Signals stay blocked in every
 * thread, so a signalfd sees them; the pipe tells the watcher to stop. */
typedef struct drain_watch {
	attuned_server *server;
	int sig_fd;
	int stop_fd[2];
	pthread_t thread;
} drain_watch;

static void *drain_watch_main(void *arg)
{
	drain_watch *dw = arg;
	struct pollfd p[2] = {{dw->sig_fd, POLLIN, 0}, {dw->stop_fd[0], POLLIN, 0}};
	int forced = 0;

	for (;;) {
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN) || read(dw->sig_fd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload_on_sighup(dw->server);
			continue;
		}
		if (forced)
			continue;
		forced = 1;
		ATTUNE_LOG(ATTUNE_LOG_WARN, "shutdown_forced", "sig=%s still_draining=%d",
			   si.ssi_signo == SIGTERM ? "TERM" : "INT",
			   attuned_server_force_drain(dw->server));
	}
	return NULL;
}

/* Starts the watcher; on failure the drain simply runs unforceable. */
static int drain_watch_start(drain_watch *dw, const sigset_t *set, attuned_server *server)
{
	dw->server = server;
	dw->sig_fd = signalfd(-1, set, SFD_CLOEXEC);
	if (dw->sig_fd < 0)
		goto out_fail;
	if (pipe(dw->stop_fd) != 0)
		goto out_close_sig;
	if (pthread_create(&dw->thread, NULL, drain_watch_main, dw) != 0)
		goto out_close_pipe;
	return 0;

out_close_pipe:
	close(dw->stop_fd[0]);
	close(dw->stop_fd[1]);
out_close_sig:
	close(dw->sig_fd);
out_fail:
	ATTUNE_LOG(ATTUNE_LOG_WARN, "drain_watch_failed", "errno=%d", errno);
	return -1;
}

static void drain_watch_stop(drain_watch *dw)
{
	char b = 1;

	if (write(dw->stop_fd[1], &b, 1) != 1)
		ATTUNE_LOG(ATTUNE_LOG_WARN, "drain_watch_stop_failed", "errno=%d", errno);
	pthread_join(dw->thread, NULL);
	close(dw->stop_fd[0]);
	close(dw->stop_fd[1]);
	close(dw->sig_fd);
}

int main(int argc, char **argv)
{
	static attuned_config cfg; /* large; read-only after parse */
	char err[ATTUNED_CONFIG_ERR_MAX];
	attuned_listener_list listeners = {0};
	attune_scorer *scorer = NULL;
	attuned_server *server = NULL;
	attune_metrics_http *metrics_http = NULL;
	drain_watch dw;
	sigset_t set;
	int rc = 1, sig, watching;

	switch (attuned_config_parse(&cfg, argc, argv, environ, stdout, err, sizeof(err))) {
	case ATTUNED_CONFIG_OK:
		break;
	case ATTUNED_CONFIG_EXIT:
		return 0;
	case ATTUNED_CONFIG_ERROR:
		fprintf(stderr, "attuned: %s\n", err);
		return 2;
	}
	attune_log_set_level(cfg.log_level);
	tune_malloc();
	/* A ready file left by an earlier run must not signal readiness. */
	if (cfg.ready_file)
		unlink(cfg.ready_file);

	/* Before grpc_init: every thread gRPC starts inherits the mask, so the
	 * signals are only ever delivered to sigwait below. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* a file-size limit (ulimit -f) must fail the event log write with EFBIG,
	 * which it recovers from, not kill the process */
	signal(SIGXFSZ, SIG_IGN);

	ATTUNE_LOG(ATTUNE_LOG_INFO, "start", "version=%s scorer=%s listeners=%zu workers=%u malloc=%s",
		   "1.0.0", ATTUNE_SCORER_VERSION, cfg.n_listen, cfg.workers, ATTUNED_MALLOC_NAME);
	if (attune_scorer_create(&scorer) != ATTUNE_OK) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "start_failed", "reason=scorer");
		return 1;
	}
	grpc_init();
	if (attuned_server_start(&cfg, scorer, &server, err, sizeof(err)) != 0) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "start_failed", "reason=\"%s\"", err);
		fprintf(stderr, "attuned: %s\n", err);
		goto out_grpc;
	}
	attuned_server_listeners(server, &listeners);
	if (start_metrics(&cfg, server, &listeners, &metrics_http, err, sizeof(err)) != 0) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "start_failed", "reason=\"%s\"", err);
		fprintf(stderr, "attuned: %s\n", err);
		attuned_server_drain(server);
		goto out_server;
	}
	if (cfg.ready_file &&
	    attuned_ready_write(cfg.ready_file, &listeners, err, sizeof(err)) != 0) {
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "start_failed", "reason=\"%s\"", err);
		attuned_server_drain(server);
		goto out_server;
	}
	ATTUNE_LOG(ATTUNE_LOG_INFO, "ready", "listeners=%zu", listeners.n);

	sig = wait_for_stop(&set, server);
	ATTUNE_LOG(ATTUNE_LOG_INFO, "signal", "sig=%s", sig == SIGTERM ? "TERM" : "INT");
	watching = drain_watch_start(&dw, &set, server) == 0;
	attuned_server_drain(server);
	if (watching)
		drain_watch_stop(&dw);
	rc = 0;
out_server:
	/* After the drain (scrapes work while draining), before the registry goes. */
	attune_metrics_http_stop(metrics_http);
	attuned_server_destroy(server);
out_grpc:
	grpc_shutdown();
	attune_scorer_destroy(scorer);
	ATTUNE_LOG(ATTUNE_LOG_INFO, "exit", "code=%d", rc);
	return rc;
}
