/**
 * How the runtime finishes a turn whose session lock is lost while it runs, on real components: the
 * gateway on loopback, the mock provider reached over HTTP through the Anthropic adapter, sessions (and
 * for one limiter kind the limiter) in the real Redis. Renewals of the lock fail, so it is lost 270 ms
 * into the turn (0.9 × a 300 ms expiry); the runtime and the mock run at real time (timeScale 1), so the
 * limiter's buckets refill slowly enough to read what a turn left debited.
 *
 * - The limiter reservations the turn took are settled, with the memory and the Redis limiter alike: a
 *   call admitted by the limiter and then stopped before it was sent gives its reservation back.
 * - A provider call in flight when the lock is lost is cut short: its HTTP request is aborted (the mock
 *   counts a client that went away), the turn is answered at once, and the call is settled and charged
 *   on what the provider had reported of it: a stream's message_start (its input, 1 output token), or,
 *   not streamed, nothing (the request and its input stay counted by the limiter, nothing is charged).
 * - The turn is counted in the turn metrics as the other failed turns are, with the calls it was billed for.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../../src/runtime/sessions.js';
import { deleteKeys, redisPair, testPrefix } from '../helpers/redis.js';
import { metricValue, postTurn, request, smallScenarioYaml, startRuntime, turnsServed, waitFor, type RuntimeHarness } from '../helpers/runtime.js';

const { redis } = redisPair();
const prefix = testPrefix();
afterAll(async () => deleteKeys(redis, `hr:${prefix}*`));

/**
 * A fast model (a call of 10 output tokens takes ~30 ms) with small limits: 5 requests and 5,400 output
 * tokens a minute (margin 0.9). A call reserves 4,096 output tokens (its maxTokens) until it settles.
 */
const YAML = smallScenarioYaml('lock-lost-turns', 'latency: { ttft: 20ms, outputRate: 1000/s }, limits: { rpm: 6, otpm: 6000 }');

type LimiterKind = 'memory' | 'redis';

/**
 * A runtime whose limiter is `kind`, with session locks in Redis that lapse after 300 ms and are never
 * renewed; `stream`: whether its calls to the provider stream (default true).
 */
async function lapsing(kind: LimiterKind, stream = true): Promise<RuntimeHarness> {
  const h = await startRuntime({ yaml: YAML, timeScale: 1, redis: kind === 'redis', stream });
  const store = new RedisSessionStore(redis, prefix, 300);
  store.renew = async () => {
    throw new Error('injected: renewal failed');
  };
  h.runtime.sessions = store;
  return h;
}

/** How far each limited bucket of the model is below its capacity now. */
async function shortfall(h: RuntimeHarness): Promise<{ rpm: number; otpm: number }> {
  const levels = await h.runtime.env.limiter.limiter.levels('sonnet', h.runtime.scheduler.now());
  return { rpm: levels.rpm!.capacity - levels.rpm!.level, otpm: levels.otpm!.capacity - levels.otpm!.level };
}

describe.each(['memory', 'redis'] as const)('a turn whose session lock is lost: its limiter reservations (%s limiter)', (kind) => {
  it('gives back the reservation of a call admitted by the limiter and then stopped before it was sent', async () => {
    const h = await lapsing(kind);
    try {
      // Call 1, then call 2, whose limiter store is slow to answer (1 s): the lock is lost while it does.
      // Call 2 is admitted (1 request, 4,096 output tokens reserved) before the interpreter refuses to send it.
      const line = h.runtime.env.limiter;
      const enter = line.enter.bind(line);
      let entered = 0;
      line.enter = (model, cost, nowMs) => {
        const answer = enter(model, cost, nowMs);
        return ++entered === 1 ? answer : new Promise((resolve) => setTimeout(() => resolve(answer), 1_000));
      };
      const plan = { calls: [{ outputTokens: 10 }, { outputTokens: 10 }] };
      const r = await postTurn(h.url, `reserved-${kind}`, { message: 'lock lost before the second call', plan });
      expect(r.status).toBe(503);
      expect(r.body.error.type).toBe('session_lock_lost');
      expect(h.mock!.stats().received).toBe(1);
      // Only call 1 used anything: 1 request (a request refills in 12 s) and 10 output tokens (refilled
      // within ~110 ms). Left debited with call 2's reservation, the buckets would be short by 2 and ~4,090.
      const short = await shortfall(h);
      expect(short.rpm).toBeLessThan(1);
      expect(short.otpm).toBeLessThanOrEqual(10);
    } finally {
      await h.close();
    }
  });
});

describe.each([
  ['memory', true],
  ['redis', true],
  ['memory', false],
  ['redis', false],
] as const)('a turn whose session lock is lost: its provider call in flight (%s limiter, streamed: %s)', (kind, stream) => {
  it('is cut short: the request to the provider is aborted and the call settled and charged on what the provider reported', async () => {
    const h = await lapsing(kind, stream);
    try {
      // One call of 3,000 output tokens: ~3 s at 1,000 tokens/s; the lock is lost 270 ms in.
      const r = await postTurn(h.url, `in-flight-${kind}-${stream}`, { message: 'lock lost during a long answer', plan: { calls: [{ outputTokens: 3_000 }] } });
      expect(r.status).toBe(503);
      expect(r.body.error.type).toBe('session_lock_lost');
      expect(r.ms).toBeLessThan(1_500);
      // The mock saw its client go away before the answer was complete, and answered nothing in full.
      await waitFor(() => (h.mock!.stats().aborted === 1 ? true : undefined), 'the mock to see the request aborted', 2_000);
      expect(h.mock!.stats()).toMatchObject({ received: 1, usage: { outputTokens: 0 } });
      const short = await shortfall(h);
      expect(short.rpm).toBeGreaterThan(0.9); // the request was sent: it stays counted
      expect(short.otpm).toBeLessThanOrEqual(1); // not the 3,000 tokens of a whole answer, nor the 4,096 reserved
      const billed = (await h.runtime.env.counters.totals()).byModel['sonnet'];
      if (stream) {
        expect(billed).toMatchObject({ requests: 1, outputTokens: 1 });
        expect(billed!.inputTokens).toBeGreaterThan(0);
      } else {
        expect(billed).toBeUndefined();
      }
    } finally {
      await h.close();
    }
  });
});

describe('a turn whose session lock is lost: the turn metrics', () => {
  it('count it as a failed turn, reason session-lock-lost, with the call it was billed for', async () => {
    const h = await lapsing('redis');
    try {
      const plan = { calls: [{ outputTokens: 10, toolLatencyMs: 1_000 }, { outputTokens: 10 }] };
      expect((await postTurn(h.url, 'counted', { message: 'lock lost, counted', plan })).status).toBe(503);
      const text = (await request(`${h.url}/metrics`)).body as string;
      expect(metricValue(text, 'headroom_turns_total', 'status="failed",reason="session-lock-lost"')).toBe(1);
      expect(await turnsServed(h)).toBe(1);
      // Call 1 was answered and billed before the lock was lost: its tokens and cost are counted with the turn.
      expect(metricValue(text, 'headroom_provider_requests_total', 'model="sonnet"')).toBe(1);
      expect(metricValue(text, 'headroom_tokens_total', 'class="output"')).toBe(10);
      expect(metricValue(text, 'headroom_cost_usd_total', 'model="sonnet"')).toBeGreaterThan(0);
      expect(metricValue(text, 'headroom_session_locks_lost_total')).toBe(1);
    } finally {
      await h.close();
    }
  });
});
