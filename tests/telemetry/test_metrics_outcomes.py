#!/usr/bin/python3
"""test_metrics_outcomes.py - RecordOutcome shows in /metrics: outcomes by
action, suggestions used / used verbatim, and the score-change histogram
(when a final text was given), against the real attuned with a state dir.

Usage: test_metrics_outcomes.py --attuned PATH     Exit 0 pass, 1 fail.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_metrics_lib import (DRAFT, SEEKER, _stubs, check, start_attuned, test_main,  # noqa: E402
                              wait_metrics)
import grpc_stubs  # noqa: E402

FINAL = ("It sounds like you're feeling rusty and anxious about going back to work after "
         "years away. Do I have that right? What feels hardest about it?")


def run(binary):
    with start_attuned(binary, ["--state-dir", "{tmp}/state"]) as p:
        s = _stubs()
        pb = s.attune_pb2
        ch = grpc_stubs.channel(p.grpc_tcp)
        try:
            stub = s.attune_pb2_grpc.AssistStub(ch)
            ids = []
            for _ in range(3):
                r = stub.ScoreDraft(pb.ScoreDraftRequest(seeker_message=SEEKER, draft=DRAFT,
                                                         channel=pb.CHANNEL_CHAT), timeout=10)
                check(len(r.suggestions) > 0, "ScoreDraft offered suggestions")
                ids.append(r.score_id)
            stub.RecordOutcome(pb.RecordOutcomeRequest(
                score_id=ids[0], action=pb.OUTCOME_ACTION_USED_SUGGESTION_VERBATIM,
                suggestion_index=0, final_text=FINAL, seeker_message=SEEKER), timeout=10)
            stub.RecordOutcome(pb.RecordOutcomeRequest(
                score_id=ids[1], action=pb.OUTCOME_ACTION_USED_SUGGESTION_EDITED,
                suggestion_index=0), timeout=10)
            stub.RecordOutcome(pb.RecordOutcomeRequest(
                score_id=ids[2], action=pb.OUTCOME_ACTION_DISCARDED), timeout=10)
        finally:
            ch.close()

        want = {
            'attune_outcomes_total{action="used_suggestion_verbatim"}': 1,
            'attune_outcomes_total{action="used_suggestion_edited"}': 1,
            'attune_outcomes_total{action="discarded"}': 1,
            'attune_outcomes_total{action="sent_as_drafted"}': 0,
            "attune_suggestions_used_total": 2,
            "attune_suggestions_used_verbatim_total": 1,
            "attune_outcome_score_change_count": 1,
            'attune_rpc_requests_total{rpc="RecordOutcome",code="OK"}': 3,
        }
        status, text, _ = wait_metrics(p.metrics, lambda smp: all(smp.get(k) == v for k, v in want.items()))
        from test_metrics_lib import parse_samples
        got = parse_samples(text)
        for k, v in want.items():
            check(got.get(k) == v, "%s == %s (got %s)" % (k, v, got.get(k)))
        check(got.get("attune_outcome_score_change_sum", 0) > 0,
              "the acknowledging final text raised the score (sum %s)" % got.get("attune_outcome_score_change_sum"))
        check(got.get("attune_suggestions_offered_total", 0) >= 3, "suggestions offered counted")
    return 0


def main():
    return test_main(lambda args: run(args.attuned))


if __name__ == "__main__":
    sys.exit(main())
