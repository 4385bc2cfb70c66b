/**
 * Golden runs (STYLE.md habit 8): each bundled scenario's seeded report is checked in and diffed, so
 * any change in what the simulator predicts is seen and reviewed. Only wall-clock figures are
 * excluded. After an intended change: `UPDATE_GOLDEN=1 npx vitest run test/golden` and review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pricing } from '../../src/core/pricing.js';
import { loadScenario } from '../../src/scenario/load.js';
import { buildReport } from '../../src/sim/build-report.js';
import { simulate } from '../../src/sim/simulate.js';

const SCENARIOS = readdirSync('scenarios').filter((f) => f.endsWith('.yaml'));

function canonical(file: string) {
  return loadScenario(join('scenarios', file)).then((s) => {
    const report = buildReport(simulate(s), new Pricing(s));
    const { wallMs: _w, eventsPerSecond: _e, ...run } = report.run;
    // Round floats so the golden files read well and are stable across platforms' last-bit differences.
    return JSON.parse(JSON.stringify({ ...report, run }, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v)));
  });
}

describe('golden reports of the bundled scenarios', () => {
  it.each(SCENARIOS)('%s matches its checked-in report', async (file) => {
    const actual = await canonical(file);
    const path = join('test/golden', `${basename(file, '.yaml')}.report.json`);
    if (process.env.UPDATE_GOLDEN || !existsSync(path)) {
      if (process.env.CI) throw new Error(`${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/golden and commit it`);
      writeFileSync(path, `${JSON.stringify(actual, null, 1)}\n`);
    }
    const expected = JSON.parse(readFileSync(path, 'utf8'));
    expect(actual, `${file}: the simulator's prediction changed; if intended, UPDATE_GOLDEN=1 and review the diff`).toEqual(expected);
    // Little's law holds on every report (oracle b).
    expect(actual.littlesLaw.relativeError).toBeLessThan(0.01);
  }, 60_000);
});
