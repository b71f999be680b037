#!/usr/bin/env bash
# run.sh - the README's run command: installs dependencies, builds Attune
# (Release, ./build), starts attuned in the background on 127.0.0.1:50051,
# waits until health says SERVING and scores the BRIEF's two example replies
# with the `attune` CLI. Rerunnable: stops the instance it started before.
#
# Usage: ./deploy/run.sh [--no-deps] [--stop]
#   --stop   only stop the attuned this script started, then exit.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build"
STATE="$BUILD/state"
PIDFILE="$STATE/attuned.pid"
LOG="$BUILD/attuned.log"
TARGET="127.0.0.1:50051"
DEPS=1
STOP_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --no-deps) DEPS=0 ;;
    --stop) STOP_ONLY=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
export no_proxy='*' NO_PROXY='*'

say() { printf '\n== %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

# Stops the attuned recorded in the pid file, if it is still ours.
stop_previous() {
  [[ -f "$PIDFILE" ]] || return 0
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
     [[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" == */attuned* ]]; then
    echo "stopping attuned (pid $pid) started by an earlier run"
    kill -TERM "$pid"
    for _ in $(seq 1 150); do   # up to 15 s: the drain grace is 10 s
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "attuned $pid did not stop after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" || true
    fi
  fi
  rm -f "$PIDFILE"
}

if [[ $STOP_ONLY -eq 1 ]]; then
  stop_previous
  exit 0
fi

if [[ $DEPS -eq 1 ]]; then
  say "installing dependencies"
  "$ROOT/deploy/install-deps.sh"
fi

say "building (Release) into $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DATTUNE_LTO=ON -DATTUNE_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target attuned attune

ATTUNED="$BUILD/service/attuned"
ATTUNE="$BUILD/client/attune"
[[ -x "$ATTUNED" ]] || die "built, but $ATTUNED is missing"
[[ -x "$ATTUNE" ]] || die "built, but $ATTUNE is missing"

stop_previous
mkdir -p "$STATE"
chmod 700 "$STATE"
rm -f "$STATE/ready"

say "starting attuned on $TARGET (log: $LOG)"
nohup "$ATTUNED" --listen "$TARGET" --state-dir "$STATE" --ready-file "$STATE/ready" \
  >>"$LOG" 2>&1 </dev/null &
echo $! >"$PIDFILE"
PID="$(cat "$PIDFILE")"

# Bounded wait for the ready file, then for health SERVING.
ready=0
for _ in $(seq 1 300); do   # up to 30 s
  if ! kill -0 "$PID" 2>/dev/null; then
    tail -n 20 "$LOG" >&2 || true
    rm -f "$PIDFILE"
    die "attuned exited during start-up (is $TARGET already in use?); log above"
  fi
  if [[ -s "$STATE/ready" ]] && "$ATTUNE" health --target "$TARGET" 2>/dev/null | grep -q '\bSERVING\b'; then
    ready=1
    break
  fi
  sleep 0.1
done
[[ $ready -eq 1 ]] || { tail -n 20 "$LOG" >&2; die "attuned did not report SERVING within 30 s"; }
echo "attuned is up (pid $PID):"
sed 's/^/  /' "$STATE/ready"
"$ATTUNE" health --target "$TARGET"

SEEKER="After pausing my career for several years to start a family, it's time to go back to work, but I feel rusty, unmotivated and anxious about re-entering the job market."
REPLY_A="I'm sorry to hear that you're struggling with finding the motivation to get back to work. I can understand how anxiety and insecurity can make it hard to take that step. You have a lot of courage to share your situation and seek help. I hope you know that you have valuable skills and experience that can benefit any employer. You deserve to feel financially secure and fulfilled in your career."
REPLY_B="I've struggled with the same problem. The best way to tackle it is to just jump right in and give it your best."

say "reply A"
"$ATTUNE" score --target "$TARGET" --seeker "$SEEKER" --draft "$REPLY_A"
say "reply B"
"$ATTUNE" score --target "$TARGET" --seeker "$SEEKER" --draft "$REPLY_B"

cat <<EOF

attuned keeps running in the background (pid $PID, listening on $TARGET).
  log:      $LOG
  state:    $STATE
  metrics:  curl -s http://127.0.0.1:9464/metrics
  try:      $ATTUNE score --seeker "I can't sleep since the layoff" --draft "Have you tried melatonin?"
  stop:     ./deploy/run.sh --stop      (or: kill \$(cat $PIDFILE))
EOF
