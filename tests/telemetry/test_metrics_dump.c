/*
 * test_metrics_dump.c - prints the exposition of a registry after synthetic
 * traffic touching every family, for `promtool check metrics` (see the
 * telemetry.metrics_promtool_unit test).
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	static const char *const teams[] = {"north", "south"};
	attune_metrics_config cfg = {teams, 2, "0.0.0-test", ATTUNE_SCORER_VERSION};
	attune_metrics *m = NULL;
	attune_finding f = {ATTUNE_FINDING_SELF_FOCUS, ATTUNE_SEVERITY_MAJOR, 0, 3, "x"};
	attune_score_result r;
	char *txt = NULL;
	size_t len = 0;
	int rc = 1;

	if (attune_metrics_create(&cfg, &m) != ATTUNE_METRICS_OK)
		return 1;
	memset(&r, 0, sizeof(r));
	r.score = 42;
	r.findings = &f;
	r.n_findings = 1;
	r.n_suggestions = 2;
	r.risk.level = ATTUNE_RISK_HIGH;
	attune_metrics_observe_draft(m, ATTUNE_CHANNEL_PATIENT_PORTAL, "north", 5, &r);
	attune_metrics_observe_rpc(m, ATTUNE_METRICS_RPC_SCORE_DRAFT, 0, 1234567);
	attune_metrics_observe_rpc(m, ATTUNE_METRICS_RPC_UNKNOWN, 12, 1000);
	attune_metrics_observe_outcome(m, ATTUNE_METRICS_OUTCOME_USED_SUGGESTION_VERBATIM, 1, -12);
	attune_metrics_auth_failure(m, ATTUNE_METRICS_AUTH_INVALID_TOKEN);
	attune_metrics_rate_limited(m);
	attune_metrics_request_rejected(m, ATTUNE_METRICS_REJECT_FIELD_TOO_LARGE);
	attune_metrics_rpc_begin(m, ATTUNE_METRICS_RPC_WATCH_METRICS);
	if (attune_metrics_render(m, &txt, &len) == ATTUNE_METRICS_OK &&
	    fwrite(txt, 1, len, stdout) == len)
		rc = 0;
	free(txt);
	attune_metrics_destroy(m);
	return rc;
}
