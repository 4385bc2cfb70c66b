import { describe, expect, it } from 'vitest';
import { NON_RETRYABLE_KINDS, RETRYABLE_KINDS, RetryPolicy, type RetryConfig } from '../../../src/core/retry/index.js';
import type { FailureKind } from '../../../src/core/types.js';
import { Rng } from '../../../src/scenario/rng.js';
import { ScenarioSchema, normalise } from '../../../src/scenario/schema.js';

const CONFIG: RetryConfig = { maxAttempts: 10, baseDelay: 100, maxDelay: 1000, maxElapsed: 10_000, retryOn: [...RETRYABLE_KINDS] };
const policy = (over: Partial<RetryConfig> = {}) => new RetryPolicy({ ...CONFIG, ...over });

/** An Rng that always draws `u` and counts its draws. */
function fixedRng(u: number): Rng & { draws: number } {
  const r = { draws: 0, next: () => (r.draws++, u) };
  return r as unknown as Rng & { draws: number };
}
const LARGEST_DRAW = 1 - 2 ** -32; // Rng.next() is uniform in [0, 1): this is its maximum

describe('RetryPolicy delays', () => {
  it('draws full jitter in [0, cap): both ends exact', () => {
    const p = policy();
    expect(p.nextDelayMs(1, '529', 0, fixedRng(0))).toBe(0);
    const top = p.nextDelayMs(1, '529', 0, fixedRng(LARGEST_DRAW))!;
    expect(top).toBeLessThan(100);
    expect(top).toBeCloseTo(100, 5);
  });

  it('stays within bounds and averages half the cap over many seeded draws', () => {
    const p = policy();
    const rng = new Rng(7, 'retry');
    let sum = 0;
    let max = 0;
    for (let i = 0; i < 20_000; i++) {
      const d = p.nextDelayMs(3, 'timeout', 0, rng)!;
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(400);
      sum += d;
      max = Math.max(max, d);
    }
    expect(sum / 20_000).toBeCloseTo(200, -1); // within ±5 ms
    expect(max).toBeGreaterThan(399);
  });

  it('doubles the ceiling per attempt up to maxDelay', () => {
    const p = policy();
    expect([1, 2, 3, 4, 5, 6, 9].map((a) => p.capMs(a))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect([1, 2, 3, 4, 5].map((a) => p.nextDelayMs(a, '500', 0, fixedRng(0.5)))).toEqual([50, 100, 200, 400, 500]);
  });

  it('honours retry-after as a floor, even above maxDelay', () => {
    const p = policy();
    expect(p.nextDelayMs(1, '429', 0, fixedRng(0.5), 300)).toBe(300);
    expect(p.nextDelayMs(1, '429', 0, fixedRng(0.5), 10)).toBe(50);
    expect(p.nextDelayMs(1, '429', 0, fixedRng(0.5), 5_000)).toBe(5_000);
  });

  it('draws exactly once per granted decision, whatever the retry-after', () => {
    const p = policy();
    const withHeader = fixedRng(0.5);
    const without = fixedRng(0.5);
    p.nextDelayMs(1, '429', 0, withHeader, 5_000);
    p.nextDelayMs(1, '429', 0, without);
    expect([withHeader.draws, without.draws]).toEqual([1, 1]);
  });

  it('gives the same delays for the same seed, different ones for another', () => {
    const p = policy();
    const run = (seed: number) => {
      const rng = new Rng(seed, 'retry');
      return [1, 2, 3, 4].map((a) => p.nextDelayMs(a, '529', 0, rng));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(43)).not.toEqual(run(42));
  });
});

describe('RetryPolicy giving up', () => {
  it('gives up once maxAttempts attempts have been made', () => {
    const p = policy({ maxAttempts: 3 });
    expect(p.nextDelayMs(2, '529', 0, fixedRng(0.5))).toBe(100);
    expect(p.nextDelayMs(3, '529', 0, fixedRng(0.5))).toBeUndefined();
    expect(policy({ maxAttempts: 1 }).nextDelayMs(1, '529', 0, fixedRng(0.5))).toBeUndefined();
  });

  it('gives up when the delay would take the elapsed time past maxElapsed', () => {
    const p = policy();
    expect(p.nextDelayMs(1, '529', 9_950, fixedRng(0.5))).toBe(50); // lands exactly on maxElapsed
    expect(p.nextDelayMs(1, '529', 9_951, fixedRng(0.5))).toBeUndefined();
    expect(p.nextDelayMs(1, '429', 5_000, fixedRng(0.5), 5_001)).toBeUndefined(); // retry-after counts too
  });

  it('never retries client errors, and retries only the configured kinds', () => {
    const p = policy({ retryOn: ['429', 'timeout'] });
    for (const k of NON_RETRYABLE_KINDS) {
      const rng = fixedRng(0.5);
      expect([p.isRetryable(k), p.nextDelayMs(1, k, 0, rng), rng.draws]).toEqual([false, undefined, 0]);
    }
    const outside: FailureKind[] = ['529', '500', '502', '503', '504', 'connection'];
    for (const k of outside) expect([p.isRetryable(k), p.nextDelayMs(1, k, 0, fixedRng(0.5))]).toEqual([false, undefined]);
    expect([p.isRetryable('429'), p.isRetryable('timeout')]).toEqual([true, true]);
  });

  it('lists as retryable exactly the scenario default retryOn', () => {
    const s = normalise(ScenarioSchema.parse({ users: { dailyActive: 10, concurrencyRatio: 0.1 }, models: { m: { id: 'm' } } }));
    expect([...RETRYABLE_KINDS].sort()).toEqual([...s.retry.retryOn].sort());
    const p = new RetryPolicy(s.retry);
    for (const k of RETRYABLE_KINDS) expect(p.isRetryable(k)).toBe(true);
  });
});
