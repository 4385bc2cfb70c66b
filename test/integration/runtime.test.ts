/**
 * The live runtime end to end on real loopback HTTP (no inject): gateway (createRuntime + buildApp on
 * port 0) → the real @anthropic-ai/sdk adapter → the real mock provider (port 0). Shows that a turn
 * over HTTP costs exactly what the simulator computes for it, and that the gateway's HTTP contract —
 * streaming, async tasks, the Anthropic pass-through, ops routes, auth, ingress limits, back-pressure,
 * provider failure and the circuit breaker — holds on the wire.
 *
 * Speed: the mock and the runtime run at timeScale 50–100, so model latencies are a few real ms.
 * Each test starts its own harness (a fresh mock matters: the provider's prompt cache is shared by
 * every session, so exact usage comparisons need a provider that has seen nothing else).
 */
import { randomUUID } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryResponseCache } from '../../src/core/cache/index.js';
import { Conversation, segment } from '../../src/core/context.js';
import { MemoryCostCounters } from '../../src/core/cost/index.js';
import { LimiterLine, MemoryLimiter } from '../../src/core/limiter/index.js';
import { buildDeps, cacheConfig, limiterConfig, queueConfig, slotCapacity } from '../../src/core/pipeline/build.js';
import type { CachedAnswer } from '../../src/core/pipeline/effects.js';
import { turnPipeline, type TurnOutcome } from '../../src/core/pipeline/turn.js';
import { runVirtual } from '../../src/core/pipeline/virtual-interpreter.js';
import { Pricing } from '../../src/core/pricing.js';
import { ProviderModel, type ProviderRequest } from '../../src/core/provider-model.js';
import { MemoryTaskQueue } from '../../src/core/queue/index.js';
import { VirtualScheduler } from '../../src/core/scheduler.js';
import type { Usage } from '../../src/core/types.js';
import { WorkerPool, type SlotWaiter } from '../../src/core/workers.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { countTokens, textFor } from '../../src/workload/text.js';
import { Workload } from '../../src/workload/stream.js';
import type { Session } from '../../src/workload/types.js';
import { closedPort, metricValue, postSse, postTurn, request, startRuntime, waitFor, type Json, type RuntimeHarness, type RuntimeHarnessOptions } from '../helpers/runtime.js';

const open: RuntimeHarness[] = [];
async function harness(o: RuntimeHarnessOptions): Promise<RuntimeHarness> {
  const h = await startRuntime(o);
  open.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

/** One model, prompt caching on (a 3k system prompt: above Sonnet 4.6's 2,048-token minimum), a fixed 40-token answer: 4 ms TTFT + 2 ms of output at K=100. */
const BASIC = `
name: runtime-it
seed: 17
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation:
  tokens: { systemPrompt: 3k, output: 40 }
models:
  sonnet: { id: claude-sonnet-4-6, latency: { ttft: 400ms, outputRate: 200/s }, promptCaching: { ttl: 5m } }
`;

const ZERO: Usage = { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
const promptOf = (u: Usage) => u.inputTokens + u.cacheReadTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens;

/** The usage headers must say what the body says. */
function expectCostHeaders(headers: Headers, body: Json): void {
  expect(headers.get('x-headroom-cost-nanos')).toBe(String(body.costNanos));
  expect(Number(headers.get('x-headroom-cost-usd'))).toBeCloseTo(body.costNanos / 1e9, 9);
  expect(headers.get('x-headroom-input-tokens')).toBe(String(body.usage.inputTokens));
  expect(headers.get('x-headroom-output-tokens')).toBe(String(body.usage.outputTokens));
  expect(headers.get('x-headroom-cache-read-tokens')).toBe(String(body.usage.cacheReadTokens));
  expect(headers.get('x-headroom-cache-write-tokens')).toBe(String(body.usage.cacheWrite5mTokens + body.usage.cacheWrite1hTokens));
  expect(headers.get('x-headroom-cache')).toBe(body.status === 'cache-hit' ? 'hit' : 'miss');
}

/**
 * The simulator's run of `sessions`, one after the other and each turn right after the previous
 * answer — the order in which the live test sends them, so the provider's state (prompt cache) sees
 * the same sequence. Built exactly like the pipeline-equivalence test's virtual half.
 */
function simulate(s: Scenario, sessions: Session[]): { outcomes: Map<string, TurnOutcome>; counters: MemoryCostCounters } {
  const sched = new VirtualScheduler();
  const counters = new MemoryCostCounters();
  const env = {
    scheduler: sched,
    pool: new WorkerPool(slotCapacity(s), new MemoryTaskQueue<SlotWaiter>(queueConfig(s)), queueConfig(s)),
    cache: new MemoryResponseCache<CachedAnswer>(cacheConfig(s)!),
    limiter: new LimiterLine(new MemoryLimiter(limiterConfig(s)), sched),
    counters,
    provider: new ProviderModel(s, s.seed),
  };
  const deps = buildDeps(s, { now: () => sched.now(), stores: env });
  const outcomes = new Map<string, TurnOutcome>();
  const runSession = (k: number) => {
    const sess = sessions[k];
    if (!sess) return;
    const conv = new Conversation(`s${sess.id}`, s.conversation.tokens.systemPrompt, s.conversation.context);
    const runTurn = (i: number) => {
      const turn = sess.turns[i]!;
      const last = i === sess.turns.length - 1;
      runVirtual(env, turnPipeline(deps, { sessionKey: `s${sess.id}`, priority: sess.priority, turn, lastTurn: last, conversation: conv, holdingSlot: false }), (o) => {
        outcomes.set(`s${sess.id}/t${turn.index}`, o);
        const answered = o.status === 'ok' || o.status === 'cache-hit';
        sched.at(sched.now(), () => (answered && !last ? runTurn(i + 1) : runSession(k + 1)));
      });
    };
    runTurn(0);
  };
  sched.at(0, () => runSession(0));
  sched.run();
  return { outcomes, counters };
}

/** A turn's body as the load tester sends it (src/loadtest/replay.ts). */
function replayBody(s: Session, turn: Session['turns'][number]) {
  return {
    message: textFor(`s${s.id}/t${turn.index}/u`, turn.userTokens),
    priority: s.priority,
    end: turn.index === s.turns.length,
    plan: {
      turn: turn.index,
      userTokens: turn.userTokens,
      promptKey: turn.promptKey,
      calls: turn.calls.map((c) => ({ outputTokens: c.outputTokens, toolLatencyMs: c.toolLatencyAfterMs, toolResultTokens: c.toolResultTokens })),
    },
  };
}

describe('turns: usage and cost are the simulator’s', () => {
  it('answers a sync turn with text of output_tokens words, usage and cost in body and headers; the next turn carries the history', async () => {
    const h = await harness({ yaml: BASIC });
    const s = h.scenario;
    const m1 = 'hello there how are you today';
    const m2 = 'and what about tomorrow';
    const r1 = await postTurn(h.url, 'conv-1', { message: m1 });
    expect(r1.status, JSON.stringify(r1.body)).toBe(200);
    expect(r1.body).toMatchObject({ sessionId: 'conv-1', turn: 1, status: 'ok', model: 'sonnet', attempts: 1, retries: 0, fallbacks: 0 });
    expect(countTokens(r1.body.answer)).toBe(r1.body.usage.outputTokens);
    expect(r1.body.usage.outputTokens).toBe(40);
    expectCostHeaders(r1.headers, r1.body);
    expect(r1.headers.get('x-headroom-model')).toBe('sonnet');
    const pricing = new Pricing(s);
    expect(r1.body.costNanos).toBe(pricing.costNanos('sonnet', r1.body.usage));
    expect(r1.body.costUsd).toBe(r1.body.costNanos / 1e9);
    expect(r1.body.charges).toEqual([{ model: 'sonnet', usage: r1.body.usage, costNanos: r1.body.costNanos }]);

    const r2 = await postTurn(h.url, 'conv-1', { message: m2 });
    expect(r2.status, JSON.stringify(r2.body)).toBe(200);
    expect(r2.body.turn).toBe(2);
    expectCostHeaders(r2.headers, r2.body);
    expect(r2.body.costNanos).toBe(pricing.costNanos('sonnet', r2.body.usage));
    // The runtime kept the conversation: turn 2's prompt holds turn 1 (and reads it from the prompt cache).
    expect(promptOf(r2.body.usage)).toBeGreaterThan(promptOf(r1.body.usage));
    expect(r2.body.usage.cacheReadTokens).toBeGreaterThan(0);

    // Exactly what the shared ProviderModel decides for the same two ProviderRequests.
    const model = new ProviderModel(s, s.seed);
    const base = { model: 'sonnet', outputTokens: 40, maxTokens: s.models.sonnet!.maxTokens, timeoutMs: s.models.sonnet!.timeout };
    const t1 = [segment('system', s.conversation.tokens.systemPrompt), segment('sconv-1/t1/u', countTokens(m1))];
    const reqs: ProviderRequest[] = [
      { ...base, requestKey: 'sconv-1/t1/c1/a1', segments: t1 },
      { ...base, requestKey: 'sconv-1/t2/c1/a1', segments: [...t1, segment('sconv-1/t1/c1', 40), segment('sconv-1/t2/u', countTokens(m2))] },
    ];
    const expected = reqs.map((req, i) => model.decide(req, i * 1000).result);
    expect(expected.map((e) => (e.ok ? e.usage : e))).toEqual([r1.body.usage, r2.body.usage]);
  });

  it('replays a scripted workload (plans as the load tester sends them) with exactly the simulator’s usage and cost per turn', async () => {
    // Agent loops with tools, a two-model split, FAQ repeats (response cache hits), a summarising
    // model after two turns, prompt caching with a 1 h TTL (36 real seconds at K=100: no expiry races).
    const yaml = `
name: replay-it
seed: 23
users: { dailyActive: 2000, concurrencyRatio: 2% }
conversation:
  turns: 3
  callsPerTurn: { dist: uniform, min: 1, max: 3 }
  toolLatency: 1s
  tokens: { systemPrompt: 1.5k, userMessage: { dist: uniform, min: 20, max: 200 }, output: { dist: uniform, min: 20, max: 120 }, toolResult: { dist: uniform, min: 50, max: 300 } }
  context: { policy: summarise, after: 2, summaryTokens: 100, model: haiku }
prompts: { repeatShare: 60%, distinct: 2 }
models:
  sonnet: { id: claude-sonnet-4-6, latency: { ttft: 500ms, outputRate: 300/s }, promptCaching: { ttl: 1h } }
  haiku: { id: claude-haiku-4-5, latency: { ttft: 200ms, outputRate: 600/s }, promptCaching: { ttl: 1h } }
router:
  default: { sonnet: 0.5, haiku: 0.5 }
`;
    const h = await harness({ yaml, timeScale: 100 });
    const s = h.scenario;
    const sessions: Session[] = [];
    for (const sess of new Workload(s, s.seed).sessions()) {
      sessions.push(sess);
      if (sessions.length === 5) break;
    }
    const sim = simulate(s, sessions);

    const live = new Map<string, Json>();
    for (const sess of sessions) {
      for (const turn of sess.turns) {
        const r = await postTurn(h.url, String(sess.id), replayBody(sess, turn));
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expectCostHeaders(r.headers, r.body);
        live.set(`s${sess.id}/t${turn.index}`, r.body);
      }
    }

    expect([...live.keys()]).toEqual([...sim.outcomes.keys()]);
    for (const [key, o] of sim.outcomes) {
      const r = live.get(key)!;
      const want = { status: o.status, charges: o.charges, costNanos: o.charges.reduce((a, c) => a + c.costNanos, 0), attempts: o.attempts, fallbacks: o.fallbacks };
      expect({ status: r.status, charges: r.charges, costNanos: r.costNanos, attempts: r.attempts, fallbacks: r.fallbacks }, key).toEqual(want);
    }
    // Same totals, to the nano-dollar, in the gateway's own counters.
    const stats = (await request(`${h.url}/v1/stats`)).body;
    const simTotals = sim.counters.totals().byModel;
    expect(stats.cost.totalNanos).toBe(Object.values(simTotals).reduce((a, t) => a + t.costNanos, 0));
    for (const [m, t] of Object.entries(simTotals)) expect(stats.cost.byModel[m], m).toMatchObject(t);

    // The script exercises what it claims to: cache hits, summaries, agent loops, both models, cache reads.
    const outcomes = [...sim.outcomes.values()];
    expect(outcomes.some((o) => o.status === 'cache-hit')).toBe(true);
    expect(outcomes.some((o) => o.routes.some((r) => r.includes('fixed → haiku')))).toBe(true);
    expect(outcomes.some((o) => o.charges.length > 1)).toBe(true);
    expect(new Set(outcomes.flatMap((o) => o.charges.map((c) => c.model)))).toEqual(new Set(['sonnet', 'haiku']));
    expect(outcomes.some((o) => o.charges.some((c) => c.usage.cacheReadTokens > 0))).toBe(true);
  });
});

describe('streaming and async turns', () => {
  it('streams turn_start, first_token, turn_end in order, the first token no sooner than TTFT / timeScale', async () => {
    const K = 50;
    // TTFT 2 s → 40 real ms; 200 tokens at 100/s → another 40 real ms of generation.
    const h = await harness({
      timeScale: K,
      yaml: `
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation: { tokens: { systemPrompt: 500, output: 200 } }
models:
  sonnet: { id: claude-sonnet-4-6, latency: { ttft: 2s, outputRate: 100/s } }
`,
    });
    const { status, headers, events } = await postSse(`${h.url}/v1/sessions/streamer/turns`, { message: 'tell me a story', stream: true });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(events.map((e) => e.event)).toEqual(['turn_start', 'first_token', 'turn_end']);
    const [start, first, end] = events as [(typeof events)[0], (typeof events)[0], (typeof events)[0]];
    expect(start.data).toEqual({ sessionId: 'streamer' });
    expect(first.atMs).toBeGreaterThanOrEqual(start.atMs);
    expect(first.atMs).toBeLessThanOrEqual(end.atMs);
    // Timers may fire a millisecond early; the point is that the token waited for the model's TTFT.
    expect(first.atMs).toBeGreaterThanOrEqual((2000 / K) * 0.9);
    expect(end.data).toMatchObject({ sessionId: 'streamer', turn: 1, status: 'ok', usage: { outputTokens: 200 } });
    expect(countTokens(end.data.answer)).toBe(200);
    expect(end.data.timings.ttftMs).toBeGreaterThanOrEqual(2000 * 0.9);
    expect(end.data.timings.totalMs).toBeGreaterThan(end.data.timings.ttftMs);
  });

  it('accepts an async turn (202 + location), runs it, and answers the task until done; unknown tasks are 404', async () => {
    const h = await harness({ yaml: BASIC });
    const r = await postTurn(h.url, 'later', { message: 'do this when you can', async: true });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const location = r.headers.get('location')!;
    expect(location).toMatch(/^\/v1\/tasks\/[0-9a-f-]{36}$/);
    expect(r.body).toEqual({ taskId: location.split('/').pop(), status: 'queued', location });

    const task = await waitFor(async () => {
      const t = await request(`${h.url}${location}`);
      expect(t.status).toBe(200);
      return t.body.status === 'done' || t.body.status === 'failed' ? t.body : undefined;
    }, 'the async task to finish');
    expect(task).toMatchObject({ id: r.body.taskId, sessionId: 'later', status: 'done', result: { sessionId: 'later', turn: 1, status: 'ok', usage: { outputTokens: 40 } } });
    expect(task.result.costNanos).toBe(new Pricing(h.scenario).costNanos('sonnet', task.result.usage));
    expect(Date.parse(task.finishedAt)).toBeGreaterThanOrEqual(Date.parse(task.acceptedAt));

    // The async turn joined the conversation: the next (sync) turn is turn 2.
    const next = await postTurn(h.url, 'later', { message: 'and then?' });
    expect(next.body.turn).toBe(2);

    const unknown = await request(`${h.url}/v1/tasks/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.type).toBe('not_found');
    expect((await request(`${h.url}/v1/tasks/not-a-task-id`)).status).toBe(400);
  });
});

describe('Anthropic-compatible pass-through', () => {
  it('serves the real SDK pointed at the gateway: a Message, a stream, and a repeated request from the cache', async () => {
    const h = await harness({ yaml: BASIC });
    const client = new Anthropic({ apiKey: 'x', baseURL: h.url, maxRetries: 0 });
    const ask = (content: string) => ({ model: 'claude-sonnet-4-6', max_tokens: 500, system: 'You are terse.', messages: [{ role: 'user' as const, content }] });

    const { data: msg, response } = await client.messages.create(ask('What is the capital of France?')).withResponse();
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', stop_reason: 'end_turn' });
    expect(msg.content).toHaveLength(1);
    const text = msg.content[0]!.type === 'text' ? msg.content[0]!.text : '';
    expect(msg.usage.output_tokens).toBe(40);
    expect(countTokens(text)).toBe(msg.usage.output_tokens);
    expect(msg.usage.input_tokens + (msg.usage.cache_read_input_tokens ?? 0) + (msg.usage.cache_creation_input_tokens ?? 0)).toBe(3 + 6);
    expect(response.headers.get('x-headroom-cache')).toBe('miss');
    expect(response.headers.get('x-headroom-model')).toBe('sonnet');
    const usage: Usage = { inputTokens: msg.usage.input_tokens, outputTokens: msg.usage.output_tokens, cacheWrite5mTokens: msg.usage.cache_creation_input_tokens ?? 0, cacheWrite1hTokens: 0, cacheReadTokens: msg.usage.cache_read_input_tokens ?? 0 };
    expect(Number(response.headers.get('x-headroom-cost-nanos'))).toBe(new Pricing(h.scenario).costNanos('sonnet', usage));

    // The same request again: an exact-match response cache hit, no provider call, nothing billed.
    const { data: again, response: againRes } = await client.messages.create(ask('What is the capital of France?')).withResponse();
    expect(againRes.headers.get('x-headroom-cache')).toBe('hit');
    expect(againRes.headers.get('x-headroom-cost-nanos')).toBe('0');
    expect(again.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(h.mock!.stats()).toMatchObject({ withWireHeader: 1 });

    // Streaming through the SDK's helper: the text deltas add up to the answer.
    let streamed = '';
    const stream = client.messages.stream(ask('And of Italy?')).on('text', (t) => (streamed += t));
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens).toBe(40);
    expect(countTokens(streamed)).toBe(final.usage.output_tokens);
    expect(final.content[0]).toMatchObject({ type: 'text', text: streamed });

    // Anthropic-shaped errors for what the pass-through cannot take.
    const bad = await request(`${h.url}/v1/messages`, { body: { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'assistant', content: 'hi' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});

describe('operations', () => {
  it('healthz, readyz, metrics, stats (cost = sum of the turns) and the OpenAPI document', async () => {
    const h = await harness({ yaml: BASIC });
    expect(await request(`${h.url}/healthz`)).toMatchObject({ status: 200, body: { ok: true } });
    expect(await request(`${h.url}/readyz`)).toMatchObject({ status: 200, body: { ready: true } });

    const turns = [await postTurn(h.url, 'ops-1', { message: 'first question' }), await postTurn(h.url, 'ops-1', { message: 'second question' }), await postTurn(h.url, 'ops-2', { message: 'another user' })];
    for (const t of turns) expect(t.status).toBe(200);
    const total = turns.reduce((a, t) => a + (t.body.costNanos as number), 0);
    expect(total).toBeGreaterThan(0);

    const stats = await request(`${h.url}/v1/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ shared: 'memory', workers: { slots: 40, busy: 0, queued: 0, rejected: 0 }, cost: { totalNanos: total } });
    expect(stats.body.cost.totalUsd).toBeCloseTo(total / 1e9, 12);
    expect(stats.body.cost.byModel.sonnet).toMatchObject({ requests: 3, costNanos: total });

    const metrics = await request(`${h.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metricValue(metrics.body, 'headroom_turns_total', 'status="ok"')).toBe(3);
    expect(metricValue(metrics.body, 'headroom_cost_usd_total', 'model="sonnet"')).toBeCloseTo(total / 1e9, 9);
    expect(metricValue(metrics.body, 'headroom_provider_requests_total', 'model="sonnet"')).toBe(3);
    expect(metricValue(metrics.body, 'headroom_in_flight_turns')).toBe(0);

    const api = await request(`${h.url}/openapi.json`);
    expect(api.status).toBe(200);
    expect(api.body.openapi).toMatch(/^3\./);
    expect(Object.keys(api.body.paths)).toEqual(expect.arrayContaining(['/v1/sessions/{id}/turns', '/v1/sessions/{id}', '/v1/tasks/{id}', '/v1/messages', '/healthz', '/readyz', '/metrics', '/v1/stats']));
    expect(api.body.paths['/v1/sessions/{id}/turns'].post.requestBody).toBeDefined();

    // Ending a conversation forgets it: the next turn of that session is turn 1 again.
    expect((await request(`${h.url}/v1/sessions/ops-1`, { method: 'DELETE' })).status).toBe(204);
    expect((await postTurn(h.url, 'ops-1', { message: 'fresh start' })).body.turn).toBe(1);
  });

  it('keeps sessions, async tasks and cost counters in Redis when configured', async () => {
    const h = await harness({ yaml: BASIC, redis: true });
    const r1 = await postTurn(h.url, 'shared', { message: 'hello from redis' });
    const r2 = await postTurn(h.url, 'shared', { message: 'still there?' });
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r2.body.turn).toBe(2);
    expect(promptOf(r2.body.usage)).toBeGreaterThan(promptOf(r1.body.usage));
    const state = await h.runtime.redis!.get(`hr:${h.prefix}:session:{shared}:state`);
    expect(JSON.parse(state!)).toMatchObject({ turns: 2 });

    const a = await postTurn(h.url, 'shared-async', { message: 'queued in a stream', async: true });
    expect(a.status).toBe(202);
    const task = await waitFor(async () => {
      const t = (await request(`${h.url}${a.headers.get('location')}`)).body;
      return t.status === 'done' || t.status === 'failed' ? t : undefined;
    }, 'the async task to finish');
    expect(task.status).toBe('done');

    const total = r1.body.costNanos + r2.body.costNanos + task.result.costNanos;
    expect(await request(`${h.url}/readyz`)).toMatchObject({ status: 200, body: { ready: true } });
    expect((await request(`${h.url}/v1/stats`)).body).toMatchObject({ shared: 'redis', cost: { totalNanos: total } });
  });
});

describe('auth and ingress limits', () => {
  it('requires a valid API key on /v1/* (Bearer or x-api-key) and limits each client to its requests per minute', async () => {
    const h = await harness({ yaml: BASIC, app: { apiKeys: ['key-one', 'key-two'], clientRpm: 2 } });
    const none = await postTurn(h.url, 'auth', { message: 'hi' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body.error.type).toBe('unauthorized');
    expect((await postTurn(h.url, 'auth', { message: 'hi' }, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await postTurn(h.url, 'auth', { message: 'hi' }, { authorization: 'key-one' })).status).toBe(401); // not a Bearer
    expect((await request(`${h.url}/healthz`)).status).toBe(200); // ops routes stay open for probes

    expect((await postTurn(h.url, 'auth', { message: 'hi' }, { authorization: 'Bearer key-one' })).status).toBe(200);
    expect((await postTurn(h.url, 'auth', { message: 'again' }, { 'x-api-key': 'key-one' })).status).toBe(200);
    const limited = await postTurn(h.url, 'auth', { message: 'third' }, { authorization: 'Bearer key-one' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.error.type).toBe('rate_limited');
    // Per client: the other key has its own budget.
    expect((await postTurn(h.url, 'auth-2', { message: 'hi' }, { authorization: 'Bearer key-two' })).status).toBe(200);
  });

  it('without keys, limits each client address: the third request within a second gets 429 with Retry-After', async () => {
    const h = await harness({ yaml: BASIC, app: { clientRpm: 2 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const r = await postTurn(h.url, `rpm-${i}`, { message: 'hi' });
      statuses.push(r.status);
      retryAfter = r.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const metrics = (await request(`${h.url}/metrics`)).body;
    expect(metricValue(metrics, 'headroom_ingress_rejected_total', 'reason="client-rate"')).toBe(1);
  });
});

describe('back-pressure', () => {
  it('refuses a turn with 503 + Retry-After when the only worker is busy and the queue is full; a concurrent turn of the same session gets 409', async () => {
    const K = 50;
    // One slot, room for one waiting turn; a turn takes 50 s of scenario time (1 real second: time
    // enough to look at the queue on a loaded machine).
    const h = await harness({
      timeScale: K,
      yaml: `
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation: { tokens: { systemPrompt: 200, output: 10 } }
models:
  slow: { id: claude-sonnet-4-6, latency: { ttft: 50s, outputRate: 1000/s }, timeout: 5m }
workers: { count: 1, concurrency: 1 }
queue: { depth: 1, timeout: 1h }
`,
    });
    const stats = async () => (await request(`${h.url}/v1/stats`)).body.workers;
    const first = postTurn(h.url, 'q-1', { message: 'one' });
    await waitFor(async () => ((await stats()).busy === 1 ? true : undefined), 'the first turn to take the slot');
    const second = postTurn(h.url, 'q-2', { message: 'two' });
    await waitFor(async () => ((await stats()).queued === 1 ? true : undefined), 'the second turn to queue');

    const third = await postTurn(h.url, 'q-3', { message: 'three' });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.body.error).toMatchObject({ type: 'overloaded', reason: 'queue-full' });
    expect(third.body.result).toMatchObject({ status: 'rejected', reason: 'queue-full', costNanos: 0 });

    // The same session while its turn is running: refused at once, not interleaved.
    const same = await postTurn(h.url, 'q-1', { message: 'one more' });
    expect(same.status).toBe(409);
    expect(same.body.error.type).toBe('conflict');

    const [r1, r2] = await Promise.all([first, second]);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r2.body.timings.queueWaitMs).toBeGreaterThan(0);
    expect(await stats()).toMatchObject({ busy: 0, queued: 0, rejected: 1 });
  });
});

describe('provider failures', () => {
  const DOWN = `
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation: { tokens: { systemPrompt: 200, output: 10 } }
models:
  sonnet: { id: claude-sonnet-4-6 }
retry: { maxAttempts: 3, baseDelay: 100ms, maxDelay: 1s }
`;

  it('answers 503 with a clear JSON body (reason connection) once the retries are spent against a provider that is down', async () => {
    const h = await harness({ yaml: `${DOWN}breaker: false\n`, timeScale: 50, providerUrl: `http://127.0.0.1:${await closedPort()}` });
    const r = await postTurn(h.url, 'down', { message: 'anyone there?' });
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body.error).toMatchObject({ type: 'provider_unavailable', reason: 'connection' });
    expect(r.body.error.message).toContain('connection');
    expect(r.body.result).toMatchObject({ status: 'failed', reason: 'connection', attempts: 3, retries: 2, usage: ZERO, costNanos: 0 });
    const metrics = (await request(`${h.url}/metrics`)).body;
    expect(metricValue(metrics, 'headroom_provider_failures_total', 'kind="connection"')).toBe(3);
    // A failed first turn leaves no conversation behind.
    expect((await postTurn(h.url, 'down', { message: 'retry' })).body.result.turn).toBe(1);
  });

  it('opens the circuit breaker after repeated failures: later turns fail fast with reason breaker-open', async () => {
    const yaml = `${DOWN}breaker: { minRequests: 3, failureRate: 50%, window: 1m, cooldown: 10m }\n`;
    const h = await harness({ yaml, timeScale: 50, providerUrl: `http://127.0.0.1:${await closedPort()}` });
    const first = await postTurn(h.url, 'b-1', { message: 'hello?' });
    expect(first.status).toBe(503);
    expect(first.body.error.reason).toBe('connection');

    const later = await postTurn(h.url, 'b-2', { message: 'hello again?' });
    expect(later.status).toBe(503);
    expect(later.body.error).toMatchObject({ type: 'provider_unavailable', reason: 'breaker-open' });
    expect(later.body.result).toMatchObject({ attempts: 0, retries: 0 });
    expect(later.body.result.timings.totalMs).toBeLessThan(first.body.result.timings.totalMs);
    const metrics = (await request(`${h.url}/metrics`)).body;
    expect(metricValue(metrics, 'headroom_breaker_state', 'model="sonnet"')).toBe(2);
    expect(metricValue(metrics, 'headroom_turns_total', 'reason="breaker-open"')).toBe(1);
  });
});
