#!/usr/bin/env bash
# The main job: build, then load, check and compile every bundle in bundles/, print the
# 四减 table of the national bundles (what bundling saves against applying item by item),
# run one restaurant case through the engine from a case script, and simulate a district's
# restaurant applicants for 20 working days, bundled and applying item by item.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/build.sh"
yishi="${YISHI_BUILD_DIR:-$root/build}/tools/yishi/yishi"
cd "$root"
echo "== yishi check bundles/"
"$yishi" check bundles
echo "== yishi compile bundles/"
"$yishi" compile bundles
echo "== yishi report --table bundles/national/"
"$yishi" report --table bundles/national
echo "== yishi run bundles/national/open_restaurant.yaml (a case script: 容缺受理, supply, issuance)"
"$yishi" run --script examples/scripts/restaurant_case.scenario
echo "== yishi simulate bundles/simulation/restaurant.yaml (20 working days, bundled, then item by item)"
"$yishi" simulate bundles/simulation/restaurant.yaml --days 20
"$yishi" simulate bundles/simulation/restaurant.yaml --days 20 --mode separate
