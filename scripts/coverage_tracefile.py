#!/usr/bin/env python3
"""Writes an lcov tracefile from gcov's JSON output, without the branches only an exception takes.

Usage: coverage_tracefile.py BUILD_DIR OUTPUT.info PREFIX...

Runs `gcov --json-format` on every .gcda under BUILD_DIR and keeps the source files whose path
starts with one of the PREFIXes. gcc marks each branch that only an exception takes (the
unwinding edge it adds to a call that may throw) with `"throw": true`; those are left out, so
a branch counts when the code decides something. lcov 1.16 from Debian would be asked with
`geninfo_no_exception_branch`, but its geninfo defines its JSON reader twice and the definition
in force drops the flag, so that option changes nothing there.

Records merge as lcov merges them: a line's count is the sum over the translation units that
compile it, and the k-th branch of a line is summed with the k-th branch of that line
elsewhere. Prints the branch figures both ways: decisions only (the tracefile's), and with the
unwinding edges counted too.
"""
import gzip
import json
import os
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor


def gcov_json(gcda):
    """The JSON documents gcov writes for one .gcda (one per data file)."""
    out = subprocess.run(["gcov", "--json-format", "--stdout", "--branch-probabilities", gcda], cwd=os.path.dirname(gcda),
                         capture_output=True, check=True).stdout
    if out[:2] == b"\x1f\x8b":
        out = gzip.decompress(out)
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main():
    build, output = os.path.abspath(sys.argv[1]), sys.argv[2]
    prefixes = tuple(os.path.abspath(p) + os.sep for p in sys.argv[3:])
    gcdas = [os.path.join(d, f) for d, _, files in os.walk(build) for f in files if f.endswith(".gcda")]
    lines = defaultdict(lambda: defaultdict(int))  # file -> line -> count
    branches = defaultdict(dict)  # file -> (line, k) -> [count, executed, throw]
    functions = defaultdict(dict)  # file -> name -> [start line, count]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for docs in pool.map(gcov_json, gcdas):
            for doc in docs:
                cwd = doc.get("current_working_directory", "")
                for f in doc["files"]:
                    path = os.path.normpath(os.path.join(cwd, f["file"]))
                    if not path.startswith(prefixes):
                        continue
                    for fn in f.get("functions", []):
                        entry = functions[path].setdefault(fn["name"], [fn["start_line"], 0])
                        entry[1] += fn["execution_count"]
                    for ln in f["lines"]:
                        n = ln["line_number"]
                        lines[path][n] += ln["count"]
                        for k, b in enumerate(ln.get("branches", [])):
                            entry = branches[path].setdefault((n, k), [0, False, bool(b.get("throw"))])
                            entry[0] += b["count"]
                            entry[1] = entry[1] or ln["count"] > 0
    with open(output, "w") as out:
        for path in sorted(lines):
            out.write("TN:\nSF:%s\n" % path)
            fns = functions[path]
            for name, (start, _) in sorted(fns.items(), key=lambda x: (x[1][0], x[0])):
                out.write("FN:%d,%s\n" % (start, name))
            for name, (_, count) in sorted(fns.items(), key=lambda x: (x[1][0], x[0])):
                out.write("FNDA:%d,%s\n" % (count, name))
            out.write("FNF:%d\nFNH:%d\n" % (len(fns), sum(1 for _, c in fns.values() if c > 0)))
            brs = {key: b for key, b in branches[path].items() if not b[2]}
            for (n, k), (count, executed, _) in sorted(brs.items()):
                out.write("BRDA:%d,0,%d,%s\n" % (n, k, count if executed else "-"))
            out.write("BRF:%d\nBRH:%d\n" % (len(brs), sum(1 for c, e, _ in brs.values() if c > 0 and e)))
            for n, count in sorted(lines[path].items()):
                out.write("DA:%d,%d\n" % (n, count))
            out.write("LF:%d\nLH:%d\nend_of_record\n" % (len(lines[path]), sum(1 for c in lines[path].values() if c > 0)))
    every = [b for file in branches.values() for b in file.values()]
    decisions = [b for b in every if not b[2]]
    taken = lambda bs: sum(1 for b in bs if b[0] > 0 and b[1])
    print("branches: %d of %d decisions taken (%.1f%%); with the unwinding edges, %d of %d (%.1f%%)" %
          (taken(decisions), len(decisions), 100.0 * taken(decisions) / max(1, len(decisions)),
           taken(every), len(every), 100.0 * taken(every) / max(1, len(every))))


if __name__ == "__main__":
    main()
