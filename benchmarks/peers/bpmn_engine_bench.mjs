// bpmn-engine on the restaurant case of benchmarks/restaurant_workload.hpp, written as BPMN
// (restaurant.bpmn): the figures set against yishi's engine in benchmarks/RESULTS.md.
//   --figure=cases    cases run from start to the end event, one at a time, per second
//                     (yishi: BM_RestaurantCaseToIssuance in memory, BM_YishiBatched on SQLite)
//   --figure=memory   heap bytes per live instance stopped mid-flight, measured with the
//                     garbage collector (needs `node --expose-gc`; yishi: BM_LiveStatePerCase)
// The definition is parsed and serialised once and shared by every instance, as yishi's
// compiled bundle is: neither side counts loading the definition.
import { readFileSync } from 'node:fs';

import BpmnModdle from 'bpmn-moddle';
import * as Elements from 'bpmn-elements';
import { Engine } from 'bpmn-engine';
import serializer, { TypeResolver } from 'moddle-context-serializer';

import { emit, fail, options, rate } from './harness.mjs';

const peer = 'bpmn-engine';

// The user tasks in the order of yishi's script (restaurant_workload.hpp): submit, accept,
// the licence check, the food licence's two signers in sequence, the outdoor sign, the fire
// check's two signers, issue.
const tasks = [
  'submit',
  'accept',
  'licence_check',
  'food_licence_reviewer',
  'food_licence_section_chief',
  'outdoor_sign_reviewer',
  'fire_check_inspector',
  'fire_check_section_chief',
  'issue',
];
// Where a live instance stops, as in BM_LiveStatePerCase: accepted, the licence check and
// the food licence's first signature done, four review tasks waiting.
const liveAfter = 4;

const source = readFileSync(new URL('./restaurant.bpmn', import.meta.url), 'utf8');
const sourceContext = serializer(await new BpmnModdle().fromXML(source), TypeResolver(Elements));

// Starts an instance (the case's open command) and completes its first `count` tasks.
// With `check`, each task must be waiting when it is signalled.
async function start(count, check) {
  const engine = new Engine({ name: 'open_restaurant', sourceContext });
  const execution = await engine.execute({ variables: { outdoor_sign: true, crowded_venue: true } });
  for (let k = 0; k < count; ++k) {
    const id = tasks[k];
    if (check && !execution.getPostponed().some((activity) => activity.id === id))
      fail(`task \`${id}\` is not waiting (waiting: ${execution.getPostponed().map((a) => a.id).join(', ')})`);
    execution.signal({ id });
  }
  return engine;
}

// One case from start to the end event.
async function runCase(check = false) {
  const engine = await start(tasks.length, check);
  if (engine.state !== 'idle' || engine.execution.getPostponed().length !== 0)
    fail(`the case did not reach its end event (state \`${engine.state}\`)`);
}

async function cases(o) {
  await runCase(true);  // the flow is the one intended
  await rate(() => runCase(), o.smoke ? o.minTime : 0.5);  // warm-up
  for (let run = 1; run <= o.repetitions; ++run)
    emit(peer, 'cases/s', await rate(() => runCase(), o.minTime), run, { commands: tasks.length + 1 });
}

async function memory(o) {
  if (typeof globalThis.gc !== 'function') fail('the memory figure needs `node --expose-gc`');
  const collect = () => {
    globalThis.gc();
    globalThis.gc();
  };
  for (let k = 0; k < 20; ++k) await start(liveAfter, k === 0);  // warm-up
  for (let run = 1; run <= o.repetitions; ++run) {
    collect();
    const before = process.memoryUsage();
    let live = [];
    for (let k = 0; k < o.instances; ++k) live.push(await start(liveAfter, false));
    collect();
    const after = process.memoryUsage();
    for (const engine of live)
      if (engine.execution.getPostponed().length !== tasks.length - liveAfter - 1)
        fail('a live instance is not waiting at the four review tasks');
    emit(peer, 'live bytes/instance', (after.heapUsed - before.heapUsed) / o.instances, run, {
      instances: o.instances,
      external_bytes_per_instance: (after.external - before.external) / o.instances,
    });
    live = null;
  }
}

const o = options();
if (o.figure !== null && o.figure !== 'cases' && o.figure !== 'memory') fail('--figure is `cases` or `memory`');
if (o.figure !== 'memory') await cases(o);
if (o.figure !== 'cases') await memory(o);
