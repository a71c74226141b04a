// Fakes of the five functions for running the real definition locally.
//
// Each fake parses its event as strictly as the Rust function does
// (docs/contracts.md: unknown fields, missing fields and wrong types are an
// `InvalidEvent`), records every payload it received, and answers with a
// document of the contract's shape — poll-task answers with the Rust test
// fixture functions/dmsflow/tests/fixtures/progress.json, its phase changed.
import { readFileSync } from 'node:fs';
import { functionOfArn } from '../render.mjs';
import { ensureLocalS3 } from './local-s3.mjs';

// The S3 of the fake validate-tables and report unless a script brings its
// own (`script.s3`): moto, shared with a runner process the test spawns.
// Without one, only the tests that reach the Distributed Map fail, saying why.
const LOCAL_S3 = await ensureLocalS3().catch((e) => ({
  getObject: async () => { throw e; },
  putObject: async () => { throw e; },
  createBucket: async () => { throw e; },
}));

/**
 * A function error as aws-local-stepfunctions sees it: Retry and Catch match
 * `ErrorEquals` against `error.name` (exactly), and a Catch records
 * `{Error: error.name, Cause: error.message}`.
 */
export class FunctionError extends Error {
  constructor(errorType, message) {
    super(message);
    this.name = errorType;
  }
}

export const PROGRESS_FIXTURE = JSON.parse(
  readFileSync(new URL('../../functions/dmsflow/tests/fixtures/progress.json', import.meta.url), 'utf8'),
);
const HANDLE = PROGRESS_FIXTURE.handle;

// ------------------------------------------------------------------ parsing
class Invalid extends Error {}
const fail = (path, reason) => {
  throw new Invalid(`invalid event at \`${path}\`: ${reason}`);
};
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isUint = (v) => Number.isInteger(v) && v >= 0;

function object(value, path, fields) {
  if (!isObject(value)) fail(path, `expected an object, got ${JSON.stringify(value)}`);
  for (const key of Object.keys(value)) {
    if (!(key in fields)) fail(path ? `${path}.${key}` : key, `unknown field \`${key}\``);
  }
  for (const [key, check] of Object.entries(fields)) check(value[key], path ? `${path}.${key}` : key);
  return value;
}
const required = (check) => (v, p) => (v === undefined ? fail(p, 'missing field') : check(v, p));
const optional = (check) => (v, p) => (v === undefined || v === null ? undefined : check(v, p));
const uint = (v, p) => (isUint(v) ? v : fail(p, `expected an unsigned integer, got ${JSON.stringify(v)}`));
const bool = (v, p) => (typeof v === 'boolean' ? v : fail(p, `expected a boolean, got ${JSON.stringify(v)}`));
const str = (v, p) => (typeof v === 'string' ? v : fail(p, `expected a string, got ${JSON.stringify(v)}`));
const oneOf = (...allowed) => (v, p) => (allowed.includes(v) ? v : fail(p, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`));
const strings = (v, p) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : fail(p, 'expected a list of strings'));
const number = (v, p) => (typeof v === 'number' && v >= 0 ? v : fail(p, `expected a number >= 0, got ${JSON.stringify(v)}`));
const anyObject = (v, p) => (isObject(v) ? v : fail(p, 'expected an object'));

function tagged(event, tag, variants) {
  if (!isObject(event)) fail('(root)', 'the event must be a JSON object');
  const { [tag]: value, ...rest } = event;
  if (value === undefined) fail(tag, `missing field \`${tag}\``);
  if (!(value in variants)) fail(tag, `unknown ${tag} \`${value}\``);
  object(rest, '', variants[value]);
  return value;
}

const handle = (v, p) => {
  if (!isObject(v)) fail(p, 'expected a handle object');
  if (v.engine === 'native') return object(v, p, { engine: str, schemas: optional((x, q) => (Array.isArray(x) ? x : fail(q, 'expected a list of schemas'))), exclude_schemas: optional((x) => x), publication: required(str), subscription: required(str) });
  if (v.engine === 'dms') return object(v, p, { engine: str, task_arn: required((s, q) => (/^arn:aws:dms:/.test(s) ? s : fail(q, 'not a DMS task ARN'))) });
  return fail(`${p}.engine`, `unknown engine ${JSON.stringify(v.engine)}`);
};
const chunk = (v, p) => object(v, p, { index: required(uint), count: required(uint), key_column: required(str), lower: optional((x) => x), upper: optional((x) => x) });
const changesDoc = (v, p) => object(v, p, Object.fromEntries(CHANGES_FIELDS.map((f) => [f, required((x) => x)])));
// A run name is one key segment (contract::map::check_run_name).
const runName = (v, p) => (typeof v === 'string' && /^[A-Za-z0-9._-]{1,80}$/.test(v) && v !== '.' && v !== '..' ? v : fail(p, `${JSON.stringify(v)} is not a run name`));
const itemRef = (v, p) => object(v, p, { run: required(runName), item: required(uint) });
const overrides = { rechecks: optional(uint), settle_seconds: optional(uint), sequences: optional(oneOf('fail', 'warn')) };

/** The event parsers of the five functions (what the Rust side accepts). */
export const PARSERS = {
  'seed-source': (e) => tagged(e, 'mode', {
    load: { scale: optional(uint), reset: optional(bool), seed: optional(uint) },
    changes: { count: required(uint), seed: optional(uint) },
    schema: { database: optional(oneOf('source', 'target')) },
  }),
  'start-task': (e) => tagged(e, 'action', {
    start: { test_connections: optional(bool), reload_target: optional(bool) },
    stop: {},
    'sync-sequences': {},
    assess: {},
  }),
  'poll-task': (e) => object(e, '', { handle: required(handle), in_sync_lag_seconds: optional(number) }),
  'validate-tables': (e) => tagged(e, 'action', {
    plan: { tables: optional(strings), changes: optional(changesDoc), run: optional(runName), ...overrides },
    table: { table: required(str), chunk: optional(chunk), item: optional(itemRef), ...overrides },
    tables: { tables: required(strings), ...overrides },
  }),
  report: (e) => object(e, '', {
    mode: required(str),
    execution: optional(str),
    started_at: optional(str),
    config: optional(anyObject),
    seed: optional((v, p) => object(v, p, { load: optional(anyObject), schema: optional(anyObject) })),
    assessment: optional((v, p) => object(v, p, Object.fromEntries(ASSESS_FIELDS.map((f) => [f, required((y) => y)])))),
    migration: optional(anyObject),
    progress: optional(anyObject),
    cdc: optional((v, p) => object(v, p, { changes: optional(changesDoc), progress: optional(anyObject) })),
    sequences: optional(anyObject),
    validation: optional((v, p) => object(v, p, {
      plan: optional((x, q) => object(x, q, Object.fromEntries((isObject(x) && 'run' in x ? PLAN_SUMMARY_FIELDS : PLAN_FIELDS).map((f) => [f, required((y) => y)])))),
      results: required((x, q) => (Array.isArray(x) ? x : object(x, q, { MapRunArn: required(str), ResultWriterDetails: required((y, r) => object(y, r, { Bucket: required(str), Key: required(str) })) }))),
    })),
    error: optional((v, p) => object(v, p, { Error: required(str), Cause: optional(str) })),
  }),
};

// ---------------------------------------------------------------- documents
export const CHANGES_FIELDS = ['mode', 'schema', 'seed', 'requested', 'applied', 'inserted', 'updated', 'deleted', 'tables', 'expected_counts', 'source_lsn', 'committed_at'];
export const ASSESS_FIELDS = ['source', 'target', 'schemas', 'checks', 'verdict'];
const PLAN_FIELDS = ['status', 'schemas', 'checks', 'work', 'source_rows_estimate', 'seconds'];
const PLAN_SUMMARY_FIELDS = ['run', 'status', 'schemas', 'checks', 'tables', 'work_items', 'max_rows_per_item', 'source_rows_estimate', 'seconds', 'plan', 'items', 'results', 'map'];

export function progress(phase, extra = {}) {
  const loading = phase === 'starting' || phase === 'full-load';
  return {
    ...structuredClone(PROGRESS_FIXTURE),
    phase,
    status: { starting: 'initializing', 'full-load': 'copying', failed: 'error', stopped: 'disabled' }[phase] ?? 'replicating',
    full_load_percent: phase === 'starting' ? 0 : phase === 'full-load' ? 50 : 100,
    cdc_lag_seconds: phase === 'in-sync' ? 0.2 : 12.5,
    last_error: phase === 'failed' ? 'logical replication worker for subscription "dmsflow_sub" exited with exit code 1' : null,
    ...(loading ? { tables: { total: 6, loaded: 3, loading: 3, queued: 0, errored: 0 } } : {}),
    ...extra,
  };
}

const check = (status, message = status === 'pass' ? 'ok' : 'differs') => ({ status, message });

export function tablesResult(table, status = 'identical', chunkSpec = null) {
  return {
    status,
    schemas: ['shop'],
    tables: [{
      table,
      chunk: chunkSpec,
      status,
      source_rows: 10,
      target_rows: 10,
      checks: {
        columns: check('pass'), constraints: check('pass'), indexes: check('pass'), sequences: check('pass'),
        row_count: check('pass'), checksum: check(status === 'identical' ? 'pass' : status === 'error' ? 'error' : 'fail'), lob_lengths: check('pass'),
      },
      differences: status === 'different'
        ? { count: 1, sample: [{ key: ['42'], kind: 'changed', columns: [{ column: 'notes', source: "''", target: 'changed', kind: 'value' }] }] }
        : { count: 0, sample: [] },
      rechecks: 0,
      settled_chunks: 0,
      error: status === 'error' ? 'statement timeout' : null,
      seconds: 0.01,
    }],
    rows_compared: 10,
    seconds: 0.01,
  };
}

function changesResult(count, seed) {
  return {
    mode: 'changes', schema: 'shop', seed: seed ?? 7, requested: count, applied: count,
    inserted: Math.floor(count * 0.4), updated: Math.floor(count * 0.4), deleted: count - 2 * Math.floor(count * 0.4),
    tables: { orders: { inserted: [['201']], updated: [['5']], deleted: [['17']] }, order_items: { inserted: [['201', '1']], updated: [], deleted: [['17', '1']] } },
    expected_counts: { categories: 10, customers: 50, products: 100, inventory: 100, orders: 200, order_items: 530 },
    source_lsn: '0/19CE000',
    committed_at: '2026-11-24T15:29:11.271307Z',
  };
}

/** The start-task assess result: `failing` names the checks that fail. */
export function assessResult(failing = []) {
  const checks = ['postgres-check-wallevel', 'target-tables-empty', 'target-schema-present'].map((name) => (failing.includes(name)
    ? { name, side: 'target', status: 'fail', summary: `${name} failed`, evidence: ['shop.orders'], fix: 'TRUNCATE those tables' }
    : { name, side: 'source', status: 'pass', summary: 'ok', evidence: [] }));
  for (const name of failing.filter((n) => !checks.some((c) => c.name === n))) {
    checks.push({ name, side: 'source', status: 'fail', summary: `${name} failed`, evidence: ['seen'], fix: 'fix it' });
  }
  return {
    source: 'postgres@source:5432/dmsflow', target: 'postgres@target:5432/dmsflow', schemas: ['shop'], checks,
    verdict: failing.length ? 'not-ready' : 'ready',
  };
}

/** What report returns, with its verdict computed as report::build does. */
function reportResult(event) {
  const tables = (event.validation?.results ?? []).flatMap((r) => r.tables);
  const count = (s) => tables.filter((t) => t.status === s).length;
  const planStatus = event.validation?.plan?.status ?? 'identical';
  const verdict = event.assessment?.verdict === 'not-ready' || event.error || count('error') > 0 || planStatus === 'error' || tables.length === 0
    ? 'failed'
    : count('different') > 0 || planStatus === 'different' ? 'different' : count('unverified') > 0 ? 'unverified' : 'identical';
  const summary = verdict === 'failed' && event.error
    ? `FAILED: ${event.error.Error}: ${event.error.Cause ?? ''}`
    : verdict === 'failed' && tables.length === 0
      ? 'FAILED: no table was validated'
      : `${verdict.toUpperCase()}: ${count('identical')} of ${tables.length} tables identical, ${count('different')} different, ${count('error')} could not be compared`;
  const stem = `s3://dmsflow-reports/reports/${event.execution}`;
  return {
    verdict, identical: verdict === 'identical', summary, execution: event.execution,
    tables_validated: tables.length, tables_different: count('different'), tables_error: count('error'),
    rows_compared: tables.length * 10, differences: tables.reduce((n, t) => n + t.differences.count, 0),
    report: { json: `${stem}.json`, markdown: `${stem}.md` },
  };
}

// -------------------------------------------------------------------- world
const MAX_CALLS = 2000;

/**
 * Five fake functions sharing one script:
 *   phases / cdcPhases   poll-task phases in order (the last one repeats)
 *   work                 the plan's work items
 *   different / errored  tables whose validation is different / error
 *   unverified           tables with rows unverified under CDC (status unverified)
 *   errors               {fn: [errorType, …]}: the first calls of fn throw these, in order
 *   always               {fn: errorType}: fn always throws it
 *   planStatus           the plan's own status
 *   failingChecks        names of the assessment checks that fail (verdict not-ready)
 */
export function world(script = {}) {
  const calls = [];
  const violations = [];
  const counters = {};
  let inFlight = 0;
  let maxInFlight = 0;
  let burstApplied = false;
  const phases = script.phases ?? ['starting', 'full-load', 'cdc-catching-up', 'in-sync'];
  const cdcPhases = script.cdcPhases ?? ['cdc-catching-up', 'in-sync'];
  const work = script.work ?? ['categories', 'orders'].map((table) => ({ action: 'table', table, chunk: null }));
  const next = (list, key) => {
    counters[key] = (counters[key] ?? 0) + 1;
    return list[Math.min(counters[key] - 1, list.length - 1)];
  };

  let runaway = false;
  async function invoke(fn, payload) {
    calls.push({ fn, payload: structuredClone(payload) });
    if (calls.length > MAX_CALLS) {
      // Zero-length Waits never yield to timers: stop a loop that does not end by itself.
      runaway = true;
      throw new FunctionError('RunawayLoop', `more than ${MAX_CALLS} invocations`);
    }
    const n = calls.filter((c) => c.fn === fn).length;
    const scripted = script.errors?.[fn]?.[n - 1];
    if (scripted) throw new FunctionError(scripted, JSON.stringify({ errorType: scripted, errorMessage: `${fn}: ${scripted} (call ${n})` }));
    if (script.always?.[fn]) throw new FunctionError(script.always[fn], JSON.stringify({ errorType: script.always[fn], errorMessage: `${fn}: ${script.always[fn]}` }));
    if (!PARSERS[fn]) throw new FunctionError('Lambda.ResourceNotFoundException', `no function ${fn}`);
    try {
      PARSERS[fn](payload);
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      violations.push({ fn, payload, message: e.message });
      throw new FunctionError('InvalidEvent', JSON.stringify({ errorType: 'InvalidEvent', errorMessage: e.message }));
    }
    switch (fn) {
      case 'seed-source':
        if (payload.mode === 'load') {
          const scale = payload.scale ?? 1;
          return { mode: 'load', schema: 'shop', scale, seed: payload.seed ?? 42, reset: payload.reset ?? false, counts: { categories: 10 * scale, customers: 50 * scale, products: 100 * scale, inventory: 100 * scale, orders: 200 * scale, order_items: 530 * scale }, total_rows: 990 * scale, seconds: 0.2, rows_per_second: 4950 };
        }
        if (payload.mode === 'schema') return { mode: 'schema', schema: 'shop', database: payload.database ?? 'target', created: true };
        burstApplied = true;
        return changesResult(payload.count, payload.seed);
      case 'start-task':
        if (payload.action === 'assess') return assessResult(script.failingChecks ?? []);
        if (payload.action === 'sync-sequences') {
          return { action: 'sync-sequences', sequences: [{ sequence: 'shop.orders_order_id_seq', source_last_value: 208, target_before: 1, target_after: 208 }] };
        }
        return { engine: 'native', action: payload.action, outcome: payload.action === 'start' ? 'created' : 'stopped', message: 'publication dmsflow_pub and subscription dmsflow_sub created', handle: HANDLE };
      case 'poll-task':
        return burstApplied ? progress(next(cdcPhases, 'cdc')) : progress(next(phases, 'poll'));
      case 'validate-tables': {
        if (payload.action === 'plan') {
          const checks = { table_set: check('pass'), enums: check('pass'), replication_slots: check('pass'), cdc_proof: payload.changes ? check('pass', `${payload.changes.applied} changed keys verified`) : null };
          const plan = { status: script.planStatus ?? 'identical', schemas: ['shop'], checks, work, source_rows_estimate: 990, seconds: 0.02 };
          return payload.run ? storePlan(script.s3 ?? LOCAL_S3, payload.run, plan) : plan;
        }
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight -= 1;
        const status = script.errored?.includes(payload.table) ? 'error' : script.different?.includes(payload.table) ? 'different' : script.unverified?.includes(payload.table) ? 'unverified' : 'identical';
        const result = tablesResult(payload.table, status, payload.chunk ?? null);
        return payload.item ? storeResult(script.s3 ?? LOCAL_S3, payload, result) : result;
      }
      case 'report':
        return reportResult(await readStored(script.s3 ?? LOCAL_S3, payload));
      default:
        throw new Error(`unreachable: ${fn}`);
    }
  }

  /** taskResourceLocalHandlers for every Task of a definition (Map iterators included). */
  function handlers(definition) {
    const out = {};
    const visit = (machine) => {
      for (const [name, state] of Object.entries(machine.States)) {
        if (state.Type === 'Task') {
          out[name] = async (params) => ({ Payload: await invoke(functionOfArn(params.FunctionName), params.Payload), StatusCode: 200, ExecutedVersion: '$LATEST' });
        }
        if (state.Type === 'Map') visit(state.ItemProcessor);
      }
    };
    visit(definition);
    return out;
  }

  return {
    calls,
    violations,
    handlers,
    invoke,
    /** Payloads fn received, in order. */
    payloads: (fn) => calls.filter((c) => c.fn === fn).map((c) => c.payload),
    get maxInFlight() {
      return maxInFlight;
    },
    get runaway() {
      return runaway;
    },
  };
}

// ------------------------------------------------------------------ cut-over
// Issue 13: start-task `cutover` (functions/dmsflow/src/contract/cutover.rs
// CutoverRequest, parsed as strictly) and the report's `cutover` section.
const FENCES = ['none', 'roles', 'read-only'];
const cutoverRequest = { fence: required(oneOf(...FENCES)), fence_roles: optional(strings), quiet_seconds: required(uint), drain_timeout_seconds: required(uint), rehearsal: optional(bool) };
const startTaskParser = PARSERS['start-task'];
PARSERS['start-task'] = (e) => (isObject(e) && e.action === 'cutover'
  ? tagged(e, 'action', { cutover: cutoverRequest })
  : startTaskParser(e));
const reportParser = PARSERS.report;
PARSERS.report = (e) => {
  if (!isObject(e)) return reportParser(e);
  const { cutover, ...rest } = e;
  optional((v, p) => object(v, p, { request: optional(anyObject), result: optional(anyObject) }))(cutover, 'cutover');
  return reportParser(rest);
};

/** A start-task cutover result: `verdict` ready or aborted (with its reason). */
export function cutoverResult(verdict = 'ready', request = {}) {
  const step = (name, seconds, detail) => ({ step: name, at: '2026-12-01T16:00:00Z', seconds, detail });
  const aborted = verdict === 'aborted';
  return {
    verdict,
    rehearsal: request.rehearsal ?? false,
    fence: request.fence ?? 'none',
    reason: aborted ? 'validation: the target is not identical at rest: table shop.orders different' : null,
    timeline: aborted
      ? [step('precondition', 0.1, 'in-sync'), step('fenced', 0.2, 'role(s) app NOLOGIN'), step('drained', 0.4, 'confirmed'), step('unfenced', 0.9, 'role(s) app LOGIN again')]
      : [step('precondition', 0.1, 'in-sync'), step('fenced', 0.2, 'role(s) app NOLOGIN'), step('drained', 0.4, 'confirmed'), step('validated', 0.8, '6 table(s)'), step('sequences', 0.9, '4 sequence(s) synced'), step('stopped', 1.1, 'subscription dropped')],
    write_downtime_seconds: 0.9,
    total_seconds: 1.1,
    drain_lsn: '0/19CE000',
    fence_record: { roles: [{ role: 'app', could_login: true, sessions_terminated: 1 }], read_only_before: null, row_changes_at_fence: 1200 },
    fence_undo: 'ALTER ROLE "app" LOGIN;',
    validation: { status: aborted ? 'different' : 'identical', tables: 6, rows_compared: 990, seconds: 0.4, problems: aborted ? ['table shop.orders different: checksum: differs'] : [] },
    sequences: aborted ? null : { action: 'sync-sequences', sequences: [] },
    stop: aborted ? null : { engine: 'native', action: 'stop', outcome: 'stopped', message: 'subscription dropped', handle: HANDLE },
  };
}

// ------------------------------------------- the Distributed Map's S3 objects
// What validate-tables and report do with S3 (functions/dmsflow/src/report/results.rs):
// `script.s3` ({getObject, putObject}, s3.mjs) is the bucket.
const VALIDATION_BUCKET = 'dmsflow-reports';
const needS3 = (s3) => {
  if (!s3) throw new FunctionError('ConfigError', JSON.stringify({ errorType: 'ConfigError', errorMessage: 'VALIDATION_BUCKET is not set' }));
  return s3;
};
const at = (run, name) => ({ bucket: VALIDATION_BUCKET, key: `validation/${run}/${name}` });

/** plan with a run: the plan and its items in S3, a PlanSummary back. */
async function storePlan(s3, run, plan) {
  await needS3(s3).createBucket(VALIDATION_BUCKET);
  const [planAt, itemsAt] = [at(run, 'plan.json'), at(run, 'items.json')];
  await s3.putObject(itemsAt.bucket, itemsAt.key, JSON.stringify(plan.work));
  await s3.putObject(planAt.bucket, planAt.key, JSON.stringify(plan));
  const checks = Object.fromEntries(Object.entries(plan.checks).filter(([, c]) => c).map(([k, c]) => [k, c.status]));
  return {
    run, status: plan.status, schemas: plan.schemas, checks, tables: new Set(plan.work.map((w) => w.table)).size, work_items: plan.work.length,
    max_rows_per_item: 5000000, source_rows_estimate: plan.source_rows_estimate, seconds: plan.seconds, plan: planAt, items: itemsAt,
    results: { bucket: VALIDATION_BUCKET, prefix: `validation/${run}/results/` }, map: { bucket: VALIDATION_BUCKET, prefix: `validation/${run}/map` },
  };
}

/** table with an item: the full result in S3, an ItemSummary back. */
async function storeResult(s3, payload, result) {
  needS3(s3);
  const where = at(payload.item.run, `results/${payload.item.item}.json`);
  await s3.putObject(where.bucket, where.key, JSON.stringify(result));
  return {
    item: payload.item.item, table: payload.table, chunk: payload.chunk?.index ?? null, status: result.status, rows_compared: result.rows_compared,
    differences: result.tables.reduce((n, t) => n + t.differences.count, 0), unverified_rows: result.unverified_rows, seconds: result.seconds, result: where,
  };
}

/** The report event with the stored plan and results read back; one result per work item or ReportError. */
async function readStored(s3, event) {
  const v = event.validation;
  if (!v || (!v.plan?.run && Array.isArray(v.results))) return event;
  needS3(s3);
  const get = async (bucket, key) => JSON.parse(await s3.getObject(bucket, key));
  const plan = v.plan?.run ? await get(v.plan.plan.bucket, v.plan.plan.key) : v.plan;
  let results = Array.isArray(v.results) ? v.results : null;
  if (!results) {
    const manifest = await get(v.results.ResultWriterDetails.Bucket, v.results.ResultWriterDetails.Key);
    const children = [];
    for (const f of [...manifest.ResultFiles.SUCCEEDED, ...manifest.ResultFiles.FAILED]) children.push(...await get(manifest.DestinationBucket, f.Key));
    const slots = new Array(plan.work.length).fill(null);
    for (const c of children) {
      if (c.Status !== 'SUCCEEDED') throw new FunctionError('ReportError', JSON.stringify({ errorType: 'ReportError', errorMessage: `child ${c.Name} ${c.Status}` }));
      const item = JSON.parse(c.Output);
      slots[item.item] = item.result;
    }
    const missing = slots.findIndex((s) => s === null);
    if (missing >= 0) {
      throw new FunctionError('ReportError', JSON.stringify({ errorType: 'ReportError', errorMessage: `the Distributed Map returned no result for work item ${missing} (${plan.work[missing].table}) of ${plan.work.length}` }));
    }
    results = await Promise.all(slots.map((r) => get(r.bucket, r.key)));
  }
  return { ...event, validation: { plan, results } };
}
