/*
 * wire_check.c - walks raw protobuf bytes before unpacking and checks every
 * string field for valid UTF-8 without NUL bytes (protobuf-c would otherwise
 * accept both and truncate at an embedded NUL). Names the field on failure.
 */
#include <stdio.h>
#include <string.h>

#include "wire_internal.h"

/* Our message types nest at most three deep; anything deeper is hostile. */
#define WIRE_MAX_DEPTH 8

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

/* Reads a varint; returns bytes consumed or 0 on truncation/overflow. */
static size_t read_varint(const uint8_t *p, size_t len, uint64_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < len && i < 10; i++) {
		x |= (uint64_t)(p[i] & 0x7F) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

static attune_wire_status walk(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len,
                               const char *prefix, int depth, attune_wire_error *err)
{
	size_t off = 0;

	if (depth > WIRE_MAX_DEPTH)
		return ATTUNE_WIRE_E_MALFORMED;
	while (off < len) {
		uint64_t tag, n;
		size_t used = read_varint(p + off, len - off, &tag);
		if (!used || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF)
			return ATTUNE_WIRE_E_MALFORMED;
		off += used;
		switch ((int)(tag & 7)) {
		case WT_VARINT:
			used = read_varint(p + off, len - off, &n);
			if (!used)
				return ATTUNE_WIRE_E_MALFORMED;
			off += used;
			break;
		case WT_FIXED64:
			if (len - off < 8)
				return ATTUNE_WIRE_E_MALFORMED;
			off += 8;
			break;
		case WT_FIXED32:
			if (len - off < 4)
				return ATTUNE_WIRE_E_MALFORMED;
			off += 4;
			break;
		case WT_LEN: {
			used = read_varint(p + off, len - off, &n);
			if (!used || n > len - off - used)
				return ATTUNE_WIRE_E_MALFORMED;
			off += used;
			const ProtobufCFieldDescriptor *f =
			    protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3));
			if (f && f->type == PROTOBUF_C_TYPE_STRING) {
				if (!attune_utf8_valid((const char *)p + off, (size_t)n))
					return attune_wire__fail(
					    err, ATTUNE_WIRE_REASON_INVALID_UTF8,
					    "%s%s: invalid UTF-8 or NUL byte", prefix, f->name);
			} else if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
				char sub[96];
				int w = snprintf(sub, sizeof(sub), "%s%s.", prefix, f->name);
				if (w < 0 || (size_t)w >= sizeof(sub))
					return ATTUNE_WIRE_E_MALFORMED;
				attune_wire_status st =
				    walk(f->descriptor, p + off, (size_t)n, sub, depth + 1, err);
				if (st != ATTUNE_WIRE_OK)
					return st;
			}
			off += (size_t)n;
			break;
		}
		default: /* groups (3, 4) and reserved wire types */
			return ATTUNE_WIRE_E_MALFORMED;
		}
	}
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire__check_strings(const ProtobufCMessageDescriptor *desc,
                                              const uint8_t *data, size_t len,
                                              attune_wire_error *err)
{
	if (!desc || (!data && len))
		return ATTUNE_WIRE_E_ARG;
	return walk(desc, data, len, "", 0, err);
}
