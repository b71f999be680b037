/*
 * test_e2e_drain.c - end-to-end tests of graceful shutdown: SIGTERM while
 * clients keep scoring (calls complete OK or are refused, never fail
 * otherwise), an accepted stream keeps working until it ends OK, health
 * watchers see NOT_SERVING, and attuned exits 0.
 */
#define _GNU_SOURCE
#include <grpc/status.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "attune/client.h"
#include "attune_test.h"
#include "e2e_common.h"
#include "e2e_raw.h"

#define N_WORKERS 4
#define MAX_CODE 17

typedef struct load_ctx {
	const char *target;
	atomic_int stop;
	atomic_long ok;
	atomic_long by_code[MAX_CODE];
	atomic_int create_failed;
	atomic_int phase;            /* 0 serving, 1 signalled, 2 exited */
	atomic_long by_phase_fail[3];
	atomic_long started_before_signal_failed[MAX_CODE];
	pthread_mutex_t mu;          /* guards first_msg */
	char first_msg[MAX_CODE][ATTUNE_CLIENT_ERROR_MESSAGE_MAX];
} load_ctx;

static void *load_worker(void *arg)
{
	load_ctx *ctx = arg;
	attune_client *c = NULL;
	attune_client_error err;
	if (attune_client_create(ctx->target, NULL, &c, &err) != ATTUNE_CLIENT_OK) {
		atomic_store(&ctx->create_failed, 1);
		return NULL;
	}
	attune_client_score_request req;
	attune_client_score_request_init(&req);
	req.seeker.ptr = E2E_SEEKER;
	req.seeker.len = strlen(E2E_SEEKER);
	req.draft.ptr = E2E_REPLY_A;
	req.draft.len = strlen(E2E_REPLY_A);
	while (!atomic_load(&ctx->stop)) {
		attune_client_score_response *r = NULL;
		int start_phase = atomic_load(&ctx->phase);
		attune_client_code code = attune_client_score(c, &req, &r, &err);
		attune_client_score_response_free(r);
		unsigned idx = (unsigned)code < MAX_CODE ? (unsigned)code : 2u;
		if (code == ATTUNE_CLIENT_OK)
			atomic_fetch_add(&ctx->ok, 1);
		else
			atomic_fetch_add(&ctx->by_phase_fail[atomic_load(&ctx->phase)], 1);
		if (code != ATTUNE_CLIENT_OK && start_phase == 0)
			atomic_fetch_add(&ctx->started_before_signal_failed[idx], 1);
		if (atomic_fetch_add(&ctx->by_code[idx], 1) == 0 && code != ATTUNE_CLIENT_OK) {
			pthread_mutex_lock(&ctx->mu);
			snprintf(ctx->first_msg[idx], sizeof(ctx->first_msg[idx]), "%s",
				 err.message);
			pthread_mutex_unlock(&ctx->mu);
		}
	}
	attune_client_destroy(c);
	return NULL;
}

static int wait_for_ok_calls(load_ctx *ctx, long n, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		if (atomic_load(&ctx->ok) >= n)
			return 1;
		struct timespec ts = {0, 5000000L};
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Reads health messages until one says `want` or the stream ends. */
static int watch_until(e2e_raw_stream *s, int want, int timeout_ms)
{
	for (;;) {
		uint8_t *body = NULL;
		size_t len = 0;
		int rc = e2e_raw_stream_next(s, timeout_ms, &body, &len);
		if (rc != 1)
			return 0;
		int st = e2e_unpack_health_status(body, len);
		free(body);
		fprintf(stderr, "  health watch: %d\n", st);
		if (st == want)
			return 1;
	}
}

static void sigterm_drains(attune_test_state *t_, int sig)
{
	load_ctx ctx;
	pthread_t th[N_WORKERS];
	int started = 0, ws = -1;
	e2e_raw_stream *watch = NULL;
	uint8_t *hreq = NULL;
	size_t hlen = 0;
	memset(&ctx, 0, sizeof(ctx));
	pthread_mutex_init(&ctx.mu, NULL);
	attune_harness *h = e2e_start(0, NULL);
	REQUIRE(h != NULL);
	ctx.target = attune_harness_grpc_tcp_target(h);

	REQUIRE_OR(e2e_pack_health_request("", &hreq, &hlen) == 0, out);
	REQUIRE_OR(e2e_raw_stream_open(ctx.target, E2E_METHOD_HEALTH_WATCH, hreq, hlen, 60000,
				       &watch) == 0,
		   out);
	CHECK(watch_until(watch, 1 /* SERVING */, 10000));

	for (; started < N_WORKERS; started++)
		REQUIRE_OR(pthread_create(&th[started], NULL, load_worker, &ctx) == 0, out);
	REQUIRE_OR(wait_for_ok_calls(&ctx, 200, 30000), out);

	atomic_store(&ctx.phase, 1);
	REQUIRE_OR(attune_harness_signal(h, sig) == ATTUNE_HARNESS_OK, out);
	/* Draining: watchers are told before the server goes away. */
	CHECK_MSG(watch_until(watch, 2 /* NOT_SERVING */, 10000),
		  "health Watch did not report NOT_SERVING during drain");
	CHECK(attune_harness_wait_exit(h, 30000, &ws) == ATTUNE_HARNESS_OK);
	atomic_store(&ctx.phase, 2);
	CHECK(WIFEXITED(ws));
	if (WIFEXITED(ws))
		CHECK_EQ_INT(WEXITSTATUS(ws), 0);
	else if (WIFSIGNALED(ws))
		fprintf(stderr, "  attuned died of signal %d\n", WTERMSIG(ws));

out:
	atomic_store(&ctx.stop, 1);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	CHECK(!atomic_load(&ctx.create_failed));
	fprintf(stderr, "  calls: ok=%ld unavailable=%ld; failed before signal=%ld, draining=%ld, "
		"after exit=%ld\n",
		atomic_load(&ctx.ok), atomic_load(&ctx.by_code[ATTUNE_CLIENT_UNAVAILABLE]),
		atomic_load(&ctx.by_phase_fail[0]), atomic_load(&ctx.by_phase_fail[1]),
		atomic_load(&ctx.by_phase_fail[2]));
	for (int code = 1; code < MAX_CODE; code++) {
		long n = atomic_load(&ctx.by_code[code]);
		if (atomic_load(&ctx.started_before_signal_failed[code]))
			fprintf(stderr, "  started before the signal, ended %s: %ld\n",
				attune_client_code_name((attune_client_code)code),
				atomic_load(&ctx.started_before_signal_failed[code]));
		/* Accepted calls finish OK. Calls that reach the server after it
		 * stopped accepting are refused by gRPC core: UNAVAILABLE (GOAWAY,
		 * connection refused) or CANCELLED (RST_STREAM of a stream that
		 * crossed the GOAWAY on the wire). Nothing else is acceptable. */
		if (code == ATTUNE_CLIENT_UNAVAILABLE || code == ATTUNE_CLIENT_CANCELLED)
			continue;
		CHECK_MSG(n == 0, "%ld calls ended with %s during drain, first: \"%s\"", n,
			  attune_client_code_name((attune_client_code)code), ctx.first_msg[code]);
	}
	fprintf(stderr, "  refused with CANCELLED: %ld\n",
		atomic_load(&ctx.by_code[ATTUNE_CLIENT_CANCELLED]));
	e2e_raw_stream_destroy(watch);
	free(hreq);
	pthread_mutex_destroy(&ctx.mu);
	if (t_->failures > 0)
		attune_harness_dump_log(h, stderr);
	attune_harness_destroy(h);
}

TEST(sigterm_under_load_drains_and_exits_0)
{
	sigterm_drains(t_, SIGTERM);
}

TEST(sigint_under_load_drains_and_exits_0)
{
	sigterm_drains(t_, SIGINT);
}

/* Reads one CoachDraft response and checks it is for revision `want`. */
static int coach_read(attune_test_state *t_, e2e_raw_stream *s, uint64_t want, unsigned *score)
{
	uint8_t *body = NULL;
	size_t len = 0;
	uint64_t rev = 0;
	int has_id = 0;
	int rc = e2e_raw_stream_next(s, 10000, &body, &len);
	CHECK_EQ_INT(rc, 1);
	if (rc != 1)
		return -1;
	rc = e2e_unpack_coach_response(body, len, &rev, score, &has_id);
	free(body);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(rev, want);
	CHECK(has_id);
	return rc == 0 && rev == want ? 0 : -1;
}

/* A call the server has accepted (an open CoachDraft stream) keeps working
 * after SIGTERM: it sends a new revision, gets feedback, half-closes and
 * ends OK; only then does attuned exit 0. */
TEST(accepted_stream_finishes_during_drain)
{
	e2e_raw_stream *watch = NULL, *coach = NULL;
	uint8_t *hreq = NULL, *m1 = NULL, *m2 = NULL;
	size_t hlen = 0, l1 = 0, l2 = 0;
	unsigned score1 = 0, score2 = 0;
	int ws = -1, code = -1;
	char details[256] = "";
	attune_harness *h = e2e_start(0, NULL);
	REQUIRE(h != NULL);
	const char *t = attune_harness_grpc_tcp_target(h);

	REQUIRE_OR(e2e_pack_health_request("", &hreq, &hlen) == 0, out);
	REQUIRE_OR(e2e_pack_coach_request(E2E_SEEKER, E2E_REPLY_B, 1, &m1, &l1) == 0, out);
	REQUIRE_OR(e2e_pack_coach_request(NULL, E2E_REPLY_A, 2, &m2, &l2) == 0, out);
	REQUIRE_OR(e2e_raw_stream_open(t, E2E_METHOD_HEALTH_WATCH, hreq, hlen, 60000, &watch) == 0,
		   out);
	CHECK(watch_until(watch, 1 /* SERVING */, 10000));

	REQUIRE_OR(e2e_raw_bidi_open(t, E2E_METHOD_COACH, 60000, &coach) == 0, out);
	REQUIRE_OR(e2e_raw_stream_send(coach, m1, l1, 10000) == 0, out);
	REQUIRE_OR(coach_read(t_, coach, 1, &score1) == 0, out);

	REQUIRE_OR(attune_harness_signal(h, SIGTERM) == ATTUNE_HARNESS_OK, out);
	CHECK_MSG(watch_until(watch, 2 /* NOT_SERVING */, 10000),
		  "health Watch did not report NOT_SERVING during drain");
	CHECK(attune_harness_poll_exit(h, NULL) == ATTUNE_HARNESS_E_TIMEOUT); /* waits for us */

	REQUIRE_OR(e2e_raw_stream_send(coach, m2, l2, 10000) == 0, out);
	REQUIRE_OR(coach_read(t_, coach, 2, &score2) == 0, out);
	fprintf(stderr, "  coach: revision 1 (reply B) %u, revision 2 (reply A) %u\n", score1,
		score2);
	CHECK_GT_INT(score2, score1);
	REQUIRE_OR(e2e_raw_stream_close_send(coach, 10000) == 0, out);
	{
		uint8_t *body = NULL;
		size_t len = 0;
		CHECK_EQ_INT(e2e_raw_stream_next(coach, 10000, &body, &len), 0); /* end */
		free(body);
	}
	CHECK_EQ_INT(e2e_raw_stream_status(coach, 10000, &code, details, sizeof(details)), 0);
	CHECK_MSG(code == GRPC_STATUS_OK, "stream ended %d \"%s\"", code, details);

	CHECK(attune_harness_wait_exit(h, 30000, &ws) == ATTUNE_HARNESS_OK);
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
out:
	e2e_raw_stream_destroy(coach);
	e2e_raw_stream_destroy(watch);
	free(hreq);
	free(m1);
	free(m2);
	if (t_->failures > 0)
		attune_harness_dump_log(h, stderr);
	attune_harness_destroy(h);
}

TEST(idle_sigterm_exits_0_promptly)
{
	int ws = -1;
	attune_harness *h = e2e_start(1, NULL);
	REQUIRE(h != NULL);
	CHECK(attune_harness_signal(h, SIGTERM) == ATTUNE_HARNESS_OK);
	CHECK(attune_harness_wait_exit(h, 10000, &ws) == ATTUNE_HARNESS_OK);
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	attune_harness_destroy(h);
}

static const attune_test_case cases[] = {
	TEST_CASE(sigterm_under_load_drains_and_exits_0),
	TEST_CASE(sigint_under_load_drains_and_exits_0),
	TEST_CASE(accepted_stream_finishes_during_drain),
	TEST_CASE(idle_sigterm_exits_0_promptly),
};

int main(int argc, char **argv)
{
	return ATTUNE_TEST_MAIN(argc, argv, cases);
}
