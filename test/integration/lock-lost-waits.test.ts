/**
 * A turn whose session lock is lost while it waits — for a worker slot, in the limiter's line, on a
 * tool — stops waiting then and there, on real components (the gateway on loopback, the mock provider
 * over HTTP, session locks in the real Redis). Renewals fail only for sessions named `lapse-…`, whose
 * locks are lost 270 ms into their turn (0.9 × a 300 ms expiry); the other sessions keep theirs.
 *
 * Before, the turn waited the wait out (a tool's whole latency, a queue wait up to its deadline, a place
 * in the line until admitted) and was stopped only at its next provider call. A wait cut short keeps
 * its place in the queue or the line, and what it is granted there later goes straight back: a slot is
 * released, an admitted budget refunded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../../src/runtime/sessions.js';
import { deleteKeys, redisPair, testPrefix } from '../helpers/redis.js';
import { postTurn, smallScenarioYaml, startRuntime, waitFor, type RuntimeHarness } from '../helpers/runtime.js';

const { redis } = redisPair();
const prefix = testPrefix();
afterAll(async () => deleteKeys(redis, `hr:${prefix}*`));

/**
 * A fast model (1,000 output tokens/s) with 5.4 requests and 5,400 output tokens a minute (margin 0.9):
 * a call reserves 4,096 output tokens (its maxTokens) until it settles, so a second call waits in the
 * line while a first one runs.
 */
const LIMITED = 'latency: { ttft: 20ms, outputRate: 1000/s }, limits: { rpm: 6, otpm: 6000 }';
/** The same model without limits. */
const UNLIMITED = 'latency: { ttft: 20ms, outputRate: 1000/s }';

/**
 * A runtime (real time) with `slots` worker slots whose session locks lapse after 300 ms for sessions
 * named `lapse-…`.
 */
async function runtime(kind: 'memory' | 'redis', slots: number, model: string): Promise<RuntimeHarness> {
  const yaml = `${smallScenarioYaml('lock-lost-waits', model)}workers: { count: 1, concurrency: ${slots} }\n`;
  const h = await startRuntime({ yaml, timeScale: 1, redis: kind === 'redis' });
  const store = new RedisSessionStore(redis, prefix, 300);
  const renew = store.renew.bind(store);
  store.renew = async (id, token) => {
    if (id.startsWith('lapse-')) throw new Error('injected: renewal failed');
    return renew(id, token);
  };
  h.runtime.sessions = store;
  return h;
}

/** A turn of one call of `outputTokens` (1 s per 1,000) from session `id`; resolves with its status and when it was answered. */
async function longTurn(h: RuntimeHarness, id: string, outputTokens: number): Promise<{ status: number; at: number }> {
  const r = await postTurn(h.url, id, { message: 'a long answer', plan: { calls: [{ outputTokens }] } });
  return { status: r.status, at: performance.now() };
}

describe('a turn whose session lock is lost while it waits', () => {
  it('stops a tool wait at once: the turn is answered when the lock is lost, not when the tool would end', async () => {
    const h = await runtime('memory', 1, UNLIMITED);
    try {
      const plan = { calls: [{ outputTokens: 10, toolLatencyMs: 5_000 }, { outputTokens: 10 }] };
      const r = await postTurn(h.url, 'lapse-tool', { message: 'lock lost during a tool', plan });
      expect(r.status).toBe(503);
      expect(r.body.error.type).toBe('session_lock_lost');
      expect(r.ms).toBeLessThan(2_000); // not the 5 s of the tool
      expect(h.mock!.stats().received).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('stops a wait for a worker slot, and the slot it is granted later goes back to the pool', async () => {
    const h = await runtime('memory', 1, UNLIMITED);
    try {
      const holder = longTurn(h, 'holder-slot', 2_000); // holds the one slot ~2 s
      await waitFor(() => (h.runtime.env.pool.inUse === 1 ? true : undefined), 'the holder to take the slot', 2_000);
      const r = await postTurn(h.url, 'lapse-slot', { message: 'lock lost in the queue', plan: { calls: [{ outputTokens: 10 }] } });
      const answeredAt = performance.now();
      expect(r.status).toBe(503);
      expect(r.body.error.type).toBe('session_lock_lost');
      const held = await holder;
      expect(held.status).toBe(200);
      // Answered when its lock was lost (~0.3 s in), a second or more before the holder let go of the slot;
      // kept waiting, it would be answered just after the holder.
      expect(held.at - answeredAt).toBeGreaterThan(1_000);
      // The cut wait kept its place; granted the slot when the holder let go, it gave it straight back.
      await waitFor(() => (h.runtime.env.pool.inUse === 0 && h.runtime.env.pool.queued === 0 ? true : undefined), 'the pool to be idle', 2_000);
      expect((await postTurn(h.url, 'after-slot', { message: 'the slot is free', plan: { calls: [{ outputTokens: 10 }] } })).status).toBe(200);
      expect(h.mock!.stats().received).toBe(2); // the holder's call and the last one: the cut turn sent none
    } finally {
      await h.close();
    }
  });
});

describe.each(['memory', 'redis'] as const)('a turn whose session lock is lost while it waits in the limiter line (%s limiter)', (kind) => {
  it('stops waiting, and the budget its place is admitted with later is refunded', async () => {
    const h = await runtime(kind, 4, LIMITED); // room for both turns: the wait under test is the limiter's
    try {
      const holder = longTurn(h, `holder-line-${kind}`, 1_500); // reserves 4,096 of 5,400 output tokens for ~1.5 s
      await waitFor(() => (h.mock!.stats().received === 1 ? true : undefined), 'the holder call to be sent', 2_000);
      const r = await postTurn(h.url, `lapse-line-${kind}`, { message: 'lock lost in the line', plan: { calls: [{ outputTokens: 10 }] } });
      expect(r.status).toBe(503);
      expect(r.body.error.type).toBe('session_lock_lost');
      const answeredAt = performance.now();
      expect(h.runtime.env.limiter.waiting('sonnet')).toBe(1); // its place, kept
      const held = await holder;
      expect(held.status).toBe(200);
      expect(answeredAt).toBeLessThan(held.at); // answered while the holder's reservation still held it back
      await waitFor(() => (h.runtime.env.limiter.waiting('sonnet') === 0 ? true : undefined), 'the line to empty', 2_000);
      // Only the holder's call used anything: 1 request and 1,500 output tokens (refilling at 90/s). Left
      // debited with the cut wait's admission, they would be short by ~2 requests and ~5,500 tokens.
      const levels = await h.runtime.env.limiter.limiter.levels('sonnet', h.runtime.scheduler.now());
      expect(levels.rpm!.capacity - levels.rpm!.level).toBeLessThan(1.05);
      expect(levels.otpm!.capacity - levels.otpm!.level).toBeLessThanOrEqual(1_500);
      expect(h.mock!.stats().received).toBe(1);
    } finally {
      await h.close();
    }
  });
});
