// The local S3 the runner's Distributed Map needs, for tests that run the
// runner as its own process: the moto server at AWS_ENDPOINT_URL when one is
// set (scripts/with-services.sh), otherwise a moto server started here for
// this test process (stopped when it exits). The endpoint and dummy
// credentials go into process.env, so a runner spawned by the test finds the
// same S3 as the fake functions.
import { spawn } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import { endpointS3 } from '../s3.mjs';

const freePort = () => new Promise((resolve, reject) => {
  const server = net.createServer();
  server.on('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

const answers = (url) => new Promise((resolve) => {
  http.get(url, (res) => {
    res.resume();
    resolve(res.statusCode < 500);
  }).on('error', () => resolve(false));
});

export async function ensureLocalS3() {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'us-east-1';
  if (process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL) return endpointS3();
  const port = await freePort();
  const moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  let exited = null;
  moto.on('exit', (code) => { exited = code; });
  moto.on('error', (e) => { exited = e.message; });
  process.on('exit', () => moto.kill());
  moto.unref();
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (await answers(`${endpoint}/moto-api/`)) {
      process.env.AWS_ENDPOINT_URL = endpoint;
      return endpointS3();
    }
    if (exited !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  moto.kill();
  throw new Error(`these tests need a local S3: set AWS_ENDPOINT_URL, or install moto (python3 -m moto.server; exited: ${exited})`);
}
