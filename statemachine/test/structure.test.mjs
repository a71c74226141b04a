// The definition's shape, checked against the contract
// (contract/dmsflow.contract.json) where the two must agree: valid ASL, only the five templatefile placeholders, every state
// reachable and commented, every Task retried and caught, only error names the
// functions really emit, bounded poll loops, and result selectors / the report
// event exactly the fields of the contract's types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { render, DEFINITION_PATH, PLACEHOLDERS, FUNCTIONS, fakeArn, functionOfArn } from '../render.mjs';
import { applyTemplate, rewriteDistributedMaps } from '../distributed-map.mjs';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator');
// ajv comes with asl-validator; its 2020-12 build reads the contract's JSON Schemas.
const Ajv2020 = require('ajv/dist/2020').default;

const definition = render();
const raw = readFileSync(DEFINITION_PATH, 'utf8');
const contract = JSON.parse(readFileSync(new URL('../../contract/dmsflow.contract.json', import.meta.url), 'utf8'));

const LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
const MAX_LAMBDA_TIMEOUT = 900; // Lambda's hard limit (terraform/variables.tf lambda_sizing enforces it too)

// ------------------------------------------------------------ the contract
// contract/dmsflow.contract.json, generated from the Rust contract module
// (`make contract`; a Rust test fails when it is stale).

/** The stable errorType names, and the transient ones. */
function contractErrorTypes() {
  const errors = contract.errors;
  assert.ok(Array.isArray(errors) && errors.length >= 10, 'the contract lists the error types');
  const names = errors.map((e) => e.name);
  assert.equal(new Set(names).size, names.length, 'error type names are unique');
  return { names: new Set(names), transient: errors.filter((e) => e.transient).map((e) => e.name).sort() };
}

/** The JSON Schema of a type: a top-level schema, or a definition inside one. */
function schemaOf(type) {
  if (contract.schemas[type]) return contract.schemas[type];
  for (const schema of Object.values(contract.schemas)) {
    if (schema.$defs?.[type]) return schema.$defs[type];
  }
  assert.fail(`the contract has no schema for ${type}`);
}

/** Field names of an object type, as they appear in the JSON. */
function contractFields(type) {
  const schema = schemaOf(type);
  assert.equal(schema.type, 'object', `${type} is an object`);
  return Object.keys(schema.properties);
}

/** The result type of a function (for a tag value, e.g. start-task `start`). */
function resultType(fn, tag = '*') {
  const type = contract.functions[fn]?.results?.[tag];
  assert.ok(type, `the contract names the result of ${fn} ${tag}`);
  return type;
}

// ---------------------------------------------------------------- the graph
function machines(machine = definition, label = 'main') {
  const out = [{ label, machine }];
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Map') out.push(...machines(state.ItemProcessor, `${label}/${name}`));
  }
  return out;
}
const allStates = () => machines().flatMap(({ label, machine }) => Object.entries(machine.States).map(([name, state]) => ({ label, name, state, machine })));

function successors(state) {
  return [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter(Boolean);
}

/** Names of states on a cycle of the graph restricted to `keep`. */
function cyclic(machine, keep = () => true) {
  const names = Object.keys(machine.States).filter((n) => keep(n, machine.States[n]));
  const edges = new Map(names.map((n) => [n, successors(machine.States[n]).filter((m) => names.includes(m))]));
  const onCycle = new Set();
  for (const start of names) {
    const seen = new Set();
    const stack = [...edges.get(start)];
    while (stack.length) {
      const n = stack.pop();
      if (n === start) onCycle.add(start);
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...edges.get(n));
    }
  }
  return [...onCycle];
}

const isReportTask = (state) => state.Type === 'Task' && functionOfArn(state.Parameters?.FunctionName) === 'report';

// -------------------------------------------------------------------- tests
test('asl-validator accepts the rendered definition', () => {
  const { isValid, errors } = aslValidator(definition);
  assert.ok(isValid, JSON.stringify(errors, null, 2));
});

test('templatefile: the five function ARNs are the only placeholders, used only as FunctionName', () => {
  const found = [...raw.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(found)].sort(), [...PLACEHOLDERS].sort());
  assert.equal(raw.match(/\$\{/g).length, found.length, 'no other ${');
  assert.ok(!raw.includes('%{'), 'no templatefile directive');
  const fromTasks = allStates().filter(({ state }) => state.Type === 'Task').map(({ state }) => state.Parameters.FunctionName);
  assert.equal(fromTasks.length, found.length, 'every placeholder is a FunctionName');
  assert.deepEqual([...new Set(fromTasks)].sort(), FUNCTIONS.map(fakeArn).sort(), 'all five functions are used');
});

test('every state is reachable from StartAt, every transition names a state, every state has a Comment', () => {
  for (const { label, machine } of machines()) {
    const seen = new Set();
    const queue = [machine.StartAt];
    while (queue.length) {
      const name = queue.shift();
      if (seen.has(name)) continue;
      assert.ok(machine.States[name], `${label}: a transition to unknown state "${name}"`);
      seen.add(name);
      queue.push(...successors(machine.States[name]));
    }
    assert.deepEqual(Object.keys(machine.States).filter((n) => !seen.has(n)), [], `${label}: unreachable states`);
  }
  for (const { label, name, state } of allStates()) assert.ok(state.Comment?.length > 10, `${label}: "${name}" has a Comment`);
});

test('every Task invokes a function through lambda:invoke, with a timeout above the longest Lambda timeout', () => {
  for (const { name, state } of allStates()) {
    if (state.Type !== 'Task') continue;
    assert.equal(state.Resource, 'arn:aws:states:::lambda:invoke', name);
    assert.ok(functionOfArn(state.Parameters.FunctionName), `${name}: FunctionName is a placeholder`);
    assert.ok('Payload' in state.Parameters || 'Payload.$' in state.Parameters, `${name}: a Payload`);
    assert.ok(state.TimeoutSeconds > MAX_LAMBDA_TIMEOUT, `${name}: the function's own timeout must fire first`);
  }
});

test('every Task retries the Lambda service errors and the transient function errors, with backoff and full jitter', () => {
  const { transient } = contractErrorTypes();
  assert.deepEqual(transient, ['AwsTransient', 'DatabaseUnavailable'], 'the transient error types');
  for (const { name, state } of allStates()) {
    if (state.Type !== 'Task') continue;
    const retriers = state.Retry ?? [];
    const lambda = retriers.find((r) => [...r.ErrorEquals].sort().join() === [...LAMBDA_ERRORS].sort().join());
    const functions = retriers.find((r) => [...r.ErrorEquals].sort().join() === transient.join());
    for (const [what, r] of [['Lambda service errors', lambda], ['transient function errors', functions]]) {
      assert.ok(r, `${name}: retries the ${what}`);
      assert.ok(r.BackoffRate > 1 && r.MaxDelaySeconds > 0 && r.JitterStrategy === 'FULL' && r.MaxAttempts >= 2, `${name}: ${what} with backoff, cap and jitter`);
    }
    assert.equal(retriers.length, 2, `${name}: nothing else is retried (every other error is final)`);
  }
});

test('every Task is caught: to a Pass recording the error, then the failure report; the report steps straight to a Fail', () => {
  const main = definition.States;
  const failureReport = Object.entries(main).filter(([, s]) => isReportTask(s) && s.Next && main[s.Next].Type === 'Fail');
  assert.equal(failureReport.length, 1, 'one failure report step, followed by a Fail');
  const [failureReportName] = failureReport[0];
  for (const { label, name, state, machine } of allStates()) {
    if (state.Type !== 'Task' && state.Type !== 'Map') continue;
    if (label !== 'main') {
      // Inside the Map: caught to a Fail that ends the child execution with the
      // item's error; a failed child fails the Map, whose own Catch handles it.
      assert.equal(state.Catch?.length, 1, `${label}/${name}: one catcher`);
      const [catcher] = state.Catch;
      assert.deepEqual(catcher.ErrorEquals, ['States.ALL'], `${label}/${name}: catches everything`);
      assert.equal(catcher.ResultPath, '$.error', `${label}/${name}: records the error`);
      const fail = machine.States[catcher.Next];
      assert.equal(fail.Type, 'Fail', `${label}/${name}: the child execution fails`);
      assert.deepEqual([fail.ErrorPath, fail.CausePath], ['$.error.Error', '$.error.Cause'], `${label}/${name}: with the item's error`);
      continue;
    }
    assert.equal(state.Catch?.length, 1, `${name}: one catcher`);
    const [catcher] = state.Catch;
    assert.deepEqual(catcher.ErrorEquals, ['States.ALL'], `${name}: catches everything`);
    const target = machine.States[catcher.Next];
    if (isReportTask(state)) {
      assert.equal(target.Type, 'Fail', `${name}: a failing report ends the execution (never loops)`);
      assert.notEqual(catcher.ResultPath, '$.error', `${name}: keeps the original error`);
    } else {
      assert.equal(catcher.ResultPath, '$.error', `${name}: records the error, keeps the state`);
      assert.equal(target.Type, 'Pass', `${name}: to a Pass`);
      assert.equal(target.Next, failureReportName, `${name}: then the failure report`);
    }
  }
  // Every way into the failure report records an {Error, Cause} first.
  for (const [name, state] of Object.entries(main)) {
    if (successors(state).includes(failureReportName)) {
      assert.equal(state.Type, 'Pass', `${name} leads to the failure report`);
      const recorded = state.ResultPath === '$.error' && state.Parameters && ('Error' in state.Parameters) && ('Cause' in state.Parameters || 'Cause.$' in state.Parameters);
      const caught = Object.values(main).some((s) => s.Catch?.some((c) => c.Next === name && c.ResultPath === '$.error'));
      assert.ok(recorded || caught, `${name}: $.error is set before the failure report`);
    }
  }
});

test('every ErrorEquals name is States.*, one of the four Lambda service errors, or an error type of the contract', () => {
  const { names } = contractErrorTypes();
  let count = 0;
  for (const { name, state } of allStates()) {
    for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
      for (const e of rule.ErrorEquals) {
        count += 1;
        assert.ok(e.startsWith('States.') || LAMBDA_ERRORS.includes(e) || names.has(e), `${name}: ErrorEquals "${e}" is not an error any function emits`);
      }
    }
  }
  assert.ok(count > 50);
});

test('poll loops are bounded: every cycle waits, and passes a max_polls check of a counter it increments', () => {
  const main = definition.States;
  assert.ok(cyclic(definition).length > 0, 'the definition has poll loops');
  const counterChoices = Object.entries(main).filter(([, s]) => s.Type === 'Choice' && s.Choices.some((c) => c.NumericGreaterThanEqualsPath === '$.config.max_polls'));
  assert.equal(counterChoices.length, 2, 'two bounded loops: migration and CDC');
  const counters = counterChoices.map(([, s]) => s.Choices.find((c) => c.NumericGreaterThanEqualsPath).Variable);
  const increments = Object.entries(main).filter(([, s]) => s.Type === 'Pass' && counters.some((v) => {
    const key = v.split('.').at(-1);
    return s.ResultPath === v.split('.').slice(0, -1).join('.') && s.Parameters?.[`${key}.$`] === `States.MathAdd(${v}, 1)`;
  }));
  assert.equal(increments.length, 2, 'each counter incremented by a States.MathAdd Pass');
  const without = (names) => (n) => !names.includes(n);
  assert.deepEqual(cyclic(definition, without(counterChoices.map(([n]) => n))), [], 'no cycle avoids a max_polls check');
  assert.deepEqual(cyclic(definition, without(increments.map(([n]) => n))), [], 'no cycle avoids incrementing its counter');
  assert.deepEqual(cyclic(definition, (n, s) => s.Type !== 'Wait'), [], 'no cycle without a Wait');
  for (const [name] of counterChoices) {
    const loop = cyclic(definition).filter((n) => cyclic(definition, without([name])).indexOf(n) < 0);
    assert.ok(loop.length >= 4, `${name}: on a loop`);
  }
});

test('result selectors name exactly the fields of the contract\'s result types (a missing field would stop the execution)', () => {
  const expected = {
    'poll-task': contractFields(resultType('poll-task')),
    'start-task start': contractFields(resultType('start-task', 'start')),
    'start-task sync-sequences': contractFields(resultType('start-task', 'sync-sequences')),
    'start-task assess': contractFields(resultType('start-task', 'assess')),
    'seed-source schema': contractFields(resultType('seed-source', 'schema')),
    report: contractFields(resultType('report')),
  };
  const fixture = JSON.parse(readFileSync(new URL('../../functions/dmsflow/tests/fixtures/progress.json', import.meta.url), 'utf8'));
  assert.deepEqual(Object.keys(fixture).sort(), [...expected['poll-task']].sort(), 'the Progress fixture has every field');
  const seen = new Set();
  for (const { name, state } of allStates()) {
    if (state.Type !== 'Task' || !state.ResultSelector) continue;
    const entries = Object.entries(state.ResultSelector);
    const picked = entries.filter(([k, v]) => k.endsWith('.$') && v === `$.Payload.${k.slice(0, -2)}`);
    if (picked.length === 0) {
      // Whole-payload selectors: the function's document kept as it is.
      assert.ok(entries.some(([, v]) => v === '$.Payload'), `${name}: keeps $.Payload`);
      continue;
    }
    assert.equal(picked.length, entries.length, `${name}: only fields of the payload`);
    const fn = functionOfArn(state.Parameters.FunctionName);
    const action = state.Parameters.Payload?.action ?? state.Parameters.Payload?.mode;
    const key = expected[`${fn} ${action}`] ? `${fn} ${action}` : fn;
    assert.ok(expected[key], `${name}: a known result type for ${key}`);
    assert.deepEqual(picked.map(([k]) => k.slice(0, -2)).sort(), [...expected[key]].sort(), `${name}: the fields of ${key}'s result`);
    seen.add(key);
  }
  assert.deepEqual([...seen].sort(), Object.keys(expected).sort(), 'every result type checked');
});

test('the state document is the report event: same slots as the contract\'s ReportEvent and its sections', () => {
  const apply = Object.values(definition.States).find((s) => s.Type === 'Pass' && s.Parameters?.['config.$']?.startsWith('States.JsonMerge'));
  assert.ok(apply, 'a Pass builds the state document');
  const slots = Object.keys(apply.Parameters).map((k) => k.replace(/\.\$$/, ''));
  const event = contractFields(contract.functions.report.event);
  for (const [name, state] of Object.entries(definition.States).filter(([, s]) => isReportTask(s))) {
    const payload = state.Parameters.Payload;
    assert.deepEqual(Object.keys(payload).map((k) => k.replace(/\.\$$/, '')).sort(), [...event].sort(), `${name}: the ReportEvent fields`);
    for (const [k, v] of Object.entries(payload)) {
      if (v.startsWith('$.')) assert.ok(slots.includes(v.slice(2).split('.')[0]), `${name}: ${k} comes from a slot of the state document`);
    }
  }
  assert.deepEqual(Object.keys(apply.Parameters.seed).sort(), contractFields('SeedSection').sort());
  assert.deepEqual(Object.keys(apply.Parameters.cdc).sort(), contractFields('CdcSection').sort());
  assert.deepEqual(Object.keys(apply.Parameters.validation).sort(), contractFields('ValidationSection').sort());
  assert.deepEqual(apply.Parameters.validation.results, [], 'results starts as an empty list, never null (what a failure before the Map reports)');
  // ValidationSection.results: that list, or the Distributed Map's ResultWriter output.
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const reportEvent = ajv.compile(schemaOf(contract.functions.report.event));
  const section = (validation) => reportEvent({ mode: 'validate', validation });
  assert.ok(section({ plan: null, results: [] }), JSON.stringify(reportEvent.errors));
  assert.ok(section({ plan: null, results: { MapRunArn: 'arn:aws:states:us-east-1:1:mapRun:m/x:1', ResultWriterDetails: { Bucket: 'b', Key: 'k/manifest.json' } } }), JSON.stringify(reportEvent.errors));
  assert.ok(!section({ plan: null, results: null }), 'never null');
  // Every step writes into a slot of the document (or completes an input object).
  for (const { label, name, state } of allStates()) {
    if (label !== 'main' || !state.ResultPath) continue;
    const top = state.ResultPath.slice(2).split('.')[0];
    assert.ok(slots.includes(top), `${name}: ResultPath ${state.ResultPath} is in the state document`);
  }
});

test('statemachine/README.md documents exactly the defaults of the definition', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(/## Execution input[\s\S]*?```jsonc\n([\s\S]*?)```/);
  assert.ok(block, 'a ```jsonc block under "## Execution input"');
  const documented = JSON.parse(block[1].replace(/\s*\/\/.*$/gm, ''));
  const read = Object.values(definition.States).find((s) => s.Parameters?.defaults);
  assert.deepEqual(documented, read.Parameters.defaults);
});

test('the example events and the progress fixtures match the JSON Schemas of the contract', () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const check = (type, doc, what) => {
    const validate = ajv.compile(schemaOf(type));
    assert.ok(validate(doc), `${what} is not a ${type}: ${JSON.stringify(validate.errors)}`);
    return validate;
  };
  const eventsDir = new URL('../../events/', import.meta.url);
  const files = readdirSync(eventsDir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 10, 'the events/ examples');
  for (const file of files) {
    const fn = Object.keys(contract.functions).find((f) => file.startsWith(`${f}-`));
    assert.ok(fn, `${file}: names a function`);
    const doc = JSON.parse(readFileSync(new URL(file, eventsDir), 'utf8'));
    const validate = check(contract.functions[fn].event, doc, `events/${file}`);
    assert.ok(!validate({ ...doc, unexpected_field: true }), `events/${file}: an unknown field is refused by the schema`);
  }
  for (const fixture of ['progress.json', 'progress-dms.json']) {
    const doc = JSON.parse(readFileSync(new URL(`../../functions/dmsflow/tests/fixtures/${fixture}`, import.meta.url), 'utf8'));
    check(resultType('poll-task'), doc, fixture);
  }
  // issue 12 defect 9: a chunk needs its key column.
  const chunk = ajv.compile(schemaOf('ChunkSpec'));
  assert.ok(!chunk({ index: 0, count: 4 }), 'a chunk without key_column is refused');
  assert.ok(chunk({ index: 0, count: 4, key_column: 'id', lower: null, upper: 10 }));
});

test('Validate tables is a Distributed Map: items from S3, results to S3, no tolerated failure, each path a field of the contract', () => {
  const plan = definition.States['Plan validation'];
  const map = definition.States['Validate tables'];
  assert.equal(plan.Next, 'Validate tables');
  assert.equal(plan.Parameters.Payload['run.$'], '$$.Execution.Name', 'the plan writes under the execution name');
  assert.equal(plan.ResultSelector['plan.$'], '$.Payload', 'the plan summary, whole, at $.validation.plan');
  assert.equal(map.Type, 'Map');
  assert.deepEqual(map.ItemProcessor.ProcessorConfig, { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
  assert.equal(map.ItemsPath, undefined, 'the items are not in the state');
  assert.deepEqual(map.ItemReader, {
    Resource: 'arn:aws:states:::s3:getObject',
    ReaderConfig: { InputType: 'JSON' },
    Parameters: { 'Bucket.$': '$.validation.plan.items.bucket', 'Key.$': '$.validation.plan.items.key' },
  });
  assert.deepEqual(map.ResultWriter, {
    Resource: 'arn:aws:states:::s3:putObject',
    Parameters: { 'Bucket.$': '$.validation.plan.map.bucket', 'Prefix.$': '$.validation.plan.map.prefix' },
  });
  assert.equal(map.ToleratedFailurePercentage, 0, 'a failed item is a failed verdict');
  assert.ok(!map.ToleratedFailureCount && !map.ToleratedFailurePercentagePath && !map.ToleratedFailureCountPath);
  assert.equal(map.MaxConcurrencyPath, '$.config.validation_concurrency');
  assert.equal(map.ResultPath, '$.validation.results');
  assert.equal(map.Catch[0].Next, 'Record the failure');
  // The paths name fields of the plan's summary (PlanSummary) and its S3 locations.
  const summary = contractFields('PlanSummary');
  for (const f of ['run', 'items', 'map', 'work_items', 'checks']) assert.ok(summary.includes(f), `PlanSummary.${f}`);
  assert.ok(!summary.includes('work'), 'the summary does not carry the work items');
  assert.deepEqual(contractFields('S3Object').sort(), ['bucket', 'key']);
  assert.deepEqual(contractFields('S3Prefix').sort(), ['bucket', 'prefix']);
  // Each child's event, as the ItemSelector builds it, is a validate-tables table event.
  const state = { config: { sequences: 'fail' }, validation: { plan: { run: 'exec-1' } } };
  const item = { action: 'table', table: 'shop.orders', chunk: { index: 1, count: 4, key_column: 'order_id', lower: 100, upper: 200 } };
  const event = applyTemplate(map.ItemSelector, state, { Map: { Item: { Index: 7, Value: item } } });
  assert.deepEqual(event, { ...item, sequences: 'fail', item: { run: 'exec-1', item: 7 } });
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const validEvent = ajv.compile(schemaOf(contract.functions['validate-tables'].event));
  assert.ok(validEvent(event), JSON.stringify(validEvent.errors));
  // The child returns the item's summary (the full result is in S3).
  const child = map.ItemProcessor.States[map.ItemProcessor.StartAt];
  assert.equal(child.OutputPath, '$.Payload');
  for (const f of ['item', 'status', 'result']) assert.ok(contractFields('ItemSummary').includes(f), `ItemSummary.${f}`);
});

test('the local emulation of a Distributed Map has no 60 s Task timeout (a Map has none; a Task defaults to 60 s)', () => {
  const { definition, maps } = rewriteDistributedMaps(render());
  assert.ok(Object.keys(maps).includes('Validate tables'));
  const emulated = definition.States['Validate tables'];
  assert.equal(emulated.Type, 'Task');
  // Longer than any run here (hours), and under Node's timer limit (2^31 ms).
  assert.ok(emulated.TimeoutSeconds >= 24 * 3600, `TimeoutSeconds ${emulated.TimeoutSeconds}`);
  assert.ok(emulated.TimeoutSeconds * 1000 < 2 ** 31, `TimeoutSeconds ${emulated.TimeoutSeconds}`);
});
