/*
 * rpc_reject.h - how every RPC handler ends a call whose request failed to
 * decode or validate: the wire status's gRPC code, and the field-naming
 * reason (never request text) for INVALID/MALFORMED, static text otherwise.
 */
#ifndef ATTUNED_RPC_REJECT_H
#define ATTUNED_RPC_REJECT_H

#include "attune_wire.h"
#include "call.h"

/* Counts the rejection (attuned_observe_rejected: every RPC's refusals are
 * counted, so there is deliberately no uncounted variant) and finishes
 * `call` for a request that failed with ws (!= ATTUNE_WIRE_OK); err holds
 * the decoder's reason. */
void attuned_rpc_reject(attuned_call *call, attune_wire_status ws, const attune_wire_error *err);

#endif
