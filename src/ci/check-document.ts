/**
 * The JSON result of `headroom ci check` (`--json`, `--out`): what was compared, each gated figure with
 * its baseline, current value, change, limit and verdict, and whether the check passed. A zod schema, so
 * `schema/ci-check.schema.json` is generated from the same definition the command is held to (a test
 * fails when the file drifts; `npm run schema` regenerates it), as the report's schema is.
 *
 * Versioned by `schemaVersion`: bump CHECK_SCHEMA_VERSION on any breaking change (a field removed,
 * renamed or given another meaning or unit); adding an optional field is not breaking.
 */
import { z } from 'zod';
import { field } from '../core/metrics/report.js';
import { FIGURE_IDS, type FigureCheck } from './gate.js';

export const CHECK_SCHEMA_VERSION = 1;
export const CHECK_KIND = 'ci-check';

const { ms } = field;

const RunSchema = z
  .strictObject({
    source: z.string().describe('Where the figures came from: a report file, or the scenario file simulated for this check'),
    kind: z.enum(['simulation', 'loadtest']).describe('A prediction (simulation) or a measurement (load test)'),
    scenario: z.string().describe('Scenario name'),
    seed: z.int().describe('Seed of the run'),
    durationMs: ms('Length of the run, warm-up included'),
    warmupMs: ms('Warm-up excluded from the measurement window'),
    timeScale: z.number().positive().optional().describe('Load tests: scenario ms per real ms (--time-scale), when the report records it'),
  })
  .describe('One side of the comparison');

export const FigureCheckSchema = z
  .strictObject({
    figure: z.enum(FIGURE_IDS).describe('Which figure: throughput (turns answered per second), cost per conversation and per day (USD), turn latency p95 (ms), error rate (share of turns not answered)'),
    label: z.string().describe('How the summary names it'),
    unit: z.enum(['per-s', 'usd', 'ms', 'ratio']).describe('Unit of baseline and current'),
    worseWhen: z.enum(['higher', 'lower']).describe('The direction that is a regression'),
    changeKind: z.enum(['relative', 'points']).describe('relative: change and limit are (current − baseline) / baseline; points: current − baseline, in ratio points (0.005 = 0.5 percentage points)'),
    baseline: z.number().nullable().describe('The baseline figure; null when the baseline has none (see reason)'),
    current: z.number().nullable().describe('The current figure; null when the current run has none (see reason)'),
    change: z.number().nullable().describe('current vs baseline, signed (see changeKind); null when a figure is missing or a relative change starts from 0'),
    limit: z.number().nonnegative().nullable().describe('Largest change the wrong way (worseWhen) that passes, in the unit of change; null when the gate is off'),
    verdict: z
      .enum(['pass', 'improved', 'regression', 'off', 'unmeasured'])
      .describe('pass: within the limit; improved: moved the right way; regression: moved the wrong way beyond the limit, or the current run has no figure where the baseline had one; off: not gated; unmeasured: the baseline has no figure to compare with'),
    reason: z.string().optional().describe('Why a figure is missing'),
  })
  .describe('One gated figure');
export type FigureCheckJson = z.infer<typeof FigureCheckSchema>;

export const CheckDocumentSchema = z
  .strictObject({
    schemaVersion: z.literal(CHECK_SCHEMA_VERSION).describe('Version of this format'),
    kind: z.literal(CHECK_KIND).describe('A `headroom ci check` result'),
    pass: z.boolean().describe('No figure regressed beyond its limit (exit 0; otherwise exit 99, unless the baseline was updated)'),
    answer: z.string().describe('The result in one line: PASS, or FAIL with each regression'),
    baseline: RunSchema.nullable().describe('The baseline report; null when there was none (or none readable) and --update-baseline created it'),
    current: RunSchema.describe('The current run'),
    figures: z.array(FigureCheckSchema).describe('Every gated figure, in a fixed order; empty when there was no baseline to compare with'),
    regressions: z.int().nonnegative().describe('Figures whose verdict is regression'),
    notes: z.array(z.string()).describe('What the reader should know about the comparison (e.g. the runs differ in scenario and --allow-different-scenario was given)'),
    baselineUpdated: z.boolean().describe('--update-baseline wrote the current report to the baseline path'),
  })
  .describe('The result of `headroom ci check`: current figures against a baseline report');
export type CheckDocument = z.infer<typeof CheckDocumentSchema>;
export type RunRef = z.infer<typeof RunSchema>;

// Compile-time guard: what the gate computes is what the schema documents (and back).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _figure: Same<FigureCheck, FigureCheckJson> = true;
