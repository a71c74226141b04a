// No silent end, locally: an execution aborted in the runner (or failed) is
// reported to the `report` function with EventBridge's "Step Functions
// Execution Status Change" event, as the rule in terraform/failure_reports.tf
// does on AWS. The fake report parses that event as strictly as the Rust one
// (functions/dmsflow/src/contract/report.rs ExecutionStatusChange) and, like
// it, writes a failure report only when the execution wrote none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { world } from './fakes.mjs';
import { statusChangeEvent } from '../run-local.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RUNNER = join(here, '..', 'run-local.mjs');
const STATUS_CHANGE = 'Step Functions Execution Status Change';
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/** The status-change event as report's contract reads it; throws naming the field. */
function parseStatusChange(e) {
  const need = (cond, path) => { if (!cond) throw new Error(`invalid event at \`${path}\``); };
  need(e['detail-type'] === STATUS_CHANGE, 'detail-type');
  need(typeof e.source === 'string', 'source');
  const d = e.detail;
  need(d && typeof d === 'object', 'detail');
  need(typeof d.executionArn === 'string' && d.executionArn.endsWith(`:${d.name}`), 'detail.executionArn');
  need(typeof d.name === 'string', 'detail.name');
  need(STATUSES.includes(d.status), 'detail.status');
  need(Number.isInteger(d.startDate) && Number.isInteger(d.stopDate) && d.stopDate >= d.startDate, 'detail.startDate');
  need(d.input === null || typeof d.input === 'string', 'detail.input');
  if (d.input) JSON.parse(d.input);
  need(!Number.isNaN(Date.parse(e.time)), 'time');
  return d;
}

/** An invoke API: the fake functions, plus report's status-change path over a report store. */
async function fakeWatch(script = {}) {
  const w = world(script);
  const written = new Map(); // report store: execution name -> report
  const statusChanges = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      const fn = decodeURIComponent(req.url.split('/')[3] ?? '');
      const payload = JSON.parse(body);
      const answer = (status, doc) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      if (fn === 'report' && payload['detail-type'] !== undefined) {
        statusChanges.push(payload);
        let d;
        try { d = parseStatusChange(payload); } catch (e) { answer(500, { errorType: 'InvalidEvent', errorMessage: e.message }); return; }
        if (written.has(d.name)) {
          answer(200, { action: 'skipped', execution: d.name, status: d.status, reason: `report ${d.name}.json exists`, report: {} });
          return;
        }
        const error = d.error ?? `Execution${d.status === 'ABORTED' ? 'Aborted' : d.status}`;
        written.set(d.name, { verdict: 'failed', failure: { Error: error, Cause: d.cause }, config: JSON.parse(d.input) });
        answer(200, { action: 'written', execution: d.name, status: d.status, reason: `FAILED: ${error}`, report: { json: `${d.name}.json` } });
        return;
      }
      try {
        const out = await w.invoke(fn, payload);
        if (fn === 'report') written.set(payload.execution, out);
        answer(200, out);
      } catch (e) {
        const doc = (() => { try { return JSON.parse(e.message); } catch { return { errorType: e.name, errorMessage: e.message }; } })();
        answer(500, doc);
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { w, written, statusChanges, port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

async function runner(args, { sigintAfter = null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dmsflow-silent-end-'));
  const output = join(dir, 'out.json');
  const child = spawn(process.execPath, [RUNNER, '--output', output, '--poll-interval-override-ms', '0', '--retry-interval-override-ms', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
    if (sigintAfter && stderr.includes(sigintAfter)) {
      sigintAfter = null;
      child.kill('SIGINT');
    }
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise((r) => child.on('close', r));
  clearTimeout(killer);
  return { code, stderr, out: existsSync(output) ? JSON.parse(readFileSync(output, 'utf8')) : null };
}

test('an execution aborted in the runner gets a failure report through report\'s status-change path', async () => {
  const fake = await fakeWatch();
  try {
    const input = { mode: 'validate' };
    const r = await runner(['--port', String(fake.port), '--input', JSON.stringify(input), '--name', 'aborted-run', '--abort-at', 'Plan validation']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.out.status, 'ABORTED');
    assert.match(r.out.cause, /aborted at Plan validation/);
    assert.equal(fake.w.payloads('validate-tables').length, 0, 'aborted before the plan ran');
    assert.equal(fake.w.payloads('report').length, 0, 'the machine wrote no report itself');
    assert.equal(fake.statusChanges.length, 1);
    const d = fake.statusChanges[0].detail;
    assert.equal(d.status, 'ABORTED');
    assert.equal(d.executionArn, 'arn:aws:states:local:000000000000:execution:dmsflow:aborted-run');
    assert.deepEqual(JSON.parse(d.input), input);
    assert.equal(r.out.failure_report.action, 'written');
    assert.equal(fake.written.get('aborted-run').verdict, 'failed');
    assert.equal(fake.written.get('aborted-run').failure.Error, 'ExecutionAborted');
    assert.match(r.stderr, /aborting the execution: at Plan validation/);
    assert.match(r.stderr, /failure report: written/);
  } finally {
    await fake.close();
  }
});

test('Ctrl-C (SIGINT) aborts the execution, and it is reported', async () => {
  const fake = await fakeWatch({ phases: ['starting'] });
  try {
    const r = await runner(['--port', String(fake.port), '--input', '{"mode":"migrate"}', '--name', 'interrupted-run', '--poll-interval-override-ms', '50'], { sigintAfter: 'Check migration progress' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.out.status, 'ABORTED');
    assert.match(r.out.cause, /aborted SIGINT/);
    assert.equal(fake.statusChanges.at(-1).detail.status, 'ABORTED');
    assert.equal(r.out.failure_report.action, 'written');
  } finally {
    await fake.close();
  }
});

test('a failure the machine caught and reported: the status change finds the report, nothing more is written', async () => {
  const fake = await fakeWatch({ always: { 'seed-source': 'SourceNotEmpty' } });
  try {
    const r = await runner(['--port', String(fake.port), '--input', '{"mode":"migrate","seed":{"scale":1}}', '--name', 'caught-run']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.out.status, 'FAILED');
    assert.equal(fake.w.payloads('report').length, 1, 'the machine\'s own failure report');
    assert.equal(fake.statusChanges.length, 1);
    assert.equal(fake.statusChanges[0].detail.status, 'FAILED');
    assert.equal(fake.statusChanges[0].detail.error, 'SourceNotEmpty');
    assert.equal(r.out.failure_report.action, 'skipped');
  } finally {
    await fake.close();
  }
});

test('a succeeded execution sends no status change', async () => {
  const fake = await fakeWatch();
  try {
    const r = await runner(['--port', String(fake.port), '--input', '{"mode":"validate"}', '--name', 'ok-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.statusChanges.length, 0);
    assert.equal(r.out.failure_report, undefined);
  } finally {
    await fake.close();
  }
});

test('statusChangeEvent has the EventBridge shape report parses', () => {
  const e = statusChangeEvent({ name: 'x', status: 'TIMED_OUT', startedMs: 1000, stoppedMs: 2000, input: { mode: 'migrate' }, error: 'States.Timeout' });
  const d = parseStatusChange(e);
  assert.equal(e.source, 'aws.states');
  assert.equal(d.error, 'States.Timeout');
  assert.equal(d.cause, null);
  assert.equal(e.time, '1970-01-01T00:00:02.000Z');
});
