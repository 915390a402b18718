#!/usr/bin/env bash
# Configures and builds yishi into build/ (installing Debian packages first when missing).
#   YISHI_BUILD_DIR   build directory (default: build)
#   YISHI_WERROR=ON   treat warnings as errors (CI sets it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
build="${YISHI_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DYISHI_WERROR="${YISHI_WERROR:-OFF}" >/dev/null
cmake --build "$build" -j2
