/**
 * When two reports may be compared by `ci check`, and why not otherwise.
 *
 * - The same run of the same scenario: name, seed, duration and warm-up (the report's `scenario`), and
 *   for two load tests the time scale (latencies are in scenario time, so the real overhead in them is
 *   multiplied by it). Another seed replays other sessions: the figures move by sampling, not by a
 *   change. Refused unless `--allow-different-scenario`; what *is* compared — workers, models, prices,
 *   limits, traffic — is what a change under review moves.
 * - A prediction against a measurement (a simulation and a load test) only on the cost figures. With the
 *   same scenario and seed both halves serve the same sessions, turns and tokens, so cost agrees exactly
 *   (DESIGN.md "The one idea"); throughput, latency and errors differ by the simulator's model error and
 *   the live run's timing noise, which no limit can tell from a regression (`loadtest --compare-sim`
 *   compares them with tolerances). So timing gates must be turned off for such a pair.
 * - A load test whose figures the load tester itself disowns (exit 1 or 130): interrupted, drain cut
 *   off, an agent lost. Its missing turns would flatter it. A generator that fell behind is warned about.
 */
import { ErrorCode, HeadroomError } from '../errors.js';
import type { Report } from '../core/metrics/report.js';
import { formatDuration } from '../scenario/units.js';
import { timingGatesOn } from './gate.js';
import type { Thresholds } from './thresholds.js';

export interface Difference {
  what: 'scenario' | 'seed' | 'duration' | 'warm-up' | 'time scale';
  baseline: string;
  current: string;
  /** For a simulated current run: the option that makes it match the baseline on this. */
  flag?: string;
}

/** Flags that turn each timing gate off, for hints. */
const OFF_FLAG = { throughputDrop: '--max-throughput-drop off', latencyIncrease: '--max-latency-increase off', errorRateIncrease: '--max-error-rate-increase off', costIncrease: '--max-cost-increase off' } as const;

/** How the two runs differ in what makes them runs of the same thing (empty: comparable). */
export function runDifferences(b: Report, c: Report): Difference[] {
  const out: Difference[] = [];
  const [x, y] = [b.scenario, c.scenario];
  if (x.name !== y.name) out.push({ what: 'scenario', baseline: x.name, current: y.name });
  if (x.seed !== y.seed) out.push({ what: 'seed', baseline: String(x.seed), current: String(y.seed), flag: `--seed ${x.seed}` });
  if (x.durationMs !== y.durationMs) out.push({ what: 'duration', baseline: formatDuration(x.durationMs), current: formatDuration(y.durationMs), flag: `--duration ${formatDuration(x.durationMs)}` });
  if (x.warmupMs !== y.warmupMs) out.push({ what: 'warm-up', baseline: formatDuration(x.warmupMs), current: formatDuration(y.warmupMs), flag: `--set warmup=${formatDuration(x.warmupMs)}` });
  const [kb, kc] = [b.run.timeScale, c.run.timeScale];
  if (b.kind === 'loadtest' && c.kind === 'loadtest' && kb !== undefined && kc !== undefined && kb !== kc) out.push({ what: 'time scale', baseline: `${kb}×`, current: `${kc}×` });
  return out;
}

export const differenceText = (d: readonly Difference[]): string => d.map((x) => `${x.what} ${x.baseline} vs ${x.current}`).join(', ');

/** HEADROOM_ERR_NOT_COMPARABLE for runs that differ; the hint gives the options that would match when the current run is simulated. */
export function notComparable(d: readonly Difference[], names: { baseline: string; current: string }, simulated: boolean): HeadroomError {
  const flags = d.map((x) => x.flag);
  const match = simulated && flags.every((f) => f !== undefined) ? `replay the baseline's run with ${flags.join(' ')}; ` : '';
  return new HeadroomError(ErrorCode.notComparable, `${names.baseline} and ${names.current} are not runs of the same thing (${differenceText(d)}), so their figures differ for that reason and not by a regression`, {
    hint: `${match}make this run the new baseline with --update-baseline (in a reviewed commit); or compare anyway with --allow-different-scenario`,
  });
}

/** `a`, `a and b`, `a, b and c`. */
const listText = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)!}`);

/** Refuses a simulation against a load test while a gate on a timing-dependent figure is on. */
export function kindMismatch(b: Report, c: Report, t: Thresholds, names: { baseline: string; current: string }): HeadroomError | undefined {
  if (b.kind === c.kind) return undefined;
  const on = timingGatesOn(t);
  if (on.length === 0) return undefined;
  const what = (r: Report) => (r.kind === 'simulation' ? 'a simulation (a prediction)' : 'a load test (a measurement)');
  return new HeadroomError(
    ErrorCode.notComparable,
    `${names.baseline} is ${what(b)} and ${names.current} ${what(c)}: their ${listText(on.map((f) => f.label))} differ by the simulator's model error and the live run's timing, not by a regression`,
    {
      hint: `gate cost only with ${on.map((f) => OFF_FLAG[f.limit]).join(' ')} (with the same scenario and seed, cost agrees exactly between the two); compare a load test with a load test for the rest; \`headroom loadtest --compare-sim\` shows predicted vs measured within tolerances`,
    },
  );
}

/** Why a load test's figures cannot be gated on (incomplete: the load tester exited 1 or 130), else undefined. */
export function incomplete(r: Report): string | undefined {
  if (r.kind !== 'loadtest') return undefined;
  if (r.run.interrupted) return 'it was interrupted (Ctrl-C) before its end';
  const d = r.run.drain;
  if (d && (d.cutOffTurns > 0 || d.cutOffSessions > 0)) return `its drain was cut off (${d.cutOffTurns} turns in flight, ${d.cutOffSessions} conversations unfinished), so its figures leave out the slowest turns`;
  const lost = r.run.agents?.lost.length ?? 0;
  if (lost > 0) return `${lost} of its ${r.run.agents!.count} load-test agents died mid-run, so their share of the sessions is missing`;
  return undefined;
}

export function incompleteError(file: string, why: string): HeadroomError {
  return new HeadroomError(ErrorCode.reportInvalid, `${file}: an incomplete load test: ${why}`, { hint: 'gate on a complete run (one that `headroom loadtest` ended with exit 0 or 99); run the load test again' });
}

/** `loadtest`'s own threshold of late sends (--max-late-share default): above it the target got less load than planned. */
const LATE_SHARE = 0.01;

/** A warning when the load generator fell behind in `r` (the load tester's threshold is not recorded, so its default is used). */
export function lateSends(r: Report, file: string): string | undefined {
  const g = r.run.generator;
  if (r.kind !== 'loadtest' || !g || g.sends === 0 || g.lateSends / g.sends <= LATE_SHARE) return undefined;
  return `${file}: the load generator fell behind (${g.lateSends} of ${g.sends} sends late by more than ${g.lagThresholdMs} ms): the target got less load than planned, so its figures flatter it`;
}

/** A warning when one of two load tests does not record its time scale (written before reports did). */
export function unknownTimeScale(b: Report, c: Report, names: { baseline: string; current: string }): string | undefined {
  if (b.kind !== 'loadtest' || c.kind !== 'loadtest') return undefined;
  const missing = [b.run.timeScale === undefined ? names.baseline : undefined, c.run.timeScale === undefined ? names.current : undefined].filter(Boolean);
  return missing.length === 0 ? undefined : `${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not record the load test's time scale (an older report): make sure both ran at the same --time-scale`;
}
