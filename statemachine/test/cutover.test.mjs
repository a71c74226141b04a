// Mode `cutover` of the real definition (issue 13), run by
// aws-local-stepfunctions with the fake functions of fakes.mjs: the
// start-task cutover event built from the input over the defaults, ready →
// report → Succeed, aborted → report → Fail, a refused or unfence error →
// the failure report, an input without a fence refused before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine } from 'aws-local-stepfunctions';
import { render } from '../render.mjs';
import { world, cutoverResult } from './fakes.mjs';

const definition = render();
const EXECUTION = 'dmsflow-cutover-test';

function zeroPauses() {
  const waitTimeOverrides = {};
  const retryIntervalOverrides = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
    if (state.Retry) retryIntervalOverrides[name] = 0;
  }
  return { waitTimeOverrides, retryIntervalOverrides };
}

/**
 * One execution; start-task cutover answers a cut-over result with `verdict`
 * (after the world's strict parsing and scripted errors).
 */
async function run(input, { verdict = 'ready', ...script } = {}) {
  const w = world(script);
  const handlers = w.handlers(definition);
  const invokeCutover = handlers['Cut over'];
  handlers['Cut over'] = async (params) => ({ ...(await invokeCutover(params)), Payload: cutoverResult(verdict, params.Payload) });
  const execution = new StateMachine(definition).run(input, {
    overrides: { taskResourceLocalHandlers: handlers, ...zeroPauses() },
    context: { Execution: { Name: EXECUTION } },
  });
  const events = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  let status;
  let output;
  let error;
  try {
    output = await execution.result;
    status = 'SUCCEEDED';
  } catch (e) {
    status = 'FAILED';
    error = { name: e.cause?.name ?? e.name, cause: e.cause?.message ?? e.message };
  }
  await collecting;
  const entered = events.filter((e) => e.type === 'StateEntered').map((e) => e.state.name);
  assert.ok(!w.runaway, 'the execution stopped by itself');
  assert.deepEqual(w.violations, [], 'every payload matched its contract');
  return { status, output, error, entered, w };
}

const ROLES_INPUT = { mode: 'cutover', cutover: { fence: 'roles', fence_roles: ['app'] } };
const only = (r, ...fns) => assert.deepEqual([...new Set(r.w.calls.map((c) => c.fn))].sort(), [...fns].sort(), 'no other function runs');

test('cutover ready: one start-task cutover call (input over the defaults), the cut-over report, Succeed', async () => {
  const r = await run(ROLES_INPUT);
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.entered.at(-1), 'Cut-over ready');
  assert.deepEqual(r.w.payloads('start-task'), [
    { action: 'cutover', fence: 'roles', fence_roles: ['app'], quiet_seconds: 15, drain_timeout_seconds: 300, rehearsal: false },
  ]);
  only(r, 'start-task', 'report');
  const [report] = r.w.payloads('report');
  assert.equal(report.mode, 'cutover');
  assert.equal(report.error, null);
  assert.equal(report.cutover.request, null, 'the result replaced the event');
  assert.equal(report.cutover.result.verdict, 'ready');
  assert.equal(report.cutover.result.write_downtime_seconds, 0.9);
  assert.equal(report.validation.plan, null, 'no validate-tables run: the cut-over validated inside start-task');
  assert.ok(r.entered.includes('Write cut-over report'));
  assert.ok(!r.entered.includes('Write failure report'));
});

test('every cut-over field of the input reaches start-task; a rehearsal with fence none keeps the defaults it does not give', async () => {
  const r = await run({ mode: 'cutover', cutover: { fence: 'none', quiet_seconds: 3, rehearsal: true } });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  assert.deepEqual(r.w.payloads('start-task'), [
    { action: 'cutover', fence: 'none', fence_roles: [], quiet_seconds: 3, drain_timeout_seconds: 300, rehearsal: true },
  ]);
});

test('cutover aborted: the report is written, then the execution FAILS with CutoverAborted and the report summary', async () => {
  const r = await run(ROLES_INPUT, { verdict: 'aborted' });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'CutoverAborted');
  assert.equal(r.entered.at(-1), 'Cut-over aborted');
  const reports = r.w.payloads('report');
  assert.equal(reports.length, 1, 'one report: the cut-over report, not a failure report');
  assert.equal(reports[0].cutover.result.verdict, 'aborted');
  assert.match(reports[0].cutover.result.reason, /not identical at rest/);
  // CausePath $.report.summary: the fake report's summary (it knows no cut-over).
  assert.equal(r.error.cause, 'FAILED: no table was validated', 'the cause is the report summary');
});

for (const errorType of ['CutoverRefused', 'UnfenceFailed']) {
  test(`start-task cutover fails with ${errorType}: not retried, failure report with the error, FAILED`, async () => {
    const r = await run(ROLES_INPUT, { errors: { 'start-task': [errorType] } });
    assert.equal(r.status, 'FAILED');
    assert.equal(r.error.name, errorType);
    assert.equal(r.w.payloads('start-task').length, 1, 'a typed cut-over error is final');
    assert.deepEqual(r.entered.slice(-4), ['Cut over', 'Record the failure', 'Write failure report', 'Execution failed']);
    const [report] = r.w.payloads('report');
    assert.equal(report.error.Error, errorType);
    assert.equal(report.mode, 'cutover');
    assert.equal(report.cutover.result, null, 'no result');
    assert.equal(report.cutover.request.action, 'cutover', 'the event that failed is in the report');
  });
}

test('DatabaseUnavailable before the cut-over began is retried, then the cut-over goes on', async () => {
  const r = await run(ROLES_INPUT, { errors: { 'start-task': ['DatabaseUnavailable'] } });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.w.payloads('start-task').length, 2);
});

test('a cutover input without a fence, or with its own action, is refused before any function runs but the report', async () => {
  for (const input of [{ mode: 'cutover' }, { mode: 'cutover', cutover: { fence_roles: ['app'] } }, { mode: 'cutover', cutover: { fence: 'none', action: 'stop' } }, { mode: 'cutover', cutover: 'roles' }]) {
    const r = await run(input);
    assert.equal(r.status, 'FAILED', JSON.stringify(input));
    assert.equal(r.error.name, 'InvalidInput');
    only(r, 'report');
    assert.ok(r.entered.includes('Cut-over input not understood'), JSON.stringify(input));
    assert.match(r.w.payloads('report')[0].error.Cause, /"cutover" object with a "fence"/);
  }
});

test('the Cut over Task outlasts its Lambda: TimeoutSeconds above 900 s, and the wait it may spend is bounded by start-task', () => {
  const task = definition.States['Cut over'];
  assert.ok(task.TimeoutSeconds > 900);
  const defaults = definition.States['Apply defaults'].Parameters.cutover.request;
  assert.ok(defaults.quiet_seconds + defaults.drain_timeout_seconds <= 600, 'the defaults fit the 600 s start-task allows');
});
