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

attune_client_code attune_client__call_begin(attune_client *c, const char *method,
                                             gpr_timespec deadline, const uint8_t *req,
                                             size_t req_len, attune_client__call *k,
                                             attune_client_error *err)
{
	grpc_slice method_slice, req_slice;

	memset(k, 0, sizeof(*k));
	k->status = GRPC_STATUS_UNKNOWN;
	k->details = grpc_empty_slice();
	k->cq = grpc_completion_queue_create_for_pluck(NULL);
	method_slice = grpc_slice_from_static_string(method);
	k->call = grpc_channel_create_call(c->channel, NULL, GRPC_PROPAGATE_DEFAULTS, k->cq,
	                                   method_slice, NULL, deadline, NULL);
	grpc_slice_unref(method_slice);
	if (k->call == NULL) {
		attune_client__destroy_queue(k->cq);
		k->cq = NULL;
		return attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "cannot create the call");
	}
	req_slice = grpc_slice_from_copied_buffer((const char *)req, req_len);
	k->send_bb = grpc_raw_byte_buffer_create(&req_slice, 1);
	grpc_slice_unref(req_slice);
	grpc_metadata_array_init(&k->initial_md);
	grpc_metadata_array_init(&k->trailing_md);
	return ATTUNE_CLIENT_OK;
}

size_t attune_client__call_opening_ops(const attune_client *c, attune_client__call *k, grpc_op *ops)
{
	memset(ops, 0, 4 * sizeof(*ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (c->auth_value != NULL) {
		k->auth_md.key = grpc_slice_from_static_string("authorization");
		k->auth_md.value = grpc_slice_from_static_string(c->auth_value);
		ops[0].data.send_initial_metadata.count = 1;
		ops[0].data.send_initial_metadata.metadata = &k->auth_md;
	}
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = k->send_bb;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &k->initial_md;
	return 4;
}

void attune_client__call_status_op(attune_client__call *k, grpc_op *op)
{
	memset(op, 0, sizeof(*op));
	op->op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	op->data.recv_status_on_client.trailing_metadata = &k->trailing_md;
	op->data.recv_status_on_client.status = &k->status;
	op->data.recv_status_on_client.status_details = &k->details;
	op->data.recv_status_on_client.error_string = &k->error_string;
}

void attune_client__call_end(attune_client__call *k)
{
	grpc_byte_buffer_destroy(k->send_bb);
	grpc_metadata_array_destroy(&k->initial_md);
	grpc_metadata_array_destroy(&k->trailing_md);
	grpc_slice_unref(k->details);
	gpr_free((void *)k->error_string);
	grpc_call_unref(k->call);
	attune_client__destroy_queue(k->cq);
}

attune_client_code attune_client__unary(attune_client *c, const char *method, const uint8_t *req,
                                        size_t req_len, uint8_t **resp, size_t *resp_len,
                                        attune_client_error *err)
{
	attune_client_code rc;
	attune_client__call k;
	grpc_byte_buffer *recv_bb = NULL;
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

	deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	                        gpr_time_from_millis((int64_t)c->deadline_ms, GPR_TIMESPAN));
	rc = attune_client__call_begin(c, method, deadline, req, req_len, &k, err);
	if (rc != ATTUNE_CLIENT_OK)
		return rc;

	n_ops = attune_client__call_opening_ops(c, &k, ops);
	memset(&ops[n_ops], 0, sizeof(ops[n_ops]));
	ops[n_ops].op = GRPC_OP_RECV_MESSAGE;
	ops[n_ops].data.recv_message.recv_message = &recv_bb;
	cerr = grpc_call_start_batch(k.call, ops, n_ops + 1, &tag_batch, NULL);
	if (cerr != GRPC_CALL_OK) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "cannot start the call (%d)",
		                         (int)cerr);
		goto out_end_call;
	}
	attune_client__call_status_op(&k, &ops[0]);
	cerr = grpc_call_start_batch(k.call, ops, 1, &tag_status, NULL);
	if (cerr != GRPC_CALL_OK) {
		/* the first batch is in flight: cancel it and wait for it */
		grpc_call_cancel(k.call, NULL);
		ev = grpc_completion_queue_pluck(k.cq, &tag_batch,
		                                 gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                         "cannot start the status batch (%d)", (int)cerr);
		goto out_end_call;
	}
	/* The call has a deadline, so both batches complete. */
	ev =
	    grpc_completion_queue_pluck(k.cq, &tag_batch, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	(void)ev;
	ev = grpc_completion_queue_pluck(k.cq, &tag_status, gpr_inf_future(GPR_CLOCK_REALTIME),
	                                 NULL);
	(void)ev;

	if (k.status != GRPC_STATUS_OK) {
		rc = attune_client__copy_status(err, k.status, k.details);
		goto out_end_call;
	}
	if (recv_bb == NULL) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                         "server answered OK without a message");
		goto out_end_call;
	}
	rc = attune_client__read_payload(recv_bb, resp, resp_len, err);
	if (rc == ATTUNE_CLIENT_OK)
		attune_client__ok(err);

out_end_call:
	if (recv_bb != NULL)
		grpc_byte_buffer_destroy(recv_bb);
	attune_client__call_end(&k);
	return rc;
}
