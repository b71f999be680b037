"""test_metrics_lib.py - helpers for the metrics end-to-end tests: start the
real attuned (through tests/harness/attuned_proc.py), send ScoreDraft traffic
(stubs from tests/harness/grpc_stubs.py), fetch /metrics without proxies, and
run a real Prometheus on loopback that is always cleaned up.
"""
import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))

SEEKER = ("After pausing my career for several years to start a family, it's time to go back "
          "to work, but I feel rusty, unmotivated and anxious about re-entering the job market.")
DRAFT = "I've struggled with the same problem. The best way to tackle it is to just jump right in."


class TestFailure(Exception):
    pass


def check(cond, what):
    """Prints "ok  what" when cond holds; raises TestFailure(what) otherwise."""
    if not cond:
        raise TestFailure(what)
    print("ok  ", what)


def test_main(run, *options):
    """Command-line entry of a metrics end-to-end test: parses --attuned
    (required) and the optional string flags named in options, returns
    run(args), or 1 after printing FAIL when a check failed."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--attuned", required=True)
    for opt in options:
        ap.add_argument(opt)
    args = ap.parse_args()
    try:
        return run(args)
    except TestFailure as e:
        print("FAIL", e, file=sys.stderr)
        return 1


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url, timeout=5, with_type=False):
    """(status, body[, content type]) of a GET, never through a proxy."""
    try:
        with _OPENER.open(url, timeout=timeout) as r:
            body = r.read().decode("utf-8")
            out = (r.status, body, r.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as e:
        out = (e.code, e.read().decode("utf-8", "replace"), e.headers.get("Content-Type", ""))
    return out if with_type else out[:2]


def fetch_metrics(addr, with_type=False):
    return http_get("http://%s/metrics" % addr, timeout=10, with_type=with_type)


def wait_metrics(addr, ready, timeout=20.0):
    """Polls /metrics (bounded) until ready(samples) is true; returns
    (status, text, content type) of the last scrape. RPCs are counted when
    the server has finished a call, which may be just after the client
    saw its status."""
    deadline = time.monotonic() + timeout
    while True:
        status, text, ctype = fetch_metrics(addr, with_type=True)
        if (status == 200 and ready(parse_samples(text))) or time.monotonic() > deadline:
            return status, text, ctype
        time.sleep(0.05)  # poll interval of a bounded readiness loop


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)$")


def parse_samples(text):
    """'name{labels}' exactly as printed -> float value."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


@contextlib.contextmanager
def start_attuned(binary, extra_args=()):
    """The real attuned on 127.0.0.1:0 with metrics on 127.0.0.1:0."""
    import attuned_proc
    args = ["--metrics-listen", "127.0.0.1:0"] + list(extra_args)
    with attuned_proc.AttunedProcess(binary, args, expect_metrics=True) as proc:
        if not getattr(proc, "metrics", None):
            raise TestFailure("attuned's ready file has no metrics line")
        yield proc


_STUBS = None


def _stubs():
    global _STUBS
    if _STUBS is None:
        import grpc_stubs
        _STUBS = grpc_stubs.load()
    return _STUBS


def _assist(proc):
    import grpc_stubs
    s = _stubs()
    ch = grpc_stubs.channel(proc.grpc_tcp)
    return ch, s.attune_pb2_grpc.AssistStub(ch), s.attune_pb2


def send_score_drafts(proc, n, team=""):
    """n ScoreDraft calls that must succeed (channel CHAT)."""
    ch, stub, pb = _assist(proc)
    try:
        for _ in range(n):
            req = pb.ScoreDraftRequest(seeker_message=SEEKER, draft=DRAFT, team=team,
                                       channel=pb.CHANNEL_CHAT)
            resp = stub.ScoreDraft(req, timeout=10)
            if not resp.human_review_required:
                raise TestFailure("ScoreDraft response without human_review_required")
    finally:
        ch.close()


def send_invalid_draft(proc):
    """One ScoreDraft without a draft: must fail with INVALID_ARGUMENT."""
    import grpc
    ch, stub, pb = _assist(proc)
    try:
        stub.ScoreDraft(pb.ScoreDraftRequest(seeker_message=SEEKER), timeout=10)
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise TestFailure("missing draft gave %s, want INVALID_ARGUMENT" % e.code())
        return
    finally:
        ch.close()
    raise TestFailure("missing draft was accepted")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrometheusProc:
    def __init__(self, binary, target, interval):
        self.tmp = tempfile.mkdtemp(prefix="attune-prom-")
        self.binary = binary
        self.target = target
        self.interval = interval
        self.proc = None
        self.addr = None
        self.log_path = os.path.join(self.tmp, "prometheus.log")

    def _write_config(self):
        path = os.path.join(self.tmp, "prometheus.yml")
        with open(path, "w") as f:
            f.write("global:\n  scrape_interval: %s\n  scrape_timeout: %s\n"
                    "scrape_configs:\n  - job_name: attune\n    static_configs:\n"
                    "      - targets: ['%s']\n" % (self.interval, self.interval, self.target))
        return path

    def start(self, ready_timeout=60.0):
        cfg = self._write_config()
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.addr = "127.0.0.1:%d" % _free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [self.binary, "--config.file=" + cfg,
                 "--storage.tsdb.path=" + os.path.join(self.tmp, "data"),
                 "--web.listen-address=" + self.addr, "--log.level=warn"],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    if http_get("http://%s/-/ready" % self.addr, timeout=2)[0] == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.1)  # poll interval of a bounded readiness loop
            if self.proc.poll() is None:
                self.stop()
                raise TestFailure("prometheus not ready within %.0fs" % ready_timeout)
            if "address already in use" not in self.log():
                break
        raise TestFailure("prometheus exited early:\n" + self.log()[-2000:])

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def check_alive(self):
        if self.proc.poll() is not None:
            raise TestFailure("prometheus died:\n" + self.log()[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


@contextlib.contextmanager
def start_prometheus(binary, target, interval="1s"):
    p = PrometheusProc(binary, target, interval)
    try:
        p.start()
        yield p
    finally:
        p.close()
