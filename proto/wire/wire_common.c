/*
 * wire_common.c - status strings, buffers, error formatting and the
 * pack/unpack helpers every attune_wire message file shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_internal.h"

const char *attune_wire_strerror(attune_wire_status st)
{
	switch (st) {
	case ATTUNE_WIRE_OK:
		return "ok";
	case ATTUNE_WIRE_E_NOMEM:
		return "out of memory";
	case ATTUNE_WIRE_E_MALFORMED:
		return "malformed protobuf message";
	case ATTUNE_WIRE_E_INVALID:
		return "invalid field";
	case ATTUNE_WIRE_E_ARG:
		return "invalid argument to attune_wire";
	}
	return "unknown attune_wire status";
}

int attune_wire_status_code(attune_wire_status st)
{
	switch (st) {
	case ATTUNE_WIRE_OK:
		return 0;
	case ATTUNE_WIRE_E_MALFORMED:
	case ATTUNE_WIRE_E_INVALID:
		return 3; /* INVALID_ARGUMENT */
	case ATTUNE_WIRE_E_NOMEM:
		return 8; /* RESOURCE_EXHAUSTED */
	case ATTUNE_WIRE_E_ARG:
		break;
	}
	return 13; /* INTERNAL */
}

void attune_wire_buf_free(attune_wire_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

attune_wire_status attune_wire__fail(attune_wire_error *err, attune_wire_reason reason,
                                     const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->reason = reason;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return ATTUNE_WIRE_E_INVALID;
}

attune_wire_status attune_wire__unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                                       size_t len, const char *what, ProtobufCMessage **out,
                                       attune_wire_error *err)
{
	attune_wire_status st;

	*out = NULL;
	if (!data && len)
		return ATTUNE_WIRE_E_ARG;
	st = attune_wire__check_strings(desc, data, len, err);
	if (st == ATTUNE_WIRE_E_MALFORMED)
		attune_wire__fail(err, ATTUNE_WIRE_REASON_MALFORMED,
		                  "request: not a valid %s message", what);
	if (st != ATTUNE_WIRE_OK)
		return st;
	/* protobuf-c reads nothing for len == 0 but wants a non-NULL pointer. */
	*out = protobuf_c_message_unpack(desc, NULL, len, data ? data : (const uint8_t *)"");
	if (!*out) {
		/* protobuf-c does not tell OOM from bad input; the walk above
		 * accepted the framing, so this is a bad value or OOM. */
		attune_wire__fail(err, ATTUNE_WIRE_REASON_MALFORMED,
		                  "request: not a valid %s message", what);
		return ATTUNE_WIRE_E_MALFORMED;
	}
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire__unpack_owned(const ProtobufCMessageDescriptor *desc,
                                             const uint8_t *data, size_t len, const char *what,
                                             size_t owner_size, void **owner,
                                             ProtobufCMessage **msg, attune_wire_error *err)
{
	attune_wire_status st;

	*owner = NULL;
	st = attune_wire__unpack(desc, data, len, what, msg, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	*owner = calloc(1, owner_size);
	if (!*owner) {
		protobuf_c_message_free_unpacked(*msg, NULL);
		*msg = NULL;
		return ATTUNE_WIRE_E_NOMEM;
	}
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire__pack(const ProtobufCMessage *msg, attune_wire_buf *out)
{
	size_t n = protobuf_c_message_get_packed_size(msg);

	out->data = malloc(n ? n : 1);
	out->len = 0;
	if (!out->data)
		return ATTUNE_WIRE_E_NOMEM;
	out->len = protobuf_c_message_pack(msg, out->data);
	return ATTUNE_WIRE_OK;
}

attune_text attune_wire__text(const char *s)
{
	attune_text t = {s ? s : "", s ? strlen(s) : 0};
	return t;
}

char *attune_wire__strdup_text(attune_text t)
{
	char *s = malloc(t.len + 1);

	if (!s)
		return NULL;
	if (t.len)
		memcpy(s, t.ptr, t.len);
	s[t.len] = '\0';
	return s;
}
