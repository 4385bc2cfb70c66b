/**
 * Oracles (b) and (d), on every report of a set of scenarios that exercise different paths: pooled
 * and per-session workers, light load and saturation with queueing, cache hits, an overloaded system
 * with a small queue and a short timeout (rejections and dead letters), and a provider fault episode
 * (retries, breaker, failures).
 *
 * (b) Little's law: the report's L (time-average of turns in the system, sampled every second) equals
 *     λW (arrivals of the window per second × their mean sojourn) within 1 %. L and W are measured
 *     independently (recorder.ts), so a turn lost or double-counted, or a sojourn measured from the
 *     wrong instant, breaks it. Only for stationary runs: in an overloaded system whose backlog grows
 *     without bound (provider-limit.test.ts) L over the window and W of the window's arrivals differ.
 * (d) Conservation: after the drain every turn that arrived in the window has exactly one outcome,
 *     the per-reason counts add up to the turns that did not complete, and every session that started
 *     in the window ended.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Pricing } from '../../../src/core/pricing.js';
import type { Report } from '../../../src/core/metrics/report.js';
import { loadScenario, parseScenario } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { littleDeviation } from '../../../src/sim/oracles.js';
import { simulate } from '../../../src/sim/simulate.js';

/** ~100 concurrent conversations of ~4 turns, agent loops of 1–3 calls with tool time, 30 slots at ~88 % busy. */
const BASE = `
name: invariants
seed: 5
duration: 30m
warmup: 3m
users: { dailyActive: 4000, concurrencyRatio: 2.5% }
conversation:
  turns: { dist: poisson, mean: 4 }
  thinkTime: { dist: exponential, mean: 20s }
  callsPerTurn: { dist: uniform, min: 1, max: 3 }
  toolLatency: { dist: exponential, mean: 300ms }
  tokens: { systemPrompt: 1k, output: { dist: lognormal, median: 150, p95: 500 } }
models:
  m: { id: claude-sonnet-4-5, latency: { ttft: { dist: lognormal, median: 500ms, p95: 1.2s }, outputRate: 100/s } }
workers: { count: 3, concurrency: 10 }
cache: false
`;

interface Case {
  name: string;
  overrides: string[];
  /** What the scenario must show for the case to test what it claims. */
  expectShape: (r: Report) => void;
}

const CASES: Case[] = [
  { name: 'pooled, light load', overrides: ['workers.count=6'], expectShape: (r) => expect(r.capacity.utilisation).toBeLessThan(0.5) },
  {
    name: 'pooled, saturated with queueing',
    overrides: [],
    expectShape: (r) => {
      expect(r.capacity.utilisation).toBeGreaterThan(0.85);
      expect(r.latency.queueWait.mean).toBeGreaterThan(100);
    },
  },
  { name: 'per-session slots', overrides: ['workers.mode=perSession', 'workers.count=10'], expectShape: (r) => expect(r.latency.queueWait.mean).toBeGreaterThan(10) },
  {
    name: 'cache hits',
    overrides: ['cache={ttl: 1h}', 'prompts.repeatShare=0.5', 'prompts.distinct=50', 'workers.count=4'],
    expectShape: (r) => expect(r.turns.cacheHits).toBeGreaterThan(500),
  },
  {
    name: 'overloaded: small queue, short timeout',
    overrides: ['workers.count=2', 'queue.depth=20', 'queue.timeout=4s'],
    expectShape: (r) => {
      expect(r.turns.rejected).toBeGreaterThan(50);
      expect(r.turns.deadLettered).toBeGreaterThan(50);
    },
  },
  {
    name: 'provider faults: 40 % 529s for 10 minutes, one retry, breaker on',
    overrides: ['workers.count=5', 'faults=[{at: 8m, for: 10m, errorRate: 0.4, status: 529}]', 'retry.maxAttempts=2'],
    expectShape: (r) => {
      expect(r.turns.failed).toBeGreaterThan(100);
      expect(r.events.retries).toBeGreaterThan(100);
      expect(r.events.breakerRejections).toBeGreaterThan(0);
    },
  },
];

function run(c: Case): Report {
  const parsed = parseScenario(BASE, `${c.name}.yaml`, { overrides: c.overrides });
  if (!parsed.scenario) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  return buildReport(simulate(parsed.scenario), new Pricing(parsed.scenario));
}

describe.each(CASES)('$name', (c) => {
  let report: Report;
  beforeAll(() => {
    report = run(c);
  }, 60_000);

  it('exercises what it claims', () => {
    expect(report.turns.arrived).toBeGreaterThan(5000);
    c.expectShape(report);
  });

  it("obeys Little's law: L = λW within 1 %", () => {
    const l = report.littlesLaw;
    expect(l.L).toBeGreaterThan(1);
    expect(l.lambdaPerS).toBeCloseTo(report.turns.arrived / ((report.scenario.durationMs - report.scenario.warmupMs) / 1000), 9);
    // The report's figure is the oracle's, computed from its own L, λ and W.
    expect(l.relativeError).toBeCloseTo(littleDeviation(l.L, l.lambdaPerS, l.WMs / 1000), 12);
    expect(l.relativeError, JSON.stringify(l)).toBeLessThan(0.01);
  });

  it('conserves turns and sessions', () => {
    expectConservation(report);
  });

  it('counts calls, cache lookups and cost of the same turns, and each latency stage over the turns that had it', () => {
    expectConsistentCounts(report);
  });
});

/**
 * Figures of one report that count the same things must agree: they are all of the window's turns.
 * (Answered calls were once counted by call start and attempts by turn arrival; the cache's hits over
 * the whole run; cache hits were recorded as zero-length provider calls and queue waits.)
 */
function expectConsistentCounts(r: Report): void {
  const e = r.events;
  const failedAttempts = Object.values(e.providerFailures).reduce((a, b) => a + b, 0);
  expect(e.providerCalls, JSON.stringify(e)).toBe(e.attempts - failedAttempts);
  expect(Object.values(r.cost.byModel).reduce((a, m) => a + m.requests, 0)).toBe(e.providerCalls);
  expect(r.cache.hits).toBe(r.turns.cacheHits);
  expect(r.cache.hitRate).toBeCloseTo(r.cache.hits + r.cache.misses === 0 ? 0 : r.cache.hits / (r.cache.hits + r.cache.misses), 12);
  const t = r.turns;
  const l = r.latency;
  expect(l.turn.count).toBe(t.completed + t.cacheHits);
  expect(l.provider.count).toBe(t.completed);
  expect(l.limiterWait.count).toBe(t.completed);
  if (r.scenario.workers.mode === 'perSession') {
    // Only a conversation's first turn asks for the slot it then keeps: at most one queue wait per session.
    expect(l.queueWait.count).toBeGreaterThan(0);
    expect(l.queueWait.count).toBeLessThanOrEqual(r.population.sessionsStarted);
    expect(l.queueWait.count).toBeLessThan(t.completed + t.cacheHits);
  } else expect(l.queueWait.count).toBe(t.completed);
  expect(l.tool.count).toBeLessThanOrEqual(t.completed);
  expect(l.retryWait.count).toBeLessThanOrEqual(t.completed);
  for (const [name, m] of Object.entries(r.cost.byModel)) {
    const classes = Object.values(m.byClass).reduce((a, b) => a + b, 0);
    // Each call's cost is rounded once to a nano-dollar: the classes may differ by half a nano-dollar a call.
    expect(Math.abs(classes - m.usd), name).toBeLessThanOrEqual(m.requests * 0.5e-9 + 1e-9);
  }
}

describe('window figures do not depend on the chart step', () => {
  // 7 minutes divides neither the 3-minute warm-up nor the 30-minute run: its edge steps straddle
  // warm-up and drain. Throughput and limit use must still be those of exactly [warmup, duration).
  const limits = 'models.m.limits={rpm: 20k, itpm: 50M, otpm: 5M}';
  let byMinute: Report;
  let by7m: Report;
  beforeAll(() => {
    byMinute = run({ name: 'step 1m', overrides: [limits], expectShape: () => {} });
    by7m = run({ name: 'step 7m', overrides: [limits, 'report.step=7m'], expectShape: () => {} });
  }, 60_000);

  it('has the same throughput and limit use with a 7-minute step as with the default', () => {
    expect(by7m.series.stepMs).toBe(7 * 60_000);
    expect(by7m.throughput).toEqual(byMinute.throughput);
    expect(by7m.limits).toEqual(byMinute.limits);
    // Served ≈ offered in this stationary run (it was 5 % low with the 7-minute step).
    expect(by7m.throughput.turnsPerS / by7m.littlesLaw.lambdaPerS).toBeCloseTo(1, 2);
  });
});

describe('cost by token class with long-context pricing (scenarios/research-agent.yaml)', () => {
  it('adds up to each model’s cost, long-context calls included', async () => {
    const s = await loadScenario('scenarios/research-agent.yaml');
    const pricing = new Pricing(s);
    const r = buildReport(simulate(s), pricing);
    let longContext = 0;
    for (const [name, m] of Object.entries(r.cost.byModel)) {
      const classes = Object.values(m.byClass).reduce((a, b) => a + b, 0);
      expect(Math.abs(classes - m.usd), `${name}: classes ${classes} vs ${m.usd}`).toBeLessThanOrEqual(m.requests * 0.5e-9 + 1e-9);
      // At the standard rate card the usage would cost less: some calls were billed at long-context rates.
      const card = pricing.card(name);
      const standard = (m.inputTokens * card.input + m.outputTokens * card.output + m.cacheWrite5mTokens * card.cacheWrite5m + m.cacheWrite1hTokens * card.cacheWrite1h + m.cacheReadTokens * card.cacheRead) / 1e12;
      if (m.usd > standard * 1.001) longContext++;
    }
    expect(longContext, 'a model billed partly at long-context rates').toBeGreaterThan(0);
  }, 60_000);
});

describe('cache figures of the window', () => {
  // A long warm-up with many repeats: the cache's own run-long stats would count the warm-up's hits.
  let r: Report;
  beforeAll(() => {
    r = run({ name: 'cache, long warm-up', overrides: ['cache={ttl: 1h}', 'conversation.turns=1', 'prompts.repeatShare=0.8', 'prompts.distinct=50', 'warmup=15m', 'workers.count=4'], expectShape: () => {} });
  }, 60_000);

  it('counts hits and misses of the turns that arrived in the window', () => {
    expect(r.turns.cacheHits).toBeGreaterThan(1000);
    expect(r.cache.hits).toBe(r.turns.cacheHits);
    expectConsistentCounts(r);
  });

  it('keeps cache hits out of the provider and queue-wait percentiles', () => {
    // Most turns are cache hits here; recorded as 0 ms provider calls they would make the medians 0.
    expect(r.turns.cacheHits).toBeGreaterThan(r.turns.completed);
    expect(r.latency.provider.p50).toBeGreaterThan(100);
    expect(r.latency.turn.p50).toBeLessThan(r.latency.provider.p50);
  });
});

/** Every turn of the window has one outcome; reasons add up; every session ended. */
function expectConservation(r: Report): void {
  const t = r.turns;
  const notCompleted = t.rejected + t.deadLettered + t.failed;
  expect(t.completed + t.cacheHits + notCompleted, JSON.stringify(t)).toBe(t.arrived);
  const reasons = Object.values(t.byReason).reduce((a, b) => a + b, 0);
  expect(reasons, JSON.stringify(t.byReason)).toBe(notCompleted);
  // Reasons name their outcome: queue-full / unknown-class reject, deadline dead-letters, the rest fail.
  const by = (k: string) => t.byReason[k] ?? 0;
  expect(by('queue-full') + by('unknown-class')).toBe(t.rejected);
  expect(by('deadline')).toBe(t.deadLettered);
  // Every window turn that was answered went into the latency histograms, and only those.
  expect(r.latency.turn.count).toBe(t.completed + t.cacheHits);
  expect(r.population.sessionsCompleted).toBe(r.population.sessionsStarted);
  expect(r.population.sessionsStarted).toBeGreaterThan(0);
}
