#!/usr/bin/env bash
# Builds the libFuzzer targets with clang 14, AddressSanitizer and UndefinedBehaviorSanitizer
# (in build-fuzz/), then runs each for a fixed number of inputs, starting from its seed corpus
# in tests/fuzz/corpus/. Any crash, leak or sanitizer report fails the script; the input that
# caused it is left in build-fuzz/artifacts/ (keep it in tests/regress/ once fixed).
#   YISHI_FUZZ_RUNS   inputs per target (default 20000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${YISHI_FUZZ_BUILD_DIR:-$root/build-fuzz}"
runs="${YISHI_FUZZ_RUNS:-20000}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DYISHI_BUILD_FUZZERS=ON -DYISHI_SANITIZE=ON \
  -DYISHI_BUILD_TESTS=OFF -DYISHI_BUILD_EXAMPLES=OFF -DYISHI_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j2 --target fuzz_expression fuzz_dsl
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in expression dsl; do
  work=$(mktemp -d)  # new inputs go here; the seed corpus in the repository stays as it is
  echo "== fuzz_$target: $runs inputs from tests/fuzz/corpus/$target"
  "$build/tests/fuzz/fuzz_$target" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1 "$work" "$root/tests/fuzz/corpus/$target" \
    >"$build/fuzz_$target.log" 2>&1 && status=0 || status=$?
  grep -E "^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs|==[0-9]+==ERROR|SUMMARY)" "$build/fuzz_$target.log" || true
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then
    tail -40 "$build/fuzz_$target.log"
    echo "fuzz_$target failed (exit $status); the log is $build/fuzz_$target.log"
    exit 1
  fi
done
echo "fuzz: no crash, leak or sanitizer report"
