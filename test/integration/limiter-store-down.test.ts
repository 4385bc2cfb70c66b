/**
 * The limiter's Redis goes away while calls wait in its line (core/limiter/line.ts), on a real runtime
 * over HTTP with the mock provider. Whatever the store-down policy, no request hangs, none gets a bare
 * 500, and every worker slot comes back:
 * - 'closed': the waiting calls and a late arrival are answered 503 store_unavailable with Retry-After;
 * - 'open': the calls go through (the provider's own limit may then answer 429s, as the policy accepts).
 * Found by review: a store error ended the turn without releasing its slot (3 of 8 leaked), a late
 * arrival behind waiters failed under 'open' (the line asked the store for its capacities), and the
 * client got `500 internal_error`.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { limiterConfig } from '../../src/core/pipeline/build.js';
import { buildApp } from '../../src/runtime/app.js';
import { startMockProvider } from '../../src/runtime/mock-provider/server.js';
import { AnthropicProvider } from '../../src/runtime/providers/anthropic.js';
import { MemoryTextStore } from '../../src/runtime/providers/text-store.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { RedisLimiter } from '../../src/runtime/stores/redis-limiter.js';
import { deleteKeys } from '../helpers/redis.js';
import { postTurn, scenarioOf } from '../helpers/runtime.js';

const yaml = (policy: string) => `
name: limiter-store-down
seed: 1
users: { dailyActive: 100, concurrencyRatio: 1%, priorityMix: { interactive: 1 } }
conversation: { tokens: { systemPrompt: 100, userMessage: 20, output: 20 } }
limiter: { margin: 1, onStoreDown: ${policy} }
models:
  fast: { id: claude-test-fast, price: { input: $3/Mtok, output: $15/Mtok }, latency: { ttft: 10ms, outputRate: 1000/s }, limits: { rpm: 2 } }
router: { default: fast }
workers: { count: 1, concurrency: 8 }
queue: { timeout: 10m, classes: { interactive: { priority: 0 } } }
retry: { maxAttempts: 1 }
breaker: false
cache: false
`;
const TIME_SCALE = 10;
const admin = new Redis('redis://127.0.0.1:6379');
afterAll(() => admin.quit());

describe.each(['closed', 'open'] as const)('the limiter store goes down while calls wait in its line (%s)', (policy) => {
  it('answers every waiter and the late arrival without a bare 500, and gives every slot back', async () => {
    const scenario = scenarioOf(yaml(policy));
    const mock = await startMockProvider({ scenario, seed: 1, timeScale: TIME_SCALE, port: 0, closeGraceMs: 200 });
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    const prefix = `test-store-down-${policy}-${Date.now()}`;
    const texts = new MemoryTextStore();
    const provider = new AnthropicProvider({ baseURL: mock.url, models: scenario.models, texts, mock: true, timeScale: TIME_SCALE });
    const rt = createRuntime({ scenario, provider, texts, redis, prefix, timeScale: TIME_SCALE, seed: 1 });
    const app = await buildApp(rt, {});
    const url = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const dead = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => {}); // refused connections are the point here
    try {
      // rpm 2: two turns go at once, three wait in the line.
      const first = Array.from({ length: 5 }, (_, i) => postTurn(url, `down-${policy}-${i}`, { message: 'hi' }));
      for (let i = 0; i < 100 && rt.env.limiter.waiting('fast') < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(rt.env.limiter.waiting('fast')).toBe(3);

      // Only the limiter's store goes away (sessions and the rest stay up): a RedisLimiter on a dead client.
      (rt.env.limiter as { limiter: unknown }).limiter = new RedisLimiter(dead, limiterConfig(scenario), { prefix, onStoreDown: policy, timeScale: TIME_SCALE });
      const late = await postTurn(url, `down-${policy}-late`, { message: 'hi' });
      const all = [...(await Promise.all(first)), late];

      const errorTypes = all.map((r) => (r.status === 200 ? 'ok' : (r.body as { error?: { type?: string } }).error?.type));
      expect(errorTypes).not.toContain('internal_error');
      if (policy === 'closed') {
        expect(errorTypes.slice(2)).toEqual(['store_unavailable', 'store_unavailable', 'store_unavailable', 'store_unavailable']);
        const refused = all.slice(2);
        expect(refused.every((r) => r.status === 503 && r.headers.get('retry-after') === '1')).toBe(true);
      } else {
        // Admitted without our limiter: each answered, or refused by the provider's own limit (429 → provider_unavailable).
        expect(errorTypes.every((t) => t === 'ok' || t === 'provider_unavailable')).toBe(true);
      }
      expect(rt.env.limiter.waiting('fast')).toBe(0);
      expect(rt.env.pool.inUse).toBe(0);
    } finally {
      await app.app.close();
      provider.close();
      await mock.close();
      dead.disconnect();
      await deleteKeys(admin, `*${prefix}*`);
      redis.disconnect();
    }
  }, 40_000);
});
