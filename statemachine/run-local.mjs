#!/usr/bin/env node
// Run the real state machine definition locally: aws-local-stepfunctions
// interprets the ASL, and every Task invokes the real function served by
// `cargo lambda watch` (POST /2015-03-31/functions/<name>/invocations).
//
//   node -r ./test/polyfill.cjs run-local.mjs --input '{"mode":"migrate","seed_scale":1}' --port 9000
//
// Options:
//   --input JSON              execution input (default {"mode":"migrate"})
//   --port N                  cargo lambda watch invoke port (default 9000)
//   --host H                  its address (default 127.0.0.1)
//   --name NAME               execution name (default dmsflow-local-<time>)
//   --wait-ms N               length of every Wait state in ms (default: as defined)
//   --retry-ms N              pause before every retry in ms (default: as defined)
//   --before-validate CMD     shell command run once, just before the validation plan
//   --events FILE             append one JSON line per state entered/exited/failed
//   --output FILE             write the execution's output (or error) as JSON
//   --quiet                   no progress lines
// Exit code: 0 SUCCEEDED, 1 FAILED, 2 runner error.
import { StateMachine } from 'aws-local-stepfunctions';
import { execSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { render, functionOfArn } from './render.mjs';

export class FunctionError extends Error {
  constructor(errorType, message) {
    super(message);
    this.name = errorType; // what ErrorEquals matches
  }
}

function parseArgs(argv) {
  const opts = { input: '{"mode":"migrate"}', port: 9000, host: '127.0.0.1', quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${key} needs a value`);
      return argv[++i];
    };
    switch (key) {
      case '--input': opts.input = value(); break;
      case '--port': opts.port = Number(value()); break;
      case '--host': opts.host = value(); break;
      case '--name': opts.name = value(); break;
      case '--wait-ms': opts.waitMs = Number(value()); break;
      case '--retry-ms': opts.retryMs = Number(value()); break;
      case '--before-validate': opts.beforeValidate = value(); break;
      case '--events': opts.events = value(); break;
      case '--output': opts.output = value(); break;
      case '--quiet': opts.quiet = true; break;
      default: throw new Error(`unknown option ${key}`);
    }
  }
  return opts;
}

/**
 * Invoke a function through the cargo-lambda invoke API. A function error
 * (HTTP 500 with {errorType, errorMessage}, or a 200 carrying errorType) is
 * thrown as that error type; an unreachable endpoint is Lambda.ServiceException,
 * as Step Functions would see a Lambda service failure.
 */
export async function invokeFunction({ host, port }, fn, payload) {
  const url = `http://${host}:${port}/2015-03-31/functions/${fn}/invocations`;
  let response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload ?? {}) });
  } catch (e) {
    throw new FunctionError('Lambda.ServiceException', `cannot reach ${url}: ${e.cause?.message ?? e.message}`);
  }
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new FunctionError(response.ok ? 'Lambda.SdkClientException' : 'Lambda.ServiceException', `${fn} answered HTTP ${response.status} with non-JSON: ${text.slice(0, 300)}`);
  }
  const functionError = body && typeof body === 'object' && (body.errorType || body.error_type);
  if (!response.ok || functionError || response.headers.get('x-amz-function-error')) {
    if (functionError) {
      throw new FunctionError(body.errorType ?? body.error_type, body.errorMessage ?? body.error_message ?? text);
    }
    throw new FunctionError('Lambda.ServiceException', `${fn} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
  return body;
}

function describe(fn, payload, result) {
  if (fn === 'poll-task' && result) {
    const pct = result.full_load_percent == null ? '–' : `${Math.round(result.full_load_percent)}%`;
    const lag = result.cdc_lag_seconds == null ? '–' : `${result.cdc_lag_seconds.toFixed(1)} s`;
    return `phase ${result.phase}, full load ${pct}, lag ${lag}, ${result.tables?.loaded ?? '?'}/${result.tables?.total ?? '?'} tables loaded`;
  }
  if (fn === 'seed-source' && result?.mode === 'load') return `${result.total_rows} rows loaded in ${result.seconds.toFixed(2)} s`;
  if (fn === 'seed-source' && result?.mode === 'changes') return `${result.applied} changes (${result.inserted} ins, ${result.updated} upd, ${result.deleted} del) at ${result.source_lsn}`;
  if (fn === 'start-task') return result?.message ?? result?.outcome ?? '';
  if (fn === 'validate-tables' && payload?.action === 'plan') return `plan: ${result.work.length} work item(s), database checks ${result.status}`;
  if (fn === 'validate-tables') return (result?.tables ?? []).map((t) => `${t.table}${t.chunk ? `#${t.chunk.index}` : ''} ${t.status}`).join(', ');
  if (fn === 'report') return `${result?.verdict?.toUpperCase()}: ${result?.report?.markdown ?? ''}`;
  return '';
}

export async function runLocal(opts, log = console.error) {
  const definition = render();
  const input = JSON.parse(opts.input);
  const name = opts.name ?? `dmsflow-local-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const started = Date.now();
  const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`;
  let hookRan = false;
  const handlers = {};
  const waits = {};
  const retries = {};
  const visit = (machine) => {
    for (const [stateName, state] of Object.entries(machine.States)) {
      if (state.Type === 'Wait' && opts.waitMs !== undefined) waits[stateName] = opts.waitMs;
      if (state.Retry && opts.retryMs !== undefined) retries[stateName] = opts.retryMs;
      if (state.Type === 'Map') visit(state.ItemProcessor);
      if (state.Type !== 'Task') continue;
      handlers[stateName] = async (params) => {
        const fn = functionOfArn(params.FunctionName);
        if (!fn) throw new FunctionError('Lambda.ResourceNotFoundException', `no function for ${params.FunctionName}`);
        if (fn === 'validate-tables' && params.Payload?.action === 'plan' && opts.beforeValidate && !hookRan) {
          hookRan = true;
          if (!opts.quiet) log(`${stamp()} before validation: ${opts.beforeValidate}`);
          execSync(opts.beforeValidate, { stdio: 'inherit', shell: '/bin/bash' });
        }
        const result = await invokeFunction(opts, fn, params.Payload);
        if (!opts.quiet) {
          const what = describe(fn, params.Payload, result);
          if (what) log(`${stamp()}   ${stateName}: ${what}`);
        }
        return { Payload: result, StatusCode: 200, ExecutedVersion: '$LATEST' };
      };
    }
  };
  visit(definition);
  const machine = new StateMachine(definition);
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    context: { Execution: { Name: name, StartTime: new Date(started).toISOString(), Input: input } },
  });
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (opts.events) appendFileSync(opts.events, JSON.stringify({ type: event.type, state: event.state?.name, error: event.Error ?? event.error }) + '\n');
      if (opts.quiet) continue;
      if (event.type === 'StateEntered' && !event.index && event.state.type !== 'Pass' && event.state.type !== 'Choice') {
        log(`${stamp()} ${event.state.name}`);
      } else if (event.type === 'StateRetried') {
        log(`${stamp()}   ${event.state.name}: retrying after ${event.Error ?? event.error?.Error ?? 'an error'}`);
      } else if (event.type === 'StateCaught') {
        log(`${stamp()}   ${event.state.name}: caught ${event.Error ?? event.error?.Error ?? 'an error'}`);
      }
    }
  })();
  let status;
  let document;
  try {
    document = await execution.result;
    status = 'SUCCEEDED';
  } catch (e) {
    status = 'FAILED';
    const cause = e.cause ?? e;
    document = { error: cause.name, cause: cause.message };
  }
  await logging;
  return { status, name, document, seconds: (Date.now() - started) / 1000 };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`run-local: ${e.message}`);
    process.exit(2);
  }
  runLocal(opts)
    .then(({ status, name, document, seconds }) => {
      const out = JSON.stringify({ execution: name, status, seconds, ...(status === 'SUCCEEDED' ? { output: document } : document) }, null, 2);
      if (opts.output) writeFileSync(opts.output, out + '\n');
      else console.log(out);
      if (!opts.quiet) console.error(`execution ${name}: ${status} in ${seconds.toFixed(1)} s`);
      process.exit(status === 'SUCCEEDED' ? 0 : 1);
    })
    .catch((e) => {
      console.error(`run-local: ${e.stack ?? e.message}`);
      process.exit(2);
    });
}
