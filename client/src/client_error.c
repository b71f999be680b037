/*
 * client_error.c - status code names and the error-filling helpers of
 * libattune. Messages are cut at a UTF-8 boundary, never mid code point.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client_internal.h"
#include "grpc_codes.h"

const char *attune_client_code_name(attune_client_code code)
{
	return attune_grpc_code_name((int)code);
}

const char *attune_client_serving_status_name(attune_client_serving_status st)
{
	switch (st) {
	case ATTUNE_CLIENT_SERVING:
		return "SERVING";
	case ATTUNE_CLIENT_NOT_SERVING:
		return "NOT_SERVING";
	case ATTUNE_CLIENT_SERVICE_UNKNOWN:
		return "SERVICE_UNKNOWN";
	case ATTUNE_CLIENT_SERVING_UNKNOWN:
	default:
		return "UNKNOWN";
	}
}

/* Cuts a message that vsnprintf truncated back to a code point boundary
 * and marks it with "...". */
static void mark_truncated(char *msg, size_t cap)
{
	size_t n = cap - 1;
	if (n < 4)
		return;
	n -= 3;
	while (n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80)
		n--;
	memcpy(msg + n, "...", 4);
}

attune_client_code attune_client__fail(attune_client_error *err, attune_client_code code,
                                       const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		int n;
		err->code = code;
		va_start(ap, fmt);
		n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		if (n < 0)
			err->message[0] = '\0';
		else if ((size_t)n >= sizeof(err->message))
			mark_truncated(err->message, sizeof(err->message));
	}
	return code;
}

attune_client_code attune_client__ok(attune_client_error *err)
{
	if (err != NULL) {
		err->code = ATTUNE_CLIENT_OK;
		err->message[0] = '\0';
	}
	return ATTUNE_CLIENT_OK;
}
