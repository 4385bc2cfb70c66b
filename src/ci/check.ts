/**
 * `ci check` as a function of two reports: decides whether they may be compared (comparable.ts), gates
 * each figure (gate.ts) and assembles the versioned result (check-document.ts). No I/O: the command reads
 * the files, simulates, prints and writes.
 *
 * `--update-baseline` is the deliberate way to move the reference, so with it a pair that cannot be
 * compared (another scenario or seed, a prediction against a measurement, an unreadable or incomplete
 * baseline) is not an error: the comparison is skipped, a note says why, and the current report replaces
 * the baseline. An incomplete *current* load test is refused even then: it must not become the reference.
 */
import type { Report } from '../core/metrics/report.js';
import type { HeadroomError } from '../errors.js';
import { CHECK_KIND, CHECK_SCHEMA_VERSION, type CheckDocument, type RunRef } from './check-document.js';
import { differenceText, incomplete, incompleteError, kindMismatch, lateSends, notComparable, runDifferences, unknownTimeScale } from './comparable.js';
import { compareFigures } from './gate.js';
import { answerOf } from './render.js';
import type { Thresholds } from './thresholds.js';

export interface Side {
  report: Report;
  /** The file the report came from, or the scenario file simulated, as messages name it. */
  source: string;
}

export interface CheckInput {
  /** The baseline report; undefined when there is none and `updateBaseline` will create it. */
  baseline: Side | undefined;
  /** Why the baseline file could not be used (unreadable, another schema version), when `updateBaseline` replaces it. */
  baselineUnusable?: string;
  current: Side;
  thresholds: Thresholds;
  allowDifferentScenario: boolean;
  updateBaseline: boolean;
  /** The current report was simulated for this check (hints then name the options that match the baseline's run). */
  simulated: boolean;
}

const ref = (s: Side): RunRef => ({
  source: s.source,
  kind: s.report.kind,
  scenario: s.report.scenario.name,
  seed: s.report.scenario.seed,
  durationMs: s.report.scenario.durationMs,
  warmupMs: s.report.scenario.warmupMs,
  ...(s.report.run.timeScale !== undefined ? { timeScale: s.report.run.timeScale } : {}),
});

/** The check's result; throws HEADROOM_ERR_NOT_COMPARABLE / HEADROOM_ERR_REPORT_INVALID (exit 2) for a pair it will not compare. */
export function runCheck(i: CheckInput): CheckDocument {
  const { current, baseline } = i;
  const whyIncomplete = incomplete(current.report);
  if (whyIncomplete) throw incompleteError(current.source, whyIncomplete);
  const notes: string[] = [];
  /** The result when nothing is compared and the current report becomes the baseline. */
  const replaced = (answer: string): CheckDocument => ({
    schemaVersion: CHECK_SCHEMA_VERSION,
    kind: CHECK_KIND,
    pass: true,
    answer,
    baseline: baseline ? ref(baseline) : null,
    current: ref(current),
    figures: [],
    regressions: 0,
    notes,
    baselineUpdated: true,
  });
  if (!baseline) return replaced(i.baselineUnusable ? `BASELINE REPLACED: nothing compared: the baseline was not a usable report (${i.baselineUnusable})` : 'BASELINE CREATED: there was no baseline to compare with');

  const names = { baseline: baseline.source, current: current.source };
  // What stops a comparison: with --update-baseline it is skipped (the reference is being moved on purpose).
  const blockers: [string, HeadroomError][] = [];
  const baseIncomplete = incomplete(baseline.report);
  if (baseIncomplete) blockers.push([`the baseline is an incomplete load test: ${baseIncomplete}`, incompleteError(baseline.source, baseIncomplete)]);
  const mixed = kindMismatch(baseline.report, current.report, i.thresholds, names);
  if (mixed) blockers.push(['a simulation is not compared with a load test on timing figures', mixed]);
  const differences = runDifferences(baseline.report, current.report);
  if (differences.length > 0 && !i.allowDifferentScenario) blockers.push([`the runs differ (${differenceText(differences)})`, notComparable(differences, names, i.simulated)]);
  if (blockers.length > 0) {
    if (!i.updateBaseline) throw blockers[0]![1];
    return replaced(`BASELINE UPDATED: nothing compared: ${blockers.map((b) => b[0]).join('; ')}`);
  }

  if (differences.length > 0) notes.push(`the runs differ (${differenceText(differences)}) and --allow-different-scenario was given: part of each change is that difference`);
  if (baseline.report.kind !== current.report.kind) notes.push('a simulation against a load test: only cost is gated (it agrees exactly for the same scenario and seed when no turn fails for timing reasons)');
  for (const w of [lateSends(baseline.report, baseline.source), lateSends(current.report, current.source), unknownTimeScale(baseline.report, current.report, names)]) if (w) notes.push(w);

  // The scenario's own SLOs are `sim run`'s and `loadtest`'s gate, not this one's; a reader should still not miss them.
  const sloFailed = current.report.slo.checks.filter((c) => !c.pass).map((c) => c.name);
  if (sloFailed.length > 0) notes.push(`the current run fails the scenario's SLO on ${sloFailed.join(', ')} (\`sim run\` and \`loadtest\` exit 99 on that; ci check gates the change against the baseline)`);

  const figures = compareFigures(baseline.report, current.report, i.thresholds);
  const { pass, answer } = answerOf(figures);
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    kind: CHECK_KIND,
    pass,
    answer,
    baseline: ref(baseline),
    current: ref(current),
    figures,
    regressions: figures.filter((f) => f.verdict === 'regression').length,
    notes,
    baselineUpdated: i.updateBaseline,
  };
}
