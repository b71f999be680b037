#!/usr/bin/python3
"""test_outcome_e2e.py - RecordOutcome, GetTeamStats and WatchMetrics
against the real attuned through Debian's python3-grpcio.

Covers: outcomes with score change and precise INVALID_ARGUMENT statuses;
team / responder statistics; pseudonyms stable across a restart and the
numbers rebuilt from the event log; WatchMetrics snapshots, client cancel,
deadline and server shutdown (UNAVAILABLE), each seen in the server log;
and the hard rule: a unique marker put in every text and id of the
requests never appears in the event log, the metrics or the server log.

Usage: ATTUNED_BIN=... test_outcome_e2e.py [case ...]
"""
import glob
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import grpc  # noqa: E402
import grpc_stubs  # noqa: E402
from attuned_proc import AttunedProcess  # noqa: E402

S = grpc_stubs.load()
pb = S.attune_pb2
MARKER = "QZXMARKER%08x" % (int.from_bytes(os.urandom(4), "big"))
SEEKER = ("After pausing my career for years to start a family I feel rusty and anxious "
          "about going back to work " + MARKER)
DRAFT_B = "I've struggled with the same problem. Just jump right in " + MARKER
FINAL_A = ("It sounds like you're feeling rusty and anxious about going back to work after "
           "years away. That makes sense. What feels hardest about it? " + MARKER)


def wait_for(pred, timeout=15.0, what="condition", log=None):
    """Polls a readiness condition with a bounded timeout."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    raise AssertionError("timed out waiting for " + what + ("; server log:\n" + log()
                                                            if log else ""))


class Server:
    """attuned with a state dir that outlives one process (for restarts)."""

    def __init__(self, state_dir, extra=(), **proc_kw):
        self.proc = AttunedProcess(args=["--state-dir", state_dir] + list(extra), **proc_kw)

    def __enter__(self):
        self.proc.start()
        self.chan = grpc_stubs.channel(self.proc.grpc_tcp)
        self.assist = S.attune_pb2_grpc.AssistStub(self.chan)
        self.sup = S.attune_pb2_grpc.SupervisionStub(self.chan)
        return self

    def __exit__(self, *exc):
        self.chan.close()
        self.proc.cleanup()
        return False


class OutcomeE2E(unittest.TestCase):
    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="attune-events-e2e-")

    def tearDown(self):
        shutil.rmtree(self.state, ignore_errors=True)

    def score(self, srv, draft=DRAFT_B, team="north", responder="resp-" + MARKER):
        return srv.assist.ScoreDraft(pb.ScoreDraftRequest(
            seeker_message=SEEKER, draft=draft, prior_responder_turns=["Hi " + MARKER],
            conversation_id="conv-" + MARKER, responder_id=responder, team=team,
            channel=pb.CHANNEL_CHAT), timeout=10)

    def outcome(self, srv, **kw):
        base = dict(conversation_id="conv-" + MARKER, responder_id="resp-" + MARKER,
                    team="north", channel=pb.CHANNEL_CHAT)
        base.update(kw)
        return srv.assist.RecordOutcome(pb.RecordOutcomeRequest(**base), timeout=10)

    def assert_status(self, fn, code, text):
        with self.assertRaises(grpc.RpcError) as cm:
            fn()
        self.assertEqual(cm.exception.code(), code, cm.exception.details())
        self.assertIn(text, cm.exception.details())
        self.assertNotIn(MARKER, cm.exception.details())

    def test_outcomes_stats_restart_and_no_text_anywhere(self):
        with Server(self.state) as srv:
            r = self.score(srv)
            self.assertTrue(r.score_id)
            n_sugg = len(r.suggestions)
            self.assertGreater(n_sugg, 0)
            out = self.outcome(srv, score_id=r.score_id,
                               action=pb.OUTCOME_ACTION_USED_SUGGESTION_VERBATIM,
                               suggestion_index=0, final_text=FINAL_A, seeker_message=SEEKER)
            self.assertTrue(out.event_id)
            self.assertTrue(out.has_final_score)
            self.assertTrue(out.has_score_change)
            self.assertEqual(out.score_change, out.final_score - r.score)
            self.assertGreater(out.score_change, 0)
            # An outcome without final text: no score change.
            out2 = self.outcome(srv, score_id=r.score_id, action=pb.OUTCOME_ACTION_DISCARDED)
            self.assertTrue(out2.event_id)
            self.assertNotEqual(out.event_id, out2.event_id)
            self.assertFalse(out2.has_score_change)
            # A second team and responder.
            r2 = self.score(srv, team="south", responder="other-" + MARKER)

            # Precise statuses for bad input.
            inv = grpc.StatusCode.INVALID_ARGUMENT
            self.assert_status(lambda: self.outcome(srv, action=pb.OUTCOME_ACTION_DISCARDED),
                               inv, "score_id: required")
            self.assert_status(lambda: self.outcome(srv, score_id="x" * 65,
                                                    action=pb.OUTCOME_ACTION_DISCARDED),
                               inv, "score_id: longer than 64 bytes")
            self.assert_status(lambda: self.outcome(srv, score_id=r.score_id), inv,
                               "action: required")
            self.assert_status(lambda: self.outcome(
                srv, score_id=r.score_id, action=pb.OUTCOME_ACTION_USED_SUGGESTION_EDITED,
                suggestion_index=n_sugg), inv, "suggestion_index")
            self.assert_status(lambda: self.outcome(srv, score_id=r.score_id,
                                                    action=pb.OUTCOME_ACTION_DISCARDED,
                                                    team="bad team"), inv, "team")
            self.assert_status(lambda: self.outcome(srv, score_id=r.score_id,
                                                    action=pb.OUTCOME_ACTION_DISCARDED,
                                                    final_text="x" * 32769), inv, "final_text")
            # Invalid UTF-8 in final_text, sent as raw bytes (field 4).
            raw = (b"\x0a\x02s1" + b"\x10\x05" + b"\x22\x03a\xffb")
            self.assert_status(lambda: grpc_stubs.raw_unary(
                srv.chan, "/attune.v1.Assist/RecordOutcome", raw), inv, "final_text")
            self.assert_status(lambda: srv.sup.GetTeamStats(
                pb.GetTeamStatsRequest(window=7), timeout=10), inv, "window")

            # Team stats.
            st = srv.sup.GetTeamStats(pb.GetTeamStatsRequest(team="north",
                                                             window=pb.STATS_WINDOW_HOUR),
                                      timeout=10)
            self.assertEqual(st.team, "north")
            self.assertEqual(st.drafts_scored, 1)
            self.assertAlmostEqual(st.mean_score, r.score)
            self.assertEqual(st.suggestions.offered, n_sugg)
            self.assertEqual(st.suggestions.outcomes, 2)
            self.assertEqual(st.suggestions.used, 1)
            self.assertEqual(st.suggestions.used_verbatim, 1)
            self.assertAlmostEqual(st.suggestions.mean_score_change, out.score_change)
            kinds = {f.kind: f for f in st.findings}
            self.assertGreaterEqual(kinds[pb.FINDING_KIND_SELF_FOCUS].count, 1)
            self.assertAlmostEqual(kinds[pb.FINDING_KIND_SELF_FOCUS].per_draft, 1.0)
            self.assertLessEqual(st.window_start_unix_ms, st.window_end_unix_ms)
            all_ = srv.sup.GetTeamStats(pb.GetTeamStatsRequest(window=pb.STATS_WINDOW_WEEK),
                                        timeout=10)
            self.assertEqual(all_.drafts_scored, 2)
            by_resp = srv.sup.GetTeamStats(pb.GetTeamStatsRequest(
                responder_id="other-" + MARKER, window=pb.STATS_WINDOW_DAY), timeout=10)
            self.assertEqual(by_resp.drafts_scored, 1)
            self.assertAlmostEqual(by_resp.mean_score, r2.score)
            self.assertEqual(len(by_resp.responder_pseudonym), 32)
            self.assertNotIn(MARKER, by_resp.responder_pseudonym)
            pseudonym = by_resp.responder_pseudonym
            metrics_text = ""
            if srv.proc.metrics:  # served once the metrics listener is wired in
                metrics_text = urllib.request.urlopen(
                    "http://%s/metrics" % srv.proc.metrics, timeout=10).read().decode()
                self.assertIn('attune_outcomes_total{action="used_suggestion_verbatim"} 1',
                              metrics_text)
                self.assertIn("attune_suggestions_used_verbatim_total 1", metrics_text)
            self.assertEqual(srv.proc.stop(), 0)
            log_text = srv.proc.log_text()

        # The hard rule: no text and no raw id anywhere we write.
        files = glob.glob(os.path.join(self.state, "events.jsonl*"))
        self.assertTrue(files)
        lines = []
        for path in files:
            with open(path, encoding="utf-8") as f:
                content = f.read()
            self.assertNotIn(MARKER, content, path)
            lines += [json.loads(l) for l in content.splitlines()]
        self.assertNotIn(MARKER, metrics_text)
        self.assertNotIn(MARKER, log_text)
        types = sorted(e["type"] for e in lines)
        self.assertEqual(types.count("draft_scored"), 2)
        self.assertEqual(types.count("outcome_recorded"), 2)
        self.assertIn(out.event_id, {e["id"] for e in lines})
        for e in lines:
            self.assertEqual(set(e) & {"text", "draft", "seeker", "final_text"}, set())
        key = os.path.join(self.state, "pseudonym.key")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)

        # Restart: numbers rebuilt from the log, pseudonyms stable.
        with Server(self.state) as srv:
            st2 = srv.sup.GetTeamStats(pb.GetTeamStatsRequest(team="north"), timeout=10)
            self.assertEqual(st2.drafts_scored, 1)
            self.assertEqual(st2.suggestions.outcomes, 2)
            self.assertAlmostEqual(st2.suggestions.mean_score_change, out.score_change)
            by_resp2 = srv.sup.GetTeamStats(pb.GetTeamStatsRequest(
                responder_id="other-" + MARKER, window=pb.STATS_WINDOW_DAY), timeout=10)
            self.assertEqual(by_resp2.responder_pseudonym, pseudonym)
            self.assertEqual(by_resp2.drafts_scored, 1)
            # The remembered draft score survives too: the change is computed.
            out3 = self.outcome(srv, score_id=r.score_id, action=pb.OUTCOME_ACTION_SENT_EDITED,
                                final_text=FINAL_A, seeker_message=SEEKER)
            self.assertTrue(out3.has_score_change)
            self.assertIn("eventlog_replayed", srv.proc.log_text())

    def test_watch_metrics_cancel_deadline_shutdown(self):
        with Server(self.state) as srv:
            self.score(srv)
            inv = grpc.StatusCode.INVALID_ARGUMENT
            it = srv.sup.WatchMetrics(pb.WatchMetricsRequest(interval_seconds=3601), timeout=10)
            self.assert_status(lambda: next(it), inv, "interval_seconds")

            # Client cancel after two snapshots.
            stream = srv.sup.WatchMetrics(pb.WatchMetricsRequest(team="north", interval_seconds=1),
                                          timeout=30)
            snaps = []
            for snap in stream:
                snaps.append(snap)
                if len(snaps) == 2:
                    break
            stream.cancel()
            self.assertEqual([s.sequence for s in snaps], [1, 2])
            self.assertEqual(snaps[0].stats.drafts_scored, 1)
            self.assertEqual(snaps[0].stats.team, "north")
            self.assertGreaterEqual(snaps[1].time_unix_ms - snaps[0].time_unix_ms, 500)
            wait_for(lambda: "watch_metrics_ended reason=cancelled" in srv.proc.log_text(),
                     what="cancel in the server log", log=srv.proc.log_text)

            # Deadline: the stream ends with DEADLINE_EXCEEDED after >= 1 snapshot.
            got = []
            with self.assertRaises(grpc.RpcError) as cm:
                for snap in srv.sup.WatchMetrics(pb.WatchMetricsRequest(interval_seconds=1),
                                                 timeout=1.5):
                    got.append(snap)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
            self.assertGreaterEqual(len(got), 1)
            wait_for(lambda: "watch_metrics_ended reason=deadline" in srv.proc.log_text(),
                     what="deadline in the server log", log=srv.proc.log_text)

            # Shutdown: an open stream ends with UNAVAILABLE, the server exits 0.
            stream = srv.sup.WatchMetrics(pb.WatchMetricsRequest(interval_seconds=3600),
                                          timeout=60)
            first = next(stream)
            self.assertEqual(first.sequence, 1)
            result = {}

            def drain():
                try:
                    for _ in stream:
                        pass
                    result["code"] = grpc.StatusCode.OK
                except grpc.RpcError as e:
                    result["code"] = e.code()

            t = threading.Thread(target=drain)
            t.start()
            srv.proc.signal(signal.SIGTERM)
            t.join(30)
            self.assertFalse(t.is_alive())
            self.assertEqual(result.get("code"), grpc.StatusCode.UNAVAILABLE)
            self.assertEqual(srv.proc.wait(30), 0)
            self.assertIn("watch_metrics_ended reason=shutdown", srv.proc.log_text())

    def test_unsafe_or_bad_key_file_refused_at_start(self):
        key = os.path.join(self.state, "pseudonym.key")
        for mode, size, reason in ((0o644, 32, "group_or_world_access"),
                                   (0o600, 16, "wrong_size")):
            with open(key, "wb") as f:
                f.write(os.urandom(size))
            os.chmod(key, mode)
            proc = AttunedProcess(args=["--state-dir", self.state])
            try:
                with self.assertRaises(Exception):
                    proc.start()
                self.assertIn("pseudonym_key_refused", proc.log_text())
                self.assertIn(reason, proc.log_text())
                self.assertNotEqual(proc.proc.returncode, 0)
            finally:
                proc.cleanup()

    def test_failing_disk_gives_unavailable_never_ok(self):
        key = os.path.join(self.state, "k")
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key, 0o600)
        # /dev/full: every write fails with ENOSPC.
        with Server(self.state, extra=["--event-log", "/dev/full",
                                       "--pseudonym-key-file", key]) as srv:
            r = self.score(srv)
            with self.assertRaises(grpc.RpcError) as cm:
                self.outcome(srv, score_id=r.score_id, action=pb.OUTCOME_ACTION_DISCARDED)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)
            self.assertIn("not recorded", cm.exception.details())
            self.assertEqual(self.score(srv).score, r.score)  # scoring keeps working
            self.assertIn("eventlog_write_failed", srv.proc.log_text())

    def test_disk_full_then_freed_recovers_without_restart(self):
        """A real ENOSPC-like failure without root: attuned's file size limit
        (RLIMIT_FSIZE, set from outside with prlimit) makes the event log's
        write fail (EFBIG) mid-line; raising it is "freeing disk space"."""
        log_path = os.path.join(self.state, "events.jsonl")
        # Old padding lines (replay skips them by ts) keep the event log the
        # largest file attuned writes, so the limit never hits its stderr log.
        with open(log_path, "w") as f:
            for i in range(3000):
                f.write('{"ts":1,"type":"draft_scored","id":"pad-%d"}\n' % i)
        os.chmod(log_path, 0o600)
        # attuned ignores SIGXFSZ itself (service/main.c), so reaching the
        # limit is an EFBIG write error, not death by signal.
        srv = Server(self.state, expect_metrics=True)
        acked = []

        def metric(name):
            text = urllib.request.urlopen("http://%s/metrics" % srv.proc.metrics,
                                          timeout=10).read().decode()
            for line in text.splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
            raise AssertionError("no metric " + name)

        with srv:
            r = self.score(srv)
            for _ in range(2):
                acked.append(self.outcome(srv, score_id=r.score_id,
                                          action=pb.OUTCOME_ACTION_SENT_AS_DRAFTED).event_id)
            self.assertEqual(metric("attune_eventlog_failed"), 0)
            # The disk "fills up": room for about one more outcome line.
            limit = os.path.getsize(log_path) + 600
            resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE,
                             (limit, resource.RLIM_INFINITY))
            failed = None
            for _ in range(20):
                try:
                    acked.append(self.outcome(srv, score_id=r.score_id,
                                              action=pb.OUTCOME_ACTION_DISCARDED).event_id)
                except grpc.RpcError as e:
                    failed = e
                    break
            self.assertIsNotNone(failed, "no write ever failed")
            self.assertEqual(failed.code(), grpc.StatusCode.UNAVAILABLE, failed.details())
            self.assertIn("not recorded", failed.details())
            # While failed: fail fast, with the state named; scoring and
            # health are unaffected.
            t0 = time.monotonic()
            self.assert_status(lambda: self.outcome(srv, score_id=r.score_id,
                                                    action=pb.OUTCOME_ACTION_DISCARDED),
                               grpc.StatusCode.UNAVAILABLE, "event log failing, retrying")
            self.assertLess(time.monotonic() - t0, 5)
            self.assertEqual(self.score(srv).score, r.score)
            health = S.health_pb2_grpc.HealthStub(srv.chan).Check(
                S.health_pb2.HealthCheckRequest(service="attune.v1.Assist"), timeout=10)
            self.assertEqual(health.status, S.health_pb2.HealthCheckResponse.SERVING)
            self.assertEqual(metric("attune_eventlog_failed"), 1)
            self.assertEqual(metric('attune_eventlog_failures_total{step="write"}'), 1)
            self.assertIn("event=eventlog_write_failed", srv.proc.log_text())

            # Space is freed: recording resumes without a restart.
            resource.prlimit(srv.proc.pid, resource.RLIMIT_FSIZE,
                             (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            wait_for(lambda: metric("attune_eventlog_failed") == 0, timeout=60,
                     what="event log recovery", log=srv.proc.log_text)
            self.assertEqual(metric("attune_eventlog_recoveries_total"), 1)
            self.assertIn("event=eventlog_recovered", srv.proc.log_text())
            for _ in range(3):
                acked.append(self.outcome(srv, score_id=r.score_id,
                                          action=pb.OUTCOME_ACTION_SENT_EDITED).event_id)
            self.assertEqual(srv.proc.stop(), 0)

        # The file is whole JSON lines; every acknowledged outcome is there
        # exactly once, and nothing else is.
        with open(log_path, "rb") as f:
            data = f.read()
        self.assertTrue(data.endswith(b"\n"))
        ids = []
        for line in data.decode().splitlines():
            ev = json.loads(line)
            if ev["type"] == "outcome_recorded":
                ids.append(ev["id"])
        self.assertEqual(sorted(ids), sorted(acked))
        self.assertNotIn(MARKER.encode(), data)
        # A restart replays it without a bad line and counts the outcomes.
        with Server(self.state) as srv2:
            st = srv2.sup.GetTeamStats(pb.GetTeamStatsRequest(
                team="north", window=pb.STATS_WINDOW_HOUR), timeout=10)
            self.assertEqual(st.suggestions.outcomes, len(acked))
            self.assertNotIn("eventlog_replay_bad_lines", srv2.proc.log_text())

    def test_no_state_dir_outcomes_refused_stats_work(self):
        proc = AttunedProcess()
        with proc:
            chan = grpc_stubs.channel(proc.grpc_tcp)
            assist = S.attune_pb2_grpc.AssistStub(chan)
            sup = S.attune_pb2_grpc.SupervisionStub(chan)
            r = assist.ScoreDraft(pb.ScoreDraftRequest(seeker_message=SEEKER, draft=DRAFT_B,
                                                       team="t1"), timeout=10)
            with self.assertRaises(grpc.RpcError) as cm:
                assist.RecordOutcome(pb.RecordOutcomeRequest(
                    score_id=r.score_id, action=pb.OUTCOME_ACTION_SENT_AS_DRAFTED), timeout=10)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
            self.assertIn("--state-dir", cm.exception.details())
            st = sup.GetTeamStats(pb.GetTeamStatsRequest(team="t1"), timeout=10)
            self.assertEqual(st.drafts_scored, 1)
            chan.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
