// Every path of the real definition, run by aws-local-stepfunctions (an ASL
// implementation) with contract-shaped fake functions and zero-length waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine } from 'aws-local-stepfunctions';
import { render } from '../render.mjs';
import { world } from './fakes.mjs';

const definition = render();

function zeroWaits() {
  const waits = {};
  const retries = {};
  const visit = (m) => {
    for (const [name, s] of Object.entries(m.States)) {
      if (s.Type === 'Wait') waits[name] = 0;
      if (s.Retry) retries[name] = 0;
      if (s.Type === 'Map') visit(s.ItemProcessor);
    }
  };
  visit(definition);
  return { waitTimeOverrides: waits, retryIntervalOverrides: retries };
}

/** Run one execution; returns {status, output|error, states, w}. */
async function run(input, script) {
  const w = world(script);
  const machine = new StateMachine(definition);
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: w.handlers(definition), ...zeroWaits() },
    context: { Execution: { Name: 'test-execution', StartTime: '2026-11-24T15:00:00Z', Input: input } },
  });
  const states = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  let status;
  let output;
  let error;
  try {
    output = await execution.result;
    status = 'SUCCEEDED';
  } catch (e) {
    status = 'FAILED';
    error = e;
  }
  await collecting;
  return { status, output, error, states, w };
}

const calls = (w, fn) => w.calls.filter((c) => c.fn === fn).map((c) => c.payload);
const failure = (r) => ({ name: r.error?.cause?.name ?? r.error?.name, message: r.error?.cause?.message ?? r.error?.message });

test('migrate happy path: seed, start, poll until in-sync, CDC proof, sequences, validate, report', async () => {
  const r = await run({ mode: 'migrate', seed_scale: 1, cdc_changes: 100 });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(failure(r)));
  assert.deepEqual(calls(r.w, 'seed-source').map((p) => p.mode), ['load', 'schema', 'changes']);
  assert.deepEqual(calls(r.w, 'seed-source')[0], { mode: 'load', scale: 1 });
  assert.deepEqual(calls(r.w, 'start-task'), [
    { action: 'start', test_connections: false, reload_target: false },
    { action: 'sync-sequences' },
  ]);
  // The poll loop ran until in-sync (4 checks), then again for the CDC burst (2).
  assert.equal(r.states.filter((s) => s === 'Check migration progress').length, 4);
  assert.equal(r.states.filter((s) => s === 'Check CDC progress').length, 2);
  for (const p of calls(r.w, 'poll-task')) {
    assert.deepEqual(Object.keys(p).sort(), ['handle', 'in_sync_lag_seconds']);
    assert.equal(p.handle.subscription, 'dmsflow_sub');
  }
  const plan = calls(r.w, 'validate-tables').find((p) => p.action === 'plan');
  assert.equal(plan.changes.mode, 'changes', 'the CDC burst goes to the plan for the proof');
  assert.deepEqual(calls(r.w, 'validate-tables').filter((p) => p.action === 'table').map((p) => p.table).sort(), ['customers', 'orders']);
  const report = calls(r.w, 'report')[0];
  assert.deepEqual(Object.keys(report).sort(), ['cdc', 'config', 'error', 'execution', 'migration', 'mode', 'progress', 'seed', 'sequences', 'started_at', 'validation']);
  assert.equal(report.execution, 'test-execution');
  assert.equal(report.progress.phase, 'in-sync');
  assert.equal(report.cdc.changes.applied, 100);
  assert.equal(report.validation.results.length, 2);
  assert.equal(report.error, null);
  assert.equal(r.states.at(-1), 'Target is identical');
});

test('engine failed: failure report, then FAILED with MigrationFailed', async () => {
  const r = await run({ mode: 'migrate', seed_scale: null }, { phases: ['full-load', 'failed'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(failure(r).name, 'MigrationFailed');
  const report = calls(r.w, 'report')[0];
  assert.equal(report.error.Error, 'MigrationFailed');
  assert.match(report.error.Cause, /exited with code 1/);
  assert.equal(calls(r.w, 'validate-tables').length, 0, 'nothing validated after a failed migration');
  assert.ok(r.states.includes('Write failure report'));
});

test('engine stopped before in-sync fails the execution', async () => {
  const r = await run({ mode: 'migrate' }, { phases: ['starting', 'stopped'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(failure(r).name, 'MigrationStopped');
});

test('max polls reached: timeout failure report', async () => {
  const r = await run({ mode: 'migrate', max_polls: 3 }, { phases: ['full-load'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(failure(r).name, 'MigrationTimedOut');
  assert.equal(calls(r.w, 'poll-task').length, 3);
  assert.match(calls(r.w, 'report')[0].error.Cause, /not in sync after 3/);
});

test('validation finds differences: the report is written, then the execution FAILS', async () => {
  const r = await run({ mode: 'migrate' }, { different: ['orders'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(failure(r).name, 'TargetDifferent');
  assert.match(failure(r).message, /DIFFERENT/);
  assert.equal(calls(r.w, 'report').length, 1);
});

test('a Lambda service error and a transient database error are retried, then succeed', async () => {
  const r = await run({ mode: 'migrate' }, { failOnce: { 'start-task': 'Lambda.ServiceException', 'validate-tables': 'DatabaseUnavailable' } });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(failure(r)));
  assert.equal(calls(r.w, 'start-task').filter((p) => p.action === 'start').length, 2, 'start retried once');
  assert.equal(calls(r.w, 'validate-tables').filter((p) => p.action === 'plan').length, 2, 'plan retried once');
});

test('a non-transient error is caught: failure report with its type, then FAILED', async () => {
  const r = await run({ mode: 'migrate', seed_scale: 1 }, { fail: { 'seed-source': 'SourceNotEmpty' } });
  assert.equal(r.status, 'FAILED');
  assert.equal(failure(r).name, 'SourceNotEmpty');
  assert.equal(calls(r.w, 'seed-source').length, 1, 'not retried');
  assert.equal(calls(r.w, 'start-task').length, 0);
  assert.equal(calls(r.w, 'report')[0].error.Error, 'SourceNotEmpty');
});

test('a transient error that persists is retried to the limit, then caught', async () => {
  const r = await run({ mode: 'validate' }, { fail: { 'validate-tables': 'DatabaseUnavailable' } });
  assert.equal(r.status, 'FAILED');
  assert.equal(failure(r).name, 'DatabaseUnavailable');
  assert.equal(calls(r.w, 'validate-tables').length, 5, '1 try + 4 retries');
});

test('validate mode (the schedule): plan, Map, report — no seeding, no engine calls', async () => {
  const r = await run({ mode: 'validate' });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(failure(r)));
  assert.equal(calls(r.w, 'seed-source').length, 0);
  assert.equal(calls(r.w, 'start-task').length, 0);
  assert.equal(calls(r.w, 'poll-task').length, 0);
  assert.equal(calls(r.w, 'report')[0].mode, 'validate');
  assert.equal(calls(r.w, 'report')[0].migration, null);
});

test('large tables fan out over chunk items, with the concurrency from the input', async () => {
  const work = [];
  for (let i = 0; i < 4; i++) work.push({ action: 'table', table: 'order_items', chunk: { index: i, count: 4, key_column: 'order_id', lower: i ? i * 100 : null, upper: i < 3 ? (i + 1) * 100 : null } });
  work.push({ action: 'table', table: 'orders', chunk: null });
  const r = await run({ mode: 'validate', validate_concurrency: 2, sequences: 'warn' }, { work });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(failure(r)));
  const items = calls(r.w, 'validate-tables').filter((p) => p.action === 'table');
  assert.equal(items.length, 5);
  assert.deepEqual(items.filter((p) => p.table === 'order_items').map((p) => p.chunk.index).sort(), [0, 1, 2, 3]);
  assert.ok(items.every((p) => p.sequences === 'warn'));
  assert.ok(r.w.maxInFlight <= 2, `at most 2 at once, saw ${r.w.maxInFlight}`);
  assert.ok(r.w.maxInFlight >= 2, 'ran in parallel');
});

test('an unknown mode fails at once, before any function runs', async () => {
  const r = await run({ mode: 'migrat' });
  assert.equal(r.status, 'FAILED');
  assert.equal(failure(r).name, 'InvalidInput');
  assert.equal(r.w.calls.length, 0);
});
