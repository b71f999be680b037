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
	attune_client_code rc;
	attune_client__call k;
	grpc_op ops[4];
	size_t n_ops;
	gpr_timespec deadline;
	int tag_send = 0, tag_status = 0;

	*stopped = 0;
	*timed_out = 0;
	attune_client__ok(err);
	deadline = duration_ms == 0
	               ? gpr_inf_future(GPR_CLOCK_REALTIME)
	               : gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	                              gpr_time_from_millis((int64_t)duration_ms, GPR_TIMESPAN));
	rc = attune_client__call_begin(c, method, deadline, req, req_len, &k, err);
	if (rc != ATTUNE_CLIENT_OK)
		return rc;

	n_ops = attune_client__call_opening_ops(c, &k, ops);
	if (grpc_call_start_batch(k.call, ops, n_ops, &tag_send, NULL) != GRPC_CALL_OK) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL, "cannot start the call");
		goto out_end_call;
	}
	grpc_completion_queue_pluck(k.cq, &tag_send, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

	attune_client__call_status_op(&k, &ops[0]);
	if (grpc_call_start_batch(k.call, ops, 1, &tag_status, NULL) != GRPC_CALL_OK) {
		grpc_call_cancel(k.call, NULL);
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                         "cannot start the status batch");
		goto out_end_call;
	}

	*stopped = receive_loop(k.call, k.cq, on_msg, user, &rc, err);
	if (*stopped)
		grpc_call_cancel(k.call, NULL);
	grpc_completion_queue_pluck(k.cq, &tag_status, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (*stopped)
		goto out_end_call; /* rc is what the loop or on_msg decided */
	if (k.status == GRPC_STATUS_DEADLINE_EXCEEDED && duration_ms != 0)
		*timed_out = 1;
	if (k.status != GRPC_STATUS_OK)
		rc = attune_client__copy_status(err, k.status, k.details);
	else
		rc = attune_client__ok(err);

out_end_call:
	attune_client__call_end(&k);
	return rc;
}
