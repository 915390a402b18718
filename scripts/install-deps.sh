#!/usr/bin/env bash
# Installs every Debian package yishi needs to build, test and run its main job.
# Idempotent; run as root (or with sudo) on Debian 12.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git python3
  libboost-dev libfmt-dev libyaml-cpp-dev libsqlite3-dev sqlite3 libpq-dev postgresql
  doctest-dev libbenchmark-dev
  clang-14 libfuzzer-14-dev
  python3-jsonschema lcov
  pybind11-dev python3-dev python3-pytest python3-numpy python3-distributed python3-matplotlib
  graphviz fonts-noto-cjk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm for the peer benchmarks (benchmarks/peers): Debian's nodejs (18) and npm,
# unless a node and an npm are already on the PATH. Another distribution's nodejs package
# ships its own npm and conflicts with Debian's, so its presence is checked by command.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present, and node and npm"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
