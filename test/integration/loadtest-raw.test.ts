/**
 * `loadtest raw` over real HTTP on loopback: autocannon against an in-process Fastify hello app and
 * against the runtime answering POST /v1/messages from its response cache (the mock provider sees
 * only the warm-up request). Each run lasts one second, the shortest raw run there is.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadtestRaw, type LoadtestRawOptions } from '../../src/cli/commands/loadtest-raw.js';
import { decodeHistogram } from '../../src/core/metrics/histogram.js';
import { ErrorCode, ExitCode, HeadroomError } from '../../src/errors.js';
import { parseHeaders, RawReportSchema, runRaw } from '../../src/loadtest/raw.js';
import { buildApp } from '../../src/runtime/app.js';
import { startMockProvider, type RunningMockProvider } from '../../src/runtime/mock-provider/server.js';
import { AnthropicProvider } from '../../src/runtime/providers/anthropic.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { parseScenario } from '../../src/scenario/load.js';

const YAML = `
name: raw-test
users: { dailyActive: 100, concurrencyRatio: 10% }
models:
  fast: { id: claude-test-fast, price: { input: $3/Mtok, output: $15/Mtok }, latency: { ttft: 0, outputRate: 1000000/s } }
workers: { count: 4, concurrency: 50 }
cache: { ttl: 1h }
`;
const parsed = parseScenario(YAML, 'raw-test.yaml');
if (!parsed.scenario) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
const scenario = parsed.scenario;
const MESSAGE = JSON.stringify({ model: 'fast', max_tokens: 64, messages: [{ role: 'user', content: 'where is my order?' }] });

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => new Writable({ write: (c: Buffer | string, _e, done) => (into.push(String(c)), done()) });
  return { io: { out: sink(out), err: sink(err), isTty: false }, stdout: () => out.join(''), stderr: () => err.join('') };
}

const cliOptions = (target: string, extra: Partial<LoadtestRawOptions> = {}): LoadtestRawOptions => ({ target, connections: 4, duration: '1s', header: [], timeout: '10s', allowRemote: false, json: true, ...extra });

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('raw load against a Fastify hello app', () => {
  let hello: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    hello = Fastify();
    hello.get('/', async () => ({ hello: 'world' }));
    hello.post('/echo', async (req) => req.body);
    url = await hello.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => hello.close());

  it('reports requests/s, µs-resolution latency of every 2xx response, and no errors', async () => {
    const r = await runRaw({ origin: url, path: '/', method: 'GET', connections: 4, durationMs: 1_000 });
    expect(RawReportSchema.parse(r)).toEqual(r);
    expect(r.kind).toBe('raw');
    expect(r.requests.completed).toBeGreaterThan(100);
    expect(r.requests.ok).toBe(r.requests.completed);
    expect(r.statusCodes).toEqual({ '200': r.requests.completed });
    expect(r.latency.count).toBe(r.requests.ok);
    expect(r.latency.p50).toBeGreaterThan(0);
    expect(r.latency.p50).toBeLessThanOrEqual(r.latency.p99);
    // Sub-millisecond figures survive (autocannon's own histogram has whole milliseconds only).
    expect([r.latency.p50, r.latency.p90, r.latency.p99, r.latency.max].some((x) => x % 1 !== 0)).toBe(true);
    expect(decodeHistogram(r.histogram).totalCount).toBe(r.latency.count);
    expect(r.requests.perS).toBeCloseTo((r.requests.completed / r.run.wallMs) * 1000, 6);
    expect(r.errors).toEqual({ total: 0, rate: 0, byStatus: {}, connection: 0, timeouts: 0 });
    expect(r.answer).toMatch(/^[\d,]+ requests\/s .* latency p50 .* no errors\.$/);
  });

  it('counts non-2xx responses as errors by status and keeps them out of the latency', async () => {
    const r = await runRaw({ origin: url, path: '/missing', method: 'GET', connections: 2, durationMs: 1_000 });
    expect(r.requests.ok).toBe(0);
    expect(r.errors.byStatus['404']).toBe(r.requests.completed);
    expect(r.errors.rate).toBe(1);
    expect(r.latency.count).toBe(0);
    expect(r.answer).toContain('404 ×');
  });

  it('sends the body, method and headers given, at a fixed overall rate when asked', async () => {
    const r = await runRaw({ origin: url, path: '/echo', method: 'POST', headers: parseHeaders(['Content-Type: application/json']), body: '{"a":1}', connections: 2, durationMs: 1_000, rate: 200 });
    expect(r.errors.total).toBe(0);
    expect(r.target).toMatchObject({ method: 'POST', bodyBytes: 7, headers: ['content-type'] });
    expect(r.run.rate).toBe(200);
    // autocannon caps each connection at its share per second: 200 in the one second, give or take the edge.
    expect(r.requests.completed).toBeGreaterThan(150);
    expect(r.requests.completed).toBeLessThanOrEqual(420);
  });

  it('refuses options outside the bounds', async () => {
    const base = { origin: url, path: '/', method: 'GET', connections: 1, durationMs: 1_000 };
    for (const bad of [{ connections: 0 }, { connections: 5_000 }, { durationMs: 11 * 60_000 }, { durationMs: 10 }, { rate: 0 }, { path: 'x' }, { method: 'get me' }]) {
      await expect(runRaw({ ...base, ...bad })).rejects.toMatchObject({ code: ErrorCode.badArgument });
    }
  });
});

describe('raw load against the runtime on cache hits', () => {
  let mock: RunningMockProvider;
  let runtime: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    mock = await startMockProvider({ scenario });
    const texts = new MemoryTextStore();
    const provider = new AnthropicProvider({ baseURL: mock.url, models: scenario.models, texts, mock: true });
    const rt = createRuntime({ scenario, provider, texts });
    runtime = (await buildApp(rt)).app;
    url = await runtime.listen({ port: 0, host: '127.0.0.1' });
    // The warm-up: the one request that reaches the provider and fills the cache.
    const warm = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: MESSAGE });
    expect(warm.status).toBe(200);
    expect(warm.headers.get('x-headroom-cache')).toBe('miss');
  });
  afterAll(async () => {
    await runtime.close();
    await mock.close();
  });

  it('every identical POST /v1/messages is answered from the cache: the provider sees only the warm-up', async () => {
    const r = await runRaw({ origin: url, path: '/v1/messages', method: 'POST', headers: { 'content-type': 'application/json' }, body: MESSAGE, connections: 8, durationMs: 1_000 });
    expect(r.errors.total).toBe(0);
    expect(r.requests.ok).toBeGreaterThan(100);
    expect(mock.stats().received).toBe(1);
    const hit = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: MESSAGE });
    expect(hit.headers.get('x-headroom-cache')).toBe('hit');
  });

  it('the command: JSON report on stdout and in --out, body from a file, content type inferred', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'headroom-raw-'));
    try {
      await writeFile(join(dir, 'body.json'), MESSAGE);
      const c = captureIo();
      const code = await loadtestRaw(c.io, cliOptions(`${url}/v1/messages`, { body: join(dir, 'body.json'), out: join(dir, 'r.json') }));
      expect(code).toBe(ExitCode.ok);
      const report = RawReportSchema.parse(JSON.parse(c.stdout()));
      expect(report.target).toMatchObject({ url: `${url}/v1/messages`, method: 'POST', headers: ['content-type'] });
      expect(report.errors.total).toBe(0);
      expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'))).toEqual(report);
      expect(mock.stats().received).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the loadtest raw command', () => {
  it('prints a short human summary', async () => {
    const app = Fastify();
    app.get('/healthz', async () => ({ ok: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const c = captureIo();
      expect(await loadtestRaw(c.io, cliOptions(url, { path: '/healthz', json: false, header: ['x-test: 1'] }))).toBe(ExitCode.ok);
      expect(c.stdout()).toMatch(/^raw load: GET http:\/\/127\.0\.0\.1:\d+\/healthz with 4 connections for 1s…\n[\d,]+ requests\/s/);
      expect(c.stdout()).toMatch(/latency ms {4}p50 \d+\.\d{3}/);
      expect(c.stdout()).toContain('status        200: ');
    } finally {
      await app.close();
    }
  });

  it('refuses a non-loopback target unless --allow-remote, and bad flags, before sending anything', async () => {
    const c = captureIo();
    await expect(loadtestRaw(c.io, cliOptions('http://example.com'))).rejects.toThrow(/not a loopback address/);
    await expect(loadtestRaw(c.io, cliOptions('http://127.0.0.1:1', { duration: '10' }))).rejects.toThrow(/--duration: expected a duration/);
    await expect(loadtestRaw(c.io, cliOptions('http://127.0.0.1:1', { header: ['no-colon'] }))).rejects.toThrow(/--header/);
    await expect(loadtestRaw(c.io, cliOptions('http://127.0.0.1:1', { body: '/nonexistent/body.json' }))).rejects.toBeInstanceOf(HeadroomError);
    expect(c.stdout()).toBe('');
  });

  it('exits 99 when every request failed (500 to everything), saying why in one line on stderr, and still writes --out', async () => {
    // Before, a run in which not one request succeeded exited 0 like a pass: only the summary said "100 % errors".
    const app = Fastify();
    app.get('/', async (_req, reply) => reply.code(500).send({ error: 'down' }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const dir = await mkdtemp(join(tmpdir(), 'headroom-raw-'));
    try {
      const c = captureIo();
      expect(await loadtestRaw(c.io, cliOptions(url, { connections: 2, out: join(dir, 'r.json') }))).toBe(ExitCode.gateFailed);
      const lines = c.stderr().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: every request failed: .* answered [\d,]+ requests?, none with a 2xx status \(500 ×[\d,]+\)/);
      const report = RawReportSchema.parse(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')));
      expect(report.requests.ok).toBe(0);
      expect(report.requests.completed).toBeGreaterThan(0);
      expect(JSON.parse(c.stdout())).toEqual(report);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 when nothing answers', async () => {
    const port = await freePort();
    const c = captureIo();
    expect(await loadtestRaw(c.io, cliOptions(`http://127.0.0.1:${port}`, { connections: 1 }))).toBe(ExitCode.badInput);
    expect(c.stderr()).toMatch(/answered no request \(\d+ connection errors/);
  });
});

describe('parseHeaders', () => {
  it('reads name: value pairs, lower-cases names, keeps colons in values', () => {
    expect(parseHeaders(['Content-Type: application/json', 'x-url:http://a:1'])).toEqual({ 'content-type': 'application/json', 'x-url': 'http://a:1' });
    expect(() => parseHeaders([': v'])).toThrow(HeadroomError);
  });
});
