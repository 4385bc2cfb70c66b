/**
 * `sim plan` on real simulations of the bundled support agent (15 simulated minutes, a fraction of a
 * second per run): the answer is the fewest workers that pass — the count below was simulated and
 * failed — each count is exactly `sim run` at that count with the same seed, and the cases without an
 * answer say so: no SLOs (the report's own estimate), and a provider limit no worker count helps.
 */
import { describe, expect, it } from 'vitest';
import { recommendedWorkers } from '../../../src/core/metrics/derive.js';
import { Pricing } from '../../../src/core/pricing.js';
import { HeadroomError } from '../../../src/errors.js';
import { renderPlan } from '../../../src/report/plan.js';
import { WIDTH } from '../../../src/report/terminal.js';
import { loadScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { planBounds, planWorkers } from '../../../src/sim/plan.js';
import { planAnswer } from '../../../src/sim/plan-answer.js';
import { PlanSchema } from '../../../src/sim/plan-schema.js';
import { simulate } from '../../../src/sim/simulate.js';

const SUPPORT = 'scenarios/support-agent.yaml';
const load = (overrides: string[] = [], file = SUPPORT) => loadScenario(file, { overrides: ['duration=15m', ...overrides] });
const plan = (s: Scenario, flags: { minWorkers?: number; maxWorkers?: number } = {}) => planWorkers({ scenario: s, file: SUPPORT, overrides: [], bounds: planBounds(s, flags) });

/** A report without the fields that measure this machine rather than the simulation. */
const timeless = (r: unknown) => JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'wallMs' || k === 'eventsPerSecond' ? undefined : v))) as unknown;

describe('planBounds', () => {
  it('searches from planning.minWorkers up to 2 slots per conversation at the peak', async () => {
    const b = planBounds(await load(), {});
    expect(b).toEqual({ min: 1, max: 30, maxFrom: 'conversations', peakConversations: 150 }); // 150 × 2 / 10 per worker
  });

  it("counts the arrival profile's peak: a ×3 spike triples the conversations", async () => {
    const b = planBounds(await loadScenario('scenarios/research-agent.yaml'), {});
    expect(b.peakConversations).toBeCloseTo(120); // 40 concurrent × 3
    expect(b.max).toBe(30); // 120 × 2 / 8 per worker
  });

  it('stays within planning.maxWorkers, and a flag wins over either default', async () => {
    expect(planBounds(await load(['planning.maxWorkers=10']), {})).toMatchObject({ max: 10, maxFrom: 'planning.maxWorkers' });
    expect(planBounds(await load(), { maxWorkers: 100 })).toMatchObject({ min: 1, max: 100, maxFrom: 'flag' });
    expect(planBounds(await load(['planning.minWorkers=2']), {})).toMatchObject({ min: 2 });
    expect(planBounds(await load(), { minWorkers: 40 })).toMatchObject({ min: 40, max: 40 });
  });

  it.each([
    [{ minWorkers: 5, maxWorkers: 3 }, [], '--max-workers 3 is below --min-workers 5'],
    [{ maxWorkers: 2 }, ['planning.minWorkers=3'], '--max-workers 2 is below planning.minWorkers (3)'],
  ])('refuses %o as bad input naming the flags', async (flags, overrides, message) => {
    const s = await load(overrides);
    let e: unknown;
    try {
      planBounds(s, flags);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(HeadroomError);
    expect((e as HeadroomError).exitCode).toBe(2);
    expect((e as HeadroomError).message).toContain(message);
  });
});

describe('planWorkers on the support agent', async () => {
  const s = await load();
  const p = plan(s);
  const d = p.document;
  const n = d.result.workers!;

  it('answers the fewest workers that meet every SLO: that count passed, the one below failed', () => {
    expect(d.result.status).toBe('pass');
    expect(n).toBeGreaterThan(1);
    expect(p.reports.get(n)!.slo.pass).toBe(true);
    expect(p.reports.get(n - 1)!.slo.pass).toBe(false);
    expect(d.result.largestFailing).toBe(n - 1);
    expect(d.answer).toMatch(new RegExp(`^${n} workers meet every SLO \\(turn latency p95 [\\d.]+m?s ≤ 8s, error rate [\\d.]+% ≤ 1\\.0%\\); ${n - 1} fails? \\(`));
    expect(d.answer).toMatch(/At \d+ workers: \$[\d,]+\/day, \$[\d.]+ per conversation\./);
  });

  it('plays every count with the same seed: each is exactly `sim run` at that count', () => {
    expect(d.trials.length).toBe(d.search.simulations);
    for (const t of d.trials) {
      const alone = { ...s, workers: { ...s.workers, count: t.workers } };
      expect(timeless(p.reports.get(t.workers)), `${t.workers} workers`).toEqual(timeless(buildReport(simulate(alone, { seed: s.seed }), new Pricing(alone))));
    }
    expect(timeless(d.report)).toEqual(timeless(p.reports.get(n)));
  });

  it('checks the count to deploy with headroom, and runs few simulations', () => {
    const r = recommendedWorkers(n, s.planning);
    expect(d.result.recommended).toEqual({ workers: r, pass: true });
    expect(d.trials.find((t) => t.workers === r)?.pass).toBe(true);
    expect(d.answer).toContain(`With planning.headroom 2× plan for ${r} (simulated: meets every SLO).`);
    expect(d.search.simulations).toBeLessThanOrEqual(5);
    expect(d.search.order[0]).toBe(s.workers.count);
    expect(d.search.monotone).toBe(true);
  });

  it('is a valid plan document, trials in order of workers', () => {
    const json = JSON.parse(JSON.stringify(d)) as unknown;
    const parsed = PlanSchema.safeParse(json);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
    expect(d.trials.map((t) => t.workers)).toEqual([...d.trials.map((t) => t.workers)].sort((a, b) => a - b));
  });

  it('renders within the terminal width, the answer first and the search explained', () => {
    const text = renderPlan(d);
    expect(text.split('\n')[0]).toMatch(new RegExp(`^${n} workers meet every SLO`));
    for (const l of text.split('\n')) expect(l.length, l).toBeLessThanOrEqual(WIDTH);
    expect(text).not.toContain('\x1b[');
    expect(text).toContain(`${d.search.simulations} simulations in`);
    expect(text).toContain(`seed ${s.seed} at every count`);
    expect(text).toContain('◀ answer');
  });

  it('says when results were not monotone', () => {
    const answer = planAnswer(s, { ...d, search: { ...d.search, monotone: false, violations: [{ passed: n, failed: n + 1 }] } }, p.reports);
    expect(answer).toContain(`SLO results were not monotone in workers (${n} passed but ${n + 1} failed)`);
  });
});

describe('planWorkers without an answer to search for', () => {
  it('no SLOs: the report’s own estimate, from one or two runs', async () => {
    const s = await load(['slo={}']);
    const d = plan(s).document;
    expect(d.result.status).toBe('no-slo');
    expect(d.result.workers).toBe(d.report.capacity.workersNeeded);
    expect(d.search.simulations).toBeLessThanOrEqual(2);
    expect(d.answer).toMatch(/^support-agent has no SLOs, so there is no target to search for: its report estimates \d+ workers? from the p99 slot demand/);
    expect(d.answer).toContain('--set slo.turnLatencyP95=8s');
  });

  it('a provider limit no worker count helps: none passes, the largest count is searched, the limit is named', async () => {
    // 60 requests/min where the agent makes ~300: the limit caps throughput whatever the workers.
    const s = await load(['models.sonnet.limits.rpm=60']);
    const d = plan(s).document;
    expect(d.result.status).toBe('fail');
    expect(d.result.workers).toBeNull();
    expect(d.result.largestFailing).toBe(30);
    expect(d.trials.every((t) => !t.pass)).toBe(true);
    expect(d.search.simulations).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(30)) + 1);
    expect(d.result.diagnosis).toBe('providerLimit');
    expect(d.answer).toMatch(/^No worker count from 1 to 30 meets every SLO: at 30 workers, turn latency p95 .* > 8s, error rate .* > 1\.0%\./);
    expect(d.answer).toContain('The sonnet RPM limit caps throughput there');
    expect(d.answer).toContain('raise the limit');
    expect(d.report.scenario.workers.count).toBe(30);
  });

  it('a target no worker count can reach (cost per day): once nothing waits for a worker, straight to the largest count; the answer says why', async () => {
    const d = plan(await load(['slo.maxCostPerDay=$100'])).document;
    expect(d.result.status).toBe('fail');
    expect(d.result.diagnosis).toBe('notWorkers');
    // At 3 workers a few turns still waited for a slot; at 4 none did, so 30 plays the same run.
    expect(d.search.order).toEqual([3, 4, 30]);
    expect(d.answer).toMatch(/^No worker count from 1 to 30 meets every SLO: at 30 workers, cost per day \$[\d,]+ > \$100\. No turn waited for a worker at 30, so more workers cannot help/);
  });

  it('a limit that binds in bursts while no turn waits for a worker: more workers cannot help, the limit is named', async () => {
    // 320 requests/min admits 288 where the agent averages about 310: calls wait in our
    // limiter, not for a worker, and the first token comes late whatever the workers.
    const d = plan(await load(['models.sonnet.limits.rpm=320', 'slo.ttftP95=1s'])).document;
    expect(d.result.status).toBe('fail');
    expect(d.result.diagnosis).toBe('limitBinds');
    expect(d.answer).toMatch(/No turn waited for a worker at 30, but the sonnet RPM limit binds \(our limiter held back [\d,]+ calls\): more workers cannot help — raise the limit or smooth the load\./);
  });

  it('a bound too low to reach the answer: turns still queue at the largest count, and the answer says to raise it', async () => {
    const d = plan(await load(), { maxWorkers: 1 }).document;
    expect(d.result.status).toBe('fail');
    expect(d.result.diagnosis).toBe('stillQueued');
    expect(d.answer).toContain('Turns still waited for a worker at 1');
    expect(d.answer).toContain('raise --max-workers');
  });
});
