#!/usr/bin/env bash
# Installs every Debian package yishi needs to build, test and run its main job.
# Idempotent; run as root (or with sudo) on Debian 12.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git python3
  libboost-dev libfmt-dev libyaml-cpp-dev libsqlite3-dev sqlite3 libpq-dev postgresql
  doctest-dev libbenchmark-dev
  clang-14 libfuzzer-14-dev
  python3-jsonschema
  pybind11-dev python3-dev python3-pytest python3-numpy python3-distributed python3-matplotlib
  graphviz fonts-noto-cjk
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
