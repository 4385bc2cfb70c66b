/**
 * Simulator speed and memory: one full 24-hour day of `scenarios/support-agent.yaml` sized to about
 * 1,000,000 LLM calls, run through `simulate()` and `buildReport()`; then the bare event kernel on an
 * M/M/c queue written directly on `VirtualScheduler` (no pipeline), which bounds what the simulator
 * could reach.
 *
 *   npx tsx bench/sim.ts [--calls 1000000] [--scenario scenarios/support-agent.yaml] [--workers N]
 *                        [--kernel-events 5000000] [--no-kernel] [--check]
 *
 * Sizing: `users.dailyActive` is set by Little's law so that sessions × mean turns × mean calls per
 * turn ≈ `--calls` in 24 h (the arrival profile stays as the scenario has it; support-agent is flat).
 * Workers: unless `--workers` is given, enough pooled slots for the mean LLM-busy turns plus six
 * standard deviations (Poisson), times 1.5, so the queue never rejects: the bench measures the
 * simulator, not an overloaded system. The `turns_*` lines show what happened (no rejections expected).
 *
 * Figures: `events_per_s` counts scheduler events executed (arrivals, think times, provider calls,
 * samples, tool waits, slot grants) per second of `simulate()` wall time; `report_s` is `buildReport`;
 * `peak_rss_mb` is the highest `process.memoryUsage.rss()` sampled at each progress tick (100 per run)
 * and `max_rss_mb` the OS's high-water mark (`process.resourceUsage().maxRSS`) for the whole process,
 * which includes Node, tsx, zod and the scenario loader. The machine is shared: rerun before
 * believing a change of less than ~10 %.
 *
 * Goals: ≥ 5,000,000 events/s, the day in < 5 s (simulate + report), < 500 MB RSS (by max_rss_mb).
 * Output: one `key value` pair per line; `--check` sets exit code 99 when a goal is missed.
 */
import { parseArgs } from 'node:util';
import { Pricing } from '../src/core/pricing.js';
import { loadScenario } from '../src/scenario/load.js';
import { distMean } from '../src/scenario/distributions.js';
import { buildReport } from '../src/sim/build-report.js';
import { simulate } from '../src/sim/simulate.js';
import { meanCallMs, meanSessionMs } from '../src/workload/arrivals.js';
import { runMMc } from './kernel-mmc.js';

const GOAL_EVENTS_PER_S = 5_000_000;
const GOAL_DAY_S = 5;
const GOAL_RSS_MB = 500;
const DAY_MS = 86_400_000;

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000000' },
    scenario: { type: 'string', default: 'scenarios/support-agent.yaml' },
    workers: { type: 'string' },
    'kernel-events': { type: 'string', default: '5000000' },
    'no-kernel': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
  },
});

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
const row = (k: string, v: string | number) => console.log(`${k.padEnd(20)} ${v}`);

// --- sizing (not timed) -------------------------------------------------------------------------
const probe = await loadScenario(args.scenario, { overrides: ['duration=24h'] });
const c = probe.conversation;
const turnsPerSession = distMean(c.turns);
const callsPerTurn = distMean(c.callsPerTurn);
const targetSessions = Number(args.calls) / (turnsPerSession * callsPerTurn);
const concurrency = (targetSessions * meanSessionMs(probe)) / DAY_MS;
const dailyActive = Math.max(1, Math.round(concurrency / probe.users.concurrencyRatio));
// Mean turns holding a slot: turn arrivals/s × unloaded turn length (Little's law), then room for peaks.
const turnMs = callsPerTurn * meanCallMs(probe) + Math.max(0, callsPerTurn - 1) * distMean(c.toolLatency);
const busy = ((targetSessions * turnsPerSession) / DAY_MS) * turnMs;
const slotsWanted = Math.ceil(1.5 * (busy + 6 * Math.sqrt(busy)));
const workers = args.workers !== undefined ? Number(args.workers) : Math.ceil(slotsWanted / probe.workers.concurrency);
const overrides = ['duration=24h', `users.dailyActive=${dailyActive}`, `workers.count=${workers}`];
const scenario = await loadScenario(args.scenario, { overrides });

row('scenario', `${scenario.name} ${overrides.join(' ')} seed=${scenario.seed}`);
row('machine', 'shared, 2 cores, noisy: compare like with like and rerun before trusting small changes');

// --- the day --------------------------------------------------------------------------------------
let peakRss = process.memoryUsage.rss();
row('rss_start_mb', mb(peakRss));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = simulate(scenario, { onProgress: () => (peakRss = Math.max(peakRss, process.memoryUsage.rss())) });
const simS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const t1 = performance.now();
const report = buildReport(result, new Pricing(scenario));
const reportS = (performance.now() - t1) / 1000;
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const maxRssMb = process.resourceUsage().maxRSS / 1024; // KiB → MiB

const eventsPerS = result.events / simS;
const t = report.turns;
row('sessions', report.population.sessionsStarted);
row('turns_arrived', t.arrived);
row('turns_answered', t.completed + t.cacheHits);
row('turns_not_answered', `${t.rejected + t.deadLettered + t.failed} (rejected ${t.rejected}, dead-lettered ${t.deadLettered}, failed ${t.failed})`);
row('calls', result.providerModel.received.requests);
row('workers', `${scenario.workers.count} × ${scenario.workers.concurrency} (report says ${report.capacity.workersNeeded} needed)`);
row('events', result.events);
row('sim_wall_s', simS.toFixed(3));
row('sim_cpu_s', `${((cpu.user + cpu.system) / 1e6).toFixed(3)} (user + system of all threads, GC helpers included: steadier than wall time on a busy machine)`);
row('report_s', reportS.toFixed(3));
row('day_s', (simS + reportS).toFixed(3));
row('events_per_s', Math.round(eventsPerS).toLocaleString('en-US'));
row('calls_per_s', Math.round(result.providerModel.received.requests / simS).toLocaleString('en-US'));
row('peak_rss_mb', mb(peakRss));
row('max_rss_mb', maxRssMb.toFixed(1));

// --- the bare kernel ------------------------------------------------------------------------------
let kernelOk = true;
if (!args['no-kernel']) {
  const k = runMMc({ events: Number(args['kernel-events']), servers: 10, utilisation: 0.8 });
  row('kernel_mmc', `c=${k.servers} rho=${k.utilisation} events=${k.events} Wq=${k.meanWaitS.toFixed(4)}s (Erlang C ${k.erlangCWaitS.toFixed(4)}s)`);
  row('kernel_events_per_s', Math.round(k.eventsPerS).toLocaleString('en-US'));
  kernelOk = Math.abs(k.meanWaitS - k.erlangCWaitS) / k.erlangCWaitS < 0.05;
  if (!kernelOk) row('kernel_warning', 'M/M/c mean wait is more than 5 % off Erlang C');
}

const okEvents = eventsPerS >= GOAL_EVENTS_PER_S;
const okDay = simS + reportS < GOAL_DAY_S;
const okRss = maxRssMb < GOAL_RSS_MB;
row('goal_events_per_s', `${okEvents ? 'pass' : 'MISS'} (≥ ${GOAL_EVENTS_PER_S.toLocaleString('en-US')})`);
row('goal_day_s', `${okDay ? 'pass' : 'MISS'} (< ${GOAL_DAY_S} s, simulate + report)`);
row('goal_rss_mb', `${okRss ? 'pass' : 'MISS'} (< ${GOAL_RSS_MB}, by max_rss_mb)`);
if (args.check && !(okEvents && okDay && okRss && kernelOk)) process.exitCode = 99;
