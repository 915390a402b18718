// What the peer harnesses share: command-line options, timing, one JSON line per measured
// figure and repetition (benchmarks/run.sh collects them; its writer computes min / median /
// max), and the decision workload that bench_language prints.
import { readFileSync } from 'node:fs';

// The options every harness takes:
//   --repetitions=N   measured runs of each figure (default 5)
//   --min-time=S      seconds each throughput run lasts at least (default 2)
//   --smoke           one short run of each figure (what CI runs so the harness cannot rot)
//   --workload=FILE   the output of `bench_language --applicants` (decision harnesses)
//   --instances=N     live instances for a memory figure (default 500)
//   --figure=NAME     only this figure (each harness names its own)
export function options(argv = process.argv.slice(2)) {
  const o = { repetitions: 5, minTime: 2, smoke: false, workload: null, instances: 500, figure: null };
  for (const arg of argv) {
    const [key, value] = arg.split(/=(.*)/s, 2);
    switch (key) {
      case '--repetitions': o.repetitions = positive(key, value); break;
      case '--min-time': o.minTime = positive(key, value); break;
      case '--smoke': o.smoke = true; break;
      case '--workload': o.workload = value; break;
      case '--instances': o.instances = positive(key, value); break;
      case '--figure': o.figure = value; break;
      default: fail(`unknown option \`${arg}\``);
    }
  }
  if (o.smoke) {
    o.repetitions = 1;
    o.minTime = 0.05;
    o.instances = Math.min(o.instances, 20);
  }
  return o;
}

function positive(key, value) {
  const n = Number(value);
  if (!(n > 0)) fail(`${key} needs a positive number, not \`${value ?? ''}\``);
  return n;
}

export function fail(message) {
  process.stderr.write(`peers: ${message}\n`);
  process.exit(2);
}

// The installed version of a package of this folder (from its package.json).
export function version(name) {
  const file = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')).version;
}

// Prints one measured figure as a JSON line.
export function emit(peer, figure, value, run, extra = {}) {
  process.stdout.write(`${JSON.stringify({ peer, version: version(peer), figure, value, run, ...extra })}\n`);
}

const now = () => performance.now() / 1000;

// Calls `step(k)` (which may return a promise: it is awaited before the next call) for at
// least `seconds`; returns calls per second.
export async function rate(step, seconds) {
  let calls = 0;
  const start = now();
  let elapsed = 0;
  do {
    await step(calls++);
    elapsed = now() - start;
  } while (elapsed < seconds);
  return calls / elapsed;
}

// The same for a synchronous step (no await between calls).
export function rateSync(step, seconds) {
  let calls = 0;
  const start = now();
  let elapsed = 0;
  do {
    for (let k = 0; k < 64; ++k) step(calls++);
    elapsed = now() - start;
  } while (elapsed < seconds);
  return calls / elapsed;
}

// The decision workload of benchmarks/language_bench.cpp, as `bench_language --applicants`
// prints it: the condition, the 20 rules of the FIRST table, and 1,024 applicants with
// yishi's result for each (the condition's value and the table's amount).
export function loadWorkload(path) {
  if (!path) fail('--workload=FILE is required: write it with `bench_language --applicants > FILE`');
  let workload;
  try {
    workload = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fail(`cannot read the workload ${path}: ${err.message}`);
  }
  if (workload.rules?.length !== 20 || workload.applicants?.length !== 1024)
    fail(`${path}: expected 20 rules and 1,024 applicants`);
  return workload;
}

// A date as yishi's expression language stores it (days since 1970-01-01): the peers
// compare birth dates as these numbers.
export function dayNumber(isoDate) {
  return Date.parse(`${isoDate}T00:00:00Z`) / 86400000;
}
