/**
 * Real reports for the report tests: the bundled scenarios simulated once per test file (about half a
 * second each), so renderers and the schema are tested on what the simulator actually produces.
 */
import { Pricing } from '../../../src/core/pricing.js';
import type { Report } from '../../../src/core/metrics/report.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { simulate } from '../../../src/sim/simulate.js';

const built = new Map<string, Promise<Report>>();

/** The report of `scenarios/<name>.yaml` at its own seed (memoised; clone before changing it). */
export function realReport(name: 'support-agent' | 'research-agent'): Promise<Report> {
  let p = built.get(name);
  if (!p) {
    p = loadScenario(`scenarios/${name}.yaml`).then((s) => buildReport(simulate(s), new Pricing(s)));
    built.set(name, p);
  }
  return p;
}

/** A deep copy, as the JSON report is written and read back. */
export const viaJson = (r: Report): unknown => JSON.parse(JSON.stringify(r));
