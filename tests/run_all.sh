#!/usr/bin/env bash
# run_all.sh - the README's test command: installs dependencies, then builds
# and tests Attune four ways (warnings-as-errors + full ctest; ASan+UBSan on
# unit+e2e; TSan on e2e; clang libFuzzer targets for a bounded time), plus
# valgrind memcheck on the unit-test binaries (tests/valgrind_unit.sh).
# Stops at the first failing stage. Prints each stage's wall time.
#
# Usage: ./tests/run_all.sh [--no-deps] [--stages LIST]
#   LIST is comma-separated from: test,asan,tsan,fuzz,valgrind (default: all).
#   JOBS=N overrides the build/test parallelism (default: nproc).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STAGES="test,asan,tsan,fuzz,valgrind"
DEPS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-deps) DEPS=0; shift ;;
    --stages) STAGES="$2"; shift 2 ;;
    --stages=*) STAGES="${1#--stages=}"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run_all: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

JOBS="${JOBS:-$(nproc)}"
# gRPC honours proxies; every test talks to loopback only.
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY grpc_proxy || true
# Sanitizer settings: abort on the first report so ctest sees a failure.
SUPP="$ROOT/tests/sanitizers"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp"

T_START=$SECONDS
declare -a SUMMARY=()

stage_begin() {
  STAGE_NAME="$1"
  STAGE_T0=$SECONDS
  printf '\n==== [%s] %s ====\n' "$STAGE_NAME" "$2"
}

stage_end() {
  local dt=$((SECONDS - STAGE_T0))
  SUMMARY+=("$(printf '%-6s passed in %4ds' "$STAGE_NAME" "$dt")")
  printf '==== [%s] passed in %ds ====\n' "$STAGE_NAME" "$dt"
}

on_error() {
  local dt=$((SECONDS - ${STAGE_T0:-$SECONDS}))
  printf '\n!!!! run_all: stage [%s] FAILED after %ds (see the output above) !!!!\n' \
    "${STAGE_NAME:-setup}" "$dt" >&2
  print_summary >&2
  exit 1
}
trap on_error ERR

print_summary() {
  printf '\n---- run_all summary (total %ds) ----\n' "$((SECONDS - T_START))"
  local s
  for s in "${SUMMARY[@]+"${SUMMARY[@]}"}"; do printf '%s\n' "$s"; done
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

if [[ $DEPS -eq 1 ]]; then
  stage_begin deps "install dependencies (deploy/install-deps.sh)"
  "$ROOT/deploy/install-deps.sh"
  stage_end
fi

if want test; then
  stage_begin test "warnings as errors, full ctest (./build-test)"
  configure_build build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
  run_ctest build-test
  stage_end
fi

if want asan; then
  stage_begin asan "ASan+UBSan build, labels unit and e2e (./build-asan)"
  configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DATTUNE_SANITIZE=address
  run_ctest build-asan -L '^(unit|e2e)$'
  stage_end
fi

if want tsan; then
  stage_begin tsan "TSan build, label e2e (./build-tsan)"
  configure_build build-tsan -DCMAKE_BUILD_TYPE=Debug -DATTUNE_SANITIZE=thread
  # TSan needs a fixed memory layout; setarch -R turns ASLR off for this run.
  setarch "$(uname -m)" -R ctest --test-dir build-tsan --output-on-failure -j "$JOBS" -L '^e2e$'
  stage_end
fi

if want valgrind; then
  stage_begin valgrind "valgrind memcheck on the unit-test binaries (./build-test)"
  configure_build build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
  JOBS="$JOBS" "$ROOT/tests/valgrind_unit.sh" build-test
  stage_end
fi

if want fuzz; then
  stage_begin fuzz "clang libFuzzer targets, label fuzz, bounded time (./build-fuzz)"
  CC=clang configure_build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTUNE_FUZZ=ON
  run_ctest build-fuzz -L '^fuzz$' --no-tests=error
  stage_end
fi

trap - ERR
print_summary
echo "run_all: ALL STAGES PASSED"
