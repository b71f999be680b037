/*
 * wire_pb.h - a minimal protobuf writer for the messages we encode by hand
 * on the hot path (the ScoreDraft response). It emits exactly the bytes
 * protobuf-c 1.4 packs for proto3 fields, so a hand-encoded message is
 * byte-identical to protobuf_c_message_pack of the same message
 * (tests/service/test_wire_encode.c checks this):
 *  - fields in field-number order;
 *  - singular scalars, strings and enums equal to 0 / "" are left out;
 *  - a singular sub-message is written whenever it is present, even empty;
 *  - enums are int32 varints (negative: 10 bytes, sign-extended);
 *  - repeated enums are packed (proto3 default): one length-delimited run.
 *
 * It writes BACKWARDS, from the end of a buffer towards its start: a
 * sub-message's length prefix is then written after its body, when the
 * length is known, so one pass writes the message with no sizing pass.
 * The price is the order: a body writes its fields last to first, and
 * repeated fields last element first; the bytes come out in protobuf
 * order.
 *
 * The attune_pb_* primitives write in front of a plain pointer and return
 * the new start, with no bounds check: a body first claims, with
 * attune_pbw_reserve(), the most its fields can take (the *_MAX sizes
 * below), then writes them through a local pointer. A message that does
 * not fit leaves the writer full (p == NULL); the caller starts again with
 * a bigger buffer.
 */
#ifndef ATTUNE_WIRE_PB_H
#define ATTUNE_WIRE_PB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { ATTUNE_PB_VARINT = 0, ATTUNE_PB_LEN = 2 };

/* Worst cases: a tag (field numbers below 2048), a varint, and the
 * overhead of a scalar or length-delimited field. */
#define ATTUNE_PB_TAG_MAX    2
#define ATTUNE_PB_VARINT_MAX 10
#define ATTUNE_PB_FIELD_MAX  (ATTUNE_PB_TAG_MAX + ATTUNE_PB_VARINT_MAX)

/* The stack buffer a response is first written into (wire_score.c): a
 * ScoreDraft response is about 1 KiB; a larger one is written again. */
#define ATTUNE_PBW_SCRATCH 4096

/* The writer: the bytes written so far are [p, end of buffer); p == NULL
 * once a reservation did not fit in [start, p). */
typedef struct attune_pbw {
	uint8_t *p;
	uint8_t *start;
} attune_pbw;

/* The current start if k more bytes fit in front of it, else NULL (and
 * the writer is full from then on). */
static inline uint8_t *attune_pbw_reserve(attune_pbw *w, size_t k)
{
	if (w->p && (size_t)(w->p - w->start) >= k)
		return w->p;
	w->p = NULL;
	return NULL;
}

static inline size_t attune_pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* The varint v, written to end at p. */
static inline uint8_t *attune_pb_varint(uint8_t *p, uint64_t v)
{
	uint8_t *d;

	if (v < 0x80) { /* tags, enums, most numbers and lengths */
		*--p = (uint8_t)v;
		return p;
	}
	p -= attune_pb_varint_size(v);
	for (d = p; v >= 0x80; v >>= 7)
		*d++ = (uint8_t)(v | 0x80);
	*d = (uint8_t)v;
	return p;
}

static inline uint8_t *attune_pb_tag(uint8_t *p, unsigned field, unsigned wire_type)
{
	return attune_pb_varint(p, ((uint64_t)field << 3) | wire_type);
}

/* uint32 / uint64 / bool fields: left out when 0 (bools are 0 or 1). */
static inline uint8_t *attune_pb_uint(uint8_t *p, unsigned field, uint64_t v)
{
	if (!v)
		return p;
	return attune_pb_tag(attune_pb_varint(p, v), field, ATTUNE_PB_VARINT);
}

/* An int32 as protobuf encodes it: negative values sign-extend to 64 bits
 * (ten bytes), as protobuf-c's int32_pack does. */
static inline uint64_t attune_pb_int32_bits(int32_t v)
{
	return (uint64_t)(int64_t)v;
}

/* enum fields: int32 varints, left out when 0. */
static inline uint8_t *attune_pb_enum(uint8_t *p, unsigned field, int32_t v)
{
	return attune_pb_uint(p, field, attune_pb_int32_bits(v));
}

/* A string's length as the writer sees it: NULL is empty. */
static inline size_t attune_pb_strlen(const char *s)
{
	return s ? strlen(s) : 0;
}

/* string fields of len bytes (attune_pb_strlen): left out when empty
 * (protobuf-c's "zeroish"). Reserve len + ATTUNE_PB_FIELD_MAX. */
static inline uint8_t *attune_pb_string(uint8_t *p, unsigned field, const char *s, size_t len)
{
	if (!len)
		return p;
	p -= len;
	memcpy(p, s, len);
	return attune_pb_tag(attune_pb_varint(p, len), field, ATTUNE_PB_LEN);
}

/* A present sub-message: body(w, arg) (its fields last to first, each body
 * reserving its own room), then, in front of it, its length and tag. */
typedef void (*attune_pbw_body)(attune_pbw *w, const void *arg);

static inline void attune_pbw_message(attune_pbw *w, unsigned field, attune_pbw_body body,
                                      const void *arg)
{
	uint8_t *end = w->p, *p;

	body(w, arg);
	if (!(p = attune_pbw_reserve(w, ATTUNE_PB_FIELD_MAX)))
		return;
	w->p = attune_pb_tag(attune_pb_varint(p, (uint64_t)(end - p)), field, ATTUNE_PB_LEN);
}

#endif
