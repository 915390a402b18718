#!/usr/bin/env bash
# Runs every test: builds (installing Debian packages when missing), then ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/build.sh"
cd "${YISHI_BUILD_DIR:-$root/build}"
ctest -j2 --output-on-failure
