/*
 * authz.h - the one place every call is authorized before dispatch. Today
 * it allows everything; the security engineer plugs token/mTLS checks and
 * rate limits in here (service/security/).
 */
#ifndef ATTUNED_AUTHZ_H
#define ATTUNED_AUTHZ_H

#include <stddef.h>

#include <grpc/status.h>

#include "call.h"

/* Decides whether `call` to `method` (NULL = unknown method) may proceed.
 * Returns GRPC_STATUS_OK, or a code (UNAUTHENTICATED, PERMISSION_DENIED,
 * RESOURCE_EXHAUSTED) with a reason in details (cap bytes, no secrets). */
grpc_status_code attuned_authorize(attuned_call *call, const attuned_method *method,
                                   char *details, size_t cap);

#endif
