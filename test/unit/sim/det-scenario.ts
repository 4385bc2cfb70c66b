/**
 * A small deterministic scenario for report tests: 1,000 daily users at 10 % concurrency (100
 * conversations), one turn of one call each (1,100 input and 500 output tokens; 500 ms to the first
 * token, then 100 tokens/s: 5.5 s a call, 18.2 conversations/s), 100 workers of 10 slots, no cache.
 * Its figures are easy to check by hand, so the tests assert exact values.
 */
import { Pricing } from '../../../src/core/pricing.js';
import type { Report } from '../../../src/core/metrics/report.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import { buildReport } from '../../../src/sim/build-report.js';
import { simulate } from '../../../src/sim/simulate.js';

export const DET_YAML = `
name: det
seed: 1
duration: 1h
warmup: 5m
users: { dailyActive: 1000, concurrencyRatio: 10%, arrival: { profile: flat } }
conversation: { turns: 1, thinkTime: 0, tokens: { systemPrompt: 1000, userMessage: 100, output: 500 } }
models:
  m: { id: custom-m, price: { input: $1/Mtok, output: $2/Mtok }, latency: { ttft: 500ms, outputRate: 100/s }, limits: { rpm: 100k, itpm: 100M, otpm: 100M } }
workers: { count: 100, concurrency: 10 }
cache: false
`;

/** The report of the scenario with `--set` overrides. */
export function runDet(overrides: string[] = []): Report {
  const parsed = parseScenario(DET_YAML, 'det.yaml', { overrides });
  if (!parsed.scenario) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  return buildReport(simulate(parsed.scenario), new Pricing(parsed.scenario));
}
