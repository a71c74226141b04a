// The two S3 calls the local Distributed Map needs (GetObject, PutObject), as
// plain HTTP signed with Signature Version 4 (node:crypto), path-style, against
// the local S3 (moto) at AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. No SDK: these
// two calls are all it takes. `memoryS3()` is the same interface in memory,
// for the path tests.
import http from 'node:http';
import https from 'node:https';
import { createHash, createHmac } from 'node:crypto';

/** An S3 failure: `code` is S3's error code (NoSuchKey, NoSuchBucket, …) or the HTTP status. */
export class S3Error extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'S3Error';
    this.code = code;
  }
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
// RFC 3986 unreserved characters stay; everything else is percent-encoded (S3's rule).
const encode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 headers for one request (service s3, UNSIGNED nothing: the payload hash is signed). */
export function signV4({ method, url, body, region, accessKeyId, secretAccessKey, sessionToken, now = new Date() }) {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256(body ?? '');
  const headers = { host: url.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  if (sessionToken) headers['x-amz-security-token'] = sessionToken;
  const names = Object.keys(headers).sort();
  const query = [...url.searchParams].map(([k, v]) => `${encode(k)}=${encode(v)}`).sort().join('&');
  const canonical = [method, url.pathname, query, ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), payloadHash].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

function request(url, method, headers, body) {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers: { ...headers, 'content-length': Buffer.byteLength(body ?? '') } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? '');
  });
}

/** S3 at an endpoint (moto), from the standard environment variables unless given. */
export function endpointS3(env = process.env, endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL) {
  if (!endpoint) return null;
  const creds = {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test',
    sessionToken: env.AWS_SESSION_TOKEN,
  };
  const call = async (method, bucket, key, body, query = '') => {
    const url = new URL(`${endpoint.replace(/\/+$/, '')}/${encode(bucket)}/${key.split('/').map(encode).join('/')}${query}`);
    const where = `s3://${bucket}/${key}`;
    let res;
    try {
      res = await request(url, method, { ...signV4({ method, url, body, ...creds }), ...(body ? { 'content-type': 'application/json' } : {}) }, body);
    } catch (e) {
      throw new S3Error('NetworkError', `${method} ${where} at ${endpoint}: ${e.code ?? e.message}`);
    }
    if (res.status >= 200 && res.status < 300) return res.text;
    const code = res.text.match(/<Code>([^<]+)<\/Code>/)?.[1] ?? `HTTP ${res.status}`;
    throw new S3Error(code, `${method} ${where}: ${code}: ${res.text.match(/<Message>([^<]*)<\/Message>/)?.[1] ?? res.text.slice(0, 200)}`);
  };
  return {
    endpoint,
    getObject: (bucket, key) => call('GET', bucket, key),
    putObject: (bucket, key, body) => call('PUT', bucket, key, body).then(() => undefined),
    /** Keys under a prefix (the first 1000: enough for tests and checks). */
    listKeys: async (bucket, prefix) => {
      const xml = await call('GET', bucket, '', undefined, `?list-type=2&prefix=${encode(prefix)}`);
      return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    },
    createBucket: (bucket) => call('PUT', bucket, '').catch((e) => {
      if (e.code !== 'BucketAlreadyOwnedByYou' && e.code !== 'BucketAlreadyExists') throw e;
    }),
  };
}

/** The same interface over a Map (`objects`: "bucket/key" → text). */
export function memoryS3() {
  const objects = new Map();
  return {
    objects,
    getObject: async (bucket, key) => {
      const text = objects.get(`${bucket}/${key}`);
      if (text === undefined) throw new S3Error('NoSuchKey', `GET s3://${bucket}/${key}: NoSuchKey`);
      return text;
    },
    putObject: async (bucket, key, body) => {
      objects.set(`${bucket}/${key}`, String(body));
    },
    listKeys: async (bucket, prefix) => [...objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1)),
    createBucket: async () => {},
  };
}
