#!/usr/bin/python3
"""test_watch_cli.py - `attune stats` and `attune watch` (readable and
--json) against the real attuned: numbers match what was scored, the
responder filter returns a pseudonym (never the raw id), watch streams
snapshots 1, 2 and stops, and bad flags exit 2.

Usage: ATTUNED_BIN=... ATTUNE_CLI=... test_watch_cli.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from attuned_proc import AttunedProcess  # noqa: E402

CLI = os.environ.get("ATTUNE_CLI", "")
failures = []


def run(*args, expect=0):
    res = subprocess.run([CLI] + list(args), capture_output=True, text=True, timeout=60)
    if res.returncode != expect:
        failures.append("attune %s: exit %d (want %d): %s" % (" ".join(args), res.returncode,
                                                             expect, res.stderr.strip()))
    return res.stdout


def check(cond, what):
    if not cond:
        failures.append(what)


def main():
    state = tempfile.mkdtemp(prefix="attune-cli-stats-")
    try:
        with AttunedProcess(args=["--state-dir", state]) as srv:
            t = ["--target", srv.grpc_tcp]
            for draft in ("I've struggled with the same problem. Just jump right in.",
                          "That sounds exhausting. What feels hardest about going back?"):
                run("score", *t, "--seeker", "I feel rusty and anxious about going back to work",
                    "--draft", draft, "--team", "north", "--responder-id", "raw-resp-77",
                    "--json")
            st = json.loads(run("stats", *t, "--team", "north", "--json"))
            check(st.get("drafts_scored") == 2, "stats --json drafts_scored: %r" % st)
            check(st.get("team") == "north" and st.get("window") == "hour", "stats team/window")
            check(st["findings"]["self_focus"]["count"] >= 1, "self_focus counted")
            text = run("stats", *t, "--team", "north", "--window", "week")
            check("Drafts scored 2" in text, "readable stats: %r" % text[:200])
            by = json.loads(run("stats", *t, "--responder-id", "raw-resp-77", "--window", "day",
                                "--json"))
            check(by.get("drafts_scored") == 2, "responder filter: %r" % by)
            pseud = by.get("responder_pseudonym", "")
            check(len(pseud) == 32 and "raw-resp" not in json.dumps(by), "pseudonym only")
            lines = run("watch", *t, "--interval", "1", "--count", "2", "--json").splitlines()
            snaps = [json.loads(l) for l in lines if l.strip()]
            check([s.get("sequence") for s in snaps] == [1, 2], "watch sequences: %r" % lines)
            check(all(s.get("drafts_scored") == 2 for s in snaps), "watch numbers")
            text = run("watch", *t, "--interval", "1", "--count", "1")
            check("Drafts scored 2" in text, "readable watch: %r" % text[:200])
            run("stats", *t, "--window", "fortnight", expect=2)
            run("watch", *t, "--interval", "0", expect=2)
            check(srv.stop() == 0, "attuned exit code")
    finally:
        shutil.rmtree(state, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    if not CLI:
        print("set ATTUNE_CLI to the attune binary")
        sys.exit(2)
    sys.exit(main())
