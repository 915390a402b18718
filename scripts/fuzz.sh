#!/usr/bin/env bash
# Builds the libFuzzer targets with clang 14, AddressSanitizer and UndefinedBehaviorSanitizer
# (in build-fuzz/) and runs them, starting from their seed corpora in tests/fuzz/corpus/.
#   scripts/fuzz.sh                  every target for a fixed number of inputs (CI)
#   scripts/fuzz.sh TARGET MINUTES   one target for that long, keeping what it learns in
#                                    build-fuzz/corpus/TARGET/ for the next long run
# Targets: expression dsl yaml engine sqlite_store (docs/testing.md says what each checks).
# Any crash, leak, failed check or sanitizer report fails the script. The input is minimised
# (-minimize_crash=1) into build-fuzz/artifacts/TARGET-minimized; once the bug is fixed, copy
# it to tests/regress/TARGET-<what-it-was>, where ctest replays it forever (fuzz.regress.*).
#   YISHI_FUZZ_RUNS   inputs per target without arguments (default 20000)
#   YISHI_FUZZ_SEED   the mutation seed without arguments (default 1), so that the bounded run
#                     of a commit tries the same inputs on every machine and CI's verdict on it
#                     is reproducible; long runs take a new seed each time (printed in the log)
#   YISHI_FUZZ_NICE   niceness of the fuzzing processes (default 0; 19 beside other work)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${YISHI_FUZZ_BUILD_DIR:-$root/build-fuzz}"
runs="${YISHI_FUZZ_RUNS:-20000}"
targets=(expression dsl yaml engine sqlite_store)
if [ $# -ne 0 ] && [ $# -ne 2 ]; then
  echo "usage: $0 [TARGET MINUTES]   (targets: ${targets[*]})" >&2
  exit 2
fi
if [ $# -eq 2 ]; then
  [[ " ${targets[*]} " == *" $1 "* ]] || { echo "unknown target $1 (targets: ${targets[*]})" >&2; exit 2; }
  [[ "$2" =~ ^[0-9]+$ ]] || { echo "MINUTES must be a whole number" >&2; exit 2; }
  targets=("$1")
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DYISHI_BUILD_FUZZERS=ON -DYISHI_SANITIZE=ON -DYISHI_BUILD_PYTHON=OFF \
  -DYISHI_BUILD_TESTS=OFF -DYISHI_BUILD_EXAMPLES=OFF -DYISHI_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Instrumented stack frames are many times larger than plain ones, and the expression checker
# recurses once per operator, up to the 2,000 nodes an expression may have: give the
# instrumented code the room the plain code has (as scripts/sanitize.sh does).
ulimit -s 65536

# The longest input each target mutates: whole small bundles for the YAML loader, a few hundred
# operations for the engine, 64 overwrites for the store.
max_len() {
  case "$1" in
    yaml) echo 10240 ;;
    engine) echo 2048 ;;
    sqlite_store) echo 256 ;;
    *) echo 4096 ;;
  esac
}

for target in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz_$target"
  log="$build/fuzz_$target.log"
  if [ $# -eq 2 ]; then
    work="$build/corpus/$target"  # kept between long runs
    mkdir -p "$work"
    budget=(-max_total_time=$(($2 * 60)))
    echo "== fuzz_$target: $2 minutes from tests/fuzz/corpus/$target and $work"
  else
    work=$(mktemp -d)  # new inputs go here; the seed corpus in the repository stays as it is
    budget=(-runs="$runs" -seed="${YISHI_FUZZ_SEED:-1}")
    echo "== fuzz_$target: $runs inputs from tests/fuzz/corpus/$target"
  fi
  nice -n "${YISHI_FUZZ_NICE:-0}" "$exe" "${budget[@]}" -max_len="$(max_len "$target")" -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1 \
    "$work" "$root/tests/fuzz/corpus/$target" >"$log" 2>&1 && status=0 || status=$?
  grep -E "^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" \
    "$log" || true
  [ $# -eq 2 ] || rm -rf "$work"
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "fuzz_$target failed (exit $status); the log is $log"
    crash=$(ls -t "$build/artifacts/$target-"{crash,leak,timeout,oom}-* 2>/dev/null | head -1 || true)
    if [ -n "$crash" ]; then
      "$exe" -minimize_crash=1 -runs=20000 -exact_artifact_path="$build/artifacts/$target-minimized" "$crash" \
        >"$build/fuzz_$target.minimize.log" 2>&1 || true
      echo "the input is $crash; minimised: $build/artifacts/$target-minimized"
      echo "once fixed, keep it: cp $build/artifacts/$target-minimized tests/regress/$target-<what-it-was>"
    fi
    exit 1
  fi
done
echo "fuzz: no crash, leak or sanitizer report"
