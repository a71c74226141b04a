// The Distributed Map, locally. aws-local-stepfunctions 3.0.0 knows
// `ProcessorConfig.Mode: DISTRIBUTED`, `ItemReader` and `ResultWriter` only in
// its validator; it does not run them. So the definition is rewritten in
// memory: each Distributed Map becomes a Task (same InputPath, ResultSelector,
// ResultPath, OutputPath, Catch, Next) whose local handler does what Step
// Functions does:
//   ItemReader   arn:aws:states:::s3:getObject, ReaderConfig.InputType JSON:
//                the items are a JSON array read from S3 (States.ItemReaderFailed)
//   ItemSelector each item's input, with $$.Map.Item.Index / .Value
//   children     one child execution per item (aws-local-stepfunctions runs
//                the ItemProcessor as its own state machine), MaxConcurrency(Path)
//                at a time, no new one once the failure threshold is exceeded
//   ResultWriter arn:aws:states:::s3:putObject: SUCCEEDED_0.json / FAILED_0.json
//                and manifest.json under <Prefix>/<map run id>/ (AWS's format);
//                the Map's result is {MapRunArn, ResultWriterDetails: {Bucket, Key}}
//   failures     more failed children than ToleratedFailureCount/Percentage
//                (0 when unset) fail the Map with States.ExceedToleratedFailureThreshold
// Paths in these fields are plain reference paths ($.a.b, $$.Map.Item.Index);
// intrinsic functions there are refused (the definition uses none).
import { StateMachine } from 'aws-local-stepfunctions';
import { randomUUID } from 'node:crypto';

export const EMULATED_RESOURCE = 'arn:aws:states:::dmsflow-local:distributedMap';
const ACCOUNT = '000000000000';

/** A Step Functions error (Retry/Catch match `name`; Cause is `message`). */
export class StatesError extends Error {
  constructor(name, cause) {
    super(cause);
    this.name = name;
  }
}

/** The value at a reference path: `$`, `$.a.b`, `$$.Map.Item.Index`. */
export function readPath(path, input, context) {
  if (path === '$') return input;
  if (path === '$$') return context;
  let value;
  let rest;
  if (path.startsWith('$$.')) [value, rest] = [context, path.slice(3)];
  else if (path.startsWith('$.')) [value, rest] = [input, path.slice(2)];
  else throw new StatesError('States.Runtime', `the local Distributed Map reads reference paths only ($.a.b, $$.Map.Item.Index), not ${JSON.stringify(path)}`);
  for (const part of rest.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) {
      throw new StatesError('States.Runtime', `The JSONPath '${path}' could not be found in the input`);
    }
    value = value[part];
  }
  return value;
}

/** A payload template: `key.$` reads a path, other values are kept (objects recursively). */
export function applyTemplate(template, input, context) {
  if (template === null || typeof template !== 'object' || Array.isArray(template)) return template;
  const out = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = readPath(value, input, context);
    else out[key] = applyTemplate(value, input, context);
  }
  return out;
}

const NO_TIMEOUT_SECONDS = 2_000_000;

const isDistributed = (state) => state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';

/**
 * The definition with every Distributed Map of the top level replaced by an
 * emulating Task; `maps` holds the original states by name.
 */
export function rewriteDistributedMaps(definition) {
  const rewritten = structuredClone(definition);
  const maps = {};
  for (const [name, state] of Object.entries(rewritten.States)) {
    if (!isDistributed(state)) continue;
    maps[name] = state;
    // A Map has no timeout of its own (a Task's default is 60 s): the Map's
    // own TimeoutSeconds, else ~23 days (under Node's 2^31 ms timer limit).
    const task = { Type: 'Task', Resource: EMULATED_RESOURCE, Comment: state.Comment, TimeoutSeconds: NO_TIMEOUT_SECONDS };
    for (const key of ['InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End', 'TimeoutSeconds']) {
      if (key in state) task[key] = state[key];
    }
    rewritten.States[name] = task;
  }
  return { definition: rewritten, maps };
}

async function readItems(state, input, context, s3) {
  const reader = state.ItemReader;
  if (!reader) {
    const items = state.ItemsPath ? readPath(state.ItemsPath, input, context) : input;
    if (!Array.isArray(items)) throw new StatesError('States.Runtime', 'the Map input is not an array');
    return items;
  }
  if (reader.Resource !== 'arn:aws:states:::s3:getObject' || reader.ReaderConfig?.InputType !== 'JSON') {
    throw new StatesError('States.ItemReaderFailed', 'the local Distributed Map reads a JSON array with arn:aws:states:::s3:getObject (ReaderConfig.InputType JSON) only');
  }
  const { Bucket, Key } = applyTemplate(reader.Parameters, input, context);
  let items;
  try {
    items = JSON.parse(await s3.getObject(Bucket, Key));
  } catch (e) {
    throw new StatesError('States.ItemReaderFailed', `reading the items from s3://${Bucket}/${Key}: ${e.message}`);
  }
  if (!Array.isArray(items)) throw new StatesError('States.ItemReaderFailed', `s3://${Bucket}/${Key} is not a JSON array`);
  const max = reader.ReaderConfig.MaxItems;
  return Number.isInteger(max) && max > 0 ? items.slice(0, max) : items;
}

/** More failed children than the Map tolerates (both thresholds 0 when unset). */
function exceedsThreshold(state, failed, total) {
  const hasCount = Number.isInteger(state.ToleratedFailureCount);
  const hasPercent = typeof state.ToleratedFailurePercentage === 'number';
  if (!hasCount && !hasPercent) return failed > 0;
  return (hasCount && failed > state.ToleratedFailureCount) || (hasPercent && total > 0 && (failed * 100) / total > state.ToleratedFailurePercentage);
}

/** AWS's ResultWriter output: one file per status, then the manifest. */
async function writeResults(state, input, context, s3, mapRunArn, mapRunId, entries) {
  const { Bucket, Prefix } = applyTemplate(state.ResultWriter.Parameters, input, context);
  const base = `${Prefix ? `${String(Prefix).replace(/\/+$/, '')}/` : ''}${mapRunId}/`;
  const files = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  try {
    for (const status of Object.keys(files)) {
      const list = entries.filter((e) => (status === 'SUCCEEDED' ? e.Status === 'SUCCEEDED' : status === 'FAILED' ? e.Status !== 'SUCCEEDED' : false));
      if (!list.length) continue;
      const key = `${base}${status}_0.json`;
      const body = JSON.stringify(list);
      await s3.putObject(Bucket, key, body);
      files[status].push({ Key: key, Size: Buffer.byteLength(body) });
    }
    const manifest = `${base}manifest.json`;
    await s3.putObject(Bucket, manifest, JSON.stringify({ DestinationBucket: Bucket, MapRunArn: mapRunArn, ResultFiles: files }));
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket, Key: manifest } };
  } catch (e) {
    throw new StatesError('States.ResultWriterFailed', `writing the Map results to s3://${Bucket}/${base}: ${e.message}`);
  }
}

/**
 * Run one Distributed Map `state` (named `name`) on `input`.
 *   s3          {getObject, putObject} (s3.mjs)
 *   overrides   the run's overrides (task handlers, wait and retry overrides), for the children too
 *   context     the execution's context object ($$)
 *   onChild     (event) => void: {type: 'started'|'event'|'ended', index, name, event?, entry?}
 *   isAborted   () => boolean: start no child once the execution is aborted
 *   register    (execution) => unregister: lets the caller abort running children
 */
export async function runDistributedMap(name, state, input, { s3, overrides, context = {}, onChild = () => {}, isAborted = () => false, register = () => () => {} }) {
  if ((state.ItemReader || state.ResultWriter) && !s3) throw new StatesError('States.Runtime', `${name}: the Distributed Map needs S3 (set AWS_ENDPOINT_URL to the local S3)`);
  const items = await readItems(state, input, context, s3);
  const limit = state.MaxConcurrencyPath ? readPath(state.MaxConcurrencyPath, input, context) : state.MaxConcurrency ?? 0;
  const mapRunId = randomUUID();
  const machine = context.StateMachine?.Name ?? 'dmsflow';
  const mapRunArn = `arn:aws:states:local:${ACCOUNT}:mapRun:${machine}/${name}:${mapRunId}`;
  // One state machine for every child (validated once: building one per item costs ~1 s each).
  const childMachine = new StateMachine({ StartAt: state.ItemProcessor.StartAt, States: state.ItemProcessor.States }, { validationOptions: { checkArn: false } });
  const childMachineArn = `arn:aws:states:local:${ACCOUNT}:stateMachine:${machine}/${name}`;
  const entries = [];
  let next = 0;
  let failed = 0;
  let exceeded = false;
  let firstFailure = null;

  const runChild = async (index) => {
    const itemContext = { ...context, Map: { Item: { Index: index, Value: items[index] } } };
    const itemInput = state.ItemSelector ? applyTemplate(state.ItemSelector, input, itemContext) : items[index];
    const childName = `${mapRunId.slice(0, 8)}-${index}`;
    const executionArn = `arn:aws:states:local:${ACCOUNT}:execution:${machine}/${name}:${childName}`;
    const startDate = new Date().toISOString();
    const execution = childMachine.run(itemInput, {
      overrides,
      context: { Execution: { Name: childName, Id: executionArn } },
    });
    const unregister = register(execution);
    onChild({ type: 'started', index, name: childName, input: itemInput });
    const logging = (async () => {
      for await (const event of execution.eventLogs) onChild({ type: 'event', index, name: childName, event });
    })();
    const entry = { ExecutionArn: executionArn, Input: JSON.stringify(itemInput), InputDetails: { Included: true }, Name: childName, StartDate: startDate, StateMachineArn: childMachineArn };
    try {
      const output = await execution.result;
      Object.assign(entry, { Status: 'SUCCEEDED', Output: JSON.stringify(output), OutputDetails: { Included: true } });
    } catch (e) {
      const cause = e.cause ?? e;
      Object.assign(entry, { Status: isAborted() ? 'ABORTED' : 'FAILED', Error: cause.name, Cause: cause.message });
      failed += 1;
      firstFailure ??= `item ${index}: ${cause.name}: ${String(cause.message).slice(0, 500)}`;
      if (exceedsThreshold(state, failed, items.length)) exceeded = true;
    } finally {
      unregister();
    }
    await logging.catch(() => {});
    entry.StopDate = new Date().toISOString();
    entries[index] = entry;
    onChild({ type: 'ended', index, name: childName, entry });
  };
  const worker = async () => {
    while (next < items.length && !exceeded && !isAborted()) await runChild(next++);
  };
  const workers = Math.max(1, limit > 0 ? Math.min(limit, items.length) : items.length);
  await Promise.all(Array.from({ length: workers }, worker));

  const ran = entries.filter(Boolean);
  const output = state.ResultWriter
    ? await writeResults(state, input, context, s3, mapRunArn, mapRunId, ran)
    : ran.map((e) => JSON.parse(e.Output ?? 'null'));
  if (exceeded) {
    throw new StatesError('States.ExceedToleratedFailureThreshold', `The specified tolerated failure threshold was exceeded: ${failed} of ${items.length} child executions failed (${firstFailure})`);
  }
  return output;
}

/**
 * The definition to run locally and, for a run's overrides, the handlers of
 * its emulated Distributed Maps (add them to `taskResourceLocalHandlers`).
 * `options` as runDistributedMap's, without `overrides`.
 */
export function localDistributedMaps(definition, options) {
  const { definition: local, maps } = rewriteDistributedMaps(definition);
  const handlersFor = (overrides) => Object.fromEntries(Object.entries(maps).map(([name, state]) => [
    name, (input) => runDistributedMap(name, state, input, { ...options, overrides }),
  ]));
  return { definition: local, maps, handlersFor };
}
