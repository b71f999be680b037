/*
 * client_internal.h - shared between libattune's source files only: the
 * client handle, the generic unary call over the gRPC C core and the error
 * helpers. Not installed.
 */
#ifndef ATTUNE_CLIENT_INTERNAL_H
#define ATTUNE_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "attune/client.h"

struct attune_client {
	grpc_channel *channel; /* NULL for an offline client */
	attune_scorer *scorer; /* offline clients only; owned */
	unsigned deadline_ms;
	char *auth_value; /* "Bearer <token>" or NULL; owned */
};

/* Sets err (if non-NULL) to code + a printf-style message; returns code.
 * Callers never format input text into the message. */
attune_client_code attune_client__fail(attune_client_error *err, attune_client_code code,
                                       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets err to OK with an empty message; returns ATTUNE_CLIENT_OK. */
attune_client_code attune_client__ok(attune_client_error *err);

/* Calls the unary `method` ("/pkg.Service/Method") with the serialized
 * request. On OK *resp (malloc'd, caller frees; may be non-NULL with
 * *resp_len == 0 for an empty message) holds the response bytes, at most
 * ATTUNE_CLIENT_MAX_RESPONSE_BYTES. On failure *resp is NULL. */
attune_client_code attune_client__unary(attune_client *c, const char *method, const uint8_t *req,
                                        size_t req_len, uint8_t **resp, size_t *resp_len,
                                        attune_client_error *err);

/* Called with each message of a server stream (bytes borrowed for the
 * call). Returns 0 to go on, non-zero to stop; on stop it may set *err. */
typedef int (*attune_client__msg_fn)(const uint8_t *data, size_t len, void *user,
                                     attune_client_error *err);

/* Calls the server-streaming `method`, handing each response message (at
 * most ATTUNE_CLIENT_MAX_RESPONSE_BYTES) to on_msg until it returns
 * non-zero, the stream ends, or duration_ms passes (0 = no deadline).
 * *stopped is set when on_msg stopped the stream (then the call was
 * cancelled and the result is whatever on_msg left in err, OK by default);
 * *timed_out when the deadline ended it. Otherwise returns the status. */
attune_client_code attune_client__server_stream(attune_client *c, const char *method,
                                                const uint8_t *req, size_t req_len,
                                                unsigned duration_ms, attune_client__msg_fn on_msg,
                                                void *user, int *stopped, int *timed_out,
                                                attune_client_error *err);

/* Helpers shared by client_call.c and client_stream.c. */
/* Fills err from a non-OK status, control bytes replaced; returns the code. */
attune_client_code attune_client__copy_status(attune_client_error *err, grpc_status_code status,
                                              grpc_slice details);
/* Copies a received message (bounded) into a malloc'd buffer. */
attune_client_code attune_client__read_payload(grpc_byte_buffer *bb, uint8_t **out, size_t *out_len,
                                               attune_client_error *err);
/* The pieces of one call that the unary and the streaming paths share. */
typedef struct attune_client__call {
	grpc_completion_queue *cq; /* pluck queue of this call only */
	grpc_call *call;
	grpc_byte_buffer *send_bb; /* the request */
	grpc_metadata_array initial_md, trailing_md;
	grpc_metadata auth_md; /* "authorization" when the client has a token */
	grpc_status_code status;
	grpc_slice details;
	const char *error_string;
} attune_client__call;

/* Creates k's queue, the call of `method` ("/pkg.Service/Method") with the
 * deadline and a copy of the request. On failure fills err, releases what
 * it made and returns the code; on OK the caller ends k with
 * attune_client__call_end. */
attune_client_code attune_client__call_begin(attune_client *c, const char *method,
                                             gpr_timespec deadline, const uint8_t *req,
                                             size_t req_len, attune_client__call *k,
                                             attune_client_error *err);
/* Fills ops[0..3] with the client's opening: initial metadata (the bearer
 * token when c has one), the request, half-close, and receiving the
 * initial metadata. Returns the number of ops filled (4). */
size_t attune_client__call_opening_ops(const attune_client *c, attune_client__call *k,
                                       grpc_op *ops);
/* Fills *op (zeroed first) to receive the status into k. */
void attune_client__call_status_op(attune_client__call *k, grpc_op *op);
/* Releases the request, metadata, status details, call and queue of k. */
void attune_client__call_end(attune_client__call *k);
/* Shuts down, drains and destroys a pluck queue. */
void attune_client__destroy_queue(grpc_completion_queue *cq);

#endif
