#!/usr/bin/env bash
# run_all.sh - the README's test command: installs dependencies, then builds
# and tests Attune four ways (warnings-as-errors + full ctest; ASan+UBSan on
# unit+e2e; TSan on e2e; clang libFuzzer targets for a bounded time), plus
# valgrind memcheck on the unit-test binaries (tests/valgrind_unit.sh).
# Stops at the first failing stage (unless --keep-going) and prints each
# stage's wall time.
#
# Usage: ./tests/run_all.sh [--no-deps] [--keep-going] [--stages LIST]
#   LIST is comma-separated from: test,asan,tsan,fuzz,valgrind (default: all).
#   JOBS=N overrides the build/test parallelism (default: nproc).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

STAGES="test,asan,tsan,fuzz,valgrind"
DEPS=1
KEEP_GOING=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-deps) DEPS=0; shift ;;
    --keep-going) KEEP_GOING=1; shift ;;
    --stages) STAGES="$2"; shift 2 ;;
    --stages=*) STAGES="${1#--stages=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run_all: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

JOBS="${JOBS:-$(nproc)}"
# gRPC honours proxies; every test talks to loopback only.
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY grpc_proxy
# Sanitizer settings: stop at the first report so ctest sees a failure.
SUPP="$ROOT/tests/sanitizers"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp"

T_START=$SECONDS
FAILED=0
SUMMARY=()

print_summary() {
  printf '\n---- run_all summary (total %ds) ----\n' "$((SECONDS - T_START))"
  local s
  for s in "${SUMMARY[@]+"${SUMMARY[@]}"}"; do printf '%s\n' "$s"; done
}

# run_stage NAME DESCRIPTION FUNCTION: runs FUNCTION in a subshell with
# `set -e`, times it, records the result; stops everything on failure unless
# --keep-going.
run_stage() {
  local name="$1" desc="$2" fn="$3" t0=$SECONDS rc dt
  printf '\n==== [%s] %s ====\n' "$name" "$desc"
  ( set -Eeuo pipefail; "$fn" )
  rc=$?
  dt=$((SECONDS - t0))
  if [[ $rc -eq 0 ]]; then
    SUMMARY+=("$(printf '%-6s passed in %4ds' "$name" "$dt")")
    printf '==== [%s] passed in %ds ====\n' "$name" "$dt"
    return 0
  fi
  FAILED=1
  SUMMARY+=("$(printf '%-6s FAILED after %4ds' "$name" "$dt")")
  printf '\n!!!! run_all: stage [%s] FAILED after %ds (see the output above) !!!!\n' \
    "$name" "$dt" >&2
  if [[ $KEEP_GOING -eq 0 ]]; then
    print_summary >&2
    exit 1
  fi
}

want() { [[ ",$STAGES," == *",$1,"* ]]; }

# configure_build DIR [cmake args...]: configure and build everything in DIR.
configure_build() {
  local dir="$1"; shift
  cmake -S "$ROOT" -B "$dir" -DATTUNE_WERROR=ON "$@"
  cmake --build "$dir" -j "$JOBS"
}

# run_ctest DIR [ctest args...]
run_ctest() {
  local dir="$1"; shift
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" "$@"
}

stage_deps() {
  "$ROOT/deploy/install-deps.sh"
}

stage_test() {
  configure_build build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
  run_ctest build-test
}

stage_asan() {
  configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DATTUNE_SANITIZE=address
  run_ctest build-asan -L '^(unit|e2e)$'
}

stage_tsan() {
  configure_build build-tsan -DCMAKE_BUILD_TYPE=Debug -DATTUNE_SANITIZE=thread
  # TSan needs a fixed memory layout; setarch -R turns ASLR off for this run.
  setarch "$(uname -m)" -R ctest --test-dir build-tsan --output-on-failure -j "$JOBS" -L '^e2e$'
}

stage_valgrind() {
  # Reuses ./build-test (incremental when the test stage ran first).
  configure_build build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
  JOBS="$JOBS" "$ROOT/tests/valgrind_unit.sh" build-test
}

stage_fuzz() {
  CC=clang cmake -S "$ROOT" -B build-fuzz -DATTUNE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DATTUNE_FUZZ=ON
  # Build only what the fuzz tests run (tests/fuzz/CMakeLists.txt lists them).
  cmake --build build-fuzz -j "$JOBS" --target attune_fuzzers
  run_ctest build-fuzz -L '^fuzz$' --no-tests=error
}

[[ $DEPS -eq 1 ]] && run_stage deps "install dependencies (deploy/install-deps.sh)" stage_deps
want test && run_stage test "warnings as errors, full ctest (./build-test)" stage_test
want asan && run_stage asan "ASan+UBSan build, labels unit and e2e (./build-asan)" stage_asan
want tsan && run_stage tsan "TSan build, label e2e (./build-tsan)" stage_tsan
want valgrind && run_stage valgrind "valgrind memcheck, unit-test binaries (./build-test)" \
  stage_valgrind
want fuzz && run_stage fuzz "clang libFuzzer targets, label fuzz, bounded time (./build-fuzz)" \
  stage_fuzz

print_summary
if [[ $FAILED -ne 0 ]]; then
  echo "run_all: SOME STAGES FAILED" >&2
  exit 1
fi
echo "run_all: ALL STAGES PASSED"
