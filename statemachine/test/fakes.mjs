// Contract-shaped fakes of the five functions (docs/contracts.md), recording
// every payload they receive, for running the real definition locally.
import { functionOfArn } from '../render.mjs';

export class FunctionError extends Error {
  constructor(errorType, message) {
    super(message);
    this.name = errorType; // aws-local-stepfunctions matches ErrorEquals on error.name
  }
}

const handle = { engine: 'native', schema: 'shop', publication: 'dmsflow_pub', subscription: 'dmsflow_sub' };

export function progress(phase, extra = {}) {
  return {
    engine: 'native',
    phase,
    status: phase === 'in-sync' ? 'replicating' : phase,
    full_load_percent: phase === 'starting' ? 0 : phase === 'full-load' ? 50 : 100,
    tables: { total: 6, loaded: 6, loading: 0, queued: 0, errored: 0 },
    table_states: [],
    cdc_lag_seconds: phase === 'in-sync' ? 0.2 : 12,
    cdc_lag_bytes: 0,
    in_sync_lag_seconds: 5,
    last_error: phase === 'failed' ? 'worker for subscription dmsflow_sub exited with code 1' : null,
    handle,
    polled_at: '2026-11-24T15:29:11Z',
    ...extra,
  };
}

export function tablesResult(table, status = 'identical', chunk = null) {
  const check = (s) => ({ status: s, message: s === 'pass' ? 'ok' : 'differs' });
  return {
    status,
    schema: 'shop',
    tables: [{
      table, chunk, status, source_rows: 10, target_rows: 10,
      checks: {
        columns: check('pass'), constraints: check('pass'), indexes: check('pass'), sequences: check('pass'),
        row_count: check('pass'), checksum: check(status === 'identical' ? 'pass' : 'fail'), lob_lengths: check('pass'),
      },
      differences: { count: status === 'identical' ? 0 : 1, sample: [] },
      rechecks: 0, settled_chunks: 0, error: null, seconds: 0.01,
    }],
    rows_compared: 10,
    seconds: 0.01,
  };
}

/**
 * A world of fake functions. `script` tweaks behaviour:
 *  phases: list of poll phases (the last repeats); cdcPhases likewise
 *  work: validation work items; different: set of tables that differ
 *  failOnce: {function: errorType} (first call throws); fail: {function: errorType} (always)
 */
export function world(script = {}) {
  const calls = [];
  const counters = {};
  let inFlight = 0;
  let maxInFlight = 0;
  const phases = script.phases ?? ['starting', 'full-load', 'cdc-catching-up', 'in-sync'];
  const cdcPhases = script.cdcPhases ?? ['cdc-catching-up', 'in-sync'];
  const work = script.work ?? ['orders', 'customers'].map((t) => ({ action: 'table', table: t, chunk: null }));
  const different = new Set(script.different ?? []);
  let changesApplied = false;
  const next = (list, key) => {
    counters[key] = (counters[key] ?? 0) + 1;
    return list[Math.min(counters[key] - 1, list.length - 1)];
  };

  async function invoke(fn, payload) {
    calls.push({ fn, payload });
    const n = calls.filter((c) => c.fn === fn).length;
    if (script.failOnce?.[fn] && n === 1) throw new FunctionError(script.failOnce[fn], `${fn} failed once`);
    if (script.fail?.[fn]) throw new FunctionError(script.fail[fn], `${fn}: ${script.fail[fn]} (always)`);
    switch (fn) {
      case 'seed-source':
        if (payload.mode === 'load') return { mode: 'load', schema: 'shop', scale: payload.scale, seed: 1, reset: false, counts: {}, total_rows: 990, seconds: 0.1, rows_per_second: 9900 };
        if (payload.mode === 'schema') return { mode: 'schema', schema: 'shop', database: payload.database, created: true };
        changesApplied = true;
        return { mode: 'changes', schema: 'shop', seed: 7, requested: payload.count, applied: payload.count, inserted: 4, updated: 4, deleted: 2, tables: { orders: { inserted: [['201']], updated: [], deleted: [] } }, expected_counts: { orders: 201 }, source_lsn: '0/1', committed_at: '2026-11-24T15:29:11Z' };
      case 'start-task':
        if (payload.action === 'sync-sequences') return { action: 'sync-sequences', sequences: [] };
        return { engine: 'native', action: payload.action, outcome: 'created', message: 'ok', handle };
      case 'poll-task':
        return progress(changesApplied ? next(cdcPhases, 'cdc') : next(phases, 'poll'));
      case 'validate-tables': {
        if (payload.action === 'plan') {
          const checks = { table_set: { status: 'pass', message: 'ok' }, enums: { status: 'pass', message: 'ok' }, replication_slots: { status: 'pass', message: 'ok' }, cdc_proof: null };
          return { status: 'identical', schema: 'shop', checks, work, source_rows_estimate: 100, seconds: 0.01 };
        }
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        return tablesResult(payload.table, different.has(payload.table) ? 'different' : 'identical', payload.chunk ?? null);
      }
      case 'report': {
        const results = payload.validation?.results ?? [];
        const statuses = results.flatMap((r) => r.tables.map((t) => t.status));
        const verdict = payload.error || statuses.length === 0 || statuses.includes('error') ? 'failed' : statuses.includes('different') ? 'different' : 'identical';
        return { verdict, identical: verdict === 'identical', summary: `${verdict.toUpperCase()}: fake report`, execution: payload.execution, report: { json: 's3://b/r.json', markdown: 's3://b/r.md' } };
      }
      default:
        throw new Error(`unknown function ${fn}`);
    }
  }

  /** taskResourceLocalHandlers for every Task state of a definition. */
  function handlers(definition) {
    const out = {};
    const visit = (machine) => {
      for (const [name, state] of Object.entries(machine.States)) {
        if (state.Type === 'Task') {
          out[name] = async (params) => ({ Payload: await invoke(functionOfArn(params.FunctionName), params.Payload) });
        }
        if (state.Type === 'Map') visit(state.ItemProcessor);
      }
    };
    visit(definition);
    return out;
  }

  return { calls, handlers, invoke, get maxInFlight() { return maxInFlight; } };
}
