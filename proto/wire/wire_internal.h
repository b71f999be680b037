/*
 * wire_internal.h - helpers shared by the attune_wire source files only:
 * error formatting, the raw-bytes string check, and small text helpers.
 */
#ifndef ATTUNE_WIRE_INTERNAL_H
#define ATTUNE_WIRE_INTERNAL_H

#include <protobuf-c/protobuf-c.h>

#include "attune_wire.h"

/* Formats err->message and sets err->reason (err may be NULL). Returns
 * ATTUNE_WIRE_E_INVALID. */
attune_wire_status attune_wire__fail(attune_wire_error *err, attune_wire_reason reason,
                                     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Walks the raw protobuf bytes of a message of type `desc` and checks that
 * every string field (also in nested messages) is valid UTF-8 without NUL
 * bytes: protobuf-c copies strings into NUL-terminated C strings, so an
 * embedded NUL could otherwise silently truncate a field. On a bad string it
 * fills err naming the field ("context.draft: ...") and returns
 * ATTUNE_WIRE_E_INVALID; on bytes it cannot walk, ATTUNE_WIRE_E_MALFORMED. */
attune_wire_status attune_wire__check_strings(const ProtobufCMessageDescriptor *desc,
                                              const uint8_t *data, size_t len,
                                              attune_wire_error *err);

/* Unpacks with the system allocator after the string check above; maps
 * failures to a status with a message naming `what` (the message type). */
attune_wire_status attune_wire__unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                                       size_t len, const char *what, ProtobufCMessage **out,
                                       attune_wire_error *err);

/* attune_wire__unpack, then a zeroed owner of owner_size bytes for the
 * decoded view (the caller keeps msg in the owner's priv_). On OK both
 * *owner and *msg are set; on failure neither is. */
attune_wire_status attune_wire__unpack_owned(const ProtobufCMessageDescriptor *desc,
                                             const uint8_t *data, size_t len, const char *what,
                                             size_t owner_size, void **owner,
                                             ProtobufCMessage **msg, attune_wire_error *err);

/* The two ScoreDraftRequest decoders behind attune_wire_decode_score_request
 * (wire_score.c), exported for the differential test
 * tests/service/test_wire_decode.c. _plain decodes only plain requests that
 * pass validation: it returns 1 with *out set, or 0 with *out NULL when it
 * declines (nothing else is reported). _unpacked decodes any input through
 * protobuf-c, with attune_wire_decode_score_request's contract. */
int attune_wire__decode_score_plain(const uint8_t *data, size_t len, const attune_scorer *scorer,
                                    attune_wire_score_request **out);
attune_wire_status attune_wire__decode_score_unpacked(const uint8_t *data, size_t len,
                                                      const attune_scorer *scorer,
                                                      attune_wire_score_request **out,
                                                      attune_wire_error *err);
/* 1 if a and b hold the same request, compared by content (params and the
 * scorer input), and neither breaks the params' promise of no NULL text or
 * string: the decode tests and the fuzzer compare the two decoders' (and a
 * round trip's) results with it. */
int attune_wire__same_score_request(const attune_wire_score_request *a,
                                    const attune_wire_score_request *b);

/* Packs msg into a fresh malloc'd buffer. */
attune_wire_status attune_wire__pack(const ProtobufCMessage *msg, attune_wire_buf *out);

/* Text of a C string; NULL gives an empty text. */
attune_text attune_wire__text(const char *s);

/* Copies t into a fresh NUL-terminated string (never NULL on success). */
char *attune_wire__strdup_text(attune_text t);

#endif
