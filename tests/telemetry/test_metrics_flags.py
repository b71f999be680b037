#!/usr/bin/python3
"""test_metrics_flags.py - attuned's metrics listener settings end to end:
--no-metrics serves nothing, a non-loopback --metrics-listen refuses to
start without --insecure-allow-remote-plaintext, a taken port fails start-up
with a clear message, 404/405 on the real listener, no request text or ids in
/metrics, and SIGTERM still exits 0 with the listener running.

Usage: test_metrics_flags.py --attuned PATH     Exit 0 pass, 1 fail.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_metrics_lib import (TestFailure, check, http_get, start_attuned, test_main,  # noqa: E402
                              wait_metrics, _stubs)
import attuned_proc  # noqa: E402  (path set up by test_metrics_lib)
import grpc_stubs  # noqa: E402

MARKER = "Zq7MarkerXv9"


def run_to_exit(binary, args, timeout=20):
    """Runs attuned expecting it to refuse to start; returns (code, stderr)."""
    with tempfile.TemporaryDirectory(prefix="attune-mflags-") as tmp:
        cmd = [binary, "--listen", "127.0.0.1:0", "--ready-file", os.path.join(tmp, "ready")] + args
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise TestFailure("attuned %s did not exit" % " ".join(args))
        ready = os.path.exists(os.path.join(tmp, "ready"))
        return p.returncode, out + err, ready


def method_status(addr, method):
    req = urllib.request.Request("http://%s/metrics" % addr, method=method, data=b"x" if method == "POST" else None)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=5) as r:
            return r.status, r.headers.get("Allow")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Allow")


def run(binary):
    # --no-metrics: no metrics line, nothing listening on a metrics port.
    with attuned_proc.AttunedProcess(binary, ["--no-metrics"]) as p:
        kinds = [k for k, _ in p.listeners]
        check("metrics" not in kinds and "grpc" in kinds, "--no-metrics: ready file lists no metrics listener")
        check(p.stop() == 0, "--no-metrics: SIGTERM exits 0")

    # Non-loopback needs the explicit flag.
    code, text, ready = run_to_exit(binary, ["--metrics-listen", "0.0.0.0:0"])
    check(code != 0 and not ready, "--metrics-listen 0.0.0.0:0 refuses to start (exit %d)" % code)
    check("--metrics-listen" in text and "--insecure-allow-remote-plaintext" in text, "the refusal names the flag and the rule")
    with attuned_proc.AttunedProcess(binary, ["--metrics-listen", "0.0.0.0:0",
                                              "--insecure-allow-remote-plaintext"],
                                     expect_metrics=True) as p:
        check(p.metrics.startswith("0.0.0.0:"), "with --insecure-allow-remote-plaintext it starts (%s)" % p.metrics)
        check(p.stop() == 0, "and stops cleanly")

    # "other"/"none" are the labels for the rest: not allowed as team names.
    code, text, ready = run_to_exit(binary, ["--teams", "north,other"])
    check(code != 0 and not ready and "--teams" in text, "--teams with 'other' refuses to start")

    # A taken port fails start-up with a clear message, no ready file.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        code, text, ready = run_to_exit(binary, ["--metrics-listen", "127.0.0.1:%d" % port])
        check(code != 0 and not ready, "metrics port in use: start-up fails (exit %d)" % code)
        check("Address already in use" in text, "and says why")

    with start_attuned(binary, ["--teams", "north"]) as p:
        # Methods and paths on the real listener.
        check(http_get("http://%s/" % p.metrics)[0] == 404, "GET / -> 404")
        check(method_status(p.metrics, "POST") == (405, "GET, HEAD"), "POST /metrics -> 405 with Allow")
        check(method_status(p.metrics, "HEAD")[0] == 200, "HEAD /metrics -> 200")

        # Request text and identifiers never reach /metrics.
        s = _stubs()
        ch = grpc_stubs.channel(p.grpc_tcp)
        try:
            stub = s.attune_pb2_grpc.AssistStub(ch)
            stub.ScoreDraft(s.attune_pb2.ScoreDraftRequest(
                seeker_message="I feel alone " + MARKER, draft="That sounds hard. " + MARKER,
                prior_responder_turns=["turn " + MARKER], conversation_id="conv-" + MARKER,
                responder_id="resp-" + MARKER, team="team" + MARKER), timeout=10)
        finally:
            ch.close()
        key = 'attune_drafts_scored_total{channel="chat",team="other"}'
        status, text, _ = wait_metrics(p.metrics, lambda smp: smp.get(key) == 1)
        check(status == 200 and key in text, "the draft was counted under team=\"other\"")
        check(MARKER not in text, "no request text, id or team name appears in /metrics")
        check(MARKER not in p.log_text(), "nor in attuned's log")

        p.signal(signal.SIGTERM)
        check(p.wait(30) == 0, "SIGTERM with the metrics listener running exits 0")
    return 0


def main():
    return test_main(lambda args: run(args.attuned))


if __name__ == "__main__":
    sys.exit(main())
