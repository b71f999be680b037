/*
 * rpc_reject.h - how every RPC handler ends a call whose request failed to
 * decode or validate: the wire status's gRPC code, and the field-naming
 * reason (never request text) for INVALID/MALFORMED, static text otherwise.
 */
#ifndef ATTUNED_RPC_REJECT_H
#define ATTUNED_RPC_REJECT_H

#include "attune_wire.h"
#include "call.h"

/* Finishes `call` for a request that failed with ws (!= ATTUNE_WIRE_OK);
 * err holds the decoder's reason. Does not count the rejection. */
void attuned_rpc_finish_decode_error(attuned_call *call, attune_wire_status ws,
                                     const attune_wire_error *err);

/* Counts the rejection (attuned_observe_rejected) and then finishes the call
 * as attuned_rpc_finish_decode_error does. */
void attuned_rpc_reject(attuned_call *call, attune_wire_status ws, const attune_wire_error *err);

#endif
