/*
 * wire_health.c - grpc.health.v1 HealthCheckRequest/Response on the wire,
 * for the server's Health service and the client's health check.
 */
#include <string.h>

#include "grpc/health/v1/health.pb-c.h"
#include "wire_internal.h"

attune_wire_status attune_wire_decode_health_request(const uint8_t *data, size_t len, char *service,
                                                     size_t cap, attune_wire_error *err)
{
	ProtobufCMessage *msg = NULL;
	attune_wire_status st;
	size_t n;

	if (!service || cap == 0)
		return ATTUNE_WIRE_E_ARG;
	service[0] = '\0';
	st = attune_wire__unpack(&grpc__health__v1__health_check_request__descriptor, data, len,
	                         "HealthCheckRequest", &msg, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	const Grpc__Health__V1__HealthCheckRequest *m =
	    (const Grpc__Health__V1__HealthCheckRequest *)msg;
	n = m->service ? strlen(m->service) : 0;
	if (n > ATTUNE_WIRE_MAX_SERVICE_BYTES || n >= cap) {
		st = attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                       "service: longer than %zu bytes",
		                       cap - 1 < ATTUNE_WIRE_MAX_SERVICE_BYTES
		                           ? cap - 1
		                           : (size_t)ATTUNE_WIRE_MAX_SERVICE_BYTES);
	} else {
		if (n)
			memcpy(service, m->service, n);
		service[n] = '\0';
	}
	protobuf_c_message_free_unpacked(msg, NULL);
	return st;
}

attune_wire_status attune_wire_encode_health_response(attune_wire_health_status st,
                                                      attune_wire_buf *out)
{
	Grpc__Health__V1__HealthCheckResponse m = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	m.status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)st;
	return attune_wire__pack(&m.base, out);
}

attune_wire_status attune_wire_encode_health_request(const char *service, attune_wire_buf *out)
{
	Grpc__Health__V1__HealthCheckRequest m = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	m.service = (char *)(service ? service : "");
	return attune_wire__pack(&m.base, out);
}

attune_wire_status attune_wire_decode_health_response(const uint8_t *data, size_t len,
                                                      attune_wire_health_status *st)
{
	ProtobufCMessage *msg = NULL;
	attune_wire_status rc;

	if (!st)
		return ATTUNE_WIRE_E_ARG;
	rc = attune_wire__unpack(&grpc__health__v1__health_check_response__descriptor, data, len,
	                         "HealthCheckResponse", &msg, NULL);
	if (rc != ATTUNE_WIRE_OK)
		return rc;
	*st =
	    (attune_wire_health_status)((const Grpc__Health__V1__HealthCheckResponse *)msg)->status;
	protobuf_c_message_free_unpacked(msg, NULL);
	return ATTUNE_WIRE_OK;
}
