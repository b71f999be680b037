#!/usr/bin/python3
"""test_watch_node.py - runs test_watch_node.js (npm's @grpc/grpc-js)
against the real attuned: two snapshots then a client cancel, and a stream
ended by its deadline; checks both in what the client saw and in the
server log. `npm ci` installs tests/interop/node/package-lock.json into
NODE_DIR (a build-tree directory) first.

Usage: ATTUNED_BIN=... test_watch_node.py NODE_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
from attuned_proc import AttunedProcess  # noqa: E402
from node_deps import npm_ci  # noqa: E402

SKIP = 77


def wait_for(pred, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def main():
    if not shutil.which("node") or not shutil.which("npm"):
        print("node/npm not installed: skipped")
        return SKIP
    node_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(),
                                                                  "attune-node")
    npm_ci(node_dir)
    failures = []
    with AttunedProcess() as srv:
        env = dict(os.environ, NODE_PATH=os.path.join(node_dir, "node_modules"),
                   no_proxy="*", http_proxy="", https_proxy="", grpc_proxy="")
        res = subprocess.run(["node", os.path.join(HERE, "test_watch_node.js"), srv.grpc_tcp,
                              os.path.join(REPO, "proto")], env=env, capture_output=True,
                             text=True, timeout=60)
        if res.returncode != 0:
            print(res.stdout, res.stderr)
            return 1
        out = json.loads(res.stdout.strip().splitlines()[-1])
        print("node:", json.dumps(out))
        c, d = out["cancel"], out["deadline"]
        if [s["sequence"] for s in c["seen"]] != [1, 2]:
            failures.append("expected snapshots 1,2 before cancel, got %r" % c["seen"])
        if c["code"] != out["CANCELLED"]:
            failures.append("cancel ended with code %r" % c["code"])
        if d["code"] != out["DEADLINE_EXCEEDED"] or len(d["seen"]) < 1:
            failures.append("deadline stream: %r" % d)
        if not wait_for(lambda: "watch_metrics_ended reason=cancelled" in srv.log_text()):
            failures.append("server log does not show the cancelled stream ending")
        if not wait_for(lambda: "watch_metrics_ended reason=deadline" in srv.log_text()):
            failures.append("server log does not show the deadline ending")
        if srv.stop() != 0:
            failures.append("attuned did not exit 0")
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
