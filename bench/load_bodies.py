#!/usr/bin/python3
"""load_bodies.py - helper of bench/load.sh: writes the h2load body files
(0x00 + 4-byte big-endian length + protobuf) for a typical ScoreDraft
(~300-char seeker message + ~300-char draft: a Reply-B-like draft full of
findings, and a Reply-A-like one in score_good.body), the brief's own example
word for word (brief_b.body, brief_a.body: its seeker message in the first
person, as in the README walk-through, and its Reply B and Reply A); for
diagnostics the B pair
with suggestions disabled in score_nosugg.body and a two-letter pair without
suggestions in score_tiny.body) and an empty Health/Check,
and with --check sends those exact bytes with a real gRPC client
(python3-grpcio) and fails unless grpc-status is OK.

Usage: load_bodies.py DIR            (writes DIR/score.body, DIR/health.body)
       load_bodies.py --check ADDR DIR
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
import grpc_stubs  # noqa: E402

SEEKER = ("After pausing my career for several years to start a family, it is time to go back "
          "to work, but I feel rusty, unmotivated and anxious about re-entering the job market. "
          "Every time I open a job listing I close it again. My partner says I'm overthinking "
          "it, but I honestly don't know where to start or whether anyone would hire me now.")
DRAFT = ("I've struggled with the same problem. The best way to tackle it is to just jump right "
         "in and give it your best. At least you have had time with your family, and it could "
         "be worse. You should update your resume tonight and apply to five jobs this week. "
         "Don't worry, everything happens for a reason and you will be fine, trust me.")
GOOD = ("It sounds like you're feeling rusty and anxious about going back to work after years "
        "away, and that every job listing brings the doubt right back. That makes a lot of sense "
        "after such a long pause. It took courage to say this out loud. What feels hardest about "
        "taking the first step right now? Is it the applications, or how you'll be seen?")
# The brief's example (BRIEF.md "The example every demo should show").
BRIEF_SEEKER = ("After pausing my career for several years to start a family, it's time to go back "
                "to work, but I feel rusty, unmotivated and anxious about re-entering the job "
                "market.")
BRIEF_A = ("I'm sorry to hear that you're struggling with finding the motivation to get back to "
           "work. I can understand how anxiety and insecurity can make it hard to take that step. "
           "You have a lot of courage to share your situation and seek help. I hope you know "
           "that you have valuable skills and experience that can benefit any employer. You "
           "deserve to feel financially secure and fulfilled in your career.")
BRIEF_B = ("I've struggled with the same problem. The best way to tackle it is to just jump right "
           "in and give it your best.")


def bodies():
    s = grpc_stubs.load()
    score = s.attune_pb2.ScoreDraftRequest(
        seeker_message=SEEKER, draft=DRAFT, conversation_id="bench-conv-1",
        responder_id="bench-vol-1", team="bench", channel=s.attune_pb2.CHANNEL_CHAT)
    good = s.attune_pb2.ScoreDraftRequest()
    good.CopyFrom(score)
    good.draft = GOOD
    brief = {}
    for name, draft in (("brief_a", BRIEF_A), ("brief_b", BRIEF_B)):
        brief[name] = s.attune_pb2.ScoreDraftRequest()
        brief[name].CopyFrom(score)
        brief[name].seeker_message = BRIEF_SEEKER
        brief[name].draft = draft
    # Diagnostics: the B pair without suggestions, and the whole ScoreDraft
    # path with almost no text (what the RPC costs beyond Health/Check).
    nosugg = s.attune_pb2.ScoreDraftRequest()
    nosugg.CopyFrom(score)
    nosugg.suggestion_options.disabled = True
    tiny = s.attune_pb2.ScoreDraftRequest()
    tiny.CopyFrom(nosugg)
    tiny.seeker_message = "hi"
    tiny.draft = "ok"
    health = s.health_pb2.HealthCheckRequest()
    return {"score": score.SerializeToString(), "score_good": good.SerializeToString(),
            "score_nosugg": nosugg.SerializeToString(), "score_tiny": tiny.SerializeToString(),
            "brief_a": brief["brief_a"].SerializeToString(),
            "brief_b": brief["brief_b"].SerializeToString(),
            "health": health.SerializeToString()}


def frame(pb):
    return b"\x00" + struct.pack(">I", len(pb)) + pb


def main():
    if sys.argv[1] == "--check":
        addr, d = sys.argv[2], sys.argv[3]
        chan = grpc_stubs.channel(addr)
        for name, path in (("score", "/attune.v1.Assist/ScoreDraft"),
                           ("score_good", "/attune.v1.Assist/ScoreDraft"),
                           ("score_nosugg", "/attune.v1.Assist/ScoreDraft"),
                           ("score_tiny", "/attune.v1.Assist/ScoreDraft"),
                           ("brief_a", "/attune.v1.Assist/ScoreDraft"),
                           ("brief_b", "/attune.v1.Assist/ScoreDraft"),
                           ("health", "/grpc.health.v1.Health/Check")):
            with open(os.path.join(d, name + ".body"), "rb") as f:
                data = f.read()
            grpc_stubs.raw_unary(chan, path, data[5:], timeout=10)  # raises unless OK
        chan.close()
        print("grpc-status OK for every ScoreDraft body and Health/Check (real client, same bytes)")
        return 0
    d = sys.argv[1]
    for name, pb in bodies().items():
        with open(os.path.join(d, name + ".body"), "wb") as f:
            f.write(frame(pb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
