/**
 * Workers needed must not depend on the configured worker count when that count is too small. With too
 * few workers the sampled slot demand is bounded by them: pooled, the queue backlog (≈ arrival rate ×
 * queue timeout) read as demand (3 workers on 4× the support agent's traffic said 31 needed, a run with
 * ample workers 9); per session, users refused a slot give up and drop out of the demand (3 workers
 * said 6, ample workers 19). A saturated run now rests workers needed on the offered load
 * (sim/offered-load.ts). Tolerance: ±1 worker of what a run with ample workers reports (its own p99 of
 * per-second samples varies by about that much from seed to seed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { Pricing } from '../../../src/core/pricing.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { poissonMixtureQuantile } from '../../../src/sim/offered-load.js';
import { simulate } from '../../../src/sim/simulate.js';

async function run(overrides: string[]): Promise<Report> {
  const s = await loadScenario('scenarios/support-agent.yaml', { overrides });
  return buildReport(simulate(s), new Pricing(s));
}

describe('workers needed when the configured workers are too few', () => {
  const runs: Record<string, Report> = {};
  beforeAll(async () => {
    const traffic = 'users.dailyActive=20000';
    runs.pooledFew = await run([traffic, 'workers.count=3']);
    runs.pooledAmple = await run([traffic, 'workers.count=31']);
    runs.sessionFew = await run(['workers.mode=perSession', 'workers.count=3']);
    runs.sessionAmple = await run(['workers.mode=perSession', 'workers.count=40']);
  }, 60_000);

  it.each([
    ['pooled', 'pooledFew', 'pooledAmple'],
    ['per session', 'sessionFew', 'sessionAmple'],
  ])('%s: is within ±1 worker of what a run with ample workers reports', (_mode, few, ample) => {
    const f = runs[few]!;
    const a = runs[ample]!;
    // The ample run answers from its own samples; the short one was saturated and says so.
    expect(a.capacity.workersNeededBasis).toBe('sampled');
    expect(a.turns.rejected + a.turns.deadLettered).toBe(0);
    expect(a.capacity.workersNeeded).toBeLessThan(a.scenario.workers.count);
    expect(f.capacity.workersNeededBasis).toBe('offeredLoad');
    expect(Math.abs(f.capacity.workersNeeded - a.capacity.workersNeeded), `${f.capacity.workersNeeded} vs ${a.capacity.workersNeeded} with ample workers`).toBeLessThanOrEqual(1);
    expect(f.capacity.workersRecommended).toBe(Math.ceil(f.capacity.workersNeeded * f.capacity.headroom));
  });

  it('says the workers were saturated, the estimate is from offered load, and how to confirm it', () => {
    const r = runs.pooledFew!;
    expect(r.answer).toContain('the 3 configured workers are saturated');
    expect(r.answer).toContain('estimated from the offered load');
    expect(r.answer).toContain(`rerun with --set workers.count=${r.capacity.workersNeeded} to confirm`);
  });

  it('prices a conversation as if served in full, and says the saturated run cut conversations short', () => {
    // The cut-short conversations (66 %) are left out and the completed ones weighted to the planned
    // lengths: $0.0228 as with ample workers, where averaging everyone in read $0.0105.
    const f = runs.pooledFew!;
    const a = runs.pooledAmple!;
    expect(f.cost.cutShort.conversations).toBeGreaterThan(0.5 * f.population.sessionsCompleted);
    expect(Math.abs(f.cost.perConversationUsd.mean / a.cost.perConversationUsd.mean - 1)).toBeLessThan(0.02);
    expect(f.answer).toMatch(/ per conversation served in full \(66 % of conversations were cut short by a turn not answered, /);
    expect(a.answer).not.toContain('cut short');
  });
});

describe('workers needed when the workers suffice', () => {
  it('is the p99 of the sampled slot demand, as before', async () => {
    const r = await run([]);
    expect(r.capacity.workersNeededBasis).toBe('sampled');
    expect(r.capacity.workersNeeded).toBe(Math.max(1, Math.ceil(r.capacity.slotDemand.p99 / r.scenario.workers.concurrency)));
    expect(r.capacity.workersNeeded).toBe(3);
    expect(r.answer).toContain('you need 3 workers (6 with 2× headroom; 3 configured)');
    expect(r.answer).not.toContain('saturated');
  }, 20_000);
});

describe('poissonMixtureQuantile', () => {
  it('is the Poisson quantile for one mean', () => {
    // P(X ≤ 83) ≈ 0.9906 and P(X ≤ 82) ≈ 0.9878 for X ~ Poisson(64); Poisson(2): P(X ≤ 5) ≈ 0.9834, P(X ≤ 6) ≈ 0.9955.
    expect(poissonMixtureQuantile([64], 0.99)).toBe(83);
    expect(poissonMixtureQuantile([2, 2, 2], 0.99)).toBe(6);
    expect(poissonMixtureQuantile([0], 0.99)).toBe(0);
  });

  it('over a mixture lies between the quantiles of its parts', () => {
    const q = poissonMixtureQuantile([...Array(9).fill(50), 150], 0.99);
    expect(q).toBeGreaterThan(poissonMixtureQuantile([50], 0.99));
    expect(q).toBeLessThanOrEqual(poissonMixtureQuantile([150], 0.99));
  });
});

describe('workers needed when the queue only grows and nobody is refused', () => {
  // 10,000 daily users offer about 32 slots of work to the support agent's 3 workers × 10 slots; a queue
  // that never times out refuses nobody, so the run was read as unsaturated and its growing backlog as
  // demand: 35 / 65 / 122 workers needed over 30m / 1h / 2h. A run with 5 workers answers 5 (p99 46).
  const traffic = ['users.dailyActive=10000', 'queue.timeout=1d', 'queue.depth=10M'];
  it.each(['30m', '1h'])('is 5 over %s: saturated, since the offered demand is at least the slots configured', async (duration) => {
    const r = await run([...traffic, `duration=${duration}`]);
    expect(r.turns.rejected + r.turns.deadLettered).toBe(0);
    expect(r.capacity.offeredSlotDemand!.mean).toBeGreaterThanOrEqual(r.capacity.slots);
    expect(r.capacity.workersNeededBasis).toBe('offeredLoad');
    expect(r.capacity.workersNeeded).toBe(5);
    expect(r.answer).toContain(`the 3 configured workers are saturated (the offered load needs ${r.capacity.offeredSlotDemand!.mean.toFixed(1)} slots on average, at least the 30 configured: the queue can only grow)`);
  }, 20_000);
});

describe('the recommendation within planning.minWorkers and planning.maxWorkers', () => {
  it('caps the recommendation at maxWorkers and says that the workers needed exceed it', async () => {
    const r = await run(['planning.maxWorkers=2']); // the support agent needs 3 (6 with 2× headroom)
    expect(r.capacity.workersNeeded).toBe(3);
    expect(r.capacity.workersRecommended).toBe(2);
    expect(r.answer).toContain('(2 with 2× headroom, capped at planning.maxWorkers; 3 configured)');
    expect(r.answer).toContain('Workers needed (3) exceed planning.maxWorkers (2)');
  });

  it('caps the headroom alone at maxWorkers without saying the load does not fit', async () => {
    const r = await run(['planning.maxWorkers=4']);
    expect(r.capacity.workersRecommended).toBe(4);
    expect(r.answer).toContain('(4 with 2× headroom, capped at planning.maxWorkers; 3 configured)');
    expect(r.answer).not.toContain('exceed planning.maxWorkers');
  });

  it('raises the recommendation to minWorkers and says so', async () => {
    const r = await run(['planning.minWorkers=10']);
    expect(r.capacity.workersRecommended).toBe(10);
    expect(r.answer).toContain('(10 with 2× headroom, raised to planning.minWorkers; 3 configured)');
  });

  it('leaves it alone within the bounds (the defaults: 1 and 1,000)', async () => {
    const r = await run([]);
    expect(r.capacity.workersRecommended).toBe(6);
    expect(r.answer).toContain('(6 with 2× headroom; 3 configured)');
  });
});
