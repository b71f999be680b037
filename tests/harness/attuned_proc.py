"""attuned_proc.py - start the real attuned for Python end-to-end tests.

    with AttunedProcess(binary, unix=True) as srv:   # returns once ready
        chan = grpc_stubs.channel(srv.grpc_tcp)
        ...
        srv.signal(signal.SIGTERM); assert srv.wait(30) == 0

The process gets a private temp dir (ready file, unix socket, stderr log),
listens on 127.0.0.1:0 (and unix:<tmp>/attuned.sock with unix=True), and
readiness is the atomically written --ready-file, polled with a bounded
timeout while checking the process is still alive. Unless extra args mention
--metrics-listen or --no-metrics, `--metrics-listen 127.0.0.1:0` is added so
parallel tests never fight over the default metrics port. Every process is
killed on exit: context manager, atexit, and its own process group.
"""
import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time

_LIVE = set()  # processes to kill if the test exits without cleaning up


def _kill_leftovers():
    for proc in list(_LIVE):
        proc.kill_now()


atexit.register(_kill_leftovers)


def default_binary():
    """Path of attuned, from $ATTUNED_BIN (ctest sets it to $<TARGET_FILE:attuned>)."""
    path = os.environ.get("ATTUNED_BIN")
    if not path:
        raise RuntimeError("set ATTUNED_BIN to the attuned binary")
    return path


class AttunedError(RuntimeError):
    pass


class AttunedProcess:
    def __init__(self, binary=None, args=(), env=None, tcp=True, unix=False,
                 ready_timeout=20.0, expect_metrics=False):
        self.binary = binary or default_binary()
        self.extra_args = [a for a in args]
        self.extra_env = dict(env or {})
        self.tcp = tcp
        self.unix = unix
        self.ready_timeout = ready_timeout
        self.expect_metrics = expect_metrics
        self.tmpdir = None
        self.proc = None
        self.grpc_tcp = None      # "127.0.0.1:PORT"
        self.grpc_unix = None     # "unix:/path"
        self.metrics = None       # "127.0.0.1:PORT" when served
        self.listeners = []       # [(kind, address)] as in the ready file
        self.returncode = None

    # ---------------------------------------------------------- lifecycle
    def start(self):
        if self.proc is not None:
            raise AttunedError("already started")
        self.tmpdir = tempfile.mkdtemp(prefix="attuned-")
        self.ready_file = os.path.join(self.tmpdir, "ready")
        self.log_path = os.path.join(self.tmpdir, "attuned.log")
        self.socket_path = os.path.join(self.tmpdir, "attuned.sock")
        extra = [a.replace("{tmp}", self.tmpdir) for a in self.extra_args]
        cmd = [self.binary]
        if self.tcp:
            cmd += ["--listen", "127.0.0.1:0"]
        if self.unix:
            cmd += ["--listen", "unix:" + self.socket_path]
        cmd += ["--ready-file", self.ready_file]
        if not any(a.startswith(("--metrics-listen", "--no-metrics")) for a in extra):
            cmd += ["--metrics-listen", "127.0.0.1:0"]
        cmd += extra
        env = dict(os.environ)
        env.update({k: v.replace("{tmp}", self.tmpdir) for k, v in self.extra_env.items()})
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=self._log, env=env, start_new_session=True)
        _LIVE.add(self)
        try:
            self._wait_ready()
        except BaseException:
            self.kill_now()
            raise
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        delay = 0.005
        while True:
            if self.proc.poll() is not None:
                raise AttunedError("attuned exited with %d before it was ready; log:\n%s"
                                   % (self.proc.returncode, self.log_text()))
            if os.path.exists(self.ready_file):
                self._parse_ready()
                if not self.expect_metrics or self.metrics:
                    return
            if time.monotonic() > deadline:
                raise AttunedError("attuned not ready after %.1fs; log:\n%s"
                                   % (self.ready_timeout, self.log_text()))
            time.sleep(delay)  # bounded poll of a readiness condition
            delay = min(delay * 2, 0.1)

    def _parse_ready(self):
        with open(self.ready_file) as f:
            lines = [l.strip() for l in f if l.strip()]
        self.listeners = []
        for line in lines:
            kind, _, addr = line.partition(" ")
            if not addr:
                raise AttunedError("bad ready file line: %r" % line)
            self.listeners.append((kind, addr))
            if kind == "grpc" and addr.startswith("unix:"):
                self.grpc_unix = self.grpc_unix or addr
            elif kind == "grpc":
                self.grpc_tcp = self.grpc_tcp or addr
            elif kind == "metrics":
                self.metrics = self.metrics or addr

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        """Waits for exit; returns the exit code (negative = killed by signal).
        Raises subprocess.TimeoutExpired if still running after timeout."""
        self.returncode = self.proc.wait(timeout=timeout)
        return self.returncode

    def stop(self, timeout=30):
        """SIGTERM, wait; SIGKILL if it does not exit. Returns the exit code."""
        if self.proc is None:
            return None
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill_now()
        self.returncode = self.proc.wait()
        _LIVE.discard(self)
        return self.returncode

    def kill_now(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        _LIVE.discard(self)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        self.kill_now()
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None
        if self.tmpdir and not os.environ.get("ATTUNE_KEEP_TMP"):
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False
