#!/usr/bin/python3
"""test_fields.py - every string field of every request, sent as hand-encoded
protobuf bytes to the real attuned: invalid UTF-8 (several kinds), an
embedded NUL, zero length, exactly the documented maximum and one byte
over. Each gets a precise status naming the field (never echoing the
text), or behaves exactly like the same request without the field.

Run: ATTUNED_BIN=build/service/attuned /usr/bin/python3 tests/hostile/test_fields.py
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import grpc  # noqa: E402
import grpc_stubs  # noqa: E402
from attuned_proc import AttunedProcess  # noqa: E402

SENTINEL = b"Qzxmarker"  # must never come back in a status or reach the log
BAD_UTF8 = {
    "lone continuation": b"\x80",
    "overlong slash": b"\xc0\xaf",
    "surrogate": b"\xed\xa0\x80",
    "truncated sequence": b"\xe2\x82",
    "beyond U+10FFFF": b"\xf4\x90\x80\x80",
    "5-byte form": b"\xf8\x88\x80\x80\x80",
    "0xff": b"\xff",
}


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        out += bytes([b | 0x80 if n else b])
        if not n:
            return out


def ld(field, data):
    """A length-delimited protobuf field."""
    return varint(field << 3 | 2) + varint(len(data)) + data


def vint(field, n):
    return varint(field << 3) + varint(n)


SD = "/attune.v1.Assist/ScoreDraft"
RO = "/attune.v1.Assist/RecordOutcome"
CD = "/attune.v1.Assist/CoachDraft"
TS = "/attune.v1.Supervision/GetTeamStats"
WM = "/attune.v1.Supervision/WatchMetrics"
HC = "/grpc.health.v1.Health/Check"

# (method, base request bytes (the other required fields), field number,
#  field name in status messages, documented maximum bytes, required?)
FIELDS = [
    (SD, ld(2, b"ok"), 1, "seeker_message", 32768, False),
    (SD, b"", 2, "draft", 32768, True),
    (SD, ld(2, b"ok"), 3, "prior_responder_turns", 8192, False),
    (SD, ld(2, b"ok"), 4, "conversation_id", 128, False),
    (SD, ld(2, b"ok"), 5, "responder_id", 128, False),
    (SD, ld(2, b"ok"), 6, "team", 64, False),
    (SD, ld(2, b"ok"), 8, "locale", 35, False),
    (RO, vint(2, 1), 1, "score_id", 64, True),
    (RO, ld(1, b"s1") + vint(2, 1), 4, "final_text", 32768, False),
    (RO, ld(1, b"s1") + vint(2, 1), 5, "seeker_message", 32768, False),
    (RO, ld(1, b"s1") + vint(2, 1), 6, "conversation_id", 128, False),
    (RO, ld(1, b"s1") + vint(2, 1), 7, "responder_id", 128, False),
    (RO, ld(1, b"s1") + vint(2, 1), 8, "team", 64, False),
    (RO, ld(1, b"s1") + vint(2, 1), 10, "locale", 35, False),
    (TS, b"", 1, "team", 64, False),
    (TS, b"", 3, "responder_id", 128, False),
    (WM, vint(3, 1), 1, "team", 64, False),
    (HC, b"", 1, "service", 256, False),
]


def call(chan, method, body):
    """(code, details) of one call; server streams count as OK once their
    first message arrives (then they are cancelled)."""
    try:
        if method == WM:
            it = chan.unary_stream(method, request_serializer=lambda b: b,
                                   response_deserializer=lambda b: b)(body, timeout=15)
            next(it)
            it.cancel()
        else:
            grpc_stubs.raw_unary(chan, method, body, timeout=15)
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as e:
        return e.code(), e.details() or ""


def coach_first(chan, msgs):
    """Sends CoachDraft messages; returns (code, details) of the stream."""
    it = chan.stream_stream(CD, request_serializer=lambda b: b,
                            response_deserializer=lambda b: b)(iter(msgs), timeout=15)
    try:
        for _ in it:
            pass
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as e:
        return e.code(), e.details() or ""


class FieldsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = AttunedProcess(args=["--state-dir", "{tmp}/state"]).start()
        cls.chan = grpc_stubs.channel(cls.srv.grpc_tcp)

    @classmethod
    def tearDownClass(cls):
        cls.chan.close()
        alive = cls.srv.alive()
        rc = cls.srv.stop(30) if alive else None  # sanitizer reports make it non-zero
        log = cls.srv.log_text()
        cls.srv.cleanup()
        assert alive, "attuned died:\n" + log
        assert rc == 0, "attuned exited with %r on SIGTERM:\n%s" % (rc, log)
        assert SENTINEL.decode() not in log, "request text reached the log"

    def invalid(self, method, body, name, what):
        code, details = call(self.chan, method, body)
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, "%s %s: %s %r" % (
            method, name, what, details))
        self.assertTrue(details.startswith((name + ":", name + "[")), "%s: %r" % (name, details))
        self.assertNotIn(SENTINEL.decode(), details)
        return details

    def test_invalid_utf8_and_nul_in_every_string_field(self):
        for method, base, num, name, _, _ in FIELDS:
            for kind, bad in list(BAD_UTF8.items()) + [("embedded NUL", b"\x00")]:
                with self.subTest(method=method, field=name, kind=kind):
                    d = self.invalid(method, base + ld(num, SENTINEL + bad + b"x"), name, kind)
                    self.assertTrue(d.endswith(": invalid UTF-8 or NUL byte"), d)

    def test_zero_length_and_maximum_size(self):
        for method, base, num, name, limit, required in FIELDS:
            with self.subTest(method=method, field=name):
                baseline = call(self.chan, method, base)[0] if not required else None
                code, details = call(self.chan, method, base + ld(num, b""))
                if required:
                    self.assertEqual((code, details), (grpc.StatusCode.INVALID_ARGUMENT,
                                                       name + ": required"))
                else:
                    self.assertEqual(code, baseline, "%s empty: %r" % (name, details))
                over = self.invalid(method, base + ld(num, b"a" * (limit + 1)), name, "over")
                self.assertIn(str(limit), over)
                if name in ("locale", "service"):
                    continue  # a 35-byte locale / 256-byte service is unknown, not too long
                code, details = call(self.chan, method, base + ld(num, b"a" * limit))
                want = grpc.StatusCode.OK if required else baseline
                self.assertEqual(code, want, "%s at its maximum: %r" % (name, details))

    def test_multibyte_text_at_the_limit(self):
        # 16384 x U+00E9 = 32768 bytes: the limit counts bytes, not characters.
        self.assertEqual(call(self.chan, SD, ld(2, "é".encode() * 16384))[0], grpc.StatusCode.OK)
        d = self.invalid(SD, ld(2, "é".encode() * 16384 + b"a"), "draft", "one byte over")
        self.assertEqual(d, "draft: longer than 32768 bytes")
        # A 4-byte character cut by the limit is over, not silently truncated.
        self.invalid(SD, ld(2, b"a" * 32766 + "😀".encode()), "draft", "split at limit")

    def test_prior_turn_count(self):
        turns = b"".join(ld(3, b"It sounds like") for _ in range(50))
        self.assertEqual(call(self.chan, SD, ld(2, b"ok") + turns)[0], grpc.StatusCode.OK)
        d = self.invalid(SD, ld(2, b"ok") + turns + ld(3, b"x"), "prior_responder_turns", "51")
        self.assertIn("50", d)

    def test_coach_draft_fields(self):
        ctx = ld(2, b"ignored") + ld(1, b"I feel rusty")
        ok = coach_first(self.chan, [ld(1, ctx) + ld(2, b"That sounds hard.") + vint(3, 1)])
        self.assertEqual(ok[0], grpc.StatusCode.OK, ok)
        for kind, bad in (("0xff", b"\xff"), ("NUL", b"\x00")):
            with self.subTest(kind=kind):
                code, d = coach_first(self.chan, [ld(1, ctx) + ld(2, SENTINEL + bad) + vint(3, 1)])
                self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, d)
                self.assertTrue(d.startswith("draft:"), d)
                code, d = coach_first(self.chan, [ld(1, ld(2, b"x") + ld(1, SENTINEL + bad))
                                                  + ld(2, b"ok") + vint(3, 1)])
                self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, d)
                self.assertIn("seeker_message", d)
                self.assertNotIn(SENTINEL.decode(), d)

    def test_wrong_wire_types_and_unknown_fields(self):
        # draft sent as a varint, an unknown field, a truncated varint: never a crash.
        self.invalid(SD, vint(2, 5), "request", "draft as varint")
        self.assertEqual(call(self.chan, SD, ld(2, b"ok") + ld(99, b"future"))[0],
                         grpc.StatusCode.OK)
        self.invalid(SD, ld(2, b"ok") + b"\x38\xff", "request", "truncated varint")
        self.invalid(SD, ld(2, b"ok") + ld(9, b"\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
                     "suggestion_options.max_count", "huge max_count")


if __name__ == "__main__":
    unittest.main(verbosity=2)
