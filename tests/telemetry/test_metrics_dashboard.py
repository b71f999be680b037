#!/usr/bin/python3
"""test_metrics_dashboard.py - checks deploy/grafana/attune-dashboard.json
against a real /metrics of attuned: every metric the dashboard queries is
exported, every label it filters or groups by exists on those metrics, and
every query parses as PromQL (promtool check rules).

Usage: test_metrics_dashboard.py --attuned PATH [--dashboard FILE]
       test_metrics_dashboard.py --metrics-file FILE   (offline, for development)
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
sys.path.insert(0, HERE)

METRIC_RE = re.compile(r"\b((?:attune|process)_[a-zA-Z0-9_]+)\b")
SELECTOR_RE = re.compile(r"\b((?:attune|process)_[a-zA-Z0-9_]+)\s*\{([^}]*)\}")
MATCHER_RE = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING_RE = re.compile(r"\b(?:by|without|ignoring|on|group_left|group_right)\s*\(([^)]*)\)")
LABEL_VALUES_RE = re.compile(r"label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)")
# Labels Prometheus adds at scrape time (absent from /metrics itself).
TARGET_LABELS = {"job", "instance"}
SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+\S+")
LABEL_NAME_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="')

# Grafana's built-in and dashboard variables -> something Prometheus accepts.
VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "30s",
    "$__range": "1h",
    "$job": ".*",
    "$team": ".*",
    "$channel": ".*",
}


def substitute(expr):
    for k in sorted(VARIABLES, key=len, reverse=True):
        expr = expr.replace(k, VARIABLES[k])
    return expr


def parse_exposition(text):
    """name -> set of label names, for every sample line."""
    series = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise ValueError("unparsable sample line: %r" % line[:80])
        labels = set(LABEL_NAME_RE.findall(m.group(2) or ""))
        series.setdefault(m.group(1), set()).update(labels)
    return series


def dashboard_queries(dash):
    """(where, expr) for every panel target and query variable."""
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append(("panel %r" % p.get("title"), t["expr"]))
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            out.append(("variable %r" % v.get("name"), q or v.get("definition", "")))
    return out


def check(dash, series):
    """Returns a list of problems (empty = pass)."""
    problems = []
    queries = dashboard_queries(dash)
    if not queries:
        problems.append("dashboard has no queries")
    panels_without_metric = [
        p.get("title") for p in dash.get("panels", [])
        if p.get("type") != "row" and not any(METRIC_RE.search(t.get("expr", "")) for t in p.get("targets", []))
    ]
    for title in panels_without_metric:
        problems.append("panel %r queries no attune_/process_ metric" % title)
    for where, expr in queries:
        for metric, label in LABEL_VALUES_RE.findall(expr):
            if metric not in series:
                problems.append("%s: label_values metric %s not in /metrics" % (where, metric))
            elif label not in series[metric] and label not in TARGET_LABELS:
                problems.append("%s: metric %s has no label %s" % (where, metric, label))
        names = set(METRIC_RE.findall(expr))
        if not names:
            problems.append("%s: no metric in %r" % (where, expr))
        for n in names:
            if n not in series:
                problems.append("%s: metric %s not in /metrics" % (where, n))
        for metric, body in SELECTOR_RE.findall(expr):
            for label in MATCHER_RE.findall(body):
                if label in TARGET_LABELS or metric not in series:
                    continue
                if label not in series[metric]:
                    problems.append("%s: metric %s has no label %s" % (where, metric, label))
        known = set(TARGET_LABELS)
        for n in names:
            known |= series.get(n, set())
        for group in GROUPING_RE.findall(expr):
            for label in [x.strip() for x in group.split(",") if x.strip()]:
                if label not in known:
                    problems.append("%s: groups by %s, which no queried metric has" % (where, label))
    return problems


def promtool_parse(queries, promtool):
    """Every panel query must parse as PromQL: write them as recording rules."""
    rules = {"groups": [{"name": "dashboard", "rules": []}]}
    for i, (where, expr) in enumerate(queries):
        if expr.startswith("label_values("):
            continue
        rules["groups"][0]["rules"].append({"record": "dashboard:q%d" % i, "expr": substitute(expr)})
    tmp = tempfile.mkdtemp(prefix="attune-dash-")
    try:
        path = os.path.join(tmp, "rules.json")  # JSON is valid YAML
        with open(path, "w") as f:
            json.dump(rules, f)
        r = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True, timeout=60)
        return [] if r.returncode == 0 else ["promtool check rules failed:\n" + r.stdout + r.stderr]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def live_metrics_text(attuned):
    """Starts attuned, sends a little traffic, returns its /metrics text."""
    from test_metrics_lib import fetch_metrics, send_score_drafts, start_attuned
    with start_attuned(attuned, ["--teams", "north,south"]) as proc:
        send_score_drafts(proc, 3, team="north")
        return fetch_metrics(proc.metrics)[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attuned")
    ap.add_argument("--metrics-file")
    ap.add_argument("--dashboard", default=os.path.join(ROOT, "deploy", "grafana", "attune-dashboard.json"))
    args = ap.parse_args()

    with open(args.dashboard) as f:
        dash = json.load(f)
    if args.metrics_file:
        with open(args.metrics_file) as f:
            text = f.read()
    elif args.attuned:
        text = live_metrics_text(args.attuned)
    else:
        ap.error("need --attuned or --metrics-file")
    series = parse_exposition(text)
    problems = check(dash, series)
    promtool = shutil.which("promtool")
    if promtool:
        problems += promtool_parse(dashboard_queries(dash), promtool)
    else:
        print("note: promtool not found; PromQL syntax not checked", file=sys.stderr)
    for p in problems:
        print("FAIL", p, file=sys.stderr)
    n = len(dashboard_queries(dash))
    print("%d queries checked against %d metric names: %s" % (n, len(series), "FAIL" if problems else "OK"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
