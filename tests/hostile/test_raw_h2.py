#!/usr/bin/python3
"""test_raw_h2.py - hostile HTTP/2 peers against the real attuned, built
frame by frame (h2raw.py): garbage instead of / after the preface, malformed
frames, gRPC messages whose length prefix lies, the compressed flag without
(or with broken) compression, bogus :path and other header abuse. After
every case a normal call on a NEW connection must work and attuned must be
alive; nothing may hang (every wait is bounded).

Run: ATTUNED_BIN=build/service/attuned /usr/bin/python3 tests/hostile/test_raw_h2.py
"""
import os
import socket
import struct
import sys
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, HERE)
import grpc_stubs  # noqa: E402
import h2raw  # noqa: E402
from attuned_proc import AttunedProcess  # noqa: E402
from h2raw import (CONTINUATION, DATA, END_HEADERS, END_STREAM, HEADERS, PADDED,  # noqa: E402
                   PING, SETTINGS, WINDOW_UPDATE, H2Conn, frame, grpc_headers, grpc_message)

SD = "/attune.v1.Assist/ScoreDraft"
DRAFT = b"\x12\x11That sounds hard."  # ScoreDraftRequest{draft: "That sounds hard."}
OK, INVALID_ARGUMENT, UNIMPLEMENTED = 0, 3, 12
WAIT = 10.0  # seconds: the bound on every wait below


def closes(build):
    """A case that must make the server close the connection."""
    return ("closes", build)


def tolerated(build):
    """A case the server may either ignore (connection keeps serving) or
    answer by closing the connection; both are fine, hanging is not."""
    return ("tolerated", build)


# Malformed frames, each on a fresh connection after a valid preface.
MALFORMED = {
    "SETTINGS length not a multiple of 6": closes(
        lambda c: c.send_frame(SETTINGS, 0, 0, b"\0" * 7)),
    "SETTINGS with a stream id": closes(lambda c: c.send_frame(SETTINGS, 0, 1, b"")),
    "SETTINGS_INITIAL_WINDOW_SIZE over 2^31-1": closes(
        lambda c: c.send_frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 0x80000000))),
    "frame over SETTINGS_MAX_FRAME_SIZE": closes(
        lambda c: c.send_frame(DATA, 0, 1, b"a" * 20000)),
    "PING of 7 bytes": closes(lambda c: c.send_frame(PING, 0, 0, b"a" * 7)),
    "CONTINUATION without HEADERS": closes(
        lambda c: c.send_frame(CONTINUATION, END_HEADERS, 1, b"\x82")),
    "HEADERS without END_HEADERS then PING": closes(
        lambda c: (c.send_frame(HEADERS, 0, 1, c.headers_block(grpc_headers(SD))),
                   c.send_frame(PING, 0, 0, b"a" * 8))),
    "pad length beyond the frame": closes(
        lambda c: c.send_frame(HEADERS, END_HEADERS | PADDED, 1,
                               b"\xff" + c.headers_block(grpc_headers(SD)))),
    "WINDOW_UPDATE of 0 on the connection": closes(
        lambda c: c.send_frame(WINDOW_UPDATE, 0, 0, b"\0\0\0\0")),
    "WINDOW_UPDATE overflowing the window": tolerated(
        lambda c: (c.send_frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7FFFFFFF)),
                   c.send_frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7FFFFFFF)))),
    "undecodable HPACK block": closes(
        lambda c: c.send_frame(HEADERS, END_HEADERS, 1, b"\xff" * 6)),
    "frame header promising more than is sent": closes(
        lambda c: (c.send(frame(DATA, 0, 1, b"abc", length=5000)),
                   c.sock.shutdown(socket.SHUT_WR))),
    "HEADERS on stream 0": tolerated(
        lambda c: c.send_frame(HEADERS, END_HEADERS, 0, c.headers_block(grpc_headers(SD)))),
    "DATA on an idle stream": tolerated(lambda c: c.send_frame(DATA, 0, 5, b"abc")),
    "HEADERS on an even (server) stream id": tolerated(
        lambda c: c.send_frame(HEADERS, END_HEADERS, 2, c.headers_block(grpc_headers(SD)))),
    "unknown frame type": tolerated(lambda c: c.send_frame(0xEE, 0xFF, 3, b"whatever")),
    "PRIORITY depending on itself": tolerated(
        lambda c: c.send_frame(2, 0, 9, struct.pack(">IB", 9, 16))),
}

# Bad :path values and other header abuse: (headers, acceptable grpc-status set).
BAD_HEADERS = {
    "unknown method path": (grpc_headers("/nonsense"), {UNIMPLEMENTED}),
    "path without slash": (grpc_headers("not-a-path"), {UNIMPLEMENTED}),
    "path with an extra segment": (grpc_headers(SD + "/extra"), {UNIMPLEMENTED}),
    "path with a NUL": (grpc_headers(SD + "\x00"), {UNIMPLEMENTED}),
    "12 KB path": (grpc_headers("/" + "a" * 12000), {UNIMPLEMENTED}),
    "two :path headers": (grpc_headers(SD) + [(":path", "/x/y")], {UNIMPLEMENTED, 2, 13}),
    "no :path": ([h for h in grpc_headers(SD) if h[0] != ":path"], {2, 13}),
    "GET instead of POST": ([(":method", "GET")] + grpc_headers(SD)[1:], {2, 12, 13}),
    "text/html content-type, no te": (
        [(":method", "POST"), (":scheme", "http"), (":path", SD), (":authority", "x"),
         ("content-type", "text/html")], {2, 13}),
}



def stop_alive_server(srv):
    """Stops attuned with SIGTERM; fails if it had died or did not exit 0."""
    alive = srv.alive()
    log = srv.log_text()
    rc = srv.stop(30) if alive else None
    srv.cleanup()
    assert alive, "attuned died:\n" + log
    assert rc == 0, "attuned exited with %r on SIGTERM" % rc


class RawH2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = AttunedProcess().start()
        cls.port = int(cls.srv.grpc_tcp.rsplit(":", 1)[1])
        cls.stubs = grpc_stubs.load()

    @classmethod
    def tearDownClass(cls):
        stop_alive_server(cls.srv)

    def conn(self, **kw):
        return H2Conn("127.0.0.1", self.port, timeout=WAIT, **kw)

    def assert_serving(self):
        """attuned is alive and a normal call on a new connection works,
        both from the raw client and from grpcio."""
        self.assertTrue(self.srv.alive(), "attuned died:\n" + self.srv.log_text())
        with self.conn() as c:
            c.request(1, SD, grpc_message(DRAFT))
            r = c.read_stream(1)
            self.assertEqual(r.grpc_status, OK, r)
            self.assertGreater(len(r.data), 5)
        chan = grpc_stubs.channel(self.srv.grpc_tcp)
        try:
            s = self.stubs
            r = s.attune_pb2_grpc.AssistStub(chan).ScoreDraft(
                s.attune_pb2.ScoreDraftRequest(draft="That sounds hard."), timeout=WAIT)
            self.assertTrue(r.human_review_required)
        finally:
            chan.close()

    def call(self, body, extra=(), end=True, path=SD):
        with self.conn() as c:
            c.request(1, path, body, end=end, extra=extra)
            return c.read_stream(1)

    # ------------------------------------------------------ preface and frames
    def test_garbage_instead_of_preface(self):
        for name, junk in (("HTTP/1.1 request", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
                           ("random bytes", os.urandom(256)),
                           ("preface cut short", h2raw.PREFACE[:10])):
            with self.subTest(name):
                with self.conn(preface=False) as c:
                    c.send(junk)
                    if name == "preface cut short":
                        c.sock.shutdown(socket.SHUT_WR)
                    self.assertTrue(c.wait_closed(), "connection left open")
                self.assert_serving()

    def test_garbage_after_preface(self):
        with self.conn() as c:
            c.send(b"\xff" * 64)
            self.assertTrue(c.wait_closed(), "connection left open")
        self.assert_serving()

    def test_malformed_frames(self):
        for name, (kind, build) in MALFORMED.items():
            with self.subTest(name):
                with self.conn() as c:
                    build(c)
                    if kind == "closes":
                        self.assertTrue(c.wait_closed(), "connection left open")
                    else:
                        # Either closed, or the same connection still serves.
                        c.request(101, SD, grpc_message(DRAFT))
                        r = c.read_stream(101)
                        self.assertTrue(c.eof or r.grpc_status == OK, r)
                self.assert_serving()

    # ------------------------------------------------------- gRPC framing
    def test_truncated_message(self):
        # Prefix says 100 bytes, 19 arrive, then END_STREAM.
        r = self.call(grpc_message(DRAFT, length=100))
        self.assertEqual(r.grpc_status, INVALID_ARGUMENT, r)
        self.assertEqual(r.grpc_message, "request: message required")
        # A prefix cut in the middle (3 of 5 bytes).
        r = self.call(b"\x00\x00\x00")
        self.assertIn(r.grpc_status, {INVALID_ARGUMENT, 13}, r)
        self.assert_serving()

    def test_length_prefix_far_over_the_limit(self):
        # 2 GiB promised, END_STREAM right after: nothing is allocated for it.
        r = self.call(grpc_message(DRAFT, length=0x7FFFFFFF))
        self.assertEqual(r.grpc_status, INVALID_ARGUMENT, r)
        self.assert_serving()

    def test_lying_prefix_on_open_stream_does_not_block_others(self):
        # The lying stream never completes; the same connection keeps serving
        # other streams, and closing it releases everything.
        with self.conn() as c:
            c.request(1, SD, grpc_message(DRAFT, length=5 << 20), end=False)
            for sid in (3, 5, 7):
                c.request(sid, SD, grpc_message(DRAFT))
                r = c.read_stream(sid)
                self.assertEqual(r.grpc_status, OK, r)
        self.assert_serving()

    def test_compressed_flag_without_compression(self):
        # No grpc-encoding: gRPC C core 1.51 reads the bytes as identity, so
        # the call completes (OK); what matters is a complete gRPC answer.
        r = self.call(grpc_message(DRAFT, compressed=True))
        self.assertIn(r.grpc_status, {OK, 13}, r)
        # An encoding the server does not know.
        r = self.call(grpc_message(DRAFT, compressed=True), extra=[("grpc-encoding", "snappy9")])
        self.assertIn(r.grpc_status, {OK, 12, 13}, r)
        self.assert_serving()

    def test_broken_and_bomb_compression(self):
        r = self.call(grpc_message(b"not gzip at all", compressed=True),
                      extra=[("grpc-encoding", "gzip")])
        self.assertTrue(r.rst is not None or r.grpc_status == 13, r)
        # 16 MiB of zeros deflate to ~16 KB; inflated it is over the 4 MiB limit.
        bomb = zlib.compress(b"\x12\x80\x80\x80\x08" + bytes(16 << 20), 9)
        r = self.call(grpc_message(bomb, compressed=True), extra=[("grpc-encoding", "deflate")])
        self.assertTrue(r.rst is not None or r.grpc_status not in (None, OK), r)
        self.assert_serving()

    # ------------------------------------------------------------ headers
    def test_bogus_paths_and_headers(self):
        for name, (headers, want) in BAD_HEADERS.items():
            with self.subTest(name):
                with self.conn() as c:
                    c.send_frame(HEADERS, END_HEADERS, 1, c.headers_block(headers))
                    c.send_frame(DATA, END_STREAM, 1, grpc_message(DRAFT))
                    r = c.read_stream(1)
                    self.assertTrue(r.grpc_status in want or r.rst is not None, r)
                self.assert_serving()

    def test_bogus_grpc_timeout(self):
        r = self.call(grpc_message(DRAFT), extra=[("grpc-timeout", "99999999999999999H")])
        self.assertIsNotNone(r.grpc_status, r)
        r = self.call(grpc_message(DRAFT), extra=[("grpc-timeout", "0n")])
        self.assertEqual(r.grpc_status, 4, r)  # DEADLINE_EXCEEDED
        self.assert_serving()

    def test_many_half_streams_then_close(self):
        # 100 streams each with half a message, then the connection drops.
        with self.conn() as c:
            for i in range(100):
                sid = 1 + 2 * i
                c.request(sid, SD, grpc_message(DRAFT, length=64), end=False)
        self.assert_serving()


REQUEST_TIMEOUT_MS = 500
STREAM_IDLE_MS = 800
DEADLINE_EXCEEDED = 4
COACH = "/attune.v1.Assist/CoachDraft"
# CoachDraftRequest{context: {seeker_message: "I feel alone."}, draft: "That sounds hard.", revision: 1}
COACH_FIRST = b"\x0a\x0f\x0a\x0dI feel alone.\x12\x11That sounds hard.\x18\x01"


class RequestTimeoutTest(unittest.TestCase):
    """--request-timeout-ms: a unary call whose request never fully arrives
    is ended by the server with DEADLINE_EXCEEDED soon after the limit,
    while other clients are served; --stream-idle-timeout-ms does the same
    for a CoachDraft stream that goes quiet."""

    @classmethod
    def setUpClass(cls):
        cls.srv = AttunedProcess(args=["--request-timeout-ms", str(REQUEST_TIMEOUT_MS),
                                       "--stream-idle-timeout-ms", str(STREAM_IDLE_MS)]).start()
        cls.port = int(cls.srv.grpc_tcp.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        stop_alive_server(cls.srv)

    def conn(self):
        return H2Conn("127.0.0.1", self.port, timeout=WAIT)

    def rejected(self, reason):
        import urllib.request
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open("http://%s/metrics" % self.srv.metrics, timeout=WAIT) as r:
            text = r.read().decode()
        key = 'attune_requests_rejected_total{reason="%s"} ' % reason
        return float(next(l for l in text.splitlines() if l.startswith(key)).split()[1])

    def wait_rejected(self, reason, want):
        # Counted when the call ends, which may be just after the client saw
        # its status: a bounded poll.
        deadline = time.monotonic() + WAIT
        while self.rejected(reason) != want and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.rejected(reason)

    def assert_timed_out(self, r, t0, limit_ms, details):
        took = time.monotonic() - t0
        self.assertEqual(r.grpc_status, DEADLINE_EXCEEDED, r)
        self.assertEqual(r.grpc_message, details, r)
        # Not before the limit; well before the 10 s bound of every wait
        # (the reaper wakes at least every limit/4).
        self.assertGreaterEqual(took, limit_ms / 1000.0 - 0.05, took)
        self.assertLess(took, limit_ms / 1000.0 + 1.0, took)

    def test_lying_prefix_is_ended_after_the_limit(self):
        before = self.rejected("request_timeout")
        with self.conn() as liar, self.conn() as other:
            t0 = time.monotonic()
            # 5 MiB promised, 19 bytes sent, never half-closed; and a call
            # whose HEADERS come without any DATA at all.
            liar.request(1, SD, grpc_message(DRAFT, length=5 << 20), end=False)
            liar.send_frame(HEADERS, END_HEADERS, 3, liar.headers_block(grpc_headers(SD)))
            # Meanwhile others are served, on another connection and on the
            # liar's own connection.
            other.request(1, SD, grpc_message(DRAFT))
            r = other.read_stream(1)
            self.assertEqual(r.grpc_status, OK, r)
            liar.request(5, SD, grpc_message(DRAFT))
            r = liar.read_stream(5)
            self.assertEqual(r.grpc_status, OK, r)
            self.assertLess(time.monotonic() - t0, REQUEST_TIMEOUT_MS / 1000.0,
                            "the good calls were not served before the limit")
            details = "request message not received within %d ms" % REQUEST_TIMEOUT_MS
            self.assert_timed_out(liar.read_stream(1), t0, REQUEST_TIMEOUT_MS, details)
            self.assert_timed_out(liar.read_stream(3), t0, REQUEST_TIMEOUT_MS, details)
        self.assertEqual(self.wait_rejected("request_timeout", before + 2), before + 2)

    def test_quiet_coach_stream_is_ended_after_the_idle_limit(self):
        before = self.rejected("stream_idle_timeout")
        with self.conn() as c:
            c.request(1, COACH, grpc_message(COACH_FIRST), end=False)
            t0 = time.monotonic()
            # The feedback for revision 1 comes at once; then nothing more is
            # sent, and the stream ends after the idle limit.
            self.assertTrue(c.pump(lambda: len(c._stream(1).data) > 5, WAIT), "no feedback")
            r = c.read_stream(1)
            self.assert_timed_out(r, t0, STREAM_IDLE_MS,
                                  "stream idle: no message received within %d ms" % STREAM_IDLE_MS)
        self.assertEqual(self.wait_rejected("stream_idle_timeout", before + 1), before + 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
