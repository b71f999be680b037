#!/usr/bin/python3
"""run_interop.py - one interop run: starts the real attuned (plaintext, or
TLS with a throwaway PKI made by openssl at test time), runs every case of
cases.json from one client (python3-grpcio or @grpc/grpc-js), then checks
the server is still alive and serving, that the sentinel word of the cases
never reached its log, and that SIGTERM stops it cleanly.

Usage: ATTUNED_BIN=... run_interop.py --client python|node [--tls] [--node-dir DIR]
Exit 77 = skipped (node/npm or openssl missing).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "harness"))
import grpc  # noqa: E402
import grpc_stubs  # noqa: E402
from attuned_proc import AttunedProcess  # noqa: E402
from node_deps import npm_ci  # noqa: E402

SKIP = 77
SENTINEL = "Qzxmarker"
CASES = os.path.join(HERE, "cases.json")
HEALTH_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    grpc_stubs.HEALTH_PROTO))))  # .../grpc-proto (holds grpc/health/v1/health.proto)


def client_cmd(kind, target, ca, node_dir):
    if kind == "python":
        cmd = ["/usr/bin/python3", os.path.join(HERE, "python", "interop_client.py"), target,
               CASES]
        return cmd + (["--ca", ca] if ca else []), dict(os.environ)
    env = dict(os.environ, NODE_PATH=os.path.join(node_dir, "node_modules"))
    cmd = ["node", os.path.join(HERE, "node", "interop_client.js"), target,
           os.path.join(REPO, "proto"), HEALTH_ROOT, CASES]
    return cmd + ([ca] if ca else []), env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=("python", "node"), required=True)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--node-dir", default=os.path.join(tempfile.gettempdir(), "attune-node"))
    args = ap.parse_args()
    if args.client == "node":
        if not shutil.which("node") or not shutil.which("npm"):
            print("node/npm not installed: skipped")
            return SKIP
        npm_ci(args.node_dir)
    if args.tls and not shutil.which("openssl"):
        print("openssl not installed: skipped")
        return SKIP

    pki_dir = tempfile.mkdtemp(prefix="attune-interop-pki-")
    try:
        server_args, ca = [], None
        if args.tls:
            import certs  # tests/harness/certs.py: the project's throwaway PKI
            pki = certs.make_pki(pki_dir)
            ca = pki["ca.pem"]
            server_args = ["--tls-cert", pki["server.pem"], "--tls-key", pki["server.key"]]
        with AttunedProcess(args=server_args) as srv:
            cmd, env = client_cmd(args.client, srv.grpc_tcp, ca, args.node_dir)
            env.update(no_proxy="*", http_proxy="", https_proxy="", grpc_proxy="")
            res = subprocess.run(cmd, env=env, timeout=240)
            problems = []
            if res.returncode != 0:
                problems.append("client reported failures (exit %d)" % res.returncode)
            if not srv.alive():
                problems.append("attuned died; log:\n" + srv.log_text())
            else:
                # Still serving after every case (over the same kind of channel).
                if ca:
                    with open(ca, "rb") as f:
                        creds = grpc.ssl_channel_credentials(root_certificates=f.read())
                    chan = grpc.secure_channel(srv.grpc_tcp, creds,
                                               options=grpc_stubs.CHANNEL_OPTIONS)
                else:
                    chan = grpc_stubs.channel(srv.grpc_tcp)
                s = grpc_stubs.load()
                r = s.attune_pb2_grpc.AssistStub(chan).ScoreDraft(
                    s.attune_pb2.ScoreDraftRequest(draft="That sounds hard."), timeout=10)
                if not r.human_review_required:
                    problems.append("ScoreDraft after the cases gave a bad reply")
                chan.close()
                rc = srv.stop(30)
                if rc != 0:
                    problems.append("attuned exited with %r on SIGTERM" % rc)
            if SENTINEL in srv.log_text():
                problems.append("request text (the sentinel word) reached the server log")
        for p in problems:
            print("FAIL:", p)
        print("interop %s%s: %s" % (args.client, " tls" if args.tls else "",
                                    "FAILED" if problems else "ok"))
        return 1 if problems else 0
    finally:
        shutil.rmtree(pki_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
