/*
 * wire_pb.h - a minimal protobuf writer for the messages we encode by hand
 * on the hot path (the ScoreDraft response). It emits exactly the bytes
 * protobuf-c 1.4 packs for proto3 fields, so a hand-encoded message is
 * byte-identical to protobuf_c_message_pack of the same message
 * (tests/service/test_wire_encode.c checks this):
 *  - fields in field-number order (the caller writes them in that order);
 *  - singular scalars, strings and enums equal to 0 / "" are left out;
 *  - a singular sub-message is written whenever it is present, even empty;
 *  - enums are int32 varints (negative: 10 bytes, sign-extended);
 *  - repeated enums are packed (proto3 default): one length-delimited run.
 * One function writes a message both to count its size (p == NULL) and to
 * emit it, so the size and the bytes cannot disagree.
 */
#ifndef ATTUNE_WIRE_PB_H
#define ATTUNE_WIRE_PB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The writer: with p == NULL it only counts n; otherwise it also writes at
 * p (which the caller sized by a counting pass first). sizes[0..cap) keeps
 * the length of each sub-message and string in the order they start: the
 * counting pass records them, the writing pass (started again at next = 0)
 * reads them back, so each body runs once per pass and each string is
 * measured once. Entries past cap are measured again when written (same
 * order in both passes, so the indexes always match). */
typedef struct attune_pbw {
	uint8_t *p;
	size_t n;
	size_t *sizes;
	size_t cap, next;
} attune_pbw;

enum { ATTUNE_PB_VARINT = 0, ATTUNE_PB_LEN = 2 };

static inline size_t attune_pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static inline void attune_pbw_varint(attune_pbw *w, uint64_t v)
{
	uint8_t *p = w->p; /* a local: stores through p cannot change it */
	size_t k = 0;

	if (!p) {
		w->n += attune_pb_varint_size(v);
		return;
	}
	while (v >= 0x80) {
		p[k++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[k++] = (uint8_t)v;
	w->p = p + k;
	w->n += k;
}

static inline void attune_pbw_bytes(attune_pbw *w, const void *data, size_t len)
{
	if (w->p && len) {
		memcpy(w->p, data, len);
		w->p += len;
	}
	w->n += len;
}

static inline void attune_pbw_tag(attune_pbw *w, unsigned field, unsigned wire_type)
{
	attune_pbw_varint(w, ((uint64_t)field << 3) | wire_type);
}

/* uint32 / uint64 / bool fields: left out when 0 (bools are 0 or 1). */
static inline void attune_pbw_uint(attune_pbw *w, unsigned field, uint64_t v)
{
	if (!v)
		return;
	attune_pbw_tag(w, field, ATTUNE_PB_VARINT);
	attune_pbw_varint(w, v);
}

/* An int32 as protobuf encodes it: negative values sign-extend to 64 bits
 * (ten bytes), as protobuf-c's int32_pack does. */
static inline uint64_t attune_pb_int32_bits(int32_t v)
{
	return (uint64_t)(int64_t)v;
}

/* enum fields: int32 varints, left out when 0. */
static inline void attune_pbw_enum(attune_pbw *w, unsigned field, int32_t v)
{
	attune_pbw_uint(w, field, attune_pb_int32_bits(v));
}

/* string fields: left out when NULL or empty (protobuf-c's "zeroish"). */
static inline void attune_pbw_string(attune_pbw *w, unsigned field, const char *s)
{
	size_t idx = w->next++, len;

	if (w->p && idx < w->cap) {
		len = w->sizes[idx];
	} else {
		len = s ? strlen(s) : 0;
		if (!w->p && idx < w->cap)
			w->sizes[idx] = len;
	}
	if (!len)
		return;
	attune_pbw_tag(w, field, ATTUNE_PB_LEN);
	attune_pbw_varint(w, len);
	attune_pbw_bytes(w, s, len);
}

/* A present sub-message: tag, length, then body(w, arg). */
typedef void (*attune_pbw_body)(attune_pbw *w, const void *arg);

static inline void attune_pbw_message(attune_pbw *w, unsigned field, attune_pbw_body body,
                                      const void *arg)
{
	size_t idx = w->next++, len;

	if (!w->p || idx >= w->cap) {
		/* Count the body; nested sub-messages take the next indexes. */
		attune_pbw sub = {NULL, 0, w->p ? NULL : w->sizes, w->p ? 0 : w->cap, w->next};
		body(&sub, arg);
		len = sub.n;
		if (!w->p) {
			w->next = sub.next;
			if (idx < w->cap)
				w->sizes[idx] = len;
		}
	} else {
		len = w->sizes[idx];
	}
	attune_pbw_tag(w, field, ATTUNE_PB_LEN);
	attune_pbw_varint(w, len);
	if (w->p)
		body(w, arg);
	else
		w->n += len;
}

#endif
