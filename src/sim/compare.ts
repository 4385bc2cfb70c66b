/**
 * `sim compare`: what-if variants of a scenario, each simulated with the same seed, figure by figure
 * against the first (the baseline). This module takes the reports (the command simulates them with
 * `simulate()` + `buildReport()`) and derives what is compared: the figures, their deltas, the labels
 * and the answer. Pure, so the delta logic is tested on its own (test/unit/sim/compare.test.ts).
 */
import { basename } from 'node:path';
import { costPriced, errorRate } from '../core/metrics/derive.js';
import { LIMIT_LABEL, type Report } from '../core/metrics/report.js';
import { usd } from './answer.js';
import { COMPARE_SCHEMA_VERSION, type CompareDocument, type CompareVariant, type Delta, type FigureKey, type Figures } from './compare-schema.js';

export interface VariantInput {
  label: string;
  source: CompareVariant['source'];
  report: Report;
}

/** The figures compared, from a report. */
export function figuresOf(r: Report): Figures {
  return {
    workersNeeded: r.capacity.workersNeeded,
    turnsPerS: r.throughput.turnsPerS,
    turnLatencyP50Ms: r.latency.turn.p50,
    turnLatencyP95Ms: r.latency.turn.p95,
    turnLatencyP99Ms: r.latency.turn.p99,
    ttftP95Ms: r.latency.ttft.p95,
    errorRate: errorRate(r.turns),
    rateLimited: r.events.providerFailures['429'] ?? 0,
    cacheHitRate: r.cache.hitRate,
    costPerConversationUsd: r.cost.perConversationUsd.mean,
    costPerDayUsd: r.cost.perDayUsd,
    costPerMonthUsd: r.cost.perMonthUsd,
  };
}

/**
 * The change from `base` to `value`: absolute, and relative to the base — 0 when both are 0 (nothing
 * changed), null when only the base is 0 (no ratio to a nothing: "from 0 to 12 429s" is not +∞ %).
 */
export function delta(base: number, value: number): Delta {
  const absolute = value - base;
  return { absolute, relative: base === 0 ? (value === 0 ? 0 : null) : absolute / base };
}

export function deltasOf(base: Figures, f: Figures): Record<FigureKey, Delta> {
  return Object.fromEntries((Object.keys(base) as FigureKey[]).map((k) => [k, delta(base[k], f[k])])) as Record<FigureKey, Delta>;
}

/** A relative change as people read it: `+3.6%`, `−38%`, `±0%`; `new` when the base was 0. */
export function relativeText(d: Delta): string {
  if (d.relative === null) return d.absolute > 0 ? 'new' : '±0%';
  const pct = d.relative * 100;
  const digits = Math.abs(pct) < 10 ? 1 : 0;
  const text = Math.abs(pct).toFixed(digits);
  if (Number(text) === 0) return '±0%';
  return `${pct > 0 ? '+' : '−'}${text}%`;
}

/** A change of a ratio in percentage points: `+0.5 pp`, `−12.0 pp`, `±0 pp`. */
export function pointsText(d: Delta): string {
  const pp = d.absolute * 100;
  const text = Math.abs(pp).toFixed(1);
  if (Number(text) === 0) return '±0 pp';
  return `${pp > 0 ? '+' : '−'}${text} pp`;
}

/**
 * Labels of FILE variants: each scenario's name; where names collide, the file's base name, or the path
 * as given where base names collide too. The caller refuses labels that still collide (a file given twice).
 */
export function fileLabels(entries: readonly { file: string; name: string }[]): string[] {
  const nameCount = countOf(entries.map((e) => e.name));
  const baseCount = countOf(entries.map((e) => basename(e.file)));
  return entries.map((e) => (nameCount.get(e.name) === 1 ? e.name : baseCount.get(basename(e.file)) === 1 ? basename(e.file) : e.file));
}

function countOf(xs: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

/** The comparison document: figures and deltas of every variant against the first, and the answer. */
export function compareVariants(inputs: readonly VariantInput[], seed: number, seedFrom: CompareDocument['seedFrom']): CompareDocument {
  if (inputs.length < 2) throw new RangeError('a comparison needs at least 2 variants');
  const baseFigures = figuresOf(inputs[0]!.report);
  const variants: CompareVariant[] = inputs.map((v, i) => {
    const r = v.report;
    const figures = figuresOf(r);
    const b = r.limits.binding;
    return {
      label: v.label,
      source: v.source,
      figures,
      deltas: i === 0 ? null : deltasOf(baseFigures, figures),
      binding: b ? { model: b.model, limit: b.limit, binds: b.binds } : null,
      slo: { pass: r.slo.pass, checks: r.slo.checks.length, failed: r.slo.checks.filter((c) => !c.pass).map((c) => c.name) },
      costed: costPriced(r),
      report: r,
    };
  });
  const cheapest = cheapestOf(variants.filter((v) => v.slo.pass && v.costed));
  const doc: Omit<CompareDocument, 'answer'> = { schemaVersion: COMPARE_SCHEMA_VERSION, kind: 'compare', seed, seedFrom, baseline: variants[0]!.label, cheapest: cheapest?.label ?? null, variants };
  return { ...doc, answer: compareAnswer(doc) };
}

/** The cheapest per conversation; the earlier of equals (the baseline first). */
function cheapestOf(vs: readonly CompareVariant[]): CompareVariant | undefined {
  let best: CompareVariant | undefined;
  for (const v of vs) if (!best || v.figures.costPerConversationUsd < best.figures.costPerConversationUsd) best = v;
  return best;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

function compareAnswer(d: Omit<CompareDocument, 'answer'>): string {
  const [base, ...others] = d.variants;
  const lines: string[] = [];
  // Three decimals read two close costs alike ($0.023 vs $0.023), and a tenth of a cent as $0.003: then
  // significant digits instead, as many as the difference needs.
  const precise = d.variants.map((v) => usd(v.figures.costPerConversationUsd)).some((t, i, all) => all.indexOf(t) !== i);
  const perConv = (v: CompareVariant) => {
    const x = v.figures.costPerConversationUsd;
    return x > 0 && x < 1 && (precise || x < 0.01) ? `$${x.toPrecision(precise ? 3 : 2)}` : usd(x);
  };
  const vsBase = (v: CompareVariant, key: FigureKey) => relativeText(v.deltas![key]);
  const failing = d.variants.filter((v) => !v.slo.pass);
  const best = d.variants.find((v) => v.label === d.cheapest);
  if (!best) {
    const anyCost = cheapestOf(d.variants.filter((v) => v.costed));
    lines.push(
      `No variant meets its SLOs (${failing.map((v) => `${v.label}: ${v.slo.failed.join(', ')}`).join('; ')}).` +
        (anyCost ? ` Cheapest per conversation regardless: ${anyCost.label} at ${perConv(anyCost)}${anyCost === base ? ' (the baseline)' : ` (${vsBase(anyCost, 'costPerConversationUsd')} vs the baseline ${base!.label})`}.` : ''),
    );
  } else if (best === base) {
    const next = cheapestOf(others.filter((v) => v.slo.pass && v.costed));
    lines.push(
      `The baseline, ${base.label}, is the cheapest per conversation among the variants meeting their SLOs: ${perConv(base)}, ${usd(base.figures.costPerDayUsd)}/day` +
        (next ? `; next ${next.label} at ${perConv(next)} (${vsBase(next, 'costPerConversationUsd')}).` : '.'),
    );
  } else {
    const wb = base!.figures.workersNeeded;
    const w = best.figures.workersNeeded;
    lines.push(
      `${best.label} is the cheapest per conversation among the variants meeting their SLOs: ${perConv(best)}, ${vsBase(best, 'costPerConversationUsd')} vs the baseline ${base!.label} (${perConv(base!)}); ` +
        `${usd(best.figures.costPerDayUsd)}/day (${vsBase(best, 'costPerDayUsd')}), ${w} ${plural(w, 'worker', 'workers')} needed (${wb} for the baseline).`,
    );
  }
  if (best && failing.length > 0) {
    const names = failing.map((v) => `${v.label} (${v.slo.failed.join(', ')})`).join(', ');
    lines.push(`${names} ${plural(failing.length, 'fails its', 'fail their')} SLOs.`);
  }
  const capped = d.variants.filter((v) => v.report.capacity.workersNeededBasis === 'providerLimit' && v.binding);
  for (const v of capped) lines.push(`In ${v.label} the ${v.binding!.model} ${LIMIT_LABEL[v.binding!.limit]} limit caps throughput: no worker count serves everyone.`);
  lines.push(`Same seed (${d.seed}) for all ${d.variants.length} variants: the differences come from the changes, not from sampling noise.`);
  return lines.join(' ');
}
