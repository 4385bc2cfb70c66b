/**
 * The regression gate of `ci check`: five figures of a baseline report against the same figures of a
 * current one, each with a limit on how far it may move the wrong way. Pure: reports in, verdicts out.
 *
 * Rules, in the order they apply to a figure:
 * - `off`: not gated (verdict `off`); baseline, current and change are still given.
 * - the baseline has no figure (no turn answered, no conversation completed): nothing to regress from
 *   (verdict `unmeasured`, not a failure).
 * - the current run has no figure but the baseline had: a regression (a run that answered nothing must
 *   not pass because its p95 of no turns reads 0).
 * - otherwise the change the wrong way (a drop of throughput, a rise of the others) beyond the limit is a
 *   regression; a change the right way is `improved`, never a failure; anything else is `pass`.
 * "Beyond" is strict: a change of exactly the limit passes (to within floating-point rounding, `EPSILON`).
 *
 * A simulation is deterministic (same scenario, seed and code → the same report), so an unchanged
 * scenario gives a change of exactly 0 on every figure and any change is a real one. A load test has
 * run-to-run noise, so its limits must be wider than that noise (README "CI").
 */
import { costPriced, errorRate } from '../core/metrics/derive.js';
import type { Report } from '../core/metrics/report.js';
import type { Limit, Thresholds } from './thresholds.js';

export const FIGURE_IDS = ['throughput', 'costPerConversation', 'costPerDay', 'turnLatencyP95', 'errorRate'] as const;
export type FigureId = (typeof FIGURE_IDS)[number];

export type FigureUnit = 'per-s' | 'usd' | 'ms' | 'ratio';
export type Verdict = 'pass' | 'improved' | 'regression' | 'off' | 'unmeasured';

interface FigureDef {
  id: FigureId;
  label: string;
  unit: FigureUnit;
  /** The direction that is a regression. */
  worseWhen: 'higher' | 'lower';
  /** relative: (current − baseline) / baseline; points: current − baseline (a ratio's points). */
  changeKind: 'relative' | 'points';
  limit: keyof Thresholds;
  /**
   * Whether the figure depends on timing (latency, queueing, 429s): then a prediction and a measurement
   * differ by model error and noise, not by a regression, and are not compared (comparable.ts).
   */
  timing: boolean;
  /** The figure, or why the report has none. */
  read: (r: Report) => number | { none: string };
}

export const FIGURES: readonly FigureDef[] = [
  { id: 'throughput', label: 'throughput', unit: 'per-s', worseWhen: 'lower', changeKind: 'relative', limit: 'throughputDrop', timing: true, read: (r) => r.throughput.turnsPerS },
  {
    id: 'costPerConversation',
    label: 'cost per conversation',
    unit: 'usd',
    worseWhen: 'higher',
    changeKind: 'relative',
    limit: 'costIncrease',
    timing: false,
    read: (r) => (costPriced(r) ? r.cost.perConversationUsd.mean : { none: 'no conversation was served in full' }),
  },
  { id: 'costPerDay', label: 'cost per day', unit: 'usd', worseWhen: 'higher', changeKind: 'relative', limit: 'costIncrease', timing: false, read: (r) => (costPriced(r) ? r.cost.perDayUsd : { none: 'no conversation was served in full' }) },
  { id: 'turnLatencyP95', label: 'turn p95', unit: 'ms', worseWhen: 'higher', changeKind: 'relative', limit: 'latencyIncrease', timing: true, read: (r) => (r.latency.turn.count > 0 ? r.latency.turn.p95 : { none: 'no turn was answered' }) },
  { id: 'errorRate', label: 'error rate', unit: 'ratio', worseWhen: 'higher', changeKind: 'points', limit: 'errorRateIncrease', timing: true, read: (r) => (r.turns.arrived > 0 ? errorRate(r.turns) : { none: 'no turn arrived in the window' }) },
];

/** Changes within this of the limit (or of 0) are rounding, not movement: 1e-9 relative, 1e-9 points. */
const EPSILON = 1e-9;

export interface FigureCheck {
  figure: FigureId;
  label: string;
  unit: FigureUnit;
  worseWhen: 'higher' | 'lower';
  changeKind: 'relative' | 'points';
  /** null: the report has no such figure (see `reason`). */
  baseline: number | null;
  current: number | null;
  /** Relative change (0.05 = +5 %) or points (0.005 = +0.5 pp); null when either figure is missing, or when a relative change is from 0 to something. */
  change: number | null;
  /** The largest change the wrong way allowed (positive, in the unit of `change`); null when the gate is off. */
  limit: number | null;
  verdict: Verdict;
  /** Why a figure is missing, for `unmeasured` and for a regression to nothing. */
  reason?: string;
}

function change(def: FigureDef, b: number, c: number): number | null {
  if (def.changeKind === 'points') return c - b;
  if (b === 0) return c === 0 ? 0 : null;
  return (c - b) / b;
}

/** How far the figure moved the wrong way (negative: the right way); Infinity for a rise from 0. */
function worsening(def: FigureDef, b: number, c: number): number {
  const d = change(def, b, c) ?? (c > b ? Infinity : -Infinity);
  return def.worseWhen === 'higher' ? d : -d;
}

function verdictOf(def: FigureDef, limit: Limit, b: number | { none: string }, c: number | { none: string }): Pick<FigureCheck, 'verdict' | 'reason'> {
  if (limit === 'off') return { verdict: 'off' };
  if (typeof b !== 'number') return { verdict: 'unmeasured', reason: `the baseline has no ${def.label}: ${b.none}` };
  if (typeof c !== 'number') return { verdict: 'regression', reason: `the current run has no ${def.label}: ${c.none}` };
  const w = worsening(def, b, c);
  if (w > limit + EPSILON) return { verdict: 'regression' };
  return { verdict: w < -EPSILON ? 'improved' : 'pass' };
}

/** Each gated figure of `current` against `baseline`, in FIGURES order. */
export function compareFigures(baseline: Report, current: Report, thresholds: Thresholds): FigureCheck[] {
  return FIGURES.map((def) => {
    const b = def.read(baseline);
    const c = def.read(current);
    const limit = thresholds[def.limit];
    const both = typeof b === 'number' && typeof c === 'number';
    return {
      figure: def.id,
      label: def.label,
      unit: def.unit,
      worseWhen: def.worseWhen,
      changeKind: def.changeKind,
      baseline: typeof b === 'number' ? b : null,
      current: typeof c === 'number' ? c : null,
      change: both ? change(def, b, c) : null,
      limit: limit === 'off' ? null : limit,
      ...verdictOf(def, limit, b, c),
    };
  });
}

/** The figures that depend on timing and have a gate on: what a prediction cannot be compared with a measurement on. */
export const timingGatesOn = (t: Thresholds): FigureDef[] => FIGURES.filter((f) => f.timing && t[f.limit] !== 'off');
