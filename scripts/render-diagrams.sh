#!/usr/bin/env bash
# Renders the diagram of every bundle under bundles/ into docs/bundles/<bundle id>.svg
# (Graphviz) and docs/bundles/<bundle id>.mmd (Mermaid). Run from anywhere; needs a build.
#   scripts/render-diagrams.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
yishi="$build/tools/yishi/yishi"
cd "$root"
for dir in bundles/national bundles/local; do
  [ -d "$dir" ] || continue
  "$yishi" graph --svg --out docs/bundles "$dir"
  "$yishi" graph --mermaid --out docs/bundles "$dir"
done
