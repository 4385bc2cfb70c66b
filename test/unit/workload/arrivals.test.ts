/**
 * The arrival process (src/workload/arrivals.ts): Little's law sizing, Poisson counts, and the
 * diurnal and spike profiles.
 *
 * Count tolerances are Poisson-justified: a window expecting μ arrivals must see μ ± 4√μ (a correct
 * generator falls outside once in ~16,000 windows; the seeds are fixed).
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { arrivalTimes, meanCallMs, meanSessionMs, planArrivals } from '../../../src/workload/arrivals.js';
import { Workload } from '../../../src/workload/stream.js';
import type { Session } from '../../../src/workload/types.js';

function scenario(yaml: string, overrides: string[] = []): Scenario {
  const r = parseScenario(yaml, 'test.yaml', { overrides });
  if (!r.scenario) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.scenario;
}

const HOUR = 3_600_000;
const MODEL = 'models: { m: { id: claude-sonnet-4-5, latency: { ttft: { dist: lognormal, median: 600ms, p95: 1.5s }, outputRate: 100/s } } }';

function expectPoissonCount(observed: number, expected: number, what: string) {
  expect(Math.abs(observed - expected), `${what}: ${observed} arrivals, expected ${expected.toFixed(0)} ± ${(4 * Math.sqrt(expected)).toFixed(0)}`).toBeLessThan(4 * Math.sqrt(expected));
}

function countIn(times: Iterable<number>, fromMs: number, toMs: number): number {
  let n = 0;
  for (const t of times) if (t >= fromMs && t < toMs) n++;
  return n;
}

function perHour(times: Iterable<number>, hours: number): number[] {
  const counts = new Array<number>(hours).fill(0);
  for (const t of times) counts[Math.floor(t / HOUR)]!++;
  return counts;
}

describe('Little\'s law sizing', () => {
  it('meanSessionMs and meanCallMs follow the formula (constant quantities: 3 × (2 × 2.5 s + 1 s) + 2 × 10 s = 38 s)', () => {
    const s = scenario(`
users: { dailyActive: 1000, concurrencyRatio: 5% }
conversation: { turns: 3, callsPerTurn: 2, thinkTime: 10s, toolLatency: 1s, tokens: { output: 100 } }
models: { m: { id: claude-sonnet-4-5, latency: { ttft: 500ms, outputRate: 50/s } } }
`);
    expect(meanCallMs(s)).toBeCloseTo(500 + (100 / 50) * 1000, 9);
    expect(meanSessionMs(s)).toBeCloseTo(38_000, 9);
    const plan = planArrivals(s);
    expect(plan.targetConcurrency).toBe(50);
    expect(plan.baseRatePerS).toBeCloseTo(50 / 38, 12);
  });

  it('meanCallMs weights the default split: ¼ × 2 s + ¾ × 4.2 s = 3.65 s', () => {
    const s = scenario(`
users: { dailyActive: 1000, concurrencyRatio: 5% }
conversation: { tokens: { output: 100 } }
models:
  a: { id: claude-sonnet-4-5, latency: { ttft: 1s, outputRate: 100/s } }
  b: { id: claude-haiku-4-5, latency: { ttft: 200ms, outputRate: 25/s } }
router: { default: { a: 1, b: 3 } }
`);
    expect(meanCallMs(s)).toBeCloseTo(3650, 9);
  });

  it('counts are at least 1 per draw, and the sizing knows it: Poisson(1) calls per turn average 1 + 1/e, in the plan and in the stream (within 1 %)', () => {
    const s = scenario(`
duration: 1h
users: { dailyActive: 20000, concurrencyRatio: 5% }
conversation: { turns: 3, callsPerTurn: { dist: poisson, mean: 1 }, thinkTime: 10s, toolLatency: 1s, tokens: { output: 100 } }
models: { m: { id: claude-sonnet-4-5, latency: { ttft: 500ms, outputRate: 50/s } } }
`);
    const calls = 1 + Math.exp(-1);
    expect(meanSessionMs(s)).toBeCloseTo(3 * (calls * 2500 + (calls - 1) * 1000) + 2 * 10_000, 6);
    let turns = 0;
    let nCalls = 0;
    for (const x of new Workload(s).sessions())
      for (const t of x.turns) {
        turns++;
        nCalls += t.calls.length;
      }
    // sd of max(1, Poisson(1)) is 0.70; over ≥ 50,000 turns the SE of the mean is < 0.25 %.
    expect(turns).toBeGreaterThan(50_000);
    expect(Math.abs(nCalls / turns / calls - 1)).toBeLessThan(0.01);
  });

  it('a fixed arrivalRate overrides Little\'s law', () => {
    const s = scenario(`users: { dailyActive: 1000, concurrencyRatio: 5%, arrivalRate: 2/s }\n${MODEL}`);
    expect(planArrivals(s).baseRatePerS).toBe(2);
    // The concurrency quoted in the headline follows from the rate used, not from DAU × ratio (50).
    expect(planArrivals(s).targetConcurrency).toBeCloseTo(2 * (meanSessionMs(s) / 1000), 9);
    expectPoissonCount(countIn(arrivalTimes(planArrivals(s), 1, HOUR), 0, HOUR), 7200, 'arrivals in 1 h at 2/s');
  });
});

describe('flat profile: the stream holds dailyActive × concurrencyRatio sessions active on average', () => {
  // Random turns, calls (Poisson(1): the ≥ 1 rule matters), tool latency and think time, so the check
  // covers the sizing and every sampled quantity that makes a session long.
  const s = scenario(`
seed: 3
duration: 8h
users: { dailyActive: 5000, concurrencyRatio: 3% }
conversation:
  turns: { dist: poisson, mean: 4 }
  thinkTime: { dist: lognormal, median: 20s, p95: 60s }
  callsPerTurn: { dist: poisson, mean: 1 }
  toolLatency: { dist: exponential, mean: 2s }
  tokens: { output: { dist: lognormal, median: 200, p95: 650 } }
${MODEL}
`);
  const w = new Workload(s);
  const sessions: Session[] = [...w.sessions()];
  const callMs = meanCallMs(s);
  /** Unloaded length: every call takes the mean call time; tool latencies and think times as drawn. */
  const lengthMs = (x: Session) => {
    let ms = 0;
    for (const t of x.turns) {
      ms += t.calls.length * callMs + t.thinkTimeAfterMs;
      for (const c of t.calls) ms += c.toolLatencyAfterMs;
    }
    return ms;
  };

  it('time-average of active sessions over [1 h, 8 h] is within 3 % of 150', () => {
    // Sessions last ≤ ~15 min, so after 1 h of warm-up the count is stationary. The SE of the time
    // average is ≈ √(E[W²]/E[W]²) / √(arrivals) ≈ 0.6 % here (seed-to-seed spread measured at 0.3 %).
    const fromMs = HOUR;
    const toMs = s.duration;
    let activeMs = 0;
    let longest = 0;
    for (const x of sessions) {
      const len = lengthMs(x);
      longest = Math.max(longest, len);
      const a = Math.max(fromMs, x.startAtMs);
      const b = Math.min(toMs, x.startAtMs + len);
      if (b > a) activeMs += b - a;
    }
    expect(longest).toBeLessThan(fromMs); // the warm-up really covers every session's life
    const meanActive = activeMs / (toMs - fromMs);
    expect(w.plan.targetConcurrency).toBe(150);
    expect(Math.abs(meanActive / 150 - 1), `mean active ${meanActive.toFixed(1)}`).toBeLessThan(0.03);
  });

  it('the arrival count is rate × duration within 4√μ (Poisson)', () => {
    expectPoissonCount(sessions.length, (w.plan.baseRatePerS * s.duration) / 1000, 'arrivals in 8 h');
  });

  it('each hour holds rate × 1 h arrivals within 4√μ', () => {
    const counts = perHour(sessions.map((x) => x.startAtMs), 8);
    for (let h = 0; h < 8; h++) expectPoissonCount(counts[h]!, w.plan.baseRatePerS * 3600, `hour ${h}`);
  });
});

describe('diurnal profile', () => {
  const TROUGH = 0.2;
  const PEAK = 14;
  const RATE = 20; // per second at the peak (multiplier 1)

  /** Expected arrivals in clock hours [h0, h1) for m(H) = tr + (1 − tr)(1 + cos(2π(H − peak)/24))/2. */
  function expectedBetween(h0: number, h1: number): number {
    const w = (2 * Math.PI) / 24;
    const integral = TROUGH * (h1 - h0) + ((1 - TROUGH) / 2) * (h1 - h0 + (Math.sin(w * (h1 - PEAK)) - Math.sin(w * (h0 - PEAK))) / w);
    return RATE * 3600 * integral;
  }

  function arrivals(startHour: number, hours: number): number[] {
    const s = scenario(`
duration: ${hours}h
users: { dailyActive: 1000, concurrencyRatio: 1%, arrivalRate: ${RATE}/s, arrival: { profile: diurnal, peakHour: ${PEAK}, troughRatio: ${TROUGH}, startHour: ${startHour} } }
${MODEL}
`);
    const w = new Workload(s, 5);
    return [...arrivalTimes(w.plan, w.seed, s.duration)];
  }
  let midnight: number[] | undefined;
  const dayFromMidnight = () => (midnight ??= arrivals(0, 24));

  it(`the peak-hour / trough-hour arrival ratio matches troughRatio (exactly: the window-averaged ${TROUGH}) within 5 %`, () => {
    // Trough hour ≈ 14,500 arrivals, peak ≈ 72,000: the ratio's SE is ≈ 0.9 %.
    const times = dayFromMidnight();
    const peak = countIn(times, (PEAK - 0.5) * HOUR, (PEAK + 0.5) * HOUR);
    const trough = countIn(times, (PEAK - 12.5) * HOUR, (PEAK - 11.5) * HOUR);
    const expectedRatio = expectedBetween(PEAK - 12.5, PEAK - 11.5) / expectedBetween(PEAK - 0.5, PEAK + 0.5);
    expect(expectedRatio).toBeCloseTo(TROUGH, 2); // a 1 h window averages the cosine: 0.2014
    expect(Math.abs(trough / peak / expectedRatio - 1)).toBeLessThan(0.05);
  });

  it('every hour of the day holds the integral of the profile within 4√μ', () => {
    const counts = perHour(dayFromMidnight(), 24);
    for (let h = 0; h < 24; h++) expectPoissonCount(counts[h]!, expectedBetween(h, h + 1), `hour ${h}`);
  });

  it('startHour shifts the clock: starting at 12:00, the peak is 2 h in and the trough 14 h in', () => {
    const times = arrivals(12, 24);
    expectPoissonCount(countIn(times, 1.5 * HOUR, 2.5 * HOUR), expectedBetween(13.5, 14.5), 'peak hour');
    expectPoissonCount(countIn(times, 13.5 * HOUR, 14.5 * HOUR), expectedBetween(25.5, 26.5), 'trough hour');
  });

  it('is applied even when the profile equals 1 at t = 0 and at mid-run (start at the peak, run 48 h)', () => {
    // Regression: thinning used to be switched on by probing m(0) and m(untilMs / 2), both 1 here.
    const times = arrivals(PEAK, 48);
    for (const day of [0, 24]) {
      expectPoissonCount(countIn(times, (day + 11.5) * HOUR, (day + 12.5) * HOUR), expectedBetween(PEAK + 11.5, PEAK + 12.5), `trough hour, day ${day / 24 + 1}`);
      expectPoissonCount(countIn(times, day * HOUR, (day + 0.5) * HOUR), expectedBetween(PEAK, PEAK + 0.5), `peak half-hour, day ${day / 24 + 1}`);
    }
  });
});

describe('spikes profile', () => {
  it('inside a spike window the rate is multiplier × base (within 4√μ), outside it is the base', () => {
    const s = scenario(`
duration: 3h
users:
  dailyActive: 1000
  concurrencyRatio: 1%
  arrivalRate: 5/s
  arrival: { profile: spikes, spikes: [{ at: 1h, for: 30m, multiplier: 4 }, { at: 2h, for: 10m, multiplier: 10 }] }
conversation: { turns: 1 }
${MODEL}
`);
    const w = new Workload(s);
    expect(w.plan.maxMultiplier).toBe(10);
    const times = [...w.sessions()].map((x) => x.startAtMs);
    expectPoissonCount(countIn(times, 0, HOUR), 5 * 3600, 'before the spikes');
    expectPoissonCount(countIn(times, HOUR, 1.5 * HOUR), 4 * 5 * 1800, 'first spike (× 4)');
    expectPoissonCount(countIn(times, 1.5 * HOUR, 2 * HOUR), 5 * 1800, 'between the spikes');
    expectPoissonCount(countIn(times, 2 * HOUR, 2 * HOUR + 600_000), 10 * 5 * 600, 'second spike (× 10)');
    expectPoissonCount(countIn(times, 2 * HOUR + 600_000, 3 * HOUR), 5 * 3000, 'after the spikes');
    // The spike rate relative to the base, as a ratio: 4 within 5 % (SE ≈ 1.2 %).
    const ratio = countIn(times, HOUR, 1.5 * HOUR) / 1800 / (countIn(times, 0, HOUR) / 3600);
    expect(Math.abs(ratio / 4 - 1)).toBeLessThan(0.05);
  });
});
