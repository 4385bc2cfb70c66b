/**
 * `headroom ci check`: gate CI on regressions of throughput, cost, latency and errors against a
 * baseline report (usually checked into the repository). The current figures come from simulating a
 * scenario FILE — as `sim run` would, with the same options — or from a report written earlier
 * (`--report`, by `sim run --out` or `loadtest --out`). Exit 0 pass, 99 a regression, 2 bad input
 * (src/ci/check.ts has the rules; README "CI").
 */
import { resolve } from 'node:path';
import { ErrorCode, ExitCode, HeadroomError } from '../../errors.js';
import type { Report } from '../../core/metrics/report.js';
import { Pricing } from '../../core/pricing.js';
import { runCheck, type Side } from '../../ci/check.js';
import { renderCheck } from '../../ci/render.js';
import { claimedKind, exists, parseReport, readJson, readReport } from '../../ci/report-file.js';
import { parseThresholds, type ThresholdFlags } from '../../ci/thresholds.js';
import { loadScenario } from '../../scenario/load.js';
import { formatDuration } from '../../scenario/units.js';
import { buildReport } from '../../sim/build-report.js';
import { expectedTurns, MAX_SIM_TURNS } from '../../sim/run-size.js';
import { simulate } from '../../sim/simulate.js';
import { durationOverride } from '../options.js';
import { line, outFile, warnTo, writeJson, type Io } from '../output.js';
import { progressBar } from '../progress.js';

export interface CiCheckOptions extends ThresholdFlags {
  baseline: string;
  /** A scenario to simulate for the current figures… */
  file?: string;
  /** …or a report written earlier. */
  report?: string;
  seed?: number;
  duration?: string;
  set: string[];
  allowDifferentScenario: boolean;
  updateBaseline: boolean;
  json: boolean;
  out?: string;
}

const bad = (message: string, hint: string) => new HeadroomError(ErrorCode.badArgument, message, { hint });

/** The options that go together, checked before anything is read or simulated. */
function checkOptions(o: CiCheckOptions): void {
  if (o.file !== undefined && o.report !== undefined) throw bad(`give a scenario FILE to simulate or --report with a report, not both (${o.file}, --report ${o.report})`, 'FILE simulates the scenario now; --report takes figures written earlier by `sim run --out` or `loadtest --out`');
  if (o.file === undefined && o.report === undefined) throw bad('ci check needs the current figures: a scenario FILE to simulate, or --report REPORT.json', 'e.g. headroom ci check --baseline ci/baseline.json scenarios/support-agent.yaml');
  if (o.report !== undefined) {
    const simOnly = [o.seed !== undefined ? '--seed' : '', o.duration !== undefined ? '--duration' : '', o.set.length > 0 ? '--set' : ''].filter(Boolean);
    if (simOnly.length > 0) throw bad(`${simOnly.join(', ')} ${simOnly.length === 1 ? 'applies' : 'apply'} to simulating a scenario FILE; with --report the figures are those in ${o.report}`, 'leave them out, or give the scenario FILE instead of --report');
  }
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && resolve(a) === resolve(b);
  for (const [path, what] of [[o.baseline, 'the baseline'], [o.report, 'the --report']] as const)
    if (same(o.out, path)) throw bad(`--out ${o.out} is ${what}: the check's result would overwrite it`, 'write the result elsewhere, e.g. --out check.json');
  if (same(o.report, o.baseline) && !o.updateBaseline) throw bad(`--report and --baseline are the same file (${o.report}): nothing would be compared`, 'give the baseline and the new report');
}

/**
 * The baseline: its report; undefined with the reason it cannot be used when --update-baseline will
 * replace it. A missing baseline without --update-baseline is an error with the way to create one; a file
 * that is no Headroom report at all is never overwritten (a mistyped path must not destroy a file).
 */
async function loadBaseline(o: CiCheckOptions): Promise<{ side?: Side; unusable?: string }> {
  if (!(await exists(o.baseline))) {
    if (o.updateBaseline) return {};
    throw new HeadroomError(ErrorCode.fileNotFound, `--baseline ${o.baseline}: the file does not exist`, {
      hint: `create it from this run with --update-baseline (or \`headroom sim run FILE --out ${o.baseline}\`) and commit it`,
    });
  }
  if (!o.updateBaseline) return { side: { report: await readReport(o.baseline), source: o.baseline } };
  const refusal = (e: unknown) =>
    e instanceof HeadroomError && e.code === ErrorCode.reportInvalid
      ? new HeadroomError(ErrorCode.reportInvalid, `--update-baseline will not overwrite ${o.baseline}: it is not a Headroom report (${e.message.replace(`${o.baseline}: `, '')})`, {
          hint: 'check the --baseline path; to replace the file anyway, delete it first',
        })
      : e;
  const json = await readJson(o.baseline).catch((e: unknown) => Promise.reject(refusal(e)));
  try {
    return { side: { report: parseReport(json, o.baseline), source: o.baseline } };
  } catch (e) {
    // A report of ours that cannot be used (another schema version, edited out of shape) is what --update-baseline replaces.
    const ours = claimedKind(json) === 'simulation' || claimedKind(json) === 'loadtest';
    if (ours && e instanceof HeadroomError && e.code === ErrorCode.reportInvalid) return { unusable: e.message.replace(`${o.baseline}: `, '') };
    throw refusal(e);
  }
}

/** The current report simulated from `file`, exactly as `sim run` simulates it (same options, same guard on the run's size). */
async function simulated(io: Io, file: string, o: CiCheckOptions): Promise<Report> {
  const scenario = await loadScenario(file, { overrides: [...o.set, ...durationOverride(o.duration)], onWarning: warnTo(io) });
  const turns = expectedTurns(scenario);
  if (turns > MAX_SIM_TURNS)
    throw new HeadroomError(ErrorCode.scenarioInvalid, `${file}: the run would simulate about ${turns.toPrecision(2)} turns, more than the ${MAX_SIM_TURNS.toExponential()} one run takes (hours of CPU at ~70,000 turns/s)`, {
      hint: `gate on the hour that matters (--duration 1h, with users.arrival.startHour at the peak); ${formatDuration(scenario.duration)} at ${Math.round(turns / (scenario.duration / 1000)).toLocaleString('en-US')} turns/s is what was asked`,
    });
  const bar = !o.json && io.isTty ? progressBar(io, 'simulating') : undefined;
  const result = simulate(scenario, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(bar ? { onProgress: bar.update } : {}) });
  bar?.stop();
  return buildReport(result, new Pricing(scenario));
}

export async function ciCheck(io: Io, o: CiCheckOptions): Promise<number> {
  const thresholds = parseThresholds(o);
  checkOptions(o);
  const out = await outFile(o.out);
  // The baseline's writer is checked up front too, so a long simulation does not end in a path that cannot be written.
  const baselineWriter = o.updateBaseline ? await outFile(o.baseline, '--baseline') : undefined;
  const base = await loadBaseline(o);
  const current: Side = o.report !== undefined ? { report: await readReport(o.report), source: o.report } : { report: await simulated(io, o.file!, o), source: `${o.file!} (simulated)` };

  const doc = runCheck({
    baseline: base.side,
    ...(base.unusable !== undefined ? { baselineUnusable: base.unusable } : {}),
    current,
    thresholds,
    allowDifferentScenario: o.allowDifferentScenario,
    updateBaseline: o.updateBaseline,
    simulated: o.report === undefined,
  });
  if (o.json) writeJson(io, doc);
  else line(io, renderCheck(doc, { color: io.isTty }));
  await out?.(`${JSON.stringify(doc, null, 2)}\n`);
  if (baselineWriter) {
    await baselineWriter(`${JSON.stringify(current.report, null, 2)}\n`);
    if (!o.json) line(io, `baseline written to ${o.baseline}: commit it to make this run the reference`);
  }
  return doc.pass || doc.baselineUpdated ? ExitCode.ok : ExitCode.gateFailed;
}
