/*
 * e2e_raw.h - raw gRPC C core calls for end-to-end tests: any method name,
 * any request bytes (invalid UTF-8, 20 MB, unknown methods), so tests reach
 * the server's own checks instead of the client library's.
 */
#ifndef ATTUNE_E2E_RAW_H
#define ATTUNE_E2E_RAW_H

#include <stddef.h>
#include <stdint.h>

/* Limits on what these helpers read back. */
#define E2E_RAW_MAX_DETAILS 4096
#define E2E_RAW_MAX_MESSAGE (8u << 20)

typedef struct e2e_raw_reply {
	int code;                     /* grpc_status_code */
	char details[E2E_RAW_MAX_DETAILS]; /* status message, NUL-terminated (cut if longer) */
	uint8_t *body;                /* first response message (malloc'd) or NULL */
	size_t body_len;
	int has_body;
} e2e_raw_reply;

/* One unary call of `method` ("/pkg.Svc/M") on `target` with `req` as the
 * single request message (req_len may be 0). Returns 0 when the call
 * completed (any status; see out->code), -1 on a local failure. out->body is
 * owned by the caller: e2e_raw_reply_free(). */
int e2e_raw_unary(const char *target, const char *method, const void *req, size_t req_len,
		  int deadline_ms, e2e_raw_reply *out);
void e2e_raw_reply_free(e2e_raw_reply *r);

/* A server-streaming call: the request is sent and the send side closed at
 * open; messages are then read one by one. */
typedef struct e2e_raw_stream e2e_raw_stream;

/* Opens the stream. On 0 *out is owned by the caller: e2e_raw_stream_destroy(). */
int e2e_raw_stream_open(const char *target, const char *method, const void *req,
			size_t req_len, int deadline_ms, e2e_raw_stream **out);
/* Opens a bidi (or client-streaming) call: nothing is sent yet. */
int e2e_raw_bidi_open(const char *target, const char *method, int deadline_ms,
		      e2e_raw_stream **out);
/* Sends one message (bidi only); waits up to timeout_ms for it to be written.
 * Returns 0, -1 on timeout or failure. */
int e2e_raw_stream_send(e2e_raw_stream *s, const void *msg, size_t len, int timeout_ms);
/* Half-closes the send side (bidi only). Returns 0 or -1. */
int e2e_raw_stream_close_send(e2e_raw_stream *s, int timeout_ms);
/* Waits up to timeout_ms for the next message. Returns 1 with a malloc'd
 * *body (caller frees), 0 at the end of the stream, -1 on timeout (the read
 * stays pending: call again), -2 on error. */
int e2e_raw_stream_next(e2e_raw_stream *s, int timeout_ms, uint8_t **body, size_t *len);
/* Waits up to timeout_ms for the final status (after next() returned 0).
 * Returns 0 and fills code/details, -1 on timeout. details may be NULL. */
int e2e_raw_stream_status(e2e_raw_stream *s, int timeout_ms, int *code, char *details,
			  size_t cap);
/* Cancels if still running and frees. NULL is a no-op. */
void e2e_raw_stream_destroy(e2e_raw_stream *s);

#endif
