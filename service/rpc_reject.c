/*
 * rpc_reject.c - the one way handlers answer a request that failed to
 * decode or validate (see rpc_reject.h).
 */
#include "rpc_reject.h"

#include "observe.h"

void attuned_rpc_reject(attuned_call *call, attune_wire_status ws, const attune_wire_error *err)
{
	attuned_observe_rejected(attuned_call_server(call), ws, err->reason);
	attuned_call_finish(call, (grpc_status_code)attune_wire_status_code(ws),
	                    ws == ATTUNE_WIRE_E_INVALID || ws == ATTUNE_WIRE_E_MALFORMED
	                        ? err->message
	                        : attune_wire_strerror(ws));
}
