#!/usr/bin/python3
"""interop_client.py - runs tests/interop/cases.json against a live attuned
with Debian's python3-grpcio (the C core wrapped by Python). The same cases
run from @grpc/grpc-js in ../node/interop_client.js.

Usage: interop_client.py TARGET CASES_JSON [--ca PEM] [--tls-only]
Prints one line per case (PASS/FAIL name: why) and a final JSON summary
line; exits 1 if any case failed.
"""
import argparse
import base64
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "harness"))
import grpc  # noqa: E402
import grpc_stubs  # noqa: E402
from google.protobuf import descriptor_pool, json_format, symbol_database  # noqa: E402

STUBS = grpc_stubs.load()  # registers attune.v1 and grpc.health.v1 in the default pool


def expand(v):
    """Expands {"$repeat": S, "count": N} and {"$array": V, "count": N}."""
    if isinstance(v, dict):
        if "$repeat" in v:
            return expand(v["$repeat"]) * v["count"]
        if "$array" in v:
            return [expand(v["$array"]) for _ in range(v["count"])]
        return {k: expand(x) for k, x in v.items()}
    if isinstance(v, list):
        return [expand(x) for x in v]
    return v


def method_types(path):
    """(request class, response class) of a method path "/pkg.Svc/M"."""
    svc, _, name = path.lstrip("/").partition("/")
    m = descriptor_pool.Default().FindServiceByName(svc).methods_by_name[name]
    db = symbol_database.Default()
    return db.GetSymbol(m.input_type.full_name), db.GetSymbol(m.output_type.full_name)


def as_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def to_dict(msg):
    return json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                     use_integers_for_enums=True,
                                     including_default_value_fields=True)


def metadata(case):
    md = []
    for k, v in case.get("metadata", {}).items():
        md.append((k, base64.b64decode(v) if k.endswith("-bin") else v))
    return md


def timeout_of(case):
    t = case.get("timeout_ms")
    if t == 0:
        return -1.0  # already expired (grpcio treats a timeout of 0 as none)
    return 10.0 if t is None else t / 1000.0


class Outcome:
    def __init__(self):
        self.code = "OK"
        self.details = ""
        self.responses = []
        self.metadata_ok = None


def check_metadata(pairs):
    """Server-sent metadata must be readable: lowercase ASCII keys, str or
    bytes values (bytes only for -bin keys)."""
    for k, v in pairs or ():
        if k != k.lower() or not k.isascii():
            return False
        if k.endswith("-bin") != isinstance(v, bytes):
            return False
    return True


def run_unary(chan, case, out):
    if case["kind"] == "unary_raw":
        ser, de = (lambda b: b), (lambda b: b)
        req = bytes.fromhex(case["request_hex"])
    else:
        req_cls, resp_cls = method_types(case["method"])
        req = json_format.ParseDict(expand(case["request"]), req_cls())
        ser, de = req_cls.SerializeToString, resp_cls.FromString
    mc = chan.unary_unary(case["method"], request_serializer=ser, response_deserializer=de)
    try:
        resp, call = mc.with_call(req, timeout=timeout_of(case), metadata=metadata(case))
        out.responses.append(resp)
        out.metadata_ok = (check_metadata(call.initial_metadata())
                           and check_metadata(call.trailing_metadata()))
    except grpc.RpcError as e:
        out.code, out.details = e.code().name, e.details() or ""
        out.metadata_ok = check_metadata(e.trailing_metadata())


def run_server_stream(chan, case, out):
    req_cls, resp_cls = method_types(case["method"])
    req = json_format.ParseDict(expand(case["request"]), req_cls())
    mc = chan.unary_stream(case["method"], request_serializer=req_cls.SerializeToString,
                           response_deserializer=resp_cls.FromString)
    call = mc(req, timeout=timeout_of(case), metadata=metadata(case))
    cancel_after = case.get("cancel_after")
    if cancel_after == 0:
        call.cancel()
    try:
        for msg in call:
            out.responses.append(msg)
            if cancel_after is not None and len(out.responses) >= cancel_after:
                call.cancel()
    except grpc.RpcError as e:
        out.code, out.details = e.code().name, e.details() or ""


def run_bidi_pingpong(chan, case, out):
    req_cls, resp_cls = method_types(case["method"])
    mc = chan.stream_stream(case["method"], request_serializer=req_cls.SerializeToString,
                            response_deserializer=resp_cls.FromString)
    cond = threading.Condition()
    state = {"next": 0, "done": False}
    reqs = [json_format.ParseDict(expand(r), req_cls()) for r in case["requests"]]

    def gen():
        # Sends request i only after the response to request i-1 arrived.
        for i, r in enumerate(reqs):
            with cond:
                ok = cond.wait_for(lambda: state["next"] >= i or state["done"],
                                   timeout=timeout_of(case))
                if not ok or state["done"]:
                    return
            yield r

    call = mc(gen(), timeout=timeout_of(case), metadata=metadata(case))
    try:
        for msg in call:
            out.responses.append(msg)
            with cond:
                state["next"] = len(out.responses)
                cond.notify_all()
    except grpc.RpcError as e:
        out.code, out.details = e.code().name, e.details() or ""
    finally:
        with cond:
            state["done"] = True
            cond.notify_all()


RUNNERS = {"unary": run_unary, "unary_raw": run_unary, "server_stream": run_server_stream,
           "bidi_pingpong": run_bidi_pingpong}


def verify(case, out):
    """Returns a list of failure reasons (empty = pass)."""
    exp = case["expect"]
    why = []
    codes = exp["code"] if isinstance(exp["code"], list) else [exp["code"]]
    if out.code not in codes:
        why.append("code %s (%r), want %s" % (out.code, out.details, "|".join(codes)))
        return why
    if exp.get("details_contains") and exp["details_contains"] not in out.details:
        why.append("details %r lack %r" % (out.details, exp["details_contains"]))
    if exp.get("details_not_contains") and exp["details_not_contains"] in out.details:
        why.append("details echo request text")
    if exp.get("metadata_readable") and not out.metadata_ok:
        why.append("server metadata not readable")
    if len(out.responses) < exp.get("min_messages", 0):
        why.append("%d messages, want >= %d" % (len(out.responses), exp["min_messages"]))
    if out.code == "OK" and case["kind"].startswith("unary"):
        if len(out.responses) != 1:
            why.append("no response message")
        else:
            d = to_dict(out.responses[0]) if case["kind"] == "unary" else {}
            for k, v in exp.get("response_equals", {}).items():
                if as_text(d.get(k)) != as_text(v):
                    why.append("%s = %r, want %r" % (k, d.get(k), v))
            for k in exp.get("response_nonempty", []):
                if not d.get(k):
                    why.append("%s empty" % k)
    if exp.get("sequence_field"):
        seq = [int(to_dict(m)[exp["sequence_field"]]) for m in out.responses]
        if seq != list(range(1, len(seq) + 1)):
            why.append("sequence %r" % seq)
    if exp.get("revision_field"):
        want = [int(r["revision"]) for r in case["requests"]]
        got = [int(to_dict(m)[exp["revision_field"]]) for m in out.responses]
        if got != want:
            why.append("revisions %r, want %r" % (got, want))
    return why


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("cases")
    ap.add_argument("--ca", help="CA PEM: connect with TLS and run the tls cases")
    args = ap.parse_args()
    with open(args.cases) as f:
        cases = json.load(f)["cases"]
    if args.ca:
        with open(args.ca, "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        chan = grpc.secure_channel(args.target, creds, options=grpc_stubs.CHANNEL_OPTIONS)
        cases = [c for c in cases if c.get("tls")]
    else:
        chan = grpc_stubs.channel(args.target)
    failed = []
    for case in cases:
        out = Outcome()
        try:
            RUNNERS[case["kind"]](chan, case, out)
            why = verify(case, out)
        except Exception as e:  # a client-side bug is a failure, not a crash
            why = ["exception %s: %s" % (type(e).__name__, e)]
        if why:
            failed.append(case["name"])
            print("FAIL %s: %s" % (case["name"], "; ".join(why)), flush=True)
        else:
            print("PASS %s (%s, %d message(s))" % (case["name"], out.code, len(out.responses)),
                  flush=True)
    chan.close()
    print(json.dumps({"client": "python3-grpcio " + grpc.__version__, "tls": bool(args.ca),
                      "cases": len(cases), "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
