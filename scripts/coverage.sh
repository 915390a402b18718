#!/usr/bin/env bash
# Measures the line and branch coverage of the library (libworkflow/ and dsl/) by the C++
# tests: builds with gcc --coverage (-O0, so lines map one to one) in build-cov/, runs ctest,
# and reports with lcov. Tests themselves and system headers are not counted. Branches
# that only an exception takes (the unwinding edges gcc adds to most calls) are left out:
# they are not decisions of the code. scripts/coverage_tracefile.py writes the tracefile from
# gcov's JSON for that reason (Debian's lcov 1.16 ignores geninfo_no_exception_branch with
# gcc 12), and prints the branch figure with those edges counted as well.
# Left out of the run, as in scripts/sanitize.sh: the Python module and its pytest suites
# (they exercise the bindings, not the library), the benchmarks (no checks), and
# example.find_package_consumer (it links an installed copy without the coverage runtime).
#   YISHI_COV_BUILD_DIR   build directory (default: build-cov)
#   YISHI_COV_PG_PORT     port of the tests' throw-away PostgreSQL server (default 54359)
# Writes build-cov/coverage.info (lcov), build-cov/coverage-files.txt (per file, lowest line
# coverage first) and build-cov/coverage-html/ (genhtml). Exits 1 if a test failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${YISHI_COV_BUILD_DIR:-$root/build-cov}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g" \
  -DCMAKE_CXX_FLAGS="--coverage" -DCMAKE_EXE_LINKER_FLAGS="--coverage" -DCMAKE_SHARED_LINKER_FLAGS="--coverage" \
  -DYISHI_BUILD_TESTS=ON -DYISHI_BUILD_EXAMPLES=ON -DYISHI_BUILD_BENCHMARKS=OFF -DYISHI_BUILD_PYTHON=OFF \
  -DYISHI_BUILD_FUZZERS=OFF -DYISHI_SANITIZE=OFF -DYISHI_PG_PORT="${YISHI_COV_PG_PORT:-54359}" >/dev/null
cmake --build "$build" -j2
find "$build" -name '*.gcda' -delete  # count this run only
status=0
(cd "$build" && ctest -j2 --output-on-failure -E '^example\.find_package_consumer$') || status=$?

rc=(--rc lcov_branch_coverage=1)
branches=$(/usr/bin/python3 "$root/scripts/coverage_tracefile.py" "$build" "$build/coverage.info" \
  "$root/libworkflow" "$root/dsl")
genhtml -q "${rc[@]}" --output-directory "$build/coverage-html" "$build/coverage.info" >/dev/null
/usr/bin/python3 - "$build/coverage.info" "$root" >"$build/coverage-files.txt" <<'EOF'
# Per-file line and branch coverage from an lcov tracefile, lowest line coverage first.
import sys
files, cur = [], None
for line in open(sys.argv[1]):
    key, _, value = line.strip().partition(":")
    if key == "SF":
        cur = {"file": value.replace(sys.argv[2] + "/", ""), "LF": 0, "LH": 0, "BRF": 0, "BRH": 0}
    elif key in ("LF", "LH", "BRF", "BRH"):
        cur[key] = int(value)
    elif key == "end_of_record":
        files.append(cur)
pct = lambda hit, found: 100.0 * hit / found if found else 100.0
print(f"{'lines':>7} {'branches':>9}  {'missed lines':>12}  file")
for f in sorted(files, key=lambda f: (pct(f["LH"], f["LF"]), -f["LF"])):
    print(f"{pct(f['LH'], f['LF']):6.1f}% {pct(f['BRH'], f['BRF']):8.1f}%  {f['LF'] - f['LH']:12d}  {f['file']}")
EOF
echo "== lowest line coverage (all files: $build/coverage-files.txt, html: $build/coverage-html/index.html)"
head -16 "$build/coverage-files.txt"
echo "== libworkflow/ and dsl/"
lcov "${rc[@]}" --summary "$build/coverage.info" 2>&1 | grep -E "lines|branches|functions"
echo "  $branches"
[ "$status" -eq 0 ] || echo "coverage: some tests failed (ctest exit $status); the figures count what ran"
exit $((status != 0))
