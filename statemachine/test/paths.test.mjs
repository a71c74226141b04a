// Every path of the real definition, run by aws-local-stepfunctions with the
// fake functions of fakes.mjs (strict contract parsing) and zero-length Waits
// and retry pauses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine } from 'aws-local-stepfunctions';
import { render } from '../render.mjs';
import { localDistributedMaps } from '../distributed-map.mjs';
import { memoryS3 } from '../s3.mjs';
import { world, PROGRESS_FIXTURE, ASSESS_FIELDS } from './fakes.mjs';

const definition = render();

function zeroPauses() {
  const waitTimeOverrides = {};
  const retryIntervalOverrides = {};
  const visit = (machine) => {
    for (const [name, state] of Object.entries(machine.States)) {
      if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
      if (state.Retry) retryIntervalOverrides[name] = 0;
      if (state.Type === 'Map') visit(state.ItemProcessor);
    }
  };
  visit(definition);
  return { waitTimeOverrides, retryIntervalOverrides };
}

const EXECUTION = 'dmsflow-test-execution';

/**
 * One execution: {status, output, error: {name, cause}, events, entered, w, s3, children}.
 * The Distributed Map runs as the local runner runs it (distributed-map.mjs),
 * against an S3 in memory shared with the fake functions; its children's
 * events are in `events` with their item `index`.
 */
async function run(input, script = {}) {
  const s3 = memoryS3();
  const w = world({ ...script, s3 });
  const events = [];
  const children = [];
  const maps = localDistributedMaps(definition, {
    s3,
    context: { Execution: { Name: EXECUTION } },
    onChild: (c) => {
      if (c.type === 'event') events.push({ ...c.event, index: c.index });
      if (c.type === 'ended') children.push(c.entry);
    },
  });
  const overrides = { taskResourceLocalHandlers: w.handlers(definition), ...zeroPauses() };
  Object.assign(overrides.taskResourceLocalHandlers, maps.handlersFor(overrides));
  const execution = new StateMachine(maps.definition, { validationOptions: { checkArn: false } }).run(input, {
    overrides,
    context: { Execution: { Name: EXECUTION } },
  });
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      // The emulating Task is the Map on AWS: report it as one.
      if (event.state && maps.maps[event.state.name]) event.state.type = 'Map';
      events.push(event);
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
    // ExecutionError wraps the Fail state's error: name = Error, message = Cause.
    error = { name: e.cause?.name ?? e.name, cause: e.cause?.message ?? e.message };
  }
  await collecting;
  const entered = events.filter((e) => e.type === 'StateEntered' && e.index === undefined).map((e) => e.state.name);
  const childEntered = events.filter((e) => e.type === 'StateEntered' && e.index !== undefined).map((e) => e.state.name);
  assert.ok(!w.runaway, 'the execution stopped by itself (an unbounded loop would spin with zero-length Waits)');
  assert.deepEqual(w.violations, [], 'every payload matched its contract');
  return { status, output, error, events, entered, childEntered, w, s3, children };
}

const times = (list, name) => list.filter((n) => n === name).length;
const lastReport = (r) => r.w.payloads('report').at(-1);
const REPORT_KEYS = ['assessment', 'cdc', 'config', 'cutover', 'error', 'execution', 'migration', 'mode', 'progress', 'seed', 'sequences', 'started_at', 'validation'];

test('migrate, happy path with seed and CDC proof: every step in order, every payload as in docs/contracts.md', async () => {
  const r = await run({ mode: 'migrate', seed: { scale: 2 }, cdc_proof: { count: 100 } });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  const tasks = r.events.filter((e) => e.type === 'StateEntered' && e.state.type === 'Task' && e.index === undefined).map((e) => e.state.name);
  assert.deepEqual([...new Set(tasks)], [
    'Seed source database', 'Create target schema', 'Assess source and target', 'Start migration', 'Check migration progress',
    'Apply CDC burst', 'Check CDC progress', 'Sync sequences', 'Plan validation', 'Write report',
  ]);
  assert.deepEqual(r.w.payloads('seed-source'), [
    { mode: 'load', scale: 2 },
    { mode: 'schema', database: 'target' },
    { mode: 'changes', count: 100 },
  ]);
  assert.deepEqual(r.w.payloads('start-task'), [
    { action: 'assess' },
    { action: 'start', test_connections: false, reload_target: false },
    { action: 'sync-sequences' },
  ]);
  for (const p of r.w.payloads('poll-task')) assert.deepEqual(p, { handle: PROGRESS_FIXTURE.handle, in_sync_lag_seconds: null });
  const [plan, ...items] = r.w.payloads('validate-tables');
  assert.deepEqual(Object.keys(plan).sort(), ['action', 'changes', 'run', 'sequences', 'tables']);
  assert.equal(plan.action, 'plan');
  assert.equal(plan.run, EXECUTION, 'the plan writes its items under the execution name');
  assert.equal(plan.tables, null);
  assert.equal(plan.sequences, 'fail');
  assert.equal(plan.changes.applied, 100, 'the CDC burst result goes to the plan for the proof');
  assert.deepEqual(items.sort((a, b) => a.table.localeCompare(b.table)), [
    { action: 'table', table: 'categories', chunk: null, sequences: 'fail', item: { run: EXECUTION, item: 0 } },
    { action: 'table', table: 'orders', chunk: null, sequences: 'fail', item: { run: EXECUTION, item: 1 } },
  ]);
  // The report gets the whole state document, each slot as its function returned it.
  const report = lastReport(r);
  assert.deepEqual(Object.keys(report).sort(), REPORT_KEYS);
  assert.equal(report.mode, 'migrate');
  assert.equal(report.execution, EXECUTION);
  assert.match(report.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, '$$.Execution.StartTime (the library sets it)');
  assert.deepEqual(report.config, {
    mode: 'migrate', seed: { scale: 2, mode: 'load' }, cdc_proof: { count: 100, mode: 'changes' }, poll_interval_seconds: 15, max_polls: 240,
    in_sync_lag_seconds: null, test_connections: false, reload_target: false, tables: null, sequences: 'fail', validation_concurrency: 4, assess: true,
  });
  assert.deepEqual(Object.keys(report.assessment).sort(), [...ASSESS_FIELDS].sort(), 'the assessment, whole');
  assert.equal(report.assessment.verdict, 'ready');
  assert.equal(report.seed.load.total_rows, 1980);
  assert.deepEqual(report.seed.schema, { mode: 'schema', schema: 'shop', database: 'target', created: true });
  assert.equal(report.migration.outcome, 'created');
  assert.deepEqual(report.migration.handle, PROGRESS_FIXTURE.handle);
  assert.deepEqual(Object.keys(report.progress).sort(), Object.keys(PROGRESS_FIXTURE).sort(), 'the last poll, whole');
  assert.equal(report.progress.phase, 'in-sync');
  assert.equal(report.cdc.changes.applied, 100);
  assert.equal(report.cdc.progress.phase, 'in-sync');
  assert.equal(report.sequences.sequences[0].target_after, 208);
  // The plan's summary and the Map's ResultWriter output, not the items or results.
  assert.equal(report.validation.plan.work_items, 2);
  assert.equal(JSON.parse(await r.s3.getObject('dmsflow-reports', report.validation.plan.items.key)).length, 2, 'the work items are in S3');
  const manifest = JSON.parse(await r.s3.getObject(report.validation.results.ResultWriterDetails.Bucket, report.validation.results.ResultWriterDetails.Key));
  const succeeded = JSON.parse(await r.s3.getObject(manifest.DestinationBucket, manifest.ResultFiles.SUCCEEDED[0].Key));
  assert.equal(succeeded.length, 2, 'one succeeded child per work item, in the ResultWriter output');
  assert.deepEqual(manifest.ResultFiles.FAILED, []);
  assert.equal(report.error, null);
  assert.equal(r.entered.at(-1), 'Target is identical');
  assert.equal(r.output.verdict, 'identical', 'the execution output is the report summary');
  assert.match(r.output.report.markdown, /dmsflow-test-execution\.md$/);
});

test('assessment not ready: failure report with the failed checks, FAILED before the engine is started', async () => {
  const r = await run({ mode: 'migrate', seed: { scale: 1 } }, { failingChecks: ['target-tables-empty', 'large-objects'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'AssessmentNotReady');
  assert.match(r.error.cause, /premigration assessment failed a check/);
  assert.deepEqual(r.w.payloads('start-task'), [{ action: 'assess' }], 'assessed, never started');
  assert.equal(r.w.payloads('poll-task').length, 0);
  assert.equal(r.w.payloads('validate-tables').length, 0);
  assert.deepEqual(r.entered.slice(-6), ['Create target schema', 'Assess requested?', 'Assess source and target', 'Ready to migrate?', 'Assessment not ready', 'Write failure report', 'Execution failed'].slice(-6));
  const report = lastReport(r);
  assert.equal(report.error.Error, 'AssessmentNotReady');
  assert.equal(report.assessment.verdict, 'not-ready');
  assert.deepEqual(report.assessment.checks.filter((c) => c.status === 'fail').map((c) => c.name), ['target-tables-empty', 'large-objects']);
  assert.ok(report.assessment.checks.every((c) => c.status !== 'fail' || c.fix), 'each failed check carries its fix to the report');
  assert.equal(report.migration, null);
  assert.equal(r.output, undefined);
});

test('"assess": false skips the assessment: straight to the start, no assessment in the report', async () => {
  const r = await run({ mode: 'migrate', assess: false }, { failingChecks: ['target-tables-empty'] });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  assert.ok(!r.entered.includes('Assess source and target'));
  assert.deepEqual(r.w.payloads('start-task').map((p) => p.action), ['start', 'sync-sequences']);
  assert.equal(lastReport(r).assessment, null);
  assert.equal(lastReport(r).config.assess, false);
});

test('the poll loop is taken until in-sync: starting, full-load, cdc-catching-up, in-sync', async () => {
  const r = await run({ mode: 'migrate' }, { phases: ['starting', 'full-load', 'full-load', 'cdc-catching-up', 'in-sync'] });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(times(r.entered, 'Wait before polling'), 5);
  assert.equal(times(r.entered, 'Check migration progress'), 5);
  assert.equal(times(r.entered, 'Migration in sync?'), 5);
  assert.equal(r.w.payloads('seed-source').length, 0, 'no seed object, no seeding');
  assert.ok(!r.entered.includes('Apply CDC burst'), 'no cdc_proof, no burst');
  const exits = r.events.filter((e) => e.type === 'StateExited' && e.state.name === 'Count migration checks').map((e) => e.state.output.polls.migration);
  assert.deepEqual(exits, [1, 2, 3, 4, 5]);
});

test('engine failed during the full load: failure report with MigrationFailed and the engine error, then FAILED', async () => {
  const r = await run({ mode: 'migrate' }, { phases: ['full-load', 'failed'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'MigrationFailed');
  assert.deepEqual(r.entered.slice(-4), ['Migration in sync?', 'Migration failed', 'Write failure report', 'Execution failed']);
  const report = lastReport(r);
  assert.equal(report.error.Error, 'MigrationFailed');
  assert.match(report.error.Cause, /phase failed \(status error\): logical replication worker .* exited/);
  assert.equal(report.progress.phase, 'failed');
  assert.equal(r.w.payloads('validate-tables').length, 0, 'nothing validated after a failed migration');
  assert.match(r.error.cause, /^FAILED: MigrationFailed/, 'the cause is the report summary');
});

test('engine stopped before in-sync: failure report, FAILED with MigrationStopped', async () => {
  const r = await run({ mode: 'migrate' }, { phases: ['starting', 'stopped'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'MigrationStopped');
  assert.equal(lastReport(r).error.Error, 'MigrationStopped');
  assert.ok(r.entered.includes('Migration stopped'));
});

test('max_polls reached without in-sync: timeout failure report after exactly max_polls checks', async () => {
  const r = await run({ mode: 'migrate', max_polls: 3, poll_interval_seconds: 20 }, { phases: ['full-load'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'MigrationTimedOut');
  assert.equal(r.w.payloads('poll-task').length, 3);
  assert.equal(lastReport(r).error.Cause, 'not in sync after 3 progress checks 20 s apart (max_polls x poll_interval_seconds); last phase full-load, full load 50 %');
});

test('CDC proof: the second loop has its own budget, and its failures are reported as such', async () => {
  const timedOut = await run({ mode: 'migrate', max_polls: 2, cdc_proof: { count: 10 } }, { phases: ['full-load', 'in-sync'], cdcPhases: ['cdc-catching-up'] });
  assert.equal(timedOut.status, 'FAILED');
  assert.equal(timedOut.error.name, 'MigrationTimedOut');
  assert.equal(timedOut.w.payloads('poll-task').length, 4, '2 checks to in-sync, then 2 after the burst');
  assert.match(lastReport(timedOut).error.Cause, /^the CDC burst was not caught up after 2 progress checks .* lag 12.5 s$/);
  assert.equal(lastReport(timedOut).cdc.changes.applied, 10, 'the burst is in the failure report');

  const failed = await run({ mode: 'migrate', cdc_proof: { count: 10, seed: 3 } }, { phases: ['in-sync'], cdcPhases: ['cdc-catching-up', 'failed'] });
  assert.equal(failed.error.name, 'MigrationFailed');
  assert.deepEqual(failed.w.payloads('seed-source'), [{ mode: 'changes', count: 10, seed: 3 }]);
  assert.match(lastReport(failed).error.Cause, /after the CDC burst \(status error\): logical replication worker/);

  const stopped = await run({ mode: 'migrate', cdc_proof: { count: 10 } }, { phases: ['in-sync'], cdcPhases: ['stopped'] });
  assert.equal(stopped.error.name, 'MigrationStopped');
  assert.ok(stopped.entered.includes('CDC replication stopped'));
});

test('validation finds a difference: the report is written with verdict different, then the execution FAILS', async () => {
  const r = await run({ mode: 'migrate' }, { different: ['orders'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'TargetDifferent');
  assert.match(r.error.cause, /^DIFFERENT: 1 of 2 tables identical, 1 different/);
  assert.equal(r.w.payloads('report').length, 1, 'one report, the normal one');
  assert.equal(lastReport(r).error, null);
  assert.deepEqual(r.entered.slice(-3), ['Write report', 'Target identical?', 'Target differs']);
});

test('rows unverified under CDC: verdict unverified, the execution SUCCEEDS (no alarm), the report says so', async () => {
  const r = await run({ mode: 'validate' }, { unverified: ['orders'] });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  assert.equal(r.output.verdict, 'unverified');
  assert.deepEqual(r.entered.slice(-2), ['Target identical?', 'Target identical but rows unverified']);
});

test('a table that could not be compared: verdict failed, FAILED as not verified', async () => {
  const r = await run({ mode: 'validate' }, { errored: ['orders'] });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'TargetNotVerified');
  assert.equal(r.entered.at(-1), 'Target not verified');
});

test('Lambda.ServiceException, then DatabaseUnavailable: the same step is retried by each retrier, then succeeds', async () => {
  const r = await run({ mode: 'migrate' }, { errors: { 'start-task': [null, 'Lambda.ServiceException', 'DatabaseUnavailable'], 'validate-tables': ['AwsTransient'] } });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  const starts = r.w.payloads('start-task').filter((p) => p.action === 'start');
  assert.equal(starts.length, 3, 'start invoked three times');
  const retried = r.events.filter((e) => e.type === 'StateRetried' && e.state.name === 'Start migration');
  assert.deepEqual(retried.map((e) => e.retry.retrier.ErrorEquals.includes('DatabaseUnavailable') ? 'transient' : 'lambda'), ['lambda', 'transient']);
  assert.equal(r.w.payloads('validate-tables').filter((p) => p.action === 'plan').length, 2, 'the plan retried after AwsTransient');
});

test('a transient error that persists is retried MaxAttempts times, then caught: failure report', async () => {
  const r = await run({ mode: 'validate' }, { always: { 'validate-tables': 'DatabaseUnavailable' } });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'DatabaseUnavailable');
  assert.equal(r.w.payloads('validate-tables').length, 5, '1 try + 4 retries');
  assert.equal(lastReport(r).error.Error, 'DatabaseUnavailable');
  assert.match(lastReport(r).error.Cause, /"errorType":"DatabaseUnavailable"/, 'the Cause is the function error document, as on AWS');
});

test('a non-transient error (SourceNotEmpty) is not retried: caught, failure report, FAILED', async () => {
  const r = await run({ mode: 'migrate', seed: { scale: 1, reset: false } }, { always: { 'seed-source': 'SourceNotEmpty' } });
  assert.equal(r.status, 'FAILED');
  assert.equal(r.error.name, 'SourceNotEmpty');
  assert.deepEqual(r.w.payloads('seed-source'), [{ mode: 'load', scale: 1, reset: false }], 'one attempt, the input seed object as the event');
  assert.equal(r.w.payloads('start-task').length, 0);
  assert.deepEqual(r.entered.slice(-4), ['Seed source database', 'Record the failure', 'Write failure report', 'Execution failed']);
  const report = lastReport(r);
  assert.equal(report.error.Error, 'SourceNotEmpty');
  assert.deepEqual(report.seed, { load: null, schema: null });
  assert.deepEqual(report.validation, { plan: null, results: [] });
});

test('validate mode (the schedule): plan, Map, report; no seed, no engine', async () => {
  const r = await run({ mode: 'validate', sequences: 'warn' });
  assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r.error));
  for (const fn of ['seed-source', 'start-task', 'poll-task']) assert.equal(r.w.payloads(fn).length, 0, fn);
  assert.deepEqual(r.w.payloads('validate-tables')[0], { action: 'plan', tables: null, changes: null, sequences: 'warn', run: EXECUTION });
  const report = lastReport(r);
  assert.equal(report.mode, 'validate');
  assert.equal(report.migration, null);
  assert.deepEqual(report.cdc, { changes: null, progress: null });
  assert.deepEqual(r.entered, ['Read input', 'Apply defaults', 'Which mode?', 'Plan validation', 'Validate tables',
    'Write report', 'Target identical?', 'Target is identical']);
  assert.deepEqual(r.childEntered, ['Validate one table', 'Validate one table'], 'one child execution per item');
});

test('Map fan-out: chunk items of a large table, validation_concurrency from the input (default 4)', async () => {
  const work = [];
  for (let i = 0; i < 6; i++) {
    work.push({ action: 'table', table: 'order_items', chunk: { index: i, count: 6, key_column: 'order_id', lower: i ? i * 100 : null, upper: i < 5 ? (i + 1) * 100 : null } });
  }
  work.push({ action: 'table', table: 'orders', chunk: null }, { action: 'table', table: 'customers', chunk: null });

  const two = await run({ mode: 'validate', validation_concurrency: 2, tables: ['order_items', 'orders', 'customers'] }, { work });
  assert.equal(two.status, 'SUCCEEDED', JSON.stringify(two.error));
  const items = two.w.payloads('validate-tables').slice(1);
  assert.equal(items.length, 8);
  assert.deepEqual(items.filter((p) => p.table === 'order_items').map((p) => p.chunk.index).sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(items.find((p) => p.chunk?.index === 2), { action: 'table', table: 'order_items', chunk: work[2].chunk, sequences: 'fail', item: { run: EXECUTION, item: 2 } });
  assert.equal(two.w.maxInFlight, 2, 'two at a time');
  assert.deepEqual(two.w.payloads('validate-tables')[0].tables, ['order_items', 'orders', 'customers']);
  assert.equal(two.children.length, 8, 'one child execution per item');
  assert.ok(lastReport(two).validation.results.ResultWriterDetails, 'the report gets the ResultWriter output');
  assert.equal(two.output.tables_validated, 8);

  const dflt = await run({ mode: 'validate' }, { work });
  assert.equal(dflt.w.maxInFlight, 4, 'four at a time by default');
});

test('a work item that fails after its retries fails the Map: caught, failure report', async () => {
  const r = await run({ mode: 'validate' }, { errors: { 'validate-tables': [null, 'Lambda.Unknown'] } });
  assert.equal(r.status, 'FAILED');
  // No failure is tolerated: the Map fails as a Distributed Map does, the item's error in the cause.
  assert.equal(r.error.name, 'States.ExceedToleratedFailureThreshold');
  assert.match(lastReport(r).error.Cause, /1 of 2 child executions failed \(item \d: Lambda.Unknown/);
  assert.deepEqual(r.entered.slice(-3), ['Record the failure', 'Write failure report', 'Execution failed']);
  assert.deepEqual(lastReport(r).validation.results, []);
  assert.equal(lastReport(r).validation.plan.work_items, 2, 'the plan is in the failure report');
  const written = r.events.find((e) => e.type === 'StateExited' && e.state.name === 'Write failure report');
  assert.equal(written.state.output.report.verdict, 'failed', 'a failed item is a failed verdict');
  const failedChild = r.children.find((c) => c.Status === 'FAILED');
  assert.equal(failedChild.Error, 'Lambda.Unknown', 'the child execution failed with the function error (Work item failed)');
  const failedFiles = [...r.s3.objects.keys()].filter((k) => /\/map\/[^/]+\/FAILED_0\.json$/.test(k));
  assert.equal(failedFiles.length, 1, 'the ResultWriter wrote the failed child too');
});

test('an input the machine cannot use is refused before any function runs, with a failure report', async () => {
  for (const input of [
    { mode: 'migrat' },
    { mode: 'migrate', seed_scale: 1 },
    { mode: 'migrate', cdc_changes: 100 },
    { mode: 'migrate', seed: 1 },
    { mode: 'migrate', cdc_proof: 100 },
    { mode: 'migrate', max_polls: 0 },
    { mode: 'migrate', poll_interval_seconds: '15' },
    { mode: 'validate', validation_concurrency: -1 },
    { mode: 'migrate', in_sync_lag_seconds: 'low' },
    { mode: 'migrate', assess: 'no' },
  ]) {
    const r = await run(input);
    assert.equal(r.status, 'FAILED', JSON.stringify(input));
    assert.equal(r.error.name, 'InvalidInput', JSON.stringify(input));
    assert.deepEqual(r.w.calls.map((c) => c.fn), ['report'], JSON.stringify(input));
    assert.match(lastReport(r).error.Cause, /execution input not understood/);
  }
});

test('the report step failing ends the execution at once: no second report, no loop', async () => {
  const ok = await run({ mode: 'validate' }, { always: { report: 'ReportError' } });
  assert.equal(ok.status, 'FAILED');
  assert.equal(ok.error.name, 'ReportError');
  assert.equal(ok.w.payloads('report').length, 1);
  assert.equal(ok.entered.at(-1), 'Report could not be written');

  const failing = await run({ mode: 'migrate' }, { phases: ['failed'], always: { report: 'ReportError' } });
  assert.equal(failing.error.name, 'ReportError');
  assert.equal(failing.w.payloads('report').length, 1, 'the failure report is not retried on ReportError');
  assert.deepEqual(failing.entered.slice(-2), ['Write failure report', 'Report could not be written']);

  const throttled = await run({ mode: 'validate' }, { always: { report: 'Lambda.TooManyRequestsException' } });
  assert.equal(throttled.w.payloads('report').length, 7, 'Lambda throttling: 1 try + 6 retries, then the end');
});
