/*
 * grpc_codes.c - the gRPC status code names (see grpc_codes.h); one table
 * for the client library and the service's metrics.
 */
#include "grpc_codes.h"

const char *const attune_grpc_code_names[ATTUNE_GRPC_CODE_COUNT] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

const char *attune_grpc_code_name(int code)
{
	if (code < 0 || code >= ATTUNE_GRPC_CODE_COUNT)
		return "UNKNOWN";
	return attune_grpc_code_names[code];
}
