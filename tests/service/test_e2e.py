"""test_e2e.py - end-to-end tests of the real attuned with an independent
client (Debian's python3-grpcio, stubs generated from proto/ at test time):
TCP and unix listeners, ScoreDraft on the BRIEF example, precise
INVALID_ARGUMENT details, UNIMPLEMENTED for unknown methods, a 20 MB request,
health Check/Watch, CoachDraft, and the SIGTERM drain.

Run: ATTUNED_BIN=build/service/attuned /usr/bin/python3 tests/service/test_e2e.py
"""
import concurrent.futures
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import grpc  # noqa: E402
import grpc_stubs  # noqa: E402
from attuned_proc import AttunedProcess  # noqa: E402

S = grpc_stubs.load()
pb = S.attune_pb2

SEEKER = ("After pausing my career for several years to start a family, it is time to go "
          "back to work, but I feel rusty, unmotivated and anxious about re-entering the "
          "job market.")
REPLY_A = ("I'm sorry to hear that you're struggling with finding the motivation to get back "
           "to work. I can understand how anxiety and insecurity can make it hard to take that "
           "step. You have a lot of courage to share your situation and seek help. I hope you "
           "know that you have valuable skills and experience that can benefit any employer. "
           "You deserve to feel financially secure and fulfilled in your career.")
REPLY_B = ("I've struggled with the same problem. The best way to tackle it is to just jump "
           "right in and give it your best.")
MARKER = "Zanzibarquux"  # a word that must never reach logs or status details


def code_of(fn):
    try:
        fn()
    except grpc.RpcError as e:
        return e.code(), e.details()
    return grpc.StatusCode.OK, ""


class Requests:
    """A request iterator fed from the test thread (for bidi streams)."""

    def __init__(self):
        self.q = queue.Queue()

    def send(self, msg):
        self.q.put(msg)

    def close(self):
        self.q.put(None)

    def __iter__(self):
        while True:
            m = self.q.get()
            if m is None:
                return
            yield m


class AttunedE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = AttunedProcess(unix=True).start()
        cls.chan_tcp = grpc_stubs.channel(cls.srv.grpc_tcp)
        cls.chan_unix = grpc_stubs.channel(cls.srv.grpc_unix)
        cls.assist = S.attune_pb2_grpc.AssistStub(cls.chan_tcp)

    @classmethod
    def tearDownClass(cls):
        cls.chan_tcp.close()
        cls.chan_unix.close()
        rc = cls.srv.stop()
        log = cls.srv.log_text()
        cls.srv.cleanup()
        assert rc == 0, "attuned exited with %r; log:\n%s" % (rc, log)
        for word in (MARKER, "struggled", "rusty"):
            assert word not in log, "message text leaked into the log: %r" % word

    def score(self, chan=None, **kw):
        stub = S.attune_pb2_grpc.AssistStub(chan) if chan else self.assist
        return stub.ScoreDraft(pb.ScoreDraftRequest(**kw), timeout=10)

    # ------------------------------------------------------------ happy path
    def test_ready_file_lists_both_listeners(self):
        self.assertRegex(self.srv.grpc_tcp, r"^127\.0\.0\.1:[1-9][0-9]*$")
        self.assertEqual(self.srv.grpc_unix, "unix:" + self.srv.socket_path)
        self.assertIn("event=listening", self.srv.log_text())

    def test_score_draft_over_tcp_and_unix(self):
        for chan in (self.chan_tcp, self.chan_unix):
            r = self.score(chan, seeker_message=SEEKER, draft=REPLY_B, conversation_id="c1")
            self.assertTrue(r.human_review_required)
            self.assertRegex(r.score_id, r"^[0-9a-f]{32}$")
            self.assertTrue(r.scorer_version.startswith("attune-scorer/"))
            self.assertLessEqual(r.score, 100)
            for f in r.findings:
                self.assertLessEqual(f.start, f.end)
                self.assertLessEqual(f.end, len(REPLY_B.encode()))
            self.assertLessEqual(len(r.suggestions), 3)
        # Same input -> same judgement, fresh score id.
        r1 = self.score(seeker_message=SEEKER, draft=REPLY_B, conversation_id="c1")
        r2 = self.score(seeker_message=SEEKER, draft=REPLY_B, conversation_id="c1")
        self.assertEqual(r1.score, r2.score)
        self.assertEqual([f.kind for f in r1.findings], [f.kind for f in r2.findings])
        self.assertNotEqual(r1.score_id, r2.score_id)
        # A gzip-compressed request is decompressed by the core and scored alike.
        rz = self.assist.ScoreDraft(pb.ScoreDraftRequest(seeker_message=SEEKER, draft=REPLY_B,
                                                         conversation_id="c1"),
                                    timeout=10, compression=grpc.Compression.Gzip)
        self.assertEqual(rz.score, r1.score)

    def test_suggestion_options(self):
        r = self.score(seeker_message=SEEKER, draft=REPLY_B,
                       suggestion_options=pb.SuggestionOptions(disabled=True))
        self.assertEqual(len(r.suggestions), 0)
        r = self.score(seeker_message=SEEKER, draft=REPLY_B,
                       suggestion_options=pb.SuggestionOptions(max_count=1))
        self.assertLessEqual(len(r.suggestions), 1)

    def test_brief_example_ranks_a_above_b(self):
        a = self.score(seeker_message=SEEKER, draft=REPLY_A)
        b = self.score(seeker_message=SEEKER, draft=REPLY_B)
        self.assertGreater(a.score, b.score)
        kinds = {f.kind for f in b.findings}
        self.assertIn(pb.FINDING_KIND_SELF_FOCUS, kinds)
        self.assertIn(pb.FINDING_KIND_PREMATURE_ADVICE, kinds)

    # ------------------------------------------------------------- bad input
    def assert_invalid(self, expected_details, fn):
        code, details = code_of(fn)
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, details)
        self.assertEqual(details, expected_details)
        self.assertNotIn(MARKER, details)

    def test_missing_draft(self):
        self.assert_invalid("draft: required", lambda: self.score(seeker_message=MARKER))

    def test_invalid_utf8_and_nul(self):
        raw = lambda b: grpc_stubs.raw_unary(self.chan_tcp, "/attune.v1.Assist/ScoreDraft", b)
        bad = MARKER.encode() + b"\xff\xfe"
        self.assert_invalid("draft: invalid UTF-8 or NUL byte",
                            lambda: raw(b"\x12" + bytes([len(bad)]) + bad))
        nul = MARKER.encode() + b"\x00hidden"
        self.assert_invalid("draft: invalid UTF-8 or NUL byte",
                            lambda: raw(b"\x12" + bytes([len(nul)]) + nul))
        self.assert_invalid("seeker_message: invalid UTF-8 or NUL byte",
                            lambda: raw(b"\x0a\x02\xc0\xaf\x12\x02ok"))
        self.assert_invalid("request: not a valid ScoreDraftRequest message",
                            lambda: raw(b"\x12\x40ab"))

    def test_fields_over_limits(self):
        self.assert_invalid("draft: longer than 32768 bytes",
                            lambda: self.score(draft=MARKER + "a" * 32768))
        self.assert_invalid("seeker_message: longer than 32768 bytes",
                            lambda: self.score(draft="ok", seeker_message="a" * 32769))
        self.assert_invalid("prior_responder_turns: more than 50 entries",
                            lambda: self.score(draft="ok", prior_responder_turns=["t"] * 51))
        self.assert_invalid("conversation_id: longer than 128 bytes",
                            lambda: self.score(draft="ok", conversation_id="c" * 129))
        self.assert_invalid("team: only [A-Za-z0-9._-] allowed",
                            lambda: self.score(draft="ok", team=MARKER + " x"))
        self.assert_invalid("locale: unsupported",
                            lambda: self.score(draft="ok", locale="zz"))
        self.assert_invalid("suggestion_options.max_count: must be at most 8",
                            lambda: self.score(draft="ok",
                                               suggestion_options=pb.SuggestionOptions(
                                                   max_count=9)))

    def test_unknown_method_is_unimplemented(self):
        for chan in (self.chan_tcp, self.chan_unix):
            code, _ = code_of(lambda: grpc_stubs.raw_unary(chan, "/attune.v1.Assist/Nope", b""))
            self.assertEqual(code, grpc.StatusCode.UNIMPLEMENTED)
            code, _ = code_of(lambda: grpc_stubs.raw_unary(chan, "/no.such.Svc/X", b"\x01"))
            self.assertEqual(code, grpc.StatusCode.UNIMPLEMENTED)

    def test_20mb_request_is_resource_exhausted_and_server_keeps_serving(self):
        code, _ = code_of(lambda: self.score(draft="a" * (20 * 1024 * 1024)))
        self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED)
        r = self.score(seeker_message=SEEKER, draft=REPLY_B)
        self.assertTrue(r.human_review_required)

    # ---------------------------------------------------------------- health
    def test_health_check(self):
        h = S.health_pb2_grpc.HealthStub(self.chan_unix)
        serving = S.health_pb2.HealthCheckResponse.SERVING
        for svc in ("", "attune.v1.Assist", "attune.v1.Supervision"):
            r = h.Check(S.health_pb2.HealthCheckRequest(service=svc), timeout=5)
            self.assertEqual(r.status, serving)
        code, _ = code_of(lambda: h.Check(S.health_pb2.HealthCheckRequest(service="nope"),
                                          timeout=5))
        self.assertEqual(code, grpc.StatusCode.NOT_FOUND)

    def test_health_watch_cancel_and_unknown_service(self):
        h = S.health_pb2_grpc.HealthStub(self.chan_tcp)
        resp = S.health_pb2.HealthCheckResponse
        for _ in range(3):  # watchers that go away must not linger
            w = h.Watch(S.health_pb2.HealthCheckRequest(service=""), timeout=10)
            self.assertEqual(next(w).status, resp.SERVING)
            w.cancel()
        w = h.Watch(S.health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        self.assertEqual(next(w).status, resp.SERVICE_UNKNOWN)
        w.cancel()
        self.assertEqual(h.Check(S.health_pb2.HealthCheckRequest(), timeout=5).status,
                         resp.SERVING)

    # ------------------------------------------------------------ CoachDraft
    def test_coach_draft_stream(self):
        reqs = Requests()
        stream = self.assist.CoachDraft(iter(reqs), timeout=10)
        reqs.send(pb.CoachDraftRequest(
            context=pb.ScoreDraftRequest(seeker_message=SEEKER), draft="I've struggled", revision=1))
        first = next(stream)
        self.assertEqual(first.revision, 1)
        self.assertTrue(first.feedback.human_review_required)
        reqs.send(pb.CoachDraftRequest(draft=REPLY_B, revision=2))
        second = next(stream)
        self.assertEqual(second.revision, 2)
        reqs.close()
        self.assertEqual(list(stream), [])
        self.assertEqual(stream.code(), grpc.StatusCode.OK)

    def test_coach_draft_latest_wins(self):
        msgs = [pb.CoachDraftRequest(context=pb.ScoreDraftRequest(seeker_message=SEEKER),
                                     draft="I", revision=1)]
        words = REPLY_A.split()
        for rev in range(2, 61):
            msgs.append(pb.CoachDraftRequest(draft=" ".join(words[:rev]), revision=rev))
        stream = self.assist.CoachDraft(iter(msgs), timeout=30)
        revs = [m.revision for m in stream]
        self.assertEqual(stream.code(), grpc.StatusCode.OK)
        # Every response names its revision, in order; the last revision is
        # always scored; queued older ones may be skipped.
        self.assertEqual(revs, sorted(set(revs)))
        self.assertEqual(revs[-1], 60)
        self.assertLessEqual(len(revs), 60)

    def test_coach_draft_latest_wins_many_streams(self):
        # Regression: on_recv used to free recv_buf after starting the next
        # RECV_MESSAGE, which the core may already have filled with the
        # next revision; that completion then looked like a half-close and
        # the stream ended OK early (last revision 3 instead of 60). It needs
        # revisions queued ahead of the server: many eager streams at once.
        words = REPLY_A.split()

        def one(_):
            msgs = [pb.CoachDraftRequest(context=pb.ScoreDraftRequest(seeker_message=SEEKER),
                                         draft="I", revision=1)]
            msgs += [pb.CoachDraftRequest(draft=" ".join(words[:rev]), revision=rev)
                     for rev in range(2, 61)]
            stream = self.assist.CoachDraft(iter(msgs), timeout=60)
            revs = [m.revision for m in stream]
            return stream.code(), revs

        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(one, range(24)))
        for code, revs in results:
            self.assertEqual(code, grpc.StatusCode.OK)
            self.assertEqual(revs, sorted(set(revs)))
            self.assertEqual(revs[-1], 60, "stream ended early: %r" % revs)

    def test_coach_draft_needs_context_first(self):
        stream = self.assist.CoachDraft(iter([pb.CoachDraftRequest(draft="hi", revision=1)]),
                                        timeout=10)
        code, details = code_of(lambda: list(stream))
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(details, "context: required on the first message")


class AttunedDrain(unittest.TestCase):
    def test_sigterm_drains_in_flight_calls(self):
        with AttunedProcess(args=["--grace-seconds", "20"]) as srv:
            chan = grpc_stubs.channel(srv.grpc_tcp)
            self.addCleanup(chan.close)
            health = S.health_pb2_grpc.HealthStub(chan)
            watch = health.Watch(S.health_pb2.HealthCheckRequest(service="attune.v1.Assist"),
                                 timeout=30)
            self.assertEqual(next(watch).status, S.health_pb2.HealthCheckResponse.SERVING)

            assist = S.attune_pb2_grpc.AssistStub(chan)
            reqs = Requests()
            self.addCleanup(reqs.close)
            coach = assist.CoachDraft(iter(reqs), timeout=30)
            reqs.send(pb.CoachDraftRequest(context=pb.ScoreDraftRequest(seeker_message=SEEKER),
                                           draft="That sounds hard.", revision=1))
            self.assertEqual(next(coach).revision, 1)

            srv.signal(signal.SIGTERM)
            # Health goes NOT_SERVING while the server drains, then the
            # watch ends.
            self.assertEqual(next(watch).status, S.health_pb2.HealthCheckResponse.NOT_SERVING)
            code, _ = code_of(lambda: list(watch))
            self.assertEqual(code, grpc.StatusCode.UNAVAILABLE)
            self.assertTrue(srv.alive(), "exited before the in-flight call finished")

            # The call that was in flight when SIGTERM arrived still works.
            reqs.send(pb.CoachDraftRequest(draft=REPLY_B, revision=2))
            self.assertEqual(next(coach).revision, 2)
            reqs.close()
            self.assertEqual(list(coach), [])
            self.assertEqual(coach.code(), grpc.StatusCode.OK)

            self.assertEqual(srv.wait(30), 0)
            log = srv.log_text()
            for ev in ("event=shutdown_begin", "event=shutdown_drained", "event=exit code=0"):
                self.assertIn(ev, log)
            self.assertNotIn("shutdown_cancel_calls", log)

    def test_second_signal_forces_shutdown(self):
        # A grace far longer than the test may take: only the second
        # SIGTERM can make attuned exit in time.
        with AttunedProcess(args=["--grace-seconds", "300", "--state-dir", "{tmp}/state"]) as srv:
            chan = grpc_stubs.channel(srv.grpc_tcp)
            self.addCleanup(chan.close)
            assist = S.attune_pb2_grpc.AssistStub(chan)
            # An acknowledged outcome must survive the forced shutdown.
            sid = assist.ScoreDraft(pb.ScoreDraftRequest(seeker_message=SEEKER, draft=REPLY_B),
                                    timeout=10).score_id
            assist.RecordOutcome(pb.RecordOutcomeRequest(
                score_id=sid, action=pb.OUTCOME_ACTION_DISCARDED), timeout=10)

            health = S.health_pb2_grpc.HealthStub(chan)
            watch = health.Watch(S.health_pb2.HealthCheckRequest(), timeout=60)
            self.assertEqual(next(watch).status, S.health_pb2.HealthCheckResponse.SERVING)
            reqs = Requests()
            self.addCleanup(reqs.close)
            coach = assist.CoachDraft(iter(reqs), timeout=60)  # never half-closed
            reqs.send(pb.CoachDraftRequest(context=pb.ScoreDraftRequest(seeker_message=SEEKER),
                                           draft="That sounds hard.", revision=1))
            self.assertEqual(next(coach).revision, 1)

            srv.signal(signal.SIGTERM)
            self.assertEqual(next(watch).status, S.health_pb2.HealthCheckResponse.NOT_SERVING)
            self.assertTrue(srv.alive(), "exited while a call was in flight")
            t0 = time.monotonic()
            srv.signal(signal.SIGTERM)
            self.assertEqual(srv.wait(20), 0)  # bounded; the grace would be 300 s
            took = time.monotonic() - t0
            self.assertLess(took, 10, "forced shutdown took %.1f s" % took)

            code, _ = code_of(lambda: list(coach))
            self.assertIn(code, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED))
            log = srv.log_text()
            self.assertEqual(log.count("event=shutdown_forced"), 1, log)
            for ev in ("event=shutdown_cancel_calls reason=forced", "event=shutdown_drained",
                       "event=exit code=0"):
                self.assertIn(ev, log)
            with open(os.path.join(srv.tmpdir, "state", "events.jsonl")) as f:
                outcomes = [json.loads(line) for line in f
                            if '"outcome_recorded"' in line]
            self.assertEqual([o["score_id"] for o in outcomes], [sid])

    def test_grace_expiry_cancels_stuck_calls(self):
        with AttunedProcess(args=["--grace-seconds", "1"]) as srv:
            chan = grpc_stubs.channel(srv.grpc_tcp)
            self.addCleanup(chan.close)
            reqs = Requests()
            self.addCleanup(reqs.close)
            coach = S.attune_pb2_grpc.AssistStub(chan).CoachDraft(iter(reqs), timeout=60)
            reqs.send(pb.CoachDraftRequest(context=pb.ScoreDraftRequest(seeker_message=SEEKER),
                                           draft="That sounds hard.", revision=1))
            self.assertEqual(next(coach).revision, 1)
            srv.signal(signal.SIGTERM)
            # The client never half-closes: the grace period runs out, the
            # call is cancelled and the server still exits cleanly.
            self.assertEqual(srv.wait(30), 0)
            code, _ = code_of(lambda: list(coach))
            self.assertNotEqual(code, grpc.StatusCode.OK)
            self.assertIn("event=shutdown_cancel_calls", srv.log_text())


class AttunedStartup(unittest.TestCase):
    def run_attuned(self, *args):
        p = subprocess.run([os.environ["ATTUNED_BIN"], "--no-metrics"] + list(args),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        return p.returncode, p.stderr.decode("utf-8", "replace")

    def test_refuses_remote_plaintext(self):
        rc, err = self.run_attuned("--listen", "0.0.0.0:0")
        self.assertEqual(rc, 2)
        self.assertIn("--insecure-allow-remote-plaintext", err)

    def test_bad_flag_and_help(self):
        rc, err = self.run_attuned("--no-such-flag")
        self.assertEqual(rc, 2)
        self.assertIn("unknown option", err)
        p = subprocess.run([os.environ["ATTUNED_BIN"], "--help"], capture_output=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0)
        for flag in ("--listen", "--grace-seconds", "ATTUNE_LISTEN", "default: 127.0.0.1:50051"):
            self.assertIn(flag, p.stdout.decode())

    def test_readme_flags_table_matches_help(self):
        """README's "attuned flags" table and `attuned --help` list the same
        flags, environment variables, defaults and meanings, in order."""
        p = subprocess.run([os.environ["ATTUNED_BIN"], "--help"], capture_output=True,
                           timeout=30, text=True)
        self.assertEqual(p.returncode, 0)
        helped = re.findall(r"^  --(\S+)(?: VALUE)?\n      (.*)\n      env (\S+); default: (.*)$",
                            p.stdout, re.M)
        readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                              "README.md")
        with open(readme) as f:
            text = f.read()
        section = text[text.index("## attuned flags"):]
        section = section[:section.index("\n## ", 3)]
        rows = re.findall(r"^\| `--(\S+?)(?: X)?` \| `(\S+)` \| (\S+) \| (.*) \|$", section,
                          re.M)
        self.assertGreater(len(helped), 30)
        documented = [(flag, help_text, env, default) for flag, help_text, env, default in helped]
        in_readme = [(flag, meaning.replace("\\|", "|"), env,
                      "(unset)" if default == "—" else default.strip("`"))
                     for flag, env, default, meaning in rows]
        self.assertEqual(in_readme, documented)

    def test_unix_socket_paths(self):
        d = tempfile.mkdtemp(prefix="attuned-sock-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        # Not a socket: refused and left alone.
        path = os.path.join(d, "file")
        open(path, "w").close()
        rc, err = self.run_attuned("--listen", "unix:" + path)
        self.assertEqual(rc, 1)
        self.assertIn("is not a socket", err)
        self.assertTrue(os.path.exists(path))
        # A stale socket (nobody listening) is replaced.
        stale = os.path.join(d, "stale.sock")
        s = socket.socket(socket.AF_UNIX)
        s.bind(stale)
        s.close()
        with AttunedProcess(tcp=False, args=["--listen", "unix:" + stale]) as srv:
            self.assertEqual(srv.grpc_unix, "unix:" + stale)
            chan = grpc_stubs.channel(srv.grpc_unix)
            self.addCleanup(chan.close)
            r = S.health_pb2_grpc.HealthStub(chan).Check(S.health_pb2.HealthCheckRequest(),
                                                         timeout=10)
            self.assertEqual(r.status, S.health_pb2.HealthCheckResponse.SERVING)
            # While it runs, a second server must not steal the socket.
            rc, err = self.run_attuned("--listen", "unix:" + stale)
            self.assertEqual(rc, 1)
            self.assertIn("another process is listening", err)
            self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
