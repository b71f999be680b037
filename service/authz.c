/*
 * authz.c - per-call authorization before dispatch: bearer tokens and mTLS
 * identities checked against roles, then the per-principal rate limit (see
 * service/security/security.h). Health checks stay open.
 */
#include "authz.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "observe.h"
#include "server_internal.h"

grpc_status_code attuned_authorize(attuned_call *call, const attuned_method *method, char *details,
                                   size_t cap)
{
	attune_security *sec = call->server->security;
	const char *path;
	size_t path_len;
	struct timespec now;
	attune_authz z;

	if (cap)
		details[0] = '\0';
	if (!sec)
		return GRPC_STATUS_OK;
	if (method) {
		path = method->path;
		path_len = strlen(path);
	} else {
		path = (const char *)GRPC_SLICE_START_PTR(call->details.method);
		path_len = GRPC_SLICE_LENGTH(call->details.method);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	attune_security_authorize(sec, call->call, path, path_len, &call->md,
	                          (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec, &z);
	if (z.code == GRPC_STATUS_OK)
		return GRPC_STATUS_OK;
	attuned_observe_refused(call->server, z.reason);
	/* One debug line per refusal: principal (a label, hash prefix, cert
	 * identity or peer address; never a token) and the reason. */
	ATTUNE_LOG(ATTUNE_LOG_DEBUG, "call_refused", "method=%s reason=%s principal=%s",
	           method ? method->name : "unknown", attune_authz_reason_name(z.reason),
	           z.principal[0] ? z.principal : "-");
	snprintf(details, cap, "%s", z.message);
	return z.code;
}
