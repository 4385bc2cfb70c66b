/** `headroom sim run`: simulate a scenario and answer the capacity question. */
import { ErrorCode, ExitCode, HeadroomError } from '../../errors.js';
import { Pricing } from '../../core/pricing.js';
import { renderReport } from '../../report/terminal.js';
import { loadScenario } from '../../scenario/load.js';
import { formatDuration } from '../../scenario/units.js';
import { buildReport } from '../../sim/build-report.js';
import { expectedTurns, MAX_SIM_TURNS, SIM_TURNS_PER_S } from '../../sim/run-size.js';
import { simulate } from '../../sim/simulate.js';
import { line, outFile, warnTo, writeJson, type Io } from '../output.js';
import { durationOverride } from '../options.js';
import { progressBar } from '../progress.js';

export interface SimRunOptions {
  seed?: number;
  duration?: string;
  set: string[];
  json: boolean;
  out?: string;
  /** Run even when the run would simulate more than MAX_SIM_TURNS turns (hours of CPU): a warning, not a refusal. */
  allowHugeRun?: boolean;
}

export async function simRun(io: Io, file: string, opts: SimRunOptions): Promise<number> {
  const overrides = [...opts.set, ...durationOverride(opts.duration)];
  const out = await outFile(opts.out);
  const scenario = await loadScenario(file, { overrides, onWarning: warnTo(io) });
  const turns = expectedTurns(scenario);
  if (turns > MAX_SIM_TURNS) {
    const size = `the run would simulate about ${turns.toPrecision(2)} turns, more than the ${MAX_SIM_TURNS.toExponential()} one run takes without --allow-huge-run (${cpuTime(turns / SIM_TURNS_PER_S)} of CPU at ~${SIM_TURNS_PER_S.toLocaleString('en-US')} turns/s)`;
    if (!opts.allowHugeRun)
      throw new HeadroomError(ErrorCode.scenarioInvalid, `${file}: ${size}`, {
        hint: `simulate the hour that matters (--duration 1h, with users.arrival.startHour at the peak) or fewer users; ${formatDuration(scenario.duration)} at ${Math.round(turns / (scenario.duration / 1000)).toLocaleString('en-US')} turns/s is what was asked. To run it anyway, pass --allow-huge-run`,
      });
    // Asked for: said once, on stderr, so that a long silence (with --json, or off a terminal, no progress bar) is not taken for a hang.
    io.err.write(`warning: ${file}: ${size}; running it anyway (--allow-huge-run)\n`);
  }
  const bar = !opts.json && io.isTty ? progressBar(io, 'simulating') : undefined;
  const result = simulate(scenario, { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(bar ? { onProgress: bar.update } : {}) });
  bar?.stop();
  const report = buildReport(result, new Pricing(scenario));
  if (opts.json) writeJson(io, report);
  else line(io, renderReport(report, { color: io.isTty }));
  if (out) {
    await out(`${JSON.stringify(report, null, 2)}\n`);
    if (!opts.json) line(io, `report written to ${opts.out}`);
  }
  return report.slo.pass ? ExitCode.ok : ExitCode.gateFailed;
}

/** `about 6 hours`, `about 1,653 days`: rounded, since it is an estimate. */
function cpuTime(seconds: number): string {
  const hours = seconds / 3600;
  return hours < 48 ? `about ${Number(hours.toPrecision(2))} hours` : `about ${Math.round(hours / 24).toLocaleString('en-US')} days`;
}
