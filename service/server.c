/*
 * server.c - builds and runs the gRPC C core server: channel args, method
 * registration from the dispatch table, listeners, the worker pool on one
 * completion queue, and the drain sequence from GRPC_CORE_NOTES.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "events.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "server_internal.h"
#include "transport.h"

const attuned_config *attuned_server_config(const attuned_server *s)
{
	return s->cfg;
}

const attune_scorer *attuned_server_scorer(const attuned_server *s)
{
	return s->scorer;
}

attuned_health *attuned_server_health(const attuned_server *s)
{
	return s->health;
}

attune_metrics *attuned_server_metrics(const attuned_server *s)
{
	return s->metrics;
}

/* The metrics registry, with the --teams allow-list as team label values. */
static int create_metrics(attuned_server *s, const attuned_config *cfg, char *err, size_t cap)
{
	const char *teams[ATTUNED_MAX_TEAMS];
	attune_metrics_config mc = {teams, cfg->n_teams, ATTUNE_VERSION_STRING,
				    ATTUNE_SCORER_VERSION};
	attune_metrics_status st;

	if (!cfg->metrics_enabled)
		return 0;
	for (size_t i = 0; i < cfg->n_teams; i++)
		teams[i] = cfg->teams[i];
	st = attune_metrics_create(&mc, &s->metrics);
	if (st == ATTUNE_METRICS_E_INVALID) {
		snprintf(err, cap, "--teams: names must be unique and not 'other' or 'none' "
				   "(those are the metric labels for the rest)");
		return -1;
	}
	if (st != ATTUNE_METRICS_OK) {
		snprintf(err, cap, "metrics: %s", attune_metrics_strerror(st));
		return -1;
	}
	return 0;
}

struct attune_security *attuned_server_security(const attuned_server *s)
{
	return s->security;
}

attune_events *attuned_server_events(const attuned_server *s)
{
	return s->events;
}

/* Opens the event log (+ pseudonym key, replaying the log into the team
 * stats) from --state-dir / --event-log / --pseudonym-key-file. */
static int open_events(attuned_server *s, char *err, size_t cap)
{
	attune_events_config ec = {0};
	attune_ev_status st;

	ec.state_dir = s->cfg->state_dir;
	ec.event_log_path = s->cfg->event_log;
	ec.key_file = s->cfg->pseudonym_key_file;
	ec.max_bytes = s->cfg->event_log_max_bytes;
	ec.keep = s->cfg->event_log_keep;
	ec.metrics = s->metrics; /* created first, destroyed after the events */
	st = attune_events_open(&ec, &s->events);
	if (st != ATTUNE_EV_OK) {
		snprintf(err, cap, "event log / pseudonym key: %s (see the log line above)",
			 attune_ev_strerror(st));
		return -1;
	}
	return 0;
}

int attuned_server_draining(const attuned_server *s)
{
	return atomic_load(&s->draining);
}

void attuned_server_listeners(const attuned_server *s, attuned_listener_list *list)
{
	for (size_t i = 0; i < s->listeners.n; i++)
		attuned_listener_add(list, s->listeners.items[i].kind,
				     s->listeners.items[i].address);
}

static void poll_until_shutdown(attuned_server *s);

static void *worker_main(void *arg)
{
	attuned_server *s = arg;

	for (;;) {
		grpc_event ev = grpc_completion_queue_next(
			s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		attuned_tag *tag = ev.tag;
		ATTUNED_TAG_RECEIVED(tag);
		if (attuned_tag_kind_of(tag) == ATTUNED_TAG_SHUTDOWN) {
			pthread_mutex_lock(&s->mu);
			s->shutdown_done = 1;
			pthread_cond_broadcast(&s->cv);
			pthread_mutex_unlock(&s->mu);
			continue;
		}
		attuned_call_on_event(tag, ev.success);
	}
	return NULL;
}

static grpc_channel_args *make_channel_args(const attuned_config *cfg,
                                            const attune_security *sec, grpc_arg *args,
                                            size_t cap, grpc_channel_args *ca)
{
	size_t n = 0;

#define INT_ARG(k, v)                                                                         \
	do {                                                                                      \
		args[n].type = GRPC_ARG_INTEGER;                                                  \
		args[n].key = (char *)(k);                                                      \
		args[n].value.integer = (int)(v);                                               \
		n++;                                                                              \
	} while (0)
	INT_ARG(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, cfg->max_message_bytes);
	INT_ARG(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, cfg->max_message_bytes);
	INT_ARG(GRPC_ARG_KEEPALIVE_TIME_MS, cfg->keepalive_time_s * 1000u);
	INT_ARG(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, cfg->keepalive_timeout_s * 1000u);
	INT_ARG(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
#undef INT_ARG
	/* Concurrent streams, keepalive abuse, idle/age, metadata size and
	 * handshake time: service/security/LIMITS.md. */
	n += attune_security_channel_args(sec, args + n, cap - n);
	ca->num_args = n;
	ca->args = args;
	return ca;
}

static int register_methods(attuned_server *s, char *err, size_t cap)
{
	for (size_t i = 0; i < attuned_method_table_len; i++) {
		const attuned_method *m = attuned_method_table[i];
		attuned_method_slot *slot = &s->methods[s->n_methods];

		if (s->n_methods >= ATTUNED_MAX_METHODS) {
			snprintf(err, cap, "too many methods");
			return -1;
		}
		slot->method = m;
		/* PAYLOAD_NONE for every kind: call.c reads unary requests
		 * itself so that --request-timeout-ms can apply. */
		slot->handle = grpc_server_register_method(s->server, m->path, NULL,
							   GRPC_SRM_PAYLOAD_NONE, 0);
		if (!slot->handle) {
			snprintf(err, cap, "cannot register %s", m->path);
			return -1;
		}
		if (m->init && m->init(s, &slot->state) != 0) {
			snprintf(err, cap, "cannot initialise %s", m->name);
			return -1;
		}
		s->n_methods++;
	}
	return 0;
}

static int bind_listeners(attuned_server *s, char *err, size_t cap)
{
	for (size_t i = 0; i < s->cfg->n_listen; i++) {
		attuned_addr a;
		char why[ATTUNED_CONFIG_ERR_MAX], bound[ATTUNED_ADDR_MAX], dial[ATTUNED_ADDR_MAX + 8];
		grpc_server_credentials *creds;
		int port;

		if (attuned_addr_parse(s->cfg->listen[i], &a, why, sizeof(why)) != 0 ||
		    attuned_addr_prepare(&a, why, sizeof(why)) != 0) {
			snprintf(err, cap, "--listen %s: %s", s->cfg->listen[i], why);
			return -1;
		}
		creds = attuned_transport_server_credentials(s->security, &a, why, sizeof(why));
		if (!creds) {
			snprintf(err, cap, "--listen %s: %s", s->cfg->listen[i], why);
			return -1;
		}
		attuned_addr_format(&a, a.port, dial, sizeof(dial));
		port = grpc_server_add_http2_port(s->server, dial, creds);
		grpc_server_credentials_release(creds);
		if (port == 0) {
			snprintf(err, cap, "--listen %s: cannot bind (in use or not permitted)",
				 s->cfg->listen[i]);
			return -1;
		}
		attuned_addr_format(&a, a.kind == ATTUNED_ADDR_TCP ? (unsigned)port : 0, bound,
				    sizeof(bound));
		attuned_listener_add(&s->listeners, "grpc", bound);
	}
	return 0;
}

int attuned_server_start(const attuned_config *cfg, const attune_scorer *scorer,
                         attuned_server **out, char *err, size_t cap)
{
	attuned_server *s;
	grpc_arg args[16];
	grpc_channel_args ca;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, cap, "out of memory");
		return -1;
	}
	s->cfg = cfg;
	s->scorer = scorer;
	atomic_init(&s->draining, 0);
	atomic_init(&s->live_calls, 0);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	attuned_tag_publish(&s->shutdown_tag, ATTUNED_TAG_SHUTDOWN, NULL);
	if (attuned_health_create(&s->health) != 0) {
		snprintf(err, cap, "out of memory");
		goto out_fail;
	}
	if (create_metrics(s, cfg, err, cap) != 0)
		goto out_fail;
	if (open_events(s, err, cap) != 0)
		goto out_fail;
	if (attuned_transport_create(cfg, &s->security, err, cap) != 0)
		goto out_fail;
	if (attuned_call_timeouts_create(s, cfg->request_timeout_ms, cfg->stream_idle_timeout_ms,
					 &s->timeouts) != 0) {
		snprintf(err, cap, "cannot start the request timeout thread");
		goto out_fail;
	}
	s->server = grpc_server_create(
		make_channel_args(cfg, s->security, args, sizeof(args) / sizeof(args[0]), &ca),
		NULL);
	s->cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server_register_completion_queue(s->server, s->cq, NULL);
	if (register_methods(s, err, cap) != 0 || bind_listeners(s, err, cap) != 0)
		goto out_fail;
	grpc_server_start(s->server);
	for (size_t i = 0; i < s->n_methods; i++)
		for (int k = 0; k < ATTUNED_SLOTS_PER_METHOD; k++)
			attuned_call_arm(s, &s->methods[i]);
	for (int k = 0; k < ATTUNED_GENERIC_SLOTS; k++)
		attuned_call_arm(s, NULL);
	for (unsigned i = 0; i < cfg->workers; i++) {
		if (pthread_create(&s->workers[i], NULL, worker_main, s) != 0) {
			snprintf(err, cap, "cannot start worker threads");
			/* Started workers are stopped by the drain below. */
			attuned_server_drain(s);
			attuned_server_destroy(s);
			return -1;
		}
		s->n_workers++;
	}
	attuned_health_set_serving(s->health, 1);
	for (size_t i = 0; i < s->listeners.n; i++)
		ATTUNE_LOG(ATTUNE_LOG_INFO, "listening", "addr=%s kind=grpc",
			   s->listeners.items[i].address);
	ATTUNE_LOG(ATTUNE_LOG_INFO, "serving", "workers=%u methods=%zu max_message_bytes=%zu",
		   s->n_workers, s->n_methods, cfg->max_message_bytes);
	*out = s;
	return 0;

out_fail:
	if (s->server) {
		/* Nothing is running yet: shut down and poll the queue here. */
		ATTUNED_TAG_HANDOFF(&s->shutdown_tag);
		grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
		grpc_server_cancel_all_calls(s->server);
		poll_until_shutdown(s);
	}
	attuned_server_destroy(s);
	return -1;
}

void attuned_server_call_gone(attuned_server *s)
{
	if (atomic_fetch_sub(&s->live_calls, 1) == 1 && atomic_load(&s->draining)) {
		pthread_mutex_lock(&s->mu);
		pthread_cond_broadcast(&s->cv); /* the drain may wait for this */
		pthread_mutex_unlock(&s->mu);
	}
}

/* Drained: the core's shutdown tag arrived and no call context is left
 * (see live_calls). Then no completion can start a batch any more and the
 * queue may be shut down. */
static int drained(attuned_server *s)
{
	return s->shutdown_done && atomic_load(&s->live_calls) == 0;
}

/* Without workers: handles events on this thread until drained, then
 * shuts the queue down and empties it. */
static void poll_until_shutdown(attuned_server *s)
{
	for (int seen = 0; !seen || atomic_load(&s->live_calls) > 0;) {
		grpc_event ev = grpc_completion_queue_next(
			s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		attuned_tag *tag = ev.tag;
		if (attuned_tag_kind_of(tag) == ATTUNED_TAG_SHUTDOWN)
			seen = 1;
		else
			attuned_call_on_event(tag, ev.success);
	}
	grpc_completion_queue_shutdown(s->cq);
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(
			s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type == GRPC_OP_COMPLETE)
			attuned_call_on_event(ev.tag, ev.success);
	}
}

/* Waits until drained() until `deadline` (or, with a deadline, until
 * attuned_server_force_drain); returns 1 if drained. */
static int wait_shutdown(attuned_server *s, const struct timespec *deadline)
{
	int done;

	pthread_mutex_lock(&s->mu);
	while (!drained(s) && !(deadline && s->forced)) {
		int rc = deadline ? pthread_cond_timedwait(&s->cv, &s->mu, deadline)
				  : pthread_cond_wait(&s->cv, &s->mu);
		if (rc == ETIMEDOUT)
			break;
	}
	done = drained(s);
	pthread_mutex_unlock(&s->mu);
	return done;
}

void attuned_server_drain(attuned_server *s)
{
	struct timespec deadline;

	if (!s || !s->server || atomic_exchange(&s->draining, 1))
		return;
	ATTUNE_LOG(ATTUNE_LOG_INFO, "shutdown_begin", "grace_seconds=%u", s->cfg->grace_seconds);
	/* 1. Tell health watchers first, then end streams that only end when
	 *    told (health Watch, WatchMetrics). */
	attuned_health_set_serving(s->health, 0);
	attuned_health_end_watches(s->health);
	for (size_t i = 0; i < s->n_methods; i++)
		if (s->methods[i].method->drain)
			s->methods[i].method->drain(s, s->methods[i].state);
	/* 2. Stop accepting; in-flight calls continue. */
	ATTUNED_TAG_HANDOFF(&s->shutdown_tag);
	grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
	if (s->n_workers == 0) {
		grpc_server_cancel_all_calls(s->server);
		poll_until_shutdown(s);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += s->cfg->grace_seconds;
	if (!wait_shutdown(s, &deadline)) {
		int forced;

		pthread_mutex_lock(&s->mu);
		forced = s->forced;
		pthread_mutex_unlock(&s->mu);
		ATTUNE_LOG(ATTUNE_LOG_WARN, "shutdown_cancel_calls", "reason=%s",
			   forced ? "forced" : "grace_expired");
		/* Cancelled calls end through their CLOSE completions; a
		 * RecordOutcome waiting for its fsync still gets it first. */
		grpc_server_cancel_all_calls(s->server);
		wait_shutdown(s, NULL);
	}
	ATTUNE_LOG(ATTUNE_LOG_INFO, "shutdown_drained", NULL);
	/* 3. Only after the tag: stop the queue and join the workers. */
	grpc_completion_queue_shutdown(s->cq);
	for (unsigned i = 0; i < s->n_workers; i++)
		pthread_join(s->workers[i], NULL);
	s->n_workers = 0;
	ATTUNE_LOG(ATTUNE_LOG_INFO, "shutdown_workers_joined", NULL);
	/* 4. No worker can observe a call any more, and the tag means every
	 *    RecordOutcome already has its reply (each holds its call open
	 *    until its event is durable): flush and fsync what is queued
	 *    (draft_scored events) and stop the writer. */
	attune_events_close(s->events);
	s->events = NULL;
}

int attuned_server_force_drain(attuned_server *s)
{
	int waiting;

	pthread_mutex_lock(&s->mu);
	waiting = !drained(s) && !s->forced;
	s->forced = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return waiting;
}

void attuned_server_destroy(attuned_server *s)
{
	if (!s)
		return;
	attune_events_close(s->events); /* if drain did not already */
	s->events = NULL;
	/* No call is left to watch: the drain (or the failed start) ended all. */
	attuned_call_timeouts_destroy(s->timeouts);
	s->timeouts = NULL;
	if (s->server)
		grpc_server_destroy(s->server);
	if (s->cq)
		grpc_completion_queue_destroy(s->cq);
	for (size_t i = 0; i < s->n_methods; i++)
		if (s->methods[i].method->fini)
			s->methods[i].method->fini(s->methods[i].state);
	attuned_health_destroy(s->health);
	attune_metrics_destroy(s->metrics);
	attune_security_destroy(s->security);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
