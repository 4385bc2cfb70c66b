/**
 * `headroom loadtest`: replay a scenario's workload against a live target and report what was
 * measured; `--compare-sim` also simulates the same scenario, seed and time scale and prints predicted
 * vs measured. The CLI layer joins the two halves (sim and loadtest never import each other).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import Table from 'cli-table3';
import { ErrorCode, ExitCode, HeadroomError } from '../../errors.js';
import type { Report } from '../../core/metrics/report.js';
import { Pricing } from '../../core/pricing.js';
import { buildLoadReport } from '../../loadtest/build-report.js';
import { compareReports, type CompareRow } from '../../loadtest/compare.js';
import { agentDid, agentName, HEARTBEAT_TTL_MS, type AgentsOutcome, type LostAgent } from '../../loadtest/agent-liveness.js';
import { awaitAgents, cancelRun, collectRun, emptyMeasurements, postRun, removeRun, runAgentOnce, startRun } from '../../loadtest/distributed.js';
import type { TurnResult } from '../../loadtest/measure.js';
import { drainLine, replay, type ReplayResult } from '../../loadtest/replay.js';
import { checkTarget, servedBefore } from '../../loadtest/target.js';
import { Workload } from '../../workload/stream.js';
import { renderReport } from '../../report/terminal.js';
import { loadScenario } from '../../scenario/load.js';
import { formatDuration } from '../../scenario/units.js';
import { durationArg, durationOverride, MAX_TIMER_MS } from '../options.js';
import { buildReport } from '../../sim/build-report.js';
import { simulate } from '../../sim/simulate.js';
import { LiveProgress } from '../live-progress.js';
import { line, outFile, warnTo, writeJson, type Io } from '../output.js';

export interface LoadtestOptions {
  target: string;
  timeScale: number;
  duration?: string;
  maxSessions?: number;
  seed?: number;
  set: string[];
  json: boolean;
  out?: string;
  compareSim: boolean;
  stream: boolean;
  allowRemote: boolean;
  apiKey?: string;
  connections: number;
  /** Share of sends allowed to leave late before the run is declared invalid. */
  maxLateShare: number;
  /** Load-generator processes (through Redis); 1 replays in this process. */
  agents: number;
  redis: string;
  /** Agents run elsewhere (`headroom loadtest agent --pool`): do not spawn them here. */
  externalAgents: boolean;
  /** The pool of external agents the run is offered to. */
  pool: string;
  /** How long to wait for the agents to claim the run, e.g. `30s`. */
  agentsTimeout: string;
  /** Wall time the conversations still running after the last arrival get before they are cut off, e.g. `60s`. */
  drainTimeout: string;
}

/**
 * How to start a local agent for run `runId`: the command that runs this CLI, from HEADROOM_AGENT_CMD
 * (JSON array) when set, else this very process's node, flags and entry script.
 */
function agentCommand(redisUrl: string, runId: string): [string, string[]] {
  const args = ['loadtest', 'agent', '--redis', redisUrl, '--run', runId];
  const custom = process.env.HEADROOM_AGENT_CMD;
  if (custom) {
    const [cmd, ...rest] = JSON.parse(custom) as string[];
    return [cmd!, [...rest, ...args]];
  }
  return [process.execPath, [...process.execArgv, process.argv[1]!, ...args]];
}

async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined); // reported by the failing command below
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw new HeadroomError(ErrorCode.redisUnavailable, `cannot reach Redis at ${url}: ${(e as Error).message}`, { hint: 'distributed load generation shares work through Redis' });
  }
  return redis;
}

/**
 * The first Ctrl-C: `say` why the process goes on, and abort the returned signal (the caller stops and
 * reports what was measured); the listener is gone after it, so a second Ctrl-C ends the process.
 * `release` removes it when the work ended first.
 */
function firstCtrlC(say: () => void): { signal: AbortSignal; release(): void } {
  const interrupt = new AbortController();
  const onInterrupt = () => {
    say();
    interrupt.abort();
  };
  process.once('SIGINT', onInterrupt);
  return { signal: interrupt.signal, release: () => process.off('SIGINT', onInterrupt) };
}

/** Pool names become part of a Redis key: a short word, so that a typo cannot reach another key. */
const POOL_RE = /^[\w.-]{1,64}$/;

function checkPool(pool: unknown): string {
  if (typeof pool !== 'string' || !POOL_RE.test(pool)) throw new HeadroomError(ErrorCode.badArgument, `--pool: expected a name of letters, digits, '.', '_' or '-' (at most 64), found ${JSON.stringify(pool)}`);
  return pool;
}

/**
 * `headroom loadtest agent`: replay this agent's share of runs from Redis — the one run it was started
 * for (`--run ID`, as `--agents N` spawns it), or runs offered to its pool (`--pool NAME`), one after
 * another, or one with `--once`.
 */
export async function loadtestAgent(io: Io, o: { redis: string; once: boolean; pool: string; run?: string }): Promise<number> {
  const pool = checkPool(o.pool);
  const redis = await connect(o.redis);
  const log = (text: string) => io.err.write(`${text}\n`);
  // Ctrl-C (at a terminal it reaches the agents --agents N started too): stop sending, report what was
  // measured to the coordinator, and take no further run; a second one ends the process.
  const interrupt = firstCtrlC(() => log('load-test agent interrupted: reporting what it measured (Ctrl-C again quits)'));
  try {
    if (o.run !== undefined) await runAgentOnce(redis, { runId: o.run }, 0, log, interrupt.signal);
    else {
      if (!o.once) line(io, `load-test agent waiting for runs of pool ${pool} on ${o.redis} (Ctrl-C stops it)`);
      do {
        await runAgentOnce(redis, { pool }, o.once ? 30_000 : 5_000, log, interrupt.signal);
      } while (!o.once && !interrupt.signal.aborted);
    }
  } finally {
    interrupt.release();
    redis.disconnect();
  }
  return interrupt.signal.aborted ? ExitCode.interrupted : ExitCode.ok;
}

/**
 * A run of `o.agents` agents through Redis. An aborted `signal` (Ctrl-C) tells them to stop through the
 * run's stop flag and reports what they measured: before, the coordinator died at once, with no report,
 * while the agents it had started went on loading the target to the end of their run.
 */
async function distributedReplay(io: Io, file: string, o: LoadtestOptions, overrides: string[], scenarioDurationMs: number, seed: number, limits: { drainTimeoutMs: number; agentsTimeoutMs: number }, signal: AbortSignal): Promise<ReplayResult> {
  const redis = await connect(o.redis);
  const children: ChildProcess[] = [];
  const spec = await postRun(redis, {
    scenarioText: await readFile(file, 'utf8'),
    scenarioFile: file,
    overrides,
    target: checkTarget(o.target, o.allowRemote).origin,
    timeScale: o.timeScale,
    seed,
    agents: o.agents,
    agentsTimeoutMs: limits.agentsTimeoutMs,
    ...(o.externalAgents ? { pool: o.pool } : {}),
    stream: o.stream,
    connections: Math.max(1, Math.ceil(o.connections / o.agents)),
    drainTimeoutMs: limits.drainTimeoutMs,
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
  });
  let done = false;
  const result = (r: { measurements: ReplayResult['measurements']; sessions: number; wallMs: number; interrupted: boolean; agents?: AgentsOutcome }): ReplayResult => ({
    measurements: r.measurements,
    sessions: r.sessions,
    wallMs: r.wallMs,
    realDurationMs: r.wallMs,
    scenarioDurationMs: r.wallMs * o.timeScale,
    timeScale: o.timeScale,
    drainTimeoutMs: limits.drainTimeoutMs,
    connections: spec.connections * spec.agents,
    ...(r.agents ? { agents: r.agents } : {}),
    ...(r.interrupted ? { interrupted: true } : {}),
  });
  try {
    if (!o.externalAgents) {
      const [cmd, args] = agentCommand(o.redis, spec.runId);
      for (let i = 0; i < o.agents; i++) children.push(spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] }));
    }
    // Interrupted before the start: nothing was sent (the run is withdrawn below).
    if (!(await awaitAgents(redis, spec, signal))) return result({ measurements: emptyMeasurements(spec), sessions: 0, wallMs: 0, interrupted: true });
    const startAtEpochMs = await startRun(redis, spec);
    // The agents' runs are bounded: the wait for the start instant, the arrivals, the drain (--drain-timeout),
    // and slack for reporting.
    const timeoutMs = startAtEpochMs - Date.now() + scenarioDurationMs / o.timeScale + limits.drainTimeoutMs + 30_000;
    // A dead agent is said at once (its heartbeat lapsed), not after the run: the others are being stopped.
    const onLost = (a: LostAgent) =>
      io.err.write(`error: ${agentName(a, o.agents)} of run ${spec.runId} stopped: no heartbeat for ${formatDuration(HEARTBEAT_TTL_MS)}; ${agentDid(a)}; stopping the other agents and reporting what they measured\n`);
    const r = await collectRun(redis, spec, timeoutMs, signal, onLost);
    if (r.missing > 0) io.err.write(`warning: ${r.missing} of ${o.agents} agents did not report after the stop; the report covers the others\n`);
    done = !r.interrupted && r.agents.lost.length === 0;
    return result(r);
  } finally {
    // Whatever ended the wait, no agent goes on with a run nobody collects, and no entry is left for one.
    await (done ? removeRun(redis, spec) : cancelRun(redis, spec)).catch(() => undefined);
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    redis.disconnect();
  }
}

const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/**
 * Why a run whose sends left late cannot be trusted, and what to change: the generator's own connections
 * (`--connections`) when the wait for one held most late sends, else its timers (a CPU-bound process).
 * Late sends hand the target less load than the scenario plans, so its figures flatter it.
 */
function fellBehind(g: NonNullable<Report['run']['generator']>, lateShare: number, connectionsFlag: number): string {
  const byConnection = g.lateForConnection;
  const w = g.connectionWait;
  const cause =
    byConnection > 0
      ? `; ${byConnection.toLocaleString('en-US')} of them waited for one of its ${plural(g.connections, 'connection')} (--connections ${connectionsFlag}; wait mean ${formatDuration(w.mean)}, p99 ${formatDuration(w.p99)} real)`
      : '';
  const remedy =
    byConnection * 2 >= g.lateSends
      ? 'raise --connections to at least the turns the scenario has in flight at once'
      : 'use fewer sessions, a smaller --time-scale, or more load-generator agents';
  return (
    `error: the load generator fell behind: ${(lateShare * 100).toFixed(1)}% of sends left more than ${g.lagThresholdMs} ms late (max lag ${Math.round(g.maxLagMs)} ms)${cause}. ` +
    `The target got less load than planned, so its figures flatter it; ${remedy}.`
  );
}

function fmt(r: CompareRow, v: number): string {
  if (r.unit === 'usd') return `$${v.toFixed(2)}`;
  if (r.unit === 'ms') return formatDuration(v);
  if (r.unit === 'per-s') return v.toFixed(2);
  return Math.round(v).toLocaleString('en-US');
}

export function renderComparison(rows: CompareRow[]): string {
  const t = new Table({ head: ['', 'predicted', 'measured', 'error', 'tolerance', ''], style: { head: [], border: [] }, chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ' } });
  for (const r of rows) t.push([r.metric, fmt(r, r.predicted), fmt(r, r.measured), `${(r.error * 100).toFixed(1)}%`, r.tolerance === 'exact' ? 'exact' : `±${r.tolerance * 100}%`, r.pass ? 'ok' : 'DIFFERS']);
  return t.toString();
}

/**
 * Checks the numeric flags before anything runs. yargs' `number` type lets `abc` through as NaN and a
 * repeated flag as an array: unchecked, NaN disabled `--max-sessions` and the late-send check, and
 * `--connections 0` or `--agents 1.5` reached undici and the session split.
 */
function checkOptions(o: LoadtestOptions): { drainTimeoutMs: number; agentsTimeoutMs: number } {
  const bad = (flag: string, expected: string, found: unknown) => new HeadroomError(ErrorCode.badArgument, `${flag}: expected ${expected}, found ${String(found)}`);
  const whole = (v: number) => Number.isInteger(v) && v >= 1;
  if (!(Number.isFinite(o.timeScale) && o.timeScale > 0)) throw bad('--time-scale', 'a positive number', o.timeScale);
  if (!whole(o.connections)) throw bad('--connections', 'a whole number ≥ 1', o.connections);
  if (!whole(o.agents)) throw bad('--agents', 'a whole number ≥ 1', o.agents);
  if (o.maxSessions !== undefined && !whole(o.maxSessions)) throw bad('--max-sessions', 'a whole number ≥ 1', o.maxSessions);
  if (!(o.maxLateShare >= 0 && o.maxLateShare <= 1)) throw bad('--max-late-share', 'a share from 0 to 1', o.maxLateShare);
  checkPool(o.pool);
  const agentsTimeoutMs = durationArg(o.agentsTimeout, '--agents-timeout', { positive: true, maxMs: MAX_TIMER_MS });
  return { drainTimeoutMs: durationArg(o.drainTimeout, '--drain-timeout', { maxMs: MAX_TIMER_MS }), agentsTimeoutMs };
}

export async function loadtest(io: Io, file: string, o: LoadtestOptions): Promise<number> {
  const target = checkTarget(o.target, o.allowRemote);
  const out = await outFile(o.out);
  const { drainTimeoutMs, agentsTimeoutMs } = checkOptions(o);
  const overrides = [...o.set, ...durationOverride(o.duration)];
  let scenario = await loadScenario(file, { overrides, onWarning: warnTo(io) });
  const seed = o.seed ?? scenario.seed;
  if (o.maxSessions !== undefined) {
    // The first N sessions are the sessions that arrive before the (N+1)-th: the run is the scenario cut
    // there, for the replay, the agents, the report and the simulation alike (the simulation used to cover
    // the whole duration, so every exact figure of --compare-sim differed).
    let cutAtMs: number | undefined;
    let n = 0;
    for (const session of new Workload(scenario, seed).sessions()) {
      if (n++ < o.maxSessions) continue;
      cutAtMs = session.startAtMs;
      break;
    }
    if (cutAtMs !== undefined) {
      if (cutAtMs <= scenario.warmup)
        throw new HeadroomError(ErrorCode.badArgument, `--max-sessions ${o.maxSessions}: they all arrive within the warm-up (${formatDuration(scenario.warmup)}), so nothing would be measured`, { hint: 'replay more sessions, or shorten the warm-up (--set warmup=…)' });
      overrides.push(`duration=${cutAtMs}ms`);
      scenario = await loadScenario(file, { overrides });
    }
  }
  const pricing = new Pricing(scenario);
  if (!o.json) line(io, `replaying ${scenario.name} (seed ${seed}) against ${target.origin} at ${o.timeScale}× — ${formatDuration(scenario.duration)} of scenario time in ≈${formatDuration(scenario.duration / o.timeScale)}`);
  if (o.compareSim) {
    const before = await servedBefore(target.origin, o.apiKey);
    if (before) io.err.write(`warning: ${target.origin} already served traffic (${before}): its cached answers (and a provider's prompt cache) will make cache hits, calls, tokens and cost differ from the simulation; restart it (or give it a fresh --prefix) before comparing\n`);
  }
  const progress = !o.json && io.isTty ? new LiveProgress(io, o.timeScale, scenario.duration) : undefined;
  // Ctrl-C stops the replay — this process's, or the agents' through Redis — and keeps what was measured;
  // a second one (no listener left) ends the process.
  const interrupt = firstCtrlC(() =>
    io.err.write(`interrupted: stopping the replay${o.agents > 1 ? ' (telling the agents through Redis)' : ''} and reporting what was measured (Ctrl-C again quits)\n`),
  );
  let result: ReplayResult;
  try {
    result =
      o.agents > 1
        ? await distributedReplay(io, file, o, overrides, scenario.duration, seed, { drainTimeoutMs, agentsTimeoutMs }, interrupt.signal)
        : await replay(scenario, {
            target: target.origin,
            timeScale: o.timeScale,
            seed,
            ...(o.maxSessions !== undefined ? { maxSessions: o.maxSessions } : {}),
            ...(o.apiKey ? { apiKey: o.apiKey } : {}),
            stream: o.stream,
            connections: o.connections,
            signal: interrupt.signal,
            drainTimeoutMs,
            onDrain: (d) => (progress ? progress.note(drainLine(d)) : io.err.write(`${drainLine(d)}\n`)),
            ...(progress ? { onTurn: (r: TurnResult) => progress.turn(r) } : {}),
          });
  } finally {
    interrupt.release();
    progress?.stop();
  }
  const live = buildLoadReport(scenario, seed, result, pricing);
  // An interrupted run's cohort is cut short, and a run that lost an agent lacks its share: nothing to compare with a whole simulation.
  const lost = result.agents?.lost ?? [];
  const rows = o.compareSim && !result.interrupted && lost.length === 0 ? compareReports(buildReport(simulate(scenario, { seed }), pricing), live) : undefined;
  const late = result.measurements.lateShare;

  const full = { ...live, ...(rows ? { comparison: rows } : {}) };
  if (o.json) writeJson(io, full);
  else {
    line(io, renderReport(live, { color: io.isTty }));
    if (rows) {
      line(io, '\nPREDICTED vs MEASURED');
      line(io, renderComparison(rows));
    }
  }
  await out?.(`${JSON.stringify(full, null, 2)}\n`);
  const m = result.measurements;
  if (result.interrupted) {
    io.err.write(`interrupted after ${formatDuration(result.wallMs)} (${formatDuration(result.scenarioDurationMs)} of scenario time): the report covers the turns answered until then${o.compareSim ? '; no comparison with the simulation' : ''}\n`);
    return ExitCode.interrupted;
  }
  if (m.sends > 0 && m.responses === 0) {
    // As `loadtest raw`: with no answer at all there is nothing measured about the target.
    io.err.write(`error: ${target.origin} answered none of the ${m.sends.toLocaleString('en-US')} turn requests (${Object.keys(m.errors).join(', ') || 'no response'}); is \`headroom serve\` running and listening there?\n`);
    return ExitCode.badInput;
  }
  if (lost.length > 0) {
    // As a cut-off drain: part of the planned load was never sent, and part of what was sent is in no figure.
    io.err.write(
      `error: the run is incomplete: ${lost.map((a) => agentName(a, o.agents)).join(', ')} died mid-run, so ${lost.length === 1 ? 'its' : 'their'} share of the sessions is missing from the report, the target got less load than planned${lost.length < o.agents ? ' and the other agents were stopped early' : ''}${o.compareSim ? '; no comparison with the simulation' : ''}. See the agent's own errors (on its machine, for an agent run elsewhere) and run again.\n`,
    );
    return ExitCode.internal;
  }
  if (m.sessionsCutOffAtDrain > 0) {
    // As a generator that fell behind: the slowest turns are missing from the figures, which flatters the target.
    io.err.write(
      `error: the drain was cut off after ${formatDuration(drainTimeoutMs)} (--drain-timeout): ${m.cutOffAtDrain.toLocaleString('en-US')} turns still in flight were cut off at drain and ${m.sessionsCutOffAtDrain.toLocaleString('en-US')} conversations left unfinished, so the run is incomplete and its figures leave out the slowest turns. Give the drain more time, or find out why the target holds turns that long.\n`,
    );
    return ExitCode.internal;
  }
  const t = live.turns;
  if (t.arrived > 0 && t.completed + t.cacheHits === 0) {
    // No SLO needed to see it: a run in which the target answered no turn is not a pass (it exited 0 when the
    // scenario set no SLO). Before the late-send check: a generator that fell behind only flatters a target,
    // and this one failed everything even so.
    const reasons = Object.entries(t.byReason).sort((a, b) => b[1] - a[1]).map(([r, c]) => `${r} ×${c.toLocaleString('en-US')}`);
    io.err.write(`error: none of the ${t.arrived.toLocaleString('en-US')} turns of the window was answered (${reasons.join(', ') || 'no reason given'}): the target failed every turn, so the run is not a pass\n`);
    return ExitCode.gateFailed;
  }
  const g = live.run.generator!;
  if (late > o.maxLateShare) {
    io.err.write(`${fellBehind(g, late, o.connections)}\n`);
    return ExitCode.internal;
  }
  if (g.connectionWait.count > 0) {
    const w = g.connectionWait;
    io.err.write(
      `warning: ${plural(w.count, 'turn')} waited for one of the load generator's ${plural(g.connections, 'connection')} (--connections ${o.connections}; mean ${formatDuration(w.mean)}, p99 ${formatDuration(w.p99)} real): the target got them that much later than planned; the wait is reported apart (run.generator), not in the target's latency\n`,
    );
  }
  const gateFailed = !live.slo.pass || (rows?.some((r) => !r.pass) ?? false);
  return gateFailed ? ExitCode.gateFailed : ExitCode.ok;
}
