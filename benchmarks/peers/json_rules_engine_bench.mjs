// json-rules-engine on the decision workload of benchmarks/language_bench.cpp (read from
// the file `bench_language --applicants` writes): the figures set against yishi's decision
// tables and compiled conditions in benchmarks/RESULTS.md.
//   --figure=table      the 20 rules of the `fee` table as 20 rules of one engine, first hit:
//                       descending priorities, and the first rule that holds stops the engine
//                       (yishi: BM_Table20RulesFirst), evaluations/s
//   --figure=condition  the same 5-clause condition as one rule (yishi: BM_Condition5Clauses),
//                       evaluations/s
// Both cycle through the same 1,024 applicants as yishi, one `run` at a time, and first
// check the engine's answer for every applicant against yishi's. Facts are flat (one fact
// per field path), so no JSONPath lookup is involved.
import { Engine } from 'json-rules-engine';

import { dayNumber, emit, fail, loadWorkload, options, rate } from './harness.mjs';

const peer = 'json-rules-engine';

// The table: rule k has priority 20 - k; the catch-all has no condition.
function tableEngine(workload) {
  const engine = new Engine();
  workload.rules.forEach((rule, k) => {
    const conditions =
      rule.area_from === null
        ? { all: [] }
        : {
            all: [
              { fact: 'premises.area_m2', operator: 'greaterThanInclusive', value: rule.area_from },
              { fact: 'premises.area_m2', operator: 'lessThan', value: rule.area_to },
              { fact: 'premises.district', operator: 'equal', value: rule.district },
            ],
          };
    engine.addRule({
      name: `rule${k + 1}`,
      priority: workload.rules.length - k,
      conditions,
      event: { type: 'fee', params: { amount: rule.amount } },
      onSuccess: () => engine.stop(),  // first hit: the rules of lower priority are skipped
    });
  });
  return engine;
}

// `premises.area_m2 >= 50 and premises.seats > 20 and menu.kind in ["hot_food",
// "cold_food"] and not sign.installed or operator.birth_date < 1995-01-01`, the date as its
// day number (how yishi stores a date).
function conditionEngine(workload) {
  const date = workload.condition.match(/\b\d{4}-\d{2}-\d{2}\b/)[0];
  return new Engine([
    {
      name: 'condition',
      conditions: {
        any: [
          {
            all: [
              { fact: 'premises.area_m2', operator: 'greaterThanInclusive', value: 50 },
              { fact: 'premises.seats', operator: 'greaterThan', value: 20 },
              { fact: 'menu.kind', operator: 'in', value: ['hot_food', 'cold_food'] },
              { not: { fact: 'sign.installed', operator: 'equal', value: true } },
            ],
          },
          { fact: 'operator.birth_date', operator: 'lessThan', value: dayNumber(date) },
        ],
      },
      event: { type: 'holds' },
    },
  ]);
}

function facts(a) {
  return {
    'premises.area_m2': a.area_m2,
    'premises.seats': a.seats,
    'premises.district': a.district,
    'menu.kind': a.kind,
    'sign.installed': a.sign_installed,
    'operator.birth_date': a.birth_date,
  };
}

const o = options();
if (o.figure !== null && o.figure !== 'table' && o.figure !== 'condition') fail('--figure is `table` or `condition`');
const workload = loadWorkload(o.workload);
const inputs = workload.applicants.map(facts);

async function measure(figure, engine, answer, expected) {
  for (let k = 0; k < inputs.length; ++k) {
    const got = answer(await engine.run(inputs[k]));
    if (got !== expected(workload.applicants[k]))
      fail(`${figure}, applicant ${k}: json-rules-engine gives ${got}, yishi ${expected(workload.applicants[k])}`);
  }
  let checksum = 0;
  const step = async (k) => {
    checksum += Number(answer(await engine.run(inputs[k & 1023])));
  };
  await rate(step, o.smoke ? o.minTime : 0.5);  // warm-up
  for (let run = 1; run <= o.repetitions; ++run)
    emit(peer, `${figure} evaluations/s`, await rate(step, o.minTime), run, { checksum });
}

if (o.figure !== 'condition')
  await measure('table', tableEngine(workload), (r) => (r.events.length === 1 ? r.events[0].params.amount : null), (a) => a.amount);
if (o.figure !== 'table')
  await measure('condition', conditionEngine(workload), (r) => r.events.length === 1, (a) => a.condition);
