/**
 * The JSON document `sim plan --json / --out` writes: the answer, how the search went, each count
 * simulated with its key figures, and the full report of the count the answer rests on. A zod schema
 * with the type inferred from it, as the report's (core/metrics/report.ts): `schema/plan.schema.json`
 * is generated from it (`npm run schema`; a test fails when it drifts), and the embedded report is a
 * `$ref` to `report.schema.json`, which carries its own `schemaVersion`.
 *
 * Bump `PLAN_SCHEMA_VERSION` on any breaking change (a field removed, renamed, or given another meaning
 * or unit); adding an optional field is not breaking.
 */
import { z } from 'zod';
import { ReportSchema, SloCheckSchema, field } from '../core/metrics/report.js';

export const PLAN_SCHEMA_VERSION = 1 as const;

const { count, ms, usd, ratio } = field;

export const PlanTrialSchema = z
  .strictObject({
    workers: count('Workers simulated'),
    order: z.int().positive().describe('When it was simulated: 1 for the first simulation of the search'),
    slots: count('Worker slots (workers × concurrency)'),
    pass: z.boolean().describe('Every SLO passed'),
    checks: z.array(SloCheckSchema).describe('The SLO checks of this run, as in its report'),
    turnLatencyMs: z.strictObject({ p50: ms('Median'), p95: ms('95th percentile'), p99: ms('99th percentile') }).describe('Turn latency over the answered turns'),
    errorRate: ratio('Turns not answered (refused, dead-lettered or failed) / turns arrived'),
    utilisation: ratio('Mean busy slots / slots'),
    binding: z
      .strictObject({ model: z.string(), limit: z.enum(['rpm', 'itpm', 'otpm']), binds: z.boolean().describe('It held calls back or reached its admitted rate') })
      .nullable()
      .describe('The report’s binding limit (limits.binding): the one that held the most calls back, else the closest to its admitted rate; null if none'),
    workersNeeded: count('The run’s own estimate (capacity.workersNeeded)'),
    workersNeededBasis: z.enum(['sampled', 'offeredLoad', 'limiterWait', 'providerLimit']).describe('What that estimate rests on (capacity.workersNeededBasis)'),
    costPerDayUsd: usd('Cost per day'),
    costPerConversationUsd: usd('Mean cost of a conversation served in full'),
    wallMs: ms('Wall-clock time the simulation took'),
  })
  .describe('One worker count simulated');
export type PlanTrial = z.infer<typeof PlanTrialSchema>;

export const PlanSchema = z
  .strictObject({
    schemaVersion: z.literal(PLAN_SCHEMA_VERSION).describe('Version of this document format'),
    kind: z.literal('plan'),
    answer: z.string().describe('The answer first: the fewest workers that meet every SLO, what fails below, the count to deploy with headroom, cost'),
    scenario: z
      .strictObject({
        file: z.string().describe('The scenario file, as given'),
        overrides: z.array(z.string()).describe('--set overrides (and --duration) applied to it'),
        name: z.string(),
        seed: z.int().describe('The seed of every simulation of the search (common random numbers: the counts differ only in workers)'),
        configuredWorkers: count('workers.count of the scenario'),
        concurrency: count('Slots per worker'),
        headroom: z.number().positive().describe('planning.headroom'),
      })
      .describe('What was planned'),
    search: z
      .strictObject({
        minWorkers: count('Fewest workers searched'),
        maxWorkers: count('Most workers searched'),
        maxWorkersFrom: z
          .enum(['flag', 'conversations', 'planning.maxWorkers'])
          .describe('Where maxWorkers came from: --max-workers; 2 slots per concurrent conversation at the peak of the arrival profile (more cannot be busy at once); or planning.maxWorkers when that is lower'),
        peakConversations: z.number().nonnegative().describe('Conversations in progress at the peak of the arrival profile, planned (population.targetConcurrency × the profile’s highest multiplier)'),
        simulations: count('Simulations run'),
        order: z.array(count('Workers')).describe('Worker counts in the order simulated'),
        monotone: z.boolean().describe('No count simulated passed below one that failed'),
        violations: z
          .array(z.strictObject({ passed: count('A count that passed'), failed: count('A larger count that failed') }))
          .describe('Each failing count with a pass below it (the largest such pass): the answer is taken above every failing count'),
        exhausted: z.boolean().describe('The simulation budget ran out before the bracket closed: workers is only an upper bound'),
        wallMs: ms('Wall-clock time of all simulations'),
      })
      .describe('How the search went'),
    result: z
      .strictObject({
        status: z.enum(['pass', 'fail', 'no-slo']).describe('pass: a count meets every SLO (exit 0); fail: none up to maxWorkers does (exit 99); no-slo: the scenario has none, nothing to search (exit 0)'),
        workers: count('The fewest workers that meet every SLO (status pass); for no-slo, the report’s own estimate').nullable(),
        largestFailing: count('The largest count simulated that failed an SLO').nullable(),
        recommended: z
          .strictObject({
            workers: count('workers × planning.headroom, within planning.minWorkers and planning.maxWorkers'),
            pass: z.boolean().nullable().describe('Whether it met every SLO when simulated; null: not simulated (above maxWorkers, or the answer itself)'),
          })
          .nullable()
          .describe('The count to deploy (status pass and no-slo)'),
        diagnosis: z
          .enum(['providerLimit', 'limitBinds', 'notWorkers', 'stillQueued'])
          .nullable()
          .describe(
            'Why no count passed (status fail), from the report at the largest count: providerLimit: a provider limit caps throughput; limitBinds: no turn waited for a worker but a limit held calls back; notWorkers: no turn waited for a worker, the failure lies elsewhere (provider latency, faults, prices); stillQueued: turns still waited for a worker (raise the bound)',
          ),
      })
      .describe('The answer in fields'),
    trials: z.array(PlanTrialSchema).describe('Every count simulated, by number of workers'),
    report: ReportSchema,
  })
  .describe('A Headroom capacity plan (`sim plan`): the fewest workers that meet every SLO. `report` is the full report at result.workers (status pass or no-slo) or at the largest count simulated (fail)');
export type PlanDocument = z.infer<typeof PlanSchema>;
