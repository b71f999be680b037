#!/usr/bin/python3
"""test_metrics_prometheus.py - end to end: the real attuned serves /metrics
after known traffic; `promtool check metrics` passes on that output; a real
Prometheus on loopback scrapes attuned every second and its query API shows
exactly the ScoreDraft count we sent; every dashboard query evaluates there.

Usage: test_metrics_prometheus.py --attuned PATH [--prometheus PATH]
Exit 0 pass, 1 fail, 77 skip (no prometheus/promtool installed).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from test_metrics_lib import (check, http_get, parse_samples, send_score_drafts,  # noqa: E402
                              send_invalid_draft, start_attuned, start_prometheus, test_main,
                              wait_metrics, TestFailure)
import test_metrics_dashboard as dashboard  # noqa: E402

N_NORTH = 5   # ScoreDraft OK with team "north" (allow-listed)
N_SECRET = 2  # ScoreDraft OK with a team NOT on the allow-list -> "other"
N_BAD = 1     # ScoreDraft without a draft -> INVALID_ARGUMENT
SECRET_TEAM = "zz-secret-team-label"


def query(prom_addr, expr):
    url = "http://%s/api/v1/query?%s" % (prom_addr, urllib.parse.urlencode({"query": expr}))
    status, body = http_get(url, timeout=5)
    doc = json.loads(body)
    if status != 200 or doc.get("status") != "success":
        raise TestFailure("query %r failed: HTTP %d %s" % (expr, status, body[:200]))
    return doc["data"]


def scalar_of(data):
    """Single value of an instant vector with one element, else None."""
    res = data.get("result", [])
    if data.get("resultType") == "vector" and len(res) == 1:
        return float(res[0]["value"][1])
    return None


def run(args):
    promtool = shutil.which("promtool")
    prometheus = args.prometheus or shutil.which("prometheus")
    if not promtool or not prometheus:
        print("SKIP: prometheus/promtool not installed (Debian package 'prometheus')")
        return 77

    with start_attuned(args.attuned, ["--teams", "north,south"]) as proc:
        # Known traffic.
        send_score_drafts(proc, N_NORTH, team="north")
        send_score_drafts(proc, N_SECRET, team=SECRET_TEAM)
        for _ in range(N_BAD):
            send_invalid_draft(proc)

        # /metrics itself: status, content type, counts, no team text.
        ok_key = 'attune_rpc_requests_total{rpc="ScoreDraft",code="OK"}'
        bad_key = 'attune_rpc_requests_total{rpc="ScoreDraft",code="INVALID_ARGUMENT"}'
        status, text, ctype = wait_metrics(
            proc.metrics, lambda s: s.get(ok_key) == N_NORTH + N_SECRET and s.get(bad_key) == N_BAD)
        check(status == 200, "/metrics answers 200")
        check(ctype.startswith("text/plain; version=0.0.4"), "content type is text format 0.0.4 (%s)" % ctype)
        s = parse_samples(text)
        check(s.get(ok_key) == N_NORTH + N_SECRET, "%s == %d (got %s)" % (ok_key, N_NORTH + N_SECRET, s.get(ok_key)))
        check(s.get(bad_key) == N_BAD, "%s == %d (got %s)" % (bad_key, N_BAD, s.get(bad_key)))
        north = sum(v for k, v in s.items() if k.startswith("attune_drafts_scored_total{") and 'team="north"' in k)
        other = sum(v for k, v in s.items() if k.startswith("attune_drafts_scored_total{") and 'team="other"' in k)
        check(north == N_NORTH, "drafts scored for team north == %d (got %s)" % (N_NORTH, north))
        check(other == N_SECRET, "unlisted team counted as other == %d (got %s)" % (N_SECRET, other))
        check(SECRET_TEAM not in text, "team names not on the allow-list never appear in /metrics")
        check(s.get('attune_draft_score_count{channel="chat"}', 0) == N_NORTH + N_SECRET,
              "score histogram counted every scored draft")
        check(s.get('attune_requests_rejected_total{reason="missing_field"}') == N_BAD,
              "the missing draft counted as a rejection (missing_field)")
        check(s.get('attune_rpc_in_flight{rpc="ScoreDraft"}') == 0, "no ScoreDraft left in flight")
        check(s.get('attune_findings_total{kind="self_focus"}', 0) >= N_NORTH + N_SECRET,
              "self_focus findings counted for the BRIEF's reply B")
        check(s.get("attune_suggestions_offered_total", 0) > 0, "suggestions offered counted")
        check(s.get("process_resident_memory_bytes", 0) > 0, "process_resident_memory_bytes > 0")
        check(s.get("process_open_fds", 0) > 0, "process_open_fds > 0")

        # promtool lints the real output.
        r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "promtool check metrics passes on real /metrics%s" %
              ("" if r.returncode == 0 else ": " + r.stdout + r.stderr))

        # A real Prometheus scrapes it; read the counter back via the query API.
        with start_prometheus(prometheus, proc.metrics, interval="1s") as prom:
            expr = 'sum(attune_rpc_requests_total{job="attune",rpc="ScoreDraft",code="OK"})'
            deadline = time.monotonic() + 60
            got = None
            while time.monotonic() < deadline:
                prom.check_alive()
                got = scalar_of(query(prom.addr, expr))
                if got == N_NORTH + N_SECRET:
                    break
                time.sleep(0.25)  # poll interval of a bounded readiness loop
            check(got == N_NORTH + N_SECRET,
                  "Prometheus query API shows %d ScoreDraft OK (got %s)" % (N_NORTH + N_SECRET, got))
            up = scalar_of(query(prom.addr, 'up{job="attune"}'))
            check(up == 1, "Prometheus sees the attune target up")
            got = scalar_of(query(prom.addr, 'sum(attune_drafts_scored_total{job="attune",team="north"})'))
            check(got == N_NORTH, "team label queryable in Prometheus (north == %d, got %s)" % (N_NORTH, got))

            # Every dashboard query runs without error on real data.
            with open(os.path.join(ROOT, "deploy", "grafana", "attune-dashboard.json")) as f:
                dash = json.load(f)
            n = 0
            for where, expr in dashboard.dashboard_queries(dash):
                if expr.startswith("label_values("):
                    continue
                query(prom.addr, dashboard.substitute(expr))
                n += 1
            check(n > 10, "all %d dashboard queries evaluate in Prometheus" % n)
    return 0


def main():
    return test_main(run, "--prometheus")


if __name__ == "__main__":
    sys.exit(main())
