/*
 * grpc_codes.h - the names of the gRPC status codes 0..16 ("OK",
 * "INVALID_ARGUMENT", ...), shared by libattune (attune_client_code_name)
 * and attuned's metrics (the `code` label), so both spell them one way.
 */
#ifndef ATTUNE_GRPC_CODES_H
#define ATTUNE_GRPC_CODES_H

/* How many status codes gRPC defines (0..16). */
#define ATTUNE_GRPC_CODE_COUNT 17

/* The names by number; read-only, static storage. */
extern const char *const attune_grpc_code_names[ATTUNE_GRPC_CODE_COUNT];

/* The name of `code`, or "UNKNOWN" for a number outside 0..16. Never NULL;
 * the string is static. */
const char *attune_grpc_code_name(int code);

#endif
