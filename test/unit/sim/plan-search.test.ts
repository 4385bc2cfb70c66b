/**
 * The search of `sim plan` (sim/plan-search.ts) on made-up SLO outcomes: it finds the threshold of any
 * monotone outcome from any start and estimate, in a log-scale number of probes; it says when no count
 * passes; and where outcomes are not monotone it never answers at or below a count it saw fail, and
 * names the violation.
 */
import { describe, expect, it } from 'vitest';
import { searchWorkers, violations, type Probe } from '../../../src/sim/plan-search.js';

/** Outcomes that pass from `threshold` up, with an estimate `estimate(n)` (default: the threshold itself). */
function threshold(t: number, estimate: (n: number) => number = () => t) {
  const probed: number[] = [];
  const probe = (n: number): Probe => {
    probed.push(n);
    return { pass: n >= t, workersNeeded: estimate(n) };
  };
  return { probe, probed };
}

const double = (n: number) => 2 * n;
const same = (n: number) => n;

describe('searchWorkers on monotone outcomes', () => {
  it('finds every threshold from every start and estimate, in a log-scale number of probes', () => {
    const min = 1;
    const max = 200;
    // 2·log₂(199) ≈ 15.3: gallop out, bisect back, plus the start, the estimate and the headroom check.
    const bound = 2 * Math.ceil(Math.log2(max - min)) + 3;
    let worst = 0;
    for (const t of [1, 2, 3, 7, 10, 31, 64, 99, 150, 199, 200]) {
      for (const start of [1, 3, 50, 200]) {
        for (const est of [1, t - 1, t, t + 1, 2 * t, 500]) {
          const { probe, probed } = threshold(t, () => est);
          const r = searchWorkers(probe, { min, max, start, recommend: same });
          expect(r.workers, `t=${t} start=${start} est=${est}`).toBe(t);
          expect(r.largestFailing).toBe(t === 1 ? undefined : t - 1);
          expect(new Set(probed).size, 'no count is simulated twice').toBe(probed.length);
          expect(r.order).toEqual(probed);
          expect(r.violations).toEqual([]);
          expect(r.exhausted).toBe(false);
          worst = Math.max(worst, probed.length);
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(bound);
  });

  it('an exact estimate costs three runs: the start, the estimate, the count just below', () => {
    const { probe, probed } = threshold(12);
    const r = searchWorkers(probe, { min: 1, max: 100, start: 4, recommend: same });
    expect(r.workers).toBe(12);
    expect(probed).toEqual([4, 12, 11]);
  });

  it('an estimate one short costs one more run, not a bisection', () => {
    const { probe, probed } = threshold(12, () => 11);
    const r = searchWorkers(probe, { min: 1, max: 100, start: 4, recommend: same });
    expect(r.workers).toBe(12);
    expect(probed).toEqual([4, 11, 12]);
  });

  it('simulates the count the answer would be deployed at (× headroom), and stays within max', () => {
    const { probe, probed } = threshold(12);
    expect(searchWorkers(probe, { min: 1, max: 100, start: 4, recommend: double }).workers).toBe(12);
    expect(probed).toEqual([4, 12, 11, 24]);
    const capped = threshold(12);
    searchWorkers(capped.probe, { min: 1, max: 20, start: 4, recommend: double });
    expect(capped.probed).not.toContain(24);
  });

  it('all counts passing: the answer is min, found by galloping down', () => {
    const { probe, probed } = threshold(1, () => 40);
    const r = searchWorkers(probe, { min: 1, max: 100, start: 50, recommend: same });
    expect(r.workers).toBe(1);
    expect(r.largestFailing).toBeUndefined();
    expect(probed.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(50)) + 1);
  });

  it('min is the floor: nothing below it is simulated, and a pass there is the answer', () => {
    const { probe, probed } = threshold(3);
    const r = searchWorkers(probe, { min: 5, max: 100, start: 20, recommend: same });
    expect(r.workers).toBe(5);
    expect(Math.min(...probed)).toBe(5);
  });
});

describe('searchWorkers when no count passes', () => {
  it('a limit no worker count helps: gallops up to max and stops, log-scale', () => {
    const { probe, probed } = threshold(Infinity, () => 2);
    const r = searchWorkers(probe, { min: 1, max: 30, start: 3, recommend: double });
    expect(r.workers).toBeUndefined();
    expect(r.largestFailing).toBe(30);
    expect(probed.at(-1)).toBe(30);
    expect(probed).toEqual([3, 2, 4, 6, 10, 18, 30]);
  });

  it('a failure no worker waited in: more workers play the run the same way, so straight to max to confirm', () => {
    const probed: number[] = [];
    const r = searchWorkers(
      (n) => {
        probed.push(n);
        return { pass: false, workersNeeded: 3, waited: false };
      },
      { min: 1, max: 30, start: 3, recommend: double },
    );
    expect(r.workers).toBeUndefined();
    expect(probed).toEqual([3, 30]);
  });

  it('…and when max passes after all, the search goes on and finds the threshold', () => {
    const r = searchWorkers((n) => ({ pass: n >= 17, workersNeeded: 3, waited: false }), { min: 1, max: 30, start: 3, recommend: same });
    expect(r.workers).toBe(17);
    expect(r.largestFailing).toBe(16);
  });

  it('a threshold above max is not found', () => {
    const { probe } = threshold(31);
    const r = searchWorkers(probe, { min: 1, max: 30, start: 3, recommend: same });
    expect(r.workers).toBeUndefined();
    expect(r.largestFailing).toBe(30);
  });
});

describe('searchWorkers on outcomes that are not monotone', () => {
  it('a failure at the deployed count (× headroom) moves the answer above it, and is reported', () => {
    // Passes from 3 except at 6 (more workers → more calls at once → a limit binds there, say).
    const probe = (n: number): Probe => ({ pass: n >= 3 && n !== 6, workersNeeded: 3 });
    const r = searchWorkers(probe, { min: 1, max: 100, start: 3, recommend: double });
    expect(r.workers).toBe(7);
    expect(r.largestFailing).toBe(6);
    expect(r.violations).toEqual([{ passed: 3, failed: 6 }]);
    expect(r.order).toContain(14); // the new answer's deployed count is checked too
  });

  it('never answers at or below a count it saw fail', () => {
    // Every pattern of 12 counts with some pass: the answer passed, and no simulated count above it failed.
    for (let mask = 1; mask < 1 << 12; mask++) {
      const pass = (n: number) => ((mask >> (n - 1)) & 1) === 1;
      const r = searchWorkers((n) => ({ pass: pass(n), workersNeeded: 6 }), { min: 1, max: 12, start: 6, recommend: double });
      if (r.workers === undefined) {
        // No answer only when the largest count was simulated and failed.
        expect(r.order, `mask ${mask.toString(2)}`).toContain(12);
        expect(pass(12)).toBe(false);
        continue;
      }
      expect(pass(r.workers)).toBe(true);
      for (const n of r.order) if (n > r.workers) expect(pass(n), `mask ${mask.toString(2)}: ${n} above ${r.workers}`).toBe(true);
      expect(r.violations.length > 0).toBe(r.order.some((a) => pass(a) && r.order.some((b) => b > a && !pass(b))));
    }
  });

  it('violations pair each failing count with the largest pass below it', () => {
    const outcomes = new Map<number, Probe>([1, 2, 3, 4, 5, 6].map((n) => [n, { pass: [2, 4].includes(n), workersNeeded: 1 }]));
    expect(violations(outcomes)).toEqual([
      { passed: 2, failed: 3 },
      { passed: 4, failed: 5 },
      { passed: 4, failed: 6 },
    ]);
  });
});

describe('searchWorkers limits', () => {
  it('stops at its budget and says so; a pass found is then an upper bound', () => {
    const { probe, probed } = threshold(900, () => 1000);
    const r = searchWorkers(probe, { min: 1, max: 1000, start: 1, recommend: same, budget: 4 });
    expect(probed.length).toBe(4);
    expect(r.exhausted).toBe(true);
    // Gallop down from the estimate: 1000, 999, 997 passed, 1 failed; the bracket 1–997 never closed.
    expect(probed).toEqual([1, 1000, 999, 997]);
    expect(r.workers).toBe(997);
  });

  it.each([
    [0, 10],
    [5, 4],
    [1.5, 4],
  ])('refuses bounds %d–%d', (min, max) => {
    expect(() => searchWorkers(() => ({ pass: true, workersNeeded: 1 }), { min, max, start: 1, recommend: same })).toThrow(RangeError);
  });
});
