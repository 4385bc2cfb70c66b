/**
 * Scale-out ("Live runtime", item 5): three `headroom serve` child processes share one Redis (limiter,
 * response cache, sessions, async task queue) under a unique prefix and call one in-process mock provider.
 *
 *   (a) the shared limiter holds the *global* rate: offered three times the model's RPM over all three
 *       instances, the mock never sees more than a token bucket admits (capacity + rate × window);
 *   (b) an answer cached by one instance is a hit on another (and expires on the scenario's clock);
 *   (c) an instance SIGKILLed while it runs async tasks loses none: the survivors reclaim them;
 *   (d) task deadlines hold across instances started at different times (their scheduler clocks differ).
 *
 * Time is compressed 30×: a scenario minute lasts 2 s, so the 20 RPM limit admits 20 requests per 2 s.
 * A low rate on purpose: measured at the mock, the bound tolerates transit jitter of up to one request
 * interval (100 ms), which a busy two-core CI machine can reach at higher rates.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deleteKeys, scanKeys } from '../helpers/redis.js';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMockProvider, type MockProvider } from '../../src/runtime/mock-provider/server.js';
import { decodeWireRequest, REQUEST_HEADER } from '../../src/runtime/wire.js';
import { parseScenario } from '../../src/scenario/load.js';
import { ProcessGroup, type ServeProcess } from '../helpers/processes.js';

const TIME_SCALE = 30;
const RPM = 20;
/** Worker slots (and async task consumers) per instance. */
const SLOTS = 6;
const YAML = `
name: scale-out
seed: 3
users: { dailyActive: 1000, concurrencyRatio: 1%, priorityMix: { interactive: 1 } }
conversation: { tokens: { systemPrompt: 100, userMessage: 20, output: 20 } }
limiter: { margin: 1 }
models:
  fast: { id: claude-test-fast, price: &p { input: $3/Mtok, output: $15/Mtok }, latency: { ttft: 300ms, outputRate: 1000/s }, limits: { rpm: ${RPM} } }
  slow: { id: claude-test-slow, price: *p, latency: { ttft: 10s, outputRate: 1000/s }, timeout: 10m }
router:
  default: fast
  rules: [{ when: { priority: [standard, batch] }, use: slow }]
workers: { count: 1, concurrency: ${SLOTS} }
queue:
  timeout: 10s
  classes:
    interactive: { priority: 0 }
    standard: { priority: 1, deadline: 10s }
    batch: { priority: 2, deadline: 1h }
retry: { maxAttempts: 2 }
breaker: false
cache: { ttl: 1h }
`;
const parsed = parseScenario(YAML, 'scale-out.yaml');
if (!parsed.scenario) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
const scenario = parsed.scenario;

const prefix = `it-scale-${randomUUID().slice(0, 12)}`;
const group = new ProcessGroup();
const agent = new Agent({ connections: 64 });
let dir: string;
let redis: Redis;
let mock: MockProvider;
let mockUrl: string;
let instances: ServeProcess[] = [];
/** Every request that reached the mock's /v1/messages: real time (performance.now()) and scenario model. */
const arrivals: { atMs: number; model: string }[] = [];
let serveArgs: string[] = [];

async function post(base: string, path: string, body: unknown) {
  const res = await request(`${base}${path}`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
}

async function get(base: string, path: string) {
  const res = await request(`${base}${path}`, { dispatcher: agent });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}



beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-scale-'));
  const file = join(dir, 'scale-out.yaml');
  await writeFile(file, YAML);
  redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();

  mock = buildMockProvider({ scenario, timeScale: TIME_SCALE, closeGraceMs: 200 });
  // Count at the provider's door, as early as Fastify lets us (the runtime names the model in its wire header).
  mock.app.addHook('onRequest', async (req) => {
    if (req.method === 'POST' && req.routeOptions.url === '/v1/messages') arrivals.push({ atMs: performance.now(), model: decodeWireRequest(req.headers[REQUEST_HEADER])?.model ?? '?' });
  });
  mockUrl = await mock.app.listen({ port: 0, host: '127.0.0.1' });

  serveArgs = ['--scenario', file, '--provider', 'mock', '--provider-url', mockUrl, '--redis', 'redis://127.0.0.1:6379', '--prefix', prefix, '--time-scale', String(TIME_SCALE), '--reclaim-after', '2s', '--drain-timeout', '1s', '--log-level', 'warn'];
  instances = await Promise.all([0, 1, 2].map((i) => group.serve([...serveArgs, '--instance-id', `inst-${i}`], 30_000)));
  // Warm every instance up (first SDK call, Redis scripts, JIT): a cold first request travels far slower
  // than the rest, which would blur the rate measured at the mock.
  await Promise.all(
    instances.flatMap((inst, i) => [
      post(inst.url, `/v1/sessions/warm-${i}-f/turns`, { message: `warm fast ${i} ${randomUUID()}` }),
      post(inst.url, `/v1/sessions/warm-${i}-s/turns`, { message: `warm slow ${i} ${randomUUID()}`, priority: 'batch' }),
    ]),
  );
}, 50_000);

afterAll(async () => {
  await group.killAll();
  await agent.close();
  await mock?.close();
  if (redis) {
    await deleteKeys(redis, `*${prefix}*`).catch(() => undefined);
    redis.disconnect();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('scale-out: three instances, one Redis', () => {
  it('(b) an answer cached by one instance is a hit on another', async () => {
    const message = `What are your opening hours? ${randomUUID()}`;
    const before = arrivals.length;
    const first = await post(instances[0]!.url, `/v1/sessions/cache-a-${randomUUID().slice(0, 8)}/turns`, { message });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.headers['x-headroom-cache']).toBe('miss');
    for (const other of [instances[1]!, instances[2]!]) {
      const again = await post(other.url, `/v1/sessions/cache-b-${randomUUID().slice(0, 8)}/turns`, { message });
      expect(again.status).toBe(200);
      expect(again.headers['x-headroom-cache']).toBe('hit');
      expect(again.body['status']).toBe('cache-hit');
    }
    expect(arrivals.length - before).toBe(1); // only the miss reached the provider

    // Redis expires entries on real time: the scenario's 1 h TTL is 1 h / 30 = 2 min of it.
    const entries = await scanKeys(redis, `{hr:${prefix}:c}:v:*`);
    expect(entries.length).toBeGreaterThan(0);
    for (const k of entries) expect(await redis.pttl(k)).toBeLessThanOrEqual(3_600_000 / TIME_SCALE);
  });

  it('(a) the mock never receives more than the global RPM allows, whichever instance sends', async () => {
    const W = 60_000 / TIME_SCALE; // one scenario minute, real ms
    const rate = RPM / W; // requests per real ms
    const capacity = RPM; // margin 1: the bucket holds one minute's worth
    const offeredPerMs = 3 * rate;
    const phaseMs = 3 * W;
    await new Promise((r) => setTimeout(r, W)); // the bucket is full again: the worst case for the bound
    const startedAt = performance.now();
    const sends: Promise<number>[] = [];
    for (let i = 0; performance.now() - startedAt < phaseMs; i++) {
      // Open model: each send at its own time from the start, whatever the answers do.
      const due = startedAt + i / offeredPerMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const target = instances[i % 3]!;
      sends.push(post(target.url, `/v1/sessions/load-${i}-${randomUUID().slice(0, 8)}/turns`, { message: `load ${i} ${randomUUID()}` }).then((r) => r.status, () => -1));
    }
    const statuses = await Promise.all(sends);
    const byStatus: Record<number, number> = {};
    for (const s of statuses) byStatus[s] = (byStatus[s] ?? 0) + 1;

    const fast = arrivals.filter((a) => a.model === 'fast' && a.atMs >= startedAt).map((a) => a.atMs);
    // A token bucket of capacity C refilling R per ms admits at most C + R·L in any interval of length L.
    // Measured at the mock, grant times are shifted by the transit time; the +1 covers differences in
    // transit of up to 1/R (100 ms here).
    let worstWindow = 0;
    for (let i = 0, j = 0; i < fast.length; i++) {
      while (j < fast.length && fast[j]! <= fast[i]! + W) j++;
      worstWindow = Math.max(worstWindow, j - i);
    }
    const spanMs = fast[fast.length - 1]! - fast[0]!;
    const bins: number[] = [];
    for (const t of fast) bins[Math.floor((t - fast[0]!) / W)] = (bins[Math.floor((t - fast[0]!) / W)] ?? 0) + 1;
    const summary = { offered: statuses.length, byStatus, atMock: fast.length, perScenarioMinute: bins, worstWindow, bound: capacity + rate * W + 1, spanMs: Math.round(spanMs) };

    expect(statuses.length, JSON.stringify(summary)).toBeGreaterThan(2 * (capacity + rate * phaseMs)); // offered well above what the bucket can admit
    expect(byStatus[503] ?? 0, JSON.stringify(summary)).toBeGreaterThan(0); // the excess was shed, not sent
    // The mock's own counter agrees with what we saw at its door.
    expect(mock.stats().received).toBe(arrivals.length);
    expect(worstWindow, JSON.stringify(summary)).toBeLessThanOrEqual(capacity + rate * W + 1);
    for (const perMinute of bins) expect(perMinute ?? 0, JSON.stringify(summary)).toBeLessThanOrEqual(capacity + rate * W + 1);
    expect(fast.length, JSON.stringify(summary)).toBeLessThanOrEqual(capacity + rate * spanMs + 1);
    // …and the limiter does not starve the provider either: three instances together reach the rate.
    expect(fast.length, JSON.stringify(summary)).toBeGreaterThanOrEqual(0.8 * (capacity + rate * phaseMs));
    // Every instance sent some of it (round robin), so the bound is global, not per instance.
    expect(statuses.filter((s, i) => s === 200 && i % 3 === 2).length).toBeGreaterThan(0);
  }, 30_000);

  it('(c) SIGKILL of one instance mid-run loses no accepted async task', async () => {
    const N = 30;
    const victim = instances[2]!;
    const survivors = [instances[0]!, instances[1]!];
    const slowBefore = arrivals.filter((a) => a.model === 'slow').length;
    const accepted: string[] = [];
    await Promise.all(
      Array.from({ length: N }, async (_, k) => {
        const r = await post(instances[k % 3]!.url, `/v1/sessions/task-${k}-${randomUUID().slice(0, 8)}/turns`, { message: `task ${k} ${randomUUID()}`, async: true, priority: 'batch' });
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        accepted.push(r.body['taskId'] as string);
      }),
    );
    expect(accepted).toHaveLength(N);

    // Kill the victim while it runs several of them (the slow model takes ~350 ms real per task).
    let onVictim: string[] = [];
    const deadline = performance.now() + 5_000;
    while (onVictim.length < 3) {
      if (performance.now() > deadline) throw new Error('the victim never ran a task');
      const all = await Promise.all(accepted.map((id) => get(survivors[0]!.url, `/v1/tasks/${id}`)));
      onVictim = all.filter((t) => t.body['status'] === 'running' && t.body['consumer'] === 'inst-2').map((t) => t.body['id'] as string);
      if (onVictim.length < 3) await new Promise((r) => setTimeout(r, 20));
    }
    victim.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    // Survivors finish everything: the victim's pending tasks after --reclaim-after (2 s).
    const final = new Map<string, Record<string, unknown>>();
    const until = performance.now() + 25_000;
    for (let round = 0; final.size < N; round++) {
      if (performance.now() > until) break;
      const base = survivors[round % 2]!.url;
      for (const id of accepted) {
        if (final.has(id)) continue;
        const t = await get(base, `/v1/tasks/${id}`);
        expect(t.status).toBe(200); // an accepted task is never unknown
        expect(t.body['status'], JSON.stringify(t.body)).not.toBe('failed');
        if (t.body['status'] === 'done') final.set(id, t.body);
      }
      if (final.size < N) await new Promise((r) => setTimeout(r, 100));
    }
    const missing = accepted.filter((id) => !final.has(id));
    expect(missing, 'tasks never done').toEqual([]);
    // The victim may have finished one between our last look and the kill; the rest were taken over.
    const takenOver = onVictim.filter((id) => final.get(id)!['consumer'] !== 'inst-2');
    expect(takenOver.length, `running on the victim when killed: ${onVictim.length}`).toBeGreaterThan(0);
    // At-least-once: each task reached the provider once, plus at most once more for each task the victim took down with it.
    const slowCalls = arrivals.filter((a) => a.model === 'slow').length - slowBefore;
    expect(slowCalls).toBeGreaterThanOrEqual(N);
    expect(slowCalls, `tasks running on the victim: ${onVictim.length}`).toBeLessThanOrEqual(N + SLOTS);
  }, 40_000);

  it('(d) task deadlines hold across instances started at different times', async () => {
    // Each instance's scheduler counts from its own start. A young instance accepts tasks whose class
    // deadline is 10 scenario s (333 ms real); older instances claim some of them at once and must run
    // them, not find them long overdue on their own clock.
    const young = await group.serve([...serveArgs, '--instance-id', 'inst-3'], 30_000);
    instances.push(young);
    const ids = await Promise.all(
      Array.from({ length: 12 }, async (_, k) => {
        const r = await post(young.url, `/v1/sessions/late-${k}-${randomUUID().slice(0, 8)}/turns`, { message: `late ${k} ${randomUUID()}`, async: true, priority: 'standard' });
        expect(r.status, JSON.stringify(r.body)).toBe(202);
        return r.body['taskId'] as string;
      }),
    );
    const settled = new Map<string, Record<string, unknown>>();
    const until = performance.now() + 15_000;
    while (settled.size < ids.length && performance.now() < until) {
      for (const id of ids) {
        if (settled.has(id)) continue;
        const t = await get(young.url, `/v1/tasks/${id}`);
        if (t.body['status'] === 'done' || t.body['status'] === 'failed') settled.set(id, t.body);
      }
      if (settled.size < ids.length) await new Promise((r) => setTimeout(r, 100));
    }
    const outcomes = ids.map((id) => settled.get(id));
    expect(outcomes.map((t) => t?.['status']), JSON.stringify(outcomes.map((t) => t?.['error']))).toEqual(ids.map(() => 'done'));
    // Some ran on the older instances (the young one has 6 consumers for 12 tasks of ~350 ms each).
    expect(outcomes.some((t) => t!['consumer'] !== 'inst-3')).toBe(true);
  }, 40_000);
});
