/*
 * e2e_raw.c - raw gRPC C core unary and server-streaming calls for the
 * end-to-end tests (one channel per call: simple, and tests are few).
 */
#include "e2e_raw.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <stdlib.h>
#include <string.h>

struct e2e_raw_stream {
	grpc_channel *channel;
	grpc_completion_queue *cq;
	grpc_call *call;
	grpc_metadata_array initial_md;
	grpc_metadata_array trailing_md;
	grpc_byte_buffer *send_buf;
	grpc_byte_buffer *recv_buf;
	grpc_slice details;
	grpc_status_code status;
	int start_pending, msg_pending, status_pending, send_pending;
	int tags[4]; /* addresses used as tags: start, message, status, send */
};

static gpr_timespec deadline_in(int ms)
{
	return gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
			    gpr_time_from_millis(ms, GPR_TIMESPAN));
}

static grpc_channel *open_channel(const char *target)
{
	grpc_arg args[3];
	memset(args, 0, sizeof(args));
	args[0].type = GRPC_ARG_INTEGER;
	args[0].key = (char *)GRPC_ARG_ENABLE_HTTP_PROXY;
	args[0].value.integer = 0;
	args[1].type = GRPC_ARG_INTEGER;
	args[1].key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
	args[1].value.integer = -1;
	args[2].type = GRPC_ARG_INTEGER;
	args[2].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	args[2].value.integer = (int)E2E_RAW_MAX_MESSAGE;
	grpc_channel_args ca = {3, args};
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(target, creds, &ca);
	grpc_channel_credentials_release(creds);
	return ch;
}

static grpc_byte_buffer *make_buffer(const void *data, size_t len)
{
	grpc_slice s = grpc_slice_malloc(len);
	if (len > 0)
		memcpy(GRPC_SLICE_START_PTR(s), data, len);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return bb;
}

/* Copies a received buffer into malloc'd memory (bounded). */
static int take_buffer(grpc_byte_buffer *bb, uint8_t **out, size_t *len)
{
	grpc_byte_buffer_reader rd;
	*out = NULL;
	*len = 0;
	if (!grpc_byte_buffer_reader_init(&rd, bb))
		return -1;
	grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	size_t n = GRPC_SLICE_LENGTH(all);
	int rc = -1;
	if (n <= E2E_RAW_MAX_MESSAGE) {
		*out = malloc(n > 0 ? n : 1);
		if (*out != NULL) {
			if (n > 0)
				memcpy(*out, GRPC_SLICE_START_PTR(all), n);
			*len = n;
			rc = 0;
		}
	}
	grpc_slice_unref(all);
	return rc;
}

static void copy_details(grpc_slice d, char *dst, size_t cap)
{
	if (dst == NULL || cap == 0)
		return;
	size_t n = GRPC_SLICE_LENGTH(d);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, GRPC_SLICE_START_PTR(d), n);
	dst[n] = '\0';
}

static void drain_and_destroy_cq(grpc_completion_queue *cq)
{
	grpc_completion_queue_shutdown(cq);
	for (;;) {
		grpc_event ev = grpc_completion_queue_pluck(cq, NULL,
							    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
	}
	grpc_completion_queue_destroy(cq);
}

int e2e_raw_unary(const char *target, const char *method, const void *req, size_t req_len,
		  int deadline_ms, e2e_raw_reply *out)
{
	int rc = -1;
	memset(out, 0, sizeof(*out));
	out->code = GRPC_STATUS_UNKNOWN;
	grpc_init();
	grpc_channel *ch = open_channel(target);
	grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
	grpc_slice m = grpc_slice_from_copied_string(method);
	grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, m, NULL,
						   deadline_in(deadline_ms), NULL);
	grpc_slice_unref(m);
	grpc_metadata_array imd, tmd;
	grpc_metadata_array_init(&imd);
	grpc_metadata_array_init(&tmd);
	grpc_byte_buffer *send = make_buffer(req, req_len);
	grpc_byte_buffer *recv = NULL;
	grpc_slice details = grpc_empty_slice();
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_op ops[6];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &imd;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &tmd;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;
	int tag = 0;
	if (call != NULL && grpc_call_start_batch(call, ops, 6, &tag, NULL) == GRPC_CALL_OK) {
		/* The core enforces the call deadline; the extra margin is a backstop. */
		grpc_event ev = grpc_completion_queue_pluck(cq, &tag, deadline_in(deadline_ms + 10000),
							    NULL);
		if (ev.type == GRPC_OP_COMPLETE) {
			out->code = (int)status;
			copy_details(details, out->details, sizeof(out->details));
			if (recv != NULL) {
				out->has_body = take_buffer(recv, &out->body, &out->body_len) == 0;
			}
			rc = 0;
		} else {
			grpc_call_cancel(call, NULL);
			grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_REALTIME),
						    NULL);
		}
	}
	if (recv != NULL)
		grpc_byte_buffer_destroy(recv);
	grpc_byte_buffer_destroy(send);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&imd);
	grpc_metadata_array_destroy(&tmd);
	if (call != NULL)
		grpc_call_unref(call);
	drain_and_destroy_cq(cq);
	grpc_channel_destroy(ch);
	grpc_shutdown();
	return rc;
}

void e2e_raw_reply_free(e2e_raw_reply *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	r->has_body = 0;
}

/* Opens a call. Server-streaming (req != NULL): sends the request and
 * half-closes. Bidi (req == NULL): only sends initial metadata. */
static int stream_open(const char *target, const char *method, const void *req, size_t req_len,
		       int deadline_ms, e2e_raw_stream **out)
{
	*out = NULL;
	e2e_raw_stream *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	grpc_init();
	s->channel = open_channel(target);
	s->cq = grpc_completion_queue_create_for_pluck(NULL);
	grpc_slice m = grpc_slice_from_copied_string(method);
	s->call = grpc_channel_create_call(s->channel, NULL, GRPC_PROPAGATE_DEFAULTS, s->cq, m,
					   NULL, deadline_in(deadline_ms), NULL);
	grpc_slice_unref(m);
	grpc_metadata_array_init(&s->initial_md);
	grpc_metadata_array_init(&s->trailing_md);
	s->details = grpc_empty_slice();
	s->status = GRPC_STATUS_UNKNOWN;
	if (s->call == NULL)
		goto out_fail;

	grpc_op ops[4];
	size_t n = 0;
	memset(ops, 0, sizeof(ops));
	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (req != NULL) {
		s->send_buf = make_buffer(req, req_len);
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = s->send_buf;
		ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	}
	ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[n++].data.recv_initial_metadata.recv_initial_metadata = &s->initial_md;
	if (grpc_call_start_batch(s->call, ops, n, &s->tags[0], NULL) != GRPC_CALL_OK)
		goto out_fail;
	s->start_pending = 1;

	grpc_op st;
	memset(&st, 0, sizeof(st));
	st.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	st.data.recv_status_on_client.trailing_metadata = &s->trailing_md;
	st.data.recv_status_on_client.status = &s->status;
	st.data.recv_status_on_client.status_details = &s->details;
	if (grpc_call_start_batch(s->call, &st, 1, &s->tags[2], NULL) != GRPC_CALL_OK)
		goto out_fail;
	s->status_pending = 1;
	*out = s;
	return 0;
out_fail:
	e2e_raw_stream_destroy(s);
	return -1;
}

int e2e_raw_stream_open(const char *target, const char *method, const void *req,
			size_t req_len, int deadline_ms, e2e_raw_stream **out)
{
	static const uint8_t empty = 0;
	return stream_open(target, method, req != NULL ? req : &empty, req_len, deadline_ms, out);
}

int e2e_raw_bidi_open(const char *target, const char *method, int deadline_ms,
		      e2e_raw_stream **out)
{
	return stream_open(target, method, NULL, 0, deadline_ms, out);
}

/* Runs one send-side op and waits for it. */
static int send_op(e2e_raw_stream *s, grpc_op *op, int timeout_ms)
{
	if (s->send_pending)
		return -1;
	if (grpc_call_start_batch(s->call, op, 1, &s->tags[3], NULL) != GRPC_CALL_OK)
		return -1;
	s->send_pending = 1;
	grpc_event ev =
		grpc_completion_queue_pluck(s->cq, &s->tags[3], deadline_in(timeout_ms), NULL);
	if (ev.type == GRPC_QUEUE_TIMEOUT)
		return -1;
	s->send_pending = 0;
	return ev.success ? 0 : -1;
}

int e2e_raw_stream_send(e2e_raw_stream *s, const void *msg, size_t len, int timeout_ms)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	if (s->send_buf != NULL) {
		grpc_byte_buffer_destroy(s->send_buf);
		s->send_buf = NULL;
	}
	s->send_buf = make_buffer(msg, len);
	op.op = GRPC_OP_SEND_MESSAGE;
	op.data.send_message.send_message = s->send_buf;
	return send_op(s, &op, timeout_ms);
}

int e2e_raw_stream_close_send(e2e_raw_stream *s, int timeout_ms)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	return send_op(s, &op, timeout_ms);
}

int e2e_raw_stream_next(e2e_raw_stream *s, int timeout_ms, uint8_t **body, size_t *len)
{
	*body = NULL;
	*len = 0;
	if (s->start_pending) {
		grpc_event ev = grpc_completion_queue_pluck(s->cq, &s->tags[0],
							    deadline_in(timeout_ms), NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT)
			return -1;
		s->start_pending = 0;
	}
	if (!s->msg_pending) {
		grpc_op op;
		memset(&op, 0, sizeof(op));
		op.op = GRPC_OP_RECV_MESSAGE;
		op.data.recv_message.recv_message = &s->recv_buf;
		if (grpc_call_start_batch(s->call, &op, 1, &s->tags[1], NULL) != GRPC_CALL_OK)
			return -2;
		s->msg_pending = 1;
	}
	grpc_event ev =
		grpc_completion_queue_pluck(s->cq, &s->tags[1], deadline_in(timeout_ms), NULL);
	if (ev.type == GRPC_QUEUE_TIMEOUT)
		return -1;
	s->msg_pending = 0;
	if (s->recv_buf == NULL)
		return 0;
	int rc = take_buffer(s->recv_buf, body, len) == 0 ? 1 : -2;
	grpc_byte_buffer_destroy(s->recv_buf);
	s->recv_buf = NULL;
	return rc;
}

int e2e_raw_stream_status(e2e_raw_stream *s, int timeout_ms, int *code, char *details,
			  size_t cap)
{
	if (s->status_pending) {
		grpc_event ev = grpc_completion_queue_pluck(s->cq, &s->tags[2],
							    deadline_in(timeout_ms), NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT)
			return -1;
		s->status_pending = 0;
	}
	*code = (int)s->status;
	copy_details(s->details, details, cap);
	return 0;
}

void e2e_raw_stream_destroy(e2e_raw_stream *s)
{
	if (s == NULL)
		return;
	if (s->call != NULL) {
		gpr_timespec inf = gpr_inf_future(GPR_CLOCK_REALTIME);
		if (s->status_pending || s->send_pending)
			grpc_call_cancel(s->call, NULL);
		if (s->start_pending)
			grpc_completion_queue_pluck(s->cq, &s->tags[0], inf, NULL);
		if (s->msg_pending)
			grpc_completion_queue_pluck(s->cq, &s->tags[1], inf, NULL);
		if (s->status_pending)
			grpc_completion_queue_pluck(s->cq, &s->tags[2], inf, NULL);
		if (s->send_pending)
			grpc_completion_queue_pluck(s->cq, &s->tags[3], inf, NULL);
		grpc_call_unref(s->call);
	}
	if (s->recv_buf != NULL)
		grpc_byte_buffer_destroy(s->recv_buf);
	if (s->send_buf != NULL)
		grpc_byte_buffer_destroy(s->send_buf);
	grpc_slice_unref(s->details);
	grpc_metadata_array_destroy(&s->initial_md);
	grpc_metadata_array_destroy(&s->trailing_md);
	drain_and_destroy_cq(s->cq);
	grpc_channel_destroy(s->channel);
	free(s);
	grpc_shutdown();
}
