#!/usr/bin/python3
"""test_faults.py - faults against the real attuned: clients that vanish in
the middle of a call (hundreds of times, at every point of the exchange),
deadlines that expire while the largest allowed request is being scored,
and SIGKILL (idle and under load) followed by a restart on the same unix
socket path and state dir. The server must stay alive, keep serving, not
leak file descriptors, and never leave a call hanging.
(SIGTERM drain: tests/e2e; kill -9 durability of outcomes: tests/telemetry.)

Run: ATTUNED_BIN=build/service/attuned /usr/bin/python3 tests/faults/test_faults.py
"""
import os
import re
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
import grpc  # noqa: E402
import grpc_stubs  # noqa: E402
from attuned_proc import AttunedProcess  # noqa: E402

S = grpc_stubs.load()
pb = S.attune_pb2
SD = "/attune.v1.Assist/ScoreDraft"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS_EMPTY = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def headers_frame():
    """HEADERS for ScoreDraft on stream 1, HPACK literals without indexing
    and without Huffman (so this file needs no HPACK library)."""
    def lit(name, value):
        n, v = name.encode(), value.encode()
        return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v
    block = (b"\x83" + b"\x86" + lit(":path", SD) + lit(":authority", "localhost")
             + lit("content-type", "application/grpc") + lit("te", "trailers"))
    return struct.pack(">I", len(block))[1:] + b"\x01\x04\x00\x00\x00\x01" + block


def data_frame(payload, end=True):
    return struct.pack(">I", len(payload))[1:] + bytes([0, 1 if end else 0]) + \
        b"\x00\x00\x00\x01" + payload


REQUEST = b"\x12\x11That sounds hard."
MESSAGE = b"\x00" + struct.pack(">I", len(REQUEST)) + REQUEST
FULL = PREFACE + SETTINGS_EMPTY + headers_frame() + data_frame(MESSAGE)

# Points at which a client disappears: the bytes it managed to send.
CUTS = {
    "nothing": b"",
    "half the preface": PREFACE[:12],
    "preface only": PREFACE + SETTINGS_EMPTY,
    "half a frame header": PREFACE + SETTINGS_EMPTY + headers_frame()[:5],
    "headers, no data": PREFACE + SETTINGS_EMPTY + headers_frame(),
    "half the gRPC prefix": PREFACE + SETTINGS_EMPTY + headers_frame()
    + data_frame(MESSAGE[:3], end=False),
    "half the message": PREFACE + SETTINGS_EMPTY + headers_frame()
    + data_frame(MESSAGE[:12], end=False),
    "whole request, reply never read": FULL,
}

BIG = pb.ScoreDraftRequest(
    seeker_message=("I can't sleep, I keep thinking about the pills I saved up. " * 540)[:32768],
    draft=("It sounds like you're exhausted and scared. Do I have that right? " * 500)[:32768],
    prior_responder_turns=[("It sounds like that was hard for you. " * 220)[:8192]] * 50,
    conversation_id="c" * 128, responder_id="r" * 128, team="t" * 64)

TYPICAL = pb.ScoreDraftRequest(
    seeker_message="After years at home I feel rusty and anxious about going back to work.",
    draft="I've struggled with the same problem. Just jump right in and give it your best.")


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def wait_until(pred, timeout):
    """Bounded poll of a condition; returns its last value."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return pred()
        time.sleep(0.05)
    return True


def score_draft_codes(metrics_addr):
    """attuned's own count of finished ScoreDraft calls by status code, or
    None while some are still in flight."""
    text = urllib.request.urlopen("http://%s/metrics" % metrics_addr, timeout=10).read().decode()
    if re.search(r'^attune_rpc_in_flight\{rpc="ScoreDraft"\} [1-9]', text, re.M):
        return None
    pat = r'^attune_rpc_requests_total\{rpc="ScoreDraft",code="(\w+)"\} (\d+)$'
    return {c: int(n) for c, n in re.findall(pat, text, re.M) if int(n)}


def score_ok(chan, timeout=30):
    r = S.attune_pb2_grpc.AssistStub(chan).ScoreDraft(
        pb.ScoreDraftRequest(draft="That sounds hard."), timeout=timeout)
    return r.human_review_required


class DisconnectTest(unittest.TestCase):
    def test_clients_vanishing_mid_call(self):
        with AttunedProcess() as srv:
            port = int(srv.grpc_tcp.rsplit(":", 1)[1])
            chan = grpc_stubs.channel(srv.grpc_tcp)
            self.assertTrue(score_ok(chan))  # warm up: lazy fds exist before the baseline
            fds0 = fd_count(srv.pid)
            rounds = 40
            for i in range(rounds):
                for name, data in CUTS.items():
                    s = socket.create_connection(("127.0.0.1", port), timeout=5)
                    if i % 2:  # every other time: RST instead of FIN
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
                    try:
                        s.sendall(data)
                    except OSError:
                        pass
                    s.close()
                self.assertTrue(srv.alive(), "died in round %d:\n%s" % (i, srv.log_text()))
            self.assertTrue(score_ok(chan))
            # Every vanished connection is released (bounded wait for the core).
            self.assertTrue(wait_until(lambda: fd_count(srv.pid) <= fds0 + 2, 60),
                            "fds %d -> %d after %d vanished clients" % (
                                fds0, fd_count(srv.pid), rounds * len(CUTS)))
            chan.close()
            self.assertEqual(srv.stop(30), 0, srv.log_text()[-4000:])

    def test_grpc_clients_cancelling_mid_call(self):
        # Real clients that give up: futures cancelled at once, and channels
        # closed with calls in flight.
        with AttunedProcess() as srv:
            for _ in range(20):
                chan = grpc_stubs.channel(srv.grpc_tcp)
                stub = S.attune_pb2_grpc.AssistStub(chan)
                fs = [stub.ScoreDraft.future(BIG, timeout=10) for _ in range(8)]
                fs[0].cancel()
                chan.close()
            self.assertTrue(srv.alive(), srv.log_text())
            chan = grpc_stubs.channel(srv.grpc_tcp)
            self.assertTrue(score_ok(chan))
            chan.close()
            self.assertEqual(srv.stop(30), 0, srv.log_text()[-4000:])


class DeadlineTest(unittest.TestCase):
    def test_deadlines_expiring_during_scoring(self):
        with AttunedProcess() as srv:
            chan = grpc_stubs.channel(srv.grpc_tcp)
            stub = S.attune_pb2_grpc.AssistStub(chan)
            t0 = time.monotonic()
            stub.ScoreDraft(BIG, timeout=30)
            big_ms = (time.monotonic() - t0) * 1000
            codes = {}
            lock = threading.Lock()
            # Deadlines from "gone before it arrives" to "expires in the middle
            # of scoring" to "just enough"; the call count adapts to how slow
            # this build scores (sanitizers), bounding the server's CPU work.
            big_s = big_ms / 1000.0
            timeouts = [0.0005, 0.002, 0.01, big_s * 0.25, big_s * 0.5, big_s * 0.9, big_s * 3]
            calls = max(42, min(420, int(40.0 / big_s)))

            def one(i):
                try:
                    stub.ScoreDraft(BIG, timeout=timeouts[i % len(timeouts)])
                    code = grpc.StatusCode.OK
                except grpc.RpcError as e:
                    code = e.code()
                with lock:
                    codes[code] = codes.get(code, 0) + 1

            with futures.ThreadPoolExecutor(4) as pool:
                done = list(pool.map(one, range(calls), timeout=240))
            self.assertEqual(len(done), calls)
            print("largest request scored in %.1f ms; %d calls with tiny deadlines: %s" % (
                big_ms, calls, {c.name: n for c, n in codes.items()}))
            self.assertLessEqual(set(codes), {grpc.StatusCode.OK,
                                              grpc.StatusCode.DEADLINE_EXCEEDED})
            self.assertGreater(codes.get(grpc.StatusCode.DEADLINE_EXCEEDED, 0), 0)
            # The server tells the same story: every call ended OK or with its
            # deadline (one that expired before its message arrived must not
            # count as INVALID_ARGUMENT, nor one cut off mid-reply as OK).
            self.assertTrue(wait_until(lambda: score_draft_codes(srv.metrics) is not None, 30))
            seen = score_draft_codes(srv.metrics)
            self.assertLessEqual(set(seen), {"OK", "DEADLINE_EXCEEDED", "CANCELLED"}, seen)
            self.assertGreater(seen.get("DEADLINE_EXCEEDED", 0), 0, seen)
            self.assertTrue(srv.alive(), srv.log_text())
            self.assertTrue(score_ok(chan))
            chan.close()
            self.assertEqual(srv.stop(30), 0, srv.log_text()[-4000:])


class KillRestartTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="attune-faults-")
        self.sock = os.path.join(self.dir, "attuned.sock")
        self.args = ["--listen", "unix:" + self.sock, "--state-dir",
                     os.path.join(self.dir, "state")]

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self):
        return AttunedProcess(args=self.args, tcp=False).start()

    def test_sigkill_idle_then_restart_on_same_socket(self):
        target = "unix:" + self.sock
        for round_ in range(3):
            with self.start() as srv:
                self.assertEqual(srv.grpc_unix, target)
                chan = grpc_stubs.channel(target)
                self.assertTrue(score_ok(chan), "round %d" % round_)
                chan.close()
                srv.signal(signal.SIGKILL)
                self.assertEqual(srv.wait(10), -signal.SIGKILL)
            self.assertTrue(os.path.exists(self.sock), "expected a stale socket file")

    def test_sigkill_under_load_then_restart(self):
        target = "unix:" + self.sock
        srv = self.start()
        chan = grpc_stubs.channel(target)
        stub = S.attune_pb2_grpc.AssistStub(chan)
        stop = threading.Event()
        results = {"ok": 0, "errors": {}}
        lock = threading.Lock()

        def load():
            while not stop.is_set():
                try:
                    # wait_for_ready: across the restart calls wait for the
                    # server instead of spinning on UNAVAILABLE.
                    stub.ScoreDraft(TYPICAL, timeout=5, wait_for_ready=True)
                    key = None
                except grpc.RpcError as e:
                    key = e.code().name
                with lock:
                    if key is None:
                        results["ok"] += 1
                    else:
                        results["errors"][key] = results["errors"].get(key, 0) + 1

        threads = [threading.Thread(target=load) for _ in range(4)]
        try:
            for t in threads:
                t.start()
            self.assertTrue(wait_until(lambda: results["ok"] >= 20, 30), results)
            srv.signal(signal.SIGKILL)
            self.assertEqual(srv.wait(10), -signal.SIGKILL)
            srv.cleanup()
            ok_before = results["ok"]
            srv = self.start()
            # The same channel reconnects to the restarted server by itself.
            self.assertTrue(wait_until(lambda: results["ok"] >= ok_before + 20, 30), results)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
            chan.close()
            rc = srv.stop(30)
            srv.cleanup()
        self.assertFalse(any(t.is_alive() for t in threads), "a client call hung")
        print("under load across SIGKILL+restart:", results)
        self.assertLessEqual(set(results["errors"]), {"UNAVAILABLE", "DEADLINE_EXCEEDED",
                                                      "CANCELLED", "INTERNAL"})
        self.assertEqual(rc, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
