/**
 * The analytic oracles (src/sim/oracles.ts) against textbook values, and Erlang C against the exact
 * FCFS c-server queue driven by the simulator's own arrival and service generators on 10⁶–10⁸
 * customers — the statistical half of the M/M/c evidence whose exact half (the simulator's queue *is*
 * that FCFS queue, customer for customer) is in mmc.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compileSampler } from '../../../src/scenario/distributions.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { Rng } from '../../../src/scenario/rng.js';
import { erlangB, erlangC, FcfsQueue, fcfsWaits, littleDeviation, mmc, mmcScenarioYaml } from '../../../src/sim/oracles.js';
import { arrivalTimes, planArrivals } from '../../../src/workload/arrivals.js';

/** Erlang C by its defining sum, a^c/c! · c/(c − a) / (Σ_{k<c} a^k/k! + that): independent of the recursion. */
function erlangCDirect(c: number, a: number): number {
  let term = 1;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const top = (term * c) / (c - a);
  return top / (sum + top);
}

describe('Erlang B and C', () => {
  it('match exact rational values (computed with Python fractions)', () => {
    expect(erlangB(1, 1)).toBe(0.5);
    expect(erlangB(2, 1)).toBeCloseTo(0.2, 15); // (1/2) / (1 + 1 + 1/2)
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 15);
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 15);
    expect(erlangC(2, 1.5)).toBeCloseTo(9 / 14, 15);
  });

  it('match the Erlang C table values of the nine M/M/c test cases and a large one', () => {
    // Exact rationals rounded to 15 digits (fractions.Fraction, the defining sum).
    const table: [number, number, number][] = [
      [10, 5, 0.03610535915832019],
      [10, 8, 0.40918015079644354],
      [10, 9.5, 0.8255855781256987],
      [50, 25, 7.2043267219506594e-6],
      [50, 40, 0.08695254952676607],
      [50, 47.5, 0.6290947299151718],
      [100, 90, 0.2169404809063664],
    ];
    for (const [c, a, expected] of table) expect(erlangC(c, a) / expected - 1, `C(${c}, ${a})`).toBeLessThan(1e-12);
    for (const [c, a, expected] of table) expect(erlangC(c, a) / expected - 1, `C(${c}, ${a})`).toBeGreaterThan(-1e-12);
  });

  it('agree with the defining sum over a grid, and C = ρ for one server', () => {
    for (const c of [1, 2, 3, 5, 10, 20, 50, 100]) {
      for (const rho of [0.01, 0.3, 0.5, 0.8, 0.95, 0.999]) {
        expect(Math.abs(erlangC(c, rho * c) / erlangCDirect(c, rho * c) - 1), `c=${c} ρ=${rho}`).toBeLessThan(1e-10);
      }
    }
    for (const rho of [0.1, 0.5, 0.9, 0.99]) expect(erlangC(1, rho)).toBeCloseTo(rho, 14);
  });

  it('stay finite and in [0, 1] where the direct formula overflows (c = 2000)', () => {
    const p = erlangC(2000, 1900);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    expect(Number.isFinite(erlangCDirect(2000, 1900))).toBe(false);
  });

  it('refuse unstable or malformed queues', () => {
    expect(() => erlangC(2, 2)).toThrow(RangeError);
    expect(() => erlangC(2, 3)).toThrow(RangeError);
    expect(() => erlangC(0, 0.5)).toThrow(RangeError);
    expect(() => erlangC(1.5, 0.5)).toThrow(RangeError);
    expect(() => erlangB(1, -1)).toThrow(RangeError);
    expect(() => mmc({ servers: 1, arrivalRate: 1, serviceRate: 0 })).toThrow(RangeError);
  });
});

describe('mmc', () => {
  it('M/M/1: Wq = ρ/(μ − λ), W = 1/(μ − λ), L = ρ/(1 − ρ)', () => {
    for (const rho of [0.5, 0.8, 0.95]) {
      const mu = 2;
      const f = mmc({ servers: 1, arrivalRate: rho * mu, serviceRate: mu });
      expect(f.utilisation).toBeCloseTo(rho, 14);
      expect(f.meanWait).toBeCloseTo(rho / (mu - rho * mu), 12);
      expect(f.meanSojourn).toBeCloseTo(1 / (mu - rho * mu), 12);
      expect(f.meanInSystem).toBeCloseTo(rho / (1 - rho), 10);
    }
  });

  it('M/M/3 at λ = 2, μ = 1 (textbook): C = 4/9, Wq = 4/9, Lq = 8/9, L = 2 + 8/9', () => {
    const f = mmc({ servers: 3, arrivalRate: 2, serviceRate: 1 });
    expect(f.waitProbability).toBeCloseTo(4 / 9, 14);
    expect(f.meanWait).toBeCloseTo(4 / 9, 14);
    expect(f.meanQueueLength).toBeCloseTo(8 / 9, 14);
    expect(f.meanInSystem).toBeCloseTo(2 + 8 / 9, 14);
    expect(littleDeviation(f.meanInSystem, 2, f.meanSojourn)).toBeLessThan(1e-14);
  });

  it('littleDeviation is the relative gap |L − λW| / max(L, λW)', () => {
    expect(littleDeviation(10, 2, 5)).toBe(0);
    expect(littleDeviation(10, 2, 5.5)).toBeCloseTo(1 / 11, 14);
    expect(littleDeviation(11, 2, 5)).toBeCloseTo(1 / 11, 14);
    // L = 0 against λW = 10 is as far off as it gets (it read 0 with the denominator L).
    expect(littleDeviation(0, 2, 5)).toBe(1);
    expect(littleDeviation(0, 0, 5)).toBe(0);
  });
});

describe('FcfsQueue', () => {
  it('serves in arrival order on the earliest free server (hand-worked)', () => {
    // One server: 0–5, then the customer at 1 starts at 5 (waits 4), the one at 2 at 8 (waits 6).
    expect(Array.from(fcfsWaits([0, 1, 2, 20], [5, 3, 1, 1], 1))).toEqual([0, 4, 6, 0]);
    // Two servers: A serves 0–10, B 1–3; C (at 2) takes B's server at 3 (waits 1, ends 7); D (at 2.5)
    // takes the earlier of 10 and 7 (waits 4.5).
    expect(Array.from(fcfsWaits([0, 1, 2, 2.5], [10, 2, 4, 1], 2))).toEqual([0, 0, 1, 4.5]);
  });

  it('refuses arrivals out of time order', () => {
    const q = new FcfsQueue(2);
    q.arrive(5, 1);
    expect(() => q.arrive(4, 1)).toThrow(RangeError);
  });
});

/**
 * Erlang C against the exact FCFS queue fed by the simulator's generators: `arrivalTimes` of the
 * M/M/c scenario's arrival plan and the compiled sampler of its exponential provider time (the
 * provider model draws from the same sampler). SE from 30 batch means of consecutive customers
 * (batches ≥ 10⁴ relaxation times long); asserted: SE ≤ 1 % and error < 3 %, and a 10 % wrong value
 * fails. Sample sizes target SE ≈ 0.8 % from the relative variance of the mean wait per customer
 * (measured on 2·10⁷–6·10⁷ customers: c = 1: 38, 153, 1.7k; c = 10: 800, 430, 1.5k; c = 50: —, 1.5k, 2.9k).
 * The c = 50, ρ = 0.5 case (P(wait) = 7·10⁻⁶) would need ~4·10¹⁰ customers for 1 %; it is checked to
 * within 3 SE of its own estimate.
 */
describe('Erlang C against the exact FCFS queue on the simulator\'s generators', () => {
  const BATCHES = 30;
  it.each([
    [1, 0.5, 600_000],
    [1, 0.8, 2_400_000],
    [1, 0.95, 27_000_000],
    [10, 0.5, 12_000_000],
    [10, 0.8, 7_000_000],
    [10, 0.95, 32_000_000],
    [50, 0.5, 20_000_000],
    [50, 0.8, 32_000_000],
    [50, 0.95, 50_000_000],
  ])('c = %i, ρ = %f, %i customers', (c, rho, customers) => {
    const serviceMs = 100;
    const parsed = parseScenario(mmcScenarioYaml({ servers: c, utilisation: rho, serviceMs, windowMs: 1000, warmupMs: 0, seed: 1 }), 'mmc.yaml');
    const s = parsed.scenario!;
    const plan = planArrivals(s);
    expect(plan.baseRatePerS).toBeCloseTo((rho * c * 1000) / serviceMs, 6);
    const service = compileSampler(s.models.m!.latency.ttft);
    const rng = new Rng(s.seed, 'oracle-service', `${c}/${rho}`);
    const q = new FcfsQueue(c);
    const warmup = Math.ceil(20 / (1 - Math.sqrt(rho)) ** 2); // > 20 relaxation times: τ ≈ ρ / (1 − √ρ)² customers
    const perBatch = Math.floor(customers / BATCHES);
    const means: number[] = [];
    let sum = 0;
    let n = 0;
    let k = 0;
    for (const t of arrivalTimes(plan, s.seed, Infinity)) {
      const w = q.arrive(t, service(rng));
      if (k++ < warmup) continue;
      sum += w;
      if (++n === perBatch) {
        means.push(sum / perBatch);
        sum = 0;
        n = 0;
        if (means.length === BATCHES) break;
      }
    }
    const mean = means.reduce((a, b) => a + b, 0) / BATCHES;
    const se = Math.sqrt(means.reduce((a, m) => a + (m - mean) ** 2, 0) / (BATCHES - 1) / BATCHES);
    const analytic = mmc({ servers: c, arrivalRate: (rho * c) / serviceMs, serviceRate: 1 / serviceMs }).meanWait;
    const err = Math.abs(mean - analytic) / analytic;
    console.log(`FCFS c=${c} ρ=${rho}: ${BATCHES * perBatch} customers, Wq ${mean.toPrecision(6)} ms vs Erlang C ${analytic.toPrecision(6)} ms: error ${(err * 100).toFixed(2)} %, SE ${((se / analytic) * 100).toFixed(2)} %`);
    if (c === 50 && rho === 0.5) {
      expect(Math.abs(mean - analytic)).toBeLessThan(3 * se);
      return;
    }
    expect(se / analytic, 'the 3 % band must be at least 3 standard errors wide').toBeLessThanOrEqual(0.01);
    expect(err).toBeLessThan(0.03);
    expect(Math.abs(mean - 1.1 * analytic) / (1.1 * analytic), 'a 10 % wrong value must fail').toBeGreaterThan(0.03);
  }, 60_000);
});
