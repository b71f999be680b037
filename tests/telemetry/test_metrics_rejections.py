#!/usr/bin/python3
"""test_metrics_rejections.py - every RPC's refusals are counted, once, with
the right reason: a CoachDraft stream whose first message has no context
(missing_field) or a draft with invalid UTF-8 (invalid_utf8), a health Check
for a service attuned does not serve (unknown_service), an unknown method
(unknown_method), and a ScoreDraft without a bearer token (counted in
attune_auth_failures_total{reason="missing_token"}, not as a request
rejection). /metrics is scraped before and after; every rejection series
must have moved by exactly the expected amount and no other.

Usage: test_metrics_rejections.py --attuned PATH     Exit 0 pass, 1 fail.
"""
import hashlib
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_metrics_lib import (SEEKER, _stubs, check, fetch_metrics, parse_samples,  # noqa: E402
                              start_attuned, test_main, wait_metrics)
import grpc  # noqa: E402
import grpc_stubs  # noqa: E402

TOKEN = "rejections-test-token"
REJECTED = "attune_requests_rejected_total"
REFUSED = ("attune_auth_failures_total", "attune_rate_limited_total")


def refusal_series(samples):
    return {k: v for k, v in samples.items()
            if k.startswith(REJECTED) or k.startswith(REFUSED)}


def expect_code(what, fn, want):
    try:
        fn()
    except grpc.RpcError as e:
        check(e.code() == want, "%s -> %s (got %s \"%s\")" % (what, want, e.code(), e.details()))
        return
    raise AssertionError("%s succeeded; want %s" % (what, want))


def coach(stub, msgs, md):
    """Runs a CoachDraft stream to its end (responses drained)."""
    for _ in stub.CoachDraft(iter(msgs), timeout=10, metadata=md):
        pass


def run_with_tokens(binary):
    with tempfile.TemporaryDirectory(prefix="attune-reject-") as tmp:
        path = os.path.join(tmp, "tokens")
        with open(path, "w") as f:
            f.write("%s assist,supervisor tester\n" % hashlib.sha256(TOKEN.encode()).hexdigest())
        with start_attuned(binary, ["--tokens-file", path]) as p:
            return exercise(p)


def exercise(p):
    s = _stubs()
    pb = s.attune_pb2
    md = (("authorization", "Bearer " + TOKEN),)
    status, text = fetch_metrics(p.metrics)
    check(status == 200, "/metrics answers before the traffic")
    before = refusal_series(parse_samples(text))
    check(any(k.startswith(REJECTED) for k in before), "rejection series exist at zero")

    ch = grpc_stubs.channel(p.grpc_tcp)
    try:
        assist = s.attune_pb2_grpc.AssistStub(ch)
        # CoachDraft: first message without a context.
        expect_code("CoachDraft without context", lambda: coach(
            assist, [pb.CoachDraftRequest(draft="That sounds hard.", revision=1)], md),
            grpc.StatusCode.INVALID_ARGUMENT)
        # CoachDraft: invalid UTF-8 in the draft, sent as raw bytes (the
        # Python protobuf library refuses to build such a string).
        good = pb.CoachDraftRequest(context=pb.ScoreDraftRequest(seeker_message=SEEKER),
                                    revision=1).SerializeToString()
        bad = good + b"\x12\x03\xff\xfe\xfd"  # field 2 (draft), 3 bytes, not UTF-8
        raw = ch.stream_stream("/attune.v1.Assist/CoachDraft",
                               request_serializer=lambda b: b,
                               response_deserializer=lambda b: b)
        expect_code("CoachDraft with invalid UTF-8",
                    lambda: list(raw(iter([bad]), timeout=10, metadata=md)),
                    grpc.StatusCode.INVALID_ARGUMENT)
        # Health Check for a service nobody serves.
        health = s.health_pb2_grpc.HealthStub(ch)
        expect_code("Health/Check of an unknown service", lambda: health.Check(
            s.health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10),
            grpc.StatusCode.NOT_FOUND)
        # An unknown method (with a valid token: without, it is UNAUTHENTICATED).
        unknown = ch.unary_unary("/attune.v1.Assist/NoSuchMethod",
                                 request_serializer=lambda b: b,
                                 response_deserializer=lambda b: b)
        expect_code("unknown method", lambda: unknown(b"", timeout=10, metadata=md),
                    grpc.StatusCode.UNIMPLEMENTED)
        # No bearer token: an auth failure, not a request rejection.
        expect_code("ScoreDraft without a token", lambda: assist.ScoreDraft(
            pb.ScoreDraftRequest(draft="That sounds hard."), timeout=10),
            grpc.StatusCode.UNAUTHENTICATED)
    finally:
        ch.close()

    want = dict(before)
    for key, n in ((REJECTED + '{reason="missing_field"}', 1),
                   (REJECTED + '{reason="invalid_utf8"}', 1),
                   (REJECTED + '{reason="unknown_service"}', 1),
                   (REJECTED + '{reason="unknown_method"}', 1),
                   ('attune_auth_failures_total{reason="missing_token"}', 1)):
        check(key in before, "%s is exported" % key)
        want[key] = before.get(key, 0) + n
    # Calls are counted when the server finishes them, maybe just after the
    # client saw the status: wait (bounded) for the expected totals.
    status, text, _ = wait_metrics(p.metrics, lambda smp: refusal_series(smp) == want)
    got = refusal_series(parse_samples(text))
    for key in sorted(want):
        check(got.get(key) == want[key], "%s == %s (got %s)" % (key, want[key], got.get(key)))
    check(set(got) == set(want), "no other refusal series appeared")
    return 0


def main():
    return test_main(lambda a: run_with_tokens(a.attuned))


if __name__ == "__main__":
    sys.exit(main())
