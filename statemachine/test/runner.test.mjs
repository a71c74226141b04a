// run-local.mjs for real: as a separate process, against a local HTTP server
// that answers like `cargo lambda watch` (200 with the result; a function
// error as HTTP 500 with {errorType, errorMessage} and no X-Amz-Function-Error
// header), backed by the strict fake functions of fakes.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { world } from './fakes.mjs';
import { endpointS3 } from '../s3.mjs';
import { invokeFunction, parseArgs } from '../run-local.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RUNNER = join(here, '..', 'run-local.mjs');

/**
 * A fake invoke API. `answer(fn, payload, n)` may return {status, body, headers}
 * to answer a call itself; otherwise the fake functions answer.
 */
async function fakeWatch(script = {}, answer = () => null) {
  const w = world(script);
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      const m = req.url.match(/^\/2015-03-31\/functions\/([^/]+)\/invocations$/);
      requests.push({ method: req.method, url: req.url, body });
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end('not found');
        return;
      }
      const fn = decodeURIComponent(m[1]);
      const payload = JSON.parse(body);
      const n = requests.filter((r) => r.url === req.url).length;
      const custom = answer(fn, payload, n);
      if (custom) {
        w.calls.push({ fn, payload });
        res.writeHead(custom.status, { 'content-type': 'application/json', ...custom.headers }).end(custom.body);
        return;
      }
      try {
        const out = await w.invoke(fn, payload);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      } catch (e) {
        // cargo lambda watch: HTTP 500, {errorType, errorMessage}, no X-Amz-Function-Error.
        const doc = (() => { try { return JSON.parse(e.message); } catch { return { errorType: e.name, errorMessage: e.message }; } })();
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { w, requests, port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

/** Run the runner as its own process (plain `node`: it loads the polyfill itself). */
async function runner(args, { output = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dmsflow-runner-'));
  const files = { events: join(dir, 'events.jsonl'), output: join(dir, 'out.json') };
  const child = spawn(process.execPath, [RUNNER, '--events', files.events, ...(output ? ['--output', files.output] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  const started = Date.now();
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise((r) => child.on('close', r));
  clearTimeout(killer);
  const read = (f) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return {
    code,
    stdout,
    stderr,
    ms: Date.now() - started,
    dir,
    out: output ? (read(files.output) ? JSON.parse(read(files.output)) : null) : (stdout ? JSON.parse(stdout) : null),
    events: read(files.events).split('\n').filter(Boolean).map((l) => JSON.parse(l)),
  };
}
const FAST = ['--poll-interval-override-ms', '0', '--retry-interval-override-ms', '0'];
const args = (port, input, ...more) => ['--port', String(port), '--input', JSON.stringify(input), '--name', 'runner-test', ...FAST, ...more];

test('a migrate run through the HTTP invoke API: SUCCEEDED, exit 0, output on stdout, progress and events', async () => {
  const fake = await fakeWatch();
  try {
    const r = await runner(args(fake.port, { mode: 'migrate', seed: { scale: 1 }, cdc_proof: { count: 10 } }), { output: false });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out.status, 'SUCCEEDED');
    assert.equal(r.out.execution, 'runner-test');
    assert.equal(r.out.output.verdict, 'identical');
    assert.equal(r.out.output.execution, 'runner-test', 'the execution name reaches the report');
    // Live progress: steps, and every progress check with phase, percent, lag.
    assert.match(r.stderr, /\] Seed source database\n.*Seed source database: 990 rows loaded/);
    assert.match(r.stderr, /Check migration progress: phase full-load, full load 50.0%, lag 12.5 s, 3\/6 tables loaded/);
    assert.match(r.stderr, /Check migration progress: phase in-sync, full load 100%, lag 0.2 s, 6\/6 tables loaded/);
    assert.match(r.stderr, /Assess source and target: ready: 3 checks\n/);
    assert.match(r.stderr, /Validate one table: orders identical/);
    assert.match(r.stderr, /Write report: verdict identical/);
    assert.match(r.stderr, /execution runner-test: SUCCEEDED in/);
    assert.equal((r.stderr.match(/\] Check migration progress\n/g) ?? []).length, 1, 'a poll loop names its step once');
    // Events: every state entered and exited, the Map's child executions with their item index.
    const entered = r.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    assert.deepEqual(entered.slice(0, 4), ['Read input', 'Apply defaults', 'Which mode?', 'Seed requested?']);
    assert.equal(entered.at(-1), 'Target is identical');
    assert.equal(r.events.filter((e) => e.type === 'StateExited').length, r.events.filter((e) => e.type === 'StateEntered').length);
    assert.deepEqual(r.events.filter((e) => e.state === 'Validate one table' && e.type === 'StateEntered').map((e) => e.child).sort(), [0, 1]);
    assert.equal(r.out.children, 2, 'one child execution per work item');
    assert.ok(r.out.largest_payload.bytes > 0 && r.out.largest_payload.state, 'the largest state payload is measured');
    assert.match(r.stderr, /largest state payload \d+ bytes \(.+\); 2 child executions \(map items run\)/);
    // What went over HTTP is what the functions take.
    assert.deepEqual(JSON.parse(fake.requests[0].body), { mode: 'load', scale: 1 });
    assert.equal(fake.requests[0].url, '/2015-03-31/functions/seed-source/invocations');
    assert.deepEqual([...new Set(fake.requests.map((q) => q.url.split('/')[3]))].sort(), ['poll-task', 'report', 'seed-source', 'start-task', 'validate-tables']);
  } finally {
    await fake.close();
  }
});

test('HTTP 500 {"errorType":"DatabaseUnavailable"} is retried by the definition, then the 200 goes on', async () => {
  // Call 1 is the assessment; call 2, the start, fails once.
  const fake = await fakeWatch({ errors: { 'start-task': [null, 'DatabaseUnavailable'] } });
  try {
    const r = await runner(args(fake.port, { mode: 'migrate' }));
    assert.equal(r.code, 0, r.stderr);
    const retried = r.events.filter((e) => e.type === 'StateRetried');
    assert.deepEqual(retried.map((e) => [e.state, e.errorEquals.includes('DatabaseUnavailable')]), [['Start migration', true]]);
    assert.equal(fake.w.payloads('start-task').filter((p) => p.action === 'start').length, 2);
    assert.match(r.stderr, /Start migration: DatabaseUnavailable: start-task: DatabaseUnavailable \(call 2\)\n.*Start migration: retry 1 of 4\n/);
  } finally {
    await fake.close();
  }
});

test('HTTP 500 {"errorType":"SourceNotEmpty"} is caught: failure report with the error, FAILED, exit 1', async () => {
  const fake = await fakeWatch({ always: { 'seed-source': 'SourceNotEmpty' } });
  try {
    const r = await runner(args(fake.port, { mode: 'migrate', seed: { scale: 1 } }));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.out.status, 'FAILED');
    assert.equal(r.out.error, 'SourceNotEmpty');
    assert.match(r.out.cause, /^FAILED: SourceNotEmpty/);
    assert.equal(fake.w.payloads('seed-source').length, 1, 'not retried');
    const report = fake.w.payloads('report')[0];
    assert.equal(report.error.Error, 'SourceNotEmpty');
    assert.deepEqual(JSON.parse(report.error.Cause), { errorType: 'SourceNotEmpty', errorMessage: 'seed-source: SourceNotEmpty' }, 'the Cause is the error document, as on AWS');
    assert.ok(r.events.some((e) => e.type === 'StateCaught' && e.state === 'Seed source database' && e.next === 'Record the failure'));
  } finally {
    await fake.close();
  }
});

test('a validation difference ends FAILED (exit 1) with TargetDifferent, after the report', async () => {
  const fake = await fakeWatch({ different: ['orders'] });
  try {
    const r = await runner(args(fake.port, { mode: 'validate' }));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.out.error, 'TargetDifferent');
    assert.match(r.stderr, /Validate one table: orders different \(1 rows differ\)/);
  } finally {
    await fake.close();
  }
});

test('the before-validate hook runs once, after the sequences and just before the plan; a failing hook is a runner error', async () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'dmsflow-hook-')), 'hook.txt');
  let seenAtPlan = null;
  const fake = await fakeWatch({ errors: { 'validate-tables': ['DatabaseUnavailable'] } }, (fn, payload) => {
    if (fn === 'start-task' && payload.action === 'sync-sequences') assert.ok(!existsSync(marker), 'not before the sequences');
    if (fn === 'validate-tables' && payload.action === 'plan' && seenAtPlan === null) seenAtPlan = existsSync(marker);
    return null;
  });
  try {
    const r = await runner(args(fake.port, { mode: 'migrate' }, '--before-validate', `echo corrupted >> '${marker}'`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seenAtPlan, true, 'the hook ran before the plan');
    assert.equal(readFileSync(marker, 'utf8'), 'corrupted\n', 'once, even though the plan was retried');
    assert.match(r.stderr, /before validation: echo corrupted/);
  } finally {
    await fake.close();
  }
  const broken = await fakeWatch();
  try {
    const r = await runner(args(broken.port, { mode: 'validate' }, '--before-validate', 'exit 3'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--before-validate failed \(exit 3\)/);
    assert.equal(broken.w.payloads('validate-tables').length, 0, 'nothing validated');
  } finally {
    await broken.close();
  }
});

test('the poll interval override sets every Wait', async () => {
  const fake = await fakeWatch({ phases: ['starting', 'full-load', 'full-load', 'in-sync'] });
  try {
    const r = await runner(['--port', String(fake.port), '--input', '{"mode":"migrate"}', '--poll-interval-override-ms', '150', '--retry-interval-override-ms', '0', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', '--quiet');
    const waits = r.events.filter((e) => e.state === 'Wait before polling');
    const spans = [];
    for (let i = 0; i < waits.length; i += 2) spans.push(waits[i + 1].t - waits[i].t);
    assert.equal(spans.length, 4);
    assert.ok(spans.every((ms) => ms >= 140 && ms < 1000), `Waits of ~150 ms, saw ${spans}`);
    assert.match(r.out.execution, /^dmsflow-local-\d{8}T\d{6}Z$/, 'a default execution name');
  } finally {
    await fake.close();
  }
});

test('nothing listening: Lambda.ServiceException, retried, then FAILED (even the report cannot be written)', async () => {
  const closed = await fakeWatch();
  await closed.close();
  const r = await runner(args(closed.port, { mode: 'validate' }));
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.out.error, 'Lambda.ServiceException');
  assert.equal(r.events.filter((e) => e.type === 'StateRetried' && e.state === 'Plan validation').length, 6);
  assert.equal(r.events.filter((e) => e.type === 'StateEntered').at(-1).state, 'Report could not be written');
  assert.match(r.out.cause, /cannot invoke report at http:\/\/127\.0\.0\.1:\d+\/2015-03-31\/functions\/report\/invocations: ECONNREFUSED/);
});

test('invokeFunction translates every kind of answer into the error name the definition matches', async () => {
  const answers = {
    ok: { status: 200, body: '{"phase":"in-sync"}' },
    fn500: { status: 500, body: '{"errorType":"SourceNotEmpty","errorMessage":"shop.orders holds 200 rows"}' },
    header: { status: 200, headers: { 'x-amz-function-error': 'Unhandled' }, body: '{"errorType":"AwsTransient","errorMessage":"throttled"}' },
    body200: { status: 200, body: '{"errorType":"TlsError","errorMessage":"bad certificate"}' },
    headerOnly: { status: 200, headers: { 'x-amz-function-error': 'Unhandled' }, body: 'Task timed out after 900.00 seconds' },
    plain500: { status: 500, body: 'internal error' },
    busy: { status: 429, body: '{"message":"Rate exceeded"}' },
    missing: { status: 404, body: 'function not found' },
    bad400: { status: 400, body: '{"message":"bad request"}' },
    garbage: { status: 200, body: 'not json' },
  };
  const fake = await fakeWatch({}, (fn) => answers[fn]);
  const call = (fn) => invokeFunction({ port: fake.port }, fn, { x: 1 }).then((v) => ({ ok: v }), (e) => ({ name: e.name, cause: e.message }));
  try {
    assert.deepEqual(await call('ok'), { ok: { phase: 'in-sync' } });
    assert.deepEqual(await call('fn500'), { name: 'SourceNotEmpty', cause: answers.fn500.body });
    assert.deepEqual(await call('header'), { name: 'AwsTransient', cause: answers.header.body });
    assert.deepEqual(await call('body200'), { name: 'TlsError', cause: answers.body200.body });
    assert.equal((await call('headerOnly')).name, 'Lambda.Unknown');
    assert.equal((await call('plain500')).name, 'Lambda.ServiceException');
    assert.equal((await call('busy')).name, 'Lambda.TooManyRequestsException');
    assert.equal((await call('missing')).name, 'Lambda.ResourceNotFoundException');
    assert.equal((await call('bad400')).name, 'Lambda.AWSLambdaException');
    assert.equal((await call('garbage')).name, 'Lambda.Unknown');
    assert.deepEqual(JSON.parse(fake.requests[0].body), { x: 1 }, 'the body is the Payload');
  } finally {
    await fake.close();
  }
});

test('bad options and a bad input are runner errors (exit 2) before anything runs', async () => {
  for (const bad of [['--input', '{mode'], ['--port', 'x'], ['--frobnicate'], ['--poll-interval-override-ms', '-1'], ['--input']]) {
    const r = await runner(bad);
    assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /^run-local: /);
  }
  assert.deepEqual(parseArgs(['--wait-ms', '500', '--retry-ms', '0']).waitMs, 500, 'the first version\'s option names still work');
});

// ------------------------------------------------- the Distributed Map, moto S3
test('the Distributed Map through moto S3: items and results go through S3, the state stays small whatever the number of items', async () => {
  const s3 = endpointS3();
  assert.ok(s3, 'the fakes started or found the local S3 (moto)');
  const work = [];
  for (let i = 0; i < 300; i++) work.push({ action: 'table', table: `t${String(i).padStart(3, '0')}`, chunk: null });
  work.push(...Array.from({ length: 20 }, (_, i) => ({ action: 'table', table: 'big', chunk: { index: i, count: 20, key_column: 'id', lower: i ? i * 1000 : null, upper: i < 19 ? (i + 1) * 1000 : null } })));
  const fake = await fakeWatch({ work });
  try {
    const r = await runner(args(fake.port, { mode: 'validate', validation_concurrency: 8 }, '--name', 'runner-map'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out.children, 320, 'one child execution per work item');
    assert.deepEqual(r.out.stats, { childExecutions: 320, largestStatePayloadBytes: r.out.largest_payload.bytes }, 'the figures the scale run reads');
    assert.equal(fake.w.payloads('validate-tables').length, 321, 'the plan and 320 items');
    // In S3: the items the plan wrote, every child's full result, the ResultWriter's files.
    const items = JSON.parse(await s3.getObject('dmsflow-reports', 'validation/runner-map/items.json'));
    assert.equal(items.length, 320);
    const report = fake.w.payloads('report')[0];
    const { Bucket, Key } = report.validation.results.ResultWriterDetails;
    assert.match(Key, /^validation\/runner-map\/map\/[0-9a-f-]{36}\/manifest\.json$/, 'AWS layout: <Prefix>/<map run id>/manifest.json');
    const manifest = JSON.parse(await s3.getObject(Bucket, Key));
    assert.equal(manifest.MapRunArn, report.validation.results.MapRunArn);
    assert.deepEqual(manifest.ResultFiles.FAILED, []);
    const children = JSON.parse(await s3.getObject(manifest.DestinationBucket, manifest.ResultFiles.SUCCEEDED[0].Key));
    assert.equal(children.length, 320);
    assert.ok(children.every((c) => c.Status === 'SUCCEEDED' && JSON.parse(c.Output).result.key.startsWith('validation/runner-map/results/')));
    const full = JSON.parse(await s3.getObject('dmsflow-reports', JSON.parse(children[0].Output).result.key));
    assert.equal(full.tables.length, 1, 'the full result is in S3');
    // The state: a summary and two S3 locations, never the 320 items or results.
    const inlineBytes = Buffer.byteLength(JSON.stringify(items)) + children.reduce((n, c) => n + Buffer.byteLength(c.Output), 0);
    assert.ok(r.out.largest_payload.bytes < 6000, `largest state payload ${JSON.stringify(r.out.largest_payload)}`);
    assert.ok(inlineBytes > 10 * r.out.largest_payload.bytes, `inline the items and results would be ${inlineBytes} bytes`);
    assert.equal(r.out.output.tables_validated, 320, 'the report read every result');
  } finally {
    await fake.close();
  }
});

test('a failed work item fails the Distributed Map (no tolerated failure): failure report with a failed verdict, FAILED_0.json in S3', async () => {
  const s3 = endpointS3();
  const fake = await fakeWatch({}, (fn, payload) => (fn === 'validate-tables' && payload.table === 'orders'
    ? { status: 500, body: JSON.stringify({ errorType: 'DatabaseError', errorMessage: 'permission denied for table orders' }) }
    : null));
  try {
    const r = await runner(args(fake.port, { mode: 'validate' }, '--name', 'runner-map-failed'));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.out.status, 'FAILED');
    assert.equal(r.out.error, 'States.ExceedToleratedFailureThreshold');
    assert.match(r.out.cause, /^FAILED: States.ExceedToleratedFailureThreshold: .*1 of 2 child executions failed \(item \d: DatabaseError/, 'the failure report: verdict failed');
    assert.equal(fake.w.payloads('validate-tables').filter((p) => p.table === 'orders').length, 1, 'DatabaseError is not retried');
    const report = fake.w.payloads('report')[0];
    assert.equal(report.error.Error, 'States.ExceedToleratedFailureThreshold');
    assert.equal(report.validation.plan.work_items, 2, 'the plan summary is in the failure report');
    const failedChild = r.events.find((e) => e.child !== undefined && e.type === 'StateEntered' && e.state === 'Work item failed');
    assert.ok(failedChild, 'the child ended in its Fail state');
    // The ResultWriter still wrote what ran, the failed child with its error.
    const keys = await s3.listKeys('dmsflow-reports', 'validation/runner-map-failed/map/');
    const failedFile = keys.find((k) => k.endsWith('/FAILED_0.json'));
    assert.ok(failedFile && keys.some((k) => k.endsWith('/manifest.json')), `ResultWriter files: ${keys}`);
    const failed = JSON.parse(await s3.getObject('dmsflow-reports', failedFile));
    assert.deepEqual(failed.map((c) => [JSON.parse(c.Input).table, c.Status, c.Error]), [['orders', 'FAILED', 'DatabaseError']]);
  } finally {
    await fake.close();
  }
});
