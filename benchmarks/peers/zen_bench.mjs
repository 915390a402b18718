// @gorules/zen-engine on the decision workload of benchmarks/language_bench.cpp (read from
// the file `bench_language --applicants` writes): the figures set against yishi's decision
// tables and compiled conditions in benchmarks/RESULTS.md.
//   --figure=table      the 20-rule FIRST table of fee_table.json (the same rules as the
//                       `fee` table of language_bench.cpp), evaluations/s (yishi:
//                       BM_Table20RulesFirst)
//   --figure=condition  the same 5-clause condition with zen's expression language,
//                       evaluations/s (yishi: BM_Condition5Clauses)
// Both cycle through the same 1,024 applicants as yishi, one evaluation at a time, and
// first check zen's answer for every applicant against yishi's.
import { readFileSync } from 'node:fs';

import zen from '@gorules/zen-engine';

import { dayNumber, emit, fail, loadWorkload, options, rate, rateSync } from './harness.mjs';

const peer = '@gorules/zen-engine';

// The table's rules written as zen cells: `[from..to)`, `"district"`, the amount; a rule
// with no bounds is the catch-all (empty cells).
function cells(rule) {
  return rule.area_from === null
    ? { area: '', district: '', amount: String(rule.amount) }
    : {
        area: `[${rule.area_from}..${rule.area_to})`,
        district: JSON.stringify(rule.district),
        amount: String(rule.amount),
      };
}

// The decision model, checked rule by rule against the workload's table.
function model(workload) {
  const content = JSON.parse(readFileSync(new URL('./fee_table.json', import.meta.url), 'utf8'));
  const table = content.nodes.find((node) => node.type === 'decisionTableNode').content;
  if (table.hitPolicy !== 'first') fail('fee_table.json: the hit policy is not `first`');
  if (table.rules.length !== workload.rules.length) fail('fee_table.json: not the 20 rules of the workload');
  workload.rules.forEach((rule, k) => {
    const want = cells(rule);
    const have = table.rules[k];
    for (const key of ['area', 'district', 'amount'])
      if (have[key] !== want[key]) fail(`fee_table.json: rule ${k + 1}, ${key}: \`${have[key]}\`, expected \`${want[key]}\``);
  });
  return content;
}

// An applicant as zen's input: nested objects along the field paths; the birth date as
// its day number (how yishi stores a date).
function input(a) {
  return {
    premises: { area_m2: a.area_m2, seats: a.seats, district: a.district },
    menu: { kind: a.kind },
    sign: { installed: a.sign_installed },
    operator: { birth_date: a.birth_date },
  };
}

const o = options();
if (o.figure !== null && o.figure !== 'table' && o.figure !== 'condition') fail('--figure is `table` or `condition`');
const workload = loadWorkload(o.workload);
const inputs = workload.applicants.map(input);
const n = inputs.length;  // 1024: `k & 1023` cycles through them as yishi does

if (o.figure !== 'condition') {
  const engine = new zen.ZenEngine();
  const decision = engine.createDecision(model(workload));
  for (let k = 0; k < n; ++k) {
    const { result } = await decision.evaluate(inputs[k]);
    if (result.amount !== workload.applicants[k].amount)
      fail(`table, applicant ${k}: zen gives ${result.amount}, yishi ${workload.applicants[k].amount}`);
  }
  let sum = 0;
  const step = async (k) => {
    sum += (await decision.evaluate(inputs[k & 1023])).result.amount;
  };
  await rate(step, o.smoke ? o.minTime : 0.5);  // warm-up
  for (let run = 1; run <= o.repetitions; ++run)
    emit(peer, 'table evaluations/s', await rate(step, o.minTime), run, { rules: workload.rules.length, checksum: sum });
  engine.dispose();
}

if (o.figure !== 'table') {
  // yishi's condition text, its date literal written as a day number
  const condition = workload.condition.replace(/\b\d{4}-\d{2}-\d{2}\b/g, (date) => String(dayNumber(date)));
  for (let k = 0; k < n; ++k) {
    const yes = zen.evaluateExpressionSync(condition, inputs[k]);
    if (yes !== workload.applicants[k].condition)
      fail(`condition, applicant ${k}: zen gives ${yes}, yishi ${workload.applicants[k].condition}`);
  }
  let count = 0;
  const step = (k) => {
    if (zen.evaluateExpressionSync(condition, inputs[k & 1023]) === true) ++count;
  };
  rateSync(step, o.smoke ? o.minTime : 0.5);  // warm-up
  for (let run = 1; run <= o.repetitions; ++run)
    emit(peer, 'condition evaluations/s', rateSync(step, o.minTime), run, { condition, checksum: count });
}
