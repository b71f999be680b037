/*
 * call.h - what an RPC handler sees: the method descriptor it fills in (one
 * per rpc_*.c file, listed in rpc_table.c) and the per-call API to reply,
 * stream (one SEND_MESSAGE in flight at a time) and finish with a status.
 *
 * Threading: every handler callback runs with the call's lock held, so a
 * handler never sees two callbacks of one call at once. Code running on
 * another thread (a ticker, a health change) must take a reference with
 * attuned_call_ref(), then attuned_call_lock() around any call function.
 */
#ifndef ATTUNED_CALL_H
#define ATTUNED_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "attune_wire.h"

typedef struct attuned_call attuned_call;
typedef struct attuned_server attuned_server;

typedef enum attuned_rpc_kind {
	ATTUNED_RPC_UNARY = 0,         /* one request in, one response out */
	ATTUNED_RPC_SERVER_STREAM = 1, /* one request in, messages out */
	ATTUNED_RPC_CLIENT_STREAM = 2, /* messages in, one response out */
	ATTUNED_RPC_BIDI = 3           /* messages in and out */
} attuned_rpc_kind;

typedef struct attuned_method {
	const char *path; /* "/attune.v1.Assist/ScoreDraft" */
	const char *name; /* "ScoreDraft": the label in logs and metrics */
	attuned_rpc_kind kind;
	/* Called once when the call starts. UNARY/SERVER_STREAM: the request
	 * bytes (never NULL when called, valid until on_start returns; a call
	 * without a message is answered INVALID_ARGUMENT before this).
	 * CLIENT_STREAM/BIDI: data NULL, len 0; messages then arrive through
	 * on_message. Required. */
	void (*on_start)(attuned_call *call, const uint8_t *data, size_t len);
	/* CLIENT_STREAM/BIDI: each request message, in order. The next one is
	 * read after this returns (until the status is sent). */
	void (*on_message)(attuned_call *call, const uint8_t *data, size_t len);
	/* CLIENT_STREAM/BIDI: the client half-closed (no more messages). */
	void (*on_half_close)(attuned_call *call);
	/* A message started with attuned_call_send_message() completed
	 * (ok = 0: the call is dead). The next one may be started now. */
	void (*on_send_done)(attuned_call *call, int ok);
	/* The client cancelled, its deadline passed or it disconnected. No
	 * status needs to be sent any more. Optional. */
	void (*on_cancel)(attuned_call *call);
	/* Last callback: free what attuned_call_set_state() holds. Optional. */
	void (*on_done)(attuned_call *call);
	/* Server-wide hooks, optional: state shared by all calls of this method
	 * (attuned_call_method_state()); drain runs once when SIGTERM arrives,
	 * so long-lived streams can end themselves. */
	int (*init)(attuned_server *srv, void **method_state);
	void (*drain)(attuned_server *srv, void *method_state);
	void (*fini)(void *method_state);
} attuned_method;

/* The dispatch table (rpc_table.c): every method attuned registers. */
extern const attuned_method *const attuned_method_table[];
extern const size_t attuned_method_table_len;

attuned_server *attuned_call_server(const attuned_call *call);
const attuned_method *attuned_call_method(const attuned_call *call);
void *attuned_call_method_state(const attuned_call *call);
grpc_call *attuned_call_grpc(const attuned_call *call);
const grpc_metadata_array *attuned_call_metadata(const attuned_call *call);
gpr_timespec attuned_call_deadline(const attuned_call *call);

/* Per-call handler state; freed by the handler in on_done. */
void *attuned_call_state(const attuned_call *call);
void attuned_call_set_state(attuned_call *call, void *state);

/* Unary/client-stream success: sends initial metadata, `msg` and status OK
 * in one batch. Takes ownership of msg->data (zeroes *msg) in all cases. */
void attuned_call_reply(attuned_call *call, attune_wire_buf *msg);

/* Streams one message. Takes ownership of msg->data in all cases. Returns 0
 * when started; -1 when a send is already in flight, the status was sent or
 * the call was cancelled (the message is dropped). */
int attuned_call_send_message(attuned_call *call, attune_wire_buf *msg);
/* 1 while a message send is in flight. */
int attuned_call_send_busy(const attuned_call *call);

/* Ends the call with `code` and `details` (static or copied; must never
 * contain message text). If a send is in flight, the status follows it.
 * Later calls are ignored. */
void attuned_call_finish(attuned_call *call, grpc_status_code code, const char *details);

/* 1 once the client cancelled / the deadline passed / it disconnected. */
int attuned_call_is_cancelled(const attuned_call *call);
/* 1 once the client half-closed its request stream. */
int attuned_call_is_half_closed(const attuned_call *call);
/* 1 once a status was sent or queued. */
int attuned_call_is_finished(const attuned_call *call);

/* For other threads: keep the call alive, and lock it around call functions.
 * Never take the lock from inside a callback (it is already held). */
void attuned_call_ref(attuned_call *call);
void attuned_call_unref(attuned_call *call);
void attuned_call_lock(attuned_call *call);
void attuned_call_unlock(attuned_call *call);

#endif
