/*
 * client_call.c - one synchronous unary call over the gRPC C core: a
 * per-call _for_pluck completion queue, the deadline, bearer metadata, and
 * copying the response bytes (bounded) and the status out.
 */
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "client_internal.h"

/* Copies the server's status details into err, replacing control bytes so
 * a hostile server cannot drive the caller's terminal. */
attune_client_code attune_client__copy_status(attune_client_error *err, grpc_status_code status,
                                              grpc_slice details)
{
	size_t len = GRPC_SLICE_LENGTH(details), i;
	char buf[ATTUNE_CLIENT_ERROR_MESSAGE_MAX];
	const unsigned char *p = GRPC_SLICE_START_PTR(details);
	size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	attune_client_code code =
	    (status >= 0 && status <= 16) ? (attune_client_code)status : ATTUNE_CLIENT_UNKNOWN;

	for (i = 0; i < n; i++)
		buf[i] = (p[i] < 0x20 || p[i] == 0x7f) ? '?' : (char)p[i];
	buf[n] = '\0';
	if (n == 0)
		return attune_client__fail(err, code, "%s", attune_client_code_name(code));
	return attune_client__fail(err, code, "%s", buf);
}

/* Flattens a received byte buffer into a malloc'd copy, enforcing the cap. */
attune_client_code attune_client__read_payload(grpc_byte_buffer *bb, uint8_t **out, size_t *out_len,
                                               attune_client_error *err)
{
	grpc_byte_buffer_reader reader;
	grpc_slice all;
	size_t len;
	uint8_t *copy;

	if (grpc_byte_buffer_length(bb) > ATTUNE_CLIENT_MAX_RESPONSE_BYTES)
		return attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED,
		                           "response larger than %u bytes",
		                           ATTUNE_CLIENT_MAX_RESPONSE_BYTES);
	if (!grpc_byte_buffer_reader_init(&reader, bb))
		return attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                           "cannot read the response payload");
	all = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	len = GRPC_SLICE_LENGTH(all);
	copy = malloc(len > 0 ? len : 1);
	if (copy == NULL) {
		grpc_slice_unref(all);
		return attune_client__fail(err, ATTUNE_CLIENT_RESOURCE_EXHAUSTED, "out of memory");
	}
	if (len > 0)
		memcpy(copy, GRPC_SLICE_START_PTR(all), len);
	grpc_slice_unref(all);
	*out = copy;
	*out_len = len;
	return ATTUNE_CLIENT_OK;
}

/* Shuts a pluck queue down, drains it and destroys it. */
void attune_client__destroy_queue(grpc_completion_queue *cq)
{
	grpc_event ev;
	grpc_completion_queue_shutdown(cq);
	do {
		ev =
		    grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	} while (ev.type != GRPC_QUEUE_SHUTDOWN);
	grpc_completion_queue_destroy(cq);
}

grpc_call *attune_client__create_call(attune_client *c, grpc_completion_queue *cq,
                                      const char *method, gpr_timespec deadline)
{
	grpc_slice method_slice = grpc_slice_from_static_string(method);
	grpc_call *call = grpc_channel_create_call(c->channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
	                                           method_slice, NULL, deadline, NULL);
	grpc_slice_unref(method_slice);
	return call;
}

grpc_byte_buffer *attune_client__request_buffer(const uint8_t *req, size_t req_len)
{
	grpc_slice req_slice = grpc_slice_from_copied_buffer((const char *)req, req_len);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&req_slice, 1);
	grpc_slice_unref(req_slice);
	return bb;
}

size_t attune_client__opening_ops(const attune_client *c, grpc_op *ops, grpc_byte_buffer *send_bb,
                                  grpc_metadata *auth_md, grpc_metadata_array *initial_md)
{
	memset(ops, 0, 4 * sizeof(*ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (c->auth_value != NULL) {
		auth_md->key = grpc_slice_from_static_string("authorization");
		auth_md->value = grpc_slice_from_static_string(c->auth_value);
		ops[0].data.send_initial_metadata.count = 1;
		ops[0].data.send_initial_metadata.metadata = auth_md;
	}
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send_bb;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = initial_md;
	return 4;
}

void attune_client__status_op(grpc_op *op, grpc_metadata_array *trailing_md,
                              grpc_status_code *status, grpc_slice *details,
                              const char **error_string)
{
	memset(op, 0, sizeof(*op));
	op->op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	op->data.recv_status_on_client.trailing_metadata = trailing_md;
	op->data.recv_status_on_client.status = status;
	op->data.recv_status_on_client.status_details = details;
	op->data.recv_status_on_client.error_string = error_string;
}

attune_client_code attune_client__unary(attune_client *c, const char *method, const uint8_t *req,
                                        size_t req_len, uint8_t **resp, size_t *resp_len,
                                        attune_client_error *err)
{
	attune_client_code rc;
	grpc_completion_queue *cq;
	grpc_call *call;
	grpc_slice details = grpc_empty_slice();
	grpc_byte_buffer *send_bb, *recv_bb = NULL;
	grpc_metadata_array initial_md, trailing_md;
	grpc_metadata auth_md;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	const char *error_string = NULL;
	grpc_op ops[6];
	size_t n_ops;
	grpc_call_error cerr;
	grpc_event ev;
	gpr_timespec deadline;
	int tag_batch = 0, tag_status = 0;

	*resp = NULL;
	*resp_len = 0;
	if (c == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT, "client is NULL");

	cq = grpc_completion_queue_create_for_pluck(NULL);
	deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	                        gpr_time_from_millis((int64_t)c->deadline_ms, GPR_TIMESPAN));
	call = attune_client__create_call(c, cq, method, deadline);
	if (call == NULL) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "cannot create the call");
		goto out_destroy_cq;
	}

	send_bb = attune_client__request_buffer(req, req_len);
	grpc_metadata_array_init(&initial_md);
	grpc_metadata_array_init(&trailing_md);

	n_ops = attune_client__opening_ops(c, ops, send_bb, &auth_md, &initial_md);
	memset(&ops[n_ops], 0, sizeof(ops[n_ops]));
	ops[n_ops].op = GRPC_OP_RECV_MESSAGE;
	ops[n_ops].data.recv_message.recv_message = &recv_bb;
	cerr = grpc_call_start_batch(call, ops, n_ops + 1, &tag_batch, NULL);
	if (cerr != GRPC_CALL_OK) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "cannot start the call (%d)",
		                         (int)cerr);
		goto out_unref_call;
	}
	attune_client__status_op(&ops[0], &trailing_md, &status, &details, &error_string);
	cerr = grpc_call_start_batch(call, ops, 1, &tag_status, NULL);
	if (cerr != GRPC_CALL_OK) {
		/* the first batch is in flight: cancel it and wait for it */
		grpc_call_cancel(call, NULL);
		ev = grpc_completion_queue_pluck(cq, &tag_batch, gpr_inf_future(GPR_CLOCK_REALTIME),
		                                 NULL);
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                         "cannot start the status batch (%d)", (int)cerr);
		goto out_unref_call;
	}
	/* The call has a deadline, so both batches complete. */
	ev = grpc_completion_queue_pluck(cq, &tag_batch, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	(void)ev;
	ev = grpc_completion_queue_pluck(cq, &tag_status, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	(void)ev;

	if (status != GRPC_STATUS_OK) {
		rc = attune_client__copy_status(err, status, details);
		goto out_unref_call;
	}
	if (recv_bb == NULL) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                         "server answered OK without a message");
		goto out_unref_call;
	}
	rc = attune_client__read_payload(recv_bb, resp, resp_len, err);
	if (rc == ATTUNE_CLIENT_OK)
		attune_client__ok(err);

out_unref_call:
	if (recv_bb != NULL)
		grpc_byte_buffer_destroy(recv_bb);
	grpc_byte_buffer_destroy(send_bb);
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	grpc_slice_unref(details);
	gpr_free((void *)error_string);
	grpc_call_unref(call);
out_destroy_cq:
	attune_client__destroy_queue(cq);
	return rc;
}
