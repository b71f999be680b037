#!/usr/bin/python3
"""kill9_outcomes.py - durability under SIGKILL: 8+ client threads score
drafts and record outcomes against the real attuned; once a few hundred
outcomes got OK, attuned is killed with SIGKILL mid-traffic. Then:
every outcome that got OK (its event_id) is in the event log, every line
of the log parses (a torn tail, if any, is repaired on restart), and after
a restart GetTeamStats still counts at least those outcomes.

Usage: ATTUNED_BIN=... kill9_outcomes.py [--threads N] [--min-ok N]
"""
import argparse
import glob
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import grpc  # noqa: E402
import grpc_stubs  # noqa: E402
from attuned_proc import AttunedProcess  # noqa: E402

S = grpc_stubs.load()
pb = S.attune_pb2


def read_events(state):
    """All lines of all retained files; (parsed, bad_lines)."""
    events, bad = [], []
    for path in sorted(glob.glob(os.path.join(state, "events.jsonl*"))):
        with open(path, "rb") as f:
            data = f.read()
        parts = data.split(b"\n")
        if parts and parts[-1] == b"":
            parts.pop()
        for i, line in enumerate(parts):
            try:
                events.append(json.loads(line))
            except ValueError:
                bad.append((path, i, len(line), i == len(parts) - 1 and not data.endswith(b"\n")))
    return events, bad


def worker(target, stop, ok_ids, errors, lock, idx):
    chan = grpc_stubs.channel(target)
    assist = S.attune_pb2_grpc.AssistStub(chan)
    n = 0
    try:
        while not stop.is_set():
            try:
                r = assist.ScoreDraft(pb.ScoreDraftRequest(
                    seeker_message="I feel anxious about going back to work",
                    draft="Just jump right in, you will be fine.", team="kill9",
                    responder_id="r%d" % idx, conversation_id="c%d-%d" % (idx, n)), timeout=5)
                out = assist.RecordOutcome(pb.RecordOutcomeRequest(
                    score_id=r.score_id, action=pb.OUTCOME_ACTION_SENT_EDITED,
                    team="kill9", responder_id="r%d" % idx), timeout=5)
                with lock:
                    ok_ids.append(out.event_id)
                n += 1
            except grpc.RpcError as e:
                with lock:
                    errors.append(e.code())
                return  # the server is gone
    finally:
        chan.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--min-ok", type=int, default=300)
    args = ap.parse_args()
    state = tempfile.mkdtemp(prefix="attune-kill9-")
    failures = []
    try:
        srv = AttunedProcess(args=["--state-dir", state, "--event-log-max-bytes", "65536",
                                   "--event-log-keep", "1000"])
        with srv:
            stop = threading.Event()
            lock = threading.Lock()
            ok_ids, errors = [], []
            threads = [threading.Thread(target=worker,
                                        args=(srv.grpc_tcp, stop, ok_ids, errors, lock, i))
                       for i in range(args.threads)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 60
            while True:  # readiness: enough acknowledged outcomes, all threads busy
                with lock:
                    n_ok = len(ok_ids)
                if n_ok >= args.min_ok or time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            os.killpg(srv.pid, signal.SIGKILL)  # mid-traffic
            srv.proc.wait()
            stop.set()
            for t in threads:
                t.join(30)
            with lock:
                acked = list(ok_ids)
            print("kill9: threads=%d acknowledged_outcomes=%d client_errors=%d"
                  % (args.threads, len(acked), len(errors)))
            if len(acked) < args.min_ok:
                failures.append("only %d outcomes acknowledged before the deadline" % len(acked))

        events, bad = read_events(state)
        logged = {e["id"] for e in events if e.get("type") == "outcome_recorded"}
        missing = [i for i in acked if i not in logged]
        if missing:
            failures.append("%d acknowledged outcomes missing from the log, e.g. %s"
                            % (len(missing), missing[:3]))
        torn = [b for b in bad if b[3]]
        if len(bad) != len(torn) or len(torn) > 1:
            failures.append("unparsable lines that are not a torn tail: %r" % bad[:5])
        print("kill9: lines=%d outcomes_in_log=%d unparsable_tail=%d files=%d"
              % (len(events), len(logged), len(torn),
                 len(glob.glob(os.path.join(state, "events.jsonl*")))))

        # Restart: the log is repaired and the numbers come back.
        srv2 = AttunedProcess(args=["--state-dir", state])
        with srv2:
            chan = grpc_stubs.channel(srv2.grpc_tcp)
            st = S.attune_pb2_grpc.SupervisionStub(chan).GetTeamStats(
                pb.GetTeamStatsRequest(team="kill9"), timeout=10)
            chan.close()
            if st.suggestions.outcomes < len(acked):
                failures.append("after restart outcomes=%d < acknowledged %d"
                                % (st.suggestions.outcomes, len(acked)))
            if st.drafts_scored < len(acked):
                failures.append("after restart drafts=%d < %d" % (st.drafts_scored, len(acked)))
            print("kill9: after restart drafts=%d outcomes=%d"
                  % (st.drafts_scored, st.suggestions.outcomes))
            if srv2.stop() != 0:
                failures.append("restarted attuned did not exit 0")
        events, bad = read_events(state)
        if bad:
            failures.append("after restart the log still has unparsable lines: %r" % bad[:3])
    finally:
        shutil.rmtree(state, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
