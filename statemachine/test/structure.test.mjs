// The definition's shape: valid ASL, every state reachable, every Task retried
// and caught, only known error names matched, loops bounded, placeholders only
// for the five function ARNs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { render, DEFINITION_PATH, PLACEHOLDERS } from '../render.mjs';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator');

const LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** The stable error names the Rust functions emit (ErrorType::as_str). */
function rustErrorTypes() {
  const src = readFileSync(new URL('../../functions/dmsflow/src/error.rs', import.meta.url), 'utf8');
  const names = [...src.matchAll(/ErrorType::(\w+) => "(\w+)"/g)].map((m) => m[2]);
  assert.ok(names.length >= 10, 'parsed the as_str match arms of error.rs');
  return new Set(names);
}

function allStates(definition, prefix = '') {
  const out = [];
  for (const [name, state] of Object.entries(definition.States)) {
    out.push({ name: prefix + name, state, machine: definition });
    if (state.Type === 'Map') out.push(...allStates(state.ItemProcessor, `${name}/`));
    if (state.Type === 'Parallel') state.Branches.forEach((b, i) => out.push(...allStates(b, `${name}[${i}]/`)));
  }
  return out;
}

function successors(state) {
  const next = [];
  if (state.Next) next.push(state.Next);
  if (state.Default) next.push(state.Default);
  for (const c of state.Choices ?? []) next.push(c.Next);
  for (const c of state.Catch ?? []) next.push(c.Next);
  return next;
}

test('asl-validator accepts the rendered definition', () => {
  const { isValid, errors } = aslValidator(render());
  assert.ok(isValid, JSON.stringify(errors, null, 2));
});

test('the only template placeholders are the five function ARNs', () => {
  const text = readFileSync(DEFINITION_PATH, 'utf8');
  const found = new Set([...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]));
  assert.deepEqual([...found].sort(), [...PLACEHOLDERS].sort());
  assert.ok(!text.includes('%{'), 'no templatefile directives');
});

test('every state is reachable from StartAt, in every machine', () => {
  const check = (machine, label) => {
    const seen = new Set();
    const queue = [machine.StartAt];
    while (queue.length) {
      const name = queue.shift();
      if (seen.has(name)) continue;
      assert.ok(machine.States[name], `${label}: transition to unknown state ${name}`);
      seen.add(name);
      queue.push(...successors(machine.States[name]));
    }
    const unreachable = Object.keys(machine.States).filter((n) => !seen.has(n));
    assert.deepEqual(unreachable, [], `${label}: unreachable states`);
    for (const state of Object.values(machine.States)) {
      if (state.Type === 'Map') check(state.ItemProcessor, 'Map');
    }
  };
  check(render(), 'main');
});

test('every Task retries Lambda service errors with backoff and jitter, and transient function errors', () => {
  for (const { name, state } of allStates(render())) {
    if (state.Type !== 'Task') continue;
    const retry = state.Retry ?? [];
    const lambda = retry.find((r) => LAMBDA_ERRORS.every((e) => r.ErrorEquals.includes(e)));
    assert.ok(lambda, `${name}: retries the four Lambda service errors`);
    assert.ok(lambda.BackoffRate > 1 && lambda.JitterStrategy === 'FULL' && lambda.MaxDelaySeconds, `${name}: backoff + jitter`);
    const transient = retry.find((r) => r.ErrorEquals.includes('DatabaseUnavailable') && r.ErrorEquals.includes('AwsTransient'));
    assert.ok(transient, `${name}: retries DatabaseUnavailable and AwsTransient`);
  }
});

test('every Task outside a Map catches to a report path; the Map is caught as a whole', () => {
  const machine = render();
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type !== 'Task' && state.Type !== 'Map') continue;
    const all = (state.Catch ?? []).find((c) => c.ErrorEquals.includes('States.ALL'));
    assert.ok(all, `${name}: catches States.ALL`);
    assert.equal(all.ResultPath, '$.error', `${name}: keeps the state, records the error`);
    const target = machine.States[all.Next];
    const reportTask = (s) => s?.Type === 'Task' && s.Parameters?.FunctionName?.endsWith('dmsflow-report');
    if (reportTask(state)) {
      assert.equal(target.Type, 'Fail', `${name}: a failing report ends the execution (no loop)`);
    } else {
      assert.ok(reportTask(machine.States[target.Next]) || reportTask(target), `${name}: the catch leads to the report`);
    }
  }
});

test('every ErrorEquals name is a States.* or Lambda.* error, or one the functions really emit', () => {
  const emitted = rustErrorTypes();
  for (const { name, state } of allStates(render())) {
    for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
      for (const e of rule.ErrorEquals) {
        const ok = e.startsWith('States.') || LAMBDA_ERRORS.includes(e) || emitted.has(e);
        assert.ok(ok, `${name}: ErrorEquals ${e} is not an error any function emits`);
      }
    }
  }
});

test('every poll loop is bounded by a counter checked on each cycle', () => {
  const machine = render();
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type !== 'Wait') continue;
    // Follow the cycle from the Wait back to itself and require a counter check on it.
    let current = name;
    let bounded = false;
    for (let i = 0; i < 10; i++) {
      const s = machine.States[current];
      if (s.Type === 'Choice' && s.Choices.some((c) => c.NumericGreaterThanEqualsPath === '$.config.max_polls')) bounded = true;
      current = s.Type === 'Choice' ? s.Default : s.Next;
      if (current === name) break;
    }
    assert.equal(current, name, `${name} is part of a loop`);
    assert.ok(bounded, `${name}: the loop has a max_polls check`);
  }
});
