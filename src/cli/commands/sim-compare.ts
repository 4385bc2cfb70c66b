/**
 * `headroom sim compare`: what-if variants of a scenario — each FILE, and the first FILE with each
 * `--variant`'s overrides — simulated with one seed and compared figure by figure against the first
 * (sim/compare.ts). Every variant is loaded and checked before any is simulated.
 */
import { ErrorCode, ExitCode, HeadroomError } from '../../errors.js';
import { Pricing } from '../../core/pricing.js';
import { renderCompare } from '../../report/compare.js';
import { formatProblem, type Problem } from '../../scenario/problems.js';
import { loadScenario } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/schema.js';
import { buildReport } from '../../sim/build-report.js';
import { compareVariants, fileLabels, type VariantInput } from '../../sim/compare.js';
import { checkRunSize } from '../../sim/run-size.js';
import { simulate } from '../../sim/simulate.js';
import { line, outFile, writeJson, type Io } from '../output.js';
import { durationOverride } from '../options.js';
import { progressBar } from '../progress.js';
import { parseVariant } from '../variant-spec.js';

export interface SimCompareOptions {
  variant: string[];
  seed?: number;
  duration?: string;
  set: string[];
  json: boolean;
  out?: string;
}

interface Planned {
  file: string;
  /** The --variant as given; undefined for a FILE. */
  spec: string | undefined;
  own: string[];
  label?: string;
}

/** Always exit 0 (a comparison is information, not a gate); 2 on bad input. */
export async function simCompare(io: Io, files: string[], opts: SimCompareOptions): Promise<number> {
  const specs = opts.variant.map(parseVariant);
  const planned: Planned[] = [...files.map((file): Planned => ({ file, spec: undefined, own: [] })), ...specs.map((v): Planned => ({ file: files[0]!, spec: v.spec, own: v.overrides, label: v.label }))];
  if (planned.length < 2)
    throw new HeadroomError(ErrorCode.badArgument, `sim compare needs at least 2 variants, found ${planned.length}`, {
      hint: "give a second FILE, or --variant 'NAME: key=value; key=value' (the first FILE with those overrides)",
    });
  const common = [...opts.set, ...durationOverride(opts.duration)];
  const out = await outFile(opts.out);
  const scenarios = await loadAll(io, planned, common);
  const fromFiles = fileLabels(files.map((file, i) => ({ file, name: scenarios[i]!.name })));
  const labels = planned.map((p, i) => p.label ?? fromFiles[i]!);
  const seen = new Map<string, number>();
  labels.forEach((l, i) => {
    const j = seen.get(l);
    if (j === undefined) return seen.set(l, i);
    const [a, b] = [planned[j]!, planned[i]!];
    if (a.spec === undefined && b.spec === undefined && a.file === b.file) throw new HeadroomError(ErrorCode.badArgument, `${a.file} is given twice`, { hint: "give each FILE once; a change to it is a --variant 'NAME: key=value'" });
    throw new HeadroomError(ErrorCode.badArgument, `two variants are labelled "${l}": ${what(a)} and ${what(b)}`, { hint: 'name each --variant differently (NAME: …)' });
  });
  scenarios.forEach((s, i) => checkRunSize(s, planned[i]!.file, 'sim compare'));

  const seed = opts.seed ?? scenarios[0]!.seed;
  const inputs: VariantInput[] = scenarios.map((s, i) => {
    const p = planned[i]!;
    const bar = !opts.json && io.isTty ? progressBar(io, `${labels[i]} (${i + 1}/${scenarios.length})`) : undefined;
    const result = simulate(s, { seed, ...(bar ? { onProgress: bar.update } : {}) });
    bar?.stop();
    return { label: labels[i]!, source: { file: p.file, common, overrides: p.own, variant: p.spec ?? null }, report: buildReport(result, new Pricing(s)) };
  });
  const doc = compareVariants(inputs, seed, opts.seed !== undefined ? 'flag' : 'baseline');
  if (opts.json) writeJson(io, doc);
  else line(io, renderCompare(doc, { color: io.isTty }));
  if (out) {
    await out(`${JSON.stringify(doc, null, 2)}\n`);
    if (!opts.json) line(io, `comparison written to ${opts.out}`);
  }
  return ExitCode.ok;
}

const what = (p: Planned) => (p.spec === undefined ? p.file : `--variant ${JSON.stringify(p.spec)}`);

/**
 * Loads every variant, collecting what is wrong with each (k6-style: every error, not the first): one
 * variant's problems are its scenario's, as `--set` reports them, under a line naming the variant.
 * A warning (a model retiring soon) is printed once, however many variants share the file.
 */
async function loadAll(io: Io, planned: readonly Planned[], common: readonly string[]): Promise<Scenario[]> {
  const warned = new Set<string>();
  const onWarning = (w: Problem) => {
    const text = formatProblem(w);
    if (!warned.has(text)) io.err.write(`warning: ${text}\n`);
    warned.add(text);
  };
  const loaded: Scenario[] = [];
  const errors: [Planned, HeadroomError][] = [];
  for (const p of planned) {
    try {
      loaded.push(await loadScenario(p.file, { overrides: [...common, ...p.own], onWarning }));
    } catch (e) {
      if (!(e instanceof HeadroomError)) throw e;
      errors.push([p, e]);
    }
  }
  if (errors.length === 0) return loaded;
  const [p, e] = errors[0]!;
  if (errors.length === 1 && p.spec === undefined) throw e;
  throw new HeadroomError(e.code, errors.length === 1 ? `${what(p)}: ${e.message}` : `${errors.length} variants cannot be simulated`, {
    details: errors.length === 1 ? e.details : errors.flatMap(([q, x]) => [`${what(q)}: ${x.message}`, ...x.details.map((d) => `  ${d}`)]),
    ...(e.hint ? { hint: e.hint } : {}),
  });
}
