/*
 * rpc_health.c - grpc.health.v1.Health/Check and /Watch handlers over the
 * state in health.c. Health stays open: authz must never block it.
 */
#include "call.h"
#include "health.h"
#include "observe.h"
#include "rpc_methods.h"
#include "rpc_reject.h"
#include "server.h"

static int decode_service(attuned_call *call, const uint8_t *data, size_t len, char *service,
                          size_t cap)
{
	attune_wire_error err;
	attune_wire_status st;

	st = attune_wire_decode_health_request(data, len, service, cap, &err);
	if (st != ATTUNE_WIRE_OK) {
		attuned_rpc_reject(call, st, &err);
		return -1;
	}
	return 0;
}

static void check_start(attuned_call *call, const uint8_t *data, size_t len)
{
	attuned_health *h = attuned_server_health(attuned_call_server(call));
	char service[ATTUNE_WIRE_MAX_SERVICE_BYTES + 1];
	attune_wire_health_status hs;
	attune_wire_buf buf = {0};

	if (decode_service(call, data, len, service, sizeof(service)) != 0)
		return;
	hs = attuned_health_status(h, service);
	if (hs == ATTUNE_WIRE_HEALTH_SERVICE_UNKNOWN) {
		attuned_observe_request_rejected(attuned_call_server(call),
		                                 ATTUNE_METRICS_REJECT_UNKNOWN_SERVICE);
		attuned_call_finish(call, GRPC_STATUS_NOT_FOUND, "service: unknown");
		return;
	}
	if (attune_wire_encode_health_response(hs, &buf) != ATTUNE_WIRE_OK) {
		attuned_call_finish(call, GRPC_STATUS_INTERNAL, "out of memory");
		return;
	}
	attuned_call_reply(call, &buf);
}

static void watch_start(attuned_call *call, const uint8_t *data, size_t len)
{
	char service[ATTUNE_WIRE_MAX_SERVICE_BYTES + 1];

	if (decode_service(call, data, len, service, sizeof(service)) != 0)
		return;
	attuned_health_watch_start(attuned_server_health(attuned_call_server(call)), call, service);
}

static void watch_send_done(attuned_call *call, int ok)
{
	if (ok)
		attuned_health_watch_send_done(call);
}

const attuned_method attuned_rpc_health_check = {
    .path = "/grpc.health.v1.Health/Check",
    .name = "HealthCheck",
    .kind = ATTUNED_RPC_UNARY,
    .on_start = check_start,
};

const attuned_method attuned_rpc_health_watch = {
    .path = "/grpc.health.v1.Health/Watch",
    .name = "HealthWatch",
    .kind = ATTUNED_RPC_SERVER_STREAM,
    .on_start = watch_start,
    .on_send_done = watch_send_done,
    .on_cancel = attuned_health_watch_cancel,
    .on_done = attuned_health_watch_done,
};
