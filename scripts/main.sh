#!/usr/bin/env bash
# The main job: build, then load, check and compile every bundle in bundles/ and print
# each one's 四减 report (what bundling saves against applying item by item).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/build.sh"
yishi="${YISHI_BUILD_DIR:-$root/build}/tools/yishi/yishi"
cd "$root"
echo "== yishi check bundles/"
"$yishi" check bundles
echo "== yishi compile bundles/"
"$yishi" compile bundles
echo "== yishi report bundles/national/"
"$yishi" report bundles/national
