/**
 * The JSON document `sim compare --json / --out` writes: each variant's label, where it came from
 * (file and overrides), its key figures with their change against the baseline (the first variant), and
 * its full report. A zod schema with the type inferred from it, as the report's and the plan's:
 * `schema/compare.schema.json` is generated from it (`npm run schema`; a test fails when it drifts), the
 * reports a `$ref` to `report.schema.json`.
 *
 * Bump `COMPARE_SCHEMA_VERSION` on any breaking change; adding an optional field is not breaking.
 */
import { z } from 'zod';
import { ReportSchema, field } from '../core/metrics/report.js';

export const COMPARE_SCHEMA_VERSION = 1 as const;

const { count, ms, usd, ratio } = field;

export const FiguresSchema = z
  .strictObject({
    workersNeeded: count('capacity.workersNeeded'),
    turnsPerS: z.number().nonnegative().describe('Turns answered per second (throughput.turnsPerS)'),
    turnLatencyP50Ms: ms('Turn latency, median'),
    turnLatencyP95Ms: ms('Turn latency, 95th percentile'),
    turnLatencyP99Ms: ms('Turn latency, 99th percentile'),
    ttftP95Ms: ms('Time to first token, 95th percentile'),
    errorRate: ratio('Turns not answered (refused, dead-lettered or failed) / turns arrived'),
    rateLimited: count('Provider 429 answers (events.providerFailures["429"])'),
    cacheHitRate: ratio('Response cache hits / lookups'),
    costPerConversationUsd: usd('Mean cost of a conversation served in full'),
    costPerDayUsd: usd('Cost per day'),
    costPerMonthUsd: usd('Cost per 30-day month'),
  })
  .describe('The figures compared, from the variant’s report');
export type Figures = z.infer<typeof FiguresSchema>;
export type FigureKey = keyof Figures;

export const DeltaSchema = z
  .strictObject({
    absolute: z.number().describe('value − baseline, in the figure’s unit (a ratio for rates: × 100 for percentage points)'),
    relative: z.number().nullable().describe('(value − baseline) / baseline; 0 when both are 0; null when only the baseline is 0'),
  })
  .describe('Change against the baseline');
export type Delta = z.infer<typeof DeltaSchema>;

export const CompareVariantSchema = z
  .strictObject({
    label: z.string().describe('The scenario’s name; its file when names collide; the --variant’s NAME (or its overrides)'),
    source: z
      .strictObject({
        file: z.string().describe('The scenario file, as given'),
        common: z.array(z.string()).describe('Overrides every variant got, applied first: --set, then --duration (as `duration=…`)'),
        overrides: z.array(z.string()).describe('The --variant’s own overrides, applied after the common ones; [] for a FILE'),
        variant: z.string().nullable().describe('The --variant argument as given; null for a FILE'),
      })
      .describe('Where the variant came from'),
    figures: FiguresSchema,
    deltas: z
      .record(FiguresSchema.keyof(), DeltaSchema)
      .nullable()
      .describe('Per figure (the keys of `figures`), its change against the baseline; null for the baseline itself'),
    binding: z
      .strictObject({ model: z.string(), limit: z.enum(['rpm', 'itpm', 'otpm']), binds: z.boolean() })
      .nullable()
      .describe('The report’s binding limit (limits.binding); null if none'),
    slo: z
      .strictObject({ pass: z.boolean().describe('Every SLO of the variant passed (true when it has none)'), checks: count('SLO checks it has'), failed: z.array(z.string()).describe('Names of the checks that failed') })
      .describe('The variant against its own SLOs'),
    costed: z.boolean().describe('Some conversation completed, so cost per conversation is known'),
    report: ReportSchema,
  })
  .describe('One variant of the comparison');
export type CompareVariant = z.infer<typeof CompareVariantSchema>;

export const CompareSchema = z
  .strictObject({
    schemaVersion: z.literal(COMPARE_SCHEMA_VERSION).describe('Version of this document format'),
    kind: z.literal('compare'),
    answer: z.string().describe('The answer first: the cheapest variant per conversation among those meeting their SLOs, and by how much against the baseline'),
    seed: z.int().describe('The one seed every variant ran with, so differences come from the changes, not from sampling noise'),
    seedFrom: z.enum(['flag', 'baseline']).describe('--seed, or the baseline scenario’s seed'),
    baseline: z.string().describe('Label of the baseline: the first variant, against which deltas are taken'),
    cheapest: z.string().nullable().describe('Label of the cheapest variant per conversation among those meeting their SLOs; null if none does'),
    variants: z.array(CompareVariantSchema).min(2),
  })
  .describe('A Headroom what-if comparison (`sim compare`): variants of a scenario simulated with one seed, figure by figure against the first');
export type CompareDocument = z.infer<typeof CompareSchema>;
