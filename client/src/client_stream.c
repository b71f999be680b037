/*
 * client_stream.c - one synchronous server-streaming call over the gRPC C
 * core (WatchMetrics): send the request, hand each message to a callback,
 * stop on the callback's word (cancel), the deadline, or the stream's end.
 */
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "client_internal.h"

/* Receives messages until the stream ends or on_msg stops it. Returns 1 if
 * on_msg asked to stop, 0 otherwise; *rc carries a local failure. */
static int receive_loop(grpc_call *call, grpc_completion_queue *cq, attune_client__msg_fn on_msg,
                        void *user, attune_client_code *rc, attune_client_error *err)
{
	int tag_msg = 0;

	for (;;) {
		grpc_byte_buffer *bb = NULL;
		grpc_op op;
		uint8_t *data = NULL;
		size_t len = 0;
		int stop;

		memset(&op, 0, sizeof(op));
		op.op = GRPC_OP_RECV_MESSAGE;
		op.data.recv_message.recv_message = &bb;
		if (grpc_call_start_batch(call, &op, 1, &tag_msg, NULL) != GRPC_CALL_OK) {
			*rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
			                          "cannot start a receive");
			return 1;
		}
		grpc_completion_queue_pluck(cq, &tag_msg, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (bb == NULL)
			return 0; /* end of stream, deadline or error: the status says which */
		*rc = attune_client__read_payload(bb, &data, &len, err);
		grpc_byte_buffer_destroy(bb);
		if (*rc != ATTUNE_CLIENT_OK)
			return 1;
		stop = on_msg(data, len, user, err);
		free(data);
		if (stop) {
			*rc = err != NULL ? err->code : ATTUNE_CLIENT_OK;
			return 1;
		}
	}
}

attune_client_code attune_client__server_stream(attune_client *c, const char *method,
                                                const uint8_t *req, size_t req_len,
                                                unsigned duration_ms, attune_client__msg_fn on_msg,
                                                void *user, int *stopped, int *timed_out,
                                                attune_client_error *err)
{
	attune_client_code rc = ATTUNE_CLIENT_OK;
	grpc_completion_queue *cq;
	grpc_call *call;
	grpc_slice details = grpc_empty_slice();
	grpc_byte_buffer *send_bb;
	grpc_metadata_array initial_md, trailing_md;
	grpc_metadata auth_md;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	const char *error_string = NULL;
	grpc_op ops[4];
	size_t n_ops;
	gpr_timespec deadline;
	int tag_send = 0, tag_status = 0;

	*stopped = 0;
	*timed_out = 0;
	attune_client__ok(err);
	cq = grpc_completion_queue_create_for_pluck(NULL);
	deadline = duration_ms == 0
	               ? gpr_inf_future(GPR_CLOCK_REALTIME)
	               : gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	                              gpr_time_from_millis((int64_t)duration_ms, GPR_TIMESPAN));
	call = attune_client__create_call(c, cq, method, deadline);
	if (call == NULL) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "cannot create the call");
		goto out_destroy_cq;
	}
	send_bb = attune_client__request_buffer(req, req_len);
	grpc_metadata_array_init(&initial_md);
	grpc_metadata_array_init(&trailing_md);

	n_ops = attune_client__opening_ops(c, ops, send_bb, &auth_md, &initial_md);
	if (grpc_call_start_batch(call, ops, n_ops, &tag_send, NULL) != GRPC_CALL_OK) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "cannot start the call");
		goto out_unref_call;
	}
	grpc_completion_queue_pluck(cq, &tag_send, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

	attune_client__status_op(&ops[0], &trailing_md, &status, &details, &error_string);
	if (grpc_call_start_batch(call, ops, 1, &tag_status, NULL) != GRPC_CALL_OK) {
		grpc_call_cancel(call, NULL);
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                         "cannot start the status batch");
		goto out_unref_call;
	}

	*stopped = receive_loop(call, cq, on_msg, user, &rc, err);
	if (*stopped)
		grpc_call_cancel(call, NULL);
	grpc_completion_queue_pluck(cq, &tag_status, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (*stopped)
		goto out_unref_call; /* rc is what the loop or on_msg decided */
	if (status == GRPC_STATUS_DEADLINE_EXCEEDED && duration_ms != 0)
		*timed_out = 1;
	if (status != GRPC_STATUS_OK)
		rc = attune_client__copy_status(err, status, details);
	else
		rc = attune_client__ok(err);

out_unref_call:
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
