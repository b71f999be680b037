"""grpc_stubs.py - Python stubs for attune.v1 and grpc.health.v1, generated
at test time from proto/ (and Debian's grpc-proto) into a temp dir with
/usr/bin/python3 -m grpc_tools.protoc, then imported.

    s = grpc_stubs.load()
    chan = grpc_stubs.channel("127.0.0.1:50051")      # or "unix:/path"
    stub = s.attune_pb2_grpc.AssistStub(chan)
    stub.ScoreDraft(s.attune_pb2.ScoreDraftRequest(draft="..."))
    s.health_pb2_grpc.HealthStub(chan).Check(s.health_pb2.HealthCheckRequest())

health.proto is compiled as module `attune_test_health.health_pb2` (its
proto package stays grpc.health.v1) so it cannot clash with the installed
`grpc` Python package.
"""
import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import types

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_ROOT = os.path.join(REPO, "proto")
HEALTH_PROTO = os.environ.get("ATTUNE_HEALTH_PROTO",
                              "/usr/share/grpc-proto/grpc/health/v1/health.proto")

# Channel options for local tests: no proxies, big enough for 20 MB probes.
CHANNEL_OPTIONS = [
    ("grpc.enable_http_proxy", 0),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
]

_cache = {}


def load():
    """Generates (once per process) and imports the stubs; returns a namespace
    with attune_pb2, attune_pb2_grpc, health_pb2, health_pb2_grpc."""
    if "ns" in _cache:
        return _cache["ns"]
    out = tempfile.mkdtemp(prefix="attune-stubs-")
    atexit.register(shutil.rmtree, out, True)
    src = os.path.join(out, "src")
    os.makedirs(os.path.join(src, "attune_test_health"))
    shutil.copy(HEALTH_PROTO, os.path.join(src, "attune_test_health", "health.proto"))
    gen = os.path.join(out, "gen")
    os.makedirs(gen)
    cmd = [sys.executable if sys.executable.startswith("/usr/bin/") else "/usr/bin/python3",
           "-m", "grpc_tools.protoc", "-I" + PROTO_ROOT, "-I" + src,
           "--python_out=" + gen, "--grpc_python_out=" + gen,
           "attune/v1/attune.proto", "attune_test_health/health.proto"]
    subprocess.run(cmd, check=True)
    for pkg in ("attune", "attune/v1", "attune_test_health"):
        open(os.path.join(gen, pkg, "__init__.py"), "a").close()
    sys.path.insert(0, gen)
    ns = types.SimpleNamespace(
        attune_pb2=importlib.import_module("attune.v1.attune_pb2"),
        attune_pb2_grpc=importlib.import_module("attune.v1.attune_pb2_grpc"),
        health_pb2=importlib.import_module("attune_test_health.health_pb2"),
        health_pb2_grpc=importlib.import_module("attune_test_health.health_pb2_grpc"),
    )
    _cache["ns"] = ns
    return ns


def channel(target, options=()):
    """An insecure channel to target ("127.0.0.1:PORT" or "unix:/path")."""
    import grpc
    return grpc.insecure_channel(target, options=CHANNEL_OPTIONS + list(options))


def raw_unary(chan, method, request_bytes, timeout=10):
    """Calls `method` ("/attune.v1.Assist/ScoreDraft") with raw request bytes
    (for invalid UTF-8 and other hand-made payloads); returns raw reply bytes
    or raises grpc.RpcError."""
    call = chan.unary_unary(method, request_serializer=lambda b: b,
                            response_deserializer=lambda b: b)
    return call(request_bytes, timeout=timeout)
