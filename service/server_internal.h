/*
 * server_internal.h - the server and call structures shared by server.c and
 * call.c only. Handlers use call.h; everything else uses server.h.
 */
#ifndef ATTUNED_SERVER_INTERNAL_H
#define ATTUNED_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <grpc/grpc.h>

#include "call.h"
#include "call_timeout.h"
#include "security.h"
#include "server.h"

#define ATTUNED_MAX_METHODS 32
#define ATTUNED_MAX_WORKERS 256
#define ATTUNED_SLOTS_PER_METHOD 16 /* request slots kept armed per method */
#define ATTUNED_GENERIC_SLOTS 4     /* slots for unknown methods */
#define ATTUNED_DETAILS_MAX 192     /* status details we send */

typedef enum attuned_tag_kind {
	ATTUNED_TAG_NEW = 0,
	ATTUNED_TAG_RECV = 1,
	ATTUNED_TAG_SEND = 2,
	ATTUNED_TAG_CLOSE = 3,
	ATTUNED_TAG_SHUTDOWN = 4
} attuned_tag_kind;

/* `kind` is written with release order after the call context is fully
 * initialised and read with acquire order by whichever worker gets the
 * completion: the completion queue's own synchronisation is invisible to
 * ThreadSanitizer (libgrpc is not instrumented), this edge is not. */
typedef struct attuned_tag {
	atomic_int kind;    /* attuned_tag_kind */
	attuned_call *call; /* NULL for SHUTDOWN */
} attuned_tag;

/* The completion queue hands a tag from the thread that starts an operation
 * to the worker that gets its completion, through libgrpc's own locks,
 * which ThreadSanitizer cannot see. These annotations state that edge for
 * every operation (the `kind` ordering above only covers the first one);
 * they compile to nothing outside TSan builds. */
#if defined(__SANITIZE_THREAD__)
#define ATTUNED_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ATTUNED_TSAN 1
#endif
#endif
#ifdef ATTUNED_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define ATTUNED_TAG_HANDOFF(tag) __tsan_release(tag) /* before giving it to gRPC */
#define ATTUNED_TAG_RECEIVED(tag) __tsan_acquire(tag) /* after the queue returns it */
#else
#define ATTUNED_TAG_HANDOFF(tag) ((void)(tag))
#define ATTUNED_TAG_RECEIVED(tag) ((void)(tag))
#endif

static inline void attuned_tag_publish(attuned_tag *t, attuned_tag_kind kind, attuned_call *call)
{
	t->call = call;
	atomic_store_explicit(&t->kind, (int)kind, memory_order_release);
}

static inline attuned_tag_kind attuned_tag_kind_of(attuned_tag *t)
{
	return (attuned_tag_kind)atomic_load_explicit(&t->kind, memory_order_acquire);
}

/* One registered method and its server-wide state. */
typedef struct attuned_method_slot {
	const attuned_method *method;
	void *handle; /* from grpc_server_register_method */
	void *state;  /* from method->init */
} attuned_method_slot;

struct attuned_server {
	const attuned_config *cfg;
	const attune_scorer *scorer;
	grpc_server *server;
	grpc_completion_queue *cq;
	pthread_t workers[ATTUNED_MAX_WORKERS];
	unsigned n_workers;
	atomic_int draining;
	attuned_health *health;
	attune_events *events; /* event log, pseudonyms, team stats (events.h) */
	attuned_method_slot methods[ATTUNED_MAX_METHODS];
	size_t n_methods;
	attuned_tag shutdown_tag;
	pthread_mutex_t mu; /* guards shutdown_done */
	pthread_cond_t cv;
	int shutdown_done;
	/* Call contexts from attuned_call_arm to call_destroy. The drain waits
	 * for 0 as well as for the shutdown tag: the core publishes the tag once
	 * its channels are gone, and a client that closed its connection
	 * mid-call takes its channel away while our context for the call may
	 * still have a completion to handle (and a batch to start), which
	 * after grpc_completion_queue_shutdown aborts in grpc_cq_begin_op. */
	atomic_long live_calls;
	attuned_listener_list listeners;
	attune_metrics *metrics; /* owned; NULL with --no-metrics (observations no-op) */
	attune_security *security; /* TLS, tokens, rate limits (service/security/) */
	attuned_call_timeouts *timeouts; /* --request-timeout-ms, --stream-idle-timeout-ms */
	int forced; /* guarded by mu: a second signal cut the drain's grace short */
};

struct attuned_call {
	attuned_server *server;
	attuned_method_slot *slot; /* NULL: generic slot (unknown method) */
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array md;
	grpc_call_details details; /* generic slot only */
	attuned_tag tag_new, tag_recv, tag_send, tag_close;
	pthread_mutex_t mu;
	atomic_int refs; /* batches in flight + external references */
	grpc_byte_buffer *recv_buf;
	grpc_byte_buffer *send_buf;
	int recv_busy, send_busy, send_has_status;
	int initial_md_sent;
	int finished;    /* a status was sent or queued */
	int status_sent; /* the status batch completed */
	int status_pending;
	grpc_status_code pending_code;
	char pending_details[ATTUNED_DETAILS_MAX];
	grpc_status_code sent_code;
	int close_cancelled; /* written by RECV_CLOSE_ON_SERVER */
	int close_started;   /* RECV_CLOSE_ON_SERVER started, alone or in the status batch */
	int send_has_close;  /* the send in flight carries RECV_CLOSE_ON_SERVER */
	int cancelled, half_closed, started;
	struct timespec t0;
	void *state;
	/* call_timeout.c: recv_seq counts RECV_MESSAGE batches (call lock);
	 * to_watched says one is under a limit (call lock); the rest is the
	 * reaper's list, guarded by its lock. */
	unsigned recv_seq;
	int to_watched;
	struct attuned_call *to_prev, *to_next;
	int64_t to_due_ms;
	unsigned to_seq;
	int to_kind;
	int to_linked;
};

/* call.c: allocates a call context and arms a request slot for `slot`
 * (NULL = generic). Returns -1 if the server refused (e.g. shutting down). */
int attuned_call_arm(attuned_server *srv, attuned_method_slot *slot);
/* call.c: handles one completion of a call's tag. */
void attuned_call_on_event(attuned_tag *tag, int ok);

/* call.c's call_destroy: one call context fewer (wakes a waiting drain at 0). */
void attuned_server_call_gone(attuned_server *s);

#endif
