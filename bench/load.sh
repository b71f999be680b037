#!/usr/bin/env bash
# load.sh - load benchmark (not a test): h2load drives ScoreDraft and
# grpc.health.v1.Health/Check on ONE Release attuned with the SAME
# connections and concurrency, prints requests/s, latency p50/p99 and the
# ScoreDraft/Health throughput ratio, verifies grpc-status with a real client
# (h2load counts any HTTP 200 as success), then prints attuned's RSS before,
# during and after --requests ScoreDraft calls. See bench/README.md.
#
# Usage: bench/load.sh [--clients 4] [--streams 16] [--duration 5] [--rounds 6]
#                      [--requests 1000000] [--workers 0] [--build DIR] [--diagnose]
#                      [--memory-only]
#   attuned runs as deploy/run.sh runs it: a --state-dir (event file,
#   pseudonym key) and metrics on. --memory-only runs it with no state dir
#   and --no-metrics instead: the scoring path alone (--events, the default,
#   is accepted for older command lines).
#   --diagnose adds two ScoreDraft shapes per round: the B pair with
#   suggestions disabled, and a two-letter pair (the RPC's cost beyond Health).
#   Each round runs Health, then ScoreDraft (the Reply-B-like pair, the
#   headline), ScoreDraft-A (Reply-A-like), BRIEF-B and BRIEF-A (the brief's
#   example word for word) back to back, and one more Health run closes the
#   last round. A round's ratio divides by the mean of the Health runs before
#   and after it (this VM's speed drifts within minutes), and the median over
#   rounds is the figure for each draft. Each run also
#   prints the whole machine's CPU per call (/proc/stat: h2load, attuned and
#   the kernel together; other work on the machine counts too).
#   ATTUNED_BIN=path skips the Release build.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS=4 STREAMS=16 DURATION=5 ROUNDS=6 REQUESTS=1000000 WORKERS=0 DIAGNOSE=0 EVENTS=1
BUILD="${TMPDIR:-/tmp}/attune-bench-build"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --clients) CLIENTS="$2"; shift 2 ;;
    --streams) STREAMS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --diagnose) DIAGNOSE=1; shift ;;
    --events) EVENTS=1; shift ;;
    --memory-only) EVENTS=0; shift ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "load.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
for tool in h2load /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "load.sh: $tool not found (deploy/install-deps.sh)" >&2; exit 1; }
done
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY grpc_proxy || true

if [[ -z "${ATTUNED_BIN:-}" ]]; then
  echo "== building Release attuned in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DATTUNE_LTO=ON -DATTUNE_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" --target attuned -j 2 >/dev/null
  ATTUNED_BIN="$BUILD/service/attuned"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/attune-load-XXXXXX")"
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Request bodies: 0x00 + 4-byte big-endian length + protobuf (python stubs).
/usr/bin/python3 "$ROOT/bench/load_bodies.py" "$WORK"

STATE_ARGS=(--no-metrics)
if [[ "$EVENTS" == 1 ]]; then
  mkdir -p "$WORK/state"
  STATE_ARGS=(--state-dir "$WORK/state" --metrics-listen 127.0.0.1:0)
fi
"$ATTUNED_BIN" --listen 127.0.0.1:0 --ready-file "$WORK/ready" "${STATE_ARGS[@]}" \
  --workers "$WORKERS" --log-level warn 2>"$WORK/attuned.log" &
PID=$!
for _ in $(seq 200); do  # bounded wait for the ready file
  [[ -s "$WORK/ready" ]] && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/attuned.log" >&2; exit 1; }
  sleep 0.05
done
ADDR="$(awk '$1 == "grpc" { print $2; exit }' "$WORK/ready")"
[[ -n "$ADDR" ]] || { echo "load.sh: attuned not ready" >&2; exit 1; }

# busy_ticks: the whole machine's non-idle CPU time so far (/proc/stat, clock ticks)
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }
check_status() {  # a real gRPC client sends the exact body files
  /usr/bin/python3 "$ROOT/bench/load_bodies.py" --check "$ADDR" "$WORK"
}

HDRS=(-H 'content-type: application/grpc' -H 'te: trailers')
# run NAME PATH BODY h2load-args...: prints "NAME rps p50 p99 failed"
run() {
  local name="$1" path="$2" body="$3"; shift 3
  local log="$WORK/$name.log" b0 b1
  rm -f "$log"
  b0="$(busy_ticks)"
  h2load -c "$CLIENTS" -m "$STREAMS" -t 1 "${HDRS[@]}" -d "$body" --log-file="$log" "$@" \
    "http://$ADDR$path" >"$WORK/$name.out" 2>&1 || { cat "$WORK/$name.out" >&2; return 1; }
  b1="$(busy_ticks)"
  /usr/bin/python3 - "$name" "$WORK/$name.out" "$log" "$((b1 - b0))" "$(getconf CLK_TCK)" <<'EOF'
import re, sys
name, out, log, ticks, hz = sys.argv[1:]
text = open(out).read()
rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text).group(1))
m = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, "
              r"(\d+) errored", text)
lat = sorted(int(l.split("\t")[2]) for l in open(log) if l.strip())
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] / 1000.0
# whole-machine CPU (h2load, attuned, kernel) per call: rounds drift less in it
cpu = int(ticks) * 1e6 / int(hz) / max(1, int(m.group(2)))
print("%-12s %10.0f req/s   p50 %6.2f ms   p99 %6.2f ms   cpu %5.1f us/call   (%s done, %s failed, "
      "%s errored)" % (name, rps, pct(0.50), pct(0.99), cpu, m.group(2), m.group(4), m.group(5)))
with open(out + ".rps", "w") as f:
    f.write("%f %f %f\n" % (rps, pct(0.99), cpu))
EOF
}

echo "== attuned $("$ATTUNED_BIN" --version 2>/dev/null | head -1) on $ADDR, $(nproc) cores," \
  "h2load -c $CLIENTS -m $STREAMS ($((CLIENTS * STREAMS)) concurrent streams), ${DURATION}s each"
if [[ "$EVENTS" == 1 ]]; then
  echo "== as deployed: --state-dir (event file, pseudonym key) and metrics on (--memory-only: neither)"
else
  echo "== memory-only: no state dir, --no-metrics (the scoring path alone)"
fi
echo "== load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
check_status
SCORE=/attune.v1.Assist/ScoreDraft HEALTH=/grpc.health.v1.Health/Check
run warmup "$SCORE" "$WORK/score.body" -D 2 >/dev/null
RSS0="$(rss_mb)"
for r in $(seq "$ROUNDS"); do
  echo "-- round $r of $ROUNDS"
  run Health "$HEALTH" "$WORK/health.body" -D "$DURATION"
  run ScoreDraft "$SCORE" "$WORK/score.body" -D "$DURATION"
  run ScoreDraft-A "$SCORE" "$WORK/score_good.body" -D "$DURATION"
  run BRIEF-B "$SCORE" "$WORK/brief_b.body" -D "$DURATION"
  run BRIEF-A "$SCORE" "$WORK/brief_a.body" -D "$DURATION"
  paste -d' ' "$WORK/Health.out.rps" "$WORK/ScoreDraft.out.rps" "$WORK/ScoreDraft-A.out.rps" \
    "$WORK/BRIEF-B.out.rps" "$WORK/BRIEF-A.out.rps" >>"$WORK/rounds"
  if [[ "$DIAGNOSE" == 1 ]]; then
    run B-nosugg "$SCORE" "$WORK/score_nosugg.body" -D "$DURATION"
    run tiny "$SCORE" "$WORK/score_tiny.body" -D "$DURATION"
    awk -v h="$(cut -d' ' -f1 "$WORK/Health.out.rps")" \
        -v n="$(cut -d' ' -f1 "$WORK/B-nosugg.out.rps")" \
        -v t="$(cut -d' ' -f1 "$WORK/tiny.out.rps")" \
        'BEGIN { printf "   diagnose: ratio B-nosugg/Health %.2f, tiny/Health %.2f\n", n / h, t / h }'
  fi
done
echo "-- closing Health run"
run Health "$HEALTH" "$WORK/health.body" -D "$DURATION"
# rounds: one line per round: rps p99 cpu of Health, then of each draft in
# DRAFTS order; the closing Health run: rps p99 cpu
/usr/bin/python3 - "$WORK/rounds" "$WORK/Health.out.rps" <<'EOF'
import statistics, sys
DRAFTS = ["ScoreDraft", "ScoreDraft-A", "BRIEF-B", "BRIEF-A"]
ABOUT = {"ScoreDraft": "Reply-B-like pair, the headline", "ScoreDraft-A": "Reply-A-like pair",
         "BRIEF-B": "the brief's Reply B", "BRIEF-A": "the brief's Reply A"}
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
last = list(map(float, open(sys.argv[2]).read().split()))
after = [r[0] for r in rows[1:]] + [last[0]]
health = [(r[0] + a) / 2 for r, a in zip(rows, after)]  # the Health runs around the round
med = statistics.median
fmt = lambda xs, f: " ".join(f % x for x in xs)
col = lambda r, d, k: r[3 * (1 + DRAFTS.index(d)) + k]  # k: 0 rps, 1 p99, 2 cpu
for d in DRAFTS:
    ratio = [col(r, d, 0) / h for r, h in zip(rows, health)]
    print("ratio %s/Health per round: %s; median %.2f%s  (%s)"
          % (d, fmt(ratio, "%.2f"), med(ratio), " (target >= 0.70)" if d == "ScoreDraft" else "",
             ABOUT[d]))
p99 = [col(r, "ScoreDraft", 1) for r in rows]
print("ScoreDraft p99 per round: %s ms; median %.2f ms (target < 5); the others' medians: %s"
      % (fmt(p99, "%.2f"), med(p99),
         ", ".join("%s %.2f ms" % (d, med([col(r, d, 1) for r in rows])) for d in DRAFTS[1:])))
hp99 = [r[1] for r in rows] + [last[1]]
print("Health/Check p99 per run: %s ms; median %.2f ms (the same 64 streams doing no work)"
      % (fmt(hp99, "%.2f"), med(hp99)))
hcpu = med([r[2] for r in rows] + [last[2]])
print("machine CPU per call (h2load + attuned + kernel), medians: Health %.1f us; %s"
      % (hcpu, "; ".join("%s %.1f us (Health/%s %.2f)"
                         % (d, med([col(r, d, 2) for r in rows]), d,
                            hcpu / med([col(r, d, 2) for r in rows])) for d in DRAFTS)))
EOF
check_status

echo "== RSS over $REQUESTS ScoreDraft requests (target < 64 MB and flat)"
echo "RSS after warm-up: $RSS0 MB"
BATCH=$(( (REQUESTS + 3) / 4 ))
for i in 1 2 3 4; do
  run "batch$i" "$SCORE" "$WORK/score.body" -n "$BATCH" >/dev/null
  echo "RSS after $((BATCH * i)) requests: $(rss_mb) MB"
done
check_status
kill -0 "$PID" && echo "attuned alive; statuses checked with a real client: OK"
