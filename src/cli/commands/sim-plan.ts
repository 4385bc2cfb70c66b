/** `headroom sim plan`: the fewest workers that meet every SLO of a scenario, by simulation (sim/plan.ts). */
import { ExitCode } from '../../errors.js';
import { renderPlan } from '../../report/plan.js';
import { loadScenario } from '../../scenario/load.js';
import { planBounds, planWorkers } from '../../sim/plan.js';
import { checkRunSize } from '../../sim/run-size.js';
import { line, outFile, warnTo, writeJson, type Io } from '../output.js';
import { durationOverride, rangeArg } from '../options.js';
import { progressBar } from '../progress.js';

export interface SimPlanOptions {
  seed?: number;
  duration?: string;
  set: string[];
  minWorkers?: number;
  maxWorkers?: number;
  json: boolean;
  out?: string;
}

/** What workers.count takes (scenario/schema.ts `Workers`). */
const WORKERS = { whole: true, min: 1, max: 100_000 } as const;

/** Exit 0 when a count meets every SLO (or the scenario has none), 99 when none up to the most searched does, 2 on bad input. */
export async function simPlan(io: Io, file: string, opts: SimPlanOptions): Promise<number> {
  const flags = {
    ...(opts.minWorkers !== undefined ? { minWorkers: rangeArg(opts.minWorkers, '--min-workers', WORKERS) } : {}),
    ...(opts.maxWorkers !== undefined ? { maxWorkers: rangeArg(opts.maxWorkers, '--max-workers', WORKERS) } : {}),
  };
  const overrides = [...opts.set, ...durationOverride(opts.duration)];
  const out = await outFile(opts.out);
  const scenario = await loadScenario(file, { overrides, onWarning: warnTo(io) });
  checkRunSize(scenario, file, 'sim plan');
  const bounds = planBounds(scenario, flags);
  const plan = planWorkers({
    scenario,
    file,
    overrides,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    bounds,
    ...(!opts.json && io.isTty ? { progress: (workers: number, index: number) => progressBar(io, `simulation ${index}: ${workers} workers`) } : {}),
  });
  const doc = plan.document;
  if (opts.json) writeJson(io, doc);
  else line(io, renderPlan(doc, { color: io.isTty }));
  if (out) {
    await out(`${JSON.stringify(doc, null, 2)}\n`);
    if (!opts.json) line(io, `plan written to ${opts.out}`);
  }
  return doc.result.status === 'fail' ? ExitCode.gateFailed : ExitCode.ok;
}
