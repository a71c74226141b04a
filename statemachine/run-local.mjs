#!/usr/bin/env node
// Run the real state machine definition locally: aws-local-stepfunctions
// interprets dmsflow.asl.json, and every Task invokes the real function served
// by `cargo lambda watch` (POST /2015-03-31/functions/<name>/invocations).
//
//   node statemachine/run-local.mjs --port 9000 --input '{"mode":"migrate","seed":{"scale":1}}'
//
// Options:
//   --input JSON                    execution input (default {"mode":"migrate"})
//   --port N                        cargo lambda watch invoke port (default 9000)
//   --host H                        its address (default 127.0.0.1)
//   --name NAME                     execution name (default dmsflow-local-<UTC time>)
//   --poll-interval-override-ms N   every Wait state lasts N ms (default: as defined)
//   --retry-interval-override-ms N  every retry pause lasts N ms (default: the definition's backoff and jitter)
//   --events FILE                   one JSON line per state entered/exited/retried/caught/failed
//   --before-validate CMD           shell command run once, just before the validation plan is invoked
//   --abort-at STATE                abort the execution when the Task STATE is reached (as a person would:
//                                   StopExecution); Ctrl-C (SIGINT) aborts it too
//   --s3-endpoint URL               the local S3 (moto) for the Distributed Map (default:
//                                   AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL)
//   --output FILE                   write the final JSON there instead of stdout
//   --quiet                         no progress on stderr
// The Distributed Map ("Validate tables") is emulated (distributed-map.mjs):
// items read from S3, one child execution per item, results written to S3 in
// the ResultWriter's format. The output names the largest state payload (bytes
// of the JSON of any state's input or output, children included, as AWS holds
// them; the emulation's own item list is S3 on AWS and does not count) and the
// number of child executions.
// An execution that ends FAILED or ABORTED is then reported to the `report`
// function as EventBridge would on AWS ("Step Functions Execution Status
// Change"): report writes a failure report unless the execution wrote its own.
// Exit code: 0 the execution SUCCEEDED, 1 it FAILED or was ABORTED, 2 runner error.
import './test/polyfill.cjs'; // before aws-local-stepfunctions: Promise.withResolvers on Node 20
import { StateMachine } from 'aws-local-stepfunctions';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render, functionOfArn } from './render.mjs';
import { localDistributedMaps } from './distributed-map.mjs';
import { endpointS3 } from './s3.mjs';

/**
 * An error as aws-local-stepfunctions sees it: Retry/Catch match `ErrorEquals`
 * against `name` exactly, and a Catch records `{Error: name, Cause: message}`.
 */
export class InvokeError extends Error {
  constructor(name, cause) {
    super(cause);
    this.name = name;
  }
}

/** A problem of the runner itself (exit code 2), not of the execution. */
class RunnerError extends Error {}

const USAGE = 'usage: run-local.mjs [--input JSON] [--port N] [--host H] [--name NAME] [--poll-interval-override-ms N] [--retry-interval-override-ms N] [--events FILE] [--before-validate CMD] [--abort-at STATE] [--s3-endpoint URL] [--output FILE] [--quiet]';

export function parseArgs(argv) {
  const opts = { input: { mode: 'migrate' }, port: 9000, host: '127.0.0.1', quiet: false };
  const ms = (key, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new RunnerError(`${key}: expected milliseconds (an integer >= 0), got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new RunnerError(`${key} needs a value\n${USAGE}`);
      return argv[++i];
    };
    switch (key) {
      case '--input': {
        const text = value();
        try {
          opts.input = JSON.parse(text);
        } catch (e) {
          throw new RunnerError(`--input is not JSON: ${e.message}`);
        }
        break;
      }
      case '--port': {
        const v = value();
        opts.port = Number(v);
        if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new RunnerError(`--port: not a port: ${v}`);
        break;
      }
      case '--host': opts.host = value(); break;
      case '--name': opts.name = value(); break;
      case '--poll-interval-override-ms':
      case '--wait-ms': opts.waitMs = ms(key, value()); break;
      case '--retry-interval-override-ms':
      case '--retry-ms': opts.retryMs = ms(key, value()); break;
      case '--events': opts.events = value(); break;
      case '--before-validate': opts.beforeValidate = value(); break;
      case '--abort-at': opts.abortAt = value(); break;
      case '--output': opts.output = value(); break;
      case '--s3-endpoint': opts.s3Endpoint = value(); break;
      case '--quiet': opts.quiet = true; break;
      case '-h':
      case '--help': throw new RunnerError(USAGE);
      default: throw new RunnerError(`unknown option ${key}\n${USAGE}`);
    }
  }
  return opts;
}

// ------------------------------------------------------------------- invoke
function post(host, port, path, body) {
  return new Promise((resolvePost, reject) => {
    const req = http.request({ host, port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolvePost({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Invoke one function through the cargo-lambda invoke API and translate the
 * answer as Step Functions' lambda:invoke would:
 *   200 with a document            → the document (the Task's `Payload`)
 *   500, a body with `errorType`,
 *   or X-Amz-Function-Error        → an error named by errorType (Cause: the error document)
 *   no connection, other 5xx       → Lambda.ServiceException (retried by the definition)
 *   429                            → Lambda.TooManyRequestsException
 *   404                            → Lambda.ResourceNotFoundException
 * No client timeout: the Task's TimeoutSeconds bounds it (the first call may compile the function).
 */
export async function invokeFunction({ host = '127.0.0.1', port }, fn, payload) {
  const path = `/2015-03-31/functions/${encodeURIComponent(fn)}/invocations`;
  let res;
  try {
    res = await post(host, port, path, JSON.stringify(payload ?? {}));
  } catch (e) {
    throw new InvokeError('Lambda.ServiceException', `cannot invoke ${fn} at http://${host}:${port}${path}: ${e.code ?? e.message}`);
  }
  let body;
  try {
    body = res.text ? JSON.parse(res.text) : null;
  } catch {
    body = undefined;
  }
  const errorType = body && typeof body === 'object' && !Array.isArray(body) && typeof body.errorType === 'string' ? body.errorType : null;
  if (errorType && (res.status >= 500 || res.status === 200 || res.headers['x-amz-function-error'])) {
    throw new InvokeError(errorType, res.text);
  }
  if (res.status === 200 && res.headers['x-amz-function-error']) {
    throw new InvokeError('Lambda.Unknown', `${fn} failed without an error document: ${res.text.slice(0, 500)}`);
  }
  if (res.status === 200) {
    if (body === undefined) throw new InvokeError('Lambda.Unknown', `${fn} answered with a body that is not JSON: ${res.text.slice(0, 500)}`);
    return body;
  }
  const detail = `${fn}: HTTP ${res.status}: ${res.text.slice(0, 500)}`;
  if (res.status === 429) throw new InvokeError('Lambda.TooManyRequestsException', detail);
  if (res.status === 404) throw new InvokeError('Lambda.ResourceNotFoundException', detail);
  if (res.status >= 500) throw new InvokeError('Lambda.ServiceException', detail);
  throw new InvokeError('Lambda.AWSLambdaException', detail);
}

// ----------------------------------------------------------------- progress
const fmt = {
  percent: (v) => (typeof v === 'number' ? `${v.toFixed(v < 100 && v > 0 ? 1 : 0)}%` : '?'),
  lag: (v) => (typeof v === 'number' ? `${v.toFixed(1)} s` : '–'),
};

function describeResult(fn, payload, result) {
  switch (fn) {
    case 'poll-task':
      return `phase ${result.phase}, full load ${fmt.percent(result.full_load_percent)}, lag ${fmt.lag(result.cdc_lag_seconds)}, ${result.tables?.loaded ?? '?'}/${result.tables?.total ?? '?'} tables loaded`;
    case 'seed-source':
      if (result.mode === 'load') return `${result.total_rows} rows loaded (scale ${result.scale}) in ${Number(result.seconds).toFixed(1)} s`;
      if (result.mode === 'changes') return `${result.applied} changes (${result.inserted} inserted, ${result.updated} updated, ${result.deleted} deleted), source at ${result.source_lsn}`;
      return `schema ${result.schema} ${result.created ? 'created' : 'already there'} on the ${result.database}`;
    case 'start-task':
      if (payload.action === 'sync-sequences') return `${result.sequences?.length ?? 0} sequences synced`;
      if (payload.action === 'cutover') return `${result.verdict}: write downtime ${typeof result.write_downtime_seconds === 'number' ? `${result.write_downtime_seconds.toFixed(2)} s` : '–'}${result.reason ? ` (${result.reason})` : ''}`;
      if (payload.action === 'assess') {
        const failed = (result.checks ?? []).filter((c) => c.status === 'fail').map((c) => c.name);
        return `${result.verdict}: ${result.checks?.length ?? 0} checks${failed.length ? `, failed ${failed.join(', ')}` : ''}`;
      }
      return `${result.outcome}: ${result.message}`;
    case 'validate-tables':
      if (payload.action === 'plan') return `${result.work?.length ?? result.work_items ?? 0} work items${result.items ? ` (s3://${result.items.bucket}/${result.items.key})` : ''}, database checks ${result.status}`;
      if (result.result) return `${result.table}${result.chunk !== null && result.chunk !== undefined ? ` [chunk ${result.chunk + 1}]` : ''} ${result.status}${result.differences ? ` (${result.differences} rows differ)` : ''}`;
      return (result.tables ?? []).map((t) => `${t.table}${t.chunk ? ` [chunk ${t.chunk.index + 1}/${t.chunk.count}]` : ''} ${t.status}${t.differences?.count ? ` (${t.differences.count} rows differ)` : ''}`).join(', ');
    case 'report':
      return `verdict ${result.verdict}: ${result.summary}${result.report?.markdown ? `\n         report: ${result.report.markdown}` : ''}`;
    default:
      return '';
  }
}

/** A Cause for a terminal line: the errorMessage of a function error document. */
function shortCause(cause) {
  let text = String(cause ?? '');
  try {
    const doc = JSON.parse(text);
    if (typeof doc?.errorMessage === 'string') text = doc.errorMessage;
  } catch {
    // not a document: as it is
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

// -------------------------------------------------------------------- run
/**
 * Run one execution. Returns {status, name, seconds, output | error, cause}.
 * Throws RunnerError for problems of the runner (hook failed, bad events file).
 */
export async function runLocal(opts, log) {
  const definition = render();
  const name = opts.name ?? `dmsflow-local-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
  const started = Date.now();
  // On a terminal, consecutive progress checks of one loop rewrite one line.
  const tty = !log && process.stderr.isTTY;
  const write = log ?? ((line) => process.stderr.write(line + '\n'));
  let lastKey = null;
  const say = (line, key = null) => {
    if (opts.quiet) return;
    if (tty && key && key === lastKey) process.stderr.write('\x1b[1A\x1b[2K');
    lastKey = key;
    write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  };
  let eventsFd = opts.events ? openSync(opts.events, 'w') : null;
  // Children of a failed Map may still log after the execution ended.
  const writeEvent = (line) => { if (eventsFd !== null) writeSync(eventsFd, JSON.stringify(line) + '\n'); };
  const closeEvents = () => { if (eventsFd !== null) closeSync(eventsFd); eventsFd = null; };
  let hookState = opts.beforeValidate ? 'pending' : 'none';
  let runnerError = null;
  let aborted = null; // why, once the execution is aborted (--abort-at, SIGINT)
  let execution;
  const abort = (why) => {
    if (aborted) return;
    aborted = why;
    say(`aborting the execution: ${why}`);
    for (const child of children) child.abort();
    execution.abort();
  };
  const children = new Set(); // running child executions of the Distributed Map
  const stats = { children: 0, largest: { bytes: 0 } };
  /** The largest state input/output (bytes of its JSON), over the execution and its children. */
  const measure = (event, where) => {
    for (const what of ['input', 'output']) {
      if (!event.state || event.state[what] === undefined) continue;
      const bytes = Buffer.byteLength(JSON.stringify(event.state[what]) ?? '');
      if (bytes > stats.largest.bytes) stats.largest = { bytes, state: event.state.name, what, execution: where };
    }
  };
  const eventLine = (event) => {
    const line = { t: event.timestamp - started, type: event.type, state: event.state.name, stateType: event.state.type };
    if (event.index !== undefined) line.index = event.index;
    if (event.Error !== undefined) Object.assign(line, { error: event.Error, cause: event.Cause });
    if (event.type === 'StateRetried') Object.assign(line, { attempt: event.retry.attempt, errorEquals: event.retry.retrier.ErrorEquals });
    if (event.type === 'StateCaught') line.next = event.catch.catcher.Next;
    return line;
  };

  const handlers = {};
  const waitTimeOverrides = {};
  const retryIntervalOverrides = {};
  const visit = (machine) => {
    for (const [stateName, state] of Object.entries(machine.States)) {
      if (state.Type === 'Wait' && opts.waitMs !== undefined) waitTimeOverrides[stateName] = opts.waitMs;
      if (state.Retry && opts.retryMs !== undefined) retryIntervalOverrides[stateName] = opts.retryMs;
      if (state.Type === 'Map') visit(state.ItemProcessor);
      if (state.Type !== 'Task') continue;
      handlers[stateName] = async (params) => {
        const fn = functionOfArn(params.FunctionName);
        if (!fn) throw new InvokeError('Lambda.ResourceNotFoundException', `no function for ${params.FunctionName}`);
        if (opts.abortAt === stateName) {
          abort(`at ${stateName} (--abort-at)`);
          throw new InvokeError('States.Aborted', `aborted at ${stateName}`);
        }
        if (fn === 'validate-tables' && params.Payload?.action === 'plan' && hookState === 'pending') {
          hookState = 'ran';
          say(`before validation: ${opts.beforeValidate}`);
          const hook = spawnSync('/bin/sh', ['-c', opts.beforeValidate], { stdio: ['ignore', 'inherit', 'inherit'] });
          if (hook.status !== 0) {
            runnerError = new RunnerError(`--before-validate failed (${hook.error?.message ?? (hook.signal ? `signal ${hook.signal}` : `exit ${hook.status}`)}): ${opts.beforeValidate}`);
            execution.abort();
            throw runnerError;
          }
        }
        const result = await invokeFunction(opts, fn, params.Payload);
        const what = describeResult(fn, params.Payload ?? {}, result ?? {});
        if (what) say(`  ${stateName}: ${what}`, fn === 'poll-task' ? stateName : null);
        return { Payload: result, StatusCode: 200, ExecutedVersion: '$LATEST' };
      };
    }
  };
  visit(definition);

  // The Distributed Map, emulated against the local S3 (distributed-map.mjs).
  const s3 = endpointS3(process.env, opts.s3Endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  const context = { Execution: { Name: name, Id: `arn:aws:states:local:000000000000:execution:dmsflow:${name}` }, StateMachine: { Name: 'dmsflow' } };
  const maps = localDistributedMaps(definition, {
    s3,
    context,
    isAborted: () => Boolean(aborted),
    register: (child) => {
      children.add(child);
      return () => children.delete(child);
    },
    onChild: (c) => {
      if (c.type === 'started') stats.children += 1;
      if (c.type !== 'event') return;
      measure(c.event, `child ${c.index}`);
      if (c.event.state) writeEvent({ ...eventLine(c.event), child: c.index });
    },
  });
  const overrides = { taskResourceLocalHandlers: handlers, waitTimeOverrides, retryIntervalOverrides };
  for (const [stateName, handler] of Object.entries(maps.handlersFor(overrides))) {
    handlers[stateName] = async (input) => {
      if (!s3) {
        runnerError = new RunnerError(`${stateName} is a Distributed Map: it needs the local S3 (moto); set AWS_ENDPOINT_URL or --s3-endpoint`);
        execution.abort();
        throw runnerError;
      }
      return handler(input);
    };
  }
  execution = new StateMachine(maps.definition, { validationOptions: { checkArn: false } }).run(opts.input, {
    overrides,
    context: { Execution: context.Execution },
  });
  say(`execution ${name}, input ${JSON.stringify(opts.input)}`);
  const onSigint = () => abort('SIGINT');
  process.once('SIGINT', onSigint);

  const SHOWN = new Set(['Task', 'Map', 'Succeed', 'Fail']);
  const logging = (async () => {
    let lastTask = null;
    for await (const event of execution.eventLogs) {
      // The emulating Task is the Distributed Map on AWS: logged as one.
      if (event.state && maps.maps[event.state.name]) event.state.type = 'Map';
      measure(event, 'main');
      if (event.state) writeEvent(eventLine(event));
      if (event.index !== undefined) continue; // Map iterations: their results are printed by the handler
      const state = event.state;
      if (event.type === 'StateEntered') {
        // Every step once (a poll loop's checks print their own lines), the end, and why it failed.
        const failurePass = state.type === 'Pass' && event.state.name !== 'Record the failure' && Object.hasOwn(definition.States[state.name]?.Parameters ?? {}, 'Error');
        if ((SHOWN.has(state.type) && !(state.type === 'Task' && state.name === lastTask)) || failurePass) say(state.name);
        if (state.type === 'Task') lastTask = state.name;
      } else if (event.type === 'StateFailed' && state.type !== 'Fail') {
        say(`  ${state.name}: ${event.Error}: ${shortCause(event.Cause)}`);
      } else if (event.type === 'StateRetried') {
        say(`  ${state.name}: retry ${event.retry.attempt} of ${event.retry.retrier.MaxAttempts ?? 3}`);
      }
    }
  })();

  let status;
  let document;
  try {
    document = { output: await execution.result };
    status = 'SUCCEEDED';
  } catch (e) {
    if (runnerError) {
      process.removeListener('SIGINT', onSigint);
      await logging.catch(() => {});
      closeEvents();
      throw runnerError;
    }
    const cause = e.cause ?? e;
    // Aborted: no error, as on AWS (StopExecution); the cause says why.
    status = aborted ? 'ABORTED' : 'FAILED';
    document = aborted ? { cause: `aborted ${aborted}` } : { error: cause.name, cause: cause.message };
  }
  process.removeListener('SIGINT', onSigint);
  await logging;
  closeEvents();
  const stopped = Date.now();
  const seconds = Math.round((stopped - started) / 100) / 10;
  say(`execution ${name}: ${status} in ${seconds.toFixed(1)} s${status === 'FAILED' ? ` (${document.error})` : ''}`);
  const largest = stats.largest;
  say(`largest state payload ${largest.bytes} bytes (${largest.state ?? '-'} ${largest.what ?? ''}, ${largest.execution ?? '-'}); ${stats.children} child executions (map items run)`);
  document.largest_payload = largest;
  document.children = stats.children;
  // The same two figures under the names scripts/scale-run.check.py reads.
  document.stats = { childExecutions: stats.children, largestStatePayloadBytes: largest.bytes };
  if (status !== 'SUCCEEDED') {
    const event = statusChangeEvent({ name, status, startedMs: started, stoppedMs: stopped, input: opts.input, error: document.error, cause: document.cause });
    document.failure_report = await reportStatusChange(opts, event, say);
  }
  return { execution: name, status, seconds, ...document };
}

/**
 * EventBridge's "Step Functions Execution Status Change" event for a local
 * execution: what the rule in terraform/failure_reports.tf sends `report` on AWS.
 */
export function statusChangeEvent({ name, status, startedMs, stoppedMs, input, error, cause }) {
  const executionArn = `arn:aws:states:local:000000000000:execution:dmsflow:${name}`;
  return {
    version: '0',
    id: `local-${name}-${status}`,
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: new Date(stoppedMs).toISOString(),
    region: 'local',
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:dmsflow',
      name,
      status,
      startDate: startedMs,
      stopDate: stoppedMs,
      input: JSON.stringify(input ?? {}),
      error: error ?? null,
      cause: cause ?? null,
    },
  };
}

/** Send the status change to `report` (it writes a failure report unless one exists). */
async function reportStatusChange(opts, event, say) {
  try {
    const result = await invokeFunction(opts, 'report', event);
    say(`failure report: ${result?.action ?? '?'} (${result?.reason ?? ''})`);
    return result;
  } catch (e) {
    say(`failure report could not be written: ${e.name}: ${shortCause(e.message)}`);
    return { error: e.name, cause: e.message };
  }
}

async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`run-local: ${e.message}\n`);
    return 2;
  }
  try {
    const result = await runLocal(opts);
    const text = JSON.stringify(result, null, 2) + '\n';
    if (opts.output) writeFileSync(opts.output, text);
    else process.stdout.write(text);
    return result.status === 'SUCCEEDED' ? 0 : 1;
  } catch (e) {
    process.stderr.write(`run-local: ${e instanceof RunnerError ? e.message : e.stack ?? e}\n`);
    return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
