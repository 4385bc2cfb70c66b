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
 *
 * Keys: `hr:lt:pool:<name>` (run ids), `hr:lt:run:<id>:{job,index,start,stop,results}`.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseScenario } from '../scenario/load.js';
import { formatDuration } from '../scenario/units.js';
import { ErrorCode, HeadroomError } from '../errors.js';
import { Pricing } from '../core/pricing.js';
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
  /** The run was stopped before its end: by `signal`, or because an agent was interrupted. */
  interrupted: boolean;
  /** Agents that had not reported when the wait after a stop ran out. */
  missing: number;
}

/**
 * Waits for every agent's measurements and merges them. When `signal` is aborted (Ctrl-C) or an agent
 * reports that it was interrupted, it sets the run's stop flag and waits for the others' partial
 * measurements, briefly: the run is then reported as interrupted, with what came.
 */
export async function collectRun(redis: Redis, spec: RunSpec, timeoutMs: number, signal?: AbortSignal): Promise<Collected> {
  const merged = emptyMeasurements(spec);
  let wallMs = 0;
  let sessions = 0;
  let got = 0;
  let stopped = false;
  let deadline = Date.now() + timeoutMs;
  const stop = async () => {
    stopped = true;
    await redis.set(key(spec.runId, 'stop'), '1', 'EX', STOP_TTL_S);
    deadline = Math.min(deadline, Date.now() + STOP_GRACE_MS);
  };
  while (got < spec.agents) {
    if (signal?.aborted && !stopped) await stop();
    if (Date.now() >= deadline) {
      if (stopped) break;
      throw new HeadroomError(ErrorCode.agentsUnavailable, `distributed load test: only ${got} of ${spec.agents} agents of run ${spec.runId} reported within ${formatDuration(timeoutMs)}`, {
        hint: 'an agent died during the run: see its errors above, or on the machine it ran on',
      });
    }
    // One-second slices (BLPOP's whole-second timeout on older Redis), so an interruption is acted on at once.
    const item = await redis.blpop(key(spec.runId, 'results'), 1);
    if (!item) continue;
    const r = JSON.parse(item[1]) as AgentResult;
    merged.mergeFrom(r.measurements);
    wallMs = Math.max(wallMs, r.wallMs);
    sessions += r.sessions;
    got++;
    // An agent stopped by its own Ctrl-C leaves a hole in the run: the others stop too.
    if (r.interrupted && !stopped) await stop();
  }
  return { measurements: merged, wallMs, sessions, interrupted: stopped, missing: spec.agents - got };
}

/** Tells the run's agents to stop (waiting for the start or replaying), and removes the run. */
export async function cancelRun(redis: Redis, spec: RunSpec): Promise<void> {
  await redis.set(key(spec.runId, 'stop'), '1', 'EX', STOP_TTL_S);
  await removeRun(redis, spec);
}

/** Deletes the run's keys and its entries on its pool's list (those no agent took). */
export async function removeRun(redis: Redis, spec: RunSpec): Promise<void> {
  if (spec.pool !== undefined) await redis.lrem(poolKey(spec.pool), 0, spec.runId);
  await redis.del(key(spec.runId, 'job'), key(spec.runId, 'index'), key(spec.runId, 'start'), key(spec.runId, 'results'));
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
 * Claims run `runId` and waits for its start: the spec, this agent's index and the start instant, or
 * undefined (with the reason logged) when there is nothing to replay — the run is gone (cancelled,
 * finished, or its coordinator died before the start), has its agents already, or was cancelled before
 * it started.
 */
async function join(redis: Redis, runId: string, log: (line: string) => void, signal?: AbortSignal): Promise<{ spec: RunSpec; index: number; startAtEpochMs: number } | undefined> {
  const raw = await redis.get(key(runId, 'job'));
  const index = raw ? Number(await redis.eval(CLAIM, 2, key(runId, 'job'), key(runId, 'index'), RUN_TTL_S)) - 1 : -1;
  if (!raw || index < 0) {
    log(`run ${runId}: gone (cancelled, finished, or its coordinator stopped before the start): skipped`);
    return undefined;
  }
  const spec = JSON.parse(raw) as RunSpec;
  if (index >= spec.agents) return undefined; // the run has its agents already
  const startAtEpochMs = await startOf(redis, spec, signal);
  if (startAtEpochMs === undefined) log(`run ${runId}: ${signal?.aborted ? 'interrupted' : 'cancelled'} before it started: skipped`);
  return startAtEpochMs === undefined ? undefined : { spec, index, startAtEpochMs };
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
  const { spec, index, startAtEpochMs } = joined;
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
      target: spec.target,
      timeScale: spec.timeScale,
      seed: spec.seed,
      owns: (id) => id % spec.agents === index,
      startAtEpochMs,
      stream: spec.stream,
      connections: spec.connections,
      drainTimeoutMs: spec.drainTimeoutMs,
      signal: stop.signal,
      onDrain: (d) => log(`agent ${index + 1}/${spec.agents}: ${drainLine(d)}`),
      ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
    });
  } finally {
    clearInterval(poll);
    signal?.removeEventListener('abort', onAbort);
  }
  const result: AgentResult = { measurements: r.measurements.toJSON(), wallMs: r.wallMs, sessions: r.sessions, index, interrupted: r.interrupted ?? false };
  await redis.rpush(key(spec.runId, 'results'), JSON.stringify(result));
  await redis.expire(key(spec.runId, 'results'), RUN_TTL_S);
  return true;
}
