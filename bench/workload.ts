/**
 * Workload generation speed and memory: one full 24-hour day of `scenarios/support-agent.yaml`, sized
 * so that about 1,000,000 sessions arrive, streamed end to end while only counters are kept.
 *
 *   npx tsx bench/workload.ts [--sessions 1000000] [--seed 42] [--scenario scenarios/support-agent.yaml] [--check]
 *
 * Sizing: the scenario's concurrency ratio is kept and `users.dailyActive` is set so that Little's law
 * (arrivals/s = dailyActive × concurrencyRatio ÷ mean session length) gives `--sessions` arrivals in 24 h.
 * The actual count is Poisson around that and is printed.
 *
 * Goal: ≥ 1,000,000 turns/s and < 200 MB RSS. `--check` sets exit code 99 when a goal is missed.
 * Output is one `key value` pair per line (stable, greppable); the checksum (sum of user and output
 * tokens) changes only when the stream's content changes, so it doubles as a sanity check that an
 * optimisation did not alter what is generated.
 */
import { parseArgs } from 'node:util';
import { checkScenarioFile } from '../src/scenario/load.js';
import { formatProblem } from '../src/scenario/problems.js';
import type { Scenario } from '../src/scenario/schema.js';
import { meanSessionMs } from '../src/workload/arrivals.js';
import { Workload } from '../src/workload/stream.js';

const GOAL_TURNS_PER_S = 1_000_000;
const GOAL_RSS_MB = 200;
const DAY_S = 86_400;
const RSS_SAMPLE_EVERY = 16_384; // sessions between RSS samples: cheap, and ~60 samples per run

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    scenario: { type: 'string', default: 'scenarios/support-agent.yaml' },
    check: { type: 'boolean', default: false },
  },
});

async function load(file: string, overrides: string[]): Promise<Scenario> {
  const r = await checkScenarioFile(file, { overrides });
  if (!r.scenario) throw new Error(`${file}: ${r.problems.map(formatProblem).join('\n')}`);
  return r.scenario;
}

const targetSessions = Number(args.sessions);
const base = ['duration=24h', 'users.arrival={ profile: flat }'];
const probe = await load(args.scenario, base);
// Little's law, solved for the daily active users that give `targetSessions` arrivals in the day.
const concurrency = (targetSessions / DAY_S) * (meanSessionMs(probe) / 1000);
const dailyActive = Math.max(1, Math.round(concurrency / probe.users.concurrencyRatio));
const scenario = await load(args.scenario, [...base, `users.dailyActive=${dailyActive}`]);
const workload = new Workload(scenario, args.seed !== undefined ? Number(args.seed) : scenario.seed);

const mb = (bytes: number) => bytes / 1048576;
let peakRss = process.memoryUsage.rss();
const rssBefore = peakRss;
let sessions = 0;
let turns = 0;
let calls = 0;
let checksum = 0;

const t0 = process.hrtime.bigint();
for (const s of workload.sessions()) {
  sessions++;
  for (const t of s.turns) {
    turns++;
    checksum += t.userTokens;
    for (const c of t.calls) {
      calls++;
      checksum += c.outputTokens;
    }
  }
  if (sessions % RSS_SAMPLE_EVERY === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
}
const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const maxRssMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

const turnsPerS = turns / wallS;
const rows: [string, string][] = [
  ['scenario', `${scenario.name} duration=24h profile=flat dailyActive=${dailyActive} concurrencyRatio=${scenario.users.concurrencyRatio} seed=${workload.seed}`],
  ['expected_sessions', `${Math.round(workload.plan.baseRatePerS * DAY_S)}`],
  ['sessions', `${sessions}`],
  ['turns', `${turns}`],
  ['calls', `${calls}`],
  ['checksum', `${checksum}`],
  ['wall_s', wallS.toFixed(3)],
  ['turns_per_s', `${Math.round(turnsPerS)}`],
  ['sessions_per_s', `${Math.round(sessions / wallS)}`],
  ['calls_per_s', `${Math.round(calls / wallS)}`],
  ['rss_start_mb', mb(rssBefore).toFixed(1)],
  ['peak_rss_mb', mb(peakRss).toFixed(1)],
  ['max_rss_mb', maxRssMb.toFixed(1)],
  ['goal_turns_per_s', `${turnsPerS >= GOAL_TURNS_PER_S ? 'pass' : 'MISS'} (≥ ${GOAL_TURNS_PER_S})`],
  ['goal_rss_mb', `${maxRssMb < GOAL_RSS_MB ? 'pass' : 'MISS'} (< ${GOAL_RSS_MB}, by max_rss_mb)`],
];
for (const [k, v] of rows) console.log(`${k.padEnd(18)} ${v}`);
if (args.check && (turnsPerS < GOAL_TURNS_PER_S || maxRssMb >= GOAL_RSS_MB)) process.exitCode = 99;
