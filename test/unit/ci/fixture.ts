/**
 * Reports for the ci tests: the support agent simulated over 10 minutes (about half a second), memoised
 * per file; tests change a deep copy to move one figure at a time.
 */
import type { Report } from '../../../src/core/metrics/report.js';
import { Pricing } from '../../../src/core/pricing.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { simulate } from '../../../src/sim/simulate.js';

/** A fresh simulation of `scenarios/<name>.yaml` with `overrides` (not memoised: two calls are two runs). */
export async function simulateScenario(name: 'support-agent' | 'research-agent', overrides: string[] = ['duration=10m']): Promise<Report> {
  const s = await loadScenario(`scenarios/${name}.yaml`, { overrides });
  return buildReport(simulate(s), new Pricing(s));
}

let base: Promise<Report> | undefined;

/** A deep copy of the support agent's 10-minute report (memoised run), as written to JSON and read back. */
export async function supportReport(): Promise<Report> {
  base ??= simulateScenario('support-agent');
  return JSON.parse(JSON.stringify(await base)) as Report;
}
