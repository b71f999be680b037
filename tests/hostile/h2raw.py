"""h2raw.py - a deliberately dumb HTTP/2 client for hostile-input tests: it
builds frames byte by byte (so it can send malformed ones) and uses only
Debian's python3-hpack (from python3-h2) to encode request headers and to
decode the server's. Every wait is bounded.

    c = H2Conn("127.0.0.1", port)       # connects, sends preface + SETTINGS
    c.send_frame(HEADERS, END_HEADERS, 1, c.headers_block(grpc_headers(path)))
    c.send_frame(DATA, END_STREAM, 1, grpc_message(b"..."))
    res = c.read_stream(1)               # -> StreamResult(headers, trailers, data, rst)
"""
import socket
import struct
import time

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Frame types.
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
# Flags.
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20


def frame(ftype, flags, stream, payload, length=None):
    """One frame; `length` may lie about the payload's size."""
    n = len(payload) if length is None else length
    return struct.pack(">I", n)[1:] + struct.pack(">BBI", ftype, flags, stream & 0x7FFFFFFF) \
        + payload


def grpc_message(body, compressed=False, length=None):
    """gRPC length-prefixed message; `length` may lie about the body's size."""
    n = len(body) if length is None else length
    return struct.pack(">BI", 1 if compressed else 0, n) + body


def grpc_headers(path, authority="localhost", extra=()):
    return [(":method", "POST"), (":scheme", "http"), (":path", path),
            (":authority", authority), ("content-type", "application/grpc"),
            ("te", "trailers")] + list(extra)


class StreamResult:
    def __init__(self):
        self.headers = None   # first header block (dict)
        self.trailers = None  # trailing header block (dict), or trailers-only response
        self.data = b""
        self.rst = None       # RST_STREAM error code
        self.closed = False   # stream ended (END_STREAM or RST)

    @property
    def grpc_status(self):
        for block in (self.trailers, self.headers):
            if block and "grpc-status" in block:
                return int(block["grpc-status"])
        return None

    @property
    def grpc_message(self):
        for block in (self.trailers, self.headers):
            if block and "grpc-message" in block:
                return block["grpc-message"]
        return None

    def __repr__(self):
        return "StreamResult(headers=%r, trailers=%r, data=%d bytes, rst=%r)" % (
            self.headers, self.trailers, len(self.data), self.rst)


class H2Conn:
    def __init__(self, host, port, preface=True, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.enc = hpack.Encoder()
        self.dec = hpack.Decoder()
        self.buf = b""
        self.goaway = None    # (last_stream_id, error_code) once received
        self.eof = False
        self.streams = {}
        if preface:
            self.send(PREFACE + frame(SETTINGS, 0, 0, b""))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:  # the server may already have closed on us
            return False

    def send_frame(self, ftype, flags, stream, payload, length=None):
        return self.send(frame(ftype, flags, stream, payload, length))

    def headers_block(self, headers):
        return self.enc.encode(headers)

    def request(self, stream, path, body, end=True, extra=()):
        """HEADERS + one DATA frame with `body` (already gRPC-framed)."""
        self.send_frame(HEADERS, END_HEADERS, stream,
                        self.headers_block(grpc_headers(path, extra=extra)))
        return self.send_frame(DATA, END_STREAM if end else 0, stream, body)

    # ------------------------------------------------------------ reading
    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:  # reset by peer counts as closed
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _next_frame(self, deadline):
        while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
            if self.eof or not self._recv(deadline):
                return None
        n = int.from_bytes(self.buf[:3], "big")
        ftype, flags, stream = struct.unpack(">BBI", self.buf[3:9])
        payload, self.buf = self.buf[9:9 + n], self.buf[9 + n:]
        return ftype, flags, stream & 0x7FFFFFFF, payload

    def _stream(self, sid):
        return self.streams.setdefault(sid, StreamResult())

    def _handle(self, ftype, flags, sid, payload):
        if ftype == SETTINGS and not flags & ACK:
            self.send_frame(SETTINGS, ACK, 0, b"")
        elif ftype == PING and not flags & ACK:
            self.send_frame(PING, ACK, 0, payload)
        elif ftype == GOAWAY:
            last, code = struct.unpack(">II", payload[:8])
            self.goaway = (last & 0x7FFFFFFF, code)
        elif ftype == HEADERS:
            if flags & PADDED:
                pad = payload[0]
                payload = payload[1:len(payload) - pad]
            if flags & PRIORITY_FLAG:
                payload = payload[5:]
            block = {k if isinstance(k, str) else k.decode(): v if isinstance(v, str)
                     else v.decode("latin-1") for k, v in self.dec.decode(payload)}
            st = self._stream(sid)
            if st.headers is None and ":status" in block:
                st.headers = block
                if "grpc-status" in block:
                    st.trailers = block
            else:
                st.trailers = block
            if flags & END_STREAM:
                st.closed = True
        elif ftype == DATA:
            st = self._stream(sid)
            st.data += payload
            if payload:  # keep the server's flow-control windows open
                inc = struct.pack(">I", len(payload))
                self.send_frame(WINDOW_UPDATE, 0, 0, inc)
                self.send_frame(WINDOW_UPDATE, 0, sid, inc)
            if flags & END_STREAM:
                st.closed = True
        elif ftype == RST_STREAM:
            st = self._stream(sid)
            st.rst = struct.unpack(">I", payload[:4])[0]
            st.closed = True

    def pump(self, until, timeout=None):
        """Handles frames until until() is true, the connection ends or the
        timeout passes. Returns until()'s final value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not until():
            f = self._next_frame(deadline)
            if f is None:
                break
            self._handle(*f)
        return until()

    def read_stream(self, sid, timeout=None):
        self.pump(lambda: self._stream(sid).closed or self.eof, timeout)
        return self._stream(sid)

    def wait_closed(self, timeout=None):
        """True once the server closed the connection (after a GOAWAY or not)."""
        return self.pump(lambda: self.eof, timeout)
