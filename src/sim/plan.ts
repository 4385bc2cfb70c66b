/**
 * `sim plan`: the fewest workers for which every SLO of the scenario passes, found by simulation. Each
 * count is a full `simulate()` + `buildReport()` of the scenario with only `workers.count` changed and
 * the same seed, so the counts play the same sessions (common random numbers) and differ only in
 * workers; which counts to simulate is `searchWorkers`' business (plan-search.ts).
 */
import type { Report } from '../core/metrics/report.js';
import { errorRate, recommendedWorkers } from '../core/metrics/derive.js';
import { Pricing } from '../core/pricing.js';
import { ErrorCode, HeadroomError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import { planArrivals } from '../workload/arrivals.js';
import { slotRefusals } from './answer.js';
import { buildReport } from './build-report.js';
import { planAnswer } from './plan-answer.js';
import { PLAN_SCHEMA_VERSION, type PlanDocument, type PlanTrial } from './plan-schema.js';
import { searchWorkers, type SearchResult } from './plan-search.js';
import { simulate } from './simulate.js';

/** Slots per concurrent conversation at the arrival profile's peak that the default --max-workers allows. */
export const SLOTS_PER_CONVERSATION = 2;

export interface PlanBounds {
  min: number;
  max: number;
  maxFrom: PlanDocument['search']['maxWorkersFrom'];
  /** Concurrent conversations at the peak of the arrival profile (what the default max derives from). */
  peakConversations: number;
}

/**
 * The counts searched. A conversation runs one turn at a time, so it never wants more than one slot:
 * past one slot per conversation in progress, no turn waits for a worker and more workers change
 * nothing. The default ceiling gives each conversation of the profile's peak two (sessions lengthen
 * under load, and Poisson arrivals overshoot the mean), within planning.maxWorkers, the deployment's
 * bound; the floor is planning.minWorkers. A flag wins over its default; both flags given the wrong way
 * round, or one against the other's default, is bad input naming them.
 */
export function planBounds(s: Scenario, flags: { minWorkers?: number; maxWorkers?: number }): PlanBounds {
  const a = planArrivals(s);
  const peakConversations = a.targetConcurrency * a.maxMultiplier;
  const fromConversations = Math.max(1, Math.ceil((SLOTS_PER_CONVERSATION * peakConversations) / s.workers.concurrency));
  const min = flags.minWorkers ?? s.planning.minWorkers;
  if (flags.maxWorkers !== undefined) {
    if (flags.maxWorkers < min) {
      const from = flags.minWorkers !== undefined ? `--min-workers ${min}` : `planning.minWorkers (${min}), the fewest searched by default`;
      throw new HeadroomError(ErrorCode.badArgument, `--max-workers ${flags.maxWorkers} is below ${from}`, { hint: flags.minWorkers !== undefined ? 'give --min-workers ≤ --max-workers' : `give --min-workers too, at most ${flags.maxWorkers}` });
    }
    return { min, max: flags.maxWorkers, maxFrom: 'flag', peakConversations };
  }
  const planned = s.planning.maxWorkers < fromConversations;
  return { min, max: Math.max(min, planned ? s.planning.maxWorkers : fromConversations), maxFrom: planned ? 'planning.maxWorkers' : 'conversations', peakConversations };
}

export interface PlanInput {
  scenario: Scenario;
  /** The scenario file and the overrides applied to it, for the document. */
  file: string;
  overrides: string[];
  seed?: number;
  bounds: PlanBounds;
  /** Called as each simulation starts; what it returns is told the share done, then stopped (a progress bar). */
  progress?: (workers: number, index: number) => { update(done: number): void; stop(): void } | undefined;
}

export interface Plan {
  document: PlanDocument;
  /** Every report simulated, by worker count. */
  reports: ReadonlyMap<number, Report>;
}

/** Plans `input.scenario`: searches when it has SLOs, else reports the first run's own estimate. */
export function planWorkers(input: PlanInput): Plan {
  const s = input.scenario;
  const seed = input.seed ?? s.seed;
  const pricing = new Pricing(s);
  const reports = new Map<number, Report>();
  const trials: PlanTrial[] = [];
  let wallMs = 0;
  const simulateAt = (workers: number): Report => {
    const bar = input.progress?.(workers, trials.length + 1);
    const result = simulate({ ...s, workers: { ...s.workers, count: workers } }, { seed, ...(bar ? { onProgress: (d: number) => bar.update(d) } : {}) });
    bar?.stop();
    const report = buildReport(result, pricing);
    wallMs += result.wallMs;
    reports.set(workers, report);
    trials.push(trialOf(report, trials.length + 1));
    return report;
  };
  const { min, max } = input.bounds;
  const hasSlo = Object.values(s.slo).some((v) => v !== undefined);
  const search = hasSlo
    ? searchWorkers(
        (n) => {
          const r = simulateAt(n);
          return { pass: r.slo.pass, workersNeeded: r.capacity.workersNeeded, waited: slotRefusals(r.turns) > 0 || r.latency.queueWait.max > 0 };
        },
        { min, max, start: s.workers.count, recommend: (n) => recommendedWorkers(n, s.planning) },
      )
    : estimateOnly(simulateAt, s.workers.count, min, max);

  const status = !hasSlo ? 'no-slo' : search.workers !== undefined ? 'pass' : 'fail';
  const largest = Math.max(...search.order);
  const answerWorkers = status === 'no-slo' ? reports.get(search.order.at(-1)!)!.capacity.workersNeeded : search.workers;
  // The report a reader wants in full: at the answer, else at the largest count (what still fails there).
  const reportAt = status === 'pass' ? search.workers! : status === 'fail' ? largest : search.order.at(-1)!;
  const report = reports.get(reportAt)!;
  const recommended = answerWorkers === undefined ? undefined : recommendedWorkers(answerWorkers, s.planning);
  const recommendedPass = status === 'no-slo' || recommended === undefined || recommended === answerWorkers ? null : (reports.get(recommended)?.slo.pass ?? null);

  const document: Omit<PlanDocument, 'answer'> = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    kind: 'plan',
    scenario: { file: input.file, overrides: input.overrides, name: s.name, seed, configuredWorkers: s.workers.count, concurrency: s.workers.concurrency, headroom: s.planning.headroom },
    search: {
      minWorkers: min,
      maxWorkers: max,
      maxWorkersFrom: input.bounds.maxFrom,
      peakConversations: input.bounds.peakConversations,
      simulations: search.order.length,
      order: search.order,
      monotone: search.violations.length === 0,
      violations: search.violations,
      exhausted: search.exhausted,
      wallMs: Math.round(wallMs),
    },
    result: {
      status,
      workers: answerWorkers ?? null,
      largestFailing: search.largestFailing ?? null,
      recommended: recommended === undefined ? null : { workers: recommended, pass: recommendedPass },
      diagnosis: status === 'fail' ? diagnose(reports.get(largest)!) : null,
    },
    trials: trials.sort((a, b) => a.workers - b.workers),
    report,
  };
  return { document: { ...document, answer: planAnswer(s, document, reports) }, reports };
}

/** No SLOs: the run at the configured count, and one at its estimate to confirm it when that differs. */
function estimateOnly(simulateAt: (n: number) => Report, configured: number, min: number, max: number): SearchResult {
  const clamp = (n: number) => Math.min(max, Math.max(min, n));
  const order = [clamp(configured)];
  const estimate = clamp(simulateAt(order[0]!).capacity.workersNeeded);
  if (estimate !== order[0]) {
    simulateAt(estimate);
    order.push(estimate);
  }
  return { workers: undefined, largestFailing: undefined, order, outcomes: new Map(), violations: [], exhausted: false };
}

/** The figures of one simulated count that the plan's table shows and its JSON lists. */
export function trialOf(r: Report, order: number): PlanTrial {
  const b = r.limits.binding;
  return {
    workers: r.scenario.workers.count,
    order,
    slots: r.capacity.slots,
    pass: r.slo.pass,
    checks: r.slo.checks,
    turnLatencyMs: { p50: r.latency.turn.p50, p95: r.latency.turn.p95, p99: r.latency.turn.p99 },
    errorRate: errorRate(r.turns),
    utilisation: r.capacity.utilisation,
    binding: b ? { model: b.model, limit: b.limit, binds: b.binds } : null,
    workersNeeded: r.capacity.workersNeeded,
    workersNeededBasis: r.capacity.workersNeededBasis,
    costPerDayUsd: r.cost.perDayUsd,
    costPerConversationUsd: r.cost.perConversationUsd.mean,
    wallMs: r.run.wallMs,
  };
}

/** Why the largest count simulated still failed (see PlanSchema `result.diagnosis`). */
export function diagnose(r: Report): NonNullable<PlanDocument['result']['diagnosis']> {
  if (r.capacity.workersNeededBasis === 'providerLimit') return 'providerLimit';
  if (slotRefusals(r.turns) > 0 || r.latency.queueWait.p95 > 0) return 'stillQueued';
  const b = r.limits.binding;
  return b && b.binds && b.heldBack + b.rateLimited > 0 ? 'limitBinds' : 'notWorkers';
}
