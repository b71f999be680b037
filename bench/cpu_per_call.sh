#!/usr/bin/env bash
# cpu_per_call.sh - attuned's own CPU per call (utime+stime from /proc, in
# microseconds), interleaved across binaries: on a shared or virtual machine
# whose speed swings 2x over minutes, only side-by-side rounds compare. Not a
# test. Starts every binary once (--no-metrics), then in each round drives each
# with the same h2load run (-c 4 -m 16) and reads its CPU before and after.
# Prints per binary the median CPU/call and req/s, and the per-round (paired)
# difference against the first binary. See bench/README.md.
#
# Usage: bench/cpu_per_call.sh [--rounds 8] [--calls 20000] [--method score|score_good|score_nosugg|score_tiny|health]
#                              BIN[@WORKERS] BIN[@WORKERS]...
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS=8 CALLS=20000 METHOD=score
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --calls) CALLS="$2"; shift 2 ;;
    --method) METHOD="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "cpu_per_call.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { echo "cpu_per_call.sh: give at least one attuned binary" >&2; exit 2; }
case "$METHOD" in
  score|score_good|score_nosugg|score_tiny) RPC=/attune.v1.Assist/ScoreDraft ;;
  health) RPC=/grpc.health.v1.Health/Check ;;
  *) echo "cpu_per_call.sh: --method score, score_good, score_nosugg, score_tiny or health" >&2; exit 2 ;;
esac
command -v h2load >/dev/null || { echo "cpu_per_call.sh: h2load not found" >&2; exit 1; }
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY grpc_proxy || true

WORK="$(mktemp -d "${TMPDIR:-/tmp}/attune-cpu-XXXXXX")"
PIDS=() ADDRS=() NAMES=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

/usr/bin/python3 "$ROOT/bench/load_bodies.py" "$WORK"
HDRS=(-H 'content-type: application/grpc' -H 'te: trailers')
drive() {  # drive ADDR N: prints req/s; fails unless every request succeeded
  local out
  out="$(h2load -c 4 -m 16 -t 1 "${HDRS[@]}" -d "$WORK/$METHOD.body" -n "$2" "http://$1$RPC")"
  grep -q " $2 succeeded, 0 failed, 0 errored" <<<"$out" || { echo "$out" >&2; return 1; }
  grep -oP 'finished in [\d.]+\w+, \K[\d.]+' <<<"$out"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

for spec in "$@"; do
  bin="${spec%@*}" workers=0
  [[ "$spec" == *@* ]] && workers="${spec##*@}"
  i=${#PIDS[@]}
  "$bin" --listen 127.0.0.1:0 --ready-file "$WORK/ready.$i" --no-metrics --workers "$workers" \
    --log-level warn 2>"$WORK/attuned.$i.log" &
  PIDS+=($!)
  for _ in $(seq 200); do  # bounded wait for the ready file
    [[ -s "$WORK/ready.$i" ]] && break
    kill -0 "${PIDS[$i]}" 2>/dev/null || { cat "$WORK/attuned.$i.log" >&2; exit 1; }
    sleep 0.05
  done
  ADDRS+=("$(awk '$1 == "grpc" { print $2; exit }' "$WORK/ready.$i")")
  [[ -n "${ADDRS[$i]}" ]] || { echo "cpu_per_call.sh: $spec not ready" >&2; exit 1; }
  NAMES+=("$spec")
  drive "${ADDRS[$i]}" 5000 >/dev/null  # warm-up
done

HZ="$(getconf CLK_TCK)"
for r in $(seq "$ROUNDS"); do
  for i in "${!PIDS[@]}"; do
    c0="$(cpu_ticks "${PIDS[$i]}")"
    rps="$(drive "${ADDRS[$i]}" "$CALLS")"
    c1="$(cpu_ticks "${PIDS[$i]}")"
    echo "$r $i $(( (c1 - c0) * 1000000 / HZ / CALLS )) $rps"
  done
done >"$WORK/rounds"

echo "== $METHOD, $ROUNDS rounds x $CALLS calls, h2load -c 4 -m 16; load average $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$WORK/rounds" "${NAMES[@]}" <<'EOF_PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
names = sys.argv[2:]
cpu = {i: [int(r[2]) for r in rows if int(r[1]) == i] for i in range(len(names))}
rps = {i: [float(r[3]) for r in rows if int(r[1]) == i] for i in range(len(names))}
for i, n in enumerate(names):
    line = "%-40s cpu/call median %5.1f us (min %5.1f, max %5.1f)   req/s median %7.0f" % (
        n[-40:], st.median(cpu[i]), min(cpu[i]), max(cpu[i]), st.median(rps[i]))
    if i:
        d = [a - b for a, b in zip(cpu[i], cpu[0])]
        line += "   paired vs first: median %+5.1f us" % st.median(d)
    print(line)
EOF_PY
