#!/usr/bin/env bash
# Builds the release benchmarks, runs each several times, and writes benchmarks/RESULTS.md
# with the machine, commit, date and min / median / max per figure.
# Peers (engines users would pick instead, from the npm registry) run the same workloads in
# the same run; RESULTS.md sets each next to yishi's figure. See benchmarks/README.md.
#   benchmarks/run.sh             full run (5 repetitions)
#   benchmarks/run.sh --smoke     one short iteration each (what CI runs, so they cannot rot)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
smoke=0
[ "${1:-}" = "--smoke" ] && smoke=1
benches=(bench_pipeline bench_engine bench_engine_memory bench_language bench_forms bench_store)
build_only=(bench_simulate)  # a plain harness, run below

# Peers (benchmarks/peers): installed from the npm registry as package-lock.json pins them,
# into benchmarks/peers/node_modules (ignored by git).
peers="$root/benchmarks/peers"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "run.sh: \`$tool\` not found: the peer benchmarks need Node.js 18 or later and npm" \
      "(scripts/install-deps.sh installs them)" >&2
    exit 1
  fi
done
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
  echo "run.sh: the peer benchmarks need Node.js 18 or later, not $(node --version)" >&2
  exit 1
fi
(cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)

# Runs every peer harness, one JSON line per figure and repetition on stdout: `run_peers
# smoke` (one short iteration each) or `run_peers full` (5 repetitions, 3 for memory). The
# decision harnesses read the workload of bench_language (rules, condition, applicants and
# yishi's answers) and check their own answers against yishi's before timing.
run_peers() {
  local opts=(--smoke) memory_opts=(--smoke) workload="$build/peers-workload.json"
  if [ "$1" = full ]; then opts=(--repetitions=5); memory_opts=(--repetitions=3); fi
  "$build/benchmarks/bench_language" --applicants >"$workload"
  node "$peers/bpmn_engine_bench.mjs" --figure=cases "${opts[@]}"
  node --expose-gc --max-old-space-size=4096 "$peers/bpmn_engine_bench.mjs" --figure=memory "${memory_opts[@]}"
  node "$peers/zen_bench.mjs" --workload="$workload" "${opts[@]}"
  node "$peers/json_rules_engine_bench.mjs" --workload="$workload" "${opts[@]}"
}

# A throw-away PostgreSQL server for the PostgreSQL figures (its own port and folder).
pg_dir=/tmp/yishi-pg-bench
YISHI_PG_URL=$(bash "$root/scripts/pg-cluster.sh" start "$pg_dir" 54339)
export YISHI_PG_URL
trap 'bash "$root/scripts/pg-cluster.sh" stop "$pg_dir"' EXIT

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DYISHI_BUILD_TESTS=OFF \
  -DYISHI_BUILD_EXAMPLES=OFF -DYISHI_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j2 --target "${benches[@]}" "${build_only[@]}"

if [ $smoke -eq 1 ]; then
  "$build/benchmarks/bench_pipeline" --benchmark_min_time=0.01
  "$build/benchmarks/bench_engine" --benchmark_min_time=0.01
  "$build/benchmarks/bench_engine_memory"
  "$build/benchmarks/bench_language" --benchmark_min_time=0.01
  "$build/benchmarks/bench_forms" --benchmark_min_time=0.01
  "$build/benchmarks/bench_store" --benchmark_min_time=0.01
  "$build/benchmarks/bench_simulate" restaurant 2000
  "$build/benchmarks/bench_simulate" city-year 0.0005
  run_peers smoke
  exit 0
fi

for b in "${benches[@]}"; do
  reps=5
  extra=()
  [ "$b" = bench_engine_memory ] && reps=3
  # the store figures are compared with each other: interleave their repetitions so that a
  # slow spell of the disk falls on raw SQLite and yishi alike
  [ "$b" = bench_store ] && extra=(--benchmark_enable_random_interleaving=true)
  "$build/benchmarks/$b" --benchmark_repetitions=$reps "${extra[@]}" --benchmark_format=json \
    --benchmark_out="$build/$b.json" --benchmark_out_format=json >/dev/null
done

# Peers, in the same run as the figures they are set against.
run_peers full >"$build/peers.jsonl"

# Simulation: restaurant cases/s on one thread (5 runs), and one city-year.
: >"$build/bench_simulate.jsonl"
for _ in 1 2 3 4 5; do "$build/benchmarks/bench_simulate" restaurant 250000 >>"$build/bench_simulate.jsonl"; done
"$build/benchmarks/bench_simulate" city-year 1.0 >>"$build/bench_simulate.jsonl"

/usr/bin/python3 - "$build" "$root/benchmarks/RESULTS.md" "$(git -C "$root" rev-parse --short HEAD)" <<'PY'
import json, statistics, sys, platform, subprocess, datetime
build, out_path, commit = sys.argv[1:4]

def load(name):
    data = json.load(open(f"{build}/{name}.json"))
    runs = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        runs.setdefault(b["run_name"], []).append(b)
    return data, runs

def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()

def stats(values):
    return min(values), statistics.median(values), max(values)

def row(label, values, fmt, target=None):
    lo, med, hi = stats(values)
    met = "" if target is None else ("yes" if target[1](med) else "NO")
    return f"| {label} | {fmt(lo)} | {fmt(med)} | {fmt(hi)} | {target[0] if target else ''} | {met} |"

pipeline_data, pipeline = load("bench_pipeline")
_, engine = load("bench_engine")
_, memory = load("bench_engine_memory")
_, language = load("bench_language")
_, forms = load("bench_forms")
_, store = load("bench_store")

lines = [
    "# Benchmark results",
    "",
    "Written by `benchmarks/run.sh`; do not edit by hand. Each figure is min / median / max over",
    "the repetitions of one run (5, or 3 for memory) on the machine below; targets are judged",
    "on the median.",
    "",
    f"- machine: {cpu()}, {pipeline_data['context'].get('num_cpus')} cores, {platform.system()} {platform.release()}",
    f"- commit: {commit}",
    f"- date: {datetime.date.today().isoformat()}",
    f"- build: Release, g++ {subprocess.run(['g++', '-dumpfullversion'], capture_output=True, text=True).stdout.strip()}",
    "",
    "## Front end: load (YAML) + check + compile",
    "",
    "| benchmark | min (µs) | median (µs) | max (µs) | target | met |",
    "|---|---:|---:|---:|---|---|",
]
us = lambda v: f"{v:.1f}"
targets = {"BM_RestaurantLoadCheckCompile": ("< 1000 µs", lambda v: v < 1000)}
for name, runs in pipeline.items():
    lines.append(row(name, [r["real_time"] for r in runs], us, targets.get(name)))

k = lambda v: f"{v/1000:.1f} k"
m = lambda v: f"{v/1e6:.2f} M"
b = lambda v: f"{v:.0f}"
case = engine["BM_RestaurantCaseToIssuance"]
fold = engine["BM_ReplayFold"]
mem = memory["BM_LiveStatePerCase/iterations:1"]
lines += [
    "",
    "## Engine: in memory, one thread, restaurant bundle (all four items)",
    "",
    "| figure | min | median | max | target | met |",
    "|---|---:|---:|---:|---|---|",
    row("cases/s, open → submit → accept → 6 signatures → issue", [r["cases/s"] for r in case], k,
        ("≥ 100 k/s", lambda v: v >= 100_000)),
    row("events applied/s, same run (validation, fold and store included)", [r["events/s"] for r in case], m,
        ("≥ 1 M/s", lambda v: v >= 1_000_000)),
    row("events applied/s, the fold alone (replay of a stored log)", [r["events/s"] for r in fold], m),
    row("live state per active case, bytes (heap measured)", [r["live_bytes/case"] for r in mem], b,
        ("≤ 2048", lambda v: v <= 2048)),
    row("stored event log per case, bytes (reported apart)", [r["log_bytes/case"] for r in mem], b),
    "",
    "Notes:",
    f"- A case of the restaurant bundle records {case[0]['events/case']:.0f} events in 10 commands. The",
    "  in-memory store keeps every log and an idempotency index of every command id.",
    "- Live state is measured with a counting allocator (`bench_engine_memory`). It is the heap",
    "  freed when the engine drops its cache of 20,000 cases stopped mid-flight: accepted, the",
    "  licence check approved, three reviews under way. The log is what remains in the store.",
    "- `LoadOnly` vs `CheckAndCompileOnly` split the restaurant front-end figure. Almost all of that",
    "  time is yaml-cpp 0.7 scanning the text (about 6 MB/s on this machine).",
    "- Google Benchmark warns that its own library (Debian's libbenchmark) was built without",
    "  optimisation. That affects only the harness, not the code measured.",
    "- `Generated200` is a synthetic bundle of 200 items, 300 fields, 150 materials and 20",
    "  departments (see `generated_bundle` in `pipeline_bench.cpp`).",
    "",
]
cond = language["BM_Condition5Clauses"]
table = language["BM_Table20RulesFirst"]
via = language["BM_ConditionCallingTable"]
parse = language["BM_DslParse"]
mb = lambda v: f"{v/1e6:.1f} MB/s"
lines += [
    "## Languages: compiled conditions, decision tables, DSL parsing (one thread)",
    "",
    "| figure | min | median | max | target | met |",
    "|---|---:|---:|---:|---|---|",
    row("5-clause condition, evaluations/s", [r["evals/s"] for r in cond], m, ("≥ 20 M/s", lambda v: v >= 20e6)),
    row("20-rule FIRST decision table, evaluations/s", [r["evals/s"] for r in table], m, ("≥ 5 M/s", lambda v: v >= 5e6)),
    row("condition calling that table, evaluations/s", [r["evals/s"] for r in via], m),
    row(f"DSL parsing to IR, {parse[0]['bytes']/1e6:.1f} MB bundle", [r["bytes_per_second"] for r in parse], mb,
        ("≥ 5 MB/s", lambda v: v >= 5e6)),
    "",
    "Notes:",
    "- The condition is `premises.area_m2 >= 50 and premises.seats > 20 and menu.kind in [...] and",
    "  not sign.installed or operator.birth_date < 1995-01-01`, over 1,024 generated applicants in",
    "  turn (see `language_bench.cpp`); the evaluator allocates nothing per evaluation.",
    "- The table has 20 rules (area bands by district, then a catch-all); inputs are spread so",
    "  that the first matching rule is anywhere in the table.",
    "- DSL parsing covers the whole load: grammar, IR construction, spans; not the checker.",
    "",
]
largest = max(forms.items(), key=lambda kv: kv[1][0]["fields"])[0]
lines += [
    "## Forms and the 四减 report: merged form + material plan + report, one applicant (one thread)",
    "",
    "| bundle (every item applies) | min (µs) | median (µs) | max (µs) | target | met |",
    "|---|---:|---:|---:|---|---|",
]
for name, runs in sorted(forms.items()):
    label = f"{name.split('/', 1)[1]} ({runs[0]['items']:.0f} items, {runs[0]['fields']:.0f} fields)"
    lines.append(row(label, [r["real_time"] for r in runs], us,
                     ("< 200 µs", lambda v: v < 200) if name == largest else None))
lines += [
    "",
    "Notes:",
    "- One iteration builds the applicant's merged form, the material plan and the full report",
    "  (which evaluates the conditions and computes two critical paths with Boost.Graph); the",
    "  target is judged on the bundle with the most fields.",
    "",
]
raw_row = store["BM_RawRowPerCommit/real_time"]
raw_batch = store["BM_RawBatched/real_time"]
full = store["BM_YishiFull/real_time"]
batched = store["BM_YishiBatched/real_time"]
raw_c = [r["commits_per_s"] for r in raw_row]
full_c = [r["commits_per_s"] for r in full]
ratio = (min(full_c) / max(raw_c), statistics.median(full_c) / statistics.median(raw_c), max(full_c) / min(raw_c))
lines += [
    "## Durable store (SQLite): yishi's SqliteStore next to raw SQLite, same run, same disk",
    "",
    "| figure | min | median | max | target | met |",
    "|---|---:|---:|---:|---|---|",
    row(f"raw SQLite, one row ({raw_row[0]['payload_bytes']:.0f} B) per transaction, commits/s", raw_c, b),
    row("raw SQLite, 1000 rows per transaction, rows/s", [r["rows_per_s"] for r in raw_batch], k),
    row("yishi `full`, commits/s (one command = one transaction)", full_c, b),
    row("yishi `full`, events/s", [r["events_per_s"] for r in full], b),
    row("yishi `batched`, events/s (sync() closes each iteration)", [r["events_per_s"] for r in batched], k,
        ("≥ 200 k/s", lambda v: v >= 200_000)),
    f"| ratio yishi `full` / raw one-row commits/s | {ratio[0]:.2f} | {ratio[1]:.2f} | {ratio[2]:.2f} | ≥ 0.80 | "
    f"{'yes' if ratio[1] >= 0.80 else 'NO'} |",
    "",
    "Notes:",
    "- Every database is a fresh WAL file with `synchronous=FULL` in one temporary directory",
    "  (`TMPDIR`), raw and yishi alike, its log first brought to its working size (as after a",
    "  first checkpoint, so that commits overwrite it rather than extend it). The repetitions",
    "  of the four benchmarks are interleaved at random so that both see the same disk: a",
    "  durable commit is an fsync of the WAL, and on a virtual disk its cost can change within",
    "  a run (bursts, throttling). Compare figures of one run only.",
    f"- A restaurant case records {full[0]['events/case']:.0f} events in {full[0]['commits/case']:.0f} commands (counted from the",
    "  engine's results and checked against the store's append count). A stored commit weighs",
    f"  {full[0]['bytes/commit']:.0f} bytes (header, events, command id), of which {full[0]['event_bytes/commit']:.0f} are the encoded events.",
    "- The ratio's median is median(yishi) / median(raw); its min and max pair the extremes",
    "  (min yishi / max raw, max yishi / min raw). yishi `full` also writes one transaction",
    "  per 32 cases to reserve case ids, not counted as commits.",
    f"- `batched`: default interval (5 ms) and limit (1024 appends); {batched[0]['cases/iteration']:.0f} cases per iteration,",
    f"  then `sync()`; {statistics.median(r['appends/transaction'] for r in batched):.0f} appends per transaction (median).",
    "",
]
pg1 = store["BM_Postgres/1/real_time"]
pg2 = store["BM_Postgres/2/real_time"]
lines += [
    "## Durable store (PostgreSQL): engines sharing one schema, same run",
    "",
    "| figure | min | median | max | target | met |",
    "|---|---:|---:|---:|---|---|",
    row("PostgreSQL, 1 engine, events/s", [r["events_per_s"] for r in pg1], b),
    row("PostgreSQL, 1 engine, commits/s", [r["commits_per_s"] for r in pg1], b),
    row("PostgreSQL, 2 engines, events/s (together)", [r["events_per_s"] for r in pg2], b),
    row("PostgreSQL, 2 engines, commits/s (together)", [r["commits_per_s"] for r in pg2], b),
    "",
    "Each engine has its own connection (as an engine process would) to a throw-away local",
    "server started by `run.sh` (`scripts/pg-cluster.sh`, default settings: synchronous",
    "commit, so every command waits for its WAL flush). An append is one round trip.",
    "",
]
sim = [json.loads(l) for l in open(f"{build}/bench_simulate.jsonl")]
rest = [x for x in sim if x["figure"] == "restaurant"]
city = [x for x in sim if x["figure"] == "city-year"][0]
lines += [
    "## Simulation: real cases through the real engine on virtual office time",
    "",
    "| figure | min | median | max | target | met |",
    "|---|---:|---:|---:|---|---|",
    row(f"restaurant, simulated cases/s on one core ({rest[0]['cases']} cases, {rest[0]['commands']} engine commands)",
        [x["cases_per_s"] for x in rest], k, ("≥ 250 k/s", lambda v: v >= 250_000)),
    f"| city-year: {city['cases']:,} cases over the 13 bundles, {city['partitions']} partitions, wall s | "
    f"{city['wall_s']:.1f} | {city['wall_s']:.1f} | {city['wall_s']:.1f} | ≤ 120 s | {'yes' if city['wall_s'] <= 120 else 'NO'} |",
    f"| city-year: cases/s (both cores) | {city['cases_per_s']/1e3:.1f} k | {city['cases_per_s']/1e3:.1f} k | {city['cases_per_s']/1e3:.1f} k |  |  |",
    f"| city-year: peak memory (resident), MiB | {city['peak_rss_kib']/1024:.0f} | {city['peak_rss_kib']/1024:.0f} | {city['peak_rss_kib']/1024:.0f} |  |  |",
    "",
    "Notes:",
    "- `bench_simulate` (benchmarks/simulate_bench.cpp), a plain harness: each figure is one whole run.",
    "  The restaurant run has ample staff, so it measures the cost of a simulated case (open, pledges,",
    "  submit, intake, signatures, issue, rating: every one an engine command, with the simulator's",
    "  queues and draws), not waiting. The city-year is bundles/simulation/city_year.yaml, run once.",
    f"- City-year: {city['issued']:,} issued, {city['commands']:,} engine commands, {city['refusals']} refusals.",
    "",
]
# ---- Peers: the same workloads on the engines users would pick instead (benchmarks/peers)
peer_runs, peer_first, peer_versions = {}, {}, {}
for line in open(f"{build}/peers.jsonl"):
    x = json.loads(line)
    peer_runs.setdefault((x["peer"], x["figure"]), []).append(x["value"])
    peer_first.setdefault((x["peer"], x["figure"]), x)
    peer_versions[x["peer"]] = x["version"]
node_version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()

def number(v):
    if v >= 1e6:
        return f"{v/1e6:.2f} M"
    if v >= 1e4:
        return f"{v/1e3:.1f} k"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"

def times(r):
    if r >= 10:
        return f"{r:,.0f}×"
    return f"{r:.2f}×" if r >= 0.1 else f"1/{1/r:,.0f}"

def peer_row(label, yishi, peer, target=None, fmt=number):
    # the ratio's median is median / median; its min and max pair the extremes, as above
    ratio = (min(yishi) / max(peer), statistics.median(yishi) / statistics.median(peer), max(yishi) / min(peer))
    three = lambda f, v: " / ".join(f(x) for x in v)
    met = "" if target is None else ("yes" if target[1](ratio[1]) else "NO")
    return (f"| {label} | {three(fmt, stats(yishi))} | {three(fmt, stats(peer))} | {three(times, ratio)} | "
            f"{target[0] if target else ''} | {met} |")

bpmn, zen, jre = "bpmn-engine", "@gorules/zen-engine", "json-rules-engine"
live_bytes = lambda v: f"{v:,.0f}"
yishi_cases = [r["cases/s"] for r in engine["BM_RestaurantCaseToIssuance"]]
yishi_batched = store["BM_YishiBatched/real_time"]
yishi_table = [r["evals/s"] for r in language["BM_Table20RulesFirst"]]
yishi_condition = [r["evals/s"] for r in language["BM_Condition5Clauses"]]
lines += [
    "## Peers: the same workloads on the engines users would pick instead, same run",
    "",
    "Each row: yishi's figure, the peer's, and yishi / peer, each as min / median / max; the",
    "target is judged on the median ratio.",
    "",
    "| workload: yishi vs peer | yishi | peer | yishi / peer | target | met |",
    "|---|---:|---:|---:|---|---|",
    peer_row("restaurant case to issuance, cases/s: yishi in memory vs bpmn-engine", yishi_cases,
             peer_runs[(bpmn, "cases/s")], ("≥ 1,000×", lambda r: r >= 1000)),
    peer_row("the same, yishi on SQLite `batched` (durable) vs bpmn-engine in memory",
             [r["cases_per_s"] for r in yishi_batched], peer_runs[(bpmn, "cases/s")]),
    peer_row("live memory per case mid-flight, bytes: yishi vs bpmn-engine",
             [r["live_bytes/case"] for r in memory["BM_LiveStatePerCase/iterations:1"]],
             peer_runs[(bpmn, "live bytes/instance")], ("≤ 1/500", lambda r: r <= 1 / 500), live_bytes),
    peer_row("20-rule FIRST decision table, evaluations/s: yishi vs zen", yishi_table,
             peer_runs[(zen, "table evaluations/s")], ("≥ 100×", lambda r: r >= 100)),
    peer_row("5-clause condition, evaluations/s: yishi vs zen", yishi_condition,
             peer_runs[(zen, "condition evaluations/s")], ("≥ 100×", lambda r: r >= 100)),
    peer_row("20-rule FIRST decision table, evaluations/s: yishi vs json-rules-engine", yishi_table,
             peer_runs[(jre, "table evaluations/s")]),
    peer_row("5-clause condition, evaluations/s: yishi vs json-rules-engine", yishi_condition,
             peer_runs[(jre, "condition evaluations/s")]),
    peer_row("durable commits/s: yishi `full` vs raw SQLite, one row per transaction",
             [r["commits_per_s"] for r in store["BM_YishiFull/real_time"]],
             [r["commits_per_s"] for r in store["BM_RawRowPerCommit/real_time"]]),
    peer_row("durable commits/s: yishi `batched` vs raw SQLite rows/s, 1000 rows per transaction",
             [r["commits_per_s"] for r in yishi_batched], [r["rows_per_s"] for r in store["BM_RawBatched/real_time"]]),
    "",
    "Notes:",
    f"- Peers: bpmn-engine {peer_versions[bpmn]}, @gorules/zen-engine {peer_versions[zen]}, json-rules-engine "
    f"{peer_versions[jre]}, from the npm registry as `benchmarks/peers/package-lock.json` pins them; Node.js {node_version}.",
    "  Each harness prints one line per repetition (5, or 3 for memory); how each workload is the",
    "  same as yishi's is told in `benchmarks/README.md`.",
    "- Restaurant: `benchmarks/peers/restaurant.bpmn` is the case of the engine section as BPMN, one",
    f"  user task per command ({peer_first[(bpmn, 'cases/s')]['commands']} with the start): submit, accept, the licence check, a parallel",
    "  gateway to the food licence's two signers in sequence, the outdoor sign and the fire check's",
    "  two signers, the join, issue. One case at a time, the definition parsed once and shared.",
    "  yishi's cases also check every actor, record events and keep working-day deadlines.",
    f"- Memory: {peer_first[(bpmn, 'live bytes/instance')]['instances']} bpmn-engine instances stopped where yishi's 20,000 cases stop (accepted,",
    "  licence check and the food licence's first signature done, four signatures waiting); the heap",
    "  (`process.memoryUsage().heapUsed` after `global.gc()`) before and after, divided by the count.",
    "- Decisions: the peers read the rules, the condition and the 1,024 applicants from",
    "  `bench_language --applicants`, and their answer for every applicant is checked against",
    "  yishi's before timing. One evaluation at a time: zen's `evaluate` returns a promise (it works",
    "  off the JavaScript thread), awaited before the next. Dates are compared as day numbers, as",
    "  yishi stores them.",
    "- Raw SQLite: the figures of the durable store section, set side by side as the physical limit.",
    "",
]
open(out_path, "w").write("\n".join(lines))
print("\n".join(lines))
PY
