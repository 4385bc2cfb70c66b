/**
 * When a provider limit caps throughput, no worker count serves everyone, and workers needed must not
 * grow with the workers configured. With `itpm: 1M` the limiter admits 900,000 input tokens/min
 * (margin 0.9) = 13.64 calls of 1,100 tokens/s, while 18.2 are offered. Calls the limit holds back wait
 * in our limiter while they hold a slot, so every slot added fills with waiting: the offered estimate,
 * which counted limiter wait in the slot hold time, said 142 workers with 100 configured, 197 with 142,
 * 269 with 200, and 765 / 1,561 with a queue that never times out over 30 m / 1 h.
 *
 * Carrying what the limit admits takes 13.64/s × 5.5 s = 75 slots on average, p99 of Poisson(75) = 96,
 * so 10 workers of 10 slots — whatever the workers, the queue or the length of the run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { runDet } from './det-scenario.js';

const LIMIT = 'models.m.limits.itpm=1M';
const UNBOUNDED_QUEUE = ['queue.timeout=1d', 'queue.depth=10M'];

describe('a provider limit that caps throughput', () => {
  const runs: Record<string, Report> = {};
  beforeAll(() => {
    runs.w100 = runDet([LIMIT, 'duration=30m']);
    runs.w142 = runDet([LIMIT, 'duration=30m', 'workers.count=142']);
    runs.w200 = runDet([LIMIT, 'duration=30m', 'workers.count=200']);
    runs.queue30m = runDet([LIMIT, 'duration=30m', ...UNBOUNDED_QUEUE]);
    runs.queue1h = runDet([LIMIT, ...UNBOUNDED_QUEUE]);
  }, 60_000);

  it('rests workers needed on what the limit admits: 10, whatever the workers, queue or run length', () => {
    for (const [name, r] of Object.entries(runs)) {
      expect(r.capacity.workersNeededBasis, name).toBe('providerLimit');
      expect(r.capacity.workersNeeded, name).toBe(10);
      expect(r.capacity.offeredSlotDemand?.p99, name).toBe(96);
    }
  });

  it('says first that the limit caps throughput, what it admits and what the offered load needs', () => {
    const a = runs.w100!.answer;
    expect(a).toMatch(/^23 % of turns were not answered \(deadline 23 %\)\. The m input TPM limit caps throughput/);
    // 1,210,000 rather than 18.2/s × 1,100 × 60 = 1.2M: the window's arrivals are a Poisson draw (18.3/s in these 25 minutes).
    expect(a).toContain('The m input TPM limit caps throughput: it admits 900,000/min (1,000,000 × 0.9 margin) and ran at that rate; the offered load needs about 1,210,000/min (74 % served)');
    expect(a).toContain('No worker count serves everyone: raise the limit or route traffic elsewhere.');
    expect(a).toContain('Carrying what the limit admits takes 75.0 slots on average (p99 96, limiter wait excluded), so with 10 per worker you need 10 workers (20 with 2× headroom; 100 configured)');
    expect(a).toContain('serving everyone once the limit allows it would take 13');
    expect(a).not.toContain('saturated');
    // The cap comes before the worker figures it explains.
    expect(a.indexOf('caps throughput')).toBeLessThan(a.indexOf('you need'));
  });
});
