#!/usr/bin/env bash
# install-deps.sh - installs every Debian 12 package Attune needs to build,
# run and test, idempotently: packages already present are left alone and
# apt-get runs (with one `apt-get update`) only when something is missing.
# Usage: sudo ./deploy/install-deps.sh [--print]   (re-execs with sudo if not root)
set -euo pipefail

# The project's complete dependency list: add new packages HERE (one array).
PACKAGES=(
  # toolchain and build
  build-essential cmake pkg-config git ca-certificates
  # fuzzing and sanitizer builds (libFuzzer runtime for clang 14)
  clang llvm libclang-rt-14-dev
  # gRPC C core, protobuf-c and the canonical health/reflection protos
  libgrpc-dev libprotobuf-c-dev protobuf-c-compiler grpc-proto
  # the server's allocator (gperftools tcmalloc_minimal, see README "Libraries")
  libgoogle-perftools-dev
  # TLS, HTTP client, /metrics server, JSON in the CLI and eval
  libssl-dev openssl libcurl4-openssl-dev libmicrohttpd-dev libcjson-dev
  # test peers and tools: Python gRPC client, h2load, Prometheus/promtool, valgrind
  python3 python3-grpcio python3-grpc-tools nghttp2-client prometheus valgrind curl procps
  # raw HTTP/2 frames for the hostile-input tests (tests/hostile)
  python3-h2
  # the independent pure-JS gRPC peer (@grpc/grpc-js via tests/interop/node)
  nodejs npm
)

if [[ "${1:-}" == "--print" ]]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  # NodeSource's nodejs bundles npm and Conflicts: npm; a working npm is enough.
  if [[ "$p" == npm ]] && command -v npm >/dev/null 2>&1; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

if [[ $EUID -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    echo "install-deps: missing ${missing[*]}; re-running with sudo"
    exec sudo -- "$0" "$@"
  fi
  echo "install-deps: missing ${missing[*]}; run as root (no sudo found)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
