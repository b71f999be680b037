#!/usr/bin/python3
"""test_security_e2e.py - end-to-end security tests against the real attuned
with Debian's python3-grpcio: TLS, mTLS (and certificate roles), bearer
tokens with roles, SIGHUP reload during live calls, per-principal rate
limits, and the refusal to listen remotely without protection.

Run: ATTUNED_BIN=/path/to/attuned /usr/bin/python3 test_security_e2e.py [-v] [Class.test]
Certificates are made with the openssl CLI in a temp dir at test time."""

import hashlib
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
import attuned_proc  # noqa: E402
import certs  # noqa: E402
import grpc_stubs  # noqa: E402

ATTUNED = os.environ.get("ATTUNED_BIN", "")
SCORE = "/attune.v1.Assist/ScoreDraft"
COACH = "/attune.v1.Assist/CoachDraft"
STATS = "/attune.v1.Supervision/GetTeamStats"
WATCH = "/attune.v1.Supervision/WatchMetrics"
HEALTH = "/grpc.health.v1.Health/Check"
OPTS = [("grpc.enable_http_proxy", 0)]
TLS_OPTS = OPTS + [("grpc.ssl_target_name_override", "localhost")]

TOKENS = {"assist-secret-1": "assist", "assist-secret-2": "assist",
          "super-secret-1": "supervisor", "both-secret-1": "assist,supervisor"}


# ------------------------------------------------------------ messages
SEEKER = "I paused my career for years and now I feel rusty and anxious about going back."
DRAFT = "That sounds exhausting. What feels hardest about going back?"


def pb():
    return grpc_stubs.load().attune_pb2


def score_request():
    return pb().ScoreDraftRequest(seeker_message=SEEKER, draft=DRAFT).SerializeToString()


def coach_request(revision, draft):
    m = pb().CoachDraftRequest(draft=draft, revision=revision)
    if revision == 1:
        m.context.seeker_message = SEEKER
    return m.SerializeToString()


def stats_request():
    return pb().GetTeamStatsRequest(team="team-a").SerializeToString()


def token_line(token, roles, label=None):
    h = hashlib.sha256(token.encode()).hexdigest()
    return f"{h} {roles}" + (f" {label}" if label else "")


def write_tokens(path, tokens, extra=""):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("# test tokens\n\n")
        for i, (tok, roles) in enumerate(tokens.items()):
            f.write(token_line(tok, roles, f"principal-{i}") + "\n")
        f.write(extra)
    os.replace(tmp, path)


def bearer(token):
    return (("authorization", f"Bearer {token}"),)


# ------------------------------------------------------------ the server
def attuned(args, listen=None, metrics=False):
    """An attuned on 127.0.0.1:0 (or `listen`); not started. Metrics are off
    unless asked for (then on an ephemeral loopback port)."""
    extra = ["--workers", "2", *args]
    if not metrics:
        extra = ["--no-metrics", *extra]
    if listen:
        extra = ["--listen", listen, *extra]
    return attuned_proc.AttunedProcess(ATTUNED, args=extra, tcp=listen is None,
                                       expect_metrics=metrics)


def scrape(addr):
    with urllib.request.urlopen(f"http://{addr}/metrics", timeout=10) as r:
        return r.read().decode()


def metric_value(text, name, labels=""):
    """Value of the sample `name{labels}` (labels as rendered, "" = none), 0 if absent."""
    prefix = name + ("{" + labels + "}" if labels else "") + " "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix):].split()[0])
    return 0.0


class SecurityTestBase(unittest.TestCase):
    pki = None
    pki_dir = None

    @classmethod
    def setUpClass(cls):
        if not ATTUNED or not os.access(ATTUNED, os.X_OK):
            raise unittest.SkipTest("ATTUNED_BIN not set to an executable")
        grpc_stubs.load()
        cls.pki_dir = tempfile.TemporaryDirectory(prefix="attune-sec-pki-")
        cls.pki = certs.make_pki(cls.pki_dir.name)

    @classmethod
    def tearDownClass(cls):
        if cls.pki_dir:
            cls.pki_dir.cleanup()

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="attune-sec-e2e-")
        self.tmp = self._tmp.name
        self.servers = []
        self.channels = []

    def tearDown(self):
        for ch in self.channels:
            ch.close()
        failed = any(self._outcome_failed())
        codes = []
        for s in self.servers:
            codes.append(s.stop())
            if failed or codes[-1] != 0:
                sys.stderr.write("---- attuned log ----\n" + s.log_text())
            s.cleanup()
        self._tmp.cleanup()
        # every server drained and exited cleanly (sanitizer reports fail this)
        self.assertEqual(codes, [0] * len(codes))

    def _outcome_failed(self):
        res = getattr(self, "_outcome", None)
        errors = getattr(getattr(res, "result", None), "errors", []) + \
            getattr(getattr(res, "result", None), "failures", [])
        return [e for e in errors if e[0] is self]

    def start(self, args, listen=None, metrics=False):
        s = attuned(args, listen, metrics)
        self.servers.append(s)
        s.start()
        s.target = s.grpc_tcp or s.grpc_unix
        return s

    def p(self, name):
        return self.pki[name]

    def tls_args(self, client_ca=False):
        a = ["--tls-cert", self.p("server.pem"), "--tls-key", self.p("server.key")]
        if client_ca:
            a += ["--tls-client-ca", self.p("ca.pem")]
        return a

    def insecure_channel(self, target):
        ch = grpc.insecure_channel(target, options=OPTS)
        self.channels.append(ch)
        return ch

    def tls_channel(self, target, client=None, ca="ca.pem"):
        key = chain = None
        if client:
            key = certs.read(self.p(client + ".key"))
            chain = certs.read(self.p(client + ".pem"))
        creds = grpc.ssl_channel_credentials(certs.read(self.p(ca)), key, chain)
        ch = grpc.secure_channel(target, creds, options=TLS_OPTS)
        self.channels.append(ch)
        return ch

    @staticmethod
    def unary(ch, method, req, metadata=None, timeout=10, wait_for_ready=None):
        fn = ch.unary_unary(method, request_serializer=lambda b: b,
                            response_deserializer=lambda b: b)
        return fn(req, metadata=metadata, timeout=timeout, wait_for_ready=wait_for_ready)

    def code_of(self, ch, method, req, metadata=None, timeout=10):
        try:
            self.unary(ch, method, req, metadata, timeout)
            return grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            return e.code(), e.details()


# ------------------------------------------------------------ TLS / mTLS
class TlsTest(SecurityTestBase):
    def test_tls_serves_and_plaintext_fails(self):
        s = self.start(self.tls_args())
        ch = self.tls_channel(s.target)
        self.assertEqual(self.code_of(ch, HEALTH, b"")[0], grpc.StatusCode.OK)
        self.assertEqual(self.code_of(ch, SCORE, score_request())[0], grpc.StatusCode.OK)
        plain = self.insecure_channel(s.target)
        code, _ = self.code_of(plain, HEALTH, b"", timeout=3)
        self.assertIn(code, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED))
        # a client that does not trust the server's CA is refused too
        rogue = self.tls_channel(s.target, ca="rogue-ca.pem")
        code, _ = self.code_of(rogue, HEALTH, b"", timeout=3)
        self.assertIn(code, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED))
        # and the server keeps serving
        self.assertEqual(self.code_of(ch, HEALTH, b"")[0], grpc.StatusCode.OK)

    def test_mtls_requires_a_client_certificate(self):
        s = self.start(self.tls_args(client_ca=True))
        no_cert = self.tls_channel(s.target)
        code, _ = self.code_of(no_cert, HEALTH, b"", timeout=3)
        self.assertIn(code, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED))
        rogue = self.tls_channel(s.target, client="client-rogue")
        code, _ = self.code_of(rogue, SCORE, score_request(), timeout=3)
        self.assertIn(code, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED))
        good = self.tls_channel(s.target, client="client-assist")
        self.assertEqual(self.code_of(good, SCORE, score_request())[0], grpc.StatusCode.OK)
        self.assertEqual(self.code_of(good, HEALTH, b"")[0], grpc.StatusCode.OK)

    def test_client_certificate_roles(self):
        roles = os.path.join(self.tmp, "cert-roles")
        with open(roles, "w") as f:
            f.write("# CN -> roles\nconsole-1 assist\ndash-1 supervisor\n")
        s = self.start(self.tls_args(client_ca=True) + ["--client-cert-roles", roles])
        assist = self.tls_channel(s.target, client="client-assist")
        self.assertEqual(self.code_of(assist, SCORE, score_request())[0], grpc.StatusCode.OK)
        self.assertEqual(self.code_of(assist, STATS, stats_request())[0],
                         grpc.StatusCode.PERMISSION_DENIED)
        sup = self.tls_channel(s.target, client="client-super")
        code, _ = self.code_of(sup, STATS, stats_request())
        self.assertNotIn(code, (grpc.StatusCode.UNAUTHENTICATED,
                                grpc.StatusCode.PERMISSION_DENIED))
        self.assertEqual(self.code_of(sup, SCORE, score_request())[0],
                         grpc.StatusCode.PERMISSION_DENIED)
        stranger = self.tls_channel(s.target, client="client-unmapped")
        self.assertEqual(self.code_of(stranger, SCORE, score_request())[0],
                         grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(self.code_of(stranger, HEALTH, b"")[0], grpc.StatusCode.OK)

    def test_token_and_certificate_roles_add_up(self):
        roles = os.path.join(self.tmp, "cert-roles")
        with open(roles, "w") as f:
            f.write("console-1 assist\n")
        tokens = os.path.join(self.tmp, "tokens")
        write_tokens(tokens, {"super-secret-1": "supervisor"})
        s = self.start(self.tls_args(client_ca=True) +
                       ["--client-cert-roles", roles, "--tokens-file", tokens])
        ch = self.tls_channel(s.target, client="client-assist")
        self.assertEqual(self.code_of(ch, SCORE, score_request())[0], grpc.StatusCode.OK)
        self.assertEqual(self.code_of(ch, STATS, stats_request())[0],
                         grpc.StatusCode.PERMISSION_DENIED)
        code, _ = self.code_of(ch, STATS, stats_request(), bearer("super-secret-1"))
        self.assertNotIn(code, (grpc.StatusCode.UNAUTHENTICATED,
                                grpc.StatusCode.PERMISSION_DENIED))
        self.assertEqual(self.code_of(ch, SCORE, score_request(), bearer("super-secret-1"))[0],
                         grpc.StatusCode.OK)
        # a bad token is refused even with a good certificate
        self.assertEqual(self.code_of(ch, SCORE, score_request(), bearer("wrong"))[0],
                         grpc.StatusCode.UNAUTHENTICATED)
        stranger = self.tls_channel(s.target, client="client-unmapped")
        self.assertEqual(self.code_of(stranger, SCORE, score_request())[0],
                         grpc.StatusCode.UNAUTHENTICATED)

    def test_bad_tls_files_refuse_to_start(self):
        missing = os.path.join(self.tmp, "nope.pem")
        for args, needle in (
                (["--tls-cert", missing, "--tls-key", self.p("server.key")], "nope.pem"),
                (["--tls-cert", self.p("server.key"), "--tls-key", self.p("server.key")],
                 "no PEM certificate"),
                (["--tls-cert", self.p("server.pem"), "--tls-key", self.p("client-assist.key")],
                 "does not match")):
            proc = subprocess.run([ATTUNED, "--listen", "127.0.0.1:0", "--no-metrics", *args],
                                  capture_output=True, timeout=30)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn(needle, proc.stderr.decode())


# ------------------------------------------------------------ tokens
class TokenTest(SecurityTestBase):
    def start_with_tokens(self, extra_args=()):
        self.tokens_path = os.path.join(self.tmp, "tokens")
        write_tokens(self.tokens_path, {k: v for k, v in TOKENS.items()
                                        if k != "assist-secret-2"})
        return self.start(["--tokens-file", self.tokens_path, *extra_args])

    def test_roles_and_statuses(self):
        s = self.start_with_tokens()
        ch = self.insecure_channel(s.target)
        code, details = self.code_of(ch, SCORE, score_request())
        self.assertEqual(code, grpc.StatusCode.UNAUTHENTICATED)
        self.assertIn("missing bearer token", details)
        code, details = self.code_of(ch, SCORE, score_request(), bearer("not-a-token"))
        self.assertEqual(code, grpc.StatusCode.UNAUTHENTICATED)
        self.assertNotIn("not-a-token", details)
        code, _ = self.code_of(ch, SCORE, score_request(),
                               (("authorization", "Basic assist-secret-1"),))
        self.assertEqual(code, grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(self.code_of(ch, SCORE, score_request(),
                                      bearer("assist-secret-1"))[0], grpc.StatusCode.OK)
        code, details = self.code_of(ch, SCORE, score_request(), bearer("super-secret-1"))
        self.assertEqual(code, grpc.StatusCode.PERMISSION_DENIED)
        self.assertIn("assist", details)
        code, _ = self.code_of(ch, STATS, stats_request(), bearer("assist-secret-1"))
        self.assertEqual(code, grpc.StatusCode.PERMISSION_DENIED)
        for tok in ("super-secret-1", "both-secret-1"):
            code, _ = self.code_of(ch, STATS, stats_request(), bearer(tok))
            self.assertNotIn(code, (grpc.StatusCode.UNAUTHENTICATED,
                                    grpc.StatusCode.PERMISSION_DENIED))
        self.assertEqual(self.code_of(ch, SCORE, score_request(),
                                      bearer("both-secret-1"))[0], grpc.StatusCode.OK)
        # health stays open
        self.assertEqual(self.code_of(ch, HEALTH, b"")[0], grpc.StatusCode.OK)
        # unknown methods: authenticate first, then UNIMPLEMENTED
        self.assertEqual(self.code_of(ch, "/x.Y/Z", b"")[0], grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(self.code_of(ch, "/x.Y/Z", b"", bearer("assist-secret-1"))[0],
                         grpc.StatusCode.UNIMPLEMENTED)
        # no token ever reaches the log
        s.stop()
        log = s.log_text()
        for tok in TOKENS:
            self.assertNotIn(tok, log)
        self.assertNotIn(SEEKER, log)

    def test_tokens_and_tls_together(self):
        self.tokens_path = os.path.join(self.tmp, "tokens")
        write_tokens(self.tokens_path, TOKENS)
        s = self.start(["--tokens-file", self.tokens_path, *self.tls_args()])
        ch = self.tls_channel(s.target)
        self.assertEqual(self.code_of(ch, SCORE, score_request())[0],
                         grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(self.code_of(ch, SCORE, score_request(),
                                      bearer("assist-secret-1"))[0], grpc.StatusCode.OK)

    def test_unix_socket_is_plaintext_but_tokens_apply(self):
        self.tokens_path = os.path.join(self.tmp, "tokens")
        write_tokens(self.tokens_path, TOKENS)
        sock = os.path.join(self.tmp, "a.sock")
        s = self.start(["--tokens-file", self.tokens_path, *self.tls_args()],
                       listen="unix:" + sock)
        ch = self.insecure_channel("unix:" + sock)
        self.assertEqual(self.code_of(ch, SCORE, score_request())[0],
                         grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(self.code_of(ch, SCORE, score_request(),
                                      bearer("assist-secret-1"))[0], grpc.StatusCode.OK)
        self.assertEqual(self.code_of(ch, HEALTH, b"")[0], grpc.StatusCode.OK)

    def test_bad_tokens_file_refuses_to_start(self):
        path = os.path.join(self.tmp, "tokens")
        with open(path, "w") as f:
            f.write("# fine\n" + token_line("a", "assist") + "\nplaintext-token-here assist\n")
        proc = subprocess.run([ATTUNED, "--listen", "127.0.0.1:0", "--no-metrics",
                               "--tokens-file", path], capture_output=True, timeout=30)
        self.assertNotEqual(proc.returncode, 0)
        err = proc.stderr.decode()
        self.assertIn("line 3", err)
        self.assertNotIn("plaintext-token-here", err)

    def test_sighup_reload_keeps_live_calls(self):
        s = self.start_with_tokens()
        ch = self.insecure_channel(s.target)
        self.assertEqual(self.code_of(ch, SCORE, score_request(),
                                      bearer("assist-secret-2"))[0],
                         grpc.StatusCode.UNAUTHENTICATED)

        # A long call: a CoachDraft stream, one revision before the reload
        # and one after, on the same stream.
        requests = []
        cond = threading.Condition()

        def request_iter():
            i = 0
            while True:
                with cond:
                    cond.wait_for(lambda: len(requests) > i)
                    item = requests[i]
                i += 1
                if item is None:
                    return
                yield item

        def send(item):
            with cond:
                requests.append(item)
                cond.notify_all()

        stream = ch.stream_stream(COACH, request_serializer=lambda b: b,
                                  response_deserializer=lambda b: b)(
            request_iter(), metadata=bearer("assist-secret-1"), timeout=60)
        send(coach_request(1, "That sounds hard."))
        first = next(stream)
        self.assertTrue(first)
        # And a supervisor's WatchMetrics stream, one snapshot a second.
        watch = ch.unary_stream(WATCH, request_serializer=lambda b: b,
                                response_deserializer=pb().MetricsSnapshot.FromString)(
            pb().WatchMetricsRequest(interval_seconds=1).SerializeToString(),
            metadata=bearer("super-secret-1"), timeout=60)
        self.assertEqual(next(watch).sequence, 1)

        # Unary calls hammer the server from two threads during the reloads.
        stop = threading.Event()
        failures = []
        count = [0]

        def hammer():
            while not stop.is_set():
                code, details = self.code_of(ch, SCORE, score_request(),
                                             bearer("assist-secret-1"))
                if code != grpc.StatusCode.OK:
                    failures.append((code, details))
                count[0] += 1

        threads = [threading.Thread(target=hammer) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            write_tokens(self.tokens_path, TOKENS)  # adds assist-secret-2
            s.signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.code_of(ch, SCORE, score_request(),
                                bearer("assist-secret-2"))[0] == grpc.StatusCode.OK:
                    break
                time.sleep(0.05)  # polling for the reload's effect, bounded
            else:
                self.fail("new token not accepted within 10 s of SIGHUP")
            # A broken file: the old table stays in force.
            write_tokens(self.tokens_path, TOKENS, extra="broken-line-secret\n")
            s.signal(signal.SIGHUP)
            for _ in range(20):
                s.signal(signal.SIGHUP)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(failures, [])
        self.assertGreater(count[0], 0)
        # the streams outlived the reloads
        self.assertGreater(next(watch).sequence, 1)
        watch.cancel()
        send(coach_request(2, "That sounds hard. What feels hardest?"))
        second = next(stream)
        self.assertTrue(second)
        send(None)
        for _ in stream:
            pass
        self.assertEqual(stream.code(), grpc.StatusCode.OK)
        self.assertEqual(self.code_of(ch, SCORE, score_request(),
                                      bearer("assist-secret-2"))[0], grpc.StatusCode.OK)
        s.stop()
        log = s.log_text()
        self.assertIn("result=kept_old_tables", log)  # broken file reported, old table kept
        self.assertIn("line 7", log)
        self.assertNotIn("broken-line-secret", log)


# ------------------------------------------------------------ rate limits
class RateLimitTest(SecurityTestBase):
    def test_rate_limit_per_principal(self):
        path = os.path.join(self.tmp, "tokens")
        write_tokens(path, TOKENS)
        # 0.01 rps: the bucket does not refill during the test.
        s = self.start(["--tokens-file", path, "--rate-limit", "0.01", "--rate-burst", "3"],
                       metrics=True)
        ch = self.insecure_channel(s.target)
        codes = [self.code_of(ch, SCORE, score_request(), bearer("assist-secret-1"))
                 for _ in range(5)]
        self.assertEqual([c for c, _ in codes[:3]], [grpc.StatusCode.OK] * 3)
        self.assertEqual(codes[3], (grpc.StatusCode.RESOURCE_EXHAUSTED, "rate limit exceeded"))
        # another principal still gets through, health is never limited
        self.assertEqual(self.code_of(ch, SCORE, score_request(),
                                      bearer("assist-secret-2"))[0], grpc.StatusCode.OK)
        for _ in range(5):
            self.assertEqual(self.code_of(ch, HEALTH, b"")[0], grpc.StatusCode.OK)
        # refusals are counted
        self.assertEqual(self.code_of(ch, SCORE, score_request())[0],
                         grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(self.code_of(ch, STATS, stats_request(),
                                      bearer("assist-secret-2"))[0],
                         grpc.StatusCode.PERMISSION_DENIED)
        text = scrape(s.metrics)
        self.assertEqual(metric_value(text, "attune_rate_limited_total"), 2)
        self.assertEqual(metric_value(text, "attune_auth_failures_total",
                                      'reason="missing_token"'), 1)
        self.assertEqual(metric_value(text, "attune_auth_failures_total",
                                      'reason="wrong_role"'), 1)
        for tok in TOKENS:
            self.assertNotIn(tok, text)

    def test_rate_limit_without_tokens_keys_on_peer(self):
        s = self.start(["--rate-limit", "0.01", "--rate-burst", "2"])
        ch = self.insecure_channel(s.target)
        codes = [self.code_of(ch, SCORE, score_request())[0] for _ in range(3)]
        self.assertEqual(codes, [grpc.StatusCode.OK, grpc.StatusCode.OK,
                                 grpc.StatusCode.RESOURCE_EXHAUSTED])


# ------------------------------------------------------------ network limits
LOCAL_POOL = [("grpc.use_local_subchannel_pool", 1)]  # one connection per channel


class LimitsTest(SecurityTestBase):
    def own_channel(self, target, extra=()):
        ch = grpc.insecure_channel(target, options=OPTS + LOCAL_POOL + list(extra))
        self.channels.append(ch)
        return ch

    def open_coach(self, ch):
        """Starts a CoachDraft stream and waits for its first reply; returns
        (queue of requests, response iterator)."""
        q = queue.Queue()

        def requests():
            while True:
                item = q.get()
                if item is None:
                    return
                yield item

        stream = ch.stream_stream(COACH, request_serializer=lambda b: b,
                                  response_deserializer=lambda b: b)(requests(), timeout=60)
        q.put(coach_request(1, "That sounds hard."))
        self.assertTrue(next(stream))
        return q, stream

    def close_coach(self, q, stream):
        q.put(None)
        for _ in stream:
            pass

    def test_max_concurrent_streams_per_connection(self):
        s = self.start(["--max-concurrent-streams", "2"])
        a = self.own_channel(s.target)
        b = self.own_channel(s.target)
        first, second = self.open_coach(a), self.open_coach(a)
        # A third stream on the same connection is not admitted...
        code, _ = self.code_of(a, SCORE, score_request(), timeout=1.5)
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED)
        # ...while other connections are served,
        self.assertEqual(self.code_of(b, SCORE, score_request())[0], grpc.StatusCode.OK)
        # and it is admitted once a stream ends.
        self.close_coach(*first)
        self.assertEqual(self.code_of(a, SCORE, score_request())[0], grpc.StatusCode.OK)
        self.close_coach(*second)

    def test_ping_flood_is_disconnected(self):
        s = self.start(["--min-ping-interval-ms", "10000", "--max-ping-strikes", "1"])
        flood = self.own_channel(s.target, [
            ("grpc.keepalive_time_ms", 50), ("grpc.keepalive_timeout_ms", 1000),
            ("grpc.keepalive_permit_without_calls", 1), ("grpc.http2.max_pings_without_data", 0),
            ("grpc.http2.min_time_between_pings_ms", 50),
            ("grpc.http2.min_ping_interval_without_data_ms", 50)])
        q, stream = self.open_coach(flood)
        with self.assertRaises(grpc.RpcError) as ctx:
            next(stream)  # no data flows; the pings earn a GOAWAY within seconds
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.UNAVAILABLE)
        q.put(None)
        other = self.own_channel(s.target)
        self.assertEqual(self.code_of(other, SCORE, score_request())[0], grpc.StatusCode.OK)

    def test_metadata_size_limit(self):
        s = self.start(["--max-metadata-bytes", "4096"])
        ch = self.own_channel(s.target)
        other = self.own_channel(s.target)
        code, _ = self.code_of(ch, SCORE, score_request(), (("x-padding", "a" * 6000),))
        self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED)
        # gRPC core also closes that connection; the client reconnects and
        # other connections never notice.
        self.assertEqual(self.code_of(other, SCORE, score_request())[0], grpc.StatusCode.OK)
        # The refused connection may still be closing when the next call is
        # attempted on it: a client retries UNAVAILABLE (bounded).
        for attempt in range(10):
            code, _ = self.code_of(ch, SCORE, score_request(), timeout=10)
            if code != grpc.StatusCode.UNAVAILABLE:
                break
        self.assertEqual(code, grpc.StatusCode.OK)

    def test_silent_connection_is_closed_after_handshake_timeout(self):
        # 2 s: far below the 10 s default, yet long enough for a real TLS
        # handshake on a loaded machine or under a sanitizer.
        s = self.start(["--handshake-timeout-ms", "2000", *self.tls_args()])
        host, port = s.target.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as so:
            start = time.monotonic()
            while so.recv(4096):  # the server says nothing to a silent TLS client
                pass
            elapsed = time.monotonic() - start
        self.assertLess(elapsed, 8.0)  # closed by the 2 s limit, not the 10 s default
        ch = self.tls_channel(s.target)
        self.assertEqual(self.code_of(ch, HEALTH, b"")[0], grpc.StatusCode.OK)


# ------------------------------------------------------------ secure default
class ExposureTest(SecurityTestBase):
    def test_refuses_remote_plaintext(self):
        proc = subprocess.run([ATTUNED, "--listen", "0.0.0.0:0", "--no-metrics"],
                              capture_output=True, timeout=30)
        self.assertEqual(proc.returncode, 2)
        err = proc.stderr.decode()
        for flag in ("--tls-cert", "--tokens-file", "--insecure-allow-remote-plaintext"):
            self.assertIn(flag, err)
        # TLS alone is not enough
        proc = subprocess.run([ATTUNED, "--listen", "0.0.0.0:0", "--no-metrics",
                               *self.tls_args()], capture_output=True, timeout=30)
        self.assertEqual(proc.returncode, 2)

    def test_insecure_flag_starts(self):
        s = self.start(["--insecure-allow-remote-plaintext"], listen="0.0.0.0:0")
        port = s.target.rsplit(":", 1)[1]
        ch = self.insecure_channel(f"127.0.0.1:{port}")
        self.assertEqual(self.code_of(ch, HEALTH, b"")[0], grpc.StatusCode.OK)
        ch.close()
        self.assertEqual(s.stop(), 0)

    def test_tls_and_tokens_allow_remote(self):
        path = os.path.join(self.tmp, "tokens")
        write_tokens(path, TOKENS)
        s = self.start(["--tokens-file", path, *self.tls_args()], listen="0.0.0.0:0")
        self.assertEqual(s.stop(), 0)


if __name__ == "__main__":
    unittest.main()
