#!/usr/bin/python3
"""make_decode_seeds.py - writes the seed corpus of fuzz_decode.c into
tests/fuzz/corpus/decode/: valid and near-miss requests of every type
(ScoreDraft, CoachDraft, RecordOutcome, GetTeamStats, WatchMetrics,
Health), encoded with stubs generated from proto/ at run time.
Deterministic: re-running rewrites the same files.

Run: /usr/bin/python3 tests/fuzz/make_decode_seeds.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
import grpc_stubs  # noqa: E402

S = grpc_stubs.load()
pb, hb = S.attune_pb2, S.health_pb2
OUT = os.path.join(HERE, "corpus", "decode")

SEEKER = ("After pausing my career for several years to start a family, it is time to go back "
          "to work, but I feel rusty, unmotivated and anxious.")
DRAFT_B = ("I've struggled with the same problem. The best way to tackle it is to just jump "
           "right in and give it your best.")
CTX = pb.ScoreDraftRequest(seeker_message=SEEKER, conversation_id="conv-1", team="north",
                           channel=pb.CHANNEL_CHAT, locale="en")

SEEDS = {
    "score_minimal": pb.ScoreDraftRequest(draft="ok"),
    "score_brief_b": pb.ScoreDraftRequest(seeker_message=SEEKER, draft=DRAFT_B,
                                          channel=pb.CHANNEL_SMS),
    "score_all_fields": pb.ScoreDraftRequest(
        seeker_message=SEEKER, draft="That sounds exhausting. Do I have that right?",
        prior_responder_turns=["It sounds like you're tired.", "It sounds like work is hard."],
        conversation_id="c-42", responder_id="vol-7", team="night.shift-2",
        channel=pb.CHANNEL_PATIENT_PORTAL, locale="en-US",
        suggestion_options=pb.SuggestionOptions(max_count=8)),
    "score_suggestions_off": pb.ScoreDraftRequest(
        draft="Calm down, it could be worse.",
        suggestion_options=pb.SuggestionOptions(disabled=True)),
    "score_unicode": pb.ScoreDraftRequest(seeker_message="Je suis épuisée 😞",
                                          draft="Ça a l'air épuisant. 💙"),
    "score_max_ids": pb.ScoreDraftRequest(draft="ok", conversation_id="c" * 128,
                                          responder_id="r" * 128, team="t" * 64,
                                          locale="en-" + "x" * 32),
    "score_many_turns": pb.ScoreDraftRequest(draft="ok", prior_responder_turns=["t"] * 50),
    "score_bad_locale": pb.ScoreDraftRequest(draft="ok", locale="zz"),
    "score_bad_team": pb.ScoreDraftRequest(draft="ok", team="no spaces"),
    "score_max_count_9": pb.ScoreDraftRequest(
        draft="ok", suggestion_options=pb.SuggestionOptions(max_count=9)),
    "coach_first": pb.CoachDraftRequest(context=CTX, draft="I've", revision=1),
    "coach_next": pb.CoachDraftRequest(draft="I've struggled with the same", revision=2),
    "coach_empty_draft": pb.CoachDraftRequest(context=CTX, revision=3),
    "outcome_sent": pb.RecordOutcomeRequest(
        score_id="0123456789abcdef0123456789abcdef", action=pb.OUTCOME_ACTION_SENT_EDITED,
        final_text="That sounds exhausting.", seeker_message=SEEKER, team="north"),
    "outcome_suggestion": pb.RecordOutcomeRequest(
        score_id="s1", action=pb.OUTCOME_ACTION_USED_SUGGESTION_VERBATIM, suggestion_index=2),
    "outcome_no_action": pb.RecordOutcomeRequest(score_id="s1"),
    "stats_team": pb.GetTeamStatsRequest(team="north", window=pb.STATS_WINDOW_DAY,
                                         responder_id="vol-7"),
    "stats_all": pb.GetTeamStatsRequest(),
    "watch_default": pb.WatchMetricsRequest(team="north", window=pb.STATS_WINDOW_HOUR),
    "watch_interval_max": pb.WatchMetricsRequest(interval_seconds=3600),
    "health_service": hb.HealthCheckRequest(service="attune.v1.Assist"),
}

# Hand-made bytes the stubs cannot produce.
RAW = {
    "raw_bad_utf8_draft": b"\x12\x04ok\xff\xfe",
    "raw_nul_in_seeker": b"\x0a\x03a\x00b\x12\x02ok",
    "raw_truncated_length": b"\x12\x40ab",
    "raw_draft_as_varint": b"\x10\x05",
    "raw_unknown_fields": b"\x12\x02ok\xfa\x06\x03abc\xa0\x1f\x01",
    "raw_huge_varint": b"\x48\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x12\x02ok",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, msg in SEEDS.items():
        with open(os.path.join(OUT, name + ".pb"), "wb") as f:
            f.write(msg.SerializeToString())
    for name, data in RAW.items():
        with open(os.path.join(OUT, name + ".pb"), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS) + len(RAW), OUT))


if __name__ == "__main__":
    main()
