/**
 * The options of `headroom ci check`, declared apart from main.ts so the command table there stays a
 * table. Light on purpose (no simulator, no report code): main.ts imports it for `--help`.
 */
import type { Argv } from 'yargs';
import { DEFAULT_LIMITS } from '../ci/thresholds.js';
import type { CiCheckOptions } from './commands/ci.js';
import { seedArg, seedOption } from './options.js';

type SetOption = { type: 'string'; array: true; default: string[]; describe: string };

export function ciCheckOptions<T>(c: Argv<T>, setOption: SetOption): Argv<T> {
  return c
    .positional('file', { type: 'string', describe: 'Scenario YAML to simulate for the current figures, as `sim run` would (or give --report)' })
    .option('baseline', { type: 'string', demandOption: true, describe: 'The reference report JSON (`sim run --out` or `loadtest --out`), usually committed, e.g. ci/baseline.json' })
    .option('report', { type: 'string', describe: 'Take the current figures from this report JSON instead of simulating FILE' })
    .option('seed', seedOption("Seed (default: the scenario's); must match the baseline's"))
    .option('duration', { type: 'string', describe: "Simulated duration, e.g. 10m (overrides the scenario); must match the baseline's" })
    .option('set', setOption)
    .option('max-throughput-drop', { type: 'string', default: DEFAULT_LIMITS.maxThroughputDrop, describe: 'Largest drop of throughput (turns answered/s) that passes; off disables the gate' })
    .option('max-cost-increase', { type: 'string', default: DEFAULT_LIMITS.maxCostIncrease, describe: 'Largest rise of cost per conversation and of cost per day that passes; off disables the gate' })
    .option('max-latency-increase', { type: 'string', default: DEFAULT_LIMITS.maxLatencyIncrease, describe: 'Largest rise of turn latency p95 that passes; off disables the gate' })
    .option('max-error-rate-increase', { type: 'string', default: DEFAULT_LIMITS.maxErrorRateIncrease, describe: 'Largest rise of the error rate (turns not answered), in percentage points, that passes; off disables the gate' })
    .option('allow-different-scenario', { type: 'boolean', default: false, describe: 'Compare runs of another scenario name, seed, duration, warm-up or time scale anyway' })
    .option('update-baseline', { type: 'boolean', default: false, describe: 'After the comparison, write the current report to --baseline (exit 0): move the reference in a reviewed commit' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON (schema/ci-check.schema.json) instead of the summary' })
    .option('out', { type: 'string', describe: 'Also write the JSON result to this file' })
    .example('$0 ci check --baseline ci/baseline.json scenarios/support-agent.yaml', 'simulate and compare with the committed baseline')
    .example('$0 ci check --baseline ci/baseline.json scenarios/support-agent.yaml --update-baseline', 'create or move the baseline (commit the file)')
    .example('$0 ci check --baseline ci/live-baseline.json --report live.json --max-latency-increase 25%', 'a load test against the last one, with a limit wider than its noise')
    .epilog(
      'Improvements never fail. A simulation is deterministic, so an unchanged scenario changes no figure and any change is real; a load test has run-to-run noise, so give it wider limits. A simulation and a load test compare on cost only (turn the other gates off). README "CI".\nExit codes: 0 pass · 2 bad input (a malformed report, runs that do not compare) · 99 a regression beyond a limit.',
    );
}

/** CiCheckOptions from the parsed arguments (values are checked by the command). */
export function ciCheckArgs(a: Record<string, unknown>): CiCheckOptions {
  return {
    baseline: a.baseline as string,
    ...(a.file !== undefined ? { file: a.file as string } : {}),
    ...(a.report !== undefined ? { report: a.report as string } : {}),
    ...seedArg(a.seed),
    ...(a.duration !== undefined ? { duration: a.duration as string } : {}),
    set: a.set as string[],
    maxThroughputDrop: a.maxThroughputDrop,
    maxCostIncrease: a.maxCostIncrease,
    maxLatencyIncrease: a.maxLatencyIncrease,
    maxErrorRateIncrease: a.maxErrorRateIncrease,
    allowDifferentScenario: a.allowDifferentScenario as boolean,
    updateBaseline: a.updateBaseline as boolean,
    json: a.json as boolean,
    ...(a.out !== undefined ? { out: a.out as string } : {}),
  };
}
