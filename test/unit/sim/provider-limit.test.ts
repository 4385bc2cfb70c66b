/**
 * Oracle (c): when the provider's rate limit is the bottleneck, throughput is the limit our limiter
 * admits — limit × margin — and nothing else. 20 single-call turns/s are offered against
 * `rpm: 600` with `limiter.margin: 0.9`, i.e. 540 requests/min = 9 calls/s admitted; 100 worker slots
 * (an unlimited provider would keep ~24 busy: 20/s × 1.2 s), and a queue that never turns anyone
 * away or times out, so excess turns wait — in our limiter while they hold a slot, in the slot queue
 * behind them — instead of failing.
 *
 * Measured throughput is provider calls admitted per second of the window (`throughput.callsPerS`:
 * calls that start in the window; `events.providerCalls` counts the calls of the window's turns, which
 * in a growing backlog run partly after the window), cross-checked with the RPM use per minute step. The token bucket
 * starts full (one minute's worth, 540); the 2-minute warm-up spends that burst, so the window sees
 * the refill rate alone, exactly. Doubling the workers must not raise it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Pricing } from '../../../src/core/pricing.js';
import type { Report } from '../../../src/core/metrics/report.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { simulate } from '../../../src/sim/simulate.js';

const RPM = 600;
const MARGIN = 0.9;
const ADMITTED_PER_S = (RPM * MARGIN) / 60;
const OFFERED_PER_S = 20;

const YAML = `
name: provider-limit-bound
seed: 3
duration: 12m
warmup: 2m
users: { dailyActive: 1, concurrencyRatio: 100%, arrivalRate: ${OFFERED_PER_S}/s }
conversation:
  turns: 1
  tokens: { systemPrompt: 500, output: { dist: lognormal, median: 100, p95: 300 } }
models:
  m:
    id: claude-sonnet-4-5
    latency: { ttft: { dist: lognormal, median: 500ms, p95: 1.2s }, outputRate: 200/s }
    limits: { rpm: ${RPM} }
limiter: { margin: ${MARGIN} }
workers: { count: 10, concurrency: 10 }
queue: { depth: 10M, timeout: 1d }
cache: false
`;

/** Scheduler events of the last run (kernel events, not turns). */
let lastEvents = 0;

function run(workers: number): Report {
  const parsed = parseScenario(YAML, 'provider-limit.yaml', { overrides: [`workers.count=${workers}`] });
  if (!parsed.scenario) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  const result = simulate(parsed.scenario);
  lastEvents = result.events;
  return buildReport(result, new Pricing(parsed.scenario));
}

const windowS = (r: Report) => (r.scenario.durationMs - r.scenario.warmupMs) / 1000;
const callsPerS = (r: Report) => r.throughput.callsPerS;

describe('a provider-limit-bound scenario', () => {
  let base: Report;
  let baseEvents = 0;
  let doubled: Report;
  beforeAll(() => {
    base = run(10);
    baseEvents = lastEvents;
    doubled = run(20);
  }, 60_000);

  it('is offered well above the limit and loses nobody: turns wait in our limiter instead of failing', () => {
    expect(base.turns.arrived / windowS(base)).toBeGreaterThan(2 * ADMITTED_PER_S);
    const t = base.turns;
    expect(t.completed, JSON.stringify(t)).toBe(t.arrived);
    expect(base.population.sessionsCompleted).toBe(base.population.sessionsStarted);
    expect(base.events.limiterWaits['m:rpm'] ?? 0).toBeGreaterThan(0);
    // Each held-back call waits once, in the limiter's line (core/limiter/line.ts).
    expect(base.events.limiterWaits['m:rpm']!).toBeLessThanOrEqual(base.turns.arrived);
    expect(base.latency.limiterWait.mean).toBeGreaterThan(1000);
    // The margin keeps us under the provider's own limit: it never answers 429.
    expect(base.events.providerFailures['429'] ?? 0).toBe(0);
  });

  it('wakes each waiting call once: a handful of scheduler events per turn, not one per waiter per refill', () => {
    // Arrival, limiter wait, provider call, the per-second samples: ~4 per turn. When every waiter woke at
    // each refill and all but one went back to sleep (a thundering herd), this run took ~85 per turn.
    const perTurn = baseEvents / base.turns.arrived;
    console.log(`provider-limit: ${perTurn.toFixed(2)} scheduler events per arrived turn`);
    expect(perTurn).toBeLessThan(5);
  });

  it('serves the calls held back first come, first served', () => {
    // FIFO through the limiter: every call waits about as long as the line was when it arrived, so the
    // spread of limiter waits is narrow next to their median (9.9 s here). When waiters all retried at
    // each refill, newcomers took most refills: p50 0.1 s and a max of 21 minutes on this scenario.
    const w = base.latency.limiterWait;
    expect(w.max - w.p50).toBeLessThan(w.p50);
  });

  it('runs at limit × margin / 60 = 9 calls/s within 1 %', () => {
    console.log(`provider-limit: ${callsPerS(base).toFixed(4)} calls/s with 10 workers, ${callsPerS(doubled).toFixed(4)} with 20; admitted ${ADMITTED_PER_S}/s`);
    expect(Math.abs(callsPerS(base) / ADMITTED_PER_S - 1)).toBeLessThan(0.01);
    const rpm = base.limits.byModel.m!.rpm!;
    expect(rpm.admitted).toBe(RPM * MARGIN);
    expect(Math.abs(rpm.meanPerMinute / 60 / ADMITTED_PER_S - 1)).toBeLessThan(0.01);
    expect(rpm.peakPerMinute).toBeLessThanOrEqual(RPM * MARGIN * 1.01);
    expect(base.limits.binding).toMatchObject({ model: 'm', limit: 'rpm', binds: true });
  });

  it('does not go faster with twice the workers', () => {
    expect(doubled.capacity.slots).toBe(2 * base.capacity.slots);
    expect(callsPerS(doubled)).toBeLessThanOrEqual(callsPerS(base) * 1.01);
    expect(Math.abs(callsPerS(doubled) / ADMITTED_PER_S - 1)).toBeLessThan(0.01);
  });
});
