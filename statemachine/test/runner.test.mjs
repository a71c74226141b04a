// The local runner against an HTTP server that answers like `cargo lambda
// watch`: 200 with the payload; a function error as HTTP 500 with
// {errorType, errorMessage} and no X-Amz-Function-Error header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { world } from './fakes.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** A fake cargo-lambda invoke API backed by the fake functions. */
async function fakeWatch(script) {
  const w = world(script);
  const server = http.createServer((req, res) => {
    const m = req.url.match(/^\/2015-03-31\/functions\/([^/]+)\/invocations$/);
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end();
        return;
      }
      try {
        const out = await w.invoke(m[1], JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      } catch (e) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errorType: e.name, errorMessage: e.message }));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { w, port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

/** Run the runner as a separate process (async, so the fake server keeps serving). */
async function runner(port, input, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'dmsflow-runner-'));
  const events = join(dir, 'events.jsonl');
  const output = join(dir, 'out.json');
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-r', join(here, 'polyfill.cjs'), join(here, '..', 'run-local.mjs'),
    '--port', String(port), '--input', JSON.stringify(input), '--wait-ms', '0', '--retry-ms', '0',
    '--events', events, '--output', output, '--name', 'runner-test', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const code = await new Promise((r) => child.on('close', r));
  const read = (f) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } };
  return {
    code,
    stderr,
    out: read(output) ? JSON.parse(read(output)) : null,
    events: read(events).split('\n').filter(Boolean).map((l) => JSON.parse(l)),
  };
}

test('a full migrate run through the HTTP invoke API succeeds with exit 0', async () => {
  const fake = await fakeWatch({});
  try {
    const r = await runner(fake.port, { mode: 'migrate', seed_scale: 1, cdc_changes: 10 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out.status, 'SUCCEEDED');
    assert.equal(r.out.output.report.payload.verdict, 'identical');
    assert.match(r.stderr, /Check migration progress: phase in-sync, full load 100%, lag 0.2 s/);
    assert.ok(r.events.some((e) => e.type === 'StateEntered' && e.state === 'Validate one table'));
  } finally {
    await fake.close();
  }
});

test('HTTP 500 with a transient errorType is retried, then succeeds', async () => {
  const fake = await fakeWatch({ failOnce: { 'start-task': 'DatabaseUnavailable' } });
  try {
    const r = await runner(fake.port, { mode: 'migrate' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.events.some((e) => e.type === 'StateRetried' && e.state === 'Start migration'), JSON.stringify(r.events));
    assert.equal(fake.w.calls.filter((c) => c.fn === 'start-task' && c.payload.action === 'start').length, 2);
  } finally {
    await fake.close();
  }
});

test('HTTP 500 with SourceNotEmpty is caught: failure report, exit 1', async () => {
  const fake = await fakeWatch({ fail: { 'seed-source': 'SourceNotEmpty' } });
  try {
    const r = await runner(fake.port, { mode: 'migrate', seed_scale: 1 });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.out.error, 'SourceNotEmpty');
    assert.equal(fake.w.calls.find((c) => c.fn === 'report').payload.error.Error, 'SourceNotEmpty');
  } finally {
    await fake.close();
  }
});

test('the before-validate hook runs once, before the plan', async () => {
  const fake = await fakeWatch({});
  const dir = mkdtempSync(join(tmpdir(), 'dmsflow-hook-'));
  try {
    const r = await runner(fake.port, { mode: 'validate' }, ['--before-validate', `echo hook >> ${dir}/hook.txt`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'hook.txt'), 'utf8'), 'hook\n');
  } finally {
    await fake.close();
  }
});

test('nothing listening: Lambda.ServiceException, retried, then a failed execution', async () => {
  const r = await runner(1, { mode: 'validate' });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.out.error, 'Lambda.ServiceException');
});
