#!/usr/bin/env bash
# valgrind_unit.sh - runs every ctest case labelled `unit` whose command is a
# compiled test binary under valgrind memcheck (--leak-check=full,
# --error-exitcode=1), with the test's own arguments, environment and working
# directory as ctest would use them. Script-driven cases are listed as
# skipped. Exits non-zero if any test fails or valgrind reports an error.
#
# Usage: tests/valgrind_unit.sh BUILD_DIR [-R REGEX]
#   (BUILD_DIR already built; -R narrows the tests like ctest -R)
#   JOBS=N runs N tests at once (default: nproc).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:?usage: $0 BUILD_DIR [-R REGEX]}"
shift
REGEX=""
if [[ "${1:-}" == "-R" ]]; then REGEX="$2"; fi
command -v valgrind >/dev/null || { echo "valgrind_unit: valgrind not installed" >&2; exit 1; }

LOGDIR="$(cd "$BUILD" && pwd)/valgrind-unit"  # absolute: tests run in their own directories
rm -rf "$LOGDIR" && mkdir -p "$LOGDIR"
ctest --test-dir "$BUILD" -N -L '^unit$' ${REGEX:+-R "$REGEX"} --show-only=json-v1 \
  >"$LOGDIR/tests.json"

# One line per test: NAME<TAB>LOG, after running it; the runner is Python so
# that argument lists and environments survive exactly.
JOBS="${JOBS:-$(nproc)}" /usr/bin/python3 - "$LOGDIR" "$ROOT/tests/sanitizers/valgrind.supp" <<'EOF'
import json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

logdir, supp = sys.argv[1], sys.argv[2]
tests = json.load(open(os.path.join(logdir, "tests.json")))["tests"]


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def run(t):
    name, cmd = t["name"], t.get("command") or []
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    if not cmd or not is_elf(cmd[0]):
        return name, "skip", 0.0, "not a compiled binary"
    env = dict(os.environ)
    for kv in props.get("ENVIRONMENT", []):
        k, _, v = kv.partition("=")
        env[k] = v
    log = os.path.join(logdir, name + ".log")
    vg = ["valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite,indirect",
          "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
          "--track-origins=yes", "--log-file=" + log]
    if os.path.exists(supp):
        vg.append("--suppressions=" + supp)
    timeout = float(props.get("TIMEOUT", 300)) * 20  # valgrind is ~20-50x slower
    t0 = time.monotonic()
    try:
        r = subprocess.run(vg + cmd, cwd=props.get("WORKING_DIRECTORY") or None, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=timeout)
        rc = r.returncode
    except subprocess.TimeoutExpired:
        rc = "timeout"
    dt = time.monotonic() - t0
    # Tests judged by their output or expected to fail (ctest checks those):
    # here only valgrind's own verdict counts.
    judged_elsewhere = "PASS_REGULAR_EXPRESSION" in props or props.get("WILL_FAIL")
    if rc == 0 or (judged_elsewhere and rc not in (99, "timeout")):
        return name, "ok", dt, ""
    why = "valgrind errors" if rc == 99 else "exit %s" % rc
    return name, "FAIL", dt, why + " (see %s)" % log


with ThreadPoolExecutor(int(os.environ.get("JOBS", "2"))) as pool:
    results = list(pool.map(run, tests))
failed = 0
for name, st, dt, why in results:
    print("%-4s %-40s %7.1fs %s" % (st, name, dt, why))
    failed += st == "FAIL"
ran = sum(1 for r in results if r[1] != "skip")
print("valgrind_unit: %d run, %d skipped, %d failed" % (ran, len(results) - ran, failed))
if failed:
    for name, st, _, _ in results:
        if st == "FAIL":
            sys.stdout.write(open(os.path.join(logdir, name + ".log")).read()[-3000:])
sys.exit(1 if failed or ran == 0 else 0)
EOF
