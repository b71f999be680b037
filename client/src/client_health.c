/*
 * client_health.c - grpc.health.v1.Health/Check through libattune. An
 * offline client answers SERVING without any I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "attune_wire.h"
#include "client_internal.h"

#define HEALTH_CHECK_METHOD "/grpc.health.v1.Health/Check"
#define MAX_SERVICE_BYTES   256u

attune_client_code attune_client_health(attune_client *c, const char *service,
                                        attune_client_serving_status *status,
                                        attune_client_error *err)
{
	attune_client_code rc;
	attune_wire_buf req = {NULL, 0};
	uint8_t *resp = NULL;
	size_t resp_len = 0;
	attune_wire_health_status hs = ATTUNE_WIRE_HEALTH_UNKNOWN;
	attune_wire_status wst;

	if (c == NULL || status == NULL)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                           "client or status is NULL");
	*status = ATTUNE_CLIENT_SERVING_UNKNOWN;
	if (service != NULL && strlen(service) > MAX_SERVICE_BYTES)
		return attune_client__fail(err, ATTUNE_CLIENT_INVALID_ARGUMENT,
		                           "service: longer than %u bytes", MAX_SERVICE_BYTES);
	if (c->scorer != NULL) {
		*status = ATTUNE_CLIENT_SERVING;
		return attune_client__ok(err);
	}
	wst = attune_wire_encode_health_request(service, &req);
	if (wst != ATTUNE_WIRE_OK)
		return attune_client__fail(err, (attune_client_code)attune_wire_status_code(wst),
		                           "%s", attune_wire_strerror(wst));
	rc = attune_client__unary(c, HEALTH_CHECK_METHOD, req.data, req.len, &resp, &resp_len, err);
	if (rc != ATTUNE_CLIENT_OK)
		goto out_free;
	wst = attune_wire_decode_health_response(resp, resp_len, &hs);
	if (wst != ATTUNE_WIRE_OK) {
		rc = attune_client__fail(err, ATTUNE_CLIENT_INTERNAL,
		                         "cannot decode the health response: %s",
		                         attune_wire_strerror(wst));
		goto out_free;
	}
	*status = (attune_client_serving_status)hs;
out_free:
	free(resp);
	attune_wire_buf_free(&req);
	return rc;
}
