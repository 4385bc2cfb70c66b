/**
 * Distributed load generation through Redis: a coordinator posts a run (scenario text, target, time
 * scale, seed) and N agents — separate processes, here or on other load machines — each claim an
 * index, replay the sessions whose id ≡ index (mod N) from one shared start instant, and push their
 * measurements (encoded HDR histograms and counters) back; the coordinator merges them into one.
 *
 * A run's life, and why each step:
 * 1. `postRun`: the spec under the run's own keys. Agents started for the run (`--run ID`, what
 *    `--agents N` spawns) read it there; for agents run elsewhere it also goes on a named pool's list
 *    (`--pool NAME`, `--external-agents`), one entry per agent wanted. Runs never share a list with
 *    agents they did not ask for: with one global list, a coordinator's spawned agents took another
 *    run's entries (and were SIGTERMed mid-run when their own coordinator finished), and a dead
 *    coordinator's entries trapped the next run's agents.
 * 2. `awaitAgents`: the coordinator waits, bounded, until N agents claimed the run; if they do not come
 *    it cancels the run and says so (before, it waited a minute or more for results that could not come).
 * 3. `startRun`: only then is the start instant fixed, a second ahead, so every agent schedules from
 *    the same instant however long it took to start.
 * 4. `collectRun`: N results, merged. Interrupted (Ctrl-C at the coordinator, or an agent reporting it
 *    was), it sets the run's stop flag, which agents poll: they stop sending, abandon what is in flight
 *    and report what they measured, which is merged as the single-process replay keeps its own.
 *    `cancelRun` / `removeRun`: tell agents to stop and delete what is left, including the run's entries
 *    on its pool's list.
 * 5. Liveness (agent-liveness.ts): from its claim until its result is pushed, an agent keeps a heartbeat
 *    in Redis; while it waits for results the coordinator watches the heartbeats, and an agent whose
 *    heartbeat lapsed without a result died (killed, crashed, its machine or network gone): the
 *    coordinator names it and what it had done, stops the others and merges what they measured into a
 *    report marked incomplete. Before, a dead agent was noticed only when the wait for results ran out
 *    (start + window + drain + 30 s), with no report at all.
 *
 * Keys: `hr:lt:pool:<name>` (run ids), `hr:lt:run:<id>:{job,index,start,stop,results}`, and the
 * heartbeats' `hr:lt:run:<id>:{agents,alive:<index>}`.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseScenario } from '../scenario/load.js';
import { formatDuration } from '../scenario/units.js';
import { ErrorCode, HeadroomError } from '../errors.js';
import { Pricing } from '../core/pricing.js';
import { Heartbeat, HeartbeatWatch, livenessKeys, type AgentsOutcome, type LostAgent } from './agent-liveness.js';
import { Measurements, type MeasurementsJSON } from './measure.js';
import { drainLine, replay, type ReplayResult } from './replay.js';

export interface RunSpec {
  runId: string;
  /** The scenario file's text and name (agents may not share a file system). */
  scenarioText: string;
  scenarioFile: string;
  overrides: string[];
  target: string;
  timeScale: number;
  seed: number;
  agents: number;
  /** Real ms the coordinator waits for N agents to claim the run before it cancels it. */
  agentsTimeoutMs: number;
  /** The pool whose agents may take the run; none: only agents started for it (`--run ID`). */
  pool?: string;
  stream: boolean;
  connections: number;
  /** Real ms each agent's drain may take after the window (`--drain-timeout`). */
  drainTimeoutMs: number;
  apiKey?: string;
}

const poolKey = (pool: string) => `hr:lt:pool:${pool}`;
const key = (runId: string, part: 'job' | 'index' | 'start' | 'stop' | 'results') => `hr:lt:run:${runId}:${part}`;
const RUN_TTL_S = 86_400;
/** A stop flag only has to outlive the agents' next look at it (every 250 ms while they replay). */
const STOP_TTL_S = 3600;
/** Lead between fixing the start instant and reaching it: agents poll for it every 50 ms. */
const START_LEAD_MS = 1000;

function scenarioOf(spec: RunSpec) {
  const r = parseScenario(spec.scenarioText, spec.scenarioFile, { overrides: spec.overrides });
  if (!r.scenario) throw new HeadroomError(ErrorCode.scenarioInvalid, `${spec.scenarioFile}: the scenario of run ${spec.runId} is invalid`);
  return r.scenario;
}

/** Claims an index of a run that still exists (0 when it was removed meanwhile: no key left behind). */
const CLAIM = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return n`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts a run for `spec.agents` agents; returns it with its id. Until it starts, the spec lives only a
 * minute past the agents' timeout, so a coordinator that dies before the start leaves nothing an agent
 * would take up later.
 */
export async function postRun(redis: Redis, spec: Omit<RunSpec, 'runId'>): Promise<RunSpec> {
  const full: RunSpec = { ...spec, runId: randomUUID() };
  await redis.set(key(full.runId, 'job'), JSON.stringify(full), 'PX', full.agentsTimeoutMs + 60_000);
  if (full.pool !== undefined) await redis.rpush(poolKey(full.pool), ...Array.from({ length: full.agents }, () => full.runId));
  return full;
}

/**
 * Waits until every agent claimed the run (true), or `signal` is aborted (false); cancels the run and
 * throws, naming what is missing, after `spec.agentsTimeoutMs`.
 */
export async function awaitAgents(redis: Redis, spec: RunSpec, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + spec.agentsTimeoutMs;
  for (;;) {
    const claimed = Number((await redis.get(key(spec.runId, 'index'))) ?? 0);
    if (claimed >= spec.agents) return true;
    if (signal?.aborted) return false;
    if (Date.now() >= deadline) {
      await cancelRun(redis, spec);
      throw new HeadroomError(ErrorCode.agentsUnavailable, `distributed load test: only ${claimed} of ${spec.agents} agents took run ${spec.runId} within ${formatDuration(spec.agentsTimeoutMs)} (--agents-timeout); nothing was sent`, {
        hint:
          spec.pool === undefined
            ? 'the agent processes this run started did not come up: see their errors above (can they reach Redis?)'
            : `start agents with \`headroom loadtest agent --redis URL --pool ${spec.pool}\`; agents of the pool busy with another run take this one only when that run ends (a longer --agents-timeout waits for them)`,
      });
    }
    await sleep(100);
  }
}

/** Fixes the shared start instant (epoch ms), a moment ahead; the run's keys now live a day. */
export async function startRun(redis: Redis, spec: RunSpec): Promise<number> {
  const startAtEpochMs = Date.now() + START_LEAD_MS;
  await redis.set(key(spec.runId, 'start'), String(startAtEpochMs), 'EX', RUN_TTL_S);
  await redis.expire(key(spec.runId, 'job'), RUN_TTL_S);
  return startAtEpochMs;
}

/** Measurements of nothing yet, in the run's window: what the agents' are merged into. */
export function emptyMeasurements(spec: RunSpec): Measurements {
  const s = scenarioOf(spec);
  return new Measurements(spec.timeScale, s.warmup, s.duration, s.report.step, new Pricing(s), s.workers.mode === 'perSession');
}

/** What an agent pushes back. */
interface AgentResult {
  measurements: MeasurementsJSON;
  wallMs: number;
  sessions: number;
  index: number;
  /** The agent stopped before the end of its replay (the run's stop flag, or its own Ctrl-C). */
  interrupted: boolean;
}

/** Real ms agents get to report once told to stop: they abandon what is in flight, so it takes well under a second. */
const STOP_GRACE_MS = 10_000;

export interface Collected {
  measurements: Measurements;
  wallMs: number;
  sessions: number;
  /** The run was stopped before its end by `signal`, or because an agent was interrupted. */
  interrupted: boolean;
  /** Agents that had not reported when the wait after a stop ran out (alive, as far as their heartbeat said). */
  missing: number;
  agents: AgentsOutcome;
}

/**
 * Waits for every agent's measurements and merges them. When `signal` is aborted (Ctrl-C) or an agent
 * reports that it was interrupted, it sets the run's stop flag and waits for the others' partial
 * measurements, briefly: the run is then reported as interrupted, with what came. An agent whose
 * heartbeat lapsed without a result is dead: `onLost` hears of it at once, the others are stopped the
 * same way, and what they measured is merged (`agents.lost` says what is missing).
 */
export async function collectRun(redis: Redis, spec: RunSpec, timeoutMs: number, signal?: AbortSignal, onLost?: (a: LostAgent) => void): Promise<Collected> {
  const merged = emptyMeasurements(spec);
  const results = key(spec.runId, 'results');
  let wallMs = 0;
  let sessions = 0;
  const reported = new Set<number>();
  const lost: LostAgent[] = [];
  let stopped = false;
  let interrupted = false;
  let deadline = Date.now() + timeoutMs;
  const stop = async () => {
    stopped = true;
    await redis.set(key(spec.runId, 'stop'), '1', 'EX', STOP_TTL_S);
    deadline = Math.min(deadline, Date.now() + STOP_GRACE_MS);
  };
  const take = async (raw: string) => {
    const r = JSON.parse(raw) as AgentResult;
    merged.mergeFrom(r.measurements);
    wallMs = Math.max(wallMs, r.wallMs);
    sessions += r.sessions;
    reported.add(r.index);
    // An agent stopped by its own Ctrl-C leaves a hole in the run: the others stop too.
    if (r.interrupted && !stopped) {
      interrupted = true;
      await stop();
    }
  };
  const watch = new HeartbeatWatch(redis, spec.runId);
  /** Agents neither reported nor lost. */
  const waiting = () => Array.from({ length: spec.agents }, (_, i) => i).filter((i) => !reported.has(i) && !lost.some((a) => a.agent === i + 1));
  while (reported.size + lost.length < spec.agents) {
    if (signal?.aborted && !stopped) {
      interrupted = true;
      await stop();
    }
    if (Date.now() >= deadline) {
      if (stopped) break;
      throw new HeadroomError(ErrorCode.agentsUnavailable, `distributed load test: only ${reported.size} of ${spec.agents} agents of run ${spec.runId} reported within ${formatDuration(timeoutMs)}`, {
        hint: 'an agent is still alive (its heartbeat goes on) but did not finish: see its errors above, or on the machine it ran on',
      });
    }
    // One-second slices (BLPOP's whole-second timeout on older Redis), so an interruption is acted on at once.
    const item = await redis.blpop(results, 1);
    if (item) {
      await take(item[1]);
      continue;
    }
    const quiet = await watch.silent(waiting());
    if (quiet.length === 0) continue;
    // An agent pushes its result before its heartbeat ends: take what came meanwhile, so that an agent that
    // reported and left is not taken for dead.
    for (let raw = await redis.lpop(results); raw !== null; raw = await redis.lpop(results)) await take(raw);
    const dead = quiet.filter((i) => !reported.has(i));
    if (dead.length === 0) continue;
    for (const a of await watch.lastHeard(dead)) {
      lost.push(a);
      onLost?.(a);
    }
    // The run has a hole the others cannot fill: what they measured from here on is not the planned load.
    if (!stopped) await stop();
  }
  lost.sort((a, b) => a.agent - b.agent);
  return {
    measurements: merged,
    wallMs,
    sessions,
    interrupted,
    missing: spec.agents - reported.size - lost.length,
    agents: { count: spec.agents, reported: reported.size, lost },
  };
}

/** Tells the run's agents to stop (waiting for the start or replaying), and removes the run. */
export async function cancelRun(redis: Redis, spec: RunSpec): Promise<void> {
  await redis.set(key(spec.runId, 'stop'), '1', 'EX', STOP_TTL_S);
  await removeRun(redis, spec);
}

/** Deletes the run's keys and its entries on its pool's list (those no agent took). */
export async function removeRun(redis: Redis, spec: RunSpec): Promise<void> {
  if (spec.pool !== undefined) await redis.lrem(poolKey(spec.pool), 0, spec.runId);
  await redis.del(key(spec.runId, 'job'), key(spec.runId, 'index'), key(spec.runId, 'start'), key(spec.runId, 'results'), ...livenessKeys(spec.runId, spec.agents));
}

/** Which run an agent takes: the one it was started for, or the next on a pool's list. */
export type AgentSource = { runId: string } | { pool: string };

/**
 * Polls for the start instant of a claimed run; undefined when the run was cancelled or removed, or
 * did not start within the coordinator's own wait (it gave up, or died).
 */
async function startOf(redis: Redis, spec: RunSpec, signal?: AbortSignal): Promise<number | undefined> {
  const deadline = Date.now() + spec.agentsTimeoutMs + 10_000;
  while (Date.now() < deadline && !signal?.aborted) {
    const [start, stop, job] = await redis.mget(key(spec.runId, 'start'), key(spec.runId, 'stop'), key(spec.runId, 'job'));
    if (start) return Number(start);
    if (stop || !job) return undefined;
    await sleep(50);
  }
  return undefined;
}

/**
 * Claims run `runId` and waits for its start: the spec, this agent's index, the start instant and its
 * heartbeat (beating from the claim on), or undefined (with the reason logged) when there is nothing to
 * replay — the run is gone (cancelled, finished, or its coordinator died before the start), has its
 * agents already, or was cancelled before it started.
 */
async function join(redis: Redis, runId: string, log: (line: string) => void, signal?: AbortSignal): Promise<{ spec: RunSpec; index: number; startAtEpochMs: number; heartbeat: Heartbeat } | undefined> {
  const raw = await redis.get(key(runId, 'job'));
  const index = raw ? Number(await redis.eval(CLAIM, 2, key(runId, 'job'), key(runId, 'index'), RUN_TTL_S)) - 1 : -1;
  if (!raw || index < 0) {
    log(`run ${runId}: gone (cancelled, finished, or its coordinator stopped before the start): skipped`);
    return undefined;
  }
  const spec = JSON.parse(raw) as RunSpec;
  if (index >= spec.agents) return undefined; // the run has its agents already
  const heartbeat = new Heartbeat(redis, runId, index, RUN_TTL_S);
  await heartbeat.start();
  const startAtEpochMs = await startOf(redis, spec, signal);
  if (startAtEpochMs !== undefined) return { spec, index, startAtEpochMs, heartbeat };
  await heartbeat.end();
  log(`run ${runId}: ${signal?.aborted ? 'interrupted' : 'cancelled'} before it started: skipped`);
  return undefined;
}

/** How often a replaying agent looks at its run's stop flag. */
const STOP_POLL_MS = 250;

/**
 * An agent: takes one run — the one it was started for, or the next on its pool's list that is still
 * live (waiting up to `waitMs` for one) — replays its share from the shared start and reports. False if
 * no run came. `log` gets the lines a user should see (skipped runs, the drain announcement). An
 * aborted `signal` (the agent's own Ctrl-C) or the run's stop flag ends the replay early; what was
 * measured is still reported, marked interrupted.
 */
export async function runAgentOnce(redis: Redis, from: AgentSource, waitMs: number, log: (line: string) => void = () => undefined, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  let joined: Awaited<ReturnType<typeof join>>;
  if ('runId' in from) joined = await join(redis, from.runId, log, signal);
  else {
    // Entries of runs that are gone are skipped: they do not use up a --once agent. One-second waits, so
    // that a Ctrl-C is acted on at once.
    while (!joined) {
      const left = deadline - Date.now();
      const item = left > 0 && !signal?.aborted ? await redis.blpop(poolKey(from.pool), 1) : null;
      if (item) joined = await join(redis, item[1], log, signal);
      else if (left <= 0 || signal?.aborted) return false;
    }
  }
  if (!joined) return true;
  const { spec, index, startAtEpochMs, heartbeat } = joined;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const poll = setInterval(() => {
    redis.exists(key(spec.runId, 'stop')).then(
      (n) => n > 0 && stop.abort(),
      () => undefined, // Redis unreachable for a moment: the next poll, or the end of the run
    );
  }, STOP_POLL_MS);
  let r: ReplayResult;
  try {
    r = await replay(scenarioOf(spec), {
      progress: heartbeat.progress,
      target: spec.target,
      timeScale: spec.timeScale,
      seed: spec.seed,
      owns: (id) => id % spec.agents === index,
      runId: spec.runId,
      startAtEpochMs,
      stream: spec.stream,
      connections: spec.connections,
      drainTimeoutMs: spec.drainTimeoutMs,
      signal: stop.signal,
      onDrain: (d) => log(`agent ${index + 1}/${spec.agents}: ${drainLine(d)}`),
      ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
    });
    const result: AgentResult = { measurements: r.measurements.toJSON(), wallMs: r.wallMs, sessions: r.sessions, index, interrupted: r.interrupted ?? false };
    // Pushed before the heartbeat ends: a coordinator that finds the heartbeat gone finds the result.
    await redis.rpush(key(spec.runId, 'results'), JSON.stringify(result));
    await redis.expire(key(spec.runId, 'results'), RUN_TTL_S);
  } catch (e) {
    heartbeat.abandon();
    throw e;
  } finally {
    clearInterval(poll);
    signal?.removeEventListener('abort', onAbort);
  }
  await heartbeat.end();
  return true;
}
