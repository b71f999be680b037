/*
 * call.c - the per-call state machine: arming request slots, the NEW /
 * RECV / SEND / CLOSE completions, batches (one send in flight at a time),
 * reference counting and the single exit path that observes every call.
 */
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

#include "authz.h"
#include "log.h"
#include "observe.h"
#include "server_internal.h"

/* ------------------------------------------------------------ accessors */

attuned_server *attuned_call_server(const attuned_call *call)
{
	return call->server;
}

const attuned_method *attuned_call_method(const attuned_call *call)
{
	return call->slot ? call->slot->method : NULL;
}

void *attuned_call_method_state(const attuned_call *call)
{
	return call->slot ? call->slot->state : NULL;
}

grpc_call *attuned_call_grpc(const attuned_call *call)
{
	return call->call;
}

const grpc_metadata_array *attuned_call_metadata(const attuned_call *call)
{
	return &call->md;
}

gpr_timespec attuned_call_deadline(const attuned_call *call)
{
	return call->deadline;
}

void *attuned_call_state(const attuned_call *call)
{
	return call->state;
}

void attuned_call_set_state(attuned_call *call, void *state)
{
	call->state = state;
}

int attuned_call_is_cancelled(const attuned_call *call)
{
	return call->cancelled;
}

int attuned_call_is_half_closed(const attuned_call *call)
{
	return call->half_closed;
}

int attuned_call_is_finished(const attuned_call *call)
{
	return call->finished;
}

int attuned_call_send_busy(const attuned_call *call)
{
	return call->send_busy;
}

void attuned_call_lock(attuned_call *call)
{
	pthread_mutex_lock(&call->mu);
}

void attuned_call_unlock(attuned_call *call)
{
	pthread_mutex_unlock(&call->mu);
}

void attuned_call_ref(attuned_call *call)
{
	atomic_fetch_add(&call->refs, 1);
}

/* ------------------------------------------------------------ lifecycle */

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static grpc_status_code final_code(const attuned_call *call)
{
	if (call->cancelled) {
		gpr_timespec now = gpr_now(call->deadline.clock_type);
		return gpr_time_cmp(now, call->deadline) >= 0 ? GRPC_STATUS_DEADLINE_EXCEEDED
							      : GRPC_STATUS_CANCELLED;
	}
	return call->status_sent ? call->sent_code : GRPC_STATUS_UNKNOWN;
}

/* The single exit path: every batch is done and nobody holds a reference. */
static void call_destroy(attuned_call *call)
{
	attuned_server *srv = call->server;

	if (call->started) {
		const attuned_method *m = attuned_call_method(call);
		if (m && m->on_done)
			m->on_done(call);
		attuned_observe_rpc_done(call->server, m ? m->name : "unknown", final_code(call),
					 seconds_since(&call->t0));
	}
	if (call->call)
		grpc_call_unref(call->call);
	if (call->recv_buf)
		grpc_byte_buffer_destroy(call->recv_buf);
	if (call->send_buf)
		grpc_byte_buffer_destroy(call->send_buf);
	grpc_metadata_array_destroy(&call->md);
	if (!call->slot)
		grpc_call_details_destroy(&call->details);
	pthread_mutex_destroy(&call->mu);
	free(call);
	attuned_server_call_gone(srv);
}

void attuned_call_unref(attuned_call *call)
{
	if (atomic_fetch_sub(&call->refs, 1) == 1)
		call_destroy(call);
}

int attuned_call_arm(attuned_server *srv, attuned_method_slot *slot)
{
	attuned_call *call;
	grpc_call_error e;

	if (atomic_load(&srv->draining))
		return -1;
	call = calloc(1, sizeof(*call));
	if (!call)
		return -1;
	call->server = srv;
	call->slot = slot;
	atomic_fetch_add(&srv->live_calls, 1); /* until call_destroy */
	pthread_mutex_init(&call->mu, NULL);
	atomic_init(&call->refs, 1); /* the NEW completion */
	grpc_metadata_array_init(&call->md);
	if (!slot)
		grpc_call_details_init(&call->details);
	/* Last: publishes the initialised context to the worker threads. */
	attuned_tag_publish(&call->tag_recv, ATTUNED_TAG_RECV, call);
	attuned_tag_publish(&call->tag_send, ATTUNED_TAG_SEND, call);
	attuned_tag_publish(&call->tag_close, ATTUNED_TAG_CLOSE, call);
	attuned_tag_publish(&call->tag_new, ATTUNED_TAG_NEW, call);
	ATTUNED_TAG_HANDOFF(&call->tag_new);
	if (slot) {
		/* No payload here even for unary calls: the core would hold the
		 * call, invisible to us, until its message arrived, so a client
		 * that never finishes sending could not be timed out (on_new
		 * reads the message itself, under --request-timeout-ms). */
		e = grpc_server_request_registered_call(srv->server, slot->handle, &call->call,
							&call->deadline, &call->md, NULL,
							srv->cq, srv->cq, &call->tag_new);
	} else {
		e = grpc_server_request_call(srv->server, &call->call, &call->details, &call->md,
					     srv->cq, srv->cq, &call->tag_new);
	}
	if (e != GRPC_CALL_OK) {
		call_destroy(call);
		return -1;
	}
	return 0;
}

/* -------------------------------------------------------------- batches */

/* Starts a batch holding a reference for its completion. Lock held. */
static int start_batch(attuned_call *call, const grpc_op *ops, size_t n, attuned_tag *tag)
{
	grpc_call_error e;

	atomic_fetch_add(&call->refs, 1);
	ATTUNED_TAG_HANDOFF(tag);
	e = grpc_call_start_batch(call->call, ops, n, tag, NULL);
	if (e != GRPC_CALL_OK) {
		/* Never the last reference: the caller's event holds one. */
		atomic_fetch_sub(&call->refs, 1);
		ATTUNE_LOG(ATTUNE_LOG_ERROR, "batch_failed", "error=%d tag=%d", (int)e,
			   (int)attuned_tag_kind_of(tag));
		return -1;
	}
	return 0;
}

static void add_initial_md(attuned_call *call, grpc_op *ops, size_t *n)
{
	if (call->initial_md_sent)
		return;
	memset(&ops[*n], 0, sizeof(ops[*n]));
	ops[*n].op = GRPC_OP_SEND_INITIAL_METADATA;
	(*n)++;
	call->initial_md_sent = 1;
}

/* Adds RECV_CLOSE_ON_SERVER unless it was started already. */
static void add_recv_close(attuned_call *call, grpc_op *ops, size_t *n)
{
	if (call->close_started)
		return;
	memset(&ops[*n], 0, sizeof(ops[*n]));
	ops[*n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[*n].data.recv_close_on_server.cancelled = &call->close_cancelled;
	(*n)++;
	call->close_started = 1;
}

/* Starts RECV_CLOSE_ON_SERVER on its own (tag_close). Lock held. */
static int start_close(attuned_call *call)
{
	grpc_op op;
	size_t n = 0;

	add_recv_close(call, &op, &n);
	if (start_batch(call, &op, n, &call->tag_close) != 0) {
		call->close_started = 0;
		return -1;
	}
	return 0;
}

/* Sends the status (and initial metadata if needed) now; a unary call that
 * answers from on_start also receives its close in this batch. Lock held. */
static void send_status(attuned_call *call, grpc_status_code code, const char *details,
                        grpc_byte_buffer *msg)
{
	grpc_op ops[4];
	size_t n = 0;
	grpc_slice det = grpc_slice_from_copied_string(details ? details : "");

	memset(ops, 0, sizeof(ops));
	add_initial_md(call, ops, &n);
	call->send_has_close = !call->close_started;
	add_recv_close(call, ops, &n);
	if (msg) {
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n].data.send_message.send_message = msg;
		n++;
		call->send_buf = msg;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = code;
	ops[n].data.send_status_from_server.status_details = &det;
	ops[n].data.send_status_from_server.trailing_metadata_count = 0;
	n++;
	call->send_busy = 1;
	call->send_has_status = 1;
	call->sent_code = code;
	if (start_batch(call, ops, n, &call->tag_send) != 0) {
		call->send_busy = 0;
		call->send_has_status = 0;
		if (call->send_has_close)
			call->close_started = 0; /* on_new starts it alone */
		call->send_has_close = 0;
		if (msg) {
			grpc_byte_buffer_destroy(msg);
			call->send_buf = NULL;
		}
	}
	grpc_slice_unref(det); /* the core does not keep it past start_batch */
}

/* Wraps a wire buffer in a byte buffer without copying; frees on failure. */
static grpc_byte_buffer *to_byte_buffer(attune_wire_buf *msg)
{
	grpc_slice s;
	grpc_byte_buffer *bb;

	if (!msg->data)
		return grpc_raw_byte_buffer_create(NULL, 0);
	s = grpc_slice_new(msg->data, msg->len, free);
	msg->data = NULL;
	msg->len = 0;
	bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s); /* the byte buffer holds its own reference */
	return bb;
}

void attuned_call_reply(attuned_call *call, attune_wire_buf *msg)
{
	grpc_byte_buffer *bb;

	if (call->finished || call->cancelled || call->send_busy) {
		attune_wire_buf_free(msg);
		if (!call->finished)
			attuned_call_finish(call, GRPC_STATUS_INTERNAL, "reply while sending");
		return;
	}
	bb = to_byte_buffer(msg);
	call->finished = 1;
	send_status(call, GRPC_STATUS_OK, "", bb);
}

int attuned_call_send_message(attuned_call *call, attune_wire_buf *msg)
{
	grpc_op ops[2];
	size_t n = 0;

	if (call->finished || call->cancelled || call->send_busy) {
		attune_wire_buf_free(msg);
		return -1;
	}
	memset(ops, 0, sizeof(ops));
	add_initial_md(call, ops, &n);
	call->send_buf = to_byte_buffer(msg);
	ops[n].op = GRPC_OP_SEND_MESSAGE;
	ops[n].data.send_message.send_message = call->send_buf;
	n++;
	call->send_busy = 1;
	call->send_has_status = 0;
	if (start_batch(call, ops, n, &call->tag_send) != 0) {
		call->send_busy = 0;
		grpc_byte_buffer_destroy(call->send_buf);
		call->send_buf = NULL;
		return -1;
	}
	return 0;
}

void attuned_call_finish(attuned_call *call, grpc_status_code code, const char *details)
{
	if (call->finished)
		return;
	call->finished = 1;
	if (call->cancelled)
		return; /* nobody is listening; the call ends with its CLOSE */
	if (call->send_busy) {
		call->status_pending = 1;
		call->pending_code = code;
		snprintf(call->pending_details, sizeof(call->pending_details), "%s",
			 details ? details : "");
		return;
	}
	send_status(call, code, details, NULL);
}

static int is_unary_in(const attuned_method *m)
{
	return m->kind == ATTUNED_RPC_UNARY || m->kind == ATTUNED_RPC_SERVER_STREAM;
}

/* Reads the next request message; a unary request must be complete within
 * --request-timeout-ms of the call's start, a stream message within
 * --stream-idle-timeout-ms of the previous one (call_timeout.c). */
static void start_recv(attuned_call *call)
{
	const attuned_method *m = attuned_call_method(call);
	struct timespec now;
	grpc_op op;

	if (call->recv_busy || call->finished || call->cancelled || call->half_closed)
		return;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &call->recv_buf;
	call->recv_busy = 1;
	call->recv_seq++;
	if (start_batch(call, &op, 1, &call->tag_recv) != 0) {
		call->recv_busy = 0;
		attuned_call_finish(call, GRPC_STATUS_INTERNAL, "cannot read the request stream");
		return;
	}
	if (is_unary_in(m)) {
		attuned_call_timeouts_watch(call->server->timeouts, call, ATTUNED_WAIT_REQUEST,
					    &call->t0);
	} else {
		clock_gettime(CLOCK_MONOTONIC, &now);
		attuned_call_timeouts_watch(call->server->timeouts, call, ATTUNED_WAIT_STREAM,
					    &now);
	}
}

/* Reads a whole byte buffer into one slice (the caller unrefs it); returns
 * 0 on success. An uncompressed buffer of one slice, as most requests
 * arrive, is taken as it is: a new reference instead of readall's copy. */
static int read_buffer(grpc_byte_buffer *bb, grpc_slice *out)
{
	grpc_byte_buffer_reader reader;

	if (bb->type == GRPC_BB_RAW && bb->data.raw.compression == GRPC_COMPRESS_NONE &&
	    bb->data.raw.slice_buffer.count == 1) {
		*out = grpc_slice_ref(bb->data.raw.slice_buffer.slices[0]);
		return 0;
	}
	if (!grpc_byte_buffer_reader_init(&reader, bb))
		return -1;
	*out = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	return 0;
}

/* ----------------------------------------------------------- completions */

/* Without a CLOSE batch the call's end cannot be learned: marks it
 * finished, unlocks it and cancels it outside the lock. Lock held. */
static void give_up(attuned_call *call)
{
	call->finished = 1;
	pthread_mutex_unlock(&call->mu);
	grpc_call_cancel(call->call, NULL);
}

static void on_new(attuned_call *call, int ok)
{
	const attuned_method *m = attuned_call_method(call);
	char details[ATTUNED_DETAILS_MAX];
	grpc_status_code code;

	if (!ok) {
		/* The server is shutting down: this slot will never get a call. */
		attuned_call_unref(call);
		return;
	}
	call->started = 1;
	clock_gettime(CLOCK_MONOTONIC, &call->t0);
	attuned_observe_rpc_start(call->server, m ? m->name : "unknown");
	attuned_call_arm(call->server, call->slot); /* keep the slot count constant */

	pthread_mutex_lock(&call->mu);
	/* Streams need RECV_CLOSE first to see cancels while they run. A unary
	 * call mostly answers before on_start returns: its close then rides in
	 * the status batch (one batch and one completion fewer per call). */
	if (m && m->kind != ATTUNED_RPC_UNARY && start_close(call) != 0)
		goto out_give_up;
	code = attuned_authorize(call, m, details, sizeof(details));
	if (code != GRPC_STATUS_OK) {
		attuned_call_finish(call, code, details);
	} else if (!m) {
		attuned_observe_request_rejected(call->server,
						 ATTUNE_METRICS_REJECT_UNKNOWN_METHOD);
		attuned_call_finish(call, GRPC_STATUS_UNIMPLEMENTED,
				    "method not implemented by this server");
	} else if (is_unary_in(m)) {
		start_recv(call); /* on_start runs when the request is in (on_recv) */
	} else {
		m->on_start(call, NULL, 0);
		start_recv(call);
	}
	/* A failed status batch, or a handler still working. A unary call still
	 * waiting for its request starts its close in on_recv instead, once the
	 * reply had its chance to carry it. */
	if (!call->close_started && !call->recv_busy && start_close(call) != 0)
		goto out_give_up;
	pthread_mutex_unlock(&call->mu);
	attuned_call_unref(call);
	return;

out_give_up:
	give_up(call);
	attuned_call_unref(call);
}

/* The one request message of a unary/server-stream call arrived (or did
 * not). Lock held. !ok: the core failed the read (cancelled, over
 * --max-message-bytes) and already ended the call with its own status. */
static void on_request(attuned_call *call, const attuned_method *m, int ok, grpc_byte_buffer *bb)
{
	grpc_slice s;

	if (!ok || call->finished || call->cancelled)
		return;
	if (!bb) {
		attuned_observe_request_rejected(call->server, ATTUNE_METRICS_REJECT_MALFORMED);
		attuned_call_finish(call, GRPC_STATUS_INVALID_ARGUMENT,
				    "request: message required");
	} else if (read_buffer(bb, &s) != 0) {
		attuned_observe_request_rejected(call->server, ATTUNE_METRICS_REJECT_MALFORMED);
		attuned_call_finish(call, GRPC_STATUS_INVALID_ARGUMENT,
				    "request: cannot decompress message");
	} else {
		m->on_start(call, GRPC_SLICE_START_PTR(s), GRPC_SLICE_LENGTH(s));
		grpc_slice_unref(s);
	}
}

static void on_recv(attuned_call *call, int ok)
{
	const attuned_method *m = attuned_call_method(call);
	grpc_byte_buffer *bb;
	int no_close = 0;

	pthread_mutex_lock(&call->mu);
	/* Take the buffer before anything can start the next RECV_MESSAGE:
	 * that batch writes recv_buf from the core's threads, without our lock. */
	bb = call->recv_buf;
	call->recv_buf = NULL;
	call->recv_busy = 0;
	attuned_call_timeouts_unwatch(call->server->timeouts, call);
	if (is_unary_in(m)) {
		on_request(call, m, ok, bb);
		/* no reply batch carried the close (a handler still working, a
		 * failed read): start it alone to learn the call's end */
		no_close = !call->close_started && start_close(call) != 0;
	} else if (ok && !bb) {
		call->half_closed = 1;
		if (!call->finished && !call->cancelled && m->on_half_close)
			m->on_half_close(call);
	} else if (ok && !call->finished && !call->cancelled) {
		grpc_slice s;
		if (read_buffer(bb, &s) != 0) {
			attuned_observe_request_rejected(call->server,
							 ATTUNE_METRICS_REJECT_MALFORMED);
			attuned_call_finish(call, GRPC_STATUS_INVALID_ARGUMENT,
					    "request: cannot decompress message");
		} else {
			if (m->on_message)
				m->on_message(call, GRPC_SLICE_START_PTR(s), GRPC_SLICE_LENGTH(s));
			grpc_slice_unref(s);
		}
		start_recv(call);
	}
	if (bb)
		grpc_byte_buffer_destroy(bb);
	if (no_close)
		give_up(call);
	else
		pthread_mutex_unlock(&call->mu);
	attuned_call_unref(call);
}

/* The client cancelled, its deadline passed or it went away. Lock held. */
static void mark_cancelled(attuned_call *call)
{
	const attuned_method *m = attuned_call_method(call);

	call->cancelled = 1;
	if (m && m->on_cancel)
		m->on_cancel(call);
}

static void on_send(attuned_call *call, int ok)
{
	const attuned_method *m = attuned_call_method(call);

	pthread_mutex_lock(&call->mu);
	call->send_busy = 0;
	if (call->send_buf) {
		grpc_byte_buffer_destroy(call->send_buf);
		call->send_buf = NULL;
	}
	if (call->send_has_status) {
		call->status_sent = 1;
		/* With the close in this batch, ok is always 1 (the core reports
		 * a batch with RECV_CLOSE_ON_SERVER as a success); `cancelled`
		 * says the status never reached the client. */
		if (call->send_has_close && call->close_cancelled)
			mark_cancelled(call);
	} else if (call->status_pending) {
		call->status_pending = 0;
		if (!call->cancelled)
			send_status(call, call->pending_code, call->pending_details, NULL);
	} else if (m && m->on_send_done) {
		m->on_send_done(call, ok);
	}
	pthread_mutex_unlock(&call->mu);
	attuned_call_unref(call);
}

static void on_close(attuned_call *call)
{
	pthread_mutex_lock(&call->mu);
	if (call->close_cancelled && !call->status_sent)
		mark_cancelled(call);
	pthread_mutex_unlock(&call->mu);
	attuned_call_unref(call);
}

void attuned_call_on_event(attuned_tag *tag, int ok)
{
	switch (attuned_tag_kind_of(tag)) {
	case ATTUNED_TAG_NEW:
		on_new(tag->call, ok);
		break;
	case ATTUNED_TAG_RECV:
		on_recv(tag->call, ok);
		break;
	case ATTUNED_TAG_SEND:
		on_send(tag->call, ok);
		break;
	case ATTUNED_TAG_CLOSE:
		on_close(tag->call);
		break;
	case ATTUNED_TAG_SHUTDOWN:
		break; /* handled by the server */
	}
}
