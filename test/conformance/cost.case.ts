/**
 * One conformance suite for every `CostCounters` (memory and Redis): exact integer totals per model,
 * whatever the number, order or concurrency of the adds (src/core/cost/types.ts).
 */
import { describe, expect, it } from 'vitest';
import type { CostCounters, CostTotals } from '../../src/core/cost/types.js';
import type { Usage } from '../../src/core/types.js';

export interface CostHarness {
  store: CostCounters;
  cleanup(): Promise<void> | void;
}

export type CostFactory = () => Promise<CostHarness> | CostHarness;

/** A deterministic, varied usage for add number `i` (no RNG needed: a few coprime moduli). */
function usageOf(i: number): Usage {
  return {
    inputTokens: (i * 7919) % 4000,
    outputTokens: (i * 104_729) % 1500,
    cacheWrite5mTokens: i % 3 === 0 ? (i * 31) % 2000 : 0,
    cacheWrite1hTokens: i % 7 === 0 ? 1024 : 0,
    cacheReadTokens: i % 2 === 0 ? (i * 13) % 9000 : 0,
  };
}

/** Registers the suite under `cost conformance: <name>`. */
export function costConformance(name: string, factory: CostFactory): void {
  const withCounters = async (fn: (c: CostCounters) => Promise<void>) => {
    const h = await factory();
    try {
      await fn(h.store);
    } finally {
      await h.cleanup();
    }
  };

  describe(`cost conformance: ${name}`, () => {
    it('starts empty', () => withCounters(async (c) => expect(await c.totals()).toEqual({ byModel: {} })));

    it('sums usage, requests and nano-dollars exactly per model over many concurrent adds', () =>
      withCounters(async (c) => {
        const expected: CostTotals = { byModel: {} };
        const adds: Promise<void>[] = [];
        for (let i = 0; i < 600; i++) {
          const model = i % 3 === 0 ? 'claude-haiku' : 'claude-sonnet';
          const u = usageOf(i);
          const costNanos = 1_234_567_891 + i * 1_001; // large, odd amounts: a float sum of dollars would drift
          const t = (expected.byModel[model] ??= { requests: 0, inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, costNanos: 0 });
          t.requests++;
          t.inputTokens += u.inputTokens;
          t.outputTokens += u.outputTokens;
          t.cacheWrite5mTokens += u.cacheWrite5mTokens;
          t.cacheWrite1hTokens += u.cacheWrite1hTokens;
          t.cacheReadTokens += u.cacheReadTokens;
          t.costNanos += costNanos;
          adds.push(Promise.resolve(c.add(model, u, costNanos)));
        }
        await Promise.all(adds);
        expect(await c.totals()).toEqual(expected);
        expect((await c.totals()).byModel['claude-haiku']!.requests).toBe(200);
      }));

    it('counts a request with zero usage and zero cost', () =>
      withCounters(async (c) => {
        await c.add('m', { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }, 0);
        expect((await c.totals()).byModel.m).toEqual({ requests: 1, inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, costNanos: 0 });
      }));

    it('returns a snapshot that callers may mutate', () =>
      withCounters(async (c) => {
        await c.add('m', usageOf(1), 10);
        const t = await c.totals();
        t.byModel.m!.costNanos = 999;
        expect((await c.totals()).byModel.m!.costNanos).toBe(10);
      }));

    it('rejects fractional or negative figures and counts nothing for them', () =>
      withCounters(async (c) => {
        await expect(async () => c.add('m', usageOf(1), 0.5)).rejects.toThrow(RangeError);
        await expect(async () => c.add('m', { ...usageOf(1), outputTokens: -1 }, 1)).rejects.toThrow(RangeError);
        await expect(async () => c.add('m', { ...usageOf(1), inputTokens: 1.5 }, 1)).rejects.toThrow(RangeError);
        expect(await c.totals()).toEqual({ byModel: {} });
      }));
  });
}
