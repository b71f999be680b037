#!/usr/bin/python3
"""test_eventlog_groupcommit.py - benchmark-style check of group commit
through the real server: C concurrent clients (default 32) each record N
outcomes; then SIGTERM and the server's `eventlog_closed` log line gives
events written and fsyncs done. Prints the numbers; fails only if fsyncs
are not shared (fsyncs >= outcomes) or an outcome failed. Not timed.

Usage: ATTUNED_BIN=... test_eventlog_groupcommit.py [--clients 32] [--per-client 40]
       [--state-dir DIR]   (default: a temp dir under $TMPDIR)
"""
import argparse
import os
import re
import shutil
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--per-client", type=int, default=40)
    ap.add_argument("--state-dir")
    a = ap.parse_args()
    state = a.state_dir or tempfile.mkdtemp(prefix="attune-gc-")
    errors = []
    try:
        with AttunedProcess(args=["--state-dir", state]) as srv:
            chan = grpc_stubs.channel(srv.grpc_tcp)
            assist = S.attune_pb2_grpc.AssistStub(chan)
            sid = assist.ScoreDraft(pb.ScoreDraftRequest(draft="That sounds hard."),
                                    timeout=10).score_id
            barrier = threading.Barrier(a.clients)

            def client():
                barrier.wait()
                for _ in range(a.per_client):
                    try:
                        assist.RecordOutcome(pb.RecordOutcomeRequest(
                            score_id=sid, action=pb.OUTCOME_ACTION_SENT_AS_DRAFTED), timeout=30)
                    except grpc.RpcError as e:
                        errors.append(e.code())

            threads = [threading.Thread(target=client) for _ in range(a.clients)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            secs = time.monotonic() - t0
            chan.close()
            if srv.stop() != 0:
                errors.append("exit code")
            m = re.search(r"event=eventlog_closed .*events=(\d+) fsyncs=(\d+)", srv.log_text())
    finally:
        if not a.state_dir:
            shutil.rmtree(state, ignore_errors=True)
    if not m:
        print("FAIL: no eventlog_closed line")
        return 1
    events, fsyncs = int(m.group(1)), int(m.group(2))
    outcomes = a.clients * a.per_client
    print("group_commit_rpc: clients=%d outcomes=%d events=%d fsyncs=%d events_per_fsync=%.1f "
          "outcomes_per_s=%.0f" % (a.clients, outcomes, events, fsyncs, events / max(fsyncs, 1),
                                   outcomes / secs))
    if errors:
        print("FAIL: %d outcomes failed: %r" % (len(errors), errors[:3]))
        return 1
    if fsyncs >= outcomes:
        print("FAIL: concurrent outcomes did not share fsyncs")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
