/**
 * How the runtime finishes a turn whose session lock is lost while it runs, on real components: the
 * gateway on loopback, the mock provider reached over HTTP through the Anthropic adapter, sessions (and
 * for one limiter kind the limiter) in the real Redis. Renewals of the lock fail, so it is lost 270 ms
 * into the turn (0.9 × a 300 ms expiry); the runtime and the mock run at real time (timeScale 1), so the
 * limiter's buckets refill slowly enough to read what a turn left debited.
 *
 * - The limiter reservations the turn took are settled, with the memory and the Redis limiter alike: a
 *   call admitted by the limiter and then stopped before it was sent gives its reservation back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../../src/runtime/sessions.js';
import { deleteKeys, redisPair, testPrefix } from '../helpers/redis.js';
import { postTurn, smallScenarioYaml, startRuntime, type RuntimeHarness } from '../helpers/runtime.js';

const { redis } = redisPair();
const prefix = testPrefix();
afterAll(async () => deleteKeys(redis, `hr:${prefix}*`));

/**
 * A fast model (a call of 10 output tokens takes ~30 ms) with small limits: 5 requests and 5,400 output
 * tokens a minute (margin 0.9). A call reserves 4,096 output tokens (its maxTokens) until it settles.
 */
const YAML = smallScenarioYaml('lock-lost-turns', 'latency: { ttft: 20ms, outputRate: 1000/s }, limits: { rpm: 6, otpm: 6000 }');

type LimiterKind = 'memory' | 'redis';

/** A runtime whose limiter is `kind`, with session locks in Redis that lapse after 300 ms and are never renewed. */
async function lapsing(kind: LimiterKind): Promise<RuntimeHarness> {
  const h = await startRuntime({ yaml: YAML, timeScale: 1, redis: kind === 'redis' });
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
      // Call 1, then a 1 s tool during which the lock is lost; call 2 is admitted (1 request, 4,096 output
      // tokens reserved) before the interpreter refuses to send it.
      const plan = { calls: [{ outputTokens: 10, toolLatencyMs: 1_000 }, { outputTokens: 10 }] };
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
