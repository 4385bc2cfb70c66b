/**
 * Oracle (a), the slow part: M/M/10 at ρ = 0.8 through the full simulator, its report's mean queue
 * wait within 3 % of Erlang C with the standard error ≤ 1 % (the 3 % band ≥ 3 SE wide). The relative
 * variance of the mean wait is ~430 per customer here, so SE ≤ 1 % takes ≥ 4.3 M customers: about
 * 40–60 s of simulation on this 2-core machine, hence its own file (vitest runs files in parallel).
 *
 * Unlike mmc.test.ts (batch means within one run, read through the recorder), the SE comes from
 * independent replications (different seeds, each with its own warm-up) and uses the reports only.
 */
import { describe, expect, it } from 'vitest';
import { Pricing } from '../../../src/core/pricing.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { mmc, mmcScenarioYaml } from '../../../src/sim/oracles.js';
import { simulate } from '../../../src/sim/simulate.js';

describe('M/M/c (slow): the mean wait in queue is within 3 % of Erlang C (SE ≤ 1 %)', () => {
  const servers = 10;
  const utilisation = 0.8;
  const serviceMs = 100;
  const replications = 10;
  const customersEach = 600_000;

  it(`c = ${servers}, ρ = ${utilisation}: ${replications} replications × ${customersEach} customers`, async () => {
    const lambdaPerMs = (servers * utilisation) / serviceMs;
    const relaxationMs = serviceMs / (servers * (1 - Math.sqrt(utilisation)) ** 2);
    const t0 = performance.now();
    const means: number[] = [];
    let customers = 0;
    for (let seed = 1; seed <= replications; seed++) {
      const yaml = mmcScenarioYaml({ servers, utilisation, serviceMs, windowMs: customersEach / lambdaPerMs, warmupMs: Math.max(20 * relaxationMs, 100 * serviceMs), seed });
      const parsed = parseScenario(yaml, 'mmc-slow.yaml');
      if (!parsed.scenario) throw new Error(parsed.problems.map(formatProblem).join('\n'));
      const report = buildReport(simulate(parsed.scenario, { sampleMs: 3_600_000 }), new Pricing(parsed.scenario));
      expect(report.turns.completed, JSON.stringify(report.turns)).toBe(report.turns.arrived);
      means.push(report.latency.queueWait.mean);
      customers += report.turns.arrived;
      // Let the worker answer vitest between replications: one synchronous minute trips its RPC timeout.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const mean = means.reduce((a, b) => a + b, 0) / replications;
    const se = Math.sqrt(means.reduce((a, m) => a + (m - mean) ** 2, 0) / (replications - 1) / replications);
    const analytic = mmc({ servers, arrivalRate: lambdaPerMs, serviceRate: 1 / serviceMs }).meanWait;
    const err = Math.abs(mean - analytic) / analytic;
    console.log(
      `M/M/${servers} ρ=${utilisation}: ${customers} customers in ${replications} replications, Wq sim ${mean.toPrecision(6)} ms vs Erlang C ${analytic.toPrecision(6)} ms: ` +
        `error ${(err * 100).toFixed(2)} %, SE ${((se / analytic) * 100).toFixed(2)} %, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    expect(se / analytic, 'the 3 % band must be at least 3 standard errors wide').toBeLessThanOrEqual(0.01);
    expect(err).toBeLessThan(0.03);
    expect(Math.abs(mean - 1.1 * analytic) / (1.1 * analytic), 'a 10 % wrong analytic value must fail the 3 % check').toBeGreaterThan(0.03);
  }, 180_000);
});
