/*
 * test_shared_lib.c - an integrator's view: a program linked only against
 * the shared libattune (no static libraries) scores offline and names the
 * enums through the exported functions.
 */
#include <stdio.h>
#include <string.h>

#include "attune/client.h"

int main(void)
{
	attune_client *c = NULL;
	attune_client_error err;
	attune_client_score_request req;
	attune_client_score_response *r = NULL;
	const attune_score_result *res;
	const char *draft = "I've struggled with the same problem. Just jump right in.";
	int failures = 0;

	if (attune_client_create_offline(NULL, &c, &err) != ATTUNE_CLIENT_OK) {
		fprintf(stderr, "create_offline: %s\n", err.message);
		return 1;
	}
	attune_client_score_request_init(&req);
	req.seeker.ptr = "I feel rusty about going back to work.";
	req.seeker.len = strlen(req.seeker.ptr);
	req.draft.ptr = draft;
	req.draft.len = strlen(draft);
	if (attune_client_score(c, &req, &r, &err) != ATTUNE_CLIENT_OK) {
		fprintf(stderr, "score: %s: %s\n", attune_client_code_name(err.code), err.message);
		attune_client_destroy(c);
		return 1;
	}
	res = attune_client_score_response_result(r);
	failures += res->score > 100;
	failures += res->n_findings == 0;
	if (res->n_findings > 0)
		failures +=
		    strcmp(attune_finding_kind_name(res->findings[0].kind), "unspecified") == 0;
	failures += strcmp(attune_risk_level_name(res->risk.level), "none") != 0;
	failures += attune_client_score_response_human_review_required(r) != 1;
	attune_client_score_response_free(r);
	attune_client_destroy(c);
	if (failures != 0)
		fprintf(stderr, "test_shared_lib: %d checks failed\n", failures);
	return failures != 0;
}
